/*
 * The table of connections waiting for their PROXY header: slots from a
 * free stack, linked in deadline order so the timer only ever looks at
 * the oldest.  Everything is allocated once, in pending_init().
 */
#include <errno.h>
#include <stdlib.h>

#include "conntab.h"
#include "pending.h"

int
pending_init(struct pending_table *t, size_t max)
{
	size_t i;

	if (max == 0 || max > CONNTAB_MAX)
		return -EINVAL;
	*t = (struct pending_table){ .max = max, .nfree = max, .oldest = PENDING_NONE,
	    .newest = PENDING_NONE };
	t->slot = calloc(max, sizeof(*t->slot));
	t->free = calloc(max, sizeof(*t->free));
	if (t->slot == NULL || t->free == NULL) {
		pending_fini(t);
		return -ENOMEM;
	}
	for (i = 0; i < max; i++) {
		t->slot[i].fd = -1;
		t->free[i] = (uint32_t)(max - 1 - i);	/* slot 0 is handed out first */
	}
	return 0;
}

void
pending_fini(struct pending_table *t)
{
	free(t->slot);
	free(t->free);
	*t = (struct pending_table){ .oldest = PENDING_NONE, .newest = PENDING_NONE };
}

/* Link slot i in after slot after (PENDING_NONE: first). */
static void
link_after(struct pending_table *t, uint32_t i, uint32_t after)
{
	struct pending *p = &t->slot[i];

	p->prev = after;
	p->next = after == PENDING_NONE ? t->oldest : t->slot[after].next;
	if (p->next == PENDING_NONE)
		t->newest = i;
	else
		t->slot[p->next].prev = i;
	if (after == PENDING_NONE)
		t->oldest = i;
	else
		t->slot[after].next = i;
}

struct pending *
pending_add(struct pending_table *t, int fd, int64_t deadline_ms)
{
	uint32_t i, after;
	struct pending *p;

	if (fd < 0 || t->nfree == 0)
		return NULL;
	i = t->free[--t->nfree];
	p = &t->slot[i];
	*p = (struct pending){ .fd = fd, .deadline_ms = deadline_ms };
	after = t->newest;
	while (after != PENDING_NONE && t->slot[after].deadline_ms > deadline_ms)
		after = t->slot[after].prev;
	link_after(t, i, after);
	t->live++;
	return p;
}

void
pending_remove(struct pending_table *t, struct pending *p)
{
	uint32_t i = pending_index(t, p);

	if (p->prev == PENDING_NONE)
		t->oldest = p->next;
	else
		t->slot[p->prev].next = p->next;
	if (p->next == PENDING_NONE)
		t->newest = p->prev;
	else
		t->slot[p->next].prev = p->prev;
	p->fd = -1;
	t->free[t->nfree++] = i;
	t->live--;
}

struct pending *
pending_oldest(const struct pending_table *t)
{
	return t->oldest == PENDING_NONE ? NULL : &t->slot[t->oldest];
}

uint32_t
pending_index(const struct pending_table *t, const struct pending *p)
{
	return (uint32_t)(p - t->slot);
}

struct pending *
pending_at(const struct pending_table *t, uint64_t idx)
{
	if (idx >= t->max || t->slot[idx].fd < 0)
		return NULL;
	return &t->slot[idx];
}
