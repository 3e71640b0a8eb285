#include "analyze.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "clock.h"
#include "decode.h"
#include "net.h"
#include "proto.h"
#include "stats.h"

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
#define MAX_SEC 4000000000LL  /* capture times are clamped to 1970..2096: no overflow */
#define TEXT_MAGIC "UDPBENCH "

#define TR(zh, en_text, zh_text) ((zh) ? zh_text : en_text)

enum mode { MODE_STAMP, MODE_ECHO, MODE_TEXT };

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

struct probe {
	int64_t tx;
	uint32_t wire_seq;
	uint8_t answered;
};

/* One reply, for the CSV. */
struct event {
	int64_t rx, rtt, t2, t3;
	uint32_t idx, refl_seq;
	int16_t ttl;
	uint8_t status, reordered, has_refl;
};

struct session {
	uint8_t client[EP_LEN], server[EP_LEN];
	enum mode mode;
	uint16_t ssid;
	uint32_t first_pos;  /* where its first request lies in the file */
	uint32_t size;       /* payload length of the first request */
	struct ub_stats *stats;
	struct probe *probes;
	size_t n, probecap;
	struct event *ev;
	size_t nev, evcap;
	uint64_t dup_requests, foreign;
	int refl_set;
	uint32_t refl_off;   /* added to the reflector counter, see analyze.h */
	char client_str[UB_ADDRSTR_MAX], server_str[UB_ADDRSTR_MAX];
};

struct ub_analysis {
	struct ub_capture_info info;
	char name[256], label[256];
	int64_t timeout_ns, ts_mult;
	int ports[3];
	unsigned nports;

	/* while reading */
	struct dgram *dg;
	size_t ndg, dgcap;
	struct flow *flows;
	size_t nflows, flowcap;
	uint32_t *ftab;
	size_t ftabcap;
	struct map map;

	/* results */
	struct session *sess;
	size_t nsess, sesscap;
	struct ub_params *params;
	struct ub_summary *sums;
	struct ub_run_counters *rcs;
};

void ub_analyze_config_init(struct ub_analyze_config *c)
{
	if (!c)
		return;
	memset(c, 0, sizeof(*c));
	c->timeout_ns = UB_NS_PER_S;
	c->lang = UB_LANG_EN;
	c->out = stdout;
	c->msg = stderr;
}

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

static int is_session_port(const struct ub_analysis *a, unsigned port)
{
	unsigned i;

	for (i = 0; i < a->nports; i++)
		if ((unsigned)a->ports[i] == port)
			return 1;
	return 0;
}

static uint64_t flow_hash(const uint8_t *x, const uint8_t *y)
{
	return fnv64(y, EP_LEN, fnv64(x, EP_LEN, 0xcbf29ce484222325ULL));
}

static int ftab_rebuild(struct ub_analysis *a)
{
	size_t cap = a->ftabcap ? a->ftabcap * 2 : 1024, i, j;
	uint32_t *t;

	if (cap > SIZE_MAX / sizeof(*t))
		return UB_E_NOMEM;
	t = malloc(cap * sizeof(*t));
	if (!t)
		return UB_E_NOMEM;
	memset(t, 0xff, cap * sizeof(*t));
	for (i = 0; i < a->nflows; i++) {
		j = (size_t)flow_hash(a->flows[i].a, a->flows[i].b) & (cap - 1);
		while (t[j] != NONE)
			j = (j + 1) & (cap - 1);
		t[j] = (uint32_t)i;
	}
	free(a->ftab);
	a->ftab = t;
	a->ftabcap = cap;
	return 0;
}

/* The flow between src and dst, created when new; *dir tells which end sent. */
static int flow_get(struct ub_analysis *a, const uint8_t *src, const uint8_t *dst, uint32_t *fi,
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
	if ((a->nflows + 1) * 2 > a->ftabcap) {
		rc = ftab_rebuild(a);
		if (rc)
			return rc;
	}
	j = (size_t)flow_hash(x, y) & (a->ftabcap - 1);
	while (a->ftab[j] != NONE) {
		f = &a->flows[a->ftab[j]];
		if (memcmp(f->a, x, EP_LEN) == 0 && memcmp(f->b, y, EP_LEN) == 0) {
			*fi = a->ftab[j];
			return 0;
		}
		j = (j + 1) & (a->ftabcap - 1);
	}
	if (a->nflows >= NONE - 1)
		return UB_E_RANGE;
	rc = reserve((void **)&a->flows, &a->flowcap, a->nflows + 1, sizeof(*a->flows));
	if (rc)
		return rc;
	f = &a->flows[a->nflows];
	memcpy(f->a, x, EP_LEN);
	memcpy(f->b, y, EP_LEN);
	f->first = f->last = NONE;
	f->port_side = (uint8_t)(is_session_port(a, ep_port(x)) | is_session_port(a, ep_port(y)) << 1);
	a->ftab[j] = (uint32_t)a->nflows;
	*fi = (uint32_t)a->nflows++;
	return 0;
}

static int64_t capture_ns(const struct ub_analysis *a, const struct pcap_pkthdr *h)
{
	int64_t sec = (int64_t)h->ts.tv_sec, frac = (int64_t)h->ts.tv_usec * a->ts_mult;

	if (sec < 0)
		sec = 0;
	if (sec > MAX_SEC)
		sec = MAX_SEC;
	if (frac < 0 || frac >= UB_NS_PER_S)
		frac = 0;
	return sec * UB_NS_PER_S + frac;
}

/* Keeps a datagram that may belong to a session. */
static int keep(struct ub_analysis *a, const struct ub_udp_view *v, int64_t t)
{
	uint8_t src[EP_LEN], dst[EP_LEN];
	struct dgram *g;
	uint32_t fi;
	uint8_t dir;
	int rc;

	ep_key(&v->src, src);
	ep_key(&v->dst, dst);
	if (v->payload_len < UB_STAMP_LEN && !is_session_port(a, ep_port(src)) &&
	    !is_session_port(a, ep_port(dst)))
		return 0;
	if (a->ndg >= NONE - 1)
		return UB_E_RANGE;
	rc = flow_get(a, src, dst, &fi, &dir);
	if (!rc)
		rc = reserve((void **)&a->dg, &a->dgcap, a->ndg + 1, sizeof(*a->dg));
	if (rc)
		return rc;
	g = &a->dg[a->ndg];
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
	if (a->flows[fi].last == NONE)
		a->flows[fi].first = (uint32_t)a->ndg;
	else
		a->dg[a->flows[fi].last].next = (uint32_t)a->ndg;
	a->flows[fi].last = (uint32_t)a->ndg;
	a->ndg++;
	return 0;
}

static int read_all(struct ub_analysis *a, pcap_t *p)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	struct ub_udp_view v;
	int rc, dr;

	for (;;) {
		rc = pcap_next_ex(p, &h, &data);
		if (rc == PCAP_ERROR_BREAK)
			return 0;
		if (rc != 1) {
			/* a cut or damaged record: what came before it stands */
			a->info.truncated = 1;
			snprintf(a->info.error, sizeof(a->info.error), "%s",
				 rc == PCAP_ERROR ? pcap_geterr(p) : "unexpected end");
			return 0;
		}
		a->info.packets++;
		if (h->caplen < h->len)
			a->info.cut++;
		dr = ub_decode_udp(a->info.linktype, data, h->caplen, &v);
		if (dr < 0 && h->caplen >= h->len)
			a->info.undecodable++;
		if (dr != 1)
			continue;
		a->info.udp++;
		rc = keep(a, &v, capture_ns(a, h));
		if (rc == UB_E_RANGE) {
			a->info.truncated = 1;
			snprintf(a->info.error, sizeof(a->info.error), "too many datagrams");
			return 0;
		}
		if (rc)
			return rc;
	}
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
static int score(struct ub_analysis *a, const struct flow *f, unsigned d, uint64_t *stamp,
		 uint64_t *echo)
{
	const struct dgram *g;
	const struct slot *s;
	uint32_t i;
	int rc;

	*stamp = *echo = 0;
	map_reset(&a->map);
	for (i = f->first; i != NONE; i = g->next) {
		g = &a->dg[i];
		if (g->dir == d) {
			if (g->len >= UB_STAMP_LEN && g->head_len >= 12 && be64(g->head + 4) != 0) {
				rc = map_put(&a->map, pair_key(be32(g->head)), be64(g->head + 4),
					     g->len, 0, 0);
				if (rc)
					return rc;
			}
			rc = map_put(&a->map, echo_key(g), g->hash, 0, 0, 0);
			if (rc)
				return rc;
			continue;
		}
		if (g->len >= UB_STAMP_LEN && g->head_len >= REPLY_MIN) {
			s = map_find(&a->map, pair_key(be32(g->head + 24)), be64(g->head + 28));
			if (s && (f->port_side || s->v1 == g->len))
				(*stamp)++;
		}
		if (map_find(&a->map, echo_key(g), g->hash))
			(*echo)++;
	}
	return 0;
}

static int new_session(struct ub_analysis *a, const struct flow *f, unsigned d, enum mode m,
		       uint16_t ssid, uint32_t pos, uint32_t *si)
{
	struct ub_stats_config sc;
	struct session *s;
	int rc;

	if (a->nsess >= NONE - 1)
		return UB_E_RANGE;
	rc = reserve((void **)&a->sess, &a->sesscap, a->nsess + 1, sizeof(*a->sess));
	if (rc)
		return rc;
	s = &a->sess[a->nsess];
	memset(s, 0, sizeof(*s));
	memcpy(s->client, d == 0 ? f->a : f->b, EP_LEN);
	memcpy(s->server, d == 0 ? f->b : f->a, EP_LEN);
	ep_str(s->client, s->client_str, sizeof(s->client_str));
	ep_str(s->server, s->server_str, sizeof(s->server_str));
	s->mode = m;
	s->ssid = ssid;
	s->first_pos = pos;
	s->size = a->dg[pos].len;
	ub_stats_config_init(&sc);
	sc.timeout_ns = a->timeout_ns;
	sc.interval_ns = 0;
	sc.stateful = m == MODE_STAMP;
	s->stats = ub_stats_new(&sc);
	if (!s->stats)
		return UB_E_NOMEM;
	*si = (uint32_t)a->nsess++;
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

static int add_event(struct session *s, const struct event *ev)
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

static int stamp_request(struct ub_analysis *a, struct flow_pass *fp, uint32_t pos)
{
	const struct dgram *g = &a->dg[pos];
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
			a->info.cut_unused++;
		return 0;
	}
	seq = be32(g->head);
	t1 = be64(g->head + 4);
	ssid = be16(g->head + 14);
	sl = map_find(&a->map, (uint64_t)TAG_SSID << 48 | ssid, 0);
	if (sl) {
		si = sl->v1;
	} else {
		rc = new_session(a, fp->f, fp->d, MODE_STAMP, ssid, pos, &si);
		if (!rc)
			rc = map_put(&a->map, (uint64_t)TAG_SSID << 48 | ssid, 0, si, 0, 0);
		if (rc)
			return rc;
		if (fp->first_si == NONE)
			fp->first_si = si;
	}
	sl = map_find(&a->map, (uint64_t)TAG_SEQ << 48 | (uint64_t)ssid << 32 | seq, 0);
	if (sl) {
		/* the same number again counts once; its T1 may still be answered */
		a->sess[si].dup_requests++;
		return map_put(&a->map, pair_key(seq), t1, si, sl->v1, 0);
	}
	idx = add_probe(&a->sess[si], g, seq);
	if (idx < 0)
		return (int)idx;
	rc = map_put(&a->map, (uint64_t)TAG_SEQ << 48 | (uint64_t)ssid << 32 | seq, 0,
		     (uint32_t)idx, 0, 0);
	if (!rc)
		rc = map_put(&a->map, pair_key(seq), t1, si, (uint32_t)idx, 0);
	return rc;
}

/* A reply that matched no request: counted against the session of its SSID, or the flow's first. */
static void foreign_reply(struct ub_analysis *a, const struct flow_pass *fp, const struct dgram *g)
{
	const struct slot *sl = NULL;

	if (g->head_len >= REQ_MIN)
		sl = map_find(&a->map, (uint64_t)TAG_SSID << 48 | be16(g->head + 14), 0);
	if (sl)
		a->sess[sl->v1].foreign++;
	else if (fp->first_si != NONE)
		a->sess[fp->first_si].foreign++;
}

/* Feeds one reply to ub_stats and keeps it for the CSV. */
static int record_reply(struct session *s, struct ub_reply *r, struct event *ev)
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

static int stamp_reply(struct ub_analysis *a, struct flow_pass *fp, const struct dgram *g)
{
	uint8_t buf[UB_STAMP_LEN];
	struct ub_stamp_reply rep;
	struct ub_reply r;
	struct event ev;
	const struct slot *sl;
	struct session *s;
	const struct probe *p;
	int64_t total, proc;
	int rs = 0, ss = 0;

	if (g->len < UB_STAMP_LEN || g->head_len < REPLY_MIN) {
		if (g->len >= UB_STAMP_LEN && g->caplen < g->len)
			a->info.cut_unused++;
		else
			foreign_reply(a, fp, g);
		return 0;
	}
	sl = map_find(&a->map, pair_key(be32(g->head + 24)), be64(g->head + 28));
	if (!sl) {
		foreign_reply(a, fp, g);
		return 0;
	}
	s = &a->sess[sl->v1];
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

static int echo_request(struct ub_analysis *a, struct flow_pass *fp, uint32_t pos)
{
	const struct dgram *g = &a->dg[pos];
	const struct slot *sl;
	const struct probe *p;
	struct session *s;
	enum mode m;
	int64_t idx;
	int rc;

	if (fp->first_si == NONE) {
		/* udpbench's printable probes, echoed by a classroom script */
		m = MODE_ECHO;
		if (g->head_len >= sizeof(TEXT_MAGIC) - 1 &&
		    memcmp(g->head, TEXT_MAGIC, sizeof(TEXT_MAGIC) - 1) == 0)
			m = MODE_TEXT;
		rc = new_session(a, fp->f, fp->d, m, 0, pos, &fp->first_si);
		if (rc)
			return rc;
	}
	s = &a->sess[fp->first_si];
	sl = map_find(&a->map, echo_key(g), g->hash);
	if (sl) {
		p = &s->probes[sl->v1];
		/* the same bytes before an answer and within Tmax: a copy, not a new probe */
		if (!p->answered && g->t - p->tx <= a->timeout_ns) {
			s->dup_requests++;
			return 0;
		}
	}
	idx = add_probe(s, g, (uint32_t)s->n);
	if (idx < 0)
		return (int)idx;
	return map_put(&a->map, echo_key(g), g->hash, (uint32_t)idx, 0, 1);
}

static int echo_reply(struct ub_analysis *a, struct flow_pass *fp, const struct dgram *g)
{
	const struct slot *sl;
	struct session *s;
	struct ub_reply r;
	struct event ev;
	int64_t total;

	if (fp->first_si == NONE)
		return 0;
	s = &a->sess[fp->first_si];
	sl = map_find(&a->map, echo_key(g), g->hash);
	if (!sl) {
		if (g->caplen < g->len)
			a->info.cut_unused++;
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
static int analyze_flow(struct ub_analysis *a, uint32_t fi)
{
	const struct flow *f = &a->flows[fi];
	struct flow_pass fp = { f, 0, NONE };
	uint64_t st[2], ec[2], best = 0, rank;
	enum mode mode = MODE_STAMP;
	const struct dgram *g;
	unsigned d, server_on_port;
	uint32_t i;
	int rc, found = 0;

	for (d = 0; d < 2; d++) {
		rc = score(a, f, d, &st[d], &ec[d]);
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
			mode = MODE_STAMP;
			found = 1;
		}
		rank = ec[d] * 4 + server_on_port;
		if (ec[d] && rank > best) {
			best = rank;
			fp.d = d;
			mode = MODE_ECHO;
			found = 1;
		}
	}
	if (!found) {
		/* nothing came back: probes toward one session port are a session that lost all */
		if (f->port_side != 1 && f->port_side != 2)
			return 0;
		fp.d = f->port_side == 2 ? 0 : 1;
	}

	map_reset(&a->map);
	for (i = f->first; i != NONE; i = g->next) {
		g = &a->dg[i];
		if (g->dir == fp.d)
			rc = mode == MODE_STAMP ? stamp_request(a, &fp, i) : echo_request(a, &fp, i);
		else
			rc = mode == MODE_STAMP ? stamp_reply(a, &fp, g) : echo_reply(a, &fp, g);
		if (rc)
			return rc;
	}
	return 0;
}

static int cmp_i64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;

	return (a > b) - (a < b);
}

static int cmp_session(const void *x, const void *y)
{
	const struct session *a = x, *b = y;

	return (a->first_pos > b->first_pos) - (a->first_pos < b->first_pos);
}

/* Median gap between consecutive requests (nearest rank, as ub_stats); 0 with fewer than 2. */
static int median_gap(const struct session *s, int64_t *out)
{
	size_t i, m = s->n - 1;
	int64_t *v;

	*out = 0;
	if (s->n < 2)
		return 0;
	v = malloc(m * sizeof(*v));
	if (!v)
		return UB_E_NOMEM;
	for (i = 0; i < m; i++) {
		v[i] = s->probes[i + 1].tx - s->probes[i].tx;
		if (v[i] < 0)
			v[i] = 0;
	}
	qsort(v, m, sizeof(*v), cmp_i64);
	*out = v[(m + 1) / 2 - 1];
	free(v);
	return 0;
}

static const char *mode_name(enum mode m)
{
	return m == MODE_STAMP ? "stamp" : m == MODE_TEXT ? "text" : "echo";
}

static int finish(struct ub_analysis *a)
{
	struct session *s;
	struct ub_params *p;
	size_t i, n = a->nsess;
	int rc;

	if (n > 1)
		qsort(a->sess, n, sizeof(*a->sess), cmp_session);
	a->params = calloc(n ? n : 1, sizeof(*a->params));
	a->sums = calloc(n ? n : 1, sizeof(*a->sums));
	a->rcs = calloc(n ? n : 1, sizeof(*a->rcs));
	if (!a->params || !a->sums || !a->rcs)
		return UB_E_NOMEM;
	for (i = 0; i < n; i++) {
		s = &a->sess[i];
		p = &a->params[i];
		rc = ub_stats_summary(s->stats, &a->sums[i]);
		if (!rc)
			rc = median_gap(s, &p->interval_ns);
		if (rc)
			return rc;
		/* a capture shows when probes left, not when they were due */
		a->sums[i].sched_missed = 0;
		memset(&a->sums[i].sched_late, 0, sizeof(a->sums[i].sched_late));
		snprintf(p->peer, sizeof(p->peer), "%s", s->server_str);
		snprintf(p->peer_addr, sizeof(p->peer_addr), "%s", s->server_str);
		p->port = (int)ep_port(s->server);
		p->mode = mode_name(s->mode);
		p->proto = "udp";
		p->count = s->n;
		p->size = s->size;
		p->timeout_ns = a->timeout_ns;
		p->start_real_ns = s->probes[0].tx;
		p->clock = "pcap";
		p->label = a->label;
		p->ssid = s->ssid;
		p->dscp = -1;
		p->ttl = -1;
		p->source = "pcap";
		a->rcs[i].foreign = s->foreign;
	}
	return 0;
}

static void free_reading(struct ub_analysis *a)
{
	free(a->dg);
	free(a->flows);
	free(a->ftab);
	free(a->map.s);
	a->dg = NULL;
	a->flows = NULL;
	a->ftab = NULL;
	a->map.s = NULL;
	a->ndg = a->dgcap = a->nflows = a->flowcap = a->ftabcap = a->map.cap = 0;
}

void ub_analysis_free(struct ub_analysis *a)
{
	size_t i;

	if (!a)
		return;
	free_reading(a);
	for (i = 0; i < a->nsess; i++) {
		ub_stats_free(a->sess[i].stats);
		free(a->sess[i].probes);
		free(a->sess[i].ev);
	}
	free(a->sess);
	free(a->params);
	free(a->sums);
	free(a->rcs);
	free(a);
}

static void set_names(struct ub_analysis *a, const struct ub_analyze_config *c)
{
	const char *path = c->path ? c->path : "-", *base;

	if (strcmp(path, "-") == 0)
		path = "stdin";
	snprintf(a->name, sizeof(a->name), "%s", path);
	base = strrchr(path, '/');
	base = base && base[1] ? base + 1 : path;
	snprintf(a->label, sizeof(a->label), "%s", c->label ? c->label : base);
}

int ub_analyze_pcap(pcap_t *p, const struct ub_analyze_config *c, struct ub_analysis **out,
		    struct ub_err *e)
{
	struct ub_analysis *a = NULL;
	size_t i;
	int rc;

	if (out)
		*out = NULL;
	if (!p || !c || !out)
		return ub_err_set(e, UB_E_INVAL, 0, "analyze: no capture");
	a = calloc(1, sizeof(*a));
	if (!a)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	set_names(a, c);
	a->timeout_ns = c->timeout_ns > 0 ? c->timeout_ns : UB_NS_PER_S;
	a->ts_mult = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO ? 1 : 1000;
	a->ports[a->nports++] = UB_DEFAULT_PORT;
	a->ports[a->nports++] = UB_STAMP_PORT;
	if (c->port > 0 && c->port <= 65535 && !is_session_port(a, (unsigned)c->port))
		a->ports[a->nports++] = c->port;
	a->map.gen = 1;
	a->info.linktype = pcap_datalink(p);
	a->info.snaplen = pcap_snapshot(p);

	rc = read_all(a, p);
	for (i = 0; !rc && i < a->nflows; i++)
		rc = analyze_flow(a, (uint32_t)i);
	free_reading(a);
	if (!rc)
		rc = finish(a);
	if (rc) {
		ub_analysis_free(a);
		return ub_err_set(e, UB_E_NOMEM, 0, "%s: %s", c->path ? c->path : "-",
				  rc == UB_E_RANGE ? "too many sessions or probes to analyze"
						   : "out of memory analyzing the capture");
	}
	*out = a;
	return 0;
}

unsigned ub_analysis_count(const struct ub_analysis *a)
{
	return a ? (unsigned)a->nsess : 0;
}

const struct ub_params *ub_analysis_params(const struct ub_analysis *a)
{
	return a->params;
}

const struct ub_summary *ub_analysis_summaries(const struct ub_analysis *a)
{
	return a->sums;
}

const struct ub_run_counters *ub_analysis_counters(const struct ub_analysis *a)
{
	return a->rcs;
}

const char *ub_analysis_client(const struct ub_analysis *a, unsigned i)
{
	return a && i < a->nsess ? a->sess[i].client_str : NULL;
}

uint64_t ub_analysis_dup_requests(const struct ub_analysis *a, unsigned i)
{
	return a && i < a->nsess ? a->sess[i].dup_requests : 0;
}

const struct ub_capture_info *ub_analysis_info(const struct ub_analysis *a)
{
	return &a->info;
}

/* Notes about the file itself: it ended early, packets were cut. */
static void print_notes(const struct ub_analysis *a, FILE *f, enum ub_lang lang)
{
	const struct ub_capture_info *in = &a->info;
	int zh = lang == UB_LANG_ZH;

	if (!f)
		return;
	if (in->truncated)
		fprintf(f,
			TR(zh,
			   "%s: the capture ends early after %" PRIu64
			   " packets (%s); results cover what was read\n",
			   "%s：抓包文件在第 %" PRIu64 " 个包之后提前结束（%s）；结果只包含已读到的部分\n"),
			a->name, in->packets, in->error);
	if (in->cut)
		fprintf(f,
			TR(zh,
			   "%s: %" PRIu64 " packets cut by the snap length (%d bytes), %" PRIu64
			   " of them too short to use\n",
			   "%s：%" PRIu64 " 个包被抓包长度（%d 字节）截断，其中 %" PRIu64
			   " 个太短无法使用\n"),
			a->name, in->cut, in->snaplen, in->cut_unused);
	if (in->undecodable)
		fprintf(f,
			TR(zh, "%s: %" PRIu64 " packets with malformed headers were skipped\n",
			   "%s：跳过了 %" PRIu64 " 个头部损坏的包\n"),
			a->name, in->undecodable);
	fflush(f);
}

static void print_sessions(const struct ub_analysis *a, FILE *f, enum ub_lang lang)
{
	int zh = lang == UB_LANG_ZH;
	const struct session *s;
	unsigned i, n = (unsigned)a->nsess;
	int table = n >= UB_ANALYZE_TABLE_MIN;

	if (table)
		ub_output_table(f, lang, n, a->params, a->sums, a->rcs);
	for (i = 0; i < n; i++) {
		s = &a->sess[i];
		if (i && !table)
			fputc('\n', f);
		fprintf(f,
			TR(zh, "%s: session %u/%u: %s -> %s, SSID 0x%04x",
			   "%s：会话 %u/%u：%s -> %s，SSID 0x%04x"),
			a->name, i + 1, n, s->client_str, s->server_str, s->ssid);
		if (s->dup_requests)
			fprintf(f,
				TR(zh, ", %" PRIu64 " requests seen twice",
				   "，%" PRIu64 " 个请求出现了两次"),
				s->dup_requests);
		fputc('\n', f);
		if (!table)
			ub_output_summary(f, lang, &a->params[i], &a->sums[i], &a->rcs[i]);
	}
	fflush(f);
}

/* "r.csv" for server "10.0.0.7:10000" becomes "r-10.0.0.7_10000.csv", "-2" added for a repeat. */
static char *session_csv_path(const char *path, const char *server, unsigned k)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	size_t stem, n = strlen(path) + strlen(server) + 16;
	char *out = malloc(n), *q, *end;
	char rep[16] = "";

	if (!out)
		return NULL;
	if (!dot || (slash && dot < slash))
		dot = path + strlen(path);
	stem = (size_t)(dot - path);
	if (k > 1)
		snprintf(rep, sizeof(rep), "-%u", k);
	snprintf(out, n, "%.*s-%s%s%s", (int)stem, path, server, rep, dot);
	end = out + stem + 1 + strlen(server);
	for (q = out + stem + 1; q < end; q++)
		if (*q == ':' || *q == '/' || *q == '[' || *q == ']')
			*q = '_';
	return out;
}

/* One row per probe in the order seen, then its replies in arrival order; "lost" when none came. */
static int write_csv(const struct session *s, const char *path, struct ub_err *e)
{
	struct ub_csv_row row;
	struct ub_csv *csv;
	const struct event *ev;
	uint32_t *start = NULL, *order = NULL;
	int64_t t0 = s->probes[0].tx;
	size_t i, j;

	start = calloc(s->n + 1, sizeof(*start));
	order = malloc((s->nev ? s->nev : 1) * sizeof(*order));
	if (!start || !order) {
		free(start);
		free(order);
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	}
	/* a counting sort by probe keeps each probe's replies in arrival order */
	for (i = 0; i < s->nev; i++)
		start[s->ev[i].idx + 1]++;
	for (i = 0; i < s->n; i++)
		start[i + 1] += start[i];
	for (i = 0; i < s->nev; i++)
		order[start[s->ev[i].idx]++] = (uint32_t)i;
	for (i = s->n; i > 0; i--)
		start[i] = start[i - 1];
	start[0] = 0;

	csv = ub_csv_open(path, 0, e);
	if (!csv) {
		free(start);
		free(order);
		return e ? e->code : UB_E_IO;
	}
	for (i = 0; i < s->n; i++) {
		memset(&row, 0, sizeof(row));
		row.seq = s->probes[i].wire_seq;
		row.tx_ns = s->probes[i].tx - t0;
		row.status = UB_ST_LOST;
		row.ttl = -1;
		if (start[i] == start[i + 1])
			ub_csv_row(csv, &row);
		for (j = start[i]; j < start[i + 1]; j++) {
			ev = &s->ev[order[j]];
			row.has_rx = 1;
			row.rx_ns = ev->rx - t0;
			row.rtt_ns = ev->rtt;
			row.status = (enum ub_status)ev->status;
			row.reordered = ev->reordered;
			row.has_refl = ev->has_refl;
			row.refl_seq = ev->refl_seq;
			row.refl_rx_ns = ev->t2;
			row.refl_tx_ns = ev->t3;
			row.ttl = ev->ttl;
			ub_csv_row(csv, &row);
		}
	}
	free(start);
	free(order);
	return ub_csv_close(csv, e);
}

static int write_csvs(const struct ub_analysis *a, const char *path, struct ub_err *e)
{
	unsigned i, j, k;
	char *p;
	int rc = 0;

	for (i = 0; i < a->nsess && !rc; i++) {
		if (a->nsess == 1 || strcmp(path, "-") == 0) {
			rc = write_csv(&a->sess[i], path, e);
			continue;
		}
		for (j = 0, k = 1; j < i; j++)
			if (strcmp(a->sess[j].server_str, a->sess[i].server_str) == 0)
				k++;
		p = session_csv_path(path, a->sess[i].server_str, k);
		if (!p)
			return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		rc = write_csv(&a->sess[i], p, e);
		free(p);
	}
	return rc;
}

int ub_analysis_write(const struct ub_analysis *a, const struct ub_analyze_config *c,
		      struct ub_err *e)
{
	int rc = 0;

	if (!a || !c)
		return ub_err_set(e, UB_E_INVAL, 0, "analyze: nothing to write");
	print_notes(a, c->msg, c->lang);
	if (a->nsess == 0)
		return 0;
	if (c->out && !c->quiet)
		print_sessions(a, c->out, c->lang);
	if (c->json_path)
		rc = ub_output_json(c->json_path, (unsigned)a->nsess, a->params, a->sums, a->rcs, e);
	if (!rc && c->csv_path)
		rc = write_csvs(a, c->csv_path, e);
	return rc;
}

static void list_ports(const struct ub_analysis *a, char *buf, size_t len)
{
	size_t n = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = 0; i < a->nports && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%d", i ? ", " : "", a->ports[i]);
}

int ub_analyze_run(const struct ub_analyze_config *c, struct ub_err *e)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "", ports[32];
	struct ub_analysis *a = NULL;
	const char *path;
	struct stat st;
	pcap_t *p = NULL;
	FILE *f;
	int rc, zh;

	if (!c || !c->path)
		return ub_err_set(e, UB_E_INVAL, 0, "analyze: no capture file given");
	path = c->path;
	zh = c->lang == UB_LANG_ZH;
	if (strcmp(path, "-") == 0) {
		f = stdin;
	} else {
		f = fopen(path, "rb");
		/* ub_err_set adds the system's words */
		if (!f)
			return ub_err_set(e, UB_E_IO, errno, TR(zh, "cannot read %s", "无法读取 %s"), path);
		if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
			fclose(f);
			return ub_err_set(e, UB_E_IO, EISDIR, TR(zh, "cannot read %s", "无法读取 %s"), path);
		}
	}
	/* nanosecond stamps whatever the file holds; libpcap scales microsecond files */
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		if (f != stdin)
			fclose(f);
		return ub_err_set(e, UB_E_INVAL, 0,
				  TR(zh, "%s is not a capture file libpcap can read (%s)",
				     "%s 不是 libpcap 能读取的抓包文件（%s）"),
				  path, errbuf);
	}
	rc = ub_analyze_pcap(p, c, &a, e);
	pcap_close(p);
	if (rc < 0)
		return rc;
	if (a->nsess == 0) {
		print_notes(a, c->msg, c->lang);
		list_ports(a, ports, sizeof(ports));
		rc = ub_err_set(e, UB_E_NOREPLY, 0,
				TR(zh,
				   "%s: no STAMP or echo session among %" PRIu64 " packets (%" PRIu64
				   " UDP; ports %s and STAMP-shaped exchanges looked at)%s",
				   "%s：在 %" PRIu64 " 个包（其中 UDP %" PRIu64
				   " 个）中没有找到 STAMP 或回显会话（查看了端口 %s 和形如 STAMP 的交换）%s"),
				a->name, a->info.packets, a->info.udp, ports,
				a->info.truncated ? TR(zh, "; the file ends early", "；文件提前结束") : "");
		ub_analysis_free(a);
		return rc;
	}
	rc = ub_analysis_write(a, c, e);
	ub_analysis_free(a);
	return rc;
}
