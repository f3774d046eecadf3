/*
 * The HTTP/1.1 request head (docs/http.md): request line and header
 * fields, parsed from one complete head.  Everything here comes from the
 * network: the parser refuses on the first bad byte and never repairs.
 */
#ifndef FS_HTTP_H
#define FS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs-limits.h"
#include "request.h"

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_OPTIONS,
	HTTP_OTHER,	/* a method RFC 9110 defines that we do not serve: 405 */
	HTTP_UNKNOWN,	/* any other token: 501 */
};

/* A slice of the head buffer: valid until the next head is read. */
struct http_slice {
	const char	*s;
	size_t		 len;
};

struct http_request {
	enum http_method	 method;
	struct http_slice	 method_name;
	unsigned		 minor;		/* HTTP/1.minor; 1.2 to 1.9 are answered as 1.1 */
	bool			 asterisk;	/* the target was "*" */
	struct http_slice	 query;		/* after '?', raw; len 0 when none */
	unsigned		 hosts;		/* Host fields seen */
	bool			 close;		/* Connection: close */
	bool			 keep_alive;	/* Connection: keep-alive */
	bool			 has_length;
	uint64_t		 length;	/* Content-Length */
	bool			 has_te;	/* Transfer-Encoding, whatever its value */
	struct http_slice	 range, if_range, if_match, if_none_match;
	struct http_slice	 if_modified_since, if_unmodified_since, accept;
	size_t			 path_len;
	char			 path[FS_PATH_MAX];	/* decoded, NUL-terminated */
};

/*
 * Whether line[0..len) (without its LF or CR) has the shape of an HTTP/1.x
 * request line: "TOKEN SP TARGET SP HTTP/1.d".  This alone chooses the
 * dialect of a connection; no protocol-1 request ends in HTTP/1.x.
 */
bool http_is_request_line(const char *line, size_t len);

/*
 * Parse a complete head, head[0..len): the request line, the header
 * fields, the empty line that ends them (LF or CRLF line ends).  Fills
 * *req, whose slices point into head.  Returns FS_OK, or the status to
 * answer before closing: FS_E400 (malformed; a bare CR, NUL, obs-fold,
 * a space before a colon, two different Content-Lengths, HTTP/1.1
 * without exactly one Host, no empty line at the end), FS_E414 (a
 * request line over FS_HTTP_LINE_MAX bytes with its CR and LF, or a
 * decoded path that does not fit), FS_E431 (more than
 * FS_HTTP_FIELDS_MAX fields, or more than FS_HTTP_FIELDS_BYTES bytes of
 * them, line ends included).  A method we do not serve is not
 * an error here: req->method says which it was.
 */
enum fs_status http_parse_head(const char *head, size_t len, struct http_request *req);

/* Whether a field's comma-separated list holds token (case-insensitive). */
bool http_list_has(struct http_slice field, const char *token);

/*
 * The raw value of the first key=value pair named key in a query
 * ("a=1&format=json"); false when there is none.  Not decoded: the values
 * we read are plain words.
 */
bool http_query_param(struct http_slice query, const char *key, struct http_slice *ret);

#endif
