#include "relay.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"
#include "units.h"

#define RELAY_BATCH 32
#define RELAY_BUF 65536             /* any UDP datagram fits */
#define RELAY_BUCKETS 1024
#define RELAY_MAX_FLOWS 4096
#define RELAY_PENDING_MAX (1u << 20) /* scheduled packets, all flows */
#define RELAY_HELD_MAX 4096
#define RELAY_HOLD_PASS 2           /* a held packet leaves after this many later ones */
#define RELAY_SEQ_WINDOW 65536      /* duplicates are recognised this far back */
#define RELAY_RECV_ROUNDS 8         /* batches per socket per turn: no socket starves the rest */
#define RELAY_TICK_NS UB_NS_PER_S   /* longest wait: stop flags and idle flows are checked */

/*
 * RFC 4737 §4.1 on one flow's output in one direction: NextExp is one past
 * the largest sequence number sent so far; a number below it is reordered,
 * unless it was already sent (a duplicate, removed first). A bit per number
 * in the window [NextExp - W, NextExp) remembers what was sent.
 */
struct seqtrack {
	uint64_t *bits;
	int64_t next; /* NextExp, unwrapped (RFC 1982 serial arithmetic) */
	int started;
};

struct flow {
	struct flow *next; /* hash chain */
	uint32_t index;    /* in order of first packet, from 0: part of the seed */
	struct ub_addr client;
	struct ub_addr local; /* where the client sent to: the source of what goes back */
	int has_local;
	int fd;               /* connected to the target: replies map back to this flow */
	int64_t last_ns;
	size_t inflight;      /* scheduled or held packets that point here */
	uint64_t arrivals[2];
	struct ub_impair *model[2];
	struct seqtrack track[2];
};

struct pend {
	int64_t emit_ns;
	uint64_t order;    /* FIFO among equal emit times */
	struct flow *flow;
	uint64_t idx;      /* arrival number in its flow and direction */
	int64_t deadline;  /* once held: leaves at the latest then */
	unsigned passed;   /* once held: later packets sent since */
	uint8_t dir, copies, hold;
	size_t len;
	uint8_t data[];
};

enum action { A_LOSS, A_BURST, A_OVERFLOW, A_QUEUE_DROP, A_DUP, A_HOLD, A_DELAY };

struct event {
	int64_t t_ns;
	int64_t delay_ns;
	uint32_t flow;
	uint32_t seq;
	uint8_t dir, action, has_seq;
};

struct ub_relay {
	struct ub_relay_config cfg;
	int lfd;
	int lport;
	struct ub_addr laddr, target;
	uint64_t seed;
	int64_t t0;

	struct flow *buckets[RELAY_BUCKETS];
	struct flow **flows;
	size_t nflows, cap_flows;
	uint32_t next_index;

	struct pend **heap;
	size_t nheap, cap_heap;
	uint64_t order;
	struct pend **held; /* in the order they were held: deadlines ascend */
	size_t nheld;
	struct pend **outq; /* decided to leave this turn, in order */
	size_t nout, cap_out;
	struct pend **work; /* released-by queue for release_after */

	struct event *events;
	size_t nevents, cap_events;
	int truncated;

	struct ub_relay_counters cnt;

	struct pollfd *pfd;
	struct flow **pflow;
	size_t npfd, cap_pfd;
	int pfd_dirty;
	int64_t swept_at;

	uint8_t *rxbuf;
	struct ub_pkt rx[RELAY_BATCH];
	struct ub_pkt tx[RELAY_BATCH];
	struct pend *txp[RELAY_BATCH];
};

static int64_t relay_now(const struct ub_relay *r)
{
	return r->cfg.clock ? r->cfg.clock(r->cfg.clock_ctx) : ub_clock_mono();
}

void ub_relay_config_init(struct ub_relay_config *c)
{
	memset(c, 0, sizeof(*c));
	c->family = AF_UNSPEC;
	ub_impair_config_init(&c->up);
	ub_impair_config_init(&c->down);
	c->flow_idle_ns = 60 * UB_NS_PER_S;
	c->hold_max_ns = 50 * 1000000LL;
	c->max_events = UB_RELAY_EVENTS_MAX;
	c->log = stderr;
}

int ub_relay_config_set(struct ub_relay_config *c, const char *name, const char *value,
			struct ub_err *e)
{
	struct ub_err sub;
	uint64_t v;

	if (!name || !value)
		return ub_err_set(e, UB_E_INVAL, 0, "relay option without a name or value");
	ub_err_clear(&sub);
	if (strcmp(name, "listen") == 0) {
		c->listen = value;
	} else if (strcmp(name, "to") == 0) {
		c->target = value;
	} else if (strcmp(name, "truth") == 0) {
		c->truth_path = value;
	} else if (strcmp(name, "seed") == 0) {
		if (ub_units_count(value, 0, UINT64_MAX, &v, &sub) < 0)
			return ub_err_set(e, UB_E_INVAL, 0, "--seed: %s", sub.msg);
		c->seed = v;
		c->seed_set = 1;
	} else if (strcmp(name, "duration") == 0) {
		if (ub_units_duration(value, 1000000LL, 366LL * 24 * 3600 * UB_NS_PER_S,
				      &c->duration_ns, &sub) < 0)
			return ub_err_set(e, UB_E_INVAL, 0, "--duration: %s", sub.msg);
	} else {
		return ub_impair_set(&c->up, &c->down, name, value, e);
	}
	return 0;
}

/* ---- addresses and sockets -------------------------------------------- */

/* "[ADDR:]PORT": "9000", ":9000", "127.0.0.1:9000", "[::1]:9000"; port 0..65535. */
static int parse_listen(const char *s, char *host, size_t hostlen, int *port, struct ub_err *e)
{
	const char *pstr, *end;
	size_t n = 0;
	char *ep;
	long p;

	host[0] = '\0';
	if (!s || !*s)
		return ub_err_set(e, UB_E_INVAL, 0, "--listen: give [ADDR:]PORT");
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end || end[1] != ':')
			return ub_err_set(e, UB_E_INVAL, 0, "--listen '%s': expected [ADDR]:PORT", s);
		n = (size_t)(end - s - 1);
		if (n == 0 || n >= hostlen)
			return ub_err_set(e, UB_E_INVAL, 0, "--listen '%s': bad address", s);
		memcpy(host, s + 1, n);
		host[n] = '\0';
		pstr = end + 2;
	} else if ((end = strchr(s, ':')) != NULL) {
		if (strchr(end + 1, ':'))
			return ub_err_set(e, UB_E_INVAL, 0,
					  "--listen '%s': write an IPv6 address as [ADDR]:PORT", s);
		n = (size_t)(end - s);
		if (n >= hostlen)
			return ub_err_set(e, UB_E_INVAL, 0, "--listen '%s': bad address", s);
		memcpy(host, s, n);
		host[n] = '\0';
		pstr = end + 1;
	} else {
		pstr = s;
	}
	if (!isdigit((unsigned char)*pstr))
		return ub_err_set(e, UB_E_INVAL, 0, "--listen '%s': port must be 0..65535", s);
	errno = 0;
	p = strtol(pstr, &ep, 10);
	if (*ep || errno || p < 0 || p > 65535)
		return ub_err_set(e, UB_E_INVAL, 0, "--listen '%s': port must be 0..65535", s);
	*port = (int)p;
	return 0;
}

static int open_listen(struct ub_relay *r, struct ub_err *e)
{
	const struct ub_relay_config *c = &r->cfg;
	char host[256];
	struct ub_addr a;
	int port = 0, fd, rc, zero = 0, one = 1;
	int family = c->family;

	rc = parse_listen(c->listen, host, sizeof(host), &port, e);
	if (rc < 0)
		return rc;
	if (host[0]) {
		rc = ub_net_resolve(host, port, family, 1, &a, e);
	} else {
		/* Every address: one dual-stack IPv6 socket, or IPv4 alone. */
		rc = ub_net_resolve(NULL, port, family == AF_UNSPEC ? AF_INET6 : family, 1, &a, e);
		if (rc < 0 && family == AF_UNSPEC)
			rc = ub_net_resolve(NULL, port, AF_INET, 1, &a, e);
	}
	if (rc < 0)
		return rc;
	fd = ub_net_udp_socket(a.ss.ss_family, e);
	if (fd < 0 && !host[0] && family == AF_UNSPEC && a.ss.ss_family == AF_INET6) {
		rc = ub_net_resolve(NULL, port, AF_INET, 1, &a, e);
		if (rc < 0)
			return rc;
		fd = ub_net_udp_socket(AF_INET, e);
	}
	if (fd < 0)
		return fd;
	if (a.ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, family == AF_INET6 ? &one : &zero,
			   sizeof(int));
	if (bind(fd, (struct sockaddr *)&a.ss, a.len) < 0) {
		char s[UB_ADDRSTR_MAX];

		rc = ub_err_set(e, UB_E_SYS, errno, "cannot listen on %s",
				ub_net_addr_str(&a, s, sizeof(s)));
		close(fd);
		return rc;
	}
	/* Best effort: a burst of probes waits here while the relay sends. */
	ub_net_set_buffers(fd, 4 << 20, NULL, NULL, NULL);
	a.len = sizeof(a.ss);
	getsockname(fd, (struct sockaddr *)&a.ss, &a.len);
	r->laddr = a;
	r->lport = ub_net_addr_port(&a);
	r->lfd = fd;
	return 0;
}

/* Address bytes and port only: the same peer may arrive with different sockaddr padding. */
static size_t addr_key(const struct ub_addr *a, uint8_t key[18])
{
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;

		memcpy(key, &s6->sin6_addr, 16);
		memcpy(key + 16, &s6->sin6_port, 2);
		return 18;
	}
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&a->ss;

	memcpy(key, &s4->sin_addr, 4);
	memcpy(key + 4, &s4->sin_port, 2);
	return 6;
}

static uint32_t key_hash(const uint8_t *key, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ key[i]) * 16777619u;
	return h;
}

/* IP and UDP header bytes a datagram to or from a carries: what a link at --rate sends. */
static size_t ip_udp_overhead(const struct ub_addr *a)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;

	if (a->ss.ss_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return 40 + 8;
	return 20 + 8;
}

static uint64_t random_seed(void)
{
	uint64_t s = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &s, sizeof(s)) != (ssize_t)sizeof(s))
			s = 0;
		close(fd);
	}
	if (s == 0)
		s = (uint64_t)ub_clock_real() ^ ((uint64_t)getpid() << 32);
	/* Small enough to type back after --seed. */
	return s % 1000000000ULL;
}

/* ---- the schedule: a min-heap by (emit time, arrival order) ------------ */

static int pend_before(const struct pend *a, const struct pend *b)
{
	if (a->emit_ns != b->emit_ns)
		return a->emit_ns < b->emit_ns;
	return a->order < b->order;
}

static int heap_push(struct ub_relay *r, struct pend *p)
{
	size_t i, parent;

	if (r->nheap == r->cap_heap) {
		size_t cap = r->cap_heap ? 2 * r->cap_heap : 256;
		struct pend **h = realloc(r->heap, cap * sizeof(*h));

		if (!h)
			return UB_E_NOMEM;
		r->heap = h;
		r->cap_heap = cap;
	}
	p->order = r->order++;
	i = r->nheap++;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!pend_before(p, r->heap[parent]))
			break;
		r->heap[i] = r->heap[parent];
		i = parent;
	}
	r->heap[i] = p;
	return 0;
}

static struct pend *heap_pop(struct ub_relay *r)
{
	struct pend *top, *last;
	size_t i = 0, c;

	if (r->nheap == 0)
		return NULL;
	top = r->heap[0];
	last = r->heap[--r->nheap];
	while ((c = 2 * i + 1) < r->nheap) {
		if (c + 1 < r->nheap && pend_before(r->heap[c + 1], r->heap[c]))
			c++;
		if (!pend_before(r->heap[c], last))
			break;
		r->heap[i] = r->heap[c];
		i = c;
	}
	if (r->nheap)
		r->heap[i] = last;
	return top;
}

/* ---- reordering count ------------------------------------------------- */

/* Returns 1 when s is reordered, 0 when in order, -1 for a duplicate (ignored). */
static int seqtrack_add(struct seqtrack *t, uint32_t s)
{
	const uint64_t mask = RELAY_SEQ_WINDOW - 1;
	uint32_t u;
	int64_t d, v, x;

	if (!t->bits) {
		t->bits = calloc(RELAY_SEQ_WINDOW / 64, sizeof(uint64_t));
		if (!t->bits)
			return 0;
	}
	if (!t->started) {
		t->started = 1;
		t->next = s;
	}
	u = s - (uint32_t)t->next;
	d = u < 0x80000000u ? (int64_t)u : (int64_t)u - 0x100000000LL;
	v = t->next + d;
	if (d >= 0) {
		/* In order: NextExp moves to s + 1; numbers skipped were never sent. */
		if (v - t->next + 1 >= RELAY_SEQ_WINDOW)
			memset(t->bits, 0, RELAY_SEQ_WINDOW / 8);
		else
			for (x = t->next; x <= v; x++)
				t->bits[((uint64_t)x & mask) / 64] &= ~(1ULL << ((uint64_t)x & 63));
		t->bits[((uint64_t)v & mask) / 64] |= 1ULL << ((uint64_t)v & 63);
		t->next = v + 1;
		return 0;
	}
	if (t->next - v > RELAY_SEQ_WINDOW)
		return 1; /* beyond the window: reordered, not provably a duplicate */
	if (t->bits[((uint64_t)v & mask) / 64] & (1ULL << ((uint64_t)v & 63)))
		return -1;
	t->bits[((uint64_t)v & mask) / 64] |= 1ULL << ((uint64_t)v & 63);
	return 1;
}

static uint32_t read_seq(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

/* ---- the truth log's events ------------------------------------------- */

static void event_add(struct ub_relay *r, const struct flow *f, int dir, enum action a,
		      const uint8_t *buf, size_t len, int64_t delay_ns, int64_t at)
{
	struct event *ev;

	if (r->nevents >= r->cfg.max_events) {
		r->truncated = 1;
		return;
	}
	if (r->nevents == r->cap_events) {
		size_t cap = r->cap_events ? 2 * r->cap_events : 1024;
		struct event *n;

		if (cap > r->cfg.max_events)
			cap = r->cfg.max_events;
		n = realloc(r->events, cap * sizeof(*n));
		if (!n) {
			r->truncated = 1;
			return;
		}
		r->events = n;
		r->cap_events = cap;
	}
	ev = &r->events[r->nevents++];
	ev->t_ns = at - r->t0;
	ev->delay_ns = delay_ns;
	ev->flow = f->index;
	ev->dir = (uint8_t)dir;
	ev->action = (uint8_t)a;
	ev->has_seq = len >= 4;
	ev->seq = len >= 4 ? read_seq(buf) : 0;
}

/* ---- flows ------------------------------------------------------------- */

static void flow_destroy(struct flow *f)
{
	int d;

	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	for (d = 0; d < 2; d++) {
		ub_impair_free(f->model[d]);
		free(f->track[d].bits);
	}
	free(f);
}

static struct flow *flow_find(struct ub_relay *r, const struct ub_addr *peer, uint32_t *bucket)
{
	uint8_t key[18], fkey[18];
	size_t n = addr_key(peer, key);
	struct flow *f;

	*bucket = key_hash(key, n) % RELAY_BUCKETS;
	for (f = r->buckets[*bucket]; f; f = f->next)
		if (f->client.ss.ss_family == peer->ss.ss_family &&
		    addr_key(&f->client, fkey) == n && memcmp(key, fkey, n) == 0)
			return f;
	return NULL;
}

/* Returns the flow of peer, made on its first packet; NULL when none can be made. */
static struct flow *flow_get(struct ub_relay *r, const struct ub_addr *peer, int64_t now)
{
	struct flow *f;
	uint32_t b;
	int d;

	f = flow_find(r, peer, &b);
	if (f)
		return f;
	if (r->nflows >= RELAY_MAX_FLOWS)
		return NULL;
	if (r->nflows == r->cap_flows) {
		size_t cap = r->cap_flows ? 2 * r->cap_flows : 16;
		struct flow **n = realloc(r->flows, cap * sizeof(*n));

		if (!n)
			return NULL;
		r->flows = n;
		r->cap_flows = cap;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->fd = ub_net_udp_socket(r->target.ss.ss_family, NULL);
	if (f->fd < 0 || connect(f->fd, (const struct sockaddr *)&r->target.ss, r->target.len) < 0)
		goto fail;
	ub_net_set_buffers(f->fd, 1 << 20, NULL, NULL, NULL);
	f->index = r->next_index;
	f->client = *peer;
	f->last_ns = now;
	f->model[UB_DIR_UP] = ub_impair_new(&r->cfg.up, r->seed, f->index, UB_DIR_UP);
	f->model[UB_DIR_DOWN] = ub_impair_new(&r->cfg.down, r->seed, f->index, UB_DIR_DOWN);
	for (d = 0; d < 2; d++)
		if (!f->model[d])
			goto fail;
	r->next_index++;
	f->next = r->buckets[b];
	r->buckets[b] = f;
	r->flows[r->nflows++] = f;
	r->cnt.flows++;
	r->cnt.flows_alive++;
	r->pfd_dirty = 1;
	return f;
fail:
	flow_destroy(f);
	return NULL;
}

static void flow_remove(struct ub_relay *r, size_t i)
{
	struct flow *f = r->flows[i], **pp;
	uint32_t b;

	flow_find(r, &f->client, &b);
	for (pp = &r->buckets[b]; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	r->flows[i] = r->flows[--r->nflows];
	r->cnt.flows_alive--;
	r->pfd_dirty = 1;
	flow_destroy(f);
}

/* A flow silent for flow_idle_ns with nothing in flight is forgotten. */
static void flows_expire(struct ub_relay *r, int64_t now)
{
	size_t i = 0;

	while (i < r->nflows) {
		struct flow *f = r->flows[i];

		if (f->inflight == 0 && now - f->last_ns > r->cfg.flow_idle_ns)
			flow_remove(r, i);
		else
			i++;
	}
}

/* ---- sending ------------------------------------------------------------ */

static void pend_free(struct pend *p)
{
	if (!p)
		return;
	p->flow->inflight--;
	free(p);
}

static int outq_push(struct ub_relay *r, struct pend *p)
{
	if (r->nout == r->cap_out) {
		size_t cap = r->cap_out ? 2 * r->cap_out : 256;
		struct pend **n = realloc(r->outq, cap * sizeof(*n));

		if (!n)
			return UB_E_NOMEM;
		r->outq = n;
		r->cap_out = cap;
	}
	r->outq[r->nout++] = p;
	return 0;
}

static int pend_fd(const struct ub_relay *r, const struct pend *p)
{
	return p->dir == UB_DIR_UP ? p->flow->fd : r->lfd;
}

/* Counts one copy that left: out, and its place in the RFC 4737 stream. */
static void account_sent(struct ub_relay *r, const struct pend *p)
{
	struct ub_relay_dir_counters *dc = &r->cnt.dir[p->dir];

	dc->out++;
	if (p->len >= 4 && seqtrack_add(&p->flow->track[p->dir], read_seq(p->data)) == 1)
		dc->reordered++;
}

/* Sends outq in order, batching runs that share a socket, and frees it. */
static void flush(struct ub_relay *r)
{
	struct ub_err e;
	size_t i = 0, j, k;
	int fd, n, done, sent, c;

	while (i < r->nout) {
		fd = pend_fd(r, r->outq[i]);
		n = 0;
		for (j = i; j < r->nout && pend_fd(r, r->outq[j]) == fd &&
			    n + r->outq[j]->copies <= RELAY_BATCH;
		     j++) {
			struct pend *p = r->outq[j];

			/* A duplicate is the same bytes again, right behind the original. */
			for (c = 0; c < p->copies; c++) {
				struct ub_pkt *t = &r->tx[n];

				memset(t, 0, sizeof(*t));
				t->buf = p->data;
				t->cap = t->len = p->len;
				if (p->dir == UB_DIR_DOWN) {
					t->peer = p->flow->client;
					t->has_local = p->flow->has_local;
					t->local = p->flow->local;
				}
				r->txp[n++] = p;
			}
		}
		for (done = 0; done < n; done += sent) {
			ub_err_clear(&e);
			sent = ub_net_send(fd, r->tx + done, n - done, &e);
			if (sent <= 0) {
				/* Soft or not, one datagram is lost here and the relay goes on. */
				r->cnt.dir[r->txp[done]->dir].send_errors++;
				sent = 1;
				continue;
			}
			for (k = (size_t)done; k < (size_t)(done + sent); k++)
				account_sent(r, r->txp[k]);
		}
		for (k = i; k < j; k++)
			pend_free(r->outq[k]);
		i = j;
	}
	r->nout = 0;
}

/*
 * A packet p leaves. Every held packet of the same flow and direction that
 * arrived before it has now been passed once more; those passed
 * RELAY_HOLD_PASS times leave right behind it, and count as leaving for
 * the ones held before them in turn.
 */
static void emit(struct ub_relay *r, struct pend *p)
{
	size_t head = 0, tail = 0, i;

	if (outq_push(r, p) < 0) {
		r->cnt.dir[p->dir].send_errors++;
		pend_free(p);
		return;
	}
	if (r->nheld == 0)
		return;
	r->work[tail++] = p;
	while (head < tail) {
		struct pend *k = r->work[head++];

		for (i = 0; i < r->nheld;) {
			struct pend *h = r->held[i];

			if (h->flow == k->flow && h->dir == k->dir && h->idx < k->idx &&
			    ++h->passed >= RELAY_HOLD_PASS) {
				memmove(&r->held[i], &r->held[i + 1],
					(r->nheld - i - 1) * sizeof(*r->held));
				r->nheld--;
				if (outq_push(r, h) < 0) {
					r->cnt.dir[h->dir].send_errors++;
					pend_free(h);
					continue;
				}
				r->work[tail++] = h;
				continue;
			}
			i++;
		}
	}
}

static void hold(struct ub_relay *r, struct pend *p)
{
	struct pend *oldest;

	if (r->nheld == RELAY_HELD_MAX) {
		/* Bounded: the longest-held leaves now. */
		oldest = r->held[0];
		memmove(&r->held[0], &r->held[1], (r->nheld - 1) * sizeof(*r->held));
		r->nheld--;
		emit(r, oldest);
	}
	p->hold = 0;
	p->passed = 0;
	p->deadline = p->emit_ns + r->cfg.hold_max_ns;
	r->held[r->nheld++] = p;
}

/* Sends everything due by now, in time order: scheduled packets and held ones past their bound. */
static void emit_due(struct ub_relay *r, int64_t now)
{
	struct pend *top, *h;

	for (;;) {
		top = r->nheap ? r->heap[0] : NULL;
		h = r->nheld ? r->held[0] : NULL;
		if (top && top->emit_ns <= now && (!h || top->emit_ns <= h->deadline)) {
			heap_pop(r);
			if (top->hold)
				hold(r, top);
			else
				emit(r, top);
		} else if (h && h->deadline <= now) {
			memmove(&r->held[0], &r->held[1], (r->nheld - 1) * sizeof(*r->held));
			r->nheld--;
			emit(r, h);
		} else {
			break;
		}
	}
	flush(r);
}

/* ---- receiving ---------------------------------------------------------- */

/* One datagram into flow f in direction dir: decide, count, schedule. */
static void admit(struct ub_relay *r, struct flow *f, int dir, const uint8_t *buf, size_t len,
		  int64_t at)
{
	struct ub_relay_dir_counters *dc = &r->cnt.dir[dir];
	const struct ub_impair_config *ic = dir == UB_DIR_UP ? &r->cfg.up : &r->cfg.down;
	const struct ub_addr *wire = dir == UB_DIR_UP ? &r->target : &f->client;
	struct ub_impair_decision d;
	struct pend *p;

	dc->in++;
	f->last_ns = at;
	f->arrivals[dir]++;
	ub_impair_decide(f->model[dir], at, len + ip_udp_overhead(wire), &d);
	if (d.drop != UB_IMPAIR_PASS) {
		dc->dropped++;
		if (d.drop == UB_IMPAIR_QUEUE) {
			dc->queue_dropped++;
			event_add(r, f, dir, A_QUEUE_DROP, buf, len, 0, at);
		} else {
			event_add(r, f, dir, d.drop == UB_IMPAIR_LOSS ? A_LOSS : A_BURST, buf, len, 0,
				  at);
		}
		return;
	}
	p = NULL;
	if (r->nheap + r->nheld < RELAY_PENDING_MAX)
		p = malloc(sizeof(*p) + len);
	if (!p) {
		/* More in flight than the relay can hold: a drop, and the truth says so. */
		dc->dropped++;
		event_add(r, f, dir, A_OVERFLOW, buf, len, 0, at);
		return;
	}
	memset(p, 0, sizeof(*p));
	p->emit_ns = d.emit_ns;
	p->flow = f;
	p->idx = f->arrivals[dir];
	p->dir = (uint8_t)dir;
	p->copies = (uint8_t)d.copies;
	p->hold = (uint8_t)d.hold;
	p->len = len;
	memcpy(p->data, buf, len);
	if (heap_push(r, p) < 0) {
		free(p);
		dc->dropped++;
		event_add(r, f, dir, A_OVERFLOW, buf, len, 0, at);
		return;
	}
	f->inflight++;
	if (d.delay_ns > 0)
		dc->delayed++;
	/* A constant delay is in the config; only a varying one is news per packet. */
	if (ic->jitter_ns > 0)
		event_add(r, f, dir, A_DELAY, buf, len, d.delay_ns, at);
	if (d.copies > 1) {
		dc->duplicated++;
		event_add(r, f, dir, A_DUP, buf, len, d.delay_ns, at);
	}
	if (d.hold) {
		dc->held++;
		event_add(r, f, dir, A_HOLD, buf, len, d.delay_ns, at);
	}
}

static int64_t arrival(const struct ub_relay *r, const struct ub_pkt *p)
{
	/* The kernel's stamp when the clock is the real one: queueing here adds no delay. */
	return r->cfg.clock ? relay_now(r) : p->rx_mono_ns;
}

static int recv_client(struct ub_relay *r, struct ub_err *e)
{
	struct flow *f;
	int round, n, i;

	for (round = 0; round < RELAY_RECV_ROUNDS; round++) {
		n = ub_net_recv(r->lfd, r->rx, RELAY_BATCH, e);
		if (n < 0)
			return ub_net_soft_error(e->sys_errno) ? 0 : n;
		for (i = 0; i < n; i++) {
			struct ub_pkt *p = &r->rx[i];
			int64_t at = arrival(r, p);

			f = flow_get(r, &p->peer, at);
			if (!f) {
				r->cnt.unrouted++;
				continue;
			}
			if (p->has_local) {
				f->local = p->local;
				f->has_local = 1;
			}
			admit(r, f, UB_DIR_UP, p->buf, p->len, at);
		}
		if (n < RELAY_BATCH)
			break;
	}
	return 0;
}

static void recv_target(struct ub_relay *r, struct flow *f)
{
	struct ub_err e;
	int round, n, i;

	for (round = 0; round < RELAY_RECV_ROUNDS; round++) {
		ub_err_clear(&e);
		n = ub_net_recv(f->fd, r->rx, RELAY_BATCH, &e);
		if (n < 0) {
			/* An ICMP error from the target's side: counted, the flow goes on. */
			r->cnt.icmp_errors++;
			return;
		}
		for (i = 0; i < n; i++)
			admit(r, f, UB_DIR_DOWN, r->rx[i].buf, r->rx[i].len, arrival(r, &r->rx[i]));
		if (n < RELAY_BATCH)
			break;
	}
}

static int build_pollset(struct ub_relay *r)
{
	size_t i, need = r->nflows + 1;

	if (need > r->cap_pfd) {
		struct pollfd *p = realloc(r->pfd, need * sizeof(*p));
		struct flow **f;

		if (!p)
			return UB_E_NOMEM;
		r->pfd = p;
		f = realloc(r->pflow, need * sizeof(*f));
		if (!f)
			return UB_E_NOMEM;
		r->pflow = f;
		r->cap_pfd = need;
	}
	r->pfd[0].fd = r->lfd;
	r->pfd[0].events = POLLIN;
	r->pflow[0] = NULL;
	for (i = 0; i < r->nflows; i++) {
		r->pfd[i + 1].fd = r->flows[i]->fd;
		r->pfd[i + 1].events = POLLIN;
		r->pflow[i + 1] = r->flows[i];
	}
	r->npfd = need;
	r->pfd_dirty = 0;
	return 0;
}

/* The next moment something is due, or INT64_MAX. */
static int64_t next_due(const struct ub_relay *r)
{
	int64_t t = INT64_MAX;

	if (r->nheap)
		t = r->heap[0]->emit_ns;
	if (r->nheld && r->held[0]->deadline < t)
		t = r->held[0]->deadline;
	return t;
}

/*
 * One turn of the loop: send what is due, wait for datagrams at most until
 * the next thing is due (and no longer than max_wait_ns), take them in,
 * and send what became due. Returns 0 or a negative code for a hard error.
 */
static int relay_turn(struct ub_relay *r, int64_t max_wait_ns, struct ub_err *e)
{
	struct timespec ts;
	int64_t now, wait, due;
	size_t i;
	int rc;

	now = relay_now(r);
	emit_due(r, now);
	if (now - r->swept_at > RELAY_TICK_NS) {
		flows_expire(r, now);
		r->swept_at = now;
	}
	due = next_due(r);
	wait = due == INT64_MAX ? RELAY_TICK_NS : due - now;
	if (wait > RELAY_TICK_NS)
		wait = RELAY_TICK_NS;
	if (wait > max_wait_ns)
		wait = max_wait_ns;
	if (wait < 0)
		wait = 0;
	if (r->pfd_dirty && build_pollset(r) < 0)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	ts = ub_clock_ns_to_ts(wait);
	rc = ppoll(r->pfd, (nfds_t)r->npfd, &ts, NULL);
	if (rc < 0) {
		if (errno == EINTR)
			return 0;
		return ub_err_set(e, UB_E_SYS, errno, "poll");
	}
	if (rc > 0) {
		if (r->pfd[0].revents) {
			rc = recv_client(r, e);
			if (rc < 0)
				return rc;
		}
		/* Flows made just now are not in this poll set: pflow still holds the old ones. */
		for (i = 1; i < r->npfd; i++)
			if (r->pfd[i].revents)
				recv_target(r, r->pflow[i]);
	}
	emit_due(r, relay_now(r));
	return 0;
}

/* ---- public ------------------------------------------------------------- */

struct ub_relay *ub_relay_new(const struct ub_relay_config *c, struct ub_err *e)
{
	struct ub_relay *r;
	char host[256];
	int port = UB_DEFAULT_PORT, i;

	r = calloc(1, sizeof(*r));
	if (!r) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	r->cfg = *c;
	r->lfd = -1;
	if (!r->cfg.log)
		r->cfg.quiet = 1;
	if (r->cfg.max_events > UB_RELAY_EVENTS_MAX)
		r->cfg.max_events = UB_RELAY_EVENTS_MAX;
	if (!c->target || !*c->target) {
		ub_err_set(e, UB_E_INVAL, 0, "--to: give the target as HOST:PORT");
		goto fail;
	}
	if (!c->listen) {
		ub_err_set(e, UB_E_INVAL, 0, "--listen: give [ADDR:]PORT");
		goto fail;
	}
	if (ub_net_split_hostport(c->target, host, sizeof(host), &port, e) < 0 ||
	    ub_net_resolve(host, port, AF_UNSPEC, 0, &r->target, e) < 0) {
		char msg[UB_ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", e ? e->msg : "");
		ub_err_set(e, UB_E_INVAL, 0, "--to: %s", msg);
		goto fail;
	}
	r->seed = c->seed_set ? c->seed : random_seed();
	r->rxbuf = malloc((size_t)RELAY_BATCH * RELAY_BUF);
	r->held = malloc(RELAY_HELD_MAX * sizeof(*r->held));
	r->work = malloc((RELAY_HELD_MAX + 1) * sizeof(*r->work));
	if (!r->rxbuf || !r->held || !r->work) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		goto fail;
	}
	for (i = 0; i < RELAY_BATCH; i++) {
		r->rx[i].buf = r->rxbuf + (size_t)i * RELAY_BUF;
		r->rx[i].cap = RELAY_BUF;
	}
	if (open_listen(r, e) < 0)
		goto fail;
	r->pfd_dirty = 1;
	r->t0 = relay_now(r);
	r->swept_at = r->t0;
	if (!r->cfg.quiet) {
		char ls[UB_ADDRSTR_MAX], ts[UB_ADDRSTR_MAX];

		fprintf(r->cfg.log, "udpbench relay listening on %s -> %s, seed %llu\n",
			ub_net_addr_str(&r->laddr, ls, sizeof(ls)),
			ub_net_addr_str(&r->target, ts, sizeof(ts)), (unsigned long long)r->seed);
		fflush(r->cfg.log);
	}
	return r;
fail:
	ub_relay_free(r);
	return NULL;
}

void ub_relay_free(struct ub_relay *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nheap; i++)
		free(r->heap[i]);
	for (i = 0; i < r->nheld; i++)
		free(r->held[i]);
	for (i = 0; i < r->nout; i++)
		free(r->outq[i]);
	for (i = 0; i < r->nflows; i++)
		flow_destroy(r->flows[i]);
	if (r->lfd >= 0)
		close(r->lfd);
	free(r->heap);
	free(r->held);
	free(r->outq);
	free(r->work);
	free(r->flows);
	free(r->events);
	free(r->pfd);
	free(r->pflow);
	free(r->rxbuf);
	free(r);
}

int ub_relay_port(const struct ub_relay *r)
{
	return r->lport;
}

uint64_t ub_relay_seed(const struct ub_relay *r)
{
	return r->seed;
}

int ub_relay_run(struct ub_relay *r, struct ub_err *e)
{
	int64_t end = 0, now, left;
	int rc;

	if (r->cfg.duration_ns > 0)
		end = relay_now(r) + r->cfg.duration_ns;
	for (;;) {
		if (r->cfg.stop && *r->cfg.stop)
			break;
		if (r->cfg.dump && *r->cfg.dump) {
			*r->cfg.dump = 0;
			ub_relay_print_counters(r, r->cfg.log ? r->cfg.log : stderr);
		}
		now = relay_now(r);
		if (end && now >= end)
			break;
		left = end ? end - now : INT64_MAX;
		rc = relay_turn(r, left, e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void ub_relay_counters(const struct ub_relay *r, struct ub_relay_counters *out)
{
	*out = r->cnt;
	out->pending = r->nheap + r->nheld + r->nout;
	out->events = r->nevents;
	out->events_truncated = r->truncated;
}

void ub_relay_print_counters(const struct ub_relay *r, FILE *f)
{
	int d;

	for (d = 0; d < 2; d++) {
		const struct ub_relay_dir_counters *c = &r->cnt.dir[d];

		fprintf(f,
			"udpbench relay %s: in %llu, out %llu, dropped %llu (queue %llu), "
			"duplicated %llu, reordered %llu, delayed %llu\n",
			ub_impair_dir_name((enum ub_dir)d), (unsigned long long)c->in,
			(unsigned long long)c->out, (unsigned long long)c->dropped,
			(unsigned long long)c->queue_dropped, (unsigned long long)c->duplicated,
			(unsigned long long)c->reordered, (unsigned long long)c->delayed);
	}
	fprintf(f, "udpbench relay: flows %llu (alive %llu)\n", (unsigned long long)r->cnt.flows,
		(unsigned long long)r->cnt.flows_alive);
	fflush(f);
}

/* ---- the truth log ------------------------------------------------------ */

static json_t *impair_json(const struct ub_impair_config *c)
{
	json_t *burst = json_null();

	if (c->ge)
		burst = json_pack("{s:f,s:f,s:f,s:f}", "p", c->ge_p, "r", c->ge_r, "1-h", c->ge_1h,
				  "1-k", c->ge_1k);
	return json_pack("{s:f,s:o,s:I,s:I,s:s,s:f,s:f,s:I,s:i}", "loss", c->loss, "loss_burst",
			 burst, "delay_ns", (json_int_t)c->delay_ns, "jitter_ns",
			 (json_int_t)c->jitter_ns, "jitter_dist",
			 ub_impair_jitter_name(c->jitter_dist), "reorder", c->reorder, "duplicate",
			 c->duplicate, "rate_bps", (json_int_t)c->rate_bps, "queue", (int)c->queue);
}

static json_t *dir_json(const struct ub_relay *r, int d)
{
	const struct ub_relay_dir_counters *c = &r->cnt.dir[d];
	uint64_t pending = 0;
	size_t i;

	for (i = 0; i < r->nheap; i++)
		pending += r->heap[i]->dir == d;
	for (i = 0; i < r->nheld; i++)
		pending += r->held[i]->dir == d;
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "in", (json_int_t)c->in,
			 "out", (json_int_t)c->out, "dropped", (json_int_t)c->dropped, "duplicated",
			 (json_int_t)c->duplicated, "reordered", (json_int_t)c->reordered, "delayed",
			 (json_int_t)c->delayed, "queue_dropped", (json_int_t)c->queue_dropped,
			 "held", (json_int_t)c->held, "send_errors", (json_int_t)c->send_errors,
			 "pending", (json_int_t)pending);
}

static const char *action_name(enum action a)
{
	switch (a) {
	case A_LOSS:
	case A_BURST:
	case A_OVERFLOW:
		return "drop";
	case A_QUEUE_DROP:
		return "queue_drop";
	case A_DUP:
		return "dup";
	case A_HOLD:
		return "hold";
	case A_DELAY:
		return "delay";
	}
	return "?";
}

static json_t *event_json(const struct event *ev)
{
	json_t *o = json_pack("{s:I,s:s,s:o,s:s}", "flow", (json_int_t)ev->flow, "dir",
			      ub_impair_dir_name((enum ub_dir)ev->dir), "seq",
			      ev->has_seq ? json_integer(ev->seq) : json_null(), "action",
			      action_name((enum action)ev->action));

	if (!o)
		return NULL;
	if (ev->action == A_LOSS || ev->action == A_BURST || ev->action == A_OVERFLOW)
		json_object_set_new(o, "reason",
				    json_string(ev->action == A_LOSS    ? "loss" :
						ev->action == A_BURST ? "burst" :
									 "overflow"));
	json_object_set_new(o, "delay_ns", json_integer(ev->delay_ns));
	json_object_set_new(o, "t_ns", json_integer(ev->t_ns));
	return o;
}

static json_t *header_json(const struct ub_relay *r)
{
	char ls[UB_ADDRSTR_MAX], ts[UB_ADDRSTR_MAX];

	return json_pack("{s:{s:s,s:i},s:I,s:s,s:s,s:I,s:{s:o,s:o},s:o,s:o,s:I,s:I,s:I,s:I,s:b}",
			 "udpbench", "version", UB_VERSION, "format", 1, "seed",
			 (json_int_t)r->seed, "listen", ub_net_addr_str(&r->laddr, ls, sizeof(ls)),
			 "target", ub_net_addr_str(&r->target, ts, sizeof(ts)), "elapsed_ns",
			 (json_int_t)(relay_now(r) - r->t0), "config", "up",
			 impair_json(&r->cfg.up), "down", impair_json(&r->cfg.down), "up",
			 dir_json(r, UB_DIR_UP), "down", dir_json(r, UB_DIR_DOWN), "flows",
			 (json_int_t)r->cnt.flows, "unrouted", (json_int_t)r->cnt.unrouted,
			 "icmp_errors", (json_int_t)r->cnt.icmp_errors, "events_total",
			 (json_int_t)r->nevents, "events_truncated", r->truncated);
}

/* Writes the header object without its closing brace, then the events one per line. */
static int write_truth_file(const struct ub_relay *r, FILE *f)
{
	json_t *hdr = header_json(r), *ev;
	char *s = NULL;
	size_t n, i;
	int rc = -1;

	if (!hdr)
		return -1;
	s = json_dumps(hdr, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	if (!s)
		goto out;
	/* Drop the closing brace and the blank before it; the events come last. */
	n = strlen(s);
	while (n > 0 && s[n - 1] != '}')
		n--;
	if (n > 0)
		n--;
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	if (n == 0)
		goto out;
	if (fwrite(s, 1, n, f) != n || fputs(",\n  \"events\": [", f) < 0)
		goto out;
	for (i = 0; i < r->nevents; i++) {
		ev = event_json(&r->events[i]);
		if (!ev)
			goto out;
		if (fputs(i ? ",\n    " : "\n    ", f) < 0 ||
		    json_dumpf(ev, f, JSON_COMPACT | JSON_PRESERVE_ORDER) < 0) {
			json_decref(ev);
			goto out;
		}
		json_decref(ev);
	}
	if (fputs(r->nevents ? "\n  ]\n}\n" : "]\n}\n", f) < 0)
		goto out;
	rc = 0;
out:
	free(s);
	json_decref(hdr);
	return rc;
}

int ub_relay_write_truth(const struct ub_relay *r, const char *path, struct ub_err *e)
{
	char *tmp = NULL;
	size_t len;
	FILE *f = NULL;
	int fd = -1, rc = 0, err;

	if (!path)
		return ub_err_set(e, UB_E_INVAL, 0, "no path for the truth log");
	/* Beside the target, then rename: a reader never sees half a file. */
	len = strlen(path) + 32;
	tmp = malloc(len);
	if (!tmp)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	snprintf(tmp, len, "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = ub_err_set(e, UB_E_IO, errno, "cannot write %s", tmp);
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		rc = ub_err_set(e, UB_E_IO, errno, "cannot write %s", tmp);
		close(fd);
		goto out;
	}
	errno = 0;
	if (write_truth_file(r, f) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		err = errno ? errno : EIO;
		fclose(f);
		f = NULL;
		rc = ub_err_set(e, UB_E_IO, err, "writing %s", path);
		goto out;
	}
	if (fclose(f) != 0) {
		f = NULL;
		rc = ub_err_set(e, UB_E_IO, errno, "writing %s", path);
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) < 0)
		rc = ub_err_set(e, UB_E_IO, errno, "cannot rename %s to %s", tmp, path);
out:
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}
