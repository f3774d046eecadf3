/*
 * Starting the program per connection with posix_spawn(): no copy of our
 * memory, a clean signal state, the connection on fds 0 and 1, fd 2
 * shared for log lines, every other fd closed by CLOEXEC.  What can be
 * prepared once (the program's path, the attributes, the environment's
 * shape) is prepared once; per connection only the peer text changes,
 * in the spawning thread's own struct spawn_env.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spawner.h"

extern char **environ;

/*
 * Names a child must not inherit from us: the service manager's (they
 * describe our sockets and our pid, not the child's) and the ones we set,
 * which an outer super-server may have set for us (FILESVC_FORK_SERVER
 * would send a spawned filesvc-tlsd looking for a fork-server socket).
 */
static const char *const dropped[] = {
	"LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "WATCHDOG_PID",
	"WATCHDOG_USEC", "FILESVC_FORK_SERVER", "PROTO", "TCPREMOTEIP", "TCPREMOTEPORT", "TCPREMOTEHOST",
	"TCPREMOTEINFO", "TCPLOCALIP", "TCPLOCALPORT", "TCPLOCALHOST", "REMOTE_ADDR",
	"REMOTE_PORT",
};

static const char *const ours[ENV_OURS] = {
	[ENV_PROTO] = "PROTO=TCP",
	[ENV_REMOTE_IP] = "TCPREMOTEIP=",
	[ENV_REMOTE_PORT] = "TCPREMOTEPORT=",
	[ENV_LOCAL_IP] = "TCPLOCALIP=",
	[ENV_LOCAL_PORT] = "TCPLOCALPORT=",
	[ENV_REMOTE_ADDR] = "REMOTE_ADDR=",
	[ENV_REMOTE_PORT2] = "REMOTE_PORT=",
};

static bool
env_dropped(const char *entry)
{
	size_t i;

	for (i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++) {
		size_t n = strlen(dropped[i]);

		if (strncmp(entry, dropped[i], n) == 0 && entry[n] == '=')
			return true;
	}
	return false;
}

/* The entries of our environment every child inherits, found once. */
static int
env_keep(struct spawner *sp)
{
	size_t n = 0;
	char **e;

	for (e = environ; *e != NULL; e++)
		n++;
	if ((sp->kept = calloc(n + 1, sizeof(*sp->kept))) == NULL)
		return -ENOMEM;
	for (e = environ; *e != NULL; e++)
		if (!env_dropped(*e))
			sp->kept[sp->nkept++] = *e;
	return 0;
}

int
spawn_env_init(const struct spawner *sp, struct spawn_env *env)
{
	size_t i;

	if ((env->envp = calloc(sp->nkept + ENV_OURS + 1, sizeof(*env->envp))) == NULL)
		return -ENOMEM;
	memcpy(env->envp, sp->kept, sp->nkept * sizeof(*env->envp));
	for (i = 0; i < ENV_OURS; i++) {
		struct env_var *v = &env->var[i];

		v->off = strlen(ours[i]);
		memcpy(v->buf, ours[i], v->off + 1);
		env->envp[sp->nkept + i] = v->buf;
	}
	env->envp[sp->nkept + ENV_OURS] = NULL;
	return 0;
}

void
spawn_env_fini(struct spawn_env *env)
{
	free(env->envp);
	env->envp = NULL;
}

static void
env_set(struct env_var *v, const char *value)
{
	size_t len = strnlen(value, sizeof(v->buf) - v->off - 1);

	memcpy(v->buf + v->off, value, len);
	v->buf[v->off + len] = '\0';
}

void
spawn_set_peer(struct spawn_env *env, const struct addr_text *remote,
    const struct addr_text *local)
{
	env_set(&env->var[ENV_REMOTE_IP], remote->ip);
	env_set(&env->var[ENV_REMOTE_PORT], remote->port);
	env_set(&env->var[ENV_LOCAL_IP], local->ip);
	env_set(&env->var[ENV_LOCAL_PORT], local->port);
	env_set(&env->var[ENV_REMOTE_ADDR], remote->ip);
	env_set(&env->var[ENV_REMOTE_PORT2], remote->port);
}

static bool
runnable(const char *path)
{
	struct stat st;

	return access(path, X_OK) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * Find PROGRAM once, as execvp() would, so each spawn is one execve()
 * instead of one failed try per PATH entry.
 */
static int
path_resolve(struct spawner *sp, const char *prog)
{
	const char *dirs = getenv("PATH"), *d, *end;

	if (strchr(prog, '/') != NULL) {
		sp->path = prog;
		return access(prog, X_OK) == 0 ? 0 : -errno;
	}
	if (dirs == NULL)
		dirs = "/usr/local/bin:/usr/bin:/bin";
	for (d = dirs; ; d = end + 1) {
		size_t len;
		int n;

		end = strchrnul(d, ':');
		len = (size_t)(end - d);
		n = snprintf(sp->pathbuf, sizeof(sp->pathbuf), "%.*s%s%s", (int)len, d,
		    len == 0 ? "" : "/", prog);
		if (n > 0 && (size_t)n < sizeof(sp->pathbuf) && runnable(sp->pathbuf)) {
			sp->path = sp->pathbuf;
			return 0;
		}
		if (*end == '\0')
			return -ENOENT;
	}
}

/*
 * The child starts with an empty signal mask (ours blocks the signals the
 * signalfd reads), every signal at its default disposition (so nothing we
 * ignore, SIGPIPE or what nohup ignored for us, reaches the handler), and
 * in a process group of its own, so a terminal's ^C reaches only us and
 * the grace time (-t) still applies.
 *
 * Why all signals, not only the ones we ignore: the child of glibc's
 * posix_spawn() visits every signal.  One in the default set costs one
 * sigaction(); any other costs two (ask, then reset), since the child
 * runs with all signals blocked.  The full set halves that: 64 calls
 * instead of 120 (commit 94b0e6a measured the difference).
 */
static int
attr_init(posix_spawnattr_t *attr)
{
	sigset_t none, all;
	int r;

	sigemptyset(&none);
	sigfillset(&all);
	if ((r = posix_spawnattr_init(attr)) != 0)
		return -r;
	r = posix_spawnattr_setflags(attr,
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	if (r == 0)
		r = posix_spawnattr_setsigmask(attr, &none);
	if (r == 0)
		r = posix_spawnattr_setsigdefault(attr, &all);
	if (r == 0)
		r = posix_spawnattr_setpgroup(attr, 0);
	if (r != 0)
		(void)posix_spawnattr_destroy(attr);
	return -r;
}

int
spawn_init(struct spawner *sp, char *const argv[])
{
	int r;

	*sp = (struct spawner){ .argv = argv };
	if ((r = path_resolve(sp, argv[0])) < 0)
		return r;
	if ((r = attr_init(&sp->attr)) < 0)
		return r;
	if ((r = env_keep(sp)) < 0) {
		(void)posix_spawnattr_destroy(&sp->attr);
		return r;
	}
	return 0;
}

int
spawn_start(const struct spawner *sp, const struct spawn_env *env, int conn, pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa;
	int r;

	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		return -r;
	/* dup2 clears FD_CLOEXEC on 0 and 1; conn itself (>= 3) closes at exec. */
	r = posix_spawn_file_actions_adddup2(&fa, conn, STDIN_FILENO);
	if (r == 0)
		r = posix_spawn_file_actions_adddup2(&fa, conn, STDOUT_FILENO);
	if (r == 0)
		r = posix_spawn(ret_pid, sp->path, &fa, &sp->attr, sp->argv, env->envp);
	(void)posix_spawn_file_actions_destroy(&fa);	/* cannot fail for an initialised one */
	return -r;
}

void
spawn_fini(struct spawner *sp)
{
	(void)posix_spawnattr_destroy(&sp->attr);
	free(sp->kept);
	sp->kept = NULL;
}
