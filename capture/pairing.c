/*
 * udpbench: the pairing rules of `udpbench analyze` (pairing.h): in one
 * flow, which end asks and how the other answers (judged from the flow's
 * first UB_FLOWS_DECIDE datagrams), and which reply answers which request
 * (as each datagram is read from then on). flows.c keeps what is found.
 */
#include "capture/pairing.h"

#include <stdlib.h>
#include <string.h>

#include "capture/flows_int.h"
#include "lib/bigmem.h"
#include "lib/clock.h"
#include "stamp/proto.h"

/*
 * Key tags in the top octet of k1: one table serves every lookup of a flow.
 * Below the tag, 24 bits of what else the key is, then the running number.
 */
enum { TAG_PAIR = 1, TAG_SEQ = 2, TAG_ECHO = 3, TAG_SSID = 4, TAG_TEXT = 5 };

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t key1(unsigned tag, uint32_t what, uint32_t run)
{
	return (uint64_t)tag << 56 | (uint64_t)(what & 0xffffff) << 32 | run;
}

/* A table of cap empty slots, or NULL. */
static struct ub_flows_slot *tab_new(size_t cap)
{
	if (cap > SIZE_MAX / sizeof(struct ub_flows_slot))
		return NULL;
	return ub_big_alloc(cap * sizeof(struct ub_flows_slot));
}

/* m's slots, their entries where they were, followed by as many empty ones; 0 or UB_E_NOMEM. */
static int tab_double(struct ub_flows_map *m)
{
	size_t n = m->cap * sizeof(*m->s);
	struct ub_flows_slot *s;

	if (n > SIZE_MAX / 4)
		return UB_E_NOMEM;
	s = ub_big_realloc(m->s, n, 2 * n, 1);
	if (!s)
		return UB_E_NOMEM;
	m->s = s;
	m->cap *= 2;
	return 0;
}

void ub_flows_map_free(struct ub_flows_map *m)
{
	ub_big_free(m->s, m->cap * sizeof(*m->s));
	m->s = NULL;
	m->cap = m->n = 0;
}

/* Empties m: no key is 0 (a tag fills its top octet), so a zeroed slot is an empty one. */
static void map_reset(struct ub_flows_map *m)
{
	if (m->n)
		memset(m->s, 0, m->cap * sizeof(*m->s));
	m->n = 0;
	m->mixed = 0;
}

/* Where (k1, k2) would sit in a table of any size: its low bits. */
static uint64_t map_home(const struct ub_flows_map *m, uint64_t k1, uint64_t k2)
{
	if (m->mixed)
		return mix64(k1 ^ mix64(k2));
	return (mix64(k1 >> 4) & ~(uint64_t)15) | (k1 & 15);
}

/* The slot of (k1, k2) or the empty one where it would go; *steps: slots passed on the way. */
static size_t map_pos(const struct ub_flows_map *m, uint64_t k1, uint64_t k2, size_t *steps)
{
	size_t i = (size_t)map_home(m, k1, k2) & (m->cap - 1), n = 0;

	/* never full, so an empty slot ends every probe */
	while (m->s[i].k1 && (m->s[i].k1 != k1 || m->s[i].k2 != k2)) {
		i = (i + 1) & (m->cap - 1);
		n++;
	}
	*steps = n;
	return i;
}

static struct ub_flows_slot *map_find(const struct ub_flows_map *m, uint64_t k1, uint64_t k2)
{
	size_t i, steps;

	if (!m->cap)
		return NULL;
	i = map_pos(m, k1, k2, &steps);
	return m->s[i].k1 ? &m->s[i] : NULL;
}

/* Moves m's entries to a table of cap slots (a power of two, not smaller than m's), mixed or not. */
static int map_rehash(struct ub_flows_map *m, size_t cap, int mixed)
{
	struct ub_flows_map nm = { NULL, cap, 0, mixed };
	size_t i, j, steps;

	nm.s = tab_new(cap);
	if (!nm.s)
		return UB_E_NOMEM;
	for (i = 0; i < m->cap; i++) {
		if (!m->s[i].k1)
			continue;
		j = map_pos(&nm, m->s[i].k1, m->s[i].k2, &steps);
		nm.s[j] = m->s[i];
		nm.n++;
	}
	ub_flows_map_free(m);
	*m = nm;
	return 0;
}

/*
 * Doubles m in place. A cluster (filled slots between two empty ones)
 * holds every key whose home is in it and reaches no further; doubled,
 * those homes stay in the cluster's span or move up by the old size,
 * where no other cluster's keys can land. So each cluster is lifted out
 * and put back on its own, the rest of the table untouched.
 */
static int map_double(struct ub_flows_map *m)
{
	size_t old = m->cap, start, i, j, k, n, tmpcap = 0, steps;
	struct ub_flows_slot *s, *tmp = NULL;
	int rc;

	rc = tab_double(m);
	if (rc)
		return rc;
	s = m->s;
	/* at most half full: there is an empty slot to start from */
	for (start = 0; s[start].k1; start++)
		;
	for (i = (start + 1) & (old - 1); i != start; i = (i + 1) & (old - 1)) {
		if (!s[i].k1)
			continue;
		for (j = i, n = 0; s[j].k1; j = (j + 1) & (old - 1))
			n++;
		rc = ub_flows_reserve((void **)&tmp, &tmpcap, n, sizeof(*tmp));
		if (rc)
			break;
		for (j = i, k = 0; k < n; j = (j + 1) & (old - 1), k++) {
			tmp[k] = s[j];
			s[j].k1 = 0;
		}
		for (k = 0; k < n; k++)
			s[map_pos(m, tmp[k].k1, tmp[k].k2, &steps)] = tmp[k];
		/* on from the empty slot that closed the cluster */
		i = (j - 1) & (old - 1);
	}
	ub_flows_release(tmp, tmpcap, sizeof(*tmp));
	return rc;
}

/*
 * Makes room for n entries at once, where growing by doubling would build
 * and fill every table on the way; n is what a pass over a flow will put
 * in, told by how many datagrams the asking end sent.
 */
static int map_reserve(struct ub_flows_map *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 256;

	while (cap / 2 <= n) {
		if (cap > SIZE_MAX / 4 / sizeof(*m->s))
			return UB_E_NOMEM;
		cap *= 2;
	}
	return cap > m->cap ? map_rehash(m, cap, m->mixed) : 0;
}

/* Stores v1, v2 under (k1, k2); an existing entry is overwritten only when replace. */
static int map_put(struct ub_flows_map *m, uint64_t k1, uint64_t k2, uint32_t v1, uint32_t v2,
		   int replace)
{
	struct ub_flows_slot *s;
	size_t i, steps;
	int rc;

	if ((m->n + 1) * 2 > m->cap) {
		rc = m->cap ? map_double(m) : map_rehash(m, 256, m->mixed);
		if (rc)
			return rc;
	}
	i = map_pos(m, k1, k2, &steps);
	if (steps > UB_FLOWS_MAP_RUN && !m->mixed) {
		rc = map_rehash(m, m->cap, 1);
		if (rc)
			return rc;
		i = map_pos(m, k1, k2, &steps);
	}
	s = &m->s[i];
	if (s->k1 && !replace)
		return 0;
	if (!s->k1)
		m->n++;
	s->k1 = k1;
	s->k2 = k2;
	s->v1 = v1;
	s->v2 = v2;
	return 0;
}

/* A datagram by its bytes (k2: their hash, which covers the captured length too). */
static uint64_t echo_key(const struct ub_flows_dgram *g)
{
	uint32_t first = (uint32_t)g->head[0] << 24 | (uint32_t)g->head[1] << 16 |
			 (uint32_t)g->head[2] << 8 | g->head[3];

	return key1(TAG_ECHO, g->len, first);
}

static uint64_t pair_key(uint32_t seq)
{
	return key1(TAG_PAIR, 0, seq);
}

static uint64_t seq_key(uint16_t ssid, uint32_t num)
{
	return key1(TAG_SEQ, ssid, num);
}

static uint64_t ssid_key(uint16_t ssid)
{
	return key1(TAG_SSID, 0, ssid);
}

/* A text probe by its SSID and number (k2: its T1), wherever in a datagram it was found. */
static uint64_t text_key(const struct ub_flows_dgram *g)
{
	return key1(TAG_TEXT, g->text_ssid, g->text_seq);
}

/* The size of a reply to a request of n octets: n (RFC 8762 §4.3), or 41 (RFC 5357 §4.2.1). */
static uint32_t reply_size(uint32_t n)
{
	return n < UB_TWL_REPLY_LEN ? UB_TWL_REPLY_LEN : n;
}

/* A request's number and T1 as kept in g's head; 0, or UB_E_PROTO when the head cuts them. */
static int request_key(const struct ub_flows_dgram *g, uint32_t *seq, uint64_t *t1)
{
	if (ub_proto_seq(g->head, g->head_len, seq) < 0)
		return UB_E_PROTO;
	return ub_proto_req_t1(g->head, g->head_len, t1);
}

/*
 * The request g names when it answers as a STAMP or TWAMP reflector: the
 * sender's seq and T1 it carries. 0, or UB_E_PROTO when g is too short to
 * be a reply or its head cuts them.
 */
static int reply_key(const struct ub_flows_dgram *g, uint32_t *seq, uint64_t *t1)
{
	if (g->len < UB_TWL_REPLY_MIN || ub_proto_reply_sender_seq(g->head, g->head_len, 0, seq) < 0)
		return UB_E_PROTO;
	return ub_proto_reply_sender_ts(g->head, g->head_len, 0, t1);
}

/*
 * Counts the replies from !d that answer a request from d seen before
 * them: carrying its seq and T1 at 24..35 (STAMP, TWAMP-light), or the same
 * bytes or the same text probe (echo). Off the session ports, a STAMP reply
 * must also be of the size a reflector gives (or TWAMP-light's short 38).
 * Datagrams that failed the key's HMAC check count for nothing.
 */
static int score(struct ub_flows_flow *f, unsigned d, uint64_t *stamp, uint64_t *echo)
{
	struct ub_flows_map *m = &f->map;
	const struct ub_flows_dgram *g;
	const struct ub_flows_slot *s;
	uint32_t seq;
	uint64_t t1;
	size_t i;
	int rc;

	*stamp = *echo = 0;
	map_reset(m);
	/* a STAMP request puts at most three entries: its pair, its bytes, its text */
	rc = map_reserve(m, 3 * f->nbuf);
	if (rc)
		return rc;
	for (i = 0; i < f->nbuf; i++) {
		g = &f->buf[i];
		if (g->flags & UB_FLOWS_DG_AUTH_BAD)
			continue;
		if (g->dir == d) {
			if (g->len >= UB_TWL_REQ_MIN && request_key(g, &seq, &t1) == 0 && t1 != 0) {
				rc = map_put(m, pair_key(seq), t1, g->len, 0, 0);
				if (rc)
					return rc;
			}
			rc = map_put(m, echo_key(g), g->hash, 0, 0, 0);
			if (!rc && (g->flags & UB_FLOWS_DG_PROBE))
				rc = map_put(m, text_key(g), (uint64_t)g->text_t1, 0, 0, 0);
			if (rc)
				return rc;
			continue;
		}
		if (reply_key(g, &seq, &t1) == 0) {
			s = map_find(m, pair_key(seq), t1);
			if (s && (f->port_side || reply_size(s->v1) == g->len ||
				  g->len == UB_TWL_REPLY_MIN))
				(*stamp)++;
		}
		if (map_find(m, echo_key(g), g->hash) ||
		    ((g->flags & UB_FLOWS_DG_TEXT) && map_find(m, text_key(g), (uint64_t)g->text_t1)))
			(*echo)++;
	}
	return 0;
}

/* The entry of (k1, k2) in f's tables, the newer one first; NULL when neither has it. */
static struct ub_flows_slot *flow_find(const struct ub_flows_flow *f, uint64_t k1, uint64_t k2)
{
	struct ub_flows_slot *s = map_find(&f->map, k1, k2);

	return s || !f->old.n ? s : map_find(&f->old, k1, k2);
}

/*
 * summary_only: before request g goes in, a full or old newer table
 * becomes the older one, and the older one is dropped; the flow's SSIDs
 * stay known.
 */
static int flow_age(struct ub_flows *fl, struct ub_flows_flow *f, const struct ub_flows_dgram *g)
{
	struct ub_flows_map t;
	size_t i;
	int rc;

	if (!fl->summary_only)
		return 0;
	if (f->map.n == 0)
		f->map_t0 = g->t;
	if (f->map.n < UB_FLOWS_SUMMARY_KEYS && g->t - f->map_t0 <= 2 * fl->timeout_ns)
		return 0;
	t = f->old;
	f->old = f->map;
	f->map = t;
	map_reset(&f->map);
	f->map_t0 = g->t;
	for (i = 0; i < f->old.cap; i++) {
		const struct ub_flows_slot *s = &f->old.s[i];

		if (s->k1 >> 56 == TAG_SSID) {
			rc = map_put(&f->map, s->k1, s->k2, s->v1, s->v2, 0);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/*
 * The probe of s numbered num (the flow's table knows it by seq_key), or
 * UB_FLOWS_NONE. summary_only keeps every number in the aging tables.
 */
static uint32_t num_find(const struct ub_flows *fl, const struct ub_flows_flow *f,
			 const struct ub_flows_sess *s, uint16_t ssid, uint32_t num)
{
	const struct ub_flows_slot *sl;
	uint32_t off = num - s->num_base;

	if (off < s->num_cap && s->num_idx[off])
		return s->num_idx[off] - 1;
	if (!fl->summary_only && !s->num_in_table)
		return UB_FLOWS_NONE;
	sl = flow_find(f, seq_key(ssid, num), 0);
	return sl ? sl->v1 : UB_FLOWS_NONE;
}

/*
 * Notes that probe idx of s is numbered num. exact: in s's array while the
 * numbers stay within twice as many as s has probes (and 2048) of the
 * first one, else in the flow's table.
 */
static int num_put(const struct ub_flows *fl, struct ub_flows_flow *f, struct ub_flows_sess *s,
		   uint16_t ssid, uint32_t num, uint32_t idx)
{
	size_t old = s->num_cap;
	uint32_t off;
	int rc;

	if (fl->summary_only)
		return map_put(&f->map, seq_key(ssid, num), 0, idx, 0, 0);
	if (!old && !s->num_in_table)
		s->num_base = num;
	off = num - s->num_base;
	if (off >= old && (old || !s->num_in_table) && off < 2 * (s->n + 1024)) {
		rc = ub_flows_reserve((void **)&s->num_idx, &s->num_cap, (size_t)off + 1,
				      sizeof(*s->num_idx));
		if (rc)
			return rc;
		memset(s->num_idx + old, 0, (s->num_cap - old) * sizeof(*s->num_idx));
	}
	if (off < s->num_cap) {
		s->num_idx[off] = idx + 1;
		return 0;
	}
	s->num_in_table++;
	return map_put(&f->map, seq_key(ssid, num), 0, idx, 0, 0);
}

/*
 * A request: STAMP (44 octets or more, RFC 8762 §4.2), TWAMP-light (14 or
 * more, RFC 5357 §4.1.2: no SSID), or a text probe a STAMP reflector took
 * for one. Replies pair by the octets a reflector copies (seq and T1 as
 * they were on the wire); a text probe's number is read from its text.
 */
static int stamp_request(struct ub_flows *fl, struct ub_flows_flow *f,
			 const struct ub_flows_dgram *g)
{
	const struct ub_flows_slot *sl;
	uint32_t seq, num, si, prev;
	uint16_t ssid;
	uint64_t t1;
	int64_t idx;
	int rc;

	if (g->len < UB_TWL_REQ_MIN)
		return 0;
	/* TWAMP-light has no SSID (RFC 5357 §4.1.2) */
	ssid = 0;
	if (request_key(g, &seq, &t1) < 0 ||
	    (g->len >= UB_STAMP_LEN && ub_proto_req_ssid(g->head, g->head_len, &ssid) < 0)) {
		if (g->caplen < g->len)
			fl->cut_unused++;
		return 0;
	}
	num = g->flags & UB_FLOWS_DG_PROBE ? g->text_seq : seq;
	rc = flow_age(fl, f, g);
	if (rc)
		return rc;
	sl = map_find(&f->map, ssid_key(ssid), 0);
	if (sl) {
		si = sl->v1;
	} else {
		rc = ub_flows_new_session(fl, f, f->d, UB_FLOWS_STAMP, ssid, g, &si);
		if (!rc)
			rc = map_put(&f->map, ssid_key(ssid), 0, si, 0, 0);
		if (rc)
			return rc;
		if (f->first_si == UB_FLOWS_NONE)
			f->first_si = si;
	}
	if (g->flags & UB_FLOWS_DG_AUTH)
		fl->sess[si].authenticated = 1;
	prev = num_find(fl, f, &fl->sess[si], ssid, num);
	if (prev != UB_FLOWS_NONE) {
		/* the same number again counts once; its T1 may still be answered */
		fl->sess[si].dup_requests++;
		return map_put(&f->map, pair_key(seq), t1, si, prev, 0);
	}
	idx = ub_flows_add_probe(&fl->sess[si], g, num);
	if (idx < 0)
		return (int)idx;
	rc = num_put(fl, f, &fl->sess[si], ssid, num, (uint32_t)idx);
	if (!rc)
		rc = map_put(&f->map, pair_key(seq), t1, si, (uint32_t)idx, 0);
	return rc;
}

/* The session of g's SSID, else the flow's first one; NULL while it has none. */
static struct ub_flows_sess *session_of(struct ub_flows *fl, const struct ub_flows_flow *f,
					const struct ub_flows_dgram *g)
{
	const struct ub_flows_slot *sl = NULL;
	uint16_t ssid;

	if (f->first_si == UB_FLOWS_NONE)
		return NULL;
	if (f->mode == UB_FLOWS_STAMP && ub_proto_req_ssid(g->head, g->head_len, &ssid) == 0)
		sl = map_find(&f->map, ssid_key(ssid), 0);
	return &fl->sess[sl ? sl->v1 : f->first_si];
}

/* A reply that matched no request: counted against the session of its SSID, or the flow's first. */
static void foreign_reply(struct ub_flows *fl, const struct ub_flows_flow *f,
			  const struct ub_flows_dgram *g)
{
	struct ub_flows_sess *s = session_of(fl, f, g);

	if (s)
		s->foreign++;
}

/* A datagram that failed the key's HMAC check: left out, counted against its session. */
static void auth_failed(struct ub_flows *fl, struct ub_flows_flow *f, const struct ub_flows_dgram *g)
{
	struct ub_flows_sess *s = session_of(fl, f, g);

	if (s)
		s->auth_failed++;
	else
		f->auth_failed++;
}

static int stamp_reply(struct ub_flows *fl, struct ub_flows_flow *f, const struct ub_flows_dgram *g)
{
	uint8_t buf[UB_STAMP_LEN];
	struct ub_stamp_reply rep;
	struct ub_reply r;
	struct ub_flows_event ev;
	const struct ub_flows_slot *sl;
	struct ub_flows_sess *s;
	const struct ub_flows_probe *p;
	int64_t total = 0, proc;
	int rs = 0, ss = 0;
	uint32_t seq;
	uint64_t t1;

	if (reply_key(g, &seq, &t1) < 0) {
		if (g->len >= UB_TWL_REPLY_MIN && g->caplen < g->len)
			fl->cut_unused++;
		else
			foreign_reply(fl, f, g);
		return 0;
	}
	sl = flow_find(f, pair_key(seq), t1);
	if (!sl) {
		foreign_reply(fl, f, g);
		return 0;
	}
	s = &fl->sess[sl->v1];
	/* NULL: summary_only, a probe too old to be kept; ub_stats counts the reply late */
	p = ub_flows_probe_at(s, sl->v2);
	/* a reply cut after T1 still holds every field the RTT needs; the rest reads as zero */
	memcpy(buf, g->head, UB_FLOWS_HEAD_LEN);
	ub_proto_decode_reply(buf, sizeof(buf), &rep);

	memset(&r, 0, sizeof(r));
	memset(&ev, 0, sizeof(ev));
	/* Each timestamp in the format its own error estimate's Z bit names (RFC 8762 §4.2.1). */
	ev.t2 = ub_proto_ts_ns(rep.rx_ts, rep.err_est);
	ev.t3 = ub_proto_ts_ns(rep.ts, rep.err_est);
	/* RFC 8762 §4.3 wants the request's size back; RFC 5357 §4.2.1 at least 41 octets. */
	if (p && g->len != reply_size(p->len))
		s->size_mismatch++;
	if (p)
		total = g->t - p->tx;
	if (total < 0)
		total = 0; /* the capture's clock stepped back */
	proc = ev.t3 - ev.t2;
	/* as the live sender: a reflector whose stamps make no sense gets T4 - T1 */
	if (proc < 0 || proc >= total)
		proc = 0;
	if (!s->refl_set) {
		s->refl_set = 1;
		if (s->first_seq != 0)
			s->refl_off = sl->v2 - rep.seq;
	}
	r.seq = sl->v2;
	r.rx_ns = g->t;
	r.rtt_ns = total - proc;
	r.has_refl = 1;
	r.refl_seq = rep.seq + s->refl_off;
	r.refl_proc_ns = proc;
	/* both error estimates whole: the head reaches the sender's (TWAMP-light's 38 octets) */
	if (g->head_len >= UB_TWAMP_REPLY_MIN) {
		ub_proto_err_est_ns(rep.err_est, &rs);
		ub_proto_err_est_ns(rep.sender_err_est, &ss);
	}
	if (rs && ss) {
		/* both ends claim synchronised clocks; T4 is the capture's, taken on the sender */
		r.has_owd = 1;
		r.owd_up_ns = ev.t2 - ub_proto_ts_ns(rep.sender_ts, rep.sender_err_est);
		r.owd_down_ns = g->t - ev.t3;
	}
	ev.has_refl = 1;
	ev.refl_seq = rep.seq;
	/* TWAMP-light's 38-octet reply has no TTL */
	ev.ttl = (int16_t)(g->len >= UB_TWL_REPLY_LEN && g->head_len >= UB_TWL_REPLY_LEN ?
			   rep.sender_ttl : -1);
	return ub_flows_record_reply(s, &r, &ev);
}

static int echo_request(struct ub_flows *fl, struct ub_flows_flow *f,
			const struct ub_flows_dgram *g)
{
	const struct ub_flows_slot *sl;
	const struct ub_flows_probe *p;
	struct ub_flows_sess *s;
	enum ub_flows_mode m;
	int64_t idx;
	int rc;

	if (f->first_si == UB_FLOWS_NONE) {
		/* udpbench's printable probes, echoed by a classroom script */
		m = g->flags & UB_FLOWS_DG_PROBE ? UB_FLOWS_TEXT : UB_FLOWS_ECHO;
		rc = ub_flows_new_session(fl, f, f->d, m, m == UB_FLOWS_TEXT ? g->text_ssid : 0, g,
					  &f->first_si);
		if (rc)
			return rc;
	}
	rc = flow_age(fl, f, g);
	if (rc)
		return rc;
	s = &fl->sess[f->first_si];
	sl = flow_find(f, echo_key(g), g->hash);
	if (sl) {
		p = ub_flows_probe_at(s, sl->v1);
		/* the same bytes before an answer and within Tmax: a copy, not a new probe */
		if (p && !p->answered && g->t - p->tx <= fl->timeout_ns) {
			s->dup_requests++;
			return 0;
		}
	}
	idx = ub_flows_add_probe(s, g, (uint32_t)s->n);
	if (idx < 0)
		return (int)idx;
	rc = map_put(&f->map, echo_key(g), g->hash, (uint32_t)idx, 0, 1);
	/* a script that changes what it echoes still answers with the probe's text inside */
	if (!rc && (g->flags & UB_FLOWS_DG_PROBE))
		rc = map_put(&f->map, text_key(g), (uint64_t)g->text_t1, (uint32_t)idx, 0, 1);
	return rc;
}

static int echo_reply(struct ub_flows *fl, struct ub_flows_flow *f, const struct ub_flows_dgram *g)
{
	const struct ub_flows_slot *sl;
	const struct ub_flows_probe *p;
	struct ub_flows_sess *s;
	struct ub_reply r;
	struct ub_flows_event ev;
	int64_t total = 0;

	if (f->first_si == UB_FLOWS_NONE)
		return 0;
	s = &fl->sess[f->first_si];
	sl = flow_find(f, echo_key(g), g->hash);
	if (!sl && (g->flags & UB_FLOWS_DG_TEXT))
		sl = flow_find(f, text_key(g), (uint64_t)g->text_t1);
	if (!sl) {
		if (g->caplen < g->len)
			fl->cut_unused++;
		else
			s->foreign++;
		return 0;
	}
	memset(&r, 0, sizeof(r));
	memset(&ev, 0, sizeof(ev));
	p = ub_flows_probe_at(s, sl->v1);
	if (p)
		total = g->t - p->tx;
	r.seq = sl->v1;
	r.rx_ns = g->t;
	r.rtt_ns = total > 0 ? total : 0;
	ev.ttl = -1;
	return ub_flows_record_reply(s, &r, &ev);
}

/* Pairs datagram g of flow f, whose roles are known. */
static int pair_one(struct ub_flows *fl, struct ub_flows_flow *f, const struct ub_flows_dgram *g)
{
	if (g->flags & UB_FLOWS_DG_AUTH_BAD) {
		auth_failed(fl, f, g);
		if (f->any_good || g->dir != f->d)
			return 0;
	} else if (g->flags & UB_FLOWS_DG_AUTH) {
		f->any_good = 1;
	}
	if (g->dir == f->d)
		return f->mode == UB_FLOWS_STAMP ? stamp_request(fl, f, g) : echo_request(fl, f, g);
	return f->mode == UB_FLOWS_STAMP ? stamp_reply(fl, f, g) : echo_reply(fl, f, g);
}

/*
 * Judges flow f from the datagrams it kept: who asks and how the other end
 * answers; then pairs them. A flow where nothing answers and no end is on a
 * session port is left out, from then on too.
 */
static int judge(struct ub_flows *fl, struct ub_flows_flow *f)
{
	uint64_t st[2], ec[2], best = 0, rank;
	unsigned d, server_on_port;
	size_t i;
	int rc, found = 0;

	for (d = 0; d < 2; d++) {
		rc = score(f, d, &st[d], &ec[d]);
		if (rc)
			return rc;
	}
	f->d = 0;
	f->mode = UB_FLOWS_STAMP;
	/* most answers wins; on a tie STAMP, then the server on a session port */
	for (d = 0; d < 2; d++) {
		server_on_port = (f->port_side >> (1 - d)) & 1;
		rank = st[d] * 4 + 2 + server_on_port;
		if (st[d] && rank > best) {
			best = rank;
			f->d = d;
			f->mode = UB_FLOWS_STAMP;
			found = 1;
		}
		rank = ec[d] * 4 + server_on_port;
		if (ec[d] && rank > best) {
			best = rank;
			f->d = d;
			f->mode = UB_FLOWS_ECHO;
			found = 1;
		}
	}
	map_reset(&f->map);
	if (!found && f->port_side != 1 && f->port_side != 2) {
		f->state = UB_FLOWS_IGNORED;
	} else {
		/* nothing came back: probes toward one session port are a session that lost all */
		if (!found)
			f->d = f->port_side == 2 ? 0 : 1;
		/*
		 * A key that fits none of the flow's packets (the wrong key) still
		 * shows the session: every request sent, none answered, all counted
		 * as failed. With a key that fits some, the ones that fail are left
		 * out: forged.
		 */
		for (i = 0; i < f->nbuf && !f->any_good; i++)
			f->any_good = (f->buf[i].flags & UB_FLOWS_DG_AUTH) &&
				      !(f->buf[i].flags & UB_FLOWS_DG_AUTH_BAD);
		f->state = UB_FLOWS_PAIRING;
		for (i = 0, rc = 0; i < f->nbuf && !rc; i++)
			rc = pair_one(fl, f, &f->buf[i]);
		if (rc)
			return rc;
	}
	ub_flows_release(f->buf, f->bufcap, sizeof(*f->buf));
	f->buf = NULL;
	f->nbuf = f->bufcap = 0;
	return 0;
}

int ub_flows_take(struct ub_flows *fl, struct ub_flows_flow *f, const struct ub_flows_dgram *g)
{
	int rc;

	if (f->state == UB_FLOWS_PAIRING)
		return pair_one(fl, f, g);
	if (f->state != UB_FLOWS_JUDGING)
		return 0;
	rc = ub_flows_reserve((void **)&f->buf, &f->bufcap, f->nbuf + 1, sizeof(*f->buf));
	if (rc)
		return rc;
	f->buf[f->nbuf++] = *g;
	return f->nbuf >= UB_FLOWS_DECIDE ? judge(fl, f) : 0;
}

int ub_flows_judge_rest(struct ub_flows *fl)
{
	struct ub_flows_flow *f;
	size_t i;
	int rc;

	for (i = 0; i < fl->nflows; i++) {
		f = &fl->flows[i];
		if (f->state == UB_FLOWS_JUDGING) {
			rc = judge(fl, f);
			if (rc)
				return rc;
		}
		/* those that failed the HMAC check before the flow's first session belong to it too */
		if (f->first_si != UB_FLOWS_NONE) {
			fl->sess[f->first_si].auth_failed += f->auth_failed;
			f->auth_failed = 0;
		}
	}
	return 0;
}

int ub_flows_pair(struct ub_flows *fl)
{
	int rc = ub_flows_judge_rest(fl);

	ub_flows_done_reading(fl);
	return rc;
}
