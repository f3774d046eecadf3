/*
 * HTTP/1.1 request heads (RFC 9112 sections 2-5, docs/http.md).  Every
 * byte comes from the network: fields are slices with lengths, and a head
 * is refused on its first bad byte.  Strict where leniency would let two
 * parties read one head two ways (smuggling): bare CR, obs-fold, a space
 * before the colon, conflicting Content-Lengths.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "parse.h"
#include "pct.h"

/* RFC 9110 5.6.2: the bytes a token may hold. */
static bool
is_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
is_token(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_tchar((unsigned char)s[i]))
			return false;
	return len > 0;
}

static bool
slice_is(struct http_slice sl, const char *lit)
{
	return sl.len == strlen(lit) && strncasecmp(sl.s, lit, sl.len) == 0;
}

/* The three parts of "METHOD SP TARGET SP VERSION"; false when the shape is wrong. */
static bool
split_request_line(const char *line, size_t len, struct http_slice part[3])
{
	const char *sp1 = memchr(line, ' ', len), *sp2;

	if (sp1 == NULL)
		return false;
	sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line));
	if (sp2 == NULL || memchr(sp2 + 1, ' ', len - (size_t)(sp2 + 1 - line)) != NULL)
		return false;
	part[0] = (struct http_slice){ line, (size_t)(sp1 - line) };
	part[1] = (struct http_slice){ sp1 + 1, (size_t)(sp2 - sp1 - 1) };
	part[2] = (struct http_slice){ sp2 + 1, len - (size_t)(sp2 + 1 - line) };
	return part[1].len > 0;
}

static bool
is_version_1x(struct http_slice v)
{
	return v.len == 8 && memcmp(v.s, "HTTP/1.", 7) == 0 && v.s[7] >= '0' && v.s[7] <= '9';
}

bool
http_is_request_line(const char *line, size_t len)
{
	struct http_slice part[3];

	return split_request_line(line, len, part) && is_token(part[0].s, part[0].len) &&
	    is_version_1x(part[2]);
}

static enum http_method
method_of(struct http_slice m)
{
	static const char *const other[] = { "POST", "PUT", "DELETE", "CONNECT", "TRACE", "PATCH" };
	size_t i;

	/* Methods are case-sensitive (RFC 9110 9.1): "get" is not GET. */
	if (m.len == 3 && memcmp(m.s, "GET", 3) == 0)
		return HTTP_GET;
	if (m.len == 4 && memcmp(m.s, "HEAD", 4) == 0)
		return HTTP_HEAD;
	if (m.len == 7 && memcmp(m.s, "OPTIONS", 7) == 0)
		return HTTP_OPTIONS;
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (m.len == strlen(other[i]) && memcmp(m.s, other[i], m.len) == 0)
			return HTTP_OTHER;
	return HTTP_UNKNOWN;
}

/*
 * absolute-form ("http://host/p"): the host is ignored, the path kept.  An
 * authority with no path names the root.  Returns the path part's slice.
 */
static bool
strip_authority(struct http_slice *t)
{
	size_t skip, i;

	if (t->len >= 7 && strncasecmp(t->s, "http://", 7) == 0)
		skip = 7;
	else if (t->len >= 8 && strncasecmp(t->s, "https://", 8) == 0)
		skip = 8;
	else
		return false;
	for (i = skip; i < t->len && t->s[i] != '/' && t->s[i] != '?'; i++)
		;
	t->s += i;
	t->len -= i;
	return true;
}

/* The target: origin-form, absolute-form or "*"; decoded into req->path. */
static enum fs_status
parse_target(struct http_slice t, struct http_request *req)
{
	const char *q;
	ssize_t n;
	size_t i;

	for (i = 0; i < t.len; i++) {
		unsigned char c = (unsigned char)t.s[i];

		if (c < 0x21 || c == 0x7f || c == '#')
			return FS_E400;
	}
	if (t.len == 1 && t.s[0] == '*') {
		req->asterisk = true;
		req->path[0] = '\0';
		return FS_OK;
	}
	if (t.s[0] != '/' && !strip_authority(&t))
		return FS_E400;
	if ((q = memchr(t.s, '?', t.len)) != NULL) {
		req->query = (struct http_slice){ q + 1, t.len - (size_t)(q + 1 - t.s) };
		t.len = (size_t)(q - t.s);
	}
	/* "+" stays a plus: RFC 3986 decoding, not HTML forms'. */
	n = pct_decode(t.s, t.len, req->path, sizeof(req->path));
	if (n < 0)
		return n == -ENAMETOOLONG ? FS_E414 : FS_E400;
	if (n == 0)
		req->path[n++] = '/', req->path[n] = '\0';	/* "http://host" */
	req->path_len = (size_t)n;
	return FS_OK;
}

static enum fs_status
parse_request_line(const char *line, size_t len, struct http_request *req)
{
	struct http_slice part[3];

	if (!split_request_line(line, len, part) || !is_token(part[0].s, part[0].len) ||
	    !is_version_1x(part[2]))
		return FS_E400;
	req->method_name = part[0];
	req->method = method_of(part[0]);
	req->minor = (unsigned)(part[2].s[7] - '0');
	return parse_target(part[1], req);
}

/* Content-Length: one number, or a list of the same number repeated (RFC 9112 6.3). */
static enum fs_status
parse_length(struct http_slice v, struct http_request *req)
{
	size_t i = 0, start, end;
	uint64_t n;

	for (;;) {
		while (i < v.len && (v.s[i] == ' ' || v.s[i] == '\t'))
			i++;
		for (start = i; i < v.len && v.s[i] != ',' && v.s[i] != ' ' && v.s[i] != '\t'; i++)
			;
		end = i;
		while (i < v.len && (v.s[i] == ' ' || v.s[i] == '\t'))
			i++;
		if (parse_u64(v.s + start, end - start, &n) < 0)
			return FS_E400;
		if (req->has_length && n != req->length)
			return FS_E400;
		req->has_length = true;
		req->length = n;
		if (i == v.len)
			return FS_OK;
		if (v.s[i++] != ',')
			return FS_E400;
	}
}

/* Keep the first of a field we read once; a second Range is refused, not guessed at. */
static enum fs_status
keep(struct http_slice *dst, struct http_slice v, bool twice_is_bad)
{
	if (dst->s != NULL)
		return twice_is_bad ? FS_E400 : FS_OK;
	*dst = v;
	return FS_OK;
}

static enum fs_status
apply_field(struct http_slice name, struct http_slice v, struct http_request *req)
{
	if (slice_is(name, "host")) {
		req->hosts++;
		return FS_OK;
	}
	if (slice_is(name, "connection")) {
		req->close |= http_list_has(v, "close");
		req->keep_alive |= http_list_has(v, "keep-alive");
		return FS_OK;
	}
	if (slice_is(name, "content-length"))
		return parse_length(v, req);
	if (slice_is(name, "transfer-encoding")) {
		req->has_te = true;
		return FS_OK;
	}
	if (slice_is(name, "range"))
		return keep(&req->range, v, true);
	if (slice_is(name, "if-range"))
		return keep(&req->if_range, v, true);
	if (slice_is(name, "if-modified-since"))
		return keep(&req->if_modified_since, v, true);
	if (slice_is(name, "if-unmodified-since"))
		return keep(&req->if_unmodified_since, v, true);
	if (slice_is(name, "if-match"))
		return keep(&req->if_match, v, false);
	if (slice_is(name, "if-none-match"))
		return keep(&req->if_none_match, v, false);
	if (slice_is(name, "accept"))
		return keep(&req->accept, v, false);
	return FS_OK;
}

/* One field line, without its line end: "name:" OWS value OWS. */
static enum fs_status
parse_field(const char *line, size_t len, struct http_request *req)
{
	const char *colon = memchr(line, ':', len);
	struct http_slice name, v;
	size_t i;

	/* A leading blank is obs-fold; a blank before the colon is not a token. */
	if (colon == NULL || !is_token(line, (size_t)(colon - line)))
		return FS_E400;
	name = (struct http_slice){ line, (size_t)(colon - line) };
	v = (struct http_slice){ colon + 1, len - name.len - 1 };
	for (i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return FS_E400;
	}
	while (v.len > 0 && (v.s[0] == ' ' || v.s[0] == '\t'))
		v.s++, v.len--;
	while (v.len > 0 && (v.s[v.len - 1] == ' ' || v.s[v.len - 1] == '\t'))
		v.len--;
	return apply_field(name, v, req);
}

/* A CR anywhere but before an LF, or a NUL: refused before any line is read. */
static bool
head_bytes_clean(const char *head, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (head[i] == '\0' || (head[i] == '\r' && (i + 1 == len || head[i + 1] != '\n')))
			return false;
	return true;
}

/* The next line of head[*pos..len), without its LF or CRLF. */
static struct http_slice
next_line(const char *head, size_t len, size_t *pos)
{
	const char *s = head + *pos, *lf = memchr(s, '\n', len - *pos);
	size_t n = lf != NULL ? (size_t)(lf - s) : len - *pos;

	*pos += n + (lf != NULL);
	if (n > 0 && s[n - 1] == '\r')
		n--;
	return (struct http_slice){ s, n };
}

static void
request_reset(struct http_request *req)
{
	char *path = req->path;

	/* Not memset: the path buffer is most of the struct, and pages cost. */
	memset(req, 0, offsetof(struct http_request, path));
	path[0] = '\0';
}

enum fs_status
http_parse_head(const char *head, size_t len, struct http_request *req)
{
	struct http_slice line;
	size_t pos = 0, start, fields = 0, field_bytes = 0;
	enum fs_status st;

	request_reset(req);
	if (!head_bytes_clean(head, len))
		return FS_E400;
	line = next_line(head, len, &pos);
	/* The limits count bytes as read, CR and LF included, as line_peek()'s do. */
	if (pos > FS_HTTP_LINE_MAX)
		return FS_E414;
	if ((st = parse_request_line(line.s, line.len, req)) != FS_OK)
		return st;
	for (;;) {
		/* A head cut short is not a head: its last field may be cut too. */
		if (pos == len)
			return FS_E400;
		start = pos;
		line = next_line(head, len, &pos);
		if (line.len == 0)
			break;
		field_bytes += pos - start;
		if (++fields > FS_HTTP_FIELDS_MAX || field_bytes > FS_HTTP_FIELDS_BYTES)
			return FS_E431;
		if ((st = parse_field(line.s, line.len, req)) != FS_OK)
			return st;
	}
	if (req->minor >= 1 ? req->hosts != 1 : req->hosts > 1)
		return FS_E400;
	return FS_OK;
}

bool
http_list_has(struct http_slice field, const char *token)
{
	size_t i = 0, start, end, tlen = strlen(token);

	while (i < field.len) {
		while (i < field.len && (field.s[i] == ' ' || field.s[i] == '\t' || field.s[i] == ','))
			i++;
		for (start = i; i < field.len && field.s[i] != ','; i++)
			;
		for (end = i; end > start && (field.s[end - 1] == ' ' || field.s[end - 1] == '\t'); end--)
			;
		if (end - start == tlen && strncasecmp(field.s + start, token, tlen) == 0)
			return true;
	}
	return false;
}

bool
http_query_param(struct http_slice query, const char *key, struct http_slice *ret)
{
	size_t klen = strlen(key), i = 0, start;

	while (i < query.len) {
		for (start = i; i < query.len && query.s[i] != '&'; i++)
			;
		if (i - start > klen && memcmp(query.s + start, key, klen) == 0 &&
		    query.s[start + klen] == '=') {
			*ret = (struct http_slice){ query.s + start + klen + 1, i - start - klen - 1 };
			return true;
		}
		i++;
	}
	return false;
}
