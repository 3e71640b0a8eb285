#include "flows.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "proto.h"

/*
 * Memory: every UDP datagram that may belong to a session (on a session
 * port, or at least 44 octets) is kept in 80 bytes: its time, lengths, a
 * hash of the payload and the payload's first 44 octets. Flows are then
 * analyzed one at a time with one hash table, reset between flows.
 */

#define EP_LEN 19             /* family, 16 address octets, port (network order) */
#define HEAD_LEN UB_STAMP_LEN /* payload octets kept of each datagram */
#define REQ_MIN 16            /* a request's seq, T1, error estimate and SSID */
#define REPLY_MIN 36          /* a reply's fields up to the sender's T1 */
#define NONE UINT32_MAX
#define TEXT_MAGIC "UDPBENCH "

/* Key tags in the top bits of k1: one table serves every lookup of a flow. */
enum { TAG_PAIR = 1, TAG_SEQ = 2, TAG_ECHO = 3, TAG_SSID = 4 };

struct dgram {
	int64_t t;            /* capture time, ns */
	uint32_t flow, next;  /* next datagram of the same flow, NONE at the end */
	uint32_t len;         /* UDP payload length */
	uint32_t caplen;      /* of which the file holds this much */
	uint64_t hash;        /* FNV-1a over the captured payload */
	uint8_t dir;          /* 0: sent by the flow's endpoint a, 1: by b */
	uint8_t head_len;
	uint8_t head[HEAD_LEN];
};

struct flow {
	uint8_t a[EP_LEN], b[EP_LEN]; /* a sorts before b */
	uint32_t first, last;
	uint8_t port_side;            /* bit 0: a is on a session port, bit 1: b is */
};

struct slot {
	uint64_t k1, k2;
	uint32_t v1, v2, gen;
};

/* Open addressing, linear probing, at most half full; gen != table gen means empty. */
struct map {
	struct slot *s;
	size_t cap, n;
	uint32_t gen;
};

struct session {
	uint8_t client[EP_LEN], server[EP_LEN];
	enum ub_flows_mode mode;
	uint16_t ssid;
	uint32_t first_pos;  /* where its first request lies in the file */
	uint32_t size;       /* payload length of the first request */
	struct ub_stats *stats;
	struct ub_flows_probe *probes;
	size_t n, probecap;
	struct ub_flows_event *ev;
	size_t nev, evcap;
	uint64_t dup_requests, foreign;
	int refl_set;
	uint32_t refl_off;   /* added to the reflector counter, see analyze.h */
	char client_str[UB_ADDRSTR_MAX], server_str[UB_ADDRSTR_MAX];
};

struct ub_flows {
	int ports[UB_FLOWS_PORTS_MAX];
	unsigned nports;
	int64_t timeout_ns;
	uint64_t cut_unused;

	/* while reading */
	struct dgram *dg;
	size_t ndg, dgcap;
	struct flow *flows;
	size_t nflows, flowcap;
	uint32_t *ftab;
	size_t ftabcap;
	struct map map;

	/* found */
	struct session *sess;
	size_t nsess, sesscap;
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint64_t fnv64(const uint8_t *p, size_t n, uint64_t h)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Makes room for need elements of size elem in *p; returns 0 or UB_E_NOMEM. */
static int reserve(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need) {
		if (c > SIZE_MAX / 2 / elem)
			return UB_E_NOMEM;
		c *= 2;
	}
	q = realloc(*p, c * elem);
	if (!q)
		return UB_E_NOMEM;
	*p = q;
	*cap = c;
	return 0;
}

static void map_reset(struct map *m)
{
	m->n = 0;
	if (++m->gen == 0) {
		if (m->s)
			memset(m->s, 0, m->cap * sizeof(*m->s));
		m->gen = 1;
	}
}

static size_t map_pos(const struct map *m, uint64_t k1, uint64_t k2)
{
	size_t i = (size_t)mix64(k1 ^ mix64(k2)) & (m->cap - 1);

	/* never full, so an empty slot ends every probe */
	while (m->s[i].gen == m->gen && (m->s[i].k1 != k1 || m->s[i].k2 != k2))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static struct slot *map_find(const struct map *m, uint64_t k1, uint64_t k2)
{
	size_t i;

	if (!m->cap)
		return NULL;
	i = map_pos(m, k1, k2);
	return m->s[i].gen == m->gen ? &m->s[i] : NULL;
}

static int map_grow(struct map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 256, i, j;
	struct map nm = { NULL, cap, 0, m->gen };

	if (cap > SIZE_MAX / sizeof(*nm.s))
		return UB_E_NOMEM;
	nm.s = calloc(cap, sizeof(*nm.s));
	if (!nm.s)
		return UB_E_NOMEM;
	for (i = 0; i < m->cap; i++) {
		if (m->s[i].gen != m->gen)
			continue;
		j = map_pos(&nm, m->s[i].k1, m->s[i].k2);
		nm.s[j] = m->s[i];
		nm.n++;
	}
	free(m->s);
	*m = nm;
	return 0;
}

/* Stores v1, v2 under (k1, k2); an existing entry is overwritten only when replace. */
static int map_put(struct map *m, uint64_t k1, uint64_t k2, uint32_t v1, uint32_t v2, int replace)
{
	struct slot *s;
	size_t i;
	int rc;

	if ((m->n + 1) * 2 > m->cap) {
		rc = map_grow(m);
		if (rc)
			return rc;
	}
	i = map_pos(m, k1, k2);
	s = &m->s[i];
	if (s->gen == m->gen && !replace)
		return 0;
	if (s->gen != m->gen)
		m->n++;
	s->k1 = k1;
	s->k2 = k2;
	s->v1 = v1;
	s->v2 = v2;
	s->gen = m->gen;
	return 0;
}

static void ep_key(const struct ub_addr *a, uint8_t k[EP_LEN])
{
	memset(k, 0, EP_LEN);
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;

		k[0] = 4;
		memcpy(k + 1, &sin->sin_addr, 4);
		memcpy(k + 17, &sin->sin_port, 2);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;

		k[0] = 6;
		memcpy(k + 1, &sin6->sin6_addr, 16);
		memcpy(k + 17, &sin6->sin6_port, 2);
	}
}

static unsigned ep_port(const uint8_t k[EP_LEN])
{
	return be16(k + 17);
}

static void ep_str(const uint8_t k[EP_LEN], char *buf, size_t len)
{
	struct ub_addr a;

	memset(&a, 0, sizeof(a));
	if (k[0] == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a.ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, k + 1, 4);
		memcpy(&sin->sin_port, k + 17, 2);
		a.len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a.ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, k + 1, 16);
		memcpy(&sin6->sin6_port, k + 17, 2);
		a.len = sizeof(*sin6);
	}
	ub_net_addr_str(&a, buf, len);
}

static int is_session_port(const struct ub_flows *fl, unsigned port)
{
	unsigned i;

	for (i = 0; i < fl->nports; i++)
		if ((unsigned)fl->ports[i] == port)
			return 1;
	return 0;
}

static uint64_t flow_hash(const uint8_t *x, const uint8_t *y)
{
	return fnv64(y, EP_LEN, fnv64(x, EP_LEN, 0xcbf29ce484222325ULL));
}

static int ftab_rebuild(struct ub_flows *fl)
{
	size_t cap = fl->ftabcap ? fl->ftabcap * 2 : 1024, i, j;
	uint32_t *t;

	if (cap > SIZE_MAX / sizeof(*t))
		return UB_E_NOMEM;
	t = malloc(cap * sizeof(*t));
	if (!t)
		return UB_E_NOMEM;
	memset(t, 0xff, cap * sizeof(*t));
	for (i = 0; i < fl->nflows; i++) {
		j = (size_t)flow_hash(fl->flows[i].a, fl->flows[i].b) & (cap - 1);
		while (t[j] != NONE)
			j = (j + 1) & (cap - 1);
		t[j] = (uint32_t)i;
	}
	free(fl->ftab);
	fl->ftab = t;
	fl->ftabcap = cap;
	return 0;
}

/* The flow between src and dst, created when new; *dir tells which end sent. */
static int flow_get(struct ub_flows *fl, const uint8_t *src, const uint8_t *dst, uint32_t *fi,
		    uint8_t *dir)
{
	const uint8_t *x = src, *y = dst;
	struct flow *f;
	size_t j;
	int rc;

	*dir = 0;
	if (memcmp(src, dst, EP_LEN) > 0) {
		x = dst;
		y = src;
		*dir = 1;
	}
	if ((fl->nflows + 1) * 2 > fl->ftabcap) {
		rc = ftab_rebuild(fl);
		if (rc)
			return rc;
	}
	j = (size_t)flow_hash(x, y) & (fl->ftabcap - 1);
	while (fl->ftab[j] != NONE) {
		f = &fl->flows[fl->ftab[j]];
		if (memcmp(f->a, x, EP_LEN) == 0 && memcmp(f->b, y, EP_LEN) == 0) {
			*fi = fl->ftab[j];
			return 0;
		}
		j = (j + 1) & (fl->ftabcap - 1);
	}
	if (fl->nflows >= NONE - 1)
		return UB_E_RANGE;
	rc = reserve((void **)&fl->flows, &fl->flowcap, fl->nflows + 1, sizeof(*fl->flows));
	if (rc)
		return rc;
	f = &fl->flows[fl->nflows];
	memcpy(f->a, x, EP_LEN);
	memcpy(f->b, y, EP_LEN);
	f->first = f->last = NONE;
	f->port_side =
		(uint8_t)(is_session_port(fl, ep_port(x)) | is_session_port(fl, ep_port(y)) << 1);
	fl->ftab[j] = (uint32_t)fl->nflows;
	*fi = (uint32_t)fl->nflows++;
	return 0;
}

int ub_flows_add(struct ub_flows *fl, const struct ub_udp_view *v, int64_t t)
{
	uint8_t src[EP_LEN], dst[EP_LEN];
	struct dgram *g;
	uint32_t fi;
	uint8_t dir;
	int rc;

	ep_key(&v->src, src);
	ep_key(&v->dst, dst);
	if (v->payload_len < UB_STAMP_LEN && !is_session_port(fl, ep_port(src)) &&
	    !is_session_port(fl, ep_port(dst)))
		return 0;
	if (fl->ndg >= NONE - 1)
		return UB_E_RANGE;
	rc = flow_get(fl, src, dst, &fi, &dir);
	if (!rc)
		rc = reserve((void **)&fl->dg, &fl->dgcap, fl->ndg + 1, sizeof(*fl->dg));
	if (rc)
		return rc;
	g = &fl->dg[fl->ndg];
	g->t = t;
	g->flow = fi;
	g->next = NONE;
	g->len = (uint32_t)v->payload_len;
	g->caplen = (uint32_t)v->captured_len;
	g->hash = fnv64(v->payload, v->captured_len, 0xcbf29ce484222325ULL);
	g->dir = dir;
	g->head_len = (uint8_t)(v->captured_len < HEAD_LEN ? v->captured_len : HEAD_LEN);
	memset(g->head, 0, HEAD_LEN);
	memcpy(g->head, v->payload, g->head_len);
	if (fl->flows[fi].last == NONE)
		fl->flows[fi].first = (uint32_t)fl->ndg;
	else
		fl->dg[fl->flows[fi].last].next = (uint32_t)fl->ndg;
	fl->flows[fi].last = (uint32_t)fl->ndg;
	fl->ndg++;
	return 0;
}

static uint64_t echo_key(const struct dgram *g)
{
	return (uint64_t)TAG_ECHO << 48 | (uint64_t)(g->len & 0xffff) << 16 | (g->caplen & 0xffff);
}

static uint64_t pair_key(uint32_t seq)
{
	return (uint64_t)TAG_PAIR << 48 | seq;
}

/*
 * Counts the replies from !d that answer a request from d seen before
 * them: carrying its seq and T1 at 24..35 (STAMP), or the same bytes (echo).
 * Off the session ports, a STAMP reply must also be the request's size.
 */
static int score(struct ub_flows *fl, const struct flow *f, unsigned d, uint64_t *stamp,
		 uint64_t *echo)
{
	const struct dgram *g;
	const struct slot *s;
	uint32_t i;
	int rc;

	*stamp = *echo = 0;
	map_reset(&fl->map);
	for (i = f->first; i != NONE; i = g->next) {
		g = &fl->dg[i];
		if (g->dir == d) {
			if (g->len >= UB_STAMP_LEN && g->head_len >= 12 && be64(g->head + 4) != 0) {
				rc = map_put(&fl->map, pair_key(be32(g->head)), be64(g->head + 4),
					     g->len, 0, 0);
				if (rc)
					return rc;
			}
			rc = map_put(&fl->map, echo_key(g), g->hash, 0, 0, 0);
			if (rc)
				return rc;
			continue;
		}
		if (g->len >= UB_STAMP_LEN && g->head_len >= REPLY_MIN) {
			s = map_find(&fl->map, pair_key(be32(g->head + 24)), be64(g->head + 28));
			if (s && (f->port_side || s->v1 == g->len))
				(*stamp)++;
		}
		if (map_find(&fl->map, echo_key(g), g->hash))
			(*echo)++;
	}
	return 0;
}

static int new_session(struct ub_flows *fl, const struct flow *f, unsigned d,
		       enum ub_flows_mode m, uint16_t ssid, uint32_t pos, uint32_t *si)
{
	struct ub_stats_config sc;
	struct session *s;
	int rc;

	if (fl->nsess >= NONE - 1)
		return UB_E_RANGE;
	rc = reserve((void **)&fl->sess, &fl->sesscap, fl->nsess + 1, sizeof(*fl->sess));
	if (rc)
		return rc;
	s = &fl->sess[fl->nsess];
	memset(s, 0, sizeof(*s));
	memcpy(s->client, d == 0 ? f->a : f->b, EP_LEN);
	memcpy(s->server, d == 0 ? f->b : f->a, EP_LEN);
	ep_str(s->client, s->client_str, sizeof(s->client_str));
	ep_str(s->server, s->server_str, sizeof(s->server_str));
	s->mode = m;
	s->ssid = ssid;
	s->first_pos = pos;
	s->size = fl->dg[pos].len;
	ub_stats_config_init(&sc);
	sc.timeout_ns = fl->timeout_ns;
	sc.interval_ns = 0;
	sc.stateful = m == UB_FLOWS_STAMP;
	s->stats = ub_stats_new(&sc);
	if (!s->stats)
		return UB_E_NOMEM;
	*si = (uint32_t)fl->nsess++;
	return 0;
}

/* Records a new probe of s; returns its index or a negative code. */
static int64_t add_probe(struct session *s, const struct dgram *g, uint32_t wire_seq)
{
	uint32_t idx;
	int rc;

	if (s->n >= NONE - 1)
		return UB_E_RANGE;
	rc = reserve((void **)&s->probes, &s->probecap, s->n + 1, sizeof(*s->probes));
	if (rc)
		return rc;
	idx = (uint32_t)s->n;
	rc = ub_stats_sent(s->stats, idx, g->t, 0);
	if (rc)
		return rc;
	s->probes[idx].tx = g->t;
	s->probes[idx].wire_seq = wire_seq;
	s->probes[idx].answered = 0;
	s->n++;
	return idx;
}

static int add_event(struct session *s, const struct ub_flows_event *ev)
{
	int rc = reserve((void **)&s->ev, &s->evcap, s->nev + 1, sizeof(*s->ev));

	if (rc)
		return rc;
	s->ev[s->nev++] = *ev;
	return 0;
}

/* What one pass over a flow carries along. */
struct flow_pass {
	const struct flow *f;
	unsigned d;
	uint32_t first_si; /* first session of the flow, for replies nobody asked for */
};

static int stamp_request(struct ub_flows *fl, struct flow_pass *fp, uint32_t pos)
{
	const struct dgram *g = &fl->dg[pos];
	const struct slot *sl;
	uint32_t seq, si;
	uint16_t ssid;
	uint64_t t1;
	int64_t idx;
	int rc;

	if (g->len < UB_STAMP_LEN)
		return 0;
	if (g->head_len < REQ_MIN) {
		if (g->caplen < g->len)
			fl->cut_unused++;
		return 0;
	}
	seq = be32(g->head);
	t1 = be64(g->head + 4);
	ssid = be16(g->head + 14);
	sl = map_find(&fl->map, (uint64_t)TAG_SSID << 48 | ssid, 0);
	if (sl) {
		si = sl->v1;
	} else {
		rc = new_session(fl, fp->f, fp->d, UB_FLOWS_STAMP, ssid, pos, &si);
		if (!rc)
			rc = map_put(&fl->map, (uint64_t)TAG_SSID << 48 | ssid, 0, si, 0, 0);
		if (rc)
			return rc;
		if (fp->first_si == NONE)
			fp->first_si = si;
	}
	sl = map_find(&fl->map, (uint64_t)TAG_SEQ << 48 | (uint64_t)ssid << 32 | seq, 0);
	if (sl) {
		/* the same number again counts once; its T1 may still be answered */
		fl->sess[si].dup_requests++;
		return map_put(&fl->map, pair_key(seq), t1, si, sl->v1, 0);
	}
	idx = add_probe(&fl->sess[si], g, seq);
	if (idx < 0)
		return (int)idx;
	rc = map_put(&fl->map, (uint64_t)TAG_SEQ << 48 | (uint64_t)ssid << 32 | seq, 0,
		     (uint32_t)idx, 0, 0);
	if (!rc)
		rc = map_put(&fl->map, pair_key(seq), t1, si, (uint32_t)idx, 0);
	return rc;
}

/* A reply that matched no request: counted against the session of its SSID, or the flow's first. */
static void foreign_reply(struct ub_flows *fl, const struct flow_pass *fp, const struct dgram *g)
{
	const struct slot *sl = NULL;

	if (g->head_len >= REQ_MIN)
		sl = map_find(&fl->map, (uint64_t)TAG_SSID << 48 | be16(g->head + 14), 0);
	if (sl)
		fl->sess[sl->v1].foreign++;
	else if (fp->first_si != NONE)
		fl->sess[fp->first_si].foreign++;
}

/* Feeds one reply to ub_stats and keeps it for the CSV. */
static int record_reply(struct session *s, struct ub_reply *r, struct ub_flows_event *ev)
{
	int st, reordered = 0;

	st = ub_stats_reply(s->stats, r, &reordered);
	if (st == UB_E_NOMEM)
		return st;
	if (st < 0) {
		s->foreign++;
		return 0;
	}
	s->probes[r->seq].answered = 1;
	ev->idx = r->seq;
	ev->rx = r->rx_ns;
	ev->rtt = r->rtt_ns;
	ev->status = (uint8_t)st;
	ev->reordered = (uint8_t)reordered;
	return add_event(s, ev);
}

static int stamp_reply(struct ub_flows *fl, struct flow_pass *fp, const struct dgram *g)
{
	uint8_t buf[UB_STAMP_LEN];
	struct ub_stamp_reply rep;
	struct ub_reply r;
	struct ub_flows_event ev;
	const struct slot *sl;
	struct session *s;
	const struct ub_flows_probe *p;
	int64_t total, proc;
	int rs = 0, ss = 0;

	if (g->len < UB_STAMP_LEN || g->head_len < REPLY_MIN) {
		if (g->len >= UB_STAMP_LEN && g->caplen < g->len)
			fl->cut_unused++;
		else
			foreign_reply(fl, fp, g);
		return 0;
	}
	sl = map_find(&fl->map, pair_key(be32(g->head + 24)), be64(g->head + 28));
	if (!sl) {
		foreign_reply(fl, fp, g);
		return 0;
	}
	s = &fl->sess[sl->v1];
	p = &s->probes[sl->v2];
	/* a reply cut after T1 still holds every field the RTT needs; the rest reads as zero */
	memcpy(buf, g->head, HEAD_LEN);
	ub_proto_decode_reply(buf, sizeof(buf), &rep);

	memset(&r, 0, sizeof(r));
	memset(&ev, 0, sizeof(ev));
	ev.t2 = ub_clock_ntp_to_ns(rep.rx_ts);
	ev.t3 = ub_clock_ntp_to_ns(rep.ts);
	total = g->t - p->tx;
	if (total < 0)
		total = 0; /* the capture's clock stepped back */
	proc = ev.t3 - ev.t2;
	/* as the live sender: a reflector whose stamps make no sense gets T4 - T1 */
	if (proc < 0 || proc >= total)
		proc = 0;
	if (!s->refl_set) {
		s->refl_set = 1;
		if (s->probes[0].wire_seq != 0)
			s->refl_off = sl->v2 - rep.seq;
	}
	r.seq = sl->v2;
	r.rx_ns = g->t;
	r.rtt_ns = total - proc;
	r.has_refl = 1;
	r.refl_seq = rep.seq + s->refl_off;
	r.refl_proc_ns = proc;
	if (g->head_len >= 38) {
		ub_proto_err_est_ns(rep.err_est, &rs);
		ub_proto_err_est_ns(rep.sender_err_est, &ss);
	}
	if (rs && ss) {
		/* both ends claim synchronised clocks; T4 is the capture's, taken on the sender */
		r.has_owd = 1;
		r.owd_up_ns = ev.t2 - ub_clock_ntp_to_ns(rep.sender_ts);
		r.owd_down_ns = g->t - ev.t3;
	}
	ev.has_refl = 1;
	ev.refl_seq = rep.seq;
	ev.ttl = (int16_t)(g->head_len > 40 ? rep.sender_ttl : -1);
	return record_reply(s, &r, &ev);
}

static int echo_request(struct ub_flows *fl, struct flow_pass *fp, uint32_t pos)
{
	const struct dgram *g = &fl->dg[pos];
	const struct slot *sl;
	const struct ub_flows_probe *p;
	struct session *s;
	enum ub_flows_mode m;
	int64_t idx;
	int rc;

	if (fp->first_si == NONE) {
		/* udpbench's printable probes, echoed by a classroom script */
		m = UB_FLOWS_ECHO;
		if (g->head_len >= sizeof(TEXT_MAGIC) - 1 &&
		    memcmp(g->head, TEXT_MAGIC, sizeof(TEXT_MAGIC) - 1) == 0)
			m = UB_FLOWS_TEXT;
		rc = new_session(fl, fp->f, fp->d, m, 0, pos, &fp->first_si);
		if (rc)
			return rc;
	}
	s = &fl->sess[fp->first_si];
	sl = map_find(&fl->map, echo_key(g), g->hash);
	if (sl) {
		p = &s->probes[sl->v1];
		/* the same bytes before an answer and within Tmax: a copy, not a new probe */
		if (!p->answered && g->t - p->tx <= fl->timeout_ns) {
			s->dup_requests++;
			return 0;
		}
	}
	idx = add_probe(s, g, (uint32_t)s->n);
	if (idx < 0)
		return (int)idx;
	return map_put(&fl->map, echo_key(g), g->hash, (uint32_t)idx, 0, 1);
}

static int echo_reply(struct ub_flows *fl, struct flow_pass *fp, const struct dgram *g)
{
	const struct slot *sl;
	struct session *s;
	struct ub_reply r;
	struct ub_flows_event ev;
	int64_t total;

	if (fp->first_si == NONE)
		return 0;
	s = &fl->sess[fp->first_si];
	sl = map_find(&fl->map, echo_key(g), g->hash);
	if (!sl) {
		if (g->caplen < g->len)
			fl->cut_unused++;
		else
			s->foreign++;
		return 0;
	}
	memset(&r, 0, sizeof(r));
	memset(&ev, 0, sizeof(ev));
	total = g->t - s->probes[sl->v1].tx;
	r.seq = sl->v1;
	r.rx_ns = g->t;
	r.rtt_ns = total > 0 ? total : 0;
	ev.ttl = -1;
	return record_reply(s, &r, &ev);
}

/* Chooses who asks and how the other end answers, then runs the flow's sessions. */
static int analyze_flow(struct ub_flows *fl, uint32_t fi)
{
	const struct flow *f = &fl->flows[fi];
	struct flow_pass fp = { f, 0, NONE };
	uint64_t st[2], ec[2], best = 0, rank;
	enum ub_flows_mode mode = UB_FLOWS_STAMP;
	const struct dgram *g;
	unsigned d, server_on_port;
	uint32_t i;
	int rc, found = 0;

	for (d = 0; d < 2; d++) {
		rc = score(fl, f, d, &st[d], &ec[d]);
		if (rc)
			return rc;
	}
	/* most answers wins; on a tie STAMP, then the server on a session port */
	for (d = 0; d < 2; d++) {
		server_on_port = (f->port_side >> (1 - d)) & 1;
		rank = st[d] * 4 + 2 + server_on_port;
		if (st[d] && rank > best) {
			best = rank;
			fp.d = d;
			mode = UB_FLOWS_STAMP;
			found = 1;
		}
		rank = ec[d] * 4 + server_on_port;
		if (ec[d] && rank > best) {
			best = rank;
			fp.d = d;
			mode = UB_FLOWS_ECHO;
			found = 1;
		}
	}
	if (!found) {
		/* nothing came back: probes toward one session port are a session that lost all */
		if (f->port_side != 1 && f->port_side != 2)
			return 0;
		fp.d = f->port_side == 2 ? 0 : 1;
	}

	map_reset(&fl->map);
	for (i = f->first; i != NONE; i = g->next) {
		g = &fl->dg[i];
		if (g->dir == fp.d)
			rc = mode == UB_FLOWS_STAMP ? stamp_request(fl, &fp, i)
						    : echo_request(fl, &fp, i);
		else
			rc = mode == UB_FLOWS_STAMP ? stamp_reply(fl, &fp, g)
						    : echo_reply(fl, &fp, g);
		if (rc)
			return rc;
	}
	return 0;
}

static int cmp_session(const void *x, const void *y)
{
	const struct session *a = x, *b = y;

	return (a->first_pos > b->first_pos) - (a->first_pos < b->first_pos);
}

static void free_reading(struct ub_flows *fl)
{
	free(fl->dg);
	free(fl->flows);
	free(fl->ftab);
	free(fl->map.s);
	fl->dg = NULL;
	fl->flows = NULL;
	fl->ftab = NULL;
	fl->map.s = NULL;
	fl->ndg = fl->dgcap = fl->nflows = fl->flowcap = fl->ftabcap = fl->map.cap = 0;
}

void ub_flows_config_init(struct ub_flows_config *c)
{
	if (!c)
		return;
	memset(c, 0, sizeof(*c));
	c->timeout_ns = UB_NS_PER_S;
}

struct ub_flows *ub_flows_new(const struct ub_flows_config *c)
{
	struct ub_flows *fl;

	if (!c || c->nports > UB_FLOWS_PORTS_MAX)
		return NULL;
	fl = calloc(1, sizeof(*fl));
	if (!fl)
		return NULL;
	memcpy(fl->ports, c->ports, sizeof(fl->ports));
	fl->nports = c->nports;
	fl->timeout_ns = c->timeout_ns > 0 ? c->timeout_ns : UB_NS_PER_S;
	fl->map.gen = 1;
	return fl;
}

void ub_flows_free(struct ub_flows *fl)
{
	size_t i;

	if (!fl)
		return;
	free_reading(fl);
	for (i = 0; i < fl->nsess; i++) {
		ub_stats_free(fl->sess[i].stats);
		free(fl->sess[i].probes);
		free(fl->sess[i].ev);
	}
	free(fl->sess);
	free(fl);
}

int ub_flows_pair(struct ub_flows *fl)
{
	size_t i;
	int rc = 0;

	for (i = 0; !rc && i < fl->nflows; i++)
		rc = analyze_flow(fl, (uint32_t)i);
	free_reading(fl);
	if (!rc && fl->nsess > 1)
		qsort(fl->sess, fl->nsess, sizeof(*fl->sess), cmp_session);
	return rc;
}

unsigned ub_flows_count(const struct ub_flows *fl)
{
	return fl ? (unsigned)fl->nsess : 0;
}

int ub_flows_session(const struct ub_flows *fl, unsigned i, struct ub_flows_session *s)
{
	const struct session *in;

	if (!fl || i >= fl->nsess)
		return UB_E_RANGE;
	in = &fl->sess[i];
	s->client_str = in->client_str;
	s->server_str = in->server_str;
	s->server_port = ep_port(in->server);
	s->mode = in->mode;
	s->ssid = in->ssid;
	s->size = in->size;
	s->stats = in->stats;
	s->probes = in->probes;
	s->n = in->n;
	s->ev = in->ev;
	s->nev = in->nev;
	s->dup_requests = in->dup_requests;
	s->foreign = in->foreign;
	return 0;
}

uint64_t ub_flows_cut_unused(const struct ub_flows *fl)
{
	return fl ? fl->cut_unused : 0;
}
