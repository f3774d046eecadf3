/*
 * Server-supplied names shown on a terminal as they are, but unable to
 * drive it.
 */
#ifndef FGET_TTY_H
#define FGET_TTY_H

#include <stddef.h>

/*
 * Replace, in place, every byte of s[0..len) a terminal could take as a
 * control with '?': C0 and DEL, and C1 both as raw bytes (0x80-0x9F: an
 * 8-bit terminal reads 0x9B as CSI) and UTF-8-encoded (U+0080-U+009F).
 * Valid UTF-8 otherwise passes, so names in any script show as written.
 */
void tty_mask(char *s, size_t len);

#endif
