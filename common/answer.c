/*
 * Answer header parser for clients.  The server is untrusted here: sizes
 * are overflow-checked, keys and values are slices with lengths, and an
 * unknown key is skipped, never copied.
 */
#include <errno.h>
#include <string.h>

#include "answer.h"
#include "parse.h"

static bool
starts(const char *s, size_t len, const char *prefix)
{
	size_t pl = strlen(prefix);

	return len >= pl && memcmp(s, prefix, pl) == 0;
}

static int
key_value(struct answer *a, const char *k, size_t klen, const char *v, size_t vlen)
{
	if (klen == 4 && memcmp(k, "size", 4) == 0) {
		a->has_size = true;
		return parse_u64(v, vlen, &a->size);
	}
	if (klen == 5 && memcmp(k, "mtime", 5) == 0) {
		a->has_mtime = true;
		return parse_i64(v, vlen, &a->mtime);
	}
	if (klen == 7 && memcmp(k, "entries", 7) == 0) {
		a->has_entries = true;
		return parse_u64(v, vlen, &a->entries);
	}
	if (klen == 4 && memcmp(k, "type", 4) == 0) {
		if (vlen != 1 || (v[0] != 'f' && v[0] != 'd'))
			return -EINVAL;
		a->has_type = true;
		a->type = v[0];
	}
	return 0;
}

/* The " key=value" pairs after "OK <n>". */
static int
parse_pairs(struct answer *a, const char *s, size_t len)
{
	while (len > 0) {
		const char *sp, *eq;
		size_t flen;

		if (s[0] != ' ')
			return -EINVAL;
		s++, len--;
		sp = memchr(s, ' ', len);
		flen = sp != NULL ? (size_t)(sp - s) : len;
		eq = memchr(s, '=', flen);
		if (eq == NULL || eq == s)
			return -EINVAL;
		if (key_value(a, s, (size_t)(eq - s), eq + 1, flen - (size_t)(eq - s) - 1) < 0)
			return -EINVAL;
		s += flen;
		len -= flen;
	}
	return 0;
}

static int
parse_err(struct answer *a, const char *s, size_t len)
{
	uint64_t code;
	size_t tlen;

	if (len < 3 || parse_u64(s, 3, &code) < 0 || code < 100 || code > 599)
		return -EINVAL;
	if (len > 3 && s[3] != ' ')
		return -EINVAL;
	a->code = (unsigned)code;
	tlen = len > 4 ? len - 4 : 0;
	if (tlen >= sizeof(a->text))
		tlen = sizeof(a->text) - 1;
	memcpy(a->text, s + 4 - (len <= 3), tlen);
	a->text[tlen] = '\0';
	return 0;
}

int
answer_parse(const char *line, size_t len, struct answer *ret)
{
	struct answer a;
	const char *sp;
	size_t nlen;

	memset(&a, 0, sizeof(a));
	if (starts(line, len, "ERR ")) {
		if (parse_err(&a, line + 4, len - 4) < 0)
			return -EINVAL;
		*ret = a;
		return 0;
	}
	if (!starts(line, len, "OK "))
		return -EINVAL;
	line += 3, len -= 3;
	sp = memchr(line, ' ', len);
	nlen = sp != NULL ? (size_t)(sp - line) : len;
	if (parse_u64(line, nlen, &a.body) < 0)
		return -EINVAL;
	if (parse_pairs(&a, line + nlen, len - nlen) < 0)
		return -EINVAL;
	a.ok = true;
	*ret = a;
	return 0;
}
