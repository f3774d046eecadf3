/*
 * filesvc-tlsd's spawn.c, its pure part: which SNI names the client sent
 * may reach the command's environment.  A DNS name passes; anything a
 * shell, a log or an environment parser could trip on does not.
 */
#include <string.h>

#include "tlsd.h"
#include "unit.h"

static const struct {
	const char	*sni;
	bool		 ok;
} cases[] = {
	{ "localhost", true },
	{ "files.example.org", true },
	{ "xn--caf-dma.example", true },
	{ "_acme.example", true },
	{ "", false },
	{ "a b", false },
	{ "a=b", false },
	{ "a;rm", false },
	{ "a\nb", false },
	{ "caf\xc3\xa9.example", false },	/* U+00E9: IDNs travel as xn-- */
	{ "a$(x)", false },
	{ "%41", false },
};

START_TEST(sni_table)
{
	ck_assert_msg(spawn_sni_ok(cases[_i].sni) == cases[_i].ok, "%s", cases[_i].sni);
}
END_TEST

/* 253 bytes is the longest DNS name; one more is refused. */
START_TEST(sni_limit)
{
	char name[256];

	memset(name, 'a', sizeof(name));
	name[253] = '\0';
	ck_assert(spawn_sni_ok(name));
	name[253] = 'a';
	name[254] = '\0';
	ck_assert(!spawn_sni_ok(name));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("spawn");
	TCase *tc = tcase_create("sni");

	tcase_add_loop_test(tc, sni_table, 0, ARRAY_LEN(cases));
	tcase_add_test(tc, sni_limit);
	suite_add_tcase(s, tc);
	return s;
}
