/*
 * The one reporting path of every filesvc program: a single line
 * "<prio>prog: message[: cause]\n" on fd 2, written with one write(2),
 * which journald, s6-log and a terminal all read correctly; or, when
 * fd 2 is the client's connection, one datagram to syslog.
 */
#ifndef FS_LOG_H
#define FS_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>

/*
 * Set the program name that starts every line; call once, first thing.
 * Lines carry the "<prio>" prefix unless stderr is a terminal or a
 * regular file; on a socket that is neither journald's stream
 * (JOURNAL_STREAM) nor stdout, they are syslog datagrams.
 */
void log_init(const char *prog);

/*
 * Whether lines carry the "<prio>" prefix journald reads, whatever
 * log_init() chose: a client talking to a person turns it off.
 */
void log_set_prefix(bool on);

/*
 * Send every later line to syslog (/dev/log, facility daemon) instead of
 * stderr: for a program whose stderr is its client's connection.  When
 * syslog cannot be reached, returns -errno and lines go nowhere, still
 * never to stderr.
 */
int log_to_syslog(void);

/*
 * After log_to_syslog(): make fd 2 that socket too, so that children
 * writing their lines to stderr reach syslog (their log_init() sees a
 * socket that is neither journald's stream nor their stdout, and writes
 * syslog's format).  Returns 0 or -errno.
 */
int log_syslog_as_stderr(void);

/*
 * Whether fd 2 is the socket on fd 1: xinetd (and inetd's "nowait"
 * services in general) hand the connection over on fd 2 as well, where a
 * log line would land in the answers.  A terminal on all three is not a
 * socket, so a person still reads the lines.  At most two fstat() calls.
 */
bool log_stderr_is_connection(void);

/* After fork() or clone(): syslog lines name the new process's pid. */
void log_forked(void);

/* Lower than this priority (a larger number) is not written: -q, -v. */
void log_set_level(int max_prio);

/*
 * Call fn (NULL: nothing) before each line is written to stderr: a client
 * drawing a progress bar there ends the bar's line first.
 */
void log_set_before(void (*fn)(void));

/* err is an errno value appended as ": strerror(err)", or 0 for none. */
void log_msg(int prio, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

_Noreturn void die(int status, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Copy a remote-controlled string src[0..len) into dst (dstsize bytes,
 * NUL-terminated) fit for a log line: pct_escape() of the bytes the wire
 * escapes (below 0x21, above 0x7e, '%'), cut with a trailing "..." when
 * it does not fit.  Returns dst.
 */
char *log_escape(const char *src, size_t len, char *dst, size_t dstsize);

#endif
