/*
 * Request-line parser.  Everything here comes from the network: fields
 * are slices of the line with explicit lengths, and each is refused on
 * its first bad byte rather than repaired.
 */
#include <string.h>
#include <strings.h>

#include "parse.h"
#include "pct.h"
#include "request.h"

#define FIELDS_MAX 4	/* GET path offset count */

/* fs-limits.h's FS_PATH_MAX >= FS_LINE_MAX, for the one buffer that relies on it. */
_Static_assert(sizeof(((struct request *)NULL)->path) >= FS_LINE_MAX,
    "a decoded path is never longer than its line");

struct field {
	const char	*s;
	size_t		 len;
};

static const struct {
	const char	*name;
	enum fs_verb	 verb;
	size_t		 min_args, max_args;
} verbs[] = {
	{ "LIST", VERB_LIST, 0, 1 },
	{ "GET", VERB_GET, 1, 3 },
	{ "STAT", VERB_STAT, 1, 1 },
	{ "QUIT", VERB_QUIT, 0, 0 },
};

/*
 * Cut line into fields at single spaces.  An empty field (two spaces, a
 * leading or trailing space) is malformed: a lenient split here would
 * make two spellings of one request.  Returns the count or -1.
 */
static int
split_fields(const char *line, size_t len, struct field f[FIELDS_MAX])
{
	size_t start = 0, i;
	int n = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (i == start || n == FIELDS_MAX)
			return -1;
		f[n].s = line + start;
		f[n].len = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

static int
find_verb(const struct field *f)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].name) == f->len &&
		    strncasecmp(verbs[i].name, f->s, f->len) == 0)
			return (int)i;
	return -1;
}

enum fs_status
request_parse(const char *line, size_t len, struct request *req)
{
	struct field f[FIELDS_MAX];
	size_t nargs;
	ssize_t plen;
	int n, v, i;

	if (len == 0 || (n = split_fields(line, len, f)) < 0)
		return FS_E400;
	/* Raw bytes that a sender must have encoded are refused, not guessed at. */
	for (i = 0; i < n; i++)
		if (!pct_is_encoded(f[i].s, f[i].len))
			return FS_E400;
	if ((v = find_verb(&f[0])) < 0)
		return FS_E400;
	nargs = (size_t)n - 1;
	if (nargs < verbs[v].min_args || nargs > verbs[v].max_args)
		return FS_E400;

	memset(req, 0, sizeof(*req));
	req->verb = verbs[v].verb;
	if (nargs >= 1) {
		/*
		 * -EINVAL only: a field is shorter than its line and path holds a
		 * whole line (asserted above).  There is no 414 here: that answer
		 * closes the connection, and over-long lines are line.c's to refuse.
		 */
		if ((plen = pct_decode(f[1].s, f[1].len, req->path, sizeof(req->path))) < 0)
			return FS_E400;
		req->path_len = (size_t)plen;
	}
	if (nargs >= 2) {
		if (parse_u64(f[2].s, f[2].len, &req->offset) < 0)
			return FS_E400;
		req->has_offset = true;
	}
	if (nargs >= 3) {
		if (parse_u64(f[3].s, f[3].len, &req->count) < 0)
			return FS_E400;
		req->has_count = true;
	}
	return FS_OK;
}

const char *
request_verb_name(enum fs_verb verb)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (verbs[i].verb == verb)
			return verbs[i].name;
	return "?";
}

const char *
status_text(enum fs_status status)
{
	switch (status) {
	case FS_OK:	return "ok";
	case FS_E400:	return "malformed request";
	case FS_E403:	return "forbidden";
	case FS_E404:	return "not found";
	case FS_E405:	return "method not allowed";
	case FS_E408:	return "idle timeout";
	case FS_E412:	return "precondition failed";
	case FS_E413:	return "request body too large";
	case FS_E414:	return "request line too long";
	case FS_E416:	return "bad range";
	case FS_E431:	return "header fields too large";
	case FS_E500:	return "server error";
	case FS_E501:	return "not implemented";
	case FS_E503:	return "server busy";
	}
	return "server error";
}
