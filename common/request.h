/* The request line of protocol 1 (docs/protocol.md, "Requests"). */
#ifndef FS_REQUEST_H
#define FS_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs-limits.h"

/*
 * Wire status codes; FS_OK is the only one that is not an ERR line.  The
 * codes marked HTTP are answered only in that dialect.
 */
enum fs_status {
	FS_OK = 0,
	FS_E400 = 400,	/* malformed request */
	FS_E403 = 403,	/* forbidden path */
	FS_E404 = 404,	/* not found */
	FS_E405 = 405,	/* HTTP: a method we do not serve */
	FS_E408 = 408,	/* idle timeout; the server closes */
	FS_E412 = 412,	/* HTTP: If-Match or If-Unmodified-Since failed */
	FS_E413 = 413,	/* HTTP: a request body over FS_HTTP_BODY_MAX */
	FS_E414 = 414,	/* request line too long; the server closes */
	FS_E416 = 416,	/* bad range */
	FS_E431 = 431,	/* HTTP: header fields too large */
	FS_E500 = 500,	/* server error */
	FS_E501 = 501,	/* HTTP: an unknown method, or Transfer-Encoding */
	FS_E503 = 503,	/* server busy */
};

enum fs_verb {
	VERB_LIST,
	VERB_GET,
	VERB_STAT,
	VERB_QUIT,
};

struct request {
	enum fs_verb	verb;
	char		path[FS_PATH_MAX];	/* decoded, NUL-terminated */
	size_t		path_len;
	bool		has_offset;
	bool		has_count;
	uint64_t	offset;
	uint64_t	count;
};

/*
 * Parse one request line (line[0..len), without its LF or CR; len <
 * FS_LINE_MAX, as line.c hands lines out) into *req.  Fields are
 * separated by exactly one space; verbs are case-insensitive; raw bytes
 * the protocol says must be encoded are refused.  Returns FS_OK or
 * FS_E400 (malformed: unknown verb, wrong field count, bad escape,
 * decoded NUL, bad number); never a status that closes the connection.
 */
enum fs_status request_parse(const char *line, size_t len, struct request *req);

/* The verb's wire name in capitals, for logs. */
const char *request_verb_name(enum fs_verb verb);

/* The text an ERR line carries after its code. */
const char *status_text(enum fs_status status);

#endif
