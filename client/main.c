/*
 * fget: download and list files from filesvc servers, curl-style.
 * main() sequences the phases: options, setup, one transfer per URL.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fget.h"
#include "io.h"
#include "log.h"
#include "parse.h"
#include "seconds.h"
#include "tty.h"

#define DEFAULT_CONNECT_TIMEOUT	300
#define TIME_MAX_S		2592000		/* 30 days */
#define RETRY_MAX		1000

static const char usage[] =
    "Usage: fget [options] URL...\n"
    "Download or list files from filesvc servers.  URL is\n"
    "filesvc://HOST[:PORT]/PATH (port 7070 by default, IPv6 as [::1], PATH\n"
    "percent-encoded), or filesvcs://HOST[:PORT]/PATH over TLS (port 7443 by\n"
    "default); a URL that ends in '/' lists a directory.  Downloads\n"
    "go to stdout unless -o or -O says otherwise; binary data is not written\n"
    "to a terminal unless asked for with -o -.\n"
    "\n"
    "  -o, --output FILE        write to FILE ('-': stdout); one -o per URL\n"
    "  -O, --remote-name        write to the remote file's name, in the current\n"
    "                           directory or in --output-dir\n"
    "      --output-dir DIR     directory for -O, -r and relative -o (created,\n"
    "                           parents too)\n"
    "  -C, --continue-at -      resume FILE.part where it stopped, unless the\n"
    "      --continue           remote file changed; leave a complete FILE alone\n"
    "  -r, --recursive          mirror a directory tree (with -O or --output-dir)\n"
    "                           over one connection; complete files are skipped;\n"
    "                           one bar for the tree (-v: one per file)\n"
    "  -l, --list               list the URL as a directory\n"
    "      --long               list type, size, mtime and name in columns\n"
    "      --human              with --long, sizes as 1.5K, 20M, 3.1G\n"
    "      --connect-timeout S  give up resolving and connecting after S seconds\n"
    "                           (default 300)\n"
    "  -m, --max-time S         give up a transfer after S seconds (S may be\n"
    "                           decimal, as 1.5, here and for --connect-timeout)\n"
    "      --retry N            retry transient failures N times after 1, 2, 4...\n"
    "                           seconds (at most 60), resuming where they stopped\n"
    "      --cacert FILE        filesvcs://: trust the CA certificates in FILE\n"
    "                           (PEM) instead of the system's\n"
    "  -k, --insecure           filesvcs://: accept any certificate, for any host\n"
    "  -4, --ipv4               connect over IPv4 only\n"
    "  -6, --ipv6               connect over IPv6 only\n"
    "  -s, --silent             no progress bar, no error messages\n"
    "  -S, --show-error         with -s, still show error messages\n"
    "  -v, --verbose            show requests and answer headers on stderr (and\n"
    "                           the TLS version and cipher)\n"
    "  -h, --help               show this help and exit\n"
    "  -V, --version            show the version and exit\n"
    "\n"
    "A file is written as FILE.part (a shortened name with a hash if FILE.part\n"
    "would be too long) and renamed to FILE, with the remote mtime, once every\n"
    "byte has arrived.  Names from the server have control bytes written as\n"
    "%XX.  Exit status (that of the first failed URL):\n"
    "   0 success                 18 partial transfer      56 receive failure\n"
    "   1 local failure           23 write error           60 certificate not trusted\n"
    "   2 usage                   28 timeout               77 cannot read --cacert\n"
    "   3 malformed URL           35 TLS handshake failed  78 not found (404)\n"
    "   6 cannot resolve host     52 no answer             79 forbidden (403)\n"
    "   7 cannot connect          55 send failure          80 other server error\n"
    "   8 malformed server answer\n";

enum {
	OPT_OUTPUT_DIR = 256,
	OPT_CONTINUE,
	OPT_LONG,
	OPT_HUMAN,
	OPT_CONNECT_TIMEOUT,
	OPT_RETRY,
	OPT_CACERT,
};

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "remote-name", no_argument, NULL, 'O' },
	{ "output-dir", required_argument, NULL, OPT_OUTPUT_DIR },
	{ "continue-at", required_argument, NULL, 'C' },
	{ "continue", no_argument, NULL, OPT_CONTINUE },
	{ "recursive", no_argument, NULL, 'r' },
	{ "list", no_argument, NULL, 'l' },
	{ "long", no_argument, NULL, OPT_LONG },
	{ "human", no_argument, NULL, OPT_HUMAN },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "max-time", required_argument, NULL, 'm' },
	{ "retry", required_argument, NULL, OPT_RETRY },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "insecure", no_argument, NULL, 'k' },
	{ "ipv4", no_argument, NULL, '4' },
	{ "ipv6", no_argument, NULL, '6' },
	{ "silent", no_argument, NULL, 's' },
	{ "show-error", no_argument, NULL, 'S' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int
seconds(const char *what, const char *arg, uint64_t *ret_ms)
{
	if (seconds_parse(arg, TIME_MAX_S, ret_ms) == 0)
		return 0;
	log_msg(LOG_ERR, 0, "invalid %s '%s': want seconds from 0.001 to %d, such as 2 or 1.5",
	    what, arg, TIME_MAX_S);
	return -1;
}

static int
number(const char *what, const char *arg, uint64_t min, uint64_t max, uint64_t *ret)
{
	if (parse_u64_range(arg, min, max, ret) == 0)
		return 0;
	log_msg(LOG_ERR, 0, "invalid %s '%s': want %ju-%ju", what, arg, (uintmax_t)min,
	    (uintmax_t)max);
	return -1;
}

/* One option; 0 to go on, 1 after --help or --version, -1 on a usage error. */
static int
option_one(int c, struct options *opt)
{
	switch (c) {
	case 'o':
		opt->outputs[opt->noutputs++] = optarg;
		return 0;
	case 'O':
		opt->remote_name = true;
		return 0;
	case OPT_OUTPUT_DIR:
		opt->output_dir = optarg;
		return 0;
	case 'C':
		if (strcmp(optarg, "-") != 0) {
			log_msg(LOG_ERR, 0, "-C takes '-' (resume where the local file ends), "
			    "not '%s'", optarg);
			return -1;
		}
		/* FALLTHROUGH */
	case OPT_CONTINUE:
		opt->resume = true;
		return 0;
	case 'r':
		opt->recursive = true;
		return 0;
	case 'l':
		opt->list = true;
		return 0;
	case OPT_LONG:
		opt->long_list = true;
		return 0;
	case OPT_HUMAN:
		opt->human = true;
		return 0;
	case OPT_CONNECT_TIMEOUT:
		return seconds("connect timeout", optarg, &opt->connect_timeout_ms);
	case 'm':
		return seconds("max time", optarg, &opt->max_time_ms);
	case OPT_RETRY:
		return number("retry count", optarg, 0, RETRY_MAX, &opt->retry);
	case OPT_CACERT:
		opt->cacert = optarg;
		return 0;
	case 'k':
		opt->insecure = true;
		return 0;
	case '4':
	case '6':
		opt->family = c == '4' ? AF_INET : AF_INET6;
		return 0;
	case 's':
		opt->silent = true;
		return 0;
	case 'S':
		opt->show_error = true;
		return 0;
	case 'v':
		opt->verbose = true;
		return 0;
	case 'h':
		fputs(usage, stdout);
		return 1;
	case 'V':
		puts("fget " FS_VERSION);
		return 1;
	default:
		return -1;	/* getopt said what was wrong */
	}
}

/* Combinations that cannot work, refused before anything is sent. */
static int
options_check(const struct options *opt)
{
	const char *why = NULL;

	if (opt->nurls == 0)
		why = "no URL given";
	else if (opt->noutputs > opt->nurls)
		why = "more -o than URLs";
	else if (opt->recursive && !opt->remote_name && opt->output_dir == NULL)
		why = "-r needs -O or --output-dir: where should the tree go?";
	else if (opt->recursive && opt->noutputs > 0)
		why = "-r writes a tree, not one -o file";
	if (why == NULL) {
		/* Options that would do nothing: say so rather than be silently ignored. */
		if (opt->human && !opt->long_list)
			log_msg(LOG_WARNING, 0, "warning: --human only changes --long listings; "
			    "ignored without --long");
		return 0;
	}
	log_msg(LOG_ERR, 0, "%s", why);
	return -1;
}

/* Returns 0 to go on, 1 after --help or --version, -1 after a usage error. */
static int
options_parse(int argc, char *argv[], struct options *opt)
{
	int c, r;

	*opt = (struct options){ .family = AF_UNSPEC,
	    .connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT * 1000 };
	/* argc bounds both lists; freed by exit. */
	opt->outputs = calloc((size_t)argc + 1, sizeof(*opt->outputs));
	opt->urls = calloc((size_t)argc + 1, sizeof(*opt->urls));
	if (opt->outputs == NULL || opt->urls == NULL)
		die(FGET_FAIL, ENOMEM, "cannot parse options");
	while ((c = getopt_long(argc, argv, "o:OC:rlm:k46sSvhV", longopts, NULL)) != -1) {
		if ((r = option_one(c, opt)) != 0) {
			if (r < 0)
				goto usage;
			return r;
		}
	}
	while (optind < argc)
		opt->urls[opt->nurls++] = argv[optind++];
	if (options_check(opt) == 0)
		return 0;
usage:
	fputs("Try 'fget --help'.\n", stderr);
	return -1;
}

static int
run_one(struct fget *f, size_t i, int outdir)
{
	const char *arg = f->opt->urls[i], *why;
	char shown[FS_LOG_FIELD_MAX];
	struct output o;
	struct url u;
	int r, r2;

	if (url_parse(arg, strlen(arg), &u, &why) < 0) {
		log_msg(LOG_ERR, 0, "invalid URL '%s': %s",
		    tty_show_input(arg, strlen(arg), shown, sizeof(shown)), why);
		return FGET_URL;
	}
	if (f->opt->long_list && (f->opt->recursive || !(u.dir || f->opt->list)))
		log_msg(LOG_WARNING, 0, "warning: --long only changes listings; %s is %s",
		    tty_show_input(arg, strlen(arg), shown, sizeof(shown)), f->opt->recursive ?
		    "mirrored with -r" : "downloaded (end it with '/' or add -l to list it)");
	if (f->opt->recursive)
		return mirror_run(f, &u, outdir);
	if ((r = output_choose(f->opt, &u, i, outdir, &o)) != 0)
		return r;
	if (u.dir || f->opt->list)
		r = transfer_list(f, &u, &o);
	else
		r = transfer_get(f, &u, &o);
	if ((r2 = output_close(&o)) != 0 && r == 0)
		r = r2;
	return r;
}

/* --output-dir: every missing level, as mkdir -p makes them. */
static void
output_dir_make(const char *dir)
{
	char path[FS_PATH_MAX];
	size_t len = strlen(dir), i;

	if (len >= sizeof(path))
		die(FGET_WRITE, ENAMETOOLONG, "cannot create directory %s", dir);
	memcpy(path, dir, len + 1);
	for (i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		path[i] = '\0';
		if (mkdir(path, 0777) == -1 && errno != EEXIST)
			die(FGET_WRITE, errno, "cannot create directory %s", path);
		path[i] = dir[i];
	}
}

/* Dies on failure: nothing has been fetched yet, so there is nothing to save. */
static void
setup(struct fget *f, struct options *opt, int *ret_outdir)
{
	int r, fd = AT_FDCWD;

	if ((r = io_fds_ensure_open()) < 0)
		die(FGET_FAIL, -r, "cannot set up standard descriptors");
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)	/* a closed pipe or socket is EPIPE */
		die(FGET_FAIL, errno, "cannot ignore SIGPIPE");
	log_set_level(opt->verbose ? LOG_DEBUG : LOG_NOTICE);
	if (opt->silent)
		log_set_level(opt->show_error ? LOG_ERR : -1);
	opt->progress = !opt->silent && isatty(STDERR_FILENO);
	if (opt->output_dir != NULL) {
		output_dir_make(opt->output_dir);
		if ((fd = open(opt->output_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
			die(FGET_WRITE, errno, "cannot open directory %s", opt->output_dir);
	}
	memset(f, 0, sizeof(*f));
	f->opt = opt;
	if ((f->buf = malloc(FGET_BUF_SIZE)) == NULL)
		die(FGET_FAIL, ENOMEM, "cannot allocate a buffer");
	conn_init(&f->conn, opt);
	*ret_outdir = fd;
}

int
main(int argc, char *argv[])
{
	struct options opt;
	struct fget f;
	int outdir, status = FGET_OK, r;
	size_t i;

	log_init("fget");
	log_set_prefix(false);	/* a person or a script reads these, not journald */
	log_set_before(progress_break);	/* a message never glued to a bar */
	if ((r = options_parse(argc, argv, &opt)) != 0) {
		free(opt.urls);
		free(opt.outputs);
		return r > 0 ? FGET_OK : FGET_USAGE;
	}
	setup(&f, &opt, &outdir);
	for (i = 0; i < opt.nurls; i++) {
		/* Later URLs are still tried; the first failure is the exit status. */
		if ((r = run_one(&f, i, outdir)) != 0 && status == FGET_OK)
			status = r;
	}
	pool_close(&f);
	free(f.buf);
	if (outdir != AT_FDCWD)
		io_close_unwritten(outdir);
	free(opt.urls);
	free(opt.outputs);
	return status;
}
