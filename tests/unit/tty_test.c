/* fget's terminal masking (client/tty.c): every row, a name as the server sent it and as shown. */
#include <errno.h>
#include <string.h>

#include "tty.h"
#include "unit.h"

static const struct {
	const char	*in;
	const char	*shown;
} cases[] = {
	{ "plain name.txt",		"plain name.txt" },
	{ "",				"" },
	{ "a\nb\tc\rd",			"a?b?c?d" },
	{ "\x1b[31mred",		"?[31mred" },
	{ "del\x7f",			"del?" },
	/* UTF-8 passes: é, €, 𝄞, and U+00A0, the first code point past C1. */
	{ "caf\xc3\xa9",		"caf\xc3\xa9" },
	{ "\xe2\x82\xac 5",		"\xe2\x82\xac 5" },
	{ "\xf0\x9d\x84\x9e",		"\xf0\x9d\x84\x9e" },
	{ "\xc2\xa0",			"\xc2\xa0" },
	/* C1: raw (0x9B is CSI on an 8-bit terminal), and UTF-8-encoded (U+009B). */
	{ "\x9b" "31mred",		"?31mred" },
	{ "\x80\x9f",			"??" },
	{ "\xc2\x9b" "31m",		"??31m" },
	{ "\xc2\x80",			"??" },
	/* A continuation byte outside a valid sequence is stray: masked when C1. */
	{ "\xe2\x9b" "A",		"\xe2?A" },
	{ "\xe2\x82",			"\xe2?" },
	{ "\xc0\x9b",			"\xc0?" },		/* overlong ESC */
	{ "\xed\xa0\x80",		"\xed\xa0?" },	/* a surrogate */
	{ "\xf4\x90\x80\x80",		"\xf4???" },	/* past U+10FFFF */
	{ "\xe0\x80\x9b",		"\xe0??" },		/* overlong */
	/* Latin-1 text: bytes past C1 stay, an 8-bit terminal shows them. */
	{ "na\xefve \xa9",		"na\xefve \xa9" },
};

START_TEST(mask_table)
{
	char buf[64];
	size_t len = strlen(cases[_i].in);

	memcpy(buf, cases[_i].in, len + 1);
	tty_mask(buf, len);
	ck_assert_msg(memcmp(buf, cases[_i].shown, len + 1) == 0, "row %d", _i);
}
END_TEST

/* The length is the bound: a sequence cut by it is not read past. */
START_TEST(bounded_by_len)
{
	char buf[] = "\xc2\x9b";

	tty_mask(buf, 1);
	ck_assert_int_eq((unsigned char)buf[0], 0xc2);
	ck_assert_int_eq((unsigned char)buf[1], 0x9b);
}
END_TEST

/* Local names (tty_name()): what tty_mask() masks becomes %XX, the rest is kept. */
static const struct {
	const char	*in;
	const char	*local;
} names[] = {
	{ "plain.txt",			"plain.txt" },
	{ "",				"" },
	{ "e\x1b[31mred\x07",		"e%1B[31mred%07" },
	{ "del\x7f",			"del%7F" },
	{ "a?b%41",			"a?b%41" },	/* '?' and '%' are not controls */
	{ "caf\xc3\xa9",		"caf\xc3\xa9" },
	{ "\x9b" "x",			"%9Bx" },
	{ "\xc2\x9b",			"%C2%9B" },
	{ "na\xefve",			"na\xefve" },
};

START_TEST(name_table)
{
	char buf[64];
	ssize_t n = tty_name(names[_i].in, strlen(names[_i].in), buf, sizeof(buf));

	ck_assert_int_eq(n, (ssize_t)strlen(names[_i].local));
	ck_assert_str_eq(buf, names[_i].local);
}
END_TEST

/* Exactly the room and one byte short: an escape is never cut in half. */
START_TEST(name_bounds)
{
	char buf[5];

	ck_assert_int_eq(tty_name("abcd", 4, buf, sizeof(buf)), 4);
	ck_assert_int_eq(tty_name("abcde", 5, buf, sizeof(buf)), -ENAMETOOLONG);
	ck_assert_int_eq(tty_name("a\x1b", 2, buf, sizeof(buf)), 4);
	ck_assert_str_eq(buf, "a%1B");
	ck_assert_int_eq(tty_name("ab\x1b", 3, buf, sizeof(buf)), -ENAMETOOLONG);
}
END_TEST

/* Remote text keeps its spaces; controls and '%' stay escaped (a literal %20 is not a space). */
START_TEST(show_remote)
{
	char buf[64];

	ck_assert_str_eq(tty_show("a b\x1b[2J%20", 10, buf, sizeof(buf)), "a b%1B[2J%2520");
	ck_assert_str_eq(tty_show("", 0, buf, sizeof(buf)), "");
}
END_TEST

/* What the user typed is quoted as typed: '%' too. */
START_TEST(show_input)
{
	char buf[64];

	ck_assert_str_eq(tty_show_input("filesvc://h/a%20b c\n", 20, buf, sizeof(buf)),
	    "filesvc://h/a%20b c%0A");
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("tty");
	TCase *tc = tcase_create("mask");

	tcase_add_loop_test(tc, mask_table, 0, ARRAY_LEN(cases));
	tcase_add_test(tc, bounded_by_len);
	suite_add_tcase(s, tc);
	tc = tcase_create("name");
	tcase_add_loop_test(tc, name_table, 0, ARRAY_LEN(names));
	tcase_add_test(tc, name_bounds);
	suite_add_tcase(s, tc);
	tc = tcase_create("show");
	tcase_add_test(tc, show_remote);
	tcase_add_test(tc, show_input);
	suite_add_tcase(s, tc);
	return s;
}
