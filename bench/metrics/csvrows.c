#include "metrics/csvrows.h"

#include <stdlib.h>
#include <string.h>

#define UB_CSVROWS_MIN 64u          /* slots and extra rows allocated at first */
#define UB_CSVROWS_MAX (1u << 24)

/*
 * A probe's place: its own row once decided, packed (a flood holds a
 * quarter of a million of them): the number is the slot's, the flags are
 * bits (the CSV writes them as 0 or 1), TCP's figures and the links to
 * extra rows live in arrays of their own, made when a run first needs them.
 */
struct slot {
	int64_t tx_ns, rx_ns, rtt_ns, refl_rx_ns, refl_tx_ns;
	uint32_t refl_seq;
	int32_t ttl;
	uint8_t status, flags;
};

enum { F_OWN = 1, F_RX = 2, F_REFL = 4, F_REORDERED = 8, F_TCP = 16 };

/* The extra rows waiting behind a probe's own row, as index + 1 into ex; 0 none. */
struct link {
	uint32_t first, last;
};

struct tcp {
	uint64_t retransmits;
	int64_t rto_ns;
};

struct extra {
	struct ub_csv_row row;
	uint32_t next;         /* index + 1 of the next extra row (or free one); 0 none */
};

struct ub_csvrows {
	ub_csvrows_emit emit;
	void *ctx;
	struct slot *slot;     /* probe seq lives at slot[seq & (cap - 1)] */
	struct link *link;     /* beside slot, once some probe had an extra row; else NULL */
	struct tcp *tcp;       /* beside slot, once some own row had TCP's figures; else NULL */
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

/*
 * *arr (elem octets a slot, or NULL: none yet) laid out for cap slots from
 * head, the span's entries kept; 0, or -1 when out of memory (unchanged).
 */
static int relayout(const struct ub_csvrows *q, void **arr, size_t elem, uint32_t cap)
{
	unsigned char *n;
	uint32_t i;

	if (!*arr)
		return 0;
	n = calloc(cap, elem);
	if (!n)
		return -1;
	for (i = 0; i < q->span; i++)
		memcpy(n + ((q->head + i) & (cap - 1)) * elem,
		       (unsigned char *)*arr + ((q->head + i) & (q->cap - 1)) * elem, elem);
	free(*arr);
	*arr = n;
	return 0;
}

/* Room for offset d from head: 0, or -1 when out of memory (rows are then handed on as they come). */
static int grow(struct ub_csvrows *q, uint32_t d)
{
	uint32_t cap = q->cap;

	while (cap <= d)
		cap <<= 1;
	/* the side arrays first: a failure leaves everything at the old size */
	if (relayout(q, (void **)&q->link, sizeof(*q->link), cap) < 0 ||
	    relayout(q, (void **)&q->tcp, sizeof(*q->tcp), cap) < 0 ||
	    relayout(q, (void **)&q->slot, sizeof(*q->slot), cap) < 0)
		return -1;
	q->cap = cap;
	return 0;
}

/* The side array *arr made for every slot (zeroed): 0, or -1 when out of memory. */
static int side_array(const struct ub_csvrows *q, void **arr, size_t elem)
{
	if (!*arr)
		*arr = calloc(q->cap, elem);
	return *arr ? 0 : -1;
}

/* Packs own row r into slot s (and its TCP figures beside it); -1 when they find no room. */
static int pack(struct ub_csvrows *q, struct slot *s, const struct ub_csv_row *r)
{
	if (r->has_tcp) {
		if (side_array(q, (void **)&q->tcp, sizeof(*q->tcp)) < 0)
			return -1;
		q->tcp[s - q->slot].retransmits = r->tcp_retransmits;
		q->tcp[s - q->slot].rto_ns = r->tcp_rto_ns;
	}
	s->tx_ns = r->tx_ns;
	s->rx_ns = r->rx_ns;
	s->rtt_ns = r->rtt_ns;
	s->refl_rx_ns = r->refl_rx_ns;
	s->refl_tx_ns = r->refl_tx_ns;
	s->refl_seq = r->refl_seq;
	s->ttl = r->ttl;
	s->status = (uint8_t)r->status;
	s->flags = (uint8_t)(F_OWN | (r->has_rx ? F_RX : 0) | (r->has_refl ? F_REFL : 0) |
			     (r->reordered ? F_REORDERED : 0) | (r->has_tcp ? F_TCP : 0));
	return 0;
}

/* The own row of probe seq that slot s holds. */
static void unpack(const struct ub_csvrows *q, const struct slot *s, uint32_t seq,
		   struct ub_csv_row *r)
{
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->tx_ns = s->tx_ns;
	r->rx_ns = s->rx_ns;
	r->rtt_ns = s->rtt_ns;
	r->refl_rx_ns = s->refl_rx_ns;
	r->refl_tx_ns = s->refl_tx_ns;
	r->refl_seq = s->refl_seq;
	r->ttl = s->ttl;
	r->status = (enum ub_status)s->status;
	r->has_rx = (s->flags & F_RX) != 0;
	r->has_refl = (s->flags & F_REFL) != 0;
	r->reordered = (s->flags & F_REORDERED) != 0;
	r->has_tcp = (s->flags & F_TCP) != 0;
	if (r->has_tcp) {
		r->tcp_retransmits = q->tcp[s - q->slot].retransmits;
		r->tcp_rto_ns = q->tcp[s - q->slot].rto_ns;
	}
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
	uint32_t at = q->head & (q->cap - 1);
	struct slot *s = &q->slot[at];
	uint32_t i = q->link ? q->link[at].first : 0, next;
	struct ub_csv_row own;

	if (s->flags & F_OWN) {
		unpack(q, s, q->head, &own);
		q->emit(q->ctx, &own);
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
	s->flags = 0;
	if (q->link)
		q->link[at].first = q->link[at].last = 0;
	q->head++;
	if (q->span)
		q->span--;
}

void ub_csvrows_drain(struct ub_csvrows *q)
{
	struct slot *small;

	if (!q)
		return;
	while (q->span)
		pop(q);
	/* Empty now: the memory a long hold took goes back (the end of a run needs it for its figures). */
	if (q->cap > UB_CSVROWS_MIN && (small = calloc(UB_CSVROWS_MIN, sizeof(*small)))) {
		free(q->slot);
		free(q->link);
		free(q->tcp);
		q->slot = small;
		q->link = NULL;
		q->tcp = NULL;
		q->cap = UB_CSVROWS_MIN;
	}
	/* nothing is held: every extra row is free */
	free(q->ex);
	q->ex = NULL;
	q->n_ex = q->cap_ex = q->free_ex = 0;
}

void ub_csvrows_put(struct ub_csvrows *q, const struct ub_csv_row *r)
{
	uint32_t d = r->seq - q->head, i, at;
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
	at = (q->head + d) & (q->cap - 1);
	s = &q->slot[at];
	if (is_own(r) && !(s->flags & F_OWN)) {
		if (pack(q, s, r) < 0) {
			q->emit(q->ctx, r);
			return;
		}
	} else {
		i = side_array(q, (void **)&q->link, sizeof(*q->link)) < 0 ? 0 : extra_take(q);
		if (!i) {
			q->out_of_place++;
			q->emit(q->ctx, r);
			return;
		}
		q->ex[i - 1].row = *r;
		q->ex[i - 1].next = 0;
		if (q->link[at].last)
			q->ex[q->link[at].last - 1].next = i;
		else
			q->link[at].first = i;
		q->link[at].last = i;
	}
	q->held++;
	if (d + 1 > q->span)
		q->span = d + 1;
	while (q->span && (q->slot[q->head & (q->cap - 1)].flags & F_OWN))
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
	free(q->link);
	free(q->tcp);
	free(q->ex);
	free(q);
}
