/*
 * What an HTTP request asks of one file's representation (RFC 9110
 * sections 13 and 14): validators, preconditions, a byte range, and the
 * listing format chosen from Accept.
 */
#ifndef FS_HTTPCOND_H
#define FS_HTTPCOND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* A strong ETag: quotes, four hex numbers, a dot and nanoseconds. */
#define HTTPCOND_ETAG_MAX	(2 + 4 * 16 + 3 + 1 + 9 + 1)

/* What identifies one version of a file: it changes when any of these does. */
struct http_version {
	uint64_t	dev, ino, size;
	int64_t		mtime;		/* seconds */
	long		mtime_ns;	/* 0-999999999 */
};

/* Format v's strong ETag into dst (HTTPCOND_ETAG_MAX bytes); returns its length. */
size_t httpcond_etag(const struct http_version *v, char *dst);

/*
 * RFC 9110 13.2.2, steps 1-4, for GET and HEAD: FS_OK to go on, FS_E412
 * when If-Match (strong comparison) or, without it, If-Unmodified-Since
 * fails, or 304 when If-None-Match (weak comparison) or, without it,
 * If-Modified-Since says the client's copy is current.  Invalid dates
 * are ignored.
 */
int httpcond_check(const struct http_request *req, const char *etag, int64_t mtime);

/*
 * Whether a Range may be honoured: true without If-Range, or when it
 * holds this strong ETag or exactly this Last-Modified date.
 */
bool httpcond_if_range(const struct http_request *req, const char *etag, int64_t mtime);

enum httpcond_range {
	HTTPCOND_RANGE_NONE,	/* no Range, an invalid one, or several: send it all */
	HTTPCOND_RANGE_OK,	/* *ret_first..*ret_last, inclusive */
	HTTPCOND_RANGE_UNSATISFIABLE,	/* 416 */
};

/*
 * Parse a Range field for a representation of size bytes: one range of
 * "bytes=a-b", "bytes=a-" or "bytes=-n".  Several ranges are answered
 * with the whole file (RFC 9110 14.2 allows it); an invalid field is
 * ignored.
 */
enum httpcond_range httpcond_range(struct http_slice field, uint64_t size,
    uint64_t *ret_first, uint64_t *ret_last);

enum httpcond_format {
	HTTPCOND_HTML,
	HTTPCOND_JSON,
	HTTPCOND_TEXT,
};

/*
 * The listing format Accept prefers (q-values honoured, ties go to HTML,
 * then JSON, then text); HTML without Accept or with nothing we offer.
 */
enum httpcond_format httpcond_format(struct http_slice accept);

#endif
