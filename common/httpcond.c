/*
 * Validators, preconditions, ranges and Accept.  The fields are the
 * client's: a malformed one is ignored where RFC 9110 says so (Range,
 * dates), never guessed at, and nothing here can be made to read past a
 * slice's end.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "httpcond.h"
#include "httpdate.h"
#include "parse.h"

size_t
httpcond_etag(const struct http_version *v, char *dst)
{
	/* Unsigned, so a nanosecond count out of range cannot grow a sign and overflow dst. */
	unsigned long ns = (unsigned long)v->mtime_ns % 1000000000UL;
	int n = snprintf(dst, HTTPCOND_ETAG_MAX, "\"%" PRIx64 "-%" PRIx64 "-%" PRIx64 "-%" PRIx64
	    ".%09lu\"", v->dev, v->ino, v->size, (uint64_t)v->mtime, ns);

	return n < 0 ? 0 : (size_t)n;
}

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static struct http_slice
trim(struct http_slice s)
{
	while (s.len > 0 && is_ows(s.s[0]))
		s.s++, s.len--;
	while (s.len > 0 && is_ows(s.s[s.len - 1]))
		s.len--;
	return s;
}

/* The next comma-separated element of *list, trimmed; false at the end. */
static bool
next_element(struct http_slice *list, struct http_slice *ret)
{
	const char *comma;
	size_t n;

	while (list->len > 0 && (is_ows(list->s[0]) || list->s[0] == ','))
		list->s++, list->len--;
	if (list->len == 0)
		return false;
	comma = memchr(list->s, ',', list->len);
	n = comma != NULL ? (size_t)(comma - list->s) : list->len;
	*ret = trim((struct http_slice){ list->s, n });
	list->s += n;
	list->len -= n;
	return true;
}

/*
 * Whether list (If-Match, If-None-Match) holds "*" or etag.  A weak tag
 * (W/"...") matches only when weak is true: RFC 9110 8.8.3.2.
 */
static bool
etag_listed(struct http_slice list, const char *etag, bool weak)
{
	size_t elen = strlen(etag);
	struct http_slice e;

	while (next_element(&list, &e)) {
		if (e.len == 1 && e.s[0] == '*')
			return true;
		if (e.len >= 2 && memcmp(e.s, "W/", 2) == 0) {
			if (!weak)
				continue;
			e.s += 2, e.len -= 2;
		}
		if (e.len == elen && memcmp(e.s, etag, elen) == 0)
			return true;
	}
	return false;
}

int
httpcond_check(const struct http_request *req, const char *etag, int64_t mtime)
{
	int64_t date;

	if (req->if_match.s != NULL) {
		if (!etag_listed(req->if_match, etag, false))
			return 412;
	} else if (req->if_unmodified_since.s != NULL &&
	    httpdate_parse(req->if_unmodified_since.s, req->if_unmodified_since.len, &date) == 0 &&
	    mtime > date) {
		return 412;
	}
	if (req->if_none_match.s != NULL)
		return etag_listed(req->if_none_match, etag, true) ? 304 : 0;
	if (req->if_modified_since.s != NULL &&
	    httpdate_parse(req->if_modified_since.s, req->if_modified_since.len, &date) == 0 &&
	    mtime <= date)
		return 304;
	return 0;
}

bool
httpcond_if_range(const struct http_request *req, const char *etag, int64_t mtime)
{
	struct http_slice v = req->if_range;
	int64_t date;

	if (v.s == NULL)
		return true;
	/* "W/" and not 'W' alone: "Wed, 09 Nov 1994 ..." is a date. */
	if ((v.len > 0 && v.s[0] == '"') || (v.len >= 2 && memcmp(v.s, "W/", 2) == 0))
		return v.len == strlen(etag) && memcmp(v.s, etag, v.len) == 0;
	return httpdate_parse(v.s, v.len, &date) == 0 && date == mtime;
}

/*
 * A byte position: digits only.  One past UINT64_MAX is past the end of
 * any file, which is what UINT64_MAX says too, so it saturates rather
 * than making a valid range invalid (RFC 9110 14.1.1).
 */
static bool
number(const char *s, size_t len, uint64_t *ret)
{
	size_t i;
	int r;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	if ((r = parse_u64(s, len, ret)) == -ERANGE)
		*ret = UINT64_MAX;
	return r == 0 || r == -ERANGE;
}

enum httpcond_range
httpcond_range(struct http_slice field, uint64_t size, uint64_t *ret_first, uint64_t *ret_last)
{
	struct http_slice r = trim(field);
	const char *dash;
	uint64_t a, b;

	if (r.len < 6 || strncasecmp(r.s, "bytes=", 6) != 0)
		return HTTPCOND_RANGE_NONE;
	r = trim((struct http_slice){ r.s + 6, r.len - 6 });
	if (memchr(r.s, ',', r.len) != NULL || (dash = memchr(r.s, '-', r.len)) == NULL)
		return HTTPCOND_RANGE_NONE;
	if (dash == r.s) {					/* -n: the last n bytes */
		if (!number(dash + 1, r.len - 1, &b))
			return HTTPCOND_RANGE_NONE;
		if (b == 0 || size == 0)
			return HTTPCOND_RANGE_UNSATISFIABLE;
		*ret_first = b >= size ? 0 : size - b;
		*ret_last = size - 1;
		return HTTPCOND_RANGE_OK;
	}
	if (!number(r.s, (size_t)(dash - r.s), &a))
		return HTTPCOND_RANGE_NONE;
	if (dash + 1 == r.s + r.len)
		b = UINT64_MAX;					/* a-: to the end */
	else if (!number(dash + 1, r.len - (size_t)(dash + 1 - r.s), &b) || b < a)
		return HTTPCOND_RANGE_NONE;
	if (a >= size)
		return HTTPCOND_RANGE_UNSATISFIABLE;
	*ret_first = a;
	*ret_last = b >= size ? size - 1 : b;
	return HTTPCOND_RANGE_OK;
}

/* A q-value ("1", "0.5", "1.000") in thousandths; -1 when malformed. */
static int
qvalue(struct http_slice v)
{
	int q, i;

	if (v.len == 0 || v.len > 5 || (v.s[0] != '0' && v.s[0] != '1') ||
	    (v.len > 1 && v.s[1] != '.'))
		return -1;
	q = (v.s[0] - '0') * 1000;
	for (i = 2; i < 5; i++) {
		int d = (size_t)i < v.len ? v.s[i] - '0' : 0;

		if (d < 0 || d > 9)
			return -1;
		q += d * (i == 2 ? 100 : (i == 3 ? 10 : 1));
	}
	return q > 1000 ? -1 : q;
}

/* One media range: how well it names type/sub (3 exactly, 2 type/ *, 1 * / *, 0 not), and its q. */
static int
range_match(struct http_slice e, const char *type, int *ret_q)
{
	const char *semi = memchr(e.s, ';', e.len), *p;
	struct http_slice mr = trim((struct http_slice){ e.s, semi ? (size_t)(semi - e.s) : e.len });
	size_t tlen = strcspn(type, "/");
	int level = 0;

	if (mr.len == 3 && memcmp(mr.s, "*/*", 3) == 0)
		level = 1;
	else if (mr.len == tlen + 2 && strncasecmp(mr.s, type, tlen + 1) == 0 && mr.s[tlen + 1] == '*')
		level = 2;
	else if (mr.len == strlen(type) && strncasecmp(mr.s, type, mr.len) == 0)
		level = 3;
	*ret_q = 1000;
	for (p = semi; p != NULL; p = memchr(p + 1, ';', e.len - (size_t)(p + 1 - e.s))) {
		const char *end = memchr(p + 1, ';', e.len - (size_t)(p + 1 - e.s));
		struct http_slice prm = trim((struct http_slice){ p + 1,
		    (size_t)((end ? end : e.s + e.len) - (p + 1)) });

		if (prm.len >= 2 && (prm.s[0] == 'q' || prm.s[0] == 'Q') && prm.s[1] == '=')
			*ret_q = qvalue((struct http_slice){ prm.s + 2, prm.len - 2 });
	}
	return *ret_q < 0 ? 0 : level;
}

/* The q the most specific media range in accept gives type; 0 when none names it. */
static int
type_q(struct http_slice accept, const char *type)
{
	struct http_slice e;
	int best_level = 0, best_q = 0, level, q;

	while (next_element(&accept, &e))
		if ((level = range_match(e, type, &q)) > best_level)
			best_level = level, best_q = q;
	return best_q;
}

enum httpcond_format
httpcond_format(struct http_slice accept)
{
	static const struct {
		const char		*type;
		enum httpcond_format	 format;
	} offer[] = {
		{ "text/html", HTTPCOND_HTML },
		{ "application/json", HTTPCOND_JSON },
		{ "text/plain", HTTPCOND_TEXT },
	};
	enum httpcond_format best = HTTPCOND_HTML;
	int best_q = 0, q;
	size_t i;

	if (accept.s == NULL)
		return HTTPCOND_HTML;
	for (i = 0; i < sizeof(offer) / sizeof(offer[0]); i++)
		if ((q = type_q(accept, offer[i].type)) > best_q)
			best_q = q, best = offer[i].format;
	return best;
}
