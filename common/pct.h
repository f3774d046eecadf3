/*
 * Percent-encoding of paths and names on the wire (docs/protocol.md,
 * "Paths").  Names need not be UTF-8: the codec is byte-exact.
 */
#ifndef FS_PCT_H
#define FS_PCT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* True for the bytes a sender must encode: '%', 0x00-0x20, 0x7f-0xff. */
bool pct_must_encode(unsigned char c);

/*
 * Decode src[0..len) into dst (dstsize bytes), NUL-terminated on success.
 * Returns the decoded length, -EINVAL for a malformed escape or a NUL
 * (raw or decoded: either would cut every later C string short), or
 * -ENAMETOOLONG if it does not fit.
 */
ssize_t pct_decode(const char *src, size_t len, char *dst, size_t dstsize);

/*
 * Encode src[0..len) into dst (dstsize bytes), NUL-terminated, escaping
 * exactly the bytes pct_must_encode() names, plus those in extra (a
 * NUL-terminated set, or NULL; the client adds '?' and '#' for URLs).
 * Returns the encoded length, or -ENAMETOOLONG if it does not fit (3 *
 * len + 1 bytes always do).
 */
ssize_t pct_encode(const char *src, size_t len, const char *extra, char *dst,
    size_t dstsize);

#endif
