/*
 * udpbench: the flows of a capture and the sessions found in them
 * (flows.h): the datagrams kept by flow, the sessions with their probes and
 * replies. Which reply answers which request is decided in pairing.c.
 */
#include "capture/flows.h"

#include <stdlib.h>
#include <string.h>

#include "lib/bigmem.h"
#include "lib/clock.h"
#include "capture/flows_int.h"

/*
 * A 64-bit hash of n octets, eight at a time, for telling datagrams and
 * endpoints apart (not a cryptographic one); seed enters it first.
 */
static uint64_t bytes_hash(const uint8_t *p, size_t n, uint64_t seed)
{
	uint64_t h = (seed + n) * 0x9e3779b97f4a7c15ULL, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = ((h << 29 | h >> 35) ^ w) * 0xff51afd7ed558ccdULL;
	}
	if (n) {
		w = 0;
		memcpy(&w, p, n);
		h = ((h << 29 | h >> 35) ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	h ^= h >> 31;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 29);
}

int ub_flows_reserve(void **p, size_t *cap, size_t need, size_t elem)
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
	q = ub_big_realloc(*p, *cap * elem, c * elem, 0);
	if (!q)
		return UB_E_NOMEM;
	*p = q;
	*cap = c;
	return 0;
}

void ub_flows_release(void *p, size_t cap, size_t elem)
{
	ub_big_free(p, cap * elem);
}

static void ep_key(const struct ub_addr *a, uint8_t k[UB_FLOWS_EP_LEN])
{
	memset(k, 0, UB_FLOWS_EP_LEN);
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

/* The port of endpoint k, kept in network order. */
static unsigned ep_port(const uint8_t k[UB_FLOWS_EP_LEN])
{
	return (unsigned)k[17] << 8 | k[18];
}

static void ep_str(const uint8_t k[UB_FLOWS_EP_LEN], char *buf, size_t len)
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
	return bytes_hash(y, UB_FLOWS_EP_LEN, bytes_hash(x, UB_FLOWS_EP_LEN, 0));
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
		while (t[j] != UB_FLOWS_NONE)
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
	struct ub_flows_flow *f;
	size_t j;
	int rc;

	*dir = 0;
	/* most datagrams belong to the flow of the one before, either way */
	if (fl->last_flow < fl->nflows) {
		f = &fl->flows[fl->last_flow];
		if ((memcmp(f->a, src, UB_FLOWS_EP_LEN) == 0 &&
		     memcmp(f->b, dst, UB_FLOWS_EP_LEN) == 0) ||
		    (memcmp(f->a, dst, UB_FLOWS_EP_LEN) == 0 &&
		     memcmp(f->b, src, UB_FLOWS_EP_LEN) == 0)) {
			*fi = fl->last_flow;
			*dir = memcmp(f->a, src, UB_FLOWS_EP_LEN) != 0;
			return 0;
		}
	}
	if (memcmp(src, dst, UB_FLOWS_EP_LEN) > 0) {
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
	while (fl->ftab[j] != UB_FLOWS_NONE) {
		f = &fl->flows[fl->ftab[j]];
		if (memcmp(f->a, x, UB_FLOWS_EP_LEN) == 0 &&
		    memcmp(f->b, y, UB_FLOWS_EP_LEN) == 0) {
			*fi = fl->last_flow = fl->ftab[j];
			return 0;
		}
		j = (j + 1) & (fl->ftabcap - 1);
	}
	if (fl->nflows >= UB_FLOWS_NONE - 1)
		return UB_E_RANGE;
	rc = ub_flows_reserve((void **)&fl->flows, &fl->flowcap, fl->nflows + 1, sizeof(*fl->flows));
	if (rc)
		return rc;
	f = &fl->flows[fl->nflows];
	memset(f, 0, sizeof(*f));
	memcpy(f->a, x, UB_FLOWS_EP_LEN);
	memcpy(f->b, y, UB_FLOWS_EP_LEN);
	f->state = UB_FLOWS_JUDGING;
	f->first_si = UB_FLOWS_NONE;
	f->port_side =
		(uint8_t)(is_session_port(fl, ep_port(x)) | is_session_port(fl, ep_port(y)) << 1);
	fl->ftab[j] = (uint32_t)fl->nflows;
	*fi = fl->last_flow = (uint32_t)fl->nflows++;
	return 0;
}

/*
 * Reads what pairing needs from the payload into g: its first fields at the
 * unauthenticated offsets, whether it is authenticated (and, with a key,
 * genuine), and a text probe's fields: anywhere in it, or when stamp (a
 * judged STAMP flow, where only a request that is a text probe counts)
 * only at its start in a request. Returns 0, or 1 when the datagram is to
 * be left out (authenticated, with a key, but cut before its HMAC).
 */
static int read_payload(struct ub_flows *fl, const struct ub_udp_view *v, struct ub_flows_dgram *g,
			int stamp, int request)
{
	size_t cap = v->captured_len;
	uint32_t seq;
	int64_t t1;
	uint16_t ssid;
	int at;

	g->flags = 0;
	memset(g->head, 0, UB_FLOWS_HEAD_LEN);
	if (ub_proto_is_auth(v->payload, cap, v->payload_len)) {
		/* Timing fields are in the clear; only the HMAC needs the key (RFC 8762 §4.4). */
		g->flags |= UB_FLOWS_DG_AUTH;
		g->head_len = (uint8_t)ub_proto_auth_to_plain(v->payload, cap, g->head);
		if (fl->keyed) {
			if (cap < UB_STAMP_AUTH_LEN) {
				fl->cut_unused++;
				return 1;
			}
			if (!ub_auth_verify(&fl->key, v->payload, UB_PROTO_AUTH_COVERED,
					    ub_proto_auth_tag(v->payload, cap))) {
				g->flags |= UB_FLOWS_DG_AUTH_BAD;
				fl->auth_failed++;
			}
		}
		return 0;
	}
	g->head_len = (uint8_t)(cap < UB_FLOWS_HEAD_LEN ? cap : UB_FLOWS_HEAD_LEN);
	memcpy(g->head, v->payload, g->head_len);
	/*
	 * Anywhere in the payload: a script may answer "收到: " + probe, past
	 * the head. A judged STAMP flow only asks whether a request is one.
	 */
	if (!stamp)
		at = ub_proto_find_text((const char *)v->payload, cap, &seq, &t1, &ssid);
	else if (request)
		at = ub_proto_text_at_start((const char *)v->payload, cap, &seq, &t1, &ssid);
	else
		at = UB_E_PROTO;
	if (at >= 0) {
		g->flags |= UB_FLOWS_DG_TEXT | (at == 0 ? UB_FLOWS_DG_PROBE : 0);
		g->text_seq = seq;
		g->text_t1 = t1;
		g->text_ssid = ssid;
	}
	return 0;
}

int ub_flows_add(struct ub_flows *fl, const struct ub_udp_view *v, int64_t t)
{
	uint8_t src[UB_FLOWS_EP_LEN], dst[UB_FLOWS_EP_LEN];
	struct ub_flows_dgram g;
	struct ub_flows_flow *f;
	uint32_t fi;
	uint8_t dir;
	int rc, stamp;

	ep_key(&v->src, src);
	ep_key(&v->dst, dst);
	if (v->payload_len < UB_TWL_REQ_MIN && !is_session_port(fl, ep_port(src)) &&
	    !is_session_port(fl, ep_port(dst)))
		return 0;
	rc = flow_get(fl, src, dst, &fi, &dir);
	if (rc)
		return rc;
	f = &fl->flows[fi];
	if (f->state == UB_FLOWS_IGNORED)
		return 0;
	g.t = t;
	g.pos = fl->ndg;
	g.len = (uint32_t)v->payload_len;
	g.caplen = (uint32_t)v->captured_len;
	/* only echoes pair by their bytes: a STAMP flow's are not hashed once it is judged */
	stamp = f->state == UB_FLOWS_PAIRING && f->mode == UB_FLOWS_STAMP;
	g.hash = stamp ? 0 : bytes_hash(v->payload, v->captured_len, v->captured_len);
	g.dir = dir;
	if (read_payload(fl, v, &g, stamp, dir == f->d))
		return 0;
	fl->ndg++;
	return ub_flows_take(fl, f, &g);
}

int ub_flows_new_session(struct ub_flows *fl, const struct ub_flows_flow *f, unsigned d,
			 enum ub_flows_mode m, uint16_t ssid, const struct ub_flows_dgram *g,
			 uint32_t *si)
{
	struct ub_hist_config hc;
	struct ub_stats_config sc;
	struct ub_flows_sess *s;
	int rc;

	if (fl->nsess >= UB_FLOWS_NONE - 1)
		return UB_E_RANGE;
	rc = ub_flows_reserve((void **)&fl->sess, &fl->sesscap, fl->nsess + 1, sizeof(*fl->sess));
	if (rc)
		return rc;
	s = &fl->sess[fl->nsess];
	memset(s, 0, sizeof(*s));
	memcpy(s->client, d == 0 ? f->a : f->b, UB_FLOWS_EP_LEN);
	memcpy(s->server, d == 0 ? f->b : f->a, UB_FLOWS_EP_LEN);
	ep_str(s->client, s->client_str, sizeof(s->client_str));
	ep_str(s->server, s->server_str, sizeof(s->server_str));
	s->mode = m;
	s->ssid = ssid;
	s->keep_events = !fl->summary_only && !fl->no_events;
	s->first_pos = g->pos;
	s->size = g->len;
	ub_stats_config_init(&sc);
	sc.timeout_ns = fl->timeout_ns;
	sc.interval_ns = 0;
	/* a capture shows when probes left, not when they were due */
	sc.unscheduled = 1;
	sc.stateful = m == UB_FLOWS_STAMP;
	sc.summary_only = fl->summary_only;
	sc.window = UB_FLOWS_SUMMARY_PROBES;
	/* counted now, so that the session is freed with the others whatever happens next */
	fl->nsess++;
	s->stats = ub_stats_new(&sc);
	if (!s->stats)
		return UB_E_NOMEM;
	if (fl->summary_only) {
		ub_hist_config_init(&hc);
		s->gaps = ub_hist_new(&hc);
		if (!s->gaps)
			return UB_E_NOMEM;
	}
	*si = (uint32_t)(fl->nsess - 1);
	return 0;
}

struct ub_flows_probe *ub_flows_probe_at(struct ub_flows_sess *s, uint32_t idx)
{
	if (idx >= s->n)
		return NULL;
	if (!s->gaps)
		return &s->probes[idx];
	/* a ring that grows to UB_FLOWS_SUMMARY_PROBES; until then it holds every probe */
	if (s->n - idx > s->probecap)
		return NULL;
	return &s->probes[idx & (s->probecap - 1)];
}

/* Records a new probe of s; returns its index or a negative code. */
int64_t ub_flows_add_probe(struct ub_flows_sess *s, const struct ub_flows_dgram *g,
			   uint32_t wire_seq)
{
	struct ub_flows_probe *p;
	uint32_t idx;
	int rc;

	if (s->n >= UB_FLOWS_NONE - 1)
		return UB_E_RANGE;
	if (!s->gaps || s->probecap < UB_FLOWS_SUMMARY_PROBES) {
		rc = ub_flows_reserve((void **)&s->probes, &s->probecap, s->n + 1, sizeof(*s->probes));
		if (rc)
			return rc;
	}
	idx = (uint32_t)s->n;
	rc = ub_stats_sent(s->stats, idx, g->t, 0);
	if (!rc && s->gaps && idx > 0)
		rc = ub_hist_record(s->gaps, g->t > s->last_tx ? g->t - s->last_tx : 0);
	if (rc)
		return rc;
	if (idx == 0) {
		s->first_tx = g->t;
		s->first_seq = wire_seq;
	}
	s->last_tx = g->t;
	s->n++;
	p = ub_flows_probe_at(s, idx);
	p->tx = g->t;
	p->wire_seq = wire_seq;
	p->len = g->len;
	p->answered = 0;
	return idx;
}

static int add_event(struct ub_flows_sess *s, const struct ub_flows_event *ev)
{
	int rc = ub_flows_reserve((void **)&s->ev, &s->evcap, s->nev + 1, sizeof(*s->ev));

	if (rc)
		return rc;
	s->ev[s->nev++] = *ev;
	return 0;
}

/* Feeds one reply to ub_stats and keeps it for the CSV. */
int ub_flows_record_reply(struct ub_flows_sess *s, struct ub_reply *r, struct ub_flows_event *ev)
{
	int st, reordered = 0;
	struct ub_flows_probe *p;

	st = ub_stats_reply(s->stats, r, &reordered);
	if (st == UB_E_NOMEM)
		return st;
	if (st < 0) {
		s->foreign++;
		return 0;
	}
	p = ub_flows_probe_at(s, r->seq);
	if (p)
		p->answered = 1;
	if (!s->keep_events)
		return 0; /* summary_only, or no CSV asked for: no replies kept */
	ev->idx = r->seq;
	ev->rx = r->rx_ns;
	ev->rtt = r->rtt_ns;
	ev->status = (uint8_t)st;
	ev->reordered = (uint8_t)reordered;
	return add_event(s, ev);
}

static int cmp_session(const void *x, const void *y)
{
	const struct ub_flows_sess *a = x, *b = y;

	return (a->first_pos > b->first_pos) - (a->first_pos < b->first_pos);
}

static void free_reading(struct ub_flows *fl)
{
	size_t i;

	for (i = 0; i < fl->nflows; i++) {
		ub_flows_release(fl->flows[i].buf, fl->flows[i].bufcap, sizeof(*fl->flows[i].buf));
		ub_flows_map_free(&fl->flows[i].map);
		ub_flows_map_free(&fl->flows[i].old);
	}
	ub_flows_release(fl->flows, fl->flowcap, sizeof(*fl->flows));
	free(fl->ftab);
	fl->flows = NULL;
	fl->ftab = NULL;
	fl->nflows = fl->flowcap = fl->ftabcap = 0;
	fl->last_flow = UB_FLOWS_NONE;
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
	if (c->key) {
		fl->key = *c->key;
		fl->keyed = 1;
	}
	fl->timeout_ns = c->timeout_ns > 0 ? c->timeout_ns : UB_NS_PER_S;
	fl->summary_only = c->summary_only;
	fl->no_events = c->no_events;
	fl->last_flow = UB_FLOWS_NONE;
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
		ub_hist_free(fl->sess[i].gaps);
		ub_flows_release(fl->sess[i].probes, fl->sess[i].probecap,
				 sizeof(*fl->sess[i].probes));
		ub_flows_release(fl->sess[i].ev, fl->sess[i].evcap, sizeof(*fl->sess[i].ev));
		ub_flows_release(fl->sess[i].num_idx, fl->sess[i].num_cap,
				 sizeof(*fl->sess[i].num_idx));
	}
	ub_flows_release(fl->sess, fl->sesscap, sizeof(*fl->sess));
	/* The key is a secret: leave no copy in freed memory. */
	explicit_bzero(&fl->key, sizeof(fl->key));
	free(fl);
}

void ub_flows_done_reading(struct ub_flows *fl)
{
	size_t i;

	free_reading(fl);
	for (i = 0; i < fl->nsess; i++) {
		ub_flows_release(fl->sess[i].num_idx, fl->sess[i].num_cap,
				 sizeof(*fl->sess[i].num_idx));
		fl->sess[i].num_idx = NULL;
		fl->sess[i].num_cap = 0;
	}
	if (fl->nsess > 1)
		qsort(fl->sess, fl->nsess, sizeof(*fl->sess), cmp_session);
}

unsigned ub_flows_count(const struct ub_flows *fl)
{
	return fl ? (unsigned)fl->nsess : 0;
}

int ub_flows_session(const struct ub_flows *fl, unsigned i, struct ub_flows_session *s)
{
	const struct ub_flows_sess *in;

	if (!fl || i >= fl->nsess)
		return UB_E_RANGE;
	in = &fl->sess[i];
	s->client_str = in->client_str;
	s->server_str = in->server_str;
	s->server_port = ep_port(in->server);
	s->mode = in->mode;
	s->authenticated = in->authenticated;
	s->ssid = in->ssid;
	s->size = in->size;
	s->stats = in->stats;
	s->probes = in->gaps ? NULL : in->probes;
	s->n = in->n;
	s->first_tx = in->first_tx;
	s->first_seq = in->first_seq;
	s->gaps = in->gaps;
	s->ev = in->ev;
	s->nev = in->nev;
	s->dup_requests = in->dup_requests;
	s->foreign = in->foreign;
	s->auth_failed = in->auth_failed;
	s->size_mismatch = in->size_mismatch;
	return 0;
}

uint64_t ub_flows_cut_unused(const struct ub_flows *fl)
{
	return fl ? fl->cut_unused : 0;
}

uint64_t ub_flows_auth_failed(const struct ub_flows *fl)
{
	return fl ? fl->auth_failed : 0;
}
