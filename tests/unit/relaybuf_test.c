/*
 * filesvc-tlsd's relay buffers: what goes in comes out in order, exactly
 * FS_RELAY_BUF bytes fit and not one more, a held remainder moves to the
 * front only when the tail is cramped, and over-long counts are clamped.
 */
#include <string.h>

#include "relaybuf.h"
#include "unit.h"

static struct relaybuf b;

static void
setup(void)
{
	memset(&b, 0, sizeof(b));
}

/* Put n bytes of value v in; returns how many fit. */
static size_t
put(size_t n, unsigned char v)
{
	unsigned char *p;
	size_t room = relaybuf_room(&b, &p);

	if (n > room)
		n = room;
	memset(p, v, n);
	relaybuf_added(&b, n);
	return n;
}

START_TEST(fills_exactly_and_drains_in_order)
{
	const unsigned char *out;
	unsigned char *p;

	ck_assert_uint_eq(relaybuf_held(&b), 0);
	ck_assert_uint_eq(put(FS_RELAY_BUF - 1, 'a'), FS_RELAY_BUF - 1);
	ck_assert_uint_eq(put(2, 'b'), 1);		/* the limit, and not one byte past it */
	ck_assert_uint_eq(relaybuf_room(&b, &p), 0);
	ck_assert_uint_eq(relaybuf_held(&b), FS_RELAY_BUF);
	ck_assert_uint_eq(relaybuf_out(&b, &out), FS_RELAY_BUF);
	ck_assert_int_eq(out[0], 'a');
	ck_assert_int_eq(out[FS_RELAY_BUF - 1], 'b');
	relaybuf_sent(&b, 10);
	ck_assert_uint_eq(relaybuf_out(&b, &out), FS_RELAY_BUF - 10);
	ck_assert_int_eq(out[0], 'a');
	relaybuf_sent(&b, FS_RELAY_BUF - 10);
	ck_assert_uint_eq(relaybuf_held(&b), 0);
	ck_assert_uint_eq(relaybuf_room(&b, &p), FS_RELAY_BUF);	/* empty: all room again */
}
END_TEST

START_TEST(moves_only_when_cramped)
{
	const unsigned char *out;
	unsigned char *p;

	put(100, 'x');
	relaybuf_sent(&b, 50);
	/* Plenty of tail room: the 50 held bytes stay where they are. */
	ck_assert_uint_eq(relaybuf_room(&b, &p), FS_RELAY_BUF - 100);
	ck_assert_uint_eq(relaybuf_out(&b, &out), 50);
	ck_assert_ptr_eq(out, b.data + 50);
	put(FS_RELAY_BUF - 100 - 10, 'y');
	/* 10 bytes of tail left: the held bytes move to the front, in order. */
	ck_assert_uint_eq(relaybuf_room(&b, &p), 60);
	ck_assert_uint_eq(relaybuf_out(&b, &out), FS_RELAY_BUF - 60);
	ck_assert_ptr_eq(out, b.data);
	ck_assert_int_eq(out[49], 'x');
	ck_assert_int_eq(out[50], 'y');
}
END_TEST

START_TEST(counts_are_clamped)
{
	unsigned char *p;

	put(10, 'z');
	relaybuf_sent(&b, 11);		/* more than held */
	ck_assert_uint_eq(relaybuf_held(&b), 0);
	ck_assert_uint_eq(relaybuf_room(&b, &p), FS_RELAY_BUF);
	relaybuf_added(&b, FS_RELAY_BUF + 1);	/* more than the room */
	ck_assert_uint_eq(relaybuf_held(&b), FS_RELAY_BUF);
	relaybuf_sent(&b, 0);
	ck_assert_uint_eq(relaybuf_held(&b), FS_RELAY_BUF);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("relaybuf");
	TCase *tc = tcase_create("relaybuf");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, fills_exactly_and_drains_in_order);
	tcase_add_test(tc, moves_only_when_cramped);
	tcase_add_test(tc, counts_are_clamped);
	suite_add_tcase(s, tc);
	return s;
}
