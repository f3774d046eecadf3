/*
 * pax/ustar headers.  The names are the file system's bytes, which anyone
 * who writes beneath the root controls: every field is bounded, and a name
 * ustar cannot hold goes into a pax record, whose length is counted, not
 * guessed.  Nothing about the server's accounts goes in: owner 0/0, no
 * user or group names.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "autoindex.h"
#include "parse.h"
#include "tar.h"

#define USTAR_NAME	100
#define USTAR_PREFIX	155
#define OCTAL11_MAX	077777777777ULL		/* 8 GiB - 1: an 11-digit octal field */
#define PAX_RECORDS_MAX	(TAR_HEADER_MAX - 2 * TAR_BLOCK)

struct ustar_name {
	char	name[USTAR_NAME + 1];
	char	prefix[USTAR_PREFIX + 1];
};

static uint64_t
round_up(uint64_t n)
{
	return (n + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
}

uint64_t
tar_padding(uint64_t size)
{
	return round_up(size) - size;
}

/* The member's name as a header names it: a directory's ends in '/'. */
static size_t
header_path(const struct tar_member *m, char *dst)
{
	memcpy(dst, m->path, m->path_len);
	if (m->type == 'd')
		dst[m->path_len] = '/';
	return m->path_len + (m->type == 'd');
}

static bool
all_ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

bool
tar_name_is_utf8(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if ((n = autoindex_utf8_len((const unsigned char *)s + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}

/* Split path into ustar's prefix and name at a '/'; false when it cannot hold it. */
static bool
ustar_fits(const char *path, size_t len, struct ustar_name *u)
{
	size_t i;

	memset(u, 0, sizeof(*u));
	if (len <= USTAR_NAME) {
		memcpy(u->name, path, len);
		return true;
	}
	for (i = len - 1; i > 0; i--) {
		if (path[i] != '/' || i > USTAR_PREFIX)
			continue;
		if (len - i - 1 > USTAR_NAME || len - i - 1 == 0)
			return false;
		memcpy(u->prefix, path, i);
		memcpy(u->name, path + i + 1, len - i - 1);
		return true;
	}
	return false;
}

/* One "LEN key=value\n" record at dst + *len; LEN counts the whole record, itself included. */
static void
pax_record(char *dst, size_t *len, const char *key, const char *value, size_t vlen)
{
	size_t base = 1 + strlen(key) + 1 + vlen + 1, total = base + 1;

	while (total != base + parse_u64_width(total))
		total = base + parse_u64_width(total);
	if (*len + total > PAX_RECORDS_MAX)
		return;		/* cannot happen: paths are shorter than TAR_PATH_MAX */
	*len += (size_t)sprintf(dst + *len, "%zu %s=", total, key);
	memcpy(dst + *len, value, vlen);
	*len += vlen;
	dst[(*len)++] = '\n';
}

/* "SEC.NNNNNNNNN", the pax mtime of m, negative times included. */
static size_t
pax_mtime(const struct tar_member *m, char *dst, size_t size)
{
	int64_t sec = m->mtime;
	uint32_t ns = m->mtime_ns % 1000000000u;
	int n;

	if (ns == 0)
		n = snprintf(dst, size, "%" PRId64, sec);
	else if (sec >= 0)
		n = snprintf(dst, size, "%" PRId64 ".%09" PRIu32, sec, ns);
	else	/* -2 s + 0.5 s is -1.5 */
		n = snprintf(dst, size, "-%" PRIu64 ".%09" PRIu32,
		    (uint64_t)(-(sec + 1)), 1000000000u - ns);
	return n < 0 ? 0 : (size_t)n;
}

static bool
mtime_fits_ustar(const struct tar_member *m)
{
	return m->mtime_ns == 0 && m->mtime >= 0 && (uint64_t)m->mtime <= OCTAL11_MAX;
}

/* The pax records m needs, into dst (PAX_RECORDS_MAX bytes); 0 when ustar alone holds m. */
static size_t
pax_records(const struct tar_member *m, char *dst)
{
	char path[TAR_PATH_MAX + 1], num[48];
	struct ustar_name u;
	size_t plen = header_path(m, path), len = 0;
	bool ascii = all_ascii(path, plen);

	if (!ascii && !tar_name_is_utf8(path, plen))
		pax_record(dst, &len, "hdrcharset", "BINARY", 6);
	if (!ascii || !ustar_fits(path, plen, &u))
		pax_record(dst, &len, "path", path, plen);
	if (m->type == 'f' && m->size > OCTAL11_MAX)
		pax_record(dst, &len, "size", num, (size_t)sprintf(num, "%" PRIu64, m->size));
	if (!mtime_fits_ustar(m))
		pax_record(dst, &len, "mtime", num, pax_mtime(m, num, sizeof(num)));
	return len;
}

static void
octal(char *field, size_t width, uint64_t v)
{
	(void)snprintf(field, width, "%0*" PRIo64, (int)width - 1, v);
}

/* One ustar header block for name (already split), of type and size. */
static void
ustar_block(char *b, const struct ustar_name *u, char type, uint64_t size, int64_t mtime,
    unsigned mode)
{
	unsigned sum = 0;
	size_t i;

	memset(b, 0, TAR_BLOCK);
	memcpy(b, u->name, strlen(u->name));
	octal(b + 100, 8, mode);
	octal(b + 108, 8, 0);
	octal(b + 116, 8, 0);
	octal(b + 124, 12, size <= OCTAL11_MAX ? size : 0);
	octal(b + 136, 12, mtime >= 0 && (uint64_t)mtime <= OCTAL11_MAX ? (uint64_t)mtime : 0);
	b[156] = type;
	memcpy(b + 257, "ustar", 6);
	memcpy(b + 263, "00", 2);
	octal(b + 329, 8, 0);
	octal(b + 337, 8, 0);
	memcpy(b + 345, u->prefix, strlen(u->prefix));
	memset(b + 148, ' ', 8);
	for (i = 0; i < TAR_BLOCK; i++)
		sum += (unsigned char)b[i];
	(void)snprintf(b + 148, 8, "%06o", sum);
	b[155] = ' ';
}

/*
 * A name ustar can hold for a member whose real one is in a pax record:
 * the path cut short, so that a reader without pax still gets a name near
 * the real one.  Deterministic: nothing but the path goes in.
 */
static void
stand_in_name(const char *path, size_t len, const char *lead, struct ustar_name *u)
{
	size_t keep = USTAR_NAME - strlen(lead), i, n;

	memset(u, 0, sizeof(*u));
	n = strlen(lead);
	memcpy(u->name, lead, n);
	for (i = 0; i < len && n < USTAR_NAME && i < keep; i++)
		u->name[n++] = (unsigned char)path[i] < 0x80 ? path[i] : '_';
}

size_t
tar_header_size(const struct tar_member *m)
{
	char records[PAX_RECORDS_MAX];
	size_t len = pax_records(m, records);

	return (len > 0 ? TAR_BLOCK + (size_t)round_up(len) : 0) + TAR_BLOCK;
}

size_t
tar_header_format(const struct tar_member *m, char *dst)
{
	char records[PAX_RECORDS_MAX], path[TAR_PATH_MAX + 1];
	size_t len = pax_records(m, records), plen = header_path(m, path), at = 0;
	struct ustar_name u;
	unsigned mode = m->type == 'd' ? 0755 : 0644;

	if (len > 0) {
		stand_in_name(path, plen, "PaxHeaders/", &u);
		ustar_block(dst, &u, 'x', len, m->mtime, 0644);
		memset(dst + TAR_BLOCK, 0, (size_t)round_up(len));
		memcpy(dst + TAR_BLOCK, records, len);
		at = TAR_BLOCK + (size_t)round_up(len);
	}
	if (!all_ascii(path, plen) || !ustar_fits(path, plen, &u))
		stand_in_name(path, plen, "", &u);
	ustar_block(dst + at, &u, m->type == 'd' ? '5' : '0', m->type == 'f' ? m->size : 0,
	    m->mtime, mode);
	return at + TAR_BLOCK;
}
