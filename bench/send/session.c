#include "send/session_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/net.h"
#include "metrics/output.h"
#include "stamp/proto.h"
#include "send/epochs.h"
#include "send/match.h"

#define UB_RX_BATCH 32
#define UB_TX_BATCH 32    /* probes per sendmmsg in flood mode */
#define UB_RECENT 255     /* replies behind the live line's median */
#define UB_RING_MAX (1u << 20)
#define UB_FLOOD_RING (1u << 18) /* probes a flood keeps in flight at most */
#define UB_FLOOD_GAP_NS 1000      /* a flood's ring assumes at most a million probes a second */

static struct probe *probe_at(struct ub_session *s, uint64_t idx)
{
	return &s->ring[idx & s->ring_mask];
}

struct probe *ub_session_probe_at(struct ub_session *s, uint64_t idx)
{
	return probe_at(s, idx);
}

/* The probe with wire sequence number seq, if it is still remembered. */
static struct probe *probe_by_seq(struct ub_session *s, uint32_t seq)
{
	struct probe *p = &s->ring[seq & s->ring_mask];

	return p->used && p->id.seq == seq ? p : NULL;
}

static int ring_init(struct ub_session *s)
{
	const struct ub_sender_config *c = s->cfg;
	uint64_t want, cap = 1024, max = c->flood ? UB_FLOOD_RING : UB_RING_MAX;

	/*
	 * Room for every probe that can be in flight, twice over, for late
	 * replies. A flood holds back instead while its ring is full.
	 */
	want = 2 * ((uint64_t)(c->timeout_ns / (c->interval_ns > 0 ? c->interval_ns
								    : UB_FLOOD_GAP_NS)) + 2);
	while (cap < want && cap < max)
		cap <<= 1;
	/* Written through now, so the pages a long run would touch are resident from the start. */
	s->ring = malloc(cap * sizeof(*s->ring));
	if (s->ring) /* explicit_bzero: a compiler may turn malloc + memset back into calloc */
		explicit_bzero(s->ring, cap * sizeof(*s->ring));
	if (s->tx_stamps && !s->tp->stream)
		s->txid_idx = calloc(cap, sizeof(*s->txid_idx));
	if (s->tx_stamps && s->tp->stream && ub_txkeys_init(&s->txkeys, (uint32_t)cap) < 0)
		return UB_E_NOMEM;
	if (c->pcap_path)
		s->wire = calloc(cap, sizeof(*s->wire));
	if (c->flood)
		s->floodbufs = calloc(UB_TX_BATCH, sizeof(*s->floodbufs));
	s->ring_mask = (uint32_t)(cap - 1);
	if (!s->ring || (s->tx_stamps && !s->tp->stream && !s->txid_idx) || (c->pcap_path && !s->wire) ||
	    (c->flood && !s->floodbufs))
		return UB_E_NOMEM;
	return 0;
}

static struct wire *wire_of(struct ub_session *s, const struct probe *p)
{
	return s->wire ? &s->wire[p - s->ring] : NULL;
}


static int64_t recent_median(const struct ub_session *s)
{
	int64_t v[UB_RECENT], x;
	unsigned i, j, n = s->n_recent;

	if (n == 0)
		return -1;
	memcpy(v, s->recent, n * sizeof(v[0]));
	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return v[n / 2];
}

/* Counts an ICMP error; a port unreachable before any reply ends the session. */
void ub_session_icmp(struct ub_session *s, int err)
{
	s->rc.icmp_errors++;
	if (err == ECONNREFUSED && !s->first_icmp_at)
		s->first_icmp_at = s->next ? s->next : 1;
	if (err == ECONNREFUSED && s->any_reply == 0)
		s->icmp_refused = 1;
}

/* Takes probe s->next, sent (or not, when !ok) at tx for slot; the ring slot is free. */
static void probe_sent(struct ub_session *s, struct probe *p, int64_t tx, int64_t t1,
		       int64_t late, int ok)
{
	struct wire *w = wire_of(s, p);

	p->id.seq = (uint32_t)s->next;
	p->used = 1;
	p->replied = 0;
	p->decided = 0;
	p->has_txk = 0;
	p->id.text = (uint8_t)s->m.text;
	p->tx_ns = tx;
	p->id.t1_real = t1;
	if (w)
		memset(w, 0, sizeof(*w));
	if (ok && s->tx_stamps && !s->tp->stream) {
		s->stamps_due++;
		p->txid = s->txid_next++;
		s->txid_idx[p->txid & s->ring_mask] = s->next;
	}
	ub_stats_sent(s->stats, p->id.seq, tx, late > 0 ? late : 0);
	ub_intervals_sent(s->iv, s->next, tx - s->start);
	s->next++;
}

/* Probe p, index idx, got no reply within Tmax: its row, its count, its record. */
static void write_off(struct ub_session *s, struct probe *p, uint64_t idx)
{
	struct ub_csv_row row = { .seq = p->id.seq, .tx_ns = p->tx_ns - s->start,
				  .status = UB_ST_LOST, .ttl = -1 };

	ub_csv_row(s->csv, &row);
	p->decided = 1;
	s->lost_so_far++;
	ub_intervals_lost(s->iv, idx);
	if (s->load)
		ub_loadsum_lost(s->load, p->tx_ns - s->start);
}

/* The oldest probe still waiting for a reply within its Tmax, or NULL. */
static struct probe *oldest_waiting(struct ub_session *s)
{
	uint64_t i;

	for (i = s->decide; i < s->next; i++) {
		struct probe *p = probe_at(s, i);

		if (p->used && p->id.seq == (uint32_t)i && !p->decided)
			return p;
	}
	return NULL;
}

void ub_session_send(struct ub_session *s, int64_t slot)
{
	uint32_t seq = (uint32_t)s->next;
	struct probe *p = probe_at(s, s->next);
	int64_t tx, t1, late;
	size_t len;
	int r;

	/* Ping-pong: a reply that carries nothing of its probe is only ever the one outstanding's. */
	if (s->m.mode == UB_MODE_ANY && oldest_waiting(s)) {
		s->rc.sched_skipped++;
		s->rc.pingpong_waits++;
		return;
	}
	/* Only with a ring too small for the rate: give the oldest up now. */
	if (p->used && !p->decided)
		write_off(s, p, s->next - (s->ring_mask + 1ULL));
	t1 = ub_clock_real();
	len = ub_match_encode(&s->m, s->txbuf, seq, t1, s->m.text);
	tx = ub_clock_mono();
	r = s->tp->send(s, s->txbuf, len);
	/*
	 * A probe's latency counts from when it was handed over, on a stream
	 * too: how late this side sent it is its own doing, kept apart as the
	 * schedule's lateness, never the network's.
	 */
	late = tx - slot;
	probe_sent(s, p, tx, t1, late, r == 0);
}



void ub_session_tx_stamp(struct ub_session *s, uint64_t idx, int64_t real_ns,
			 int64_t mono_minus_real)
{
	struct probe *p = probe_at(s, idx);
	int64_t mono = real_ns + mono_minus_real;

	if (!s->tx_stamps || !p->used || p->id.seq != (uint32_t)idx || p->has_txk || idx >= s->next)
		return;
	/* The kernel stamps after the program's clock read and well within Tmax. */
	if (mono < p->tx_ns - 50000 || mono > p->tx_ns + s->tmax_ns)
		return;
	p->tx_kernel = mono;
	p->has_txk = 1;
}

/*
 * When probe p left, on the clock that stamped the reply pk: the kernel's
 * send stamp when both ends of the round trip have kernel stamps.
 */
static int64_t probe_tx(struct ub_session *s, const struct probe *p, const struct ub_pkt *pk)
{
	if (pk->kernel_ts && p->has_txk) {
		s->tx_kernel_used++;
		return p->tx_kernel;
	}
	return p->tx_ns;
}

/* The matcher's questions about the probes, answered from the ring. */
static const struct ub_match_probe *probe_id(void *ctx, uint32_t seq)
{
	struct probe *p = probe_by_seq(ctx, seq);

	return p ? &p->id : NULL;
}

static const struct ub_match_probe *oldest_id(void *ctx)
{
	struct probe *p = oldest_waiting(ctx);

	return p ? &p->id : NULL;
}

/*
 * Fills r and row from a reply of this session and returns its probe, or
 * NULL when the reply matches none (send/match.h says what matches).
 */
static struct probe *match_reply(struct ub_session *s, const struct ub_pkt *pk,
				 struct ub_reply *r, struct ub_csv_row *row)
{
	const struct ub_match_probes ps = { probe_id, oldest_id, s };
	const struct ub_stamp_reply *rep;
	struct ub_match mt;
	struct probe *p;
	int64_t total, t2, t3, proc;

	memset(r, 0, sizeof(*r));
	memset(row, 0, sizeof(*row));
	row->ttl = -1;
	switch (ub_match_reply(&s->m, &ps, pk->buf, pk->len, &mt)) {
	case UB_MATCH_AUTH_FAILED:
		s->rc.auth_failed++;
		return NULL;
	case UB_MATCH_NONE:
		return NULL;
	default:
		break;
	}
	/* the probe's identity is its ring entry's first member */
	p = (struct probe *)(void *)mt.probe;
	r->seq = p->id.seq;
	r->rx_ns = pk->rx_mono_ns;
	r->rtt_ns = pk->rx_mono_ns - probe_tx(s, p, pk);
	if (mt.kind != UB_MATCH_STAMP)
		return p;
	rep = &mt.rep;
	/* RFC 8762 §4.3: a reflector answers with the request's size (a script's answer may differ) */
	if (pk->len != s->cfg->size)
		s->rc.size_mismatch++;
	t2 = ub_proto_ts_ns(rep->rx_ts, rep->err_est);
	t3 = ub_proto_ts_ns(rep->ts, rep->err_est);
	total = r->rtt_ns;
	proc = t3 - t2;
	/* A reflector whose stamps make no sense gets the plain T4 - T1. */
	if (proc < 0 || proc >= total)
		proc = 0;
	r->rtt_ns = total - proc;
	r->has_refl = 1;
	r->refl_seq = ub_epochs_counter(&s->epochs, p->id.seq, rep->seq, rep->rx_ts, &s->rc);
	r->refl_proc_ns = proc;
	{
		int rs = 0, ss = 0;

		ub_proto_err_est_ns(rep->err_est, &rs);
		ub_proto_err_est_ns(rep->sender_err_est, &ss);
		if (rs && ss && s->synced) {
			/* One-way delays only when both clocks say they are synchronised. */
			r->has_owd = 1;
			r->owd_up_ns = t2 - p->id.t1_real;
			r->owd_down_ns = pk->rx_real_ns - t3;
		}
	}
	row->has_refl = 1;
	row->refl_seq = rep->seq;
	row->refl_rx_ns = t2;
	row->refl_tx_ns = t3;
	row->ttl = rep->has_ttl ? rep->sender_ttl : -1;
	return p;
}

/* Takes the round trip of a first reply in time: the live line's figures and the longest so far. */
static void note_rtt(struct ub_session *s, int64_t rtt)
{
	s->ok_so_far++;
	s->last_rtt = rtt;
	ub_rtt_buckets_add(&s->rtt_buckets, rtt);
	if (rtt > s->max_rtt)
		s->max_rtt = rtt;
	s->recent[s->recent_pos] = rtt;
	s->recent_pos = (s->recent_pos + 1) % UB_RECENT;
	if (s->n_recent < UB_RECENT)
		s->n_recent++;
}

/*
 * Once a probe has both its app times and its wire times, the difference is
 * what this host's own stack added: (T4app - T1app) - (T4wire - T1wire).
 */
static void add_stack(struct ub_session *s, struct probe *p)
{
	struct wire *w = wire_of(s, p);

	if (!w || !p->replied || !w->wire_tx || !w->wire_rx)
		return;
	ub_stats_add_stack(s->stats, w->app_rtt - (w->wire_rx - w->wire_tx));
}


/*
 * Auto mode, before anything matched: a reply that carries nothing of any
 * probe is kept (when it came, not what it said). A few of them in a row
 * and the peer answers in its own words: the session turns to ping-pong
 * (any) and takes the kept replies, oldest first, as the answers to the
 * oldest probes waiting. One stray datagram is not enough to turn it.
 */
static void hold_for_any(struct ub_session *s, const struct ub_pkt *pk)
{
	unsigned i, n;

	if (s->m.mode != UB_MODE_AUTO || s->ok_so_far || s->cfg->key)
		return;
	s->held[s->n_held] = *pk;
	s->held[s->n_held].buf = NULL; /* only its times and size are kept */
	s->held[s->n_held].truncated = 0;
	if (++s->n_held < UB_ANY_AFTER)
		return;
	ub_match_settle(&s->m, UB_MODE_ANY);
	n = s->n_held;
	s->n_held = 0;
	for (i = 0; i < n; i++) {
		s->rc.foreign--;
		s->rx_packets--;
		s->any_reply--;
		if (s->held[i].kernel_ts)
			s->rx_kernel_ts--;
		ub_session_reply(s, &s->held[i]);
	}
}

void ub_session_reply(struct ub_session *s, const struct ub_pkt *pk)
{
	struct ub_reply r;
	struct ub_csv_row row;
	struct probe *p = NULL;
	int st, reordered = 0;

	s->rx_packets++;
	/* For a keyed session, only an authenticated reply shows that the peer answers. */
	if (!s->cfg->key)
		s->any_reply++;
	if (pk->kernel_ts)
		s->rx_kernel_ts++;
	if (pk->truncated || !(p = match_reply(s, pk, &r, &row))) {
		s->rc.foreign++;
		hold_for_any(s, pk);
		return;
	}
	if (s->cfg->key)
		s->any_reply++;
	/* Once the sender has written a probe off as lost, a reply to it is late whatever its stamp. */
	if (p->decided && !p->replied && r.rx_ns - p->tx_ns <= s->tmax_ns)
		r.rx_ns = p->tx_ns + s->tmax_ns + 1;
	st = ub_stats_reply(s->stats, &r, &reordered);
	if (st < 0) {
		s->rc.foreign++;
		return;
	}
	row.seq = r.seq;
	row.tx_ns = p->tx_ns - s->start;
	row.has_rx = 1;
	row.rx_ns = pk->rx_mono_ns - s->start;
	row.rtt_ns = r.rtt_ns;
	row.status = (enum ub_status)st;
	row.reordered = reordered;
	if (s->tp->annotate)
		s->tp->annotate(s, &row);
	ub_csv_row(s->csv, &row);
	s->dups_so_far += st == UB_ST_DUP;
	s->late_so_far += st == UB_ST_LATE;
	s->reord_so_far += reordered != 0;
	if (st == UB_ST_OK) {
		p->replied = 1;
		p->decided = 1;
		if (s->wire)
			wire_of(s, p)->app_rtt = pk->rx_mono_ns - p->tx_ns;
		add_stack(s, p);
		note_rtt(s, r.rtt_ns);
		s->heard_ns = pk->rx_mono_ns - s->start;
		ub_intervals_ok(s->iv, s->next - 1 - (uint32_t)((uint32_t)(s->next - 1) - r.seq),
				r.rtt_ns, r.has_refl, r.refl_seq);
		if (s->load)
			ub_loadsum_ok(s->load, p->tx_ns - s->start, r.rtt_ns);
	}
}





void ub_session_expire(struct ub_session *s, int64_t now, int force)
{
	struct probe *p;

	while (s->decide < s->next) {
		p = probe_at(s, s->decide);
		if (p->id.seq != (uint32_t)s->decide || p->decided) {
			s->decide++;
			continue;
		}
		if (!force && !s->broken && p->tx_ns + s->tmax_ns > now)
			break;
		write_off(s, p, s->decide);
		s->decide++;
	}
}

int64_t ub_session_deadline(const struct ub_session *s)
{
	const struct probe *p;

	if (s->decide >= s->next)
		return INT64_MAX;
	p = &s->ring[s->decide & s->ring_mask];
	return s->broken ? 0 : p->tx_ns + s->tmax_ns;
}

int ub_session_fd(const struct ub_session *s)
{
	return s->tp->fd(s);
}

short ub_session_events(const struct ub_session *s)
{
	return s->tp->events(s);
}

void ub_session_start(struct ub_session *s, int64_t start_mono)
{
	s->start = start_mono;
}

unsigned ub_session_send_flood(struct ub_session *s, unsigned n)
{
	int64_t t1[UB_TX_BATCH], tx;
	unsigned i, k;
	int sent, err = 0;

	if (n > UB_TX_BATCH)
		n = UB_TX_BATCH;
	/* Back-pressure: a probe still waiting for its reply keeps its ring slot. */
	for (k = 0; k < n; k++) {
		const struct probe *p = probe_at(s, s->next + k);

		if (p->used && !p->decided)
			break;
		t1[k] = ub_clock_real();
		s->flood[k].buf = s->floodbufs[k];
		s->flood[k].len = ub_match_encode(&s->m, s->floodbufs[k], (uint32_t)(s->next + k),
						  t1[k], s->m.text);
		s->flood[k].peer.len = 0;
		s->flood[k].has_local = 0;
	}
	if (k == 0 || !s->tp->send_batch)
		return 0;
	tx = ub_clock_mono();
	sent = s->tp->send_batch(s, (int)k, &err);
	if (sent < 0) {
		/* A full buffer keeps the probes for the next turn; anything else loses one. */
		if (err == EAGAIN || err == EWOULDBLOCK || !ub_net_soft_error(err))
			return 0;
		probe_sent(s, probe_at(s, s->next), tx, t1[0], 0, 0);
		return 1;
	}
	for (i = 0; i < (unsigned)sent; i++)
		probe_sent(s, probe_at(s, s->next), tx, t1[i], 0, 1);
	return (unsigned)sent;
}

int ub_session_drain(struct ub_session *s, struct ub_err *e)
{
	return s->refused ? 0 : s->tp->drain(s, e);
}

void ub_session_skip(struct ub_session *s, uint64_t n)
{
	s->rc.sched_skipped += n;
}

int64_t ub_session_max_rtt(const struct ub_session *s)
{
	return s->max_rtt;
}

int ub_session_active(const struct ub_session *s)
{
	return !s->icmp_refused && !s->refused;
}

int ub_session_settled(const struct ub_session *s)
{
	return s->decide >= s->next;
}

uint64_t ub_session_sent(const struct ub_session *s)
{
	return s->next;
}

const char *ub_session_peer(const struct ub_session *s)
{
	return s->peer_str;
}

void ub_session_set_loadsum(struct ub_session *s, struct ub_loadsum *ls)
{
	s->load = ls;
}

void ub_session_live(const struct ub_session *s, uint64_t *received, uint64_t *lost,
		     int64_t *last_rtt, int64_t *median_rtt)
{
	*received = s->ok_so_far;
	*lost = s->lost_so_far;
	*last_rtt = s->last_rtt;
	*median_rtt = recent_median(s);
}

void ub_session_now(struct ub_session *s, struct ub_board_now *b)
{
	b->peer = s->peer_arg;
	b->addr = s->peer_str;
	b->sent = s->next;
	b->received = s->ok_so_far;
	b->lost = s->lost_so_far;
	b->rtt_now_ns = s->last_rtt;
	b->heard_ns = s->heard_ns;
	ub_intervals_live(s->iv, s->m.refl_own, &b->has_split, &b->lost_up, &b->lost_down,
			  &b->rtt_median_ns, &b->rtt_p99_ns);
	b->fresh = ub_intervals_fresh(s->iv, &b->n_fresh, &b->fresh_dropped);
	/* once finished, the split every view shows is the summary's */
	if (s->finished) {
		b->has_split = s->sum_split;
		b->lost_up = s->sum_split ? s->sum_up : 0;
		b->lost_down = s->sum_split ? s->sum_down : 0;
	}
	b->duplicates = s->dups_so_far;
	b->reordered = s->reord_so_far;
	b->late = s->late_so_far;
	b->rtt = &s->rtt_buckets;
}

int ub_session_take_interval(struct ub_session *s, struct ub_interval *out)
{
	return ub_intervals_take(s->iv, s->m.refl_own, out);
}

int ub_session_silent(const struct ub_session *s, struct ub_no_reply *why)
{
	if (why) {
		memset(why, 0, sizeof(*why));
		why->auth_failed = s->rc.auth_failed;
		why->unmatched = s->rc.foreign;
		why->refused_after = s->icmp_refused ? s->first_icmp_at : 0;
		why->mode = s->cfg->mode;
		why->said = s->refused ? s->rc.tcp_error : NULL;
	}
	return s->ok_so_far == 0;
}

/* Resolves peer and opens the way the probes travel (UDP, or --tcp's connection). */
static int open_way(struct ub_session *s, const char *peer, struct ub_err *e)
{
	const struct ub_sender_config *c = s->cfg;
	char host[256];
	int port = c->port, rc;

	rc = ub_net_split_hostport(peer, host, sizeof(host), &port, e);
	if (rc == 0)
		rc = ub_net_resolve(host, port, c->family, 0, &s->peer, e);
	if (rc < 0)
		return ub_err_prefix(e, rc, "--peer");
	ub_net_addr_str(&s->peer, s->peer_str, sizeof(s->peer_str));
	s->tp = c->tcp ? &ub_transport_tcp : &ub_transport_udp;
	return s->tp->open(s, e);
}

struct ub_session *ub_session_new(const struct ub_sender_config *c, const char *peer,
				  const char *csv_path, struct ub_err *e)
{
	struct ub_stats_config sc;
	struct ub_intervals_config ic;
	struct ub_session *s;
	int64_t err_ns = 0;
	uint16_t ssid;
	int i;

	s = calloc(1, sizeof(*s));
	if (!s) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	s->cfg = c;
	s->fd = -1;
	s->last_rtt = -1;
	s->heard_ns = -1;
	snprintf(s->peer_arg, sizeof(s->peer_arg), "%s", peer);
	for (i = 0; i < UB_RX_BATCH; i++) {
		s->rx[i].buf = s->rxbufs[i];
		s->rx[i].cap = sizeof(s->rxbufs[i]);
	}
	if (open_way(s, peer, e) < 0)
		goto fail;
	/*
	 * A fresh SSID per session keeps runs and peers apart at the reflector
	 * (RFC 8972); two text characters, so that text probes carry it too.
	 */
	if (getrandom(&ssid, sizeof(ssid), 0) != sizeof(ssid))
		ssid = (uint16_t)ub_clock_mono();
	s->synced = ub_clock_synced(&err_ns);
	ub_match_init(&s->m, c, ub_proto_text_ssid(ssid),
		      (uint16_t)(ub_proto_err_est(s->synced, err_ns) | (c->ptp ? UB_PROTO_EE_Z : 0)));
	if (ring_init(s) < 0) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		goto fail;
	}
	/*
	 * A stream (TCP) never loses a message while the connection lives, it
	 * only makes it wait: write one off only after ten Tmax (at least 10 s).
	 */
	s->tmax_ns = c->timeout_ns;
	if (s->tp->stream)
		s->tmax_ns = 10 * c->timeout_ns > 10 * UB_NS_PER_S ? 10 * c->timeout_ns
								: 10 * UB_NS_PER_S;
	ub_stats_config_init(&sc);
	sc.timeout_ns = s->tmax_ns;
	sc.interval_ns = c->interval_ns;
	sc.stateful = !s->tp->stream && (c->mode == UB_MODE_AUTO || c->mode == UB_MODE_STAMP);
	sc.summary_only = c->summary_only;
	sc.window = s->ring_mask + 1; /* as far back as the probes this session remembers */
	s->stats = ub_stats_new(&sc);
	if (!s->stats) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		goto fail;
	}
	ub_intervals_config_init(&ic);
	if (c->report_interval_ns > 0)
		ic.span_ns = c->report_interval_ns;
	ic.window = s->ring_mask + 1;
	s->iv = ub_intervals_new(&ic);
	if (!s->iv) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		goto fail;
	}
	if (csv_path) {
		s->csv = ub_csv_open(csv_path, s->tp->stream, e);
		/* rows in probe order: at most a ring of probes is in flight (ub_session_send) */
		if (s->csv && ub_csv_order(s->csv, s->ring_mask + 1, e) < 0) {
			ub_csv_close(s->csv, NULL);
			s->csv = NULL;
		}
		if (!s->csv) {
			ub_err_prefix(e, e->code, "--csv");
			goto fail;
		}
	}
	return s;
fail:
	ub_session_free(s);
	return NULL;
}

void ub_session_free(struct ub_session *s)
{
	if (!s)
		return;
	ub_csv_close(s->csv, NULL);
	if (s->tp)
		s->tp->close(s);
	ub_stats_free(s->stats);
	ub_intervals_free(s->iv);
	free(s->ring);
	free(s->wire);
	free(s->txid_idx);
	ub_txkeys_free(&s->txkeys);
	free(s->floodbufs);
	free(s);
}

/* Probes still waiting for a reply whose Tmax has not passed by now. */
static uint64_t unsettled(struct ub_session *s, int64_t now)
{
	uint64_t i, n = 0;

	for (i = s->decide; i < s->next; i++) {
		const struct probe *p = probe_at(s, i);

		n += p->id.seq == (uint32_t)i && !p->decided && p->tx_ns + s->tmax_ns > now;
	}
	return n;
}

int ub_session_finish(struct ub_session *s, int64_t start_real, int interrupted,
		      struct ub_params *p, struct ub_summary *sum, struct ub_run_counters *rc,
		      struct ub_err *e)
{
	const struct ub_sender_config *c = s->cfg;
	enum ub_mode m = s->m.mode;
	int ret;

	if (interrupted)
		s->rc.cut_at_stop = unsettled(s, ub_clock_mono());
	ub_session_expire(s, 0, 1);
	/* Every probe is decided: the rows held for their place go out, and their memory goes back first. */
	ub_csv_drain(s->csv);
	ub_stats_summary(s->stats, sum);
	sum->intervals = NULL;
	sum->n_intervals = 0;
	s->rc.interrupted = interrupted;
	s->rc.is_tcp = s->tp->stream;
	s->rc.tx_kernel = s->tx_kernel_used;
	s->rc.rx_kernel = s->rx_kernel_ts;
	if (s->next)
		s->rc.send_span_ns = probe_at(s, s->next - 1)->tx_ns - s->start;
	memset(p, 0, sizeof(*p));
	ub_match_describe(&s->m, s->tp->stream, s->ok_so_far, p);
	/*
	 * The up/down split needs a counter of the reflector's own (RFC 8762
	 * §4.3.1, stateful). Undecided, it is known only when there is nothing
	 * to split: no loss and no reordering either way.
	 */
	if (!p->reflector || (strcmp(p->reflector, "stateful") != 0 &&
			      (strcmp(p->reflector, "undecided") != 0 || sum->lost || sum->reordered)))
		sum->has_split = 0;
	else
		p->split_why = UB_SPLIT_GIVEN;
	ub_intervals_end(s->iv, sum->has_split);
	s->finished = 1;
	s->sum_split = sum->has_split;
	s->sum_up = sum->lost_up;
	s->sum_down = sum->lost_down;
	if (c->report_interval_ns > 0)
		sum->intervals = ub_intervals_records(s->iv, &sum->n_intervals);
	*rc = s->rc;
	/* A run that never heard back reports what it sent: text probes, or STAMP ones (or TCP's echo). */
	if (m == UB_MODE_AUTO)
		m = s->tp->stream ? UB_MODE_ECHO : s->m.text ? UB_MODE_TEXT : UB_MODE_STAMP;
	snprintf(p->peer, sizeof(p->peer), "%s", s->peer_arg);
	snprintf(p->peer_addr, sizeof(p->peer_addr), "%s", s->peer_str);
	p->port = ub_net_addr_port(&s->peer);
	p->mode = ub_sender_mode_name(m);
	p->proto = s->tp->name;
	p->count = c->count;
	p->duration_ns = c->duration_ns;
	p->interval_ns = c->interval_ns;
	p->size = c->size;
	p->timeout_ns = c->timeout_ns;
	p->report_interval_ns = c->report_interval_ns;
	p->start_real_ns = start_real;
	/* Kernel send and receive stamps on every reply, or what the program's clock read. */
	if (s->rx_packets && s->rx_kernel_ts == s->rx_packets)
		p->clock = s->ok_so_far && s->tx_kernel_used >= s->ok_so_far ? "kernel_tx+kernel_rx"
									       : "monotonic+kernel_rx";
	else
		p->clock = "monotonic";
	s->rc.tx_kernel = s->tx_kernel_used;
	p->flood = c->flood;
	p->authenticated = c->key != NULL;
	p->label = c->label;
	p->ssid = s->m.ssid;
	p->dscp = c->dscp;
	p->ttl = c->ttl;
	p->ptp = c->ptp;
	p->link = c->link;
	ret = ub_csv_close(s->csv, e);
	s->csv = NULL;
	return ret;
}

/* The probe a captured payload belongs to: a request (outgoing) or a reply. */
static struct probe *wire_probe(struct ub_session *s, const uint8_t *b, size_t len, int outgoing)
{
	uint32_t seq;
	int rc;

	/* A text probe, or a script's answer that quotes it, says its number in text. */
	if (ub_proto_find_text((const char *)b, len, &seq, NULL, NULL) >= 0)
		return probe_by_seq(s, seq);
	/* A STAMP reply to a text probe holds the probe's first 12 octets. */
	if (!outgoing && ub_proto_reply_text_head(b, len, &seq) == 0)
		return probe_by_seq(s, seq);
	/* Binary requests and verbatim echoes carry our number first, STAMP replies further in. */
	if (outgoing || s->m.mode == UB_MODE_ECHO || len < UB_TWAMP_REPLY_MIN)
		rc = ub_proto_seq(b, len, &seq);
	else
		rc = ub_proto_reply_sender_seq(b, len, s->cfg->key && len >= UB_STAMP_AUTH_LEN, &seq);
	return rc < 0 ? NULL : probe_by_seq(s, seq);
}

int ub_session_wire(struct ub_session *s, const struct ub_udp_view *v, int64_t mono_ns)
{
	const struct ub_addr *far;
	struct probe *p;
	int outgoing;

	if (ub_net_addr_port(&v->dst) == ub_net_addr_port(&s->peer) &&
	    ub_net_addr_port(&v->src) == s->local_port)
		outgoing = 1;
	else if (ub_net_addr_port(&v->src) == ub_net_addr_port(&s->peer) &&
		 ub_net_addr_port(&v->dst) == s->local_port)
		outgoing = 0;
	else
		return 0;
	far = outgoing ? &v->dst : &v->src;
	{
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

		if (strcmp(ub_net_host_str(far, a, sizeof(a)), ub_net_host_str(&s->peer, b, sizeof(b))))
			return 0;
	}
	p = wire_probe(s, v->payload, v->captured_len < v->payload_len ? v->captured_len
								 : v->payload_len, outgoing);
	if (!p || !s->wire)
		return 1;
	if (outgoing && !wire_of(s, p)->wire_tx) {
		wire_of(s, p)->wire_tx = mono_ns;
	} else if (!outgoing && !wire_of(s, p)->wire_rx) {
		wire_of(s, p)->wire_rx = mono_ns;
		add_stack(s, p);
	}
	return 1;
}

const struct ub_addr *ub_session_addr(const struct ub_session *s)
{
	return &s->peer;
}
