/*
 * Logging: one atomic line per event on stderr, or to syslog when stderr
 * cannot take it.  The program name and where lines go are the only
 * global state in filesvc, set once before anything else runs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fs-limits.h"
#include "io.h"
#include "log.h"
#include "pct.h"

static const char *prog = "filesvc";
static int max_level = LOG_DEBUG;
static bool prefix = true;
static int logfd = STDERR_FILENO;	/* -1: lines go nowhere */
static long syslog_pid;			/* > 0: logfd is syslog's socket */
static void (*before)(void);		/* set once by a client, read-only after */

/* JOURNAL_STREAM is "DEV:INO" of journald's stream, when systemd gave us one. */
static bool
is_journal(const struct stat *st)
{
	const char *js = getenv("JOURNAL_STREAM");
	char want[48];

	if (js == NULL)
		return false;
	(void)snprintf(want, sizeof(want), "%ju:%ju", (uintmax_t)st->st_dev,
	    (uintmax_t)st->st_ino);
	return strcmp(js, want) == 0;
}

static bool
is_stdout(const struct stat *st)
{
	struct stat out;

	return fstat(STDOUT_FILENO, &out) == 0 && out.st_dev == st->st_dev &&
	    out.st_ino == st->st_ino;
}

/*
 * The "<N>" prefix is for readers of a stream: journald, s6-log, svlogd,
 * a log pipe.  A terminal or a plain file (start-stop-daemon --output) is
 * read by a person, who gets the bare line.  fstat(), not isatty(): a
 * handler started under --handler-seccomp may not call ioctl(), and a
 * character device is a terminal or /dev/null, where it makes no odds.
 */
void
log_init(const char *name)
{
	struct stat st;

	prog = name;
	if (fstat(STDERR_FILENO, &st) == -1)
		return;
	prefix = !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode));
	/*
	 * A socket that is neither journald's stream nor our stdout (the
	 * connection, under xinetd: the handler sees to that one) is syslog's,
	 * handed down by filesvc-inetd --syslog: write what syslog reads.
	 */
	if (S_ISSOCK(st.st_mode) && !is_journal(&st) && !is_stdout(&st))
		syslog_pid = (long)getpid();
}

void
log_forked(void)
{
	if (syslog_pid > 0)
		syslog_pid = (long)getpid();
}

void
log_set_prefix(bool on)
{
	prefix = on;
}

void
log_set_before(void (*fn)(void))
{
	before = fn;
}

void
log_set_level(int max_prio)
{
	max_level = max_prio;
}

int
log_to_syslog(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
	int fd, e;

	logfd = -1;	/* from now on never stderr, even when syslog is not there */
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		e = errno;
		io_close_unwritten(fd);
		return -e;
	}
	logfd = fd;
	syslog_pid = (long)getpid();
	return 0;
}

int
log_syslog_as_stderr(void)
{
	if (syslog_pid == 0 || logfd < 0)
		return -EBADF;
	/* dup2() leaves the copy without FD_CLOEXEC: children inherit it as fd 2. */
	if (dup2(logfd, STDERR_FILENO) == -1)
		return -errno;
	return 0;
}

/* One line: "<prio>prog: msg[: cause]\n" for stderr, what syslog(3) sends for syslog. */
static int
line_format(char *line, size_t size, int prio, const char *msg, int err)
{
	const char *sep = err != 0 ? ": " : "", *cause = err != 0 ? strerror(err) : "";

	if (syslog_pid > 0)
		return snprintf(line, size, "<%d>%s[%ld]: %s%s%s", LOG_DAEMON | prio, prog,
		    syslog_pid, msg, sep, cause);
	if (prefix)
		return snprintf(line, size, "<%d>%s: %s%s%s\n", prio, prog, msg, sep, cause);
	return snprintf(line, size, "%s: %s%s%s\n", prog, msg, sep, cause);
}

static void __attribute__((format(printf, 3, 0)))
vlog_msg(int prio, int err, const char *fmt, va_list ap)
{
	char msg[FS_LOG_LINE_MAX], line[FS_LOG_LINE_MAX];
	int n;

	if (prio > max_level || logfd < 0)
		return;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);	/* a cut log line is acceptable */
	if ((n = line_format(line, sizeof(line), prio, msg, err)) < 0)
		return;
	if ((size_t)n >= sizeof(line)) {
		n = (int)sizeof(line) - 1;
		if (syslog_pid == 0)
			line[n - 1] = '\n';
	}
	/*
	 * One write(2) per line, so lines from many handlers sharing one
	 * journal stream never interleave.  Nothing useful can be done if
	 * stderr itself fails.
	 */
	if (before != NULL && syslog_pid == 0)
		before();
	(void)!write(logfd, line, (size_t)n);
}

void
log_msg(int prio, int err, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog_msg(prio, err, fmt, ap);
	va_end(ap);
	errno = saved;
}

_Noreturn void
die(int status, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_msg(LOG_ERR, err, fmt, ap);
	va_end(ap);
	exit(status);
}

char *
log_escape(const char *src, size_t len, char *dst, size_t dstsize)
{
	static const struct pct_rule rule = { .cut = true };

	(void)pct_escape(src, len, &rule, dst, dstsize);	/* cut: fails only with no room at all */
	return dst;
}

bool
log_stderr_is_connection(void)
{
	struct stat err, out;

	if (fstat(STDERR_FILENO, &err) == -1 || !S_ISSOCK(err.st_mode))
		return false;
	return fstat(STDOUT_FILENO, &out) == 0 && out.st_dev == err.st_dev &&
	    out.st_ino == err.st_ino;
}
