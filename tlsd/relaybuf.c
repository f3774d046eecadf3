/*
 * The relay's buffers.  Bounds are asserted by construction: callers
 * pass back at most what they were offered, which the unit test checks
 * at the limit and past it.
 */
#include <string.h>

#include "relaybuf.h"

size_t
relaybuf_held(const struct relaybuf *b)
{
	return b->tail - b->head;
}

size_t
relaybuf_out(const struct relaybuf *b, const unsigned char **ret)
{
	*ret = b->data + b->head;
	return b->tail - b->head;
}

size_t
relaybuf_room(struct relaybuf *b, unsigned char **ret)
{
	size_t held = b->tail - b->head;

	/* Moving costs a copy of what is held: only when the tail is cramped. */
	if (b->head > 0 && sizeof(b->data) - b->tail < sizeof(b->data) / 4) {
		memmove(b->data, b->data + b->head, held);
		b->head = 0;
		b->tail = held;
	}
	*ret = b->data + b->tail;
	return sizeof(b->data) - b->tail;
}

void
relaybuf_added(struct relaybuf *b, size_t n)
{
	if (n > sizeof(b->data) - b->tail)
		n = sizeof(b->data) - b->tail;	/* never past the end, whatever the caller says */
	b->tail += n;
}

void
relaybuf_sent(struct relaybuf *b, size_t n)
{
	if (n > b->tail - b->head)
		n = b->tail - b->head;
	b->head += n;
	if (b->head == b->tail)
		b->head = b->tail = 0;	/* empty: the whole buffer is room again */
}
