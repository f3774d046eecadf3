/* filesvc-inetd's table of connections awaiting a PROXY header: sized once, oldest first. */
#include <errno.h>
#include <stdbool.h>

#include "conntab.h"
#include "pending.h"
#include "unit.h"

static const struct {
	size_t	max;
	int	r;
} init_cases[] = {
	{ 1, 0 },
	{ CONNTAB_MAX, 0 },		/* exactly the limit */
	{ CONNTAB_MAX + 1, -EINVAL },	/* the limit + 1 */
	{ 0, -EINVAL },
};

START_TEST(init_table)
{
	struct pending_table t;

	ck_assert_int_eq(pending_init(&t, init_cases[_i].max), init_cases[_i].r);
	if (init_cases[_i].r == 0) {
		ck_assert_uint_eq(t.live, 0);
		ck_assert_ptr_null(pending_oldest(&t));
		ck_assert_ptr_null(pending_at(&t, 0));	/* free slots are not found */
		pending_fini(&t);
	}
}
END_TEST

/* Full at max, a freed slot is reusable, bad and free indices give NULL. */
START_TEST(cap_and_index)
{
	struct pending_table t;
	struct pending *p[3];
	int i;

	ck_assert_int_eq(pending_init(&t, 3), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_ptr_nonnull(p[i] = pending_add(&t, 10 + i, 100 + i));
		ck_assert_ptr_eq(pending_at(&t, pending_index(&t, p[i])), p[i]);
	}
	ck_assert_ptr_null(pending_add(&t, 20, 200));
	ck_assert_uint_eq(t.live, 3);
	pending_remove(&t, p[1]);
	ck_assert_ptr_null(pending_at(&t, 1));
	ck_assert_ptr_null(pending_at(&t, 3));		/* one past the end */
	ck_assert_ptr_null(pending_at(&t, UINT64_MAX));
	ck_assert_ptr_eq(pending_add(&t, 21, 201), p[1]);	/* the freed slot again */
	ck_assert_ptr_null(pending_add(&t, -1, 300));	/* no fd, no slot */
	pending_fini(&t);
}
END_TEST

/* Remove from the front, the middle and the back: the oldest is always right. */
static const int remove_orders[][4] = {
	{ 0, 1, 2, 3 }, { 3, 2, 1, 0 }, { 1, 2, 0, 3 }, { 2, 0, 3, 1 }, { 1, 3, 2, 0 },
};

START_TEST(oldest_after_removals)
{
	struct pending_table t;
	struct pending *p[4];
	bool gone[4] = { false };
	int i, j;

	ck_assert_int_eq(pending_init(&t, 4), 0);
	for (i = 0; i < 4; i++)
		p[i] = pending_add(&t, i, 1000 + i);
	for (i = 0; i < 4; i++) {
		pending_remove(&t, p[remove_orders[_i][i]]);
		gone[remove_orders[_i][i]] = true;
		for (j = 0; j < 4 && gone[j]; j++)
			;
		if (j == 4)
			ck_assert_ptr_null(pending_oldest(&t));
		else
			ck_assert_int_eq(pending_oldest(&t)->deadline_ms, 1000 + j);
	}
	ck_assert_uint_eq(t.live, 0);
	pending_fini(&t);
}
END_TEST

/* A deadline earlier than the newest (a clock step, a caller's choice) still sorts. */
START_TEST(out_of_order_deadline)
{
	struct pending_table t;
	static const int64_t in[] = { 50, 30, 40, 10, 60 }, want[] = { 10, 30, 40, 50, 60 };
	size_t i;

	ck_assert_int_eq(pending_init(&t, 5), 0);
	for (i = 0; i < 5; i++)
		ck_assert_ptr_nonnull(pending_add(&t, (int)i, in[i]));
	for (i = 0; i < 5; i++) {
		struct pending *o = pending_oldest(&t);

		ck_assert_int_eq(o->deadline_ms, want[i]);
		pending_remove(&t, o);
	}
	ck_assert_ptr_null(pending_oldest(&t));
	pending_fini(&t);
}
END_TEST

/* Churn at the cap: a long run of add/remove never loses or leaks a slot. */
START_TEST(churn)
{
	struct pending_table t;
	int64_t now = 0;
	int i;

	ck_assert_int_eq(pending_init(&t, 8), 0);
	for (i = 0; i < 8; i++)
		ck_assert_ptr_nonnull(pending_add(&t, i, now++));
	for (i = 0; i < 10000; i++) {
		struct pending *o = pending_oldest(&t);

		ck_assert_int_eq(o->deadline_ms, now - 8);
		pending_remove(&t, o);
		ck_assert_ptr_nonnull(pending_add(&t, i, now++));
		ck_assert_ptr_null(pending_add(&t, i, now));
	}
	ck_assert_uint_eq(t.live, 8);
	pending_fini(&t);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("pending");
	TCase *tc = tcase_create("pending");

	tcase_add_loop_test(tc, init_table, 0, ARRAY_LEN(init_cases));
	tcase_add_test(tc, cap_and_index);
	tcase_add_loop_test(tc, oldest_after_removals, 0, ARRAY_LEN(remove_orders));
	tcase_add_test(tc, out_of_order_deadline);
	tcase_add_test(tc, churn);
	suite_add_tcase(s, tc);
	return s;
}
