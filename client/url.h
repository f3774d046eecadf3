/*
 * filesvc:// URLs: filesvc://HOST[:PORT]/PATH, HOST a name, an IPv4
 * address or a bracketed IPv6 literal; PATH percent-encoded as on the wire.
 * filesvcs:// is the same over TLS.
 */
#ifndef FGET_URL_H
#define FGET_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "fs-limits.h"

#define URL_DEFAULT_PORT	7070
#define URL_TLS_PORT		7443	/* filesvcs:// */
#define URL_HOST_MAX		253	/* a DNS name's longest text form */
/* "host:port" or "[host]:port" (addr_join()), NUL included. */
#define URL_HOSTPORT_MAX	(URL_HOST_MAX + ADDR_PORT_MAX + 3)
/* Room in a request line for "STAT ", " <offset> <count>" and the LF. */
#define URL_WIRE_MAX		(FS_LINE_MAX - 64)

struct url {
	bool		tls;			/* filesvcs:// */
	char		host[URL_HOST_MAX + 1];	/* without brackets */
	bool		host_v6;		/* written as [literal] */
	uint16_t	port;
	char		path[FS_PATH_MAX];	/* decoded, canonical, starts with '/' */
	size_t		path_len;
	char		wire[URL_WIRE_MAX + 1];	/* path re-encoded for a request line */
	size_t		wire_len;
	bool		dir;			/* ends in '/': the root, or "a/", "a/.." */
};

/*
 * Parse s[0..len) into *ret.  The scheme, filesvc:// or filesvcs://, is
 * case-insensitive; the port defaults to URL_DEFAULT_PORT, or URL_TLS_PORT
 * for filesvcs://; a "#fragment" is dropped.  The path is
 * decoded, split at '/', and "." and ".." segments are removed as RFC
 * 3986 section 5.2.4 does (also when written %2E), so the wire path never
 * holds a ".." component.  Refused (-EINVAL, *ret_why says why): another
 * scheme, userinfo, an empty or malformed host, a port outside 1-65535,
 * raw space or control bytes, '?', a malformed escape, a decoded NUL,
 * and (-ENAMETOOLONG) a path whose wire form exceeds URL_WIRE_MAX.
 * *ret is written only on success.
 */
int url_parse(const char *s, size_t len, struct url *ret, const char **ret_why);

/*
 * The last path segment (decoded) in *ret_name: the remote file's name.
 * Returns its length, 0 when the URL ends in '/'.
 */
size_t url_name(const struct url *u, const char **ret_name);

/*
 * Write "filesvc://host:port/wire" (filesvcs:// for TLS) into dst (dstsize bytes, cut to fit,
 * NUL-terminated) for messages.  Returns dst.
 */
char *url_format(const struct url *u, char *dst, size_t dstsize);

/* The same with another path of that server, wire (encoded, starting with '/'). */
char *url_format_wire(const struct url *u, const char *wire, char *dst, size_t dstsize);

#endif
