/*
 * pax/ustar headers: which members need a pax header and which records it
 * holds, the size promised before formatting, checksums, and the fields
 * that must never say anything about the server (owner, names).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tar.h"
#include "unit.h"

#define L100 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* Every row is a claim about the archive; records NULL means "ustar alone". */
/* clang-format off */
static const struct {
	const char	*path;
	char		 type;
	uint64_t	 size;
	int64_t		 mtime;
	uint32_t	 ns;
	const char	*records;
} cases[] = {
	{ "d/hello.txt", 'f', 6, 1700000000, 0, NULL },
	{ "d", 'd', 0, 1700000000, 0, NULL },
	{ "d/" L100, 'f', 1, 0, 0, NULL },				/* prefix "d", name of 100 */
	{ "d/" L100 "b", 'f', 1, 0, 0, "path=d/" L100 "b" },		/* a name of 101 */
	{ L100 "x", 'd', 0, 0, 0, "path=" L100 "x/" },			/* no '/' to split at */
	{ "d/caf\xc3\xa9", 'f', 1, 0, 0, "path=d/caf\xc3\xa9" },	/* UTF-8: pax, no charset */
	{ "d/\xff", 'f', 1, 0, 0, "hdrcharset=BINARY\npath=d/\xff" },
	{ "d/big", 'f', 8589934592ULL, 0, 0, "size=8589934592" },	/* 8 GiB: 12 octal digits */
	{ "d/just", 'f', 8589934591ULL, 0, 0, NULL },			/* 8 GiB - 1 still fits */
	{ "d/ns", 'f', 0, 1700000000, 5, "mtime=1700000000.000000005" },
	{ "d/old", 'f', 0, -2, 500000000, "mtime=-1.500000000" },
	{ "d/older", 'f', 0, -86400, 0, "mtime=-86400" },
};
/* clang-format on */

/* The records of a pax header, each "LEN key=value\n" checked and stripped to "key=value". */
static char *
records_of(const char *data, size_t len)
{
	char *out = calloc(1, len + 1);
	size_t at = 0, o = 0;

	while (at < len && data[at] != '\0') {
		size_t n = strtoul(data + at, NULL, 10);
		const char *sp = memchr(data + at, ' ', n);

		ck_assert_ptr_nonnull(sp);
		ck_assert_int_eq(data[at + n - 1], '\n');	/* LEN counts the whole record */
		if (o > 0)
			out[o++] = '\n';
		memcpy(out + o, sp + 1, n - (size_t)(sp + 1 - (data + at)) - 1);
		o += n - (size_t)(sp + 1 - (data + at)) - 1;
		at += n;
	}
	return out;
}

static unsigned
checksum(const char *b)
{
	unsigned sum = 0;
	int i;

	for (i = 0; i < TAR_BLOCK; i++)
		sum += (unsigned char)(i >= 148 && i < 156 ? ' ' : b[i]);
	return sum;
}

START_TEST(header_table)
{
	struct tar_member m = { .path = cases[_i].path, .path_len = strlen(cases[_i].path),
	    .type = cases[_i].type, .size = cases[_i].size, .mtime = cases[_i].mtime,
	    .mtime_ns = cases[_i].ns };
	static char buf[TAR_HEADER_MAX];
	size_t n = tar_header_format(&m, buf), at = 0;
	const char *ustar;
	char *rec;

	ck_assert_uint_eq(n, tar_header_size(&m));
	ck_assert_uint_eq(n % TAR_BLOCK, 0);
	if (cases[_i].records != NULL) {
		ck_assert_int_eq(buf[156], 'x');
		ck_assert_str_eq(buf + 257, "ustar");
		rec = records_of(buf + TAR_BLOCK, strtoul(buf + 124, NULL, 8));
		ck_assert_str_eq(rec, cases[_i].records);
		free(rec);
		ck_assert_uint_eq(strtoul(buf + 148, NULL, 8), checksum(buf));
		at = n - TAR_BLOCK;
	} else {
		ck_assert_uint_eq(n, TAR_BLOCK);
	}
	ustar = buf + at;
	ck_assert_int_eq(ustar[156], cases[_i].type == 'd' ? '5' : '0');
	ck_assert_str_eq(ustar + 257, "ustar");
	ck_assert_int_eq(memcmp(ustar + 263, "00", 2), 0);
	ck_assert_str_eq(ustar + 100, cases[_i].type == 'd' ? "0000755" : "0000644");
	ck_assert_str_eq(ustar + 108, "0000000");			/* uid 0 */
	ck_assert_str_eq(ustar + 116, "0000000");			/* gid 0 */
	ck_assert_int_eq(ustar[265], '\0');				/* no user name */
	ck_assert_int_eq(ustar[297], '\0');				/* no group name */
	ck_assert_uint_eq(strtoul(ustar + 148, NULL, 8), checksum(ustar));
	if (cases[_i].records == NULL) {
		char name[160 + 101], want[TAR_PATH_MAX + 2];

		/* Fields filled to their width carry no NUL: read at most their width. */
		(void)snprintf(name, sizeof(name), "%.155s%s%.100s", ustar + 345,
		    ustar[345] != '\0' ? "/" : "", ustar);
		(void)snprintf(want, sizeof(want), "%s%s", cases[_i].path,
		    cases[_i].type == 'd' ? "/" : "");
		ck_assert_str_eq(name, want);
		ck_assert_uint_eq(strtoull(ustar + 124, NULL, 8), cases[_i].size);
		ck_assert_int_eq(strtoll(ustar + 136, NULL, 8), cases[_i].mtime);
	}
}
END_TEST

/* Deterministic: the same member, the same bytes, whatever was in the buffer before. */
START_TEST(same_member_same_bytes)
{
	struct tar_member m = { .path = "d/\xff" L100, .path_len = 103, .type = 'f', .size = 7,
	    .mtime = 3, .mtime_ns = 4 };
	static char a[TAR_HEADER_MAX], b[TAR_HEADER_MAX];
	size_t n;

	memset(a, 0x55, sizeof(a));
	memset(b, 0xaa, sizeof(b));
	n = tar_header_format(&m, a);
	ck_assert_uint_eq(tar_header_format(&m, b), n);
	ck_assert_int_eq(memcmp(a, b, n), 0);
}
END_TEST

/* The longest path a member may have still fits the header buffer. */
START_TEST(longest_path_fits)
{
	static char path[TAR_PATH_MAX], buf[TAR_HEADER_MAX];
	struct tar_member m = { .path = path, .path_len = TAR_PATH_MAX - 2, .type = 'd' };

	memset(path, 0xff, sizeof(path));
	ck_assert_uint_le(tar_header_format(&m, buf), TAR_HEADER_MAX);
	ck_assert_uint_eq(tar_header_size(&m), tar_header_format(&m, buf));
}
END_TEST

START_TEST(padding)
{
	ck_assert_uint_eq(tar_padding(0), 0);
	ck_assert_uint_eq(tar_padding(1), 511);
	ck_assert_uint_eq(tar_padding(512), 0);
	ck_assert_uint_eq(tar_padding(8589934593ULL), 511);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("tar");
	TCase *tc = tcase_create("headers");

	tcase_add_loop_test(tc, header_table, 0, ARRAY_LEN(cases));
	tcase_add_test(tc, same_member_same_bytes);
	tcase_add_test(tc, longest_path_fits);
	tcase_add_test(tc, padding);
	suite_add_tcase(s, tc);
	return s;
}
