#include "relay/relayq.h"

#include <stdlib.h>
#include <string.h>

#define RELAYQ_BATCH 32                /* packets per send */
#define RELAYQ_PENDING_MAX (1u << 20)  /* scheduled packets, all flows */
#define RELAYQ_HELD_MAX 4096
#define RELAYQ_HOLD_PASS 2             /* a held packet leaves after this many later ones */

struct pend {
	int64_t emit_ns;
	uint64_t order;    /* FIFO among equal emit times */
	struct ub_relayq_flow *flow;
	uint64_t idx;      /* arrival number in its flow and direction */
	int64_t deadline;  /* once held: leaves at the latest then */
	unsigned passed;   /* once held: later packets sent since */
	uint8_t dir, copies, hold;
	size_t len, num_off;
	uint8_t data[];
};

struct ub_relayq {
	int64_t hold_max_ns;
	struct ub_truth *truth;

	struct pend **heap;
	size_t nheap, cap_heap;
	uint64_t order;
	struct pend **held; /* in the order they were held: deadlines ascend */
	size_t nheld;
	struct pend **outq; /* decided to leave this turn, in order */
	size_t nout, cap_out;
	struct pend **work; /* released-by queue for emit */

	struct ub_pkt tx[RELAYQ_BATCH];
	struct pend *txp[RELAYQ_BATCH];
};

/* ---- the schedule: a min-heap by (emit time, arrival order) ------------ */

static int pend_before(const struct pend *a, const struct pend *b)
{
	if (a->emit_ns != b->emit_ns)
		return a->emit_ns < b->emit_ns;
	return a->order < b->order;
}

static int heap_push(struct ub_relayq *q, struct pend *p)
{
	size_t i, parent;

	if (q->nheap == q->cap_heap) {
		size_t cap = q->cap_heap ? 2 * q->cap_heap : 256;
		struct pend **h = realloc(q->heap, cap * sizeof(*h));

		if (!h)
			return UB_E_NOMEM;
		q->heap = h;
		q->cap_heap = cap;
	}
	p->order = q->order++;
	i = q->nheap++;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!pend_before(p, q->heap[parent]))
			break;
		q->heap[i] = q->heap[parent];
		i = parent;
	}
	q->heap[i] = p;
	return 0;
}

static struct pend *heap_pop(struct ub_relayq *q)
{
	struct pend *top, *last;
	size_t i = 0, c;

	if (q->nheap == 0)
		return NULL;
	top = q->heap[0];
	last = q->heap[--q->nheap];
	while ((c = 2 * i + 1) < q->nheap) {
		if (c + 1 < q->nheap && pend_before(q->heap[c + 1], q->heap[c]))
			c++;
		if (!pend_before(q->heap[c], last))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (q->nheap)
		q->heap[i] = last;
	return top;
}

/* ---- sending ------------------------------------------------------------ */

static void pend_free(struct pend *p)
{
	if (!p)
		return;
	p->flow->inflight--;
	free(p);
}

static int outq_push(struct ub_relayq *q, struct pend *p)
{
	if (q->nout == q->cap_out) {
		size_t cap = q->cap_out ? 2 * q->cap_out : 256;
		struct pend **n = realloc(q->outq, cap * sizeof(*n));

		if (!n)
			return UB_E_NOMEM;
		q->outq = n;
		q->cap_out = cap;
	}
	q->outq[q->nout++] = p;
	return 0;
}

/* The socket p leaves by. */
static int pend_fd(const struct pend *p)
{
	return p->flow->fd[p->dir];
}

/* Sends outq in order, batching runs that share a socket, and frees it. */
static void flush(struct ub_relayq *q)
{
	struct ub_err e;
	size_t i = 0, j, k;
	int fd, n, done, sent, c;

	while (i < q->nout) {
		fd = pend_fd(q->outq[i]);
		n = 0;
		for (j = i; j < q->nout && pend_fd(q->outq[j]) == fd &&
			    n + q->outq[j]->copies <= RELAYQ_BATCH;
		     j++) {
			struct pend *p = q->outq[j];

			/* A duplicate is the same bytes again, right behind the original. */
			for (c = 0; c < p->copies; c++) {
				struct ub_pkt *t = &q->tx[n];

				memset(t, 0, sizeof(*t));
				t->buf = p->data;
				t->cap = t->len = p->len;
				if (p->dir == UB_DIR_DOWN) {
					t->peer = p->flow->client;
					t->has_local = p->flow->has_local;
					t->local = p->flow->local;
				}
				q->txp[n++] = p;
			}
		}
		for (done = 0; done < n; done += sent) {
			ub_err_clear(&e);
			sent = ub_net_send(fd, q->tx + done, n - done, &e);
			if (sent <= 0) {
				/* Soft or not, one datagram is lost here and the relay goes on. */
				ub_truth_send_error(q->truth, q->txp[done]->dir);
				sent = 1;
				continue;
			}
			for (k = (size_t)done; k < (size_t)(done + sent); k++) {
				struct pend *p = q->txp[k];

				ub_truth_sent(q->truth, p->flow->out_order[p->dir], p->dir,
					      p->data + p->num_off, p->len - p->num_off);
			}
		}
		for (k = i; k < j; k++)
			pend_free(q->outq[k]);
		i = j;
	}
	q->nout = 0;
}

/*
 * A packet p leaves. Every held packet of the same flow and direction that
 * arrived before it has now been passed once more; those passed
 * RELAYQ_HOLD_PASS times leave right behind it, and count as leaving for
 * the ones held before them in turn.
 */
static void emit(struct ub_relayq *q, struct pend *p)
{
	size_t head = 0, tail = 0, i;

	if (outq_push(q, p) < 0) {
		ub_truth_send_error(q->truth, p->dir);
		pend_free(p);
		return;
	}
	if (q->nheld == 0)
		return;
	q->work[tail++] = p;
	while (head < tail) {
		struct pend *k = q->work[head++];

		for (i = 0; i < q->nheld;) {
			struct pend *h = q->held[i];

			if (h->flow == k->flow && h->dir == k->dir && h->idx < k->idx &&
			    ++h->passed >= RELAYQ_HOLD_PASS) {
				memmove(&q->held[i], &q->held[i + 1],
					(q->nheld - i - 1) * sizeof(*q->held));
				q->nheld--;
				if (outq_push(q, h) < 0) {
					ub_truth_send_error(q->truth, h->dir);
					pend_free(h);
					continue;
				}
				q->work[tail++] = h;
				continue;
			}
			i++;
		}
	}
}

static void hold(struct ub_relayq *q, struct pend *p)
{
	struct pend *oldest;

	if (q->nheld == RELAYQ_HELD_MAX) {
		/* Bounded: the longest-held leaves now. */
		oldest = q->held[0];
		memmove(&q->held[0], &q->held[1], (q->nheld - 1) * sizeof(*q->held));
		q->nheld--;
		emit(q, oldest);
	}
	p->hold = 0;
	p->passed = 0;
	p->deadline = p->emit_ns + q->hold_max_ns;
	q->held[q->nheld++] = p;
}

void ub_relayq_emit_due(struct ub_relayq *q, int64_t now)
{
	struct pend *top, *h;

	for (;;) {
		top = q->nheap ? q->heap[0] : NULL;
		h = q->nheld ? q->held[0] : NULL;
		if (top && top->emit_ns <= now && (!h || top->emit_ns <= h->deadline)) {
			heap_pop(q);
			if (top->hold)
				hold(q, top);
			else
				emit(q, top);
		} else if (h && h->deadline <= now) {
			memmove(&q->held[0], &q->held[1], (q->nheld - 1) * sizeof(*q->held));
			q->nheld--;
			emit(q, h);
		} else {
			break;
		}
	}
	flush(q);
}

/* ---- public ------------------------------------------------------------- */

void ub_relayq_config_init(struct ub_relayq_config *c)
{
	memset(c, 0, sizeof(*c));
	c->hold_max_ns = 50 * 1000000LL;
}

struct ub_relayq *ub_relayq_new(const struct ub_relayq_config *c, struct ub_err *e)
{
	struct ub_relayq *q = NULL;

	if (!c || !c->truth) {
		ub_err_set(e, UB_E_INVAL, 0, "relay queue: no truth log");
		return NULL;
	}
	q = calloc(1, sizeof(*q));
	if (!q)
		goto out;
	q->hold_max_ns = c->hold_max_ns;
	q->truth = c->truth;
	q->held = malloc(RELAYQ_HELD_MAX * sizeof(*q->held));
	q->work = malloc((RELAYQ_HELD_MAX + 1) * sizeof(*q->work));
	if (!q->held || !q->work) {
		ub_relayq_free(q);
		q = NULL;
	}
out:
	if (!q)
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	return q;
}

void ub_relayq_free(struct ub_relayq *q)
{
	size_t i;

	if (!q)
		return;
	for (i = 0; i < q->nheap; i++)
		free(q->heap[i]);
	for (i = 0; i < q->nheld; i++)
		free(q->held[i]);
	for (i = 0; i < q->nout; i++)
		free(q->outq[i]);
	free(q->heap);
	free(q->held);
	free(q->outq);
	free(q->work);
	free(q);
}

int ub_relayq_add(struct ub_relayq *q, struct ub_relayq_flow *f, enum ub_dir dir, uint64_t idx,
		  const struct ub_impair_decision *d, const uint8_t *buf, size_t len, size_t num_off)
{
	struct pend *p;

	if (q->nheap + q->nheld >= RELAYQ_PENDING_MAX)
		return UB_E_RANGE;
	p = malloc(sizeof(*p) + len);
	if (!p)
		return UB_E_NOMEM;
	memset(p, 0, sizeof(*p));
	p->emit_ns = d->emit_ns;
	p->flow = f;
	p->idx = idx;
	p->dir = (uint8_t)dir;
	p->copies = (uint8_t)d->copies;
	p->hold = (uint8_t)d->hold;
	p->len = len;
	p->num_off = num_off <= len ? num_off : len;
	memcpy(p->data, buf, len);
	if (heap_push(q, p) < 0) {
		free(p);
		return UB_E_NOMEM;
	}
	f->inflight++;
	return 0;
}

int64_t ub_relayq_next_due(const struct ub_relayq *q)
{
	int64_t t = INT64_MAX;

	if (q->nheap)
		t = q->heap[0]->emit_ns;
	if (q->nheld && q->held[0]->deadline < t)
		t = q->held[0]->deadline;
	return t;
}

int64_t ub_relayq_wait(const struct ub_relayq *q, int64_t now, int64_t tick_ns, int64_t max_wait_ns)
{
	int64_t due = ub_relayq_next_due(q), wait = due == INT64_MAX ? tick_ns : due - now;

	if (wait > tick_ns)
		wait = tick_ns;
	if (wait > max_wait_ns)
		wait = max_wait_ns;
	return wait < 0 ? 0 : wait;
}

uint64_t ub_relayq_pending(const struct ub_relayq *q)
{
	return q->nheap + q->nheld + q->nout;
}

uint64_t ub_relayq_pending_dir(const struct ub_relayq *q, enum ub_dir dir)
{
	uint64_t pending = 0;
	size_t i;

	for (i = 0; i < q->nheap; i++)
		pending += q->heap[i]->dir == dir;
	for (i = 0; i < q->nheld; i++)
		pending += q->held[i]->dir == dir;
	return pending;
}

void ub_relayq_admit(struct ub_relayq *q, const struct ub_relayq_arrival *a)
{
	const uint8_t *num = a->buf + (a->num_off <= a->len ? a->num_off : a->len);
	size_t nlen = (size_t)(a->buf + a->len - num);
	struct ub_truth *t = q->truth;
	struct ub_impair_decision d;

	ub_truth_in(t, a->dir);
	ub_impair_decide(a->model, a->at, a->wire, &d);
	if (d.drop != UB_IMPAIR_PASS) {
		ub_truth_record(t, a->index, a->dir,
				d.drop == UB_IMPAIR_QUEUE ? UB_TRUTH_QUEUE_DROP :
				d.drop == UB_IMPAIR_LOSS  ? UB_TRUTH_LOSS :
							    UB_TRUTH_BURST,
				num, nlen, 0, a->t_ns);
		return;
	}
	if (ub_relayq_add(q, a->flow, a->dir, a->idx, &d, a->buf, a->len, a->num_off) < 0) {
		/* More in flight than the emulator can hold: a drop, and the truth says so. */
		ub_truth_record(t, a->index, a->dir, UB_TRUTH_OVERFLOW, num, nlen, 0, a->t_ns);
		return;
	}
	if (d.delay_ns > 0)
		ub_truth_delayed(t, a->dir);
	/* A constant delay is in the config; only a varying one is news per packet. */
	if (a->cfg->jitter_ns > 0)
		ub_truth_record(t, a->index, a->dir, UB_TRUTH_DELAY, num, nlen, d.delay_ns, a->t_ns);
	if (d.copies > 1)
		ub_truth_record(t, a->index, a->dir, UB_TRUTH_DUP, num, nlen, d.delay_ns, a->t_ns);
	if (d.hold)
		ub_truth_record(t, a->index, a->dir, UB_TRUTH_HOLD, num, nlen, d.delay_ns, a->t_ns);
}
