/*
 * filesvc-tlsd: TLS on fds 0/1 for a plain per-connection server.
 * Started per connection (filesvc-inetd, systemd Accept=yes, tcpserver),
 * it completes the handshake, starts COMMAND behind a socketpair and
 * relays; the command never sees the key.  main() sequences the phases.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "forkserver.h"
#include "fs-limits.h"
#include "io.h"
#include "log.h"
#include "parse.h"
#include "peer.h"
#include "tlsd.h"

#define DEFAULT_TIMEOUT	30

static const char usage[] =
    "Usage: filesvc-tlsd [--timeout SECONDS] --cert FILE --key FILE -- COMMAND [ARG...]\n"
    "Complete a TLS handshake on stdin/stdout, then run COMMAND with the plain\n"
    "connection on its stdin/stdout and relay between the two.\n"
    "\n"
    "  -c, --cert FILE        the certificate, then its chain (PEM), read per connection\n"
    "  -k, --key FILE         the private key (PEM, unencrypted), read per connection\n"
    "  -t, --timeout SECONDS  handshake deadline and idle timeout, 1-86400 (default 30)\n"
    "  -h, --help             show this help and exit\n"
    "  -V, --version          show the version and exit\n"
    "\n"
    "COMMAND gets HTTPS=on, SSL_PROTOCOL, SSL_CIPHER and SSL_TLS_SNI in its environment.\n"
    "Exit status: COMMAND's (128+N if signal N killed it); 0 when the handshake\n"
    "failed or timed out (COMMAND is not run); 1 on a server-side failure (e.g. the\n"
    "key cannot be read); 2 on bad usage.  See filesvc-tlsd(8).\n";

/* One option: 0 to go on, 1 after --help or --version, -1 after a usage error (logged). */
static int
option_set(int c, struct options *opt)
{
	uint64_t v;

	switch (c) {
	case 'c':
		opt->cert = optarg;
		return 0;
	case 'k':
		opt->key = optarg;
		return 0;
	case 't':
		if (parse_u64_range(optarg, 1, 86400, &v) < 0) {
			log_msg(LOG_ERR, 0, "invalid timeout '%s': want 1-86400 seconds", optarg);
			return -1;
		}
		opt->timeout_s = (unsigned)v;
		return 0;
	case 'h':
		fputs(usage, stdout);
		return 1;
	case 'V':
		puts("filesvc-tlsd " FS_VERSION);
		return 1;
	default:
		return -1;	/* getopt_long() has said what is wrong */
	}
}

/* What the options leave missing; NULL when all is there. */
static const char *
options_missing(const struct options *opt)
{
	if (opt->cert == NULL)
		return "--cert";
	if (opt->key == NULL)
		return "--key";
	if (opt->argv[0] == NULL)
		return "a COMMAND after --";
	return NULL;
}

/* Returns 0 to go on, 1 after --help or --version, -1 after a usage error. */
static int
options_parse(int argc, char *argv[], struct options *opt)
{
	static const struct option longopts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *missing;
	int c, r = 0;

	*opt = (struct options){ .timeout_s = DEFAULT_TIMEOUT };
	/* '+': the command's own options are not ours. */
	while (r == 0 && (c = getopt_long(argc, argv, "+c:k:t:hV", longopts, NULL)) != -1)
		r = option_set(c, opt);
	opt->argv = argv + optind;
	if (r == 0 && (missing = options_missing(opt)) != NULL) {
		log_msg(LOG_ERR, 0, "missing %s", missing);
		r = -1;
	}
	if (r < 0)
		fputs("Try 'filesvc-tlsd --help'.\n", stderr);
	return r;
}

/* No syslog to send lines to: better lost than sent in the clear to the client. */
static int
stderr_to_null(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC), r = 0;

	if (fd == -1)
		return -errno;
	if (dup2(fd, STDERR_FILENO) == -1)
		r = -errno;
	io_close_unwritten(fd);
	return r;
}

int
main(int argc, char *argv[])
{
	struct options opt;
	struct tlsd t = { .opt = &opt, .child_fd = -1 };
	const char *fdtext;
	int r;

	log_init("filesvc-tlsd");
	if ((r = io_fds_ensure_open()) < 0)
		die(FS_EXIT_FAIL, -r, "cannot set up standard descriptors");
	/*
	 * Started with the connection on fd 2 too (xinetd), lines would go
	 * into the TLS stream, and the command's, unencrypted, after them:
	 * send both to syslog, the command's through fd 2 made that socket.
	 */
	if (log_stderr_is_connection() && (log_to_syslog() < 0 || log_syslog_as_stderr() < 0) &&
	    (r = stderr_to_null()) < 0)
		return FS_EXIT_FAIL;	/* nowhere to say it without corrupting the stream */
	if ((r = options_parse(argc, argv, &opt)) != 0)
		return r > 0 ? FS_EXIT_OK : FS_EXIT_USAGE;
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)	/* a vanished client is EPIPE, not death */
		die(FS_EXIT_FAIL, errno, "cannot ignore SIGPIPE");
	/* An inherited SIG_IGN would have the kernel reap the command: no exit status to pass on. */
	if (signal(SIGCHLD, SIG_DFL) == SIG_ERR)
		die(FS_EXIT_FAIL, errno, "cannot reset SIGCHLD");
	if ((fdtext = getenv(FORKSERVER_ENV)) != NULL)
		return forkserver_run(&opt, fdtext);
	peer_describe(t.peer, sizeof(t.peer));
	if ((r = lockdown_nodump()) < 0)
		die(FS_EXIT_FAIL, -r, "cannot make the process non-dumpable");
	if ((t.ctx = tls_context(&opt)) == NULL)
		return FS_EXIT_FAIL;	/* logged, naming the file */
	if ((r = lockdown_early()) < 0)
		die(FS_EXIT_FAIL, -r, "cannot set no_new_privs");
	return connection_run(&t);
}
