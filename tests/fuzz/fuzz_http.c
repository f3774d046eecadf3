/*
 * HTTP request heads and what is read from their fields: no input may
 * crash the parser, hand out a slice outside the head, or make a range,
 * a precondition or a date come out of bounds.
 */
#include <string.h>

#include "fuzz.h"
#include "http.h"
#include "httpcond.h"
#include "httpdate.h"

#define FIRST_SECOND	INT64_C(-62167219200)	/* 0000-01-01 00:00:00 */
#define LAST_SECOND	INT64_C(253402300799)	/* 9999-12-31 23:59:59 */

static const char *base;
static size_t base_len;

/* A slice is absent, or lies inside the input and holds no line end or NUL. */
static void
check_slice(struct http_slice sl)
{
	if (sl.s == NULL) {
		FUZZ_ASSERT(sl.len == 0);
		return;
	}
	FUZZ_ASSERT(sl.s >= base && sl.len <= base_len && sl.s <= base + base_len - sl.len);
	FUZZ_ASSERT(memchr(sl.s, '\n', sl.len) == NULL && memchr(sl.s, '\r', sl.len) == NULL);
	FUZZ_ASSERT(memchr(sl.s, '\0', sl.len) == NULL);
}

static bool
is_tchar(unsigned char c)
{
	return c != '\0' && (strchr("!#$%&'*+-.^_`|~", c) != NULL || (c >= '0' && c <= '9') ||
	    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

/* A date that parses is in range and formats back to the same second. */
static void
check_date(struct http_slice sl)
{
	char buf[HTTPDATE_LEN + 1];
	int64_t t, back;

	if (sl.s == NULL || httpdate_parse(sl.s, sl.len, &t) != 0)
		return;
	FUZZ_ASSERT(t >= FIRST_SECOND && t <= LAST_SECOND);
	httpdate_format(t, buf);
	FUZZ_ASSERT(strlen(buf) == HTTPDATE_LEN);
	FUZZ_ASSERT(httpdate_parse(buf, HTTPDATE_LEN, &back) == 0 && back == t);
}

/* Whatever the field, a satisfiable range lies inside the representation. */
static void
check_range(struct http_slice field)
{
	static const uint64_t sizes[] = { 0, 1, 2, 499, 500, 10000, UINT64_MAX - 1, UINT64_MAX };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t first = 1, last = 0;
		enum httpcond_range r = httpcond_range(field, sizes[i], &first, &last);

		FUZZ_ASSERT(r == HTTPCOND_RANGE_NONE || r == HTTPCOND_RANGE_OK ||
		    r == HTTPCOND_RANGE_UNSATISFIABLE);
		if (r == HTTPCOND_RANGE_OK)
			FUZZ_ASSERT(first <= last && last < sizes[i]);
		else
			FUZZ_ASSERT(first == 1 && last == 0);	/* not written */
		if (sizes[i] == 0)
			FUZZ_ASSERT(r != HTTPCOND_RANGE_OK);
	}
}

/*
 * If-Range holding exactly the file's date lets the range through.  A
 * value shaped as an entity-tag ('"' or "W/" first) is read as one, even
 * when a lenient date reader (any weekday) would take it too.
 */
static void
check_if_range(struct http_slice field)
{
	static struct http_request req;
	int64_t t;

	if (field.s == NULL || httpdate_parse(field.s, field.len, &t) != 0)
		return;
	if (field.s[0] == '"' || (field.len >= 2 && memcmp(field.s, "W/", 2) == 0))
		return;
	req.if_range = field;
	FUZZ_ASSERT(httpcond_if_range(&req, "\"1\"", t));
	FUZZ_ASSERT(!httpcond_if_range(&req, "\"1\"", t + 1));
}

static void
check_request(const struct http_request *req)
{
	static const struct http_version v = { 1, 2, 3, 784111777, 5 };
	char etag[HTTPCOND_ETAG_MAX];
	struct http_slice p;
	size_t i;
	int code;

	for (i = 0; i < req->method_name.len; i++)
		FUZZ_ASSERT(is_tchar((unsigned char)req->method_name.s[i]));
	FUZZ_ASSERT(req->method_name.len > 0 && req->method_name.s == base);
	FUZZ_ASSERT(req->minor <= 9);
	FUZZ_ASSERT(req->path_len < FS_PATH_MAX && strlen(req->path) == req->path_len);
	FUZZ_ASSERT(req->asterisk ? req->path_len == 0 : req->path[0] == '/');
	FUZZ_ASSERT(req->minor >= 1 ? req->hosts == 1 : req->hosts <= 1);
	check_slice(req->method_name);
	check_slice(req->query);
	check_slice(req->range);
	check_slice(req->if_range);
	check_slice(req->if_match);
	check_slice(req->if_none_match);
	check_slice(req->if_modified_since);
	check_slice(req->if_unmodified_since);
	check_slice(req->accept);
	if (http_query_param(req->query, "format", &p))
		FUZZ_ASSERT(p.s >= req->query.s && p.s + p.len <= req->query.s + req->query.len);
	check_date(req->if_modified_since);
	check_date(req->if_unmodified_since);
	check_date(req->if_range);
	check_range(req->range);
	FUZZ_ASSERT(httpcond_etag(&v, etag) == strlen(etag));
	code = httpcond_check(req, etag, v.mtime);
	FUZZ_ASSERT(code == 0 || code == 304 || code == 412);
	if (req->if_match.s == NULL && req->if_unmodified_since.s == NULL)
		FUZZ_ASSERT(code != 412);
	if (req->if_none_match.s == NULL && req->if_modified_since.s == NULL)
		FUZZ_ASSERT(code != 304);
	if (req->if_range.s == NULL)
		FUZZ_ASSERT(httpcond_if_range(req, etag, v.mtime));
	check_if_range(req->if_range);
	FUZZ_ASSERT(httpcond_format(req->accept) <= HTTPCOND_TEXT);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request req;
	struct http_slice all = { (const char *)data, size };
	const char *lf;
	size_t first;
	enum fs_status st;

	base = (const char *)data;
	base_len = size;
	/* The whole input as each field's value, for the field readers on their own. */
	check_range(all);
	(void)httpcond_format(all);
	if (size <= 64) {
		check_date(size > 0 ? all : (struct http_slice){ "", 0 });
		check_if_range(all);
	}
	(void)http_list_has(all, "close");

	st = http_parse_head((const char *)data, size, &req);
	FUZZ_ASSERT(st == FS_OK || st == FS_E400 || st == FS_E414 || st == FS_E431);
	if (st != FS_OK)
		return 0;
	check_request(&req);
	/* A head we accept starts with a line that picks the HTTP dialect. */
	lf = memchr(data, '\n', size);
	FUZZ_ASSERT(lf != NULL);
	first = (size_t)(lf - (const char *)data);
	if (first > 0 && data[first - 1] == '\r')
		first--;
	FUZZ_ASSERT(first + 1 <= FS_HTTP_LINE_MAX);
	FUZZ_ASSERT(http_is_request_line((const char *)data, first));
	return 0;
}
