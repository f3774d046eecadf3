/*
 * The connection table: slots found by pid, and per-source counts, in two
 * open-addressing tables (linear probing, backward-shift deletion) twice
 * the size of -c, so a lookup stays short and nothing grows at run time.
 * Keys come from peer addresses, which a client chooses within its /64 or
 * more: the seeded hash keeps it from aiming at one chain, and the table
 * size bounds the damage if it did.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conntab.h"

static size_t
pid_home(const struct conntab *t, pid_t pid)
{
	return (size_t)(((uint64_t)(uint32_t)pid * 0x9E3779B97F4A7C15u) >> 32) & t->mask;
}

static size_t
key_home(const struct conntab *t, const struct addr_key *k)
{
	uint64_t a, b, h;

	memcpy(&a, k->b, sizeof(a));
	memcpy(&b, k->b + 8, sizeof(b));
	h = (a ^ t->seed) * 0x9E3779B97F4A7C15u;
	h = (h ^ (h >> 32) ^ b) * 0xBF58476D1CE4E5B9u;
	h ^= h >> 31;
	return (size_t)h & t->mask;
}

/* The bucket holding pid, or the empty one where it would go. */
static size_t
pid_find(const struct conntab *t, pid_t pid)
{
	size_t i = pid_home(t, pid);

	while (t->bypid[i] != 0 && t->slot[t->bypid[i] - 1].pid != pid)
		i = (i + 1) & t->mask;
	return i;
}

static size_t
src_find(const struct conntab *t, const struct addr_key *k)
{
	size_t i = key_home(t, k);

	while (t->src[i].count != 0 && memcmp(&t->src[i].key, k, sizeof(*k)) != 0)
		i = (i + 1) & t->mask;
	return i;
}

/*
 * Empty bucket i without breaking any probe chain: pull later entries of
 * the run back into the hole when the hole lies between their home and
 * where they sit.
 */
static void
pid_delete(struct conntab *t, size_t i)
{
	size_t j = i;

	for (;;) {
		size_t h;

		j = (j + 1) & t->mask;
		if (t->bypid[j] == 0)
			break;
		h = pid_home(t, t->slot[t->bypid[j] - 1].pid);
		if (((j - h) & t->mask) >= ((j - i) & t->mask)) {
			t->bypid[i] = t->bypid[j];
			i = j;
		}
	}
	t->bypid[i] = 0;
}

static void
src_delete(struct conntab *t, size_t i)
{
	size_t j = i;

	for (;;) {
		size_t h;

		j = (j + 1) & t->mask;
		if (t->src[j].count == 0)
			break;
		h = key_home(t, &t->src[j].key);
		if (((j - h) & t->mask) >= ((j - i) & t->mask)) {
			t->src[i] = t->src[j];
			i = j;
		}
	}
	t->src[i].count = 0;
}

int
conntab_init(struct conntab *t, size_t max, size_t per_source, uint64_t seed)
{
	size_t size = 2, i;

	if (max == 0 || max > CONNTAB_MAX || per_source == 0)
		return -EINVAL;
	while (size < 2 * max)
		size *= 2;
	*t = (struct conntab){ .max = max, .per_source = per_source, .nfree = max,
	    .mask = size - 1, .seed = seed };
	t->slot = calloc(max, sizeof(*t->slot));
	t->free = calloc(max, sizeof(*t->free));
	t->bypid = calloc(size, sizeof(*t->bypid));
	t->src = calloc(size, sizeof(*t->src));
	if (t->slot == NULL || t->free == NULL || t->bypid == NULL || t->src == NULL) {
		conntab_fini(t);
		return -ENOMEM;
	}
	for (i = 0; i < max; i++)
		t->free[i] = (uint32_t)(max - 1 - i);	/* slot 0 is handed out first */
	return 0;
}

void
conntab_fini(struct conntab *t)
{
	free(t->slot);
	free(t->free);
	free(t->bypid);
	free(t->src);
	*t = (struct conntab){ 0 };
}

uint32_t
conntab_from(const struct conntab *t, const struct addr_key *key)
{
	return t->src[src_find(t, key)].count;
}

struct conntab_slot *
conntab_reserve(struct conntab *t, const struct addr_key *key)
{
	struct conntab_slot *s;
	size_t si;

	if (conntab_full(t))
		return NULL;
	si = src_find(t, key);
	if (t->src[si].count >= t->per_source)
		return NULL;
	s = &t->slot[t->free[--t->nfree]];
	*s = (struct conntab_slot){ .key = *key };
	if (t->src[si].count == 0)
		t->src[si].key = *key;
	t->src[si].count++;
	t->live++;
	return s;
}

int
conntab_bind(struct conntab *t, struct conntab_slot *s, pid_t pid)
{
	size_t pi;

	if (pid <= 0 || s->pid != 0)
		return -EINVAL;
	pi = pid_find(t, pid);
	if (t->bypid[pi] != 0)
		return -EEXIST;
	s->pid = pid;
	t->bypid[pi] = (uint32_t)(s - t->slot) + 1;
	return 0;
}

/* Give slot s back and uncount its source; s must be out of bypid already. */
static void
slot_free(struct conntab *t, struct conntab_slot *s)
{
	size_t si = src_find(t, &s->key);

	if (--t->src[si].count == 0)
		src_delete(t, si);
	s->pid = 0;
	t->free[t->nfree++] = (uint32_t)(s - t->slot);
	t->live--;
}

void
conntab_release(struct conntab *t, struct conntab_slot *s)
{
	if (s->pid == 0)
		slot_free(t, s);
}

bool
conntab_has(const struct conntab *t, pid_t pid)
{
	return pid > 0 && t->bypid[pid_find(t, pid)] != 0;
}

int
conntab_remove(struct conntab *t, pid_t pid, struct conntab_slot *ret)
{
	struct conntab_slot *s;
	size_t pi;

	if (pid <= 0)
		return -ESRCH;
	pi = pid_find(t, pid);
	if (t->bypid[pi] == 0)
		return -ESRCH;
	s = &t->slot[t->bypid[pi] - 1];
	pid_delete(t, pi);
	if (ret != NULL)
		*ret = *s;
	slot_free(t, s);
	return 0;
}
