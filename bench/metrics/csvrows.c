#include "metrics/csvrows.h"

#include <stdlib.h>
#include <string.h>

#define UB_CSVROWS_MIN 64u          /* slots and extra rows allocated at first */
#define UB_CSVROWS_MAX (1u << 24)

/* A probe's place: its own row once decided, and the extra rows waiting behind it. */
struct slot {
	struct ub_csv_row own;
	uint32_t first, last;  /* extra rows, as index + 1 into ex; 0 none */
	uint8_t has_own;
};

struct extra {
	struct ub_csv_row row;
	uint32_t next;         /* index + 1 of the next extra row (or free one); 0 none */
};

struct ub_csvrows {
	ub_csvrows_emit emit;
	void *ctx;
	struct slot *slot;     /* probe seq lives at slot[seq & (cap - 1)] */
	uint32_t cap, max;     /* slots allocated; the most there may be (a power of two) */
	uint32_t head;         /* the probe whose own row goes out next */
	uint32_t span;         /* slots from head on that may hold something */
	struct extra *ex;
	uint32_t n_ex, cap_ex, max_ex, free_ex; /* free_ex: index + 1 of a freed one, 0 none */
	uint64_t held, out_of_place;
};

static int is_own(const struct ub_csv_row *r)
{
	return r->status == UB_ST_OK || r->status == UB_ST_LOST;
}

struct ub_csvrows *ub_csvrows_new(uint32_t window, ub_csvrows_emit emit, void *ctx)
{
	struct ub_csvrows *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	if (window < 1)
		window = 1;
	if (window > UB_CSVROWS_MAX)
		window = UB_CSVROWS_MAX;
	q->max = 1;
	while (q->max < window)
		q->max <<= 1;
	q->cap = q->max < UB_CSVROWS_MIN ? q->max : UB_CSVROWS_MIN;
	q->max_ex = q->max < UB_CSVROWS_MIN ? UB_CSVROWS_MIN : q->max;
	q->emit = emit;
	q->ctx = ctx;
	q->slot = calloc(q->cap, sizeof(*q->slot));
	if (!q->slot) {
		free(q);
		return NULL;
	}
	return q;
}

/* Room for offset d from head: 0, or -1 when out of memory (rows are then handed on as they come). */
static int grow(struct ub_csvrows *q, uint32_t d)
{
	uint32_t cap = q->cap, i;
	struct slot *n;

	while (cap <= d)
		cap <<= 1;
	n = calloc(cap, sizeof(*n));
	if (!n)
		return -1;
	for (i = 0; i < q->span; i++)
		n[(q->head + i) & (cap - 1)] = q->slot[(q->head + i) & (q->cap - 1)];
	free(q->slot);
	q->slot = n;
	q->cap = cap;
	return 0;
}

/* A free extra row's index + 1, or 0 when the store is full. */
static uint32_t extra_take(struct ub_csvrows *q)
{
	uint32_t i, cap;
	struct extra *n;

	if (q->free_ex) {
		i = q->free_ex;
		q->free_ex = q->ex[i - 1].next;
		return i;
	}
	if (q->n_ex == q->cap_ex) {
		if (q->cap_ex >= q->max_ex)
			return 0;
		cap = q->cap_ex ? 2 * q->cap_ex : UB_CSVROWS_MIN;
		n = realloc(q->ex, cap * sizeof(*n));
		if (!n)
			return 0;
		q->ex = n;
		q->cap_ex = cap;
	}
	return ++q->n_ex;
}

/* Hands on the slot at head + 0 (own row if any, then its extras), empties it, moves head on. */
static void pop(struct ub_csvrows *q)
{
	struct slot *s = &q->slot[q->head & (q->cap - 1)];
	uint32_t i = s->first, next;

	if (s->has_own) {
		q->emit(q->ctx, &s->own);
		q->held--;
	}
	while (i) {
		next = q->ex[i - 1].next;
		q->emit(q->ctx, &q->ex[i - 1].row);
		q->held--;
		q->ex[i - 1].next = q->free_ex;
		q->free_ex = i;
		i = next;
	}
	memset(s, 0, sizeof(*s));
	q->head++;
	if (q->span)
		q->span--;
}

void ub_csvrows_drain(struct ub_csvrows *q)
{
	if (!q)
		return;
	while (q->span)
		pop(q);
}

void ub_csvrows_put(struct ub_csvrows *q, const struct ub_csv_row *r)
{
	uint32_t d = r->seq - q->head, i;
	struct slot *s;

	/* Behind head: its own row is out already, whatever this one is. */
	if (d >= 0x80000000u) {
		q->emit(q->ctx, r);
		return;
	}
	/* Further ahead than any probe in flight can be: start over from it. */
	if (d >= q->max) {
		ub_csvrows_drain(q);
		q->head = r->seq;
		d = 0;
	}
	if (d >= q->cap && grow(q, d) < 0) {
		q->emit(q->ctx, r);
		return;
	}
	s = &q->slot[(q->head + d) & (q->cap - 1)];
	if (is_own(r) && !s->has_own) {
		s->own = *r;
		s->has_own = 1;
	} else {
		i = extra_take(q);
		if (!i) {
			q->out_of_place++;
			q->emit(q->ctx, r);
			return;
		}
		q->ex[i - 1].row = *r;
		q->ex[i - 1].next = 0;
		if (s->last)
			q->ex[s->last - 1].next = i;
		else
			s->first = i;
		s->last = i;
	}
	q->held++;
	if (d + 1 > q->span)
		q->span = d + 1;
	while (q->span && q->slot[q->head & (q->cap - 1)].has_own)
		pop(q);
}

uint64_t ub_csvrows_held(const struct ub_csvrows *q)
{
	return q ? q->held : 0;
}

uint64_t ub_csvrows_out_of_place(const struct ub_csvrows *q)
{
	return q ? q->out_of_place : 0;
}

void ub_csvrows_free(struct ub_csvrows *q)
{
	if (!q)
		return;
	ub_csvrows_drain(q);
	free(q->slot);
	free(q->ex);
	free(q);
}
