/*
 * filesvc-inetd: listen on TCP sockets and run PROGRAM once per
 * connection, the connection on its fds 0 and 1 (UCSPI style, like
 * tcpserver).  main() only sequences the phases; each is one function.
 */
#include <errno.h>
#include <linux/close_range.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "fs-limits.h"
#include "inetd.h"
#include "io.h"
#include "log.h"
#include "parse.h"
#include "sv-config.h"

#define DEFAULT_MAX_CONN	100
#define DEFAULT_GRACE		30

static const char usage[] =
    "Usage: filesvc-inetd [-qv] [-l ADDRESS]... [-c N] [-C N] [-b N] [-t SECONDS]\n"
    "                     [-u USER[:GROUP]] [--allow-root] [--proxy-protocol]\n"
    "                     [--reuseport] [--handler-seccomp | --fork-server] [--syslog]\n"
    "                     [--] PROGRAM [ARG]...\n"
    "Run PROGRAM once per TCP connection, with the connection on its stdin and stdout.\n"
    "\n"
    "  -l, --listen ADDRESS     listen on HOST:PORT, [IPV6]:PORT, or *:PORT (every\n"
    "                           address, IPv4 and IPv6); repeatable; not needed when\n"
    "                           systemd passes listening sockets (LISTEN_FDS)\n"
    "  -c, --max-connections N  at most N connections at once, 1-65536 (default 100);\n"
    "                           more wait in the listen backlog until one ends\n"
    "  -C, --max-per-source N   at most N at once from one client address (IPv6: one\n"
    "                           /64), 1-65536 (default: as -c); more are closed at once\n"
    "  -b, --backlog N          listen backlog of -l sockets, 1-65535 (default 4096)\n"
    "  -t, --grace SECONDS      on SIGTERM or SIGINT, stop listening and give running\n"
    "                           connections up to SECONDS to finish, 0-86400 (default\n"
    "                           30); then SIGTERM them, and SIGKILL 5 s later\n"
    "  -u, --user USER[:GROUP]  after binding, switch to USER (name or number), its\n"
    "                           login group or GROUP, and USER's supplementary groups;\n"
    "                           PROGRAM runs as USER too\n"
    "      --allow-root         run PROGRAM as root (uid 0); refused without this\n"
    "      --proxy-protocol     every connection starts with a PROXY v1/v2 header (from\n"
    "                           HAProxy, say): the client it names is TCPREMOTEIP,\n"
    "                           counts for -C and is logged; no valid header within\n"
    "                           5 s: closed (a LOCAL header keeps the real peer)\n"
    "      --reuseport          set SO_REUSEPORT, so several supervisors share a port\n"
    "      --handler-seccomp    start PROGRAM under filesvc-handler's seccomp filter\n"
    "                           (loaded once per spawner thread, not once per\n"
    "                           connection); PROGRAM must be filesvc-handler\n"
    "      --fork-server        start PROGRAM once, as a fork server, and ask it for\n"
    "                           each connection's process (it must speak the\n"
    "                           fork-server protocol; filesvc-tlsd does); not with\n"
    "                           --handler-seccomp\n"
    "      --syslog             log to syslog (/dev/log, facility daemon), and so do\n"
    "                           PROGRAM's lines on its stderr\n"
    "  -q, --quiet              log only problems\n"
    "  -v, --verbose            also log one line per connection (peer, pid, exit, time)\n"
    "  -h, --help               show this help and exit\n"
    "  -V, --version            show the version and exit\n"
    "\n"
    "PROGRAM's environment is ours plus PROTO=TCP, TCPREMOTEIP, TCPREMOTEPORT,\n"
    "TCPLOCALIP, TCPLOCALPORT, REMOTE_ADDR and REMOTE_PORT; its stderr is ours.\n"
    "READY=1, STATUS= and STOPPING=1 go to NOTIFY_SOCKET when it is set (systemd,\n"
    "start-stop-daemon --notify-await).\n"
    "\n"
    "Exit status: 0 after SIGTERM or SIGINT once the last connection has ended,\n"
    "1 on a server-side failure (e.g. a port in use), 2 on bad usage.\n"
    "Example: filesvc-inetd -l '*:7070' -c 256 -C 16 -u nobody -- filesvc-handler --root /srv/filesvc\n";

enum { OPT_REUSEPORT = 256, OPT_ALLOW_ROOT, OPT_PROXY, OPT_HANDLER_SECCOMP, OPT_SYSLOG,
	OPT_FORK_SERVER };

/* A numeric option through parse_u64_range(), or a specific complaint. */
static bool
option_number(const char *what, const char *arg, uint64_t min, uint64_t max, unsigned *ret)
{
	uint64_t v;

	if (parse_u64_range(arg, min, max, &v) < 0) {
		log_msg(LOG_ERR, 0, "invalid %s '%s': want %" PRIu64 "-%" PRIu64, what, arg, min,
		    max);
		return false;
	}
	*ret = (unsigned)v;
	return true;
}

static bool
listen_option(struct options *opt, const char *arg)
{
	struct addr_spec spec;
	int r;

	if (opt->nlisten == SV_LISTEN_MAX) {
		log_msg(LOG_ERR, 0, "too many -l options (at most %d)", SV_LISTEN_MAX);
		return false;
	}
	if ((r = addr_parse_listen(arg, &spec)) < 0) {
		log_msg(LOG_ERR, 0, r == -ERANGE ? "invalid port in '%s': want 0-65535" :
		    "invalid listen address '%s': want HOST:PORT, [IPV6]:PORT or *:PORT", arg);
		return false;
	}
	opt->listen[opt->nlisten++] = arg;
	return true;
}

/* One option; false on a usage error. */
static bool
option_one(struct options *opt, int c, const char *arg, bool *per_source_set)
{
	switch (c) {
	case 'l':
		return listen_option(opt, arg);
	case 'c':
		return option_number("connection limit", arg, 1, CONNTAB_MAX, &opt->max_conn);
	case 'C':
		*per_source_set = true;
		return option_number("per-source limit", arg, 1, CONNTAB_MAX, &opt->max_per_source);
	case 'b':
		return option_number("backlog", arg, 1, 65535, &opt->backlog);
	case 't':
		return option_number("grace time", arg, 0, 86400, &opt->grace_s);
	case 'u':
		opt->user = arg;
		return true;
	case OPT_ALLOW_ROOT:
		opt->allow_root = true;
		return true;
	case OPT_PROXY:
		opt->proxy = true;
		return true;
	case OPT_REUSEPORT:
		opt->reuseport = true;
		return true;
	case OPT_HANDLER_SECCOMP:
		opt->handler_seccomp = true;
		return true;
	case OPT_SYSLOG:
		opt->syslog = true;
		return true;
	case OPT_FORK_SERVER:
		opt->fork_server = true;
		return true;
	case 'q':
		opt->log_level = LOG_WARNING;
		return true;
	case 'v':
		opt->log_level = LOG_INFO;
		return true;
	default:
		return false;
	}
}

/* Returns 0 to go on, 1 after --help or --version, -1 after a usage error. */
static int
options_parse(int argc, char *argv[], struct options *opt)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "max-connections", required_argument, NULL, 'c' },
		{ "max-per-source", required_argument, NULL, 'C' },
		{ "backlog", required_argument, NULL, 'b' },
		{ "grace", required_argument, NULL, 't' },
		{ "user", required_argument, NULL, 'u' },
		{ "allow-root", no_argument, NULL, OPT_ALLOW_ROOT },
		{ "proxy-protocol", no_argument, NULL, OPT_PROXY },
		{ "reuseport", no_argument, NULL, OPT_REUSEPORT },
		{ "handler-seccomp", no_argument, NULL, OPT_HANDLER_SECCOMP },
		{ "syslog", no_argument, NULL, OPT_SYSLOG },
		{ "fork-server", no_argument, NULL, OPT_FORK_SERVER },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool per_source_set = false;
	int c;

	*opt = (struct options){ .max_conn = DEFAULT_MAX_CONN, .backlog = SOMAXCONN,
	    .grace_s = DEFAULT_GRACE, .log_level = LOG_NOTICE };
	/* '+': stop at PROGRAM, so its own options stay its own. */
	while ((c = getopt_long(argc, argv, "+l:c:C:b:t:u:qvhV", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return 1;
		}
		if (c == 'V') {
			printf("filesvc-inetd %s %s\n", FS_VERSION,
			    HAVE_LIBSYSTEMD ? "+systemd" : "-systemd");
			return 1;
		}
		if (!option_one(opt, c, optarg, &per_source_set))
			goto usage;
	}
	if (optind == argc) {
		log_msg(LOG_ERR, 0, "no PROGRAM to run per connection");
		goto usage;
	}
	/*
	 * The filter is filesvc-handler's and a fork server is never the
	 * handler; nor would its clones get it: they are not spawned by the
	 * threads that load it.
	 */
	if (opt->fork_server && opt->handler_seccomp) {
		log_msg(LOG_ERR, 0, "--handler-seccomp and --fork-server do not go together: the "
		    "filter is filesvc-handler's, and a fork server is not the handler");
		goto usage;
	}
	if (!per_source_set)
		opt->max_per_source = opt->max_conn;
	opt->argv = argv + optind;
	return 0;
usage:
	fputs("Try 'filesvc-inetd --help'.\n", stderr);
	return -1;
}

/*
 * Whatever fds our own parent leaked to us are not the children's
 * business: mark them close-on-exec (systemd's sockets are taken later).
 */
static void
fds_inherited_cloexec(void)
{
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1)
		log_msg(LOG_DEBUG, errno, "cannot mark inherited fds close-on-exec");
}

/*
 * -u resolved while we may still read the databases, and the rule that
 * PROGRAM never runs as root by accident: a file server has no use for
 * uid 0, and a root handler would read any file a symlink points at.
 * Returns false on a usage error.
 */
static bool
user_check(struct supervisor *sv)
{
	const struct options *opt = sv->opt;
	uid_t uid = geteuid();
	int r;

	if (opt->user != NULL) {
		if ((r = user_resolve(opt->user, &sv->user)) < 0) {
			log_msg(LOG_ERR, r == -ENOENT ? 0 : -r, r == -ENOENT ?
			    "unknown user or group in -u '%s' (a number without a passwd "
			    "entry needs :GROUP)" : "invalid -u '%s'", opt->user);
			return false;
		}
		uid = sv->user.uid;
	}
	if (uid == 0 && !opt->allow_root) {
		log_msg(LOG_ERR, 0, "refusing to run %s as root: give -u USER (e.g. -u nobody), "
		    "or --allow-root if that is really meant", opt->argv[0]);
		user_free(&sv->user);
		return false;
	}
	return true;
}

/*
 * --syslog: our lines go to /dev/log, and fd 2 becomes that socket too, so
 * the handlers' lines (written to their stderr) reach syslog as well.
 */
static void
syslog_setup(void)
{
	int r;

	if ((r = log_to_syslog()) < 0 || (r = log_syslog_as_stderr()) < 0) {
		fprintf(stderr, "filesvc-inetd: cannot log to syslog at /dev/log: %s\n",
		    strerror(-r));
		exit(FS_EXIT_FAIL);
	}
}

/* After binding (and taking systemd's sockets): become -u's user for good. */
static void
user_switch(struct supervisor *sv)
{
	int r;

	if (sv->opt->user == NULL)
		return;
	if ((r = user_become(&sv->user)) < 0)
		die(FS_EXIT_FAIL, -r, "cannot switch to user %s (uid %u, gid %u)", sv->opt->user,
		    (unsigned)sv->user.uid, (unsigned)sv->user.gid);
	log_msg(LOG_NOTICE, 0, "running as uid %u, gid %u", (unsigned)sv->user.uid,
	    (unsigned)sv->user.gid);
	user_free(&sv->user);
}

/* The connection table and, with --proxy-protocol, the table of headers awaited. */
static void
tables_allocate(struct supervisor *sv)
{
	uint64_t seed = 0;
	int r;

	/* Only perturbs a hash; a weak seed costs speed under attack, not safety. */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = (uint64_t)io_now_ms() ^ (uint64_t)getpid() << 32;
	if ((r = conntab_init(&sv->conns, sv->opt->max_conn, sv->opt->max_per_source, seed)) < 0)
		die(FS_EXIT_FAIL, -r, "cannot allocate a table for %u connections",
		    sv->opt->max_conn);
	if (sv->opt->proxy && (r = pending_init(&sv->pend, sv->opt->max_conn)) < 0)
		die(FS_EXIT_FAIL, -r, "cannot allocate a table for %u PROXY headers",
		    sv->opt->max_conn);
}

/*
 * PROGRAM found in PATH, with --fork-server started once, then the
 * spawner threads started; with
 * --handler-seccomp each thread loads filesvc-handler's seccomp filter
 * first, which every child it spawns inherits.
 */
static void
spawners_start_seccomp(struct supervisor *sv)
{
	int r;

	if ((r = spawn_init(&sv->sp, sv->opt->argv)) < 0)
		die(FS_EXIT_FAIL, -r, "cannot run %s", sv->opt->argv[0]);
	forkserve_setup(sv);	/* --fork-server: before the threads that ask it */
	/* After serve_signals(): the threads inherit its blocked signals. */
	r = workers_start(&sv->workers, &sv->sp, sv->opt->max_conn, workers_default_count(),
	    sv->opt->handler_seccomp);
	if (r == -EPROTO)
		die(FS_EXIT_FAIL, -sv->workers.filter_err,
		    "cannot load filesvc-handler's seccomp filter (--handler-seccomp)");
	if (r < 0)
		die(FS_EXIT_FAIL, -r, "cannot start the spawner threads");
}

/* In the reverse order of their setup; the threads are idle once the last child is reaped. */
static void
resources_free(struct supervisor *sv)
{
	serve_close(sv);
	workers_stop(&sv->workers);
	if (sv->opt->fork_server)
		forkspawn_fini(&sv->fs);
	spawn_fini(&sv->sp);
	conntab_fini(&sv->conns);
	pending_fini(&sv->pend);
	notify_close(&sv->nt);
}

int
main(int argc, char *argv[])
{
	struct options opt;
	struct supervisor sv = { .opt = &opt };
	int r;

	log_init("filesvc-inetd");
	if ((r = options_parse(argc, argv, &opt)) != 0)
		return r > 0 ? FS_EXIT_OK : FS_EXIT_USAGE;	/* r > 0: --help, --version */
	log_set_level(opt.log_level);
	/* Else an accepted socket could land on fd 2 and get other clients' log lines. */
	if ((r = io_fds_ensure_open()) < 0)
		die(FS_EXIT_FAIL, -r, "cannot set up standard descriptors");
	if (!user_check(&sv)) {	/* before binding: a refusal leaves no trace */
		fputs("Try 'filesvc-inetd --help'.\n", stderr);
		return FS_EXIT_USAGE;
	}
	if (opt.syslog)
		syslog_setup();
	fds_inherited_cloexec();
	serve_signals(&sv);	/* before any child exists */
	if (notify_open(&sv.nt) < 0)
		die(FS_EXIT_FAIL, 0, "cannot take the sockets systemd passed");
	listen_setup(&sv);
	user_switch(&sv);	/* after binding: a port < 1024 needs root, serving does not */
	tables_allocate(&sv);
	spawners_start_seccomp(&sv);
	serve_setup(&sv);
	report_ready(&sv);	/* READY=1 */

	serve(&sv);		/* until SIGTERM/SIGINT and the last child reaped */
	resources_free(&sv);
	return FS_EXIT_OK;
}
