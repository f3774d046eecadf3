/*
 * Percent-encoding of paths and names on the wire (docs/protocol.md,
 * "Paths and names"), and of remote strings in log lines and messages:
 * one escaper for both.  Names need not be UTF-8: the codec is byte-exact.
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
 * What pct_escape() does besides escaping the bytes pct_must_encode()
 * names: those sets are NUL-terminated (NULL: empty).  The wire needs
 * only extra ('?' and '#' in a URL); a log line or a terminal wants a
 * cut string rather than none, and a person reads a space better raw.
 */
struct pct_rule {
	const char	*extra;	/* escaped too */
	const char	*spare;	/* written raw although pct_must_encode() names them */
	bool		 cut;	/* too long: keep what fits, ending in "...", not -ENAMETOOLONG */
};

/*
 * The one escaper: src[0..len) into dst (dstsize bytes), NUL-terminated,
 * each escaped byte as %XX with upper-case digits.  Returns the length
 * written, or -ENAMETOOLONG when dstsize is 0 or, without rule->cut,
 * when it does not fit (3 * len + 1 bytes always do).  A cut falls
 * between whole bytes, never inside an escape, and "..." marks it when
 * dstsize is at least 4.
 */
ssize_t pct_escape(const char *src, size_t len, const struct pct_rule *rule, char *dst,
    size_t dstsize);

/*
 * pct_escape() for the wire: exactly the bytes pct_must_encode() names,
 * plus those in extra (or NULL), never cut.
 */
ssize_t pct_encode(const char *src, size_t len, const char *extra, char *dst,
    size_t dstsize);

/* The length pct_encode(src, len, NULL, ...) writes, without its NUL. */
size_t pct_encoded_len(const char *src, size_t len);

/*
 * True when s[0..len) holds no raw byte that a sender must encode, '%'
 * (the escape itself) aside: what protocol.md requires of request fields
 * and LIST names.  The escapes themselves are pct_decode()'s to judge.
 */
bool pct_is_encoded(const char *s, size_t len);

#endif
