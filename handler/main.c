/*
 * filesvc-handler: serve one connection on fds 0 and 1, log on fd 2.
 * Started per connection by systemd (Accept=yes), filesvc-inetd, any
 * inetd, or over pipes.  main() only sequences the phases.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fs-limits.h"
#include "handler.h"
#include "io.h"
#include "log.h"
#include "parse.h"
#include "sandbox.h"

#define DEFAULT_ROOT	"/srv/filesvc"
#define DEFAULT_TIMEOUT	30
#define FS_STR2(x)	#x
#define FS_STR(x)	FS_STR2(x)

static const char usage[] =
    "Usage: filesvc-handler [--root DIR] [--timeout SECONDS] [--show-hidden]\n"
    "                       [--max-entries N] [--no-sandbox] [--proxy-protocol]\n"
    "                       [--dialect auto|http|filesvc] [--index NAME] [--no-archive]\n"
    "Serve one connection: requests on stdin, answers on stdout, log on stderr.\n"
    "It speaks filesvc protocol 1 and HTTP/1.1; the first request line decides.\n"
    "\n"
    "  -r, --root DIR         serve the tree beneath DIR (default " DEFAULT_ROOT ")\n"
    "  -t, --timeout SECONDS  idle timeout, 1-86400 (default 30): waiting for a\n"
    "                         request line, or for the client to take data\n"
    "  -a, --show-hidden      list and serve names that start with '.'\n"
    "  -m, --max-entries N    answer 500 to a listing of more than N entries,\n"
    "                         1-" FS_STR(FS_LIST_MAX) " (default " FS_STR(FS_LIST_MAX) "): bounds memory\n"
    "  -d, --dialect D        auto (default): HTTP when the first line ends in\n"
    "                         HTTP/1.x, else protocol 1; http or filesvc: only that\n"
    "  -i, --index NAME       HTTP: serve a directory's file NAME (e.g. index.html),\n"
    "                         when it has one, instead of its listing\n"
    "  -A, --no-archive       HTTP: no directory as one tar archive (?format=tar)\n"
    "  -P, --proxy-protocol   expect a PROXY v1/v2 header first (behind HAProxy)\n"
    "  -S, --no-sandbox       do not confine the process with Landlock and seccomp\n"
    "  -h, --help             show this help and exit\n"
    "  -V, --version          show the version and exit\n"
    "\n"
    "Exit status: 0 when the connection ended (however the client ended it),\n"
    "1 on a server-side failure (e.g. the root cannot be opened), 2 on bad usage.\n"
    "See filesvc-handler(8), filesvc(7), and docs/http.md for HTTP.\n";

static int
dialect_set(const char *arg, struct options *opt)
{
	if (strcmp(arg, "auto") == 0)
		opt->dialect = DIALECT_AUTO;
	else if (strcmp(arg, "http") == 0)
		opt->dialect = DIALECT_HTTP;
	else if (strcmp(arg, "filesvc") == 0)
		opt->dialect = DIALECT_FILESVC;
	else {
		log_msg(LOG_ERR, 0, "invalid dialect '%s': want auto, http or filesvc", arg);
		return -1;
	}
	return 0;
}

/* One name in the directory, never a path, never hidden: it is opened beneath each one. */
static int
index_set(const char *arg, struct options *opt)
{
	if (arg[0] == '\0' || arg[0] == '.' || strchr(arg, '/') != NULL || strlen(arg) > NAME_MAX) {
		log_msg(LOG_ERR, 0, "invalid index '%s': want a file name without '/' or a "
		    "leading '.'", arg);
		return -1;
	}
	opt->index = arg;
	return 0;
}

/* One option: 0 to go on, 1 after --help or --version, -1 after a usage error (logged). */
static int
option_set(int c, struct options *opt)
{
	uint64_t v;

	switch (c) {
	case 'r':
		opt->root = optarg;
		return 0;
	case 't':
		if (parse_u64_range(optarg, 1, 86400, &v) < 0) {
			log_msg(LOG_ERR, 0, "invalid timeout '%s': want 1-86400 seconds", optarg);
			return -1;
		}
		opt->timeout_s = (unsigned)v;
		return 0;
	case 'm':
		if (parse_u64_range(optarg, 1, FS_LIST_MAX, &opt->max_entries) < 0) {
			log_msg(LOG_ERR, 0, "invalid max-entries '%s': want 1-%d", optarg, FS_LIST_MAX);
			return -1;
		}
		return 0;
	case 'a':
		opt->show_hidden = true;
		return 0;
	case 'd':
		return dialect_set(optarg, opt);
	case 'i':
		return index_set(optarg, opt);
	case 'A':
		opt->no_archive = true;
		return 0;
	case 'P':
		opt->proxy_protocol = true;
		return 0;
	case 'S':
		opt->no_sandbox = true;
		return 0;
	case 'h':
		fputs(usage, stdout);
		return 1;
	case 'V':
		puts("filesvc-handler " FS_VERSION);
		return 1;
	default:
		return -1;	/* getopt_long() has said what is wrong */
	}
}

/* Returns 0 to go on, 1 after --help or --version, -1 after a usage error. */
static int
options_parse(int argc, char *argv[], struct options *opt)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "show-hidden", no_argument, NULL, 'a' },
		{ "max-entries", required_argument, NULL, 'm' },
		{ "no-sandbox", no_argument, NULL, 'S' },
		{ "proxy-protocol", no_argument, NULL, 'P' },
		{ "dialect", required_argument, NULL, 'd' },
		{ "index", required_argument, NULL, 'i' },
		{ "no-archive", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r = 0;

	*opt = (struct options){ .root = DEFAULT_ROOT, .timeout_s = DEFAULT_TIMEOUT,
	    .max_entries = FS_LIST_MAX };
	while (r == 0 && (c = getopt_long(argc, argv, "r:t:am:SPd:i:AhV", longopts, NULL)) != -1)
		r = option_set(c, opt);
	if (r == 0 && optind != argc) {
		log_msg(LOG_ERR, 0, "unexpected argument '%s'", argv[optind]);
		r = -1;
	}
	if (r < 0)
		fputs("Try 'filesvc-handler --help'.\n", stderr);
	return r;
}

/*
 * The handler cannot serve this connection: log why (fmt, err), answer
 * code and reason in the client's dialect, close, and exit 1, so the
 * failure shows in the service manager and to the client alike.
 */
static int __attribute__((format(printf, 5, 6)))
refuse(struct session *s, int code, const char *reason, int err, const char *fmt, ...)
{
	char msg[FS_LOG_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);	/* a log line may be cut */
	va_end(ap);
	log_msg(LOG_ERR, -err, "%s", msg);
	session_refuse(s, code, reason);
	session_close(s);
	return FS_EXIT_FAIL;
}

int
main(int argc, char *argv[])
{
	const char *layer;
	struct options opt;
	struct session s;
	int r;

	log_init("filesvc-handler");
	if ((r = io_fds_ensure_open()) < 0)
		die(FS_EXIT_FAIL, -r, "cannot set up standard descriptors");
	/* Before any line, and before the sandbox forbids making the socket. */
	if (log_stderr_is_connection())
		(void)log_to_syslog();
	if ((r = options_parse(argc, argv, &opt)) != 0)
		return r > 0 ? FS_EXIT_OK : FS_EXIT_USAGE;
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)	/* a vanished client is EPIPE, not death */
		die(FS_EXIT_FAIL, errno, "cannot ignore SIGPIPE");
	if ((r = session_open(&s, &opt)) < 0)
		return refuse(&s, 500, "cannot open the served root", r, "cannot open root %s", opt.root);
	/* Before the first byte from the client: nothing it sends runs unconfined. */
	if (!opt.no_sandbox && (r = sandbox_enter(s.root.rootfd, &layer)) < 0)
		return refuse(&s, 503, "the server cannot confine itself", r, "cannot enter the "
		    "sandbox: the kernel refused %s (a container manager's system-call filter, as "
		    "systemd-nspawn 252's, may deny landlock_* or seccomp: allow those calls, or run "
		    "with --no-sandbox)", layer);

	if (!opt.proxy_protocol || proxyhdr_read(&s) == 0)
		session_serve(&s);	/* until the client ends it, an answer closes, or it is gone */
	session_close(&s);
	return FS_EXIT_OK;
}
