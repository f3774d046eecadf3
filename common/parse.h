/* Numbers from untrusted text: digits only, bounded, overflow-checked. */
#ifndef FS_PARSE_H
#define FS_PARSE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse s[0..len) as a decimal uint64_t: one or more digits, no sign, no
 * blanks, no overflow.  Returns 0, -EINVAL (empty or a non-digit) or
 * -ERANGE (overflow).  *ret is set only on success.
 */
int parse_u64(const char *s, size_t len, uint64_t *ret);

/* Like parse_u64() on a C string, then checks min <= value <= max (-ERANGE). */
int parse_u64_range(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/* An optional '-' then parse_u64(), as int64_t (mtimes may predate 1970). */
int parse_i64(const char *s, size_t len, int64_t *ret);

/* How many digits v takes in decimal (1 for 0): what parse_u64() reads back. */
size_t parse_u64_width(uint64_t v);

#endif
