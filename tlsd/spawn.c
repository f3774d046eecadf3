/*
 * Start the command behind a socketpair, as the super-server started us,
 * with what TLS established added to the environment (the UCSPI-TLS
 * names: HTTPS, SSL_PROTOCOL, SSL_CIPHER, SSL_TLS_SNI); and its end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs-limits.h"
#include "io.h"
#include "log.h"
#include "peer.h"
#include "tlsd.h"

extern char **environ;

/* The variables tlsd sets; the same names inherited from above are dropped. */
struct tls_env {
	char	https[16];
	char	protocol[64];
	char	cipher[128];
	char	sni[300];	/* a host name is at most 255 bytes */
	char	ip[80];
	char	port[32];
};

bool
spawn_sni_ok(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		unsigned char c = (unsigned char)s[n];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
			return false;
	}
	return n > 0 && n <= 253;
}

static bool
ours(const char *var)
{
	return strncmp(var, "HTTPS=", 6) == 0 || strncmp(var, "SSL_", 4) == 0;
}

/*
 * Started by a super-server that names no peer (systemd-socket-activate,
 * a socket unit without the variables), the command, on a socketpair,
 * could not see who it serves: name it as UCSPI does.
 */
static void
env_peer(struct tls_env *te, char **envp)
{
	struct addr_text t;

	if (getenv("TCPREMOTEIP") != NULL || getenv("REMOTE_ADDR") != NULL ||
	    !peer_address(STDIN_FILENO, &t))
		return;
	(void)snprintf(te->ip, sizeof(te->ip), "TCPREMOTEIP=%s", t.ip);
	(void)snprintf(te->port, sizeof(te->port), "TCPREMOTEPORT=%s", t.port);
	envp[0] = te->ip;
	envp[1] = te->port;
	envp[2] = NULL;
}

/* environ without our names, then ours; envp has room for all of it. */
static void
env_build(const struct tlsd *t, struct tls_env *te, char **envp)
{
	const char *sni = SSL_get_servername(t->ssl, TLSEXT_NAMETYPE_host_name);
	size_t n = 0, i;

	for (i = 0; environ[i] != NULL; i++)
		if (!ours(environ[i]))
			envp[n++] = environ[i];
	(void)snprintf(te->https, sizeof(te->https), "HTTPS=on");
	(void)snprintf(te->protocol, sizeof(te->protocol), "SSL_PROTOCOL=%s",
	    SSL_get_version(t->ssl));
	(void)snprintf(te->cipher, sizeof(te->cipher), "SSL_CIPHER=%s",
	    SSL_get_cipher_name(t->ssl));
	envp[n++] = te->https;
	envp[n++] = te->protocol;
	envp[n++] = te->cipher;
	/* The client chose it: only a plain DNS name reaches the command. */
	if (sni != NULL && spawn_sni_ok(sni)) {
		(void)snprintf(te->sni, sizeof(te->sni), "SSL_TLS_SNI=%s", sni);
		envp[n++] = te->sni;
	}
	envp[n] = NULL;
	env_peer(te, envp + n);
}

/*
 * The command starts clean (R28): empty signal mask, default SIGPIPE,
 * its end on fds 0 and 1, fd 2 inherited, every other fd closed by
 * CLOEXEC (the TLS connection's 0 and 1 are replaced by the dup2s).
 */
static int
spawn_on(int fd, char *const argv[], char *const envp[], pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	int r;

	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	if ((r = posix_spawnattr_init(&attr)) != 0)
		return -r;
	if ((r = posix_spawn_file_actions_init(&fa)) != 0) {
		(void)posix_spawnattr_destroy(&attr);
		return -r;
	}
	r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (r == 0)
		r = posix_spawnattr_setsigmask(&attr, &none);
	if (r == 0)
		r = posix_spawnattr_setsigdefault(&attr, &dflt);
	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, fd, STDIN_FILENO);
	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
	if (r == 0)
		r = posix_spawnp(ret_pid, argv[0], &fa, &attr, argv, envp);
	(void)posix_spawn_file_actions_destroy(&fa);
	(void)posix_spawnattr_destroy(&attr);
	return -r;
}

int
spawn_command(struct tlsd *t)
{
	struct tls_env te;
	size_t n = 0;
	char **envp;
	int sv[2], r;

	while (environ[n] != NULL)
		n++;
	if ((envp = calloc(n + 7, sizeof(*envp))) == NULL)
		return -ENOMEM;
	env_build(t, &te, envp);
	/* sv[1] goes to the command; R23 keeps both above fd 2. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		r = -errno;
		free(envp);
		return r;
	}
	/*
	 * Larger than the default: downloads run faster (bench/results/
	 * 2026-12-07-1123-tls.md's notes).  The kernel caps it at
	 * net.core.wmem_max; if it refuses, the default only costs speed.
	 */
	(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &(int){ FS_RELAY_SOCKBUF }, sizeof(int));
	r = spawn_on(sv[1], t->opt->argv, envp, &t->child);
	free(envp);
	io_close_unwritten(sv[1]);	/* the command holds it now: its exit is our EOF */
	if (r == 0)
		r = io_set_nonblock(sv[0], 1);
	if (r < 0) {
		io_close_unwritten(sv[0]);
		return r;
	}
	t->child_fd = sv[0];
	return 0;
}

int
spawn_wait(struct tlsd *t)
{
	int st;

	while (waitpid(t->child, &st, 0) == -1)
		if (errno != EINTR) {
			log_msg(LOG_ERR, errno, "cannot wait for %s", t->opt->argv[0]);
			return FS_EXIT_FAIL;
		}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	log_msg(LOG_WARNING, 0, "%s killed by signal %d", t->opt->argv[0], WTERMSIG(st));
	return 128 + WTERMSIG(st);
}
