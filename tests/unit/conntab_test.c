/* filesvc-inetd's connection table: slots by pid, counts per source, sized once. */
#include <errno.h>
#include <string.h>

#include "conntab.h"
#include "unit.h"

/* Key number n, as an lvalue (a compound literal) so &KEY(n) works. */
#define KEY(n)	((struct addr_key){ .b = { (unsigned char)(n), (unsigned char)((n) >> 8), \
		    (unsigned char)((n) >> 16) } })

/* What the supervisor does for a spawn that works: reserve, then bind. */
static struct conntab_slot *
add(struct conntab *t, pid_t pid, const struct addr_key *key)
{
	struct conntab_slot *s = conntab_reserve(t, key);

	if (s != NULL && conntab_bind(t, s, pid) < 0) {
		conntab_release(t, s);
		return NULL;
	}
	return s;
}

static const struct {
	size_t	max, per_source;
	int	r;
} init_cases[] = {
	{ 1, 1, 0 },
	{ CONNTAB_MAX, CONNTAB_MAX, 0 },		/* exactly the limit */
	{ CONNTAB_MAX + 1, 1, -EINVAL },		/* the limit + 1 */
	{ 0, 1, -EINVAL },
	{ 1, 0, -EINVAL },
	{ 100, 1000, 0 },			/* -C above -c never triggers */
};

START_TEST(init_table)
{
	struct conntab t;

	ck_assert_int_eq(conntab_init(&t, init_cases[_i].max, init_cases[_i].per_source, 0),
	    init_cases[_i].r);
	if (init_cases[_i].r == 0) {
		ck_assert_uint_eq(t.live, 0);
		ck_assert(!conntab_full(&t));
		conntab_fini(&t);
	}
}
END_TEST

START_TEST(cap_total)
{
	struct conntab t;
	struct addr_key k = KEY(1);
	struct conntab_slot s;
	pid_t pid;

	ck_assert_int_eq(conntab_init(&t, 3, 3, 0), 0);
	for (pid = 100; pid < 103; pid++)
		ck_assert_ptr_nonnull(add(&t, pid, &k));
	ck_assert(conntab_full(&t));
	ck_assert_ptr_null(add(&t, 200, &KEY(2)));
	ck_assert_int_eq(conntab_remove(&t, 101, &s), 0);
	ck_assert_int_eq(s.pid, 101);
	ck_assert(!conntab_full(&t));
	ck_assert_ptr_nonnull(add(&t, 200, &KEY(2)));
	ck_assert(conntab_full(&t));
	conntab_fini(&t);
}
END_TEST

START_TEST(cap_per_source)
{
	struct conntab t;
	struct addr_key a = KEY(1), b = KEY(2);
	struct conntab_slot *s;

	ck_assert_int_eq(conntab_init(&t, 10, 2, 0), 0);
	ck_assert(!conntab_source_full(&t, &a));
	s = add(&t, 1, &a);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->pid, 1);
	ck_assert(memcmp(&s->key, &a, sizeof(a)) == 0);
	ck_assert_ptr_nonnull(add(&t, 2, &a));
	ck_assert(conntab_source_full(&t, &a));
	ck_assert_ptr_null(add(&t, 3, &a));	/* the cap + 1 */
	ck_assert(!conntab_source_full(&t, &b));
	ck_assert_ptr_nonnull(add(&t, 3, &b));
	ck_assert_uint_eq(conntab_from(&t, &a), 2);
	ck_assert_uint_eq(conntab_from(&t, &b), 1);
	ck_assert_int_eq(conntab_remove(&t, 1, NULL), 0);
	ck_assert_uint_eq(conntab_from(&t, &a), 1);
	ck_assert(!conntab_source_full(&t, &a));
	ck_assert_int_eq(conntab_remove(&t, 2, NULL), 0);
	ck_assert_uint_eq(conntab_from(&t, &a), 0);
	ck_assert_uint_eq(t.live, 1);
	conntab_fini(&t);
}
END_TEST

START_TEST(hostile)
{
	struct conntab t;
	struct addr_key k = KEY(1);
	struct conntab_slot s = { .pid = 77 };

	ck_assert_int_eq(conntab_init(&t, 4, 4, 0), 0);
	ck_assert_ptr_null(add(&t, 0, &k));
	ck_assert_ptr_null(add(&t, -1, &k));
	ck_assert_ptr_nonnull(add(&t, 5, &k));
	ck_assert_ptr_null(add(&t, 5, &k));		/* already there */
	ck_assert_int_eq(conntab_remove(&t, 6, &s), -ESRCH);
	ck_assert_int_eq(conntab_remove(&t, 0, &s), -ESRCH);
	ck_assert_int_eq(s.pid, 77);				/* untouched */
	ck_assert_int_eq(conntab_remove(&t, 5, &s), 0);
	ck_assert_int_eq(conntab_remove(&t, 5, &s), -ESRCH);	/* reaped twice */
	ck_assert_uint_eq(t.live, 0);
	conntab_fini(&t);
}
END_TEST

/* The whole table at the -c limit: every slot used, every pid found again. */
START_TEST(full_size)
{
	struct conntab t;
	pid_t pid;

	ck_assert_int_eq(conntab_init(&t, CONNTAB_MAX, 4, 12345), 0);
	for (pid = 1; pid <= CONNTAB_MAX; pid++)
		ck_assert_ptr_nonnull(add(&t, pid, &KEY((unsigned)pid / 4)));
	ck_assert(conntab_full(&t));
	ck_assert_uint_eq(conntab_from(&t, &KEY(7)), 4);
	for (pid = CONNTAB_MAX; pid >= 1; pid -= 2)
		ck_assert_int_eq(conntab_remove(&t, pid, NULL), 0);
	for (pid = 1; pid <= CONNTAB_MAX; pid += 2)
		ck_assert_int_eq(conntab_remove(&t, pid, NULL), 0);
	ck_assert_uint_eq(t.live, 0);
	conntab_fini(&t);
}
END_TEST

/*
 * A slot counts against -c and -C from its reservation, while its child
 * is being spawned; a failed spawn gives it back; a pid is found only once
 * bound, and binding refuses what would corrupt the table.
 */
START_TEST(reserve_then_bind)
{
	struct conntab t;
	struct addr_key a = KEY(1), b = KEY(2);
	struct conntab_slot *s1, *s2;

	ck_assert_int_eq(conntab_init(&t, 2, 1, 0), 0);
	s1 = conntab_reserve(&t, &a);
	ck_assert_ptr_nonnull(s1);
	ck_assert_int_eq(s1->pid, 0);
	ck_assert_uint_eq(t.live, 1);
	ck_assert(conntab_source_full(&t, &a));
	ck_assert_ptr_null(conntab_reserve(&t, &a));		/* -C 1, reserved or not */
	ck_assert(!conntab_has(&t, 10));
	ck_assert_int_eq(conntab_remove(&t, 10, NULL), -ESRCH);	/* exited before its bind */
	s2 = conntab_reserve(&t, &b);
	ck_assert_ptr_nonnull(s2);
	ck_assert(conntab_full(&t));
	ck_assert_uint_eq(conntab_index(&t, s1) + conntab_index(&t, s2), 1);	/* slots 0 and 1 */
	ck_assert_int_eq(conntab_bind(&t, s1, 0), -EINVAL);
	ck_assert_int_eq(conntab_bind(&t, s1, 10), 0);
	ck_assert(conntab_has(&t, 10));
	ck_assert_int_eq(conntab_bind(&t, s1, 11), -EINVAL);	/* bound already */
	ck_assert_int_eq(conntab_bind(&t, s2, 10), -EEXIST);	/* s1's pid */
	conntab_release(&t, s1);					/* bound: no-op */
	ck_assert_uint_eq(t.live, 2);
	conntab_release(&t, s2);					/* the spawn failed */
	ck_assert_uint_eq(t.live, 1);
	ck_assert_uint_eq(conntab_from(&t, &b), 0);
	ck_assert(!conntab_full(&t));
	ck_assert_int_eq(conntab_remove(&t, 10, NULL), 0);
	ck_assert_uint_eq(t.live, 0);
	ck_assert(!conntab_has(&t, 10));
	ck_assert_ptr_nonnull(add(&t, 10, &a));			/* both slots free again */
	ck_assert_ptr_nonnull(add(&t, 11, &b));
	conntab_fini(&t);
}
END_TEST

static uint32_t
rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/*
 * Random adds and removes against a plain model, in a small table where
 * probe runs collide and wrap: backward-shift deletion must never lose an
 * entry or a count.
 */
START_TEST(model)
{
	enum { MAX = 16, PIDS = 64, KEYS = 5 };
	static const size_t per_source[] = { 1, 3, MAX };
	struct conntab t;
	int live[PIDS + 1] = { 0 };	/* pid -> key + 1, 0 when absent */
	uint32_t x = 2463534242u + (uint32_t)_i, from[KEYS] = { 0 };
	size_t n = 0, ps = per_source[_i % 3];
	int step;

	ck_assert_int_eq(conntab_init(&t, MAX, ps, (uint64_t)_i), 0);
	for (step = 0; step < 20000; step++) {
		pid_t pid = (pid_t)(rnd(&x) % PIDS + 1);
		unsigned k = rnd(&x) % KEYS;
		struct conntab_slot s;

		if (live[pid] != 0) {
			ck_assert_int_eq(conntab_remove(&t, pid, &s), 0);
			ck_assert(memcmp(&s.key, &KEY((unsigned)live[pid] - 1), sizeof(s.key)) == 0);
			from[live[pid] - 1]--;
			live[pid] = 0;
			n--;
		} else if (n < MAX && from[k] < ps) {
			ck_assert_ptr_nonnull(add(&t, pid, &KEY(k)));
			live[pid] = (int)k + 1;
			from[k]++;
			n++;
		} else {
			ck_assert_ptr_null(add(&t, pid, &KEY(k)));
			ck_assert_int_eq(conntab_remove(&t, pid, NULL), -ESRCH);
		}
		ck_assert_uint_eq(t.live, n);
		ck_assert_uint_eq(conntab_from(&t, &KEY(k)), from[k]);
	}
	conntab_fini(&t);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("conn");
	TCase *tc = tcase_create("conn");

	tcase_add_loop_test(tc, init_table, 0, ARRAY_LEN(init_cases));
	tcase_add_test(tc, cap_total);
	tcase_add_test(tc, cap_per_source);
	tcase_add_test(tc, hostile);
	tcase_add_test(tc, reserve_then_bind);
	tcase_add_test(tc, full_size);
	tcase_add_loop_test(tc, model, 0, 6);
	suite_add_tcase(s, tc);
	return s;
}
