/*
 * filesvc:// and filesvcs:// URL parsing.  The URL comes from the user (or a script fed
 * by someone else), so it is judged byte by byte with explicit lengths;
 * the path is canonicalised here so the server never sees a "..".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse.h"
#include "pct.h"
#include "url.h"

#define SCHEME		"filesvc://"
#define SCHEME_TLS	"filesvcs://"

static bool
host_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == '_' || c == '~';
}

/* A name or IPv4 address, or the inside of [...] for IPv6. */
static int
host_set(struct url *u, const char *h, size_t len, bool v6, const char **why)
{
	unsigned char a6[16];
	size_t i;

	if (len == 0 || len > URL_HOST_MAX) {
		*why = len == 0 ? "empty host" : "host name too long";
		return -EINVAL;
	}
	memcpy(u->host, h, len);
	u->host[len] = '\0';
	u->host_v6 = v6;
	if (v6) {
		if (inet_pton(AF_INET6, u->host, a6) != 1) {
			*why = "malformed IPv6 address";
			return -EINVAL;
		}
		return 0;
	}
	for (i = 0; i < len; i++) {
		if (!host_byte((unsigned char)h[i])) {
			*why = "invalid character in host";
			return -EINVAL;
		}
	}
	return 0;
}

/* The authority a[0..len): HOST, HOST:PORT, [V6], [V6]:PORT. */
static int
authority_parse(struct url *u, const char *a, size_t len, const char **why)
{
	const char *hend, *colon;
	uint64_t port = u->tls ? URL_TLS_PORT : URL_DEFAULT_PORT;
	bool v6 = len > 0 && a[0] == '[';
	int r;

	if (memchr(a, '@', len) != NULL) {
		*why = "user names are not part of filesvc URLs";
		return -EINVAL;
	}
	if (v6) {
		if ((hend = memchr(a, ']', len)) == NULL) {
			*why = "missing ']' after IPv6 address";
			return -EINVAL;
		}
		colon = hend + 1 < a + len ? hend + 1 : NULL;
		if (colon != NULL && *colon != ':') {
			*why = "junk after ']'";
			return -EINVAL;
		}
		r = host_set(u, a + 1, (size_t)(hend - a - 1), true, why);
	} else {
		colon = memchr(a, ':', len);
		hend = colon != NULL ? colon : a + len;
		r = host_set(u, a, (size_t)(hend - a), false, why);
	}
	if (r < 0)
		return r;
	/* "host:" with no digits keeps the default port, as RFC 3986 allows. */
	if (colon != NULL && colon + 1 < a + len &&
	    parse_u64(colon + 1, (size_t)(a + len - colon - 1), &port) < 0) {
		*why = "malformed port";
		return -EINVAL;
	}
	if (port < 1 || port > 65535) {
		*why = "port out of range 1-65535";
		return -EINVAL;
	}
	u->port = (uint16_t)port;
	return 0;
}

/*
 * Remove dot segments (RFC 3986 5.2.4) from the decoded path dec, which
 * is split at every '/' as the server will split it, into u->path.
 * Empty segments are dropped like the server drops them.
 */
static int
path_canon(struct url *u, char *dec)
{
	size_t n = 0;
	bool dir = true;
	char *seg, *save = NULL;

	for (seg = strtok_r(dec, "/", &save); seg != NULL; seg = strtok_r(NULL, "/", &save)) {
		size_t sl = strlen(seg);

		dir = strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0;
		if (strcmp(seg, "..") == 0) {
			while (n > 0 && u->path[--n] != '/')
				;
		} else if (!dir) {
			if (n + 1 + sl + 1 > sizeof(u->path))
				return -ENAMETOOLONG;
			u->path[n++] = '/';
			memcpy(u->path + n, seg, sl);
			n += sl;
		}
	}
	u->dir = dir || n == 0;
	if (u->dir)
		u->path[n++] = '/';
	u->path[n] = '\0';
	u->path_len = n;
	return 0;
}

/* The path p[0..len), still encoded; "" means the root. */
static int
path_parse(struct url *u, const char *p, size_t len, const char **why)
{
	char dec[FS_PATH_MAX];
	ssize_t dl, wl;
	size_t i;
	bool trailing;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= 0x20 || c == 0x7f) {
			*why = c == ' ' ? "space in URL (write it as %20)" : "control byte in URL";
			return -EINVAL;
		}
		if (c == '?') {
			*why = "'?' in URL (filesvc has no queries; write it as %3F)";
			return -EINVAL;
		}
	}
	if ((dl = pct_decode(p, len, dec, sizeof(dec))) < 0) {
		*why = dl == -EINVAL ? "malformed %-escape or %00 in path" : "path too long";
		return (int)dl;
	}
	/* A final "/" before canonicalisation still means "a directory". */
	trailing = dl > 0 && dec[dl - 1] == '/';
	if (path_canon(u, dec) < 0) {
		*why = "path too long";
		return -ENAMETOOLONG;
	}
	if (trailing && !u->dir) {
		u->path[u->path_len++] = '/';
		u->path[u->path_len] = '\0';
		u->dir = true;
	}
	wl = pct_encode(u->path, u->path_len, "?#", u->wire, sizeof(u->wire));
	if (wl < 0) {
		*why = "path too long for a request line";
		return -ENAMETOOLONG;
	}
	u->wire_len = (size_t)wl;
	return 0;
}

/* The length of s's scheme and "://", and whether it means TLS; 0 for another. */
static size_t
scheme_len(const char *s, size_t len, bool *ret_tls)
{
	*ret_tls = len >= sizeof(SCHEME_TLS) - 1 &&
	    strncasecmp(s, SCHEME_TLS, sizeof(SCHEME_TLS) - 1) == 0;
	if (*ret_tls)
		return sizeof(SCHEME_TLS) - 1;
	if (len >= sizeof(SCHEME) - 1 && strncasecmp(s, SCHEME, sizeof(SCHEME) - 1) == 0)
		return sizeof(SCHEME) - 1;
	return 0;
}

int
url_parse(const char *s, size_t len, struct url *ret, const char **ret_why)
{
	struct url u;
	const char *auth, *slash, *hash;
	size_t alen, slen;
	int r;

	*ret_why = "";
	memset(&u, 0, sizeof(u));
	if ((slen = scheme_len(s, len, &u.tls)) == 0) {
		*ret_why = "not a filesvc:// or filesvcs:// URL";
		return -EINVAL;
	}
	if ((hash = memchr(s, '#', len)) != NULL)
		len = (size_t)(hash - s);
	auth = s + slen;
	slash = memchr(auth, '/', len - slen);
	alen = slash != NULL ? (size_t)(slash - auth) : len - slen;
	if ((r = authority_parse(&u, auth, alen, ret_why)) < 0)
		return r;
	if ((r = path_parse(&u, auth + alen, len - slen - alen, ret_why)) < 0)
		return r;
	*ret = u;
	return 0;
}

size_t
url_name(const struct url *u, const char **ret_name)
{
	const char *last = strrchr(u->path, '/');

	/* path always starts with '/', so last is never NULL. */
	*ret_name = last + 1;
	return u->path_len - (size_t)(last + 1 - u->path);
}

char *
url_format(const struct url *u, char *dst, size_t dstsize)
{
	return url_format_wire(u, u->wire, dst, dstsize);
}

char *
url_format_wire(const struct url *u, const char *wire, char *dst, size_t dstsize)
{
	char port[ADDR_PORT_MAX], hostport[URL_HOSTPORT_MAX];

	(void)snprintf(port, sizeof(port), "%u", (unsigned)u->port);	/* <= 65535 fits */
	addr_join(u->host, port, hostport, sizeof(hostport));
	(void)snprintf(dst, dstsize, "%s%s%s", u->tls ? SCHEME_TLS : SCHEME, hostport, wire);	/* cut to fit: for messages */
	return dst;
}
