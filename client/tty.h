/*
 * Server-supplied names and text shown on a terminal as they are, but
 * unable to drive it.
 */
#ifndef FGET_TTY_H
#define FGET_TTY_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Replace, in place, every byte of s[0..len) a terminal could take as a
 * control with '?': C0 and DEL, and C1 both as raw bytes (0x80-0x9F: an
 * 8-bit terminal reads 0x9B as CSI) and UTF-8-encoded (U+0080-U+009F).
 * Valid UTF-8 otherwise passes, so names in any script show as written.
 */
void tty_mask(char *s, size_t len);

/*
 * A local file name for the remote name s[0..len) (len < FS_PATH_MAX), as
 * wget's --restrict-file-names=unix makes one: each byte tty_mask() would
 * mask becomes %XX, everything else is kept.  Written NUL-terminated to
 * dst (size bytes); returns its length, or -ENAMETOOLONG if it does not fit.
 */
ssize_t tty_name(const char *s, size_t len, char *dst, size_t size);

/*
 * log_escape() keeping spaces: remote text (a server's names, ERR texts)
 * fit for a message on a terminal.  Written NUL-terminated to dst
 * (dstsize bytes, cut to fit); returns dst.
 */
char *tty_show(const char *src, size_t len, char *dst, size_t dstsize);
/* tty_show() of what the user typed: '%' kept as it is, quoted as typed. */
char *tty_show_input(const char *src, size_t len, char *dst, size_t dstsize);

#endif
