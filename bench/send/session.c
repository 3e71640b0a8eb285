#include "send/session.h"

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
#include "send/tcpprobe.h"

#define UB_RX_BATCH 32
#define UB_TX_BATCH 32    /* probes per sendmmsg in flood mode */
#define UB_RECENT 255     /* replies behind the live line's median */
#define UB_RING_MAX (1u << 20)
#define UB_FLOOD_RING (1u << 18) /* probes a flood keeps in flight at most */
#define UB_FLOOD_GAP_NS 1000      /* a flood's ring assumes at most a million probes a second */

/* A probe in flight, kept until no reply to it can matter any more. */
struct probe {
	uint32_t seq;
	uint32_t txid;    /* the socket's datagram number, for the kernel's send stamp */
	uint8_t used;
	uint8_t replied;  /* a first reply arrived in time */
	uint8_t decided;  /* its CSV row ("ok" or "lost") is written */
	uint8_t has_txk;  /* tx_kernel is known */
	uint8_t text;     /* it left as a text probe (else as a binary STAMP request) */
	int64_t tx_ns;    /* monotonic, right before send */
	int64_t tx_kernel;/* monotonic, when the kernel sent it (SO_TIMESTAMPING) */
	int64_t t1_real;  /* wall clock on the wire (T1) */
};

/* One reflector lifetime between restarts. */
struct ub_epoch {
	int64_t offset; /* sender number minus reflector counter when it began */
	int64_t off_hi; /* the highest such difference seen in it */
	uint64_t base;  /* added to its counters: they run on from the previous epoch */
	uint32_t max;   /* its highest counter seen */
	uint64_t max_t2;/* the reflector's receive stamp (T2, raw) of that counter; 0 unknown */
};

#define UB_EPOCHS_MAX 64
#define UB_ANY_AFTER 3 /* auto: replies that matched nothing, with none matched, that make it ping-pong */

/* What a capture adds to a probe; kept beside the ring only with --pcap. */
struct wire {
	int64_t app_rtt;  /* (T4 - T1) as the program saw it, once replied */
	int64_t wire_tx, wire_rx; /* monotonic, from a capture; 0 unknown */
};

struct ub_session {
	const struct ub_sender_config *cfg;
	int fd;
	struct ub_addr peer;
	int local_port;         /* this session's UDP port, to tell its packets in a capture */
	int64_t tmax_ns;        /* when an unanswered probe is written off */
	struct ub_tcpprobe *tcp;/* --tcp: the connection the probes travel on */
	int tcp_broken;         /* the connection broke: the rest is lost */
	int tcp_refused;        /* the connection was never made: nothing is sent */
	char peer_str[UB_ADDRSTR_MAX];
	uint16_t ssid;
	int synced;             /* our wall clock is synchronised (S bit) */
	uint16_t err_est;
	enum ub_mode mode;      /* decided mode; AUTO until the first valid reply */
	int text;               /* probes leave as text probes (auto, text, any) */
	uint64_t refl_copy;     /* STAMP replies whose counter is the number they answer */
	uint64_t refl_own;      /* STAMP replies whose counter is the reflector's own */
	int refl_text;          /* a STAMP reflector answered a text probe */
	int refl_ptp;           /* its T2/T3 are PTP (the Z bit of its error estimate) */
	uint64_t first_icmp_at; /* probes sent when the first port-unreachable came; 0 none */
	struct ub_pkt held[UB_ANY_AFTER]; /* auto: unmatched replies that may turn it to any */
	unsigned n_held;
	struct ub_stats *stats;
	struct ub_csv *csv;
	struct probe *ring;
	struct wire *wire;      /* with a capture: one per ring slot */
	uint32_t ring_mask;
	int tx_stamps;          /* the kernel gives send stamps on the error queue */
	int gso;                /* flood batches leave as one UDP GSO train */
	uint32_t txid_next;     /* number of the next datagram this socket sends */
	uint64_t *txid_idx;     /* probe index by txid & ring_mask */
	uint64_t tx_kernel_used;/* replies timed from the kernel's send stamp */
	uint64_t stamps_due;    /* probes sent whose send stamp is not read yet */
	uint64_t next;          /* next probe index to send */
	uint64_t decide;        /* oldest probe whose row is not written */
	int64_t start;          /* slot 0, monotonic */
	uint64_t lost_so_far, ok_so_far;
	uint64_t rx_packets, rx_kernel_ts;
	struct ub_run_counters rc;
	int icmp_refused;       /* ECONNREFUSED seen before any reply */
	uint64_t any_reply;     /* datagrams of any kind that came back */
	char peer_arg[256];     /* the peer as given */
	int64_t last_rtt, max_rtt;
	int64_t recent[UB_RECENT];
	unsigned n_recent, recent_pos;
	uint8_t txbuf[UB_PKT_MAX];
	uint8_t cmpbuf[UB_PKT_MAX];
	uint8_t rxbufs[UB_RX_BATCH][UB_PKT_MAX + 1];
	struct ub_pkt rx[UB_RX_BATCH];
	struct ub_errq errq[UB_RX_BATCH];
	struct ub_epoch epochs[UB_EPOCHS_MAX]; /* reflector lifetimes, see refl_counter */
	unsigned n_epochs;
	uint32_t last_answered; /* highest sender number answered in the newest epoch */
	uint8_t (*floodbufs)[UB_PKT_MAX]; /* flood mode: one batch of probes */
	struct ub_pkt flood[UB_TX_BATCH];
};

static struct probe *probe_at(struct ub_session *s, uint64_t idx)
{
	return &s->ring[idx & s->ring_mask];
}

/* The probe with wire sequence number seq, if it is still remembered. */
static struct probe *probe_by_seq(struct ub_session *s, uint32_t seq)
{
	struct probe *p = &s->ring[seq & s->ring_mask];

	return p->used && p->seq == seq ? p : NULL;
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
	if (s->tx_stamps)
		s->txid_idx = calloc(cap, sizeof(*s->txid_idx));
	if (c->pcap_path)
		s->wire = calloc(cap, sizeof(*s->wire));
	if (c->flood)
		s->floodbufs = calloc(UB_TX_BATCH, sizeof(*s->floodbufs));
	s->ring_mask = (uint32_t)(cap - 1);
	if (!s->ring || (s->tx_stamps && !s->txid_idx) || (c->pcap_path && !s->wire) ||
	    (c->flood && !s->floodbufs))
		return UB_E_NOMEM;
	return 0;
}

static struct wire *wire_of(struct ub_session *s, const struct probe *p)
{
	return s->wire ? &s->wire[p - s->ring] : NULL;
}

static int open_socket(struct ub_session *s, const char *peer, struct ub_err *e)
{
	const struct ub_sender_config *c = s->cfg;
	struct ub_addr local;
	char host[256];
	int port = c->port, rc;

	rc = ub_net_split_hostport(peer, host, sizeof(host), &port, e);
	if (rc == 0)
		rc = ub_net_resolve(host, port, c->family, 0, &s->peer, e);
	if (rc < 0)
		return ub_err_prefix(e, rc, "--peer");
	ub_net_addr_str(&s->peer, s->peer_str, sizeof(s->peer_str));
	if (c->tcp) {
		/* Room for SYN retransmissions (1 s, then 2 s more) on a lossy link. */
		s->tcp = ub_tcpprobe_connect(&s->peer, c->dscp, c->ttl, 10 * UB_NS_PER_S, e);
		if (s->tcp || e->code != UB_E_NOREPLY)
			return s->tcp ? 0 : e->code;
		/* Refused or unanswered: a result all the same (nothing sent), and why. */
		s->tcp_refused = 1;
		s->rc.tcp_broken = 1;
		snprintf(s->rc.tcp_error, sizeof(s->rc.tcp_error), "%s", e->msg);
		return 0;
	}
	s->fd = ub_net_udp_socket(s->peer.ss.ss_family, e);
	if (s->fd < 0)
		return s->fd;
	rc = ub_net_set_dscp_ttl(s->fd, s->peer.ss.ss_family, c->dscp, c->ttl, e);
	if (rc < 0)
		return rc;
	ub_net_set_buffers(s->fd, 1 << 20, &s->rc.socket_rcvbuf, &s->rc.socket_sndbuf, NULL);
	/* Connected: the kernel keeps other hosts' datagrams out and reports ICMP errors. */
	if (connect(s->fd, (struct sockaddr *)&s->peer.ss, s->peer.len) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "cannot reach %s", s->peer_str);
	local.len = sizeof(local.ss);
	if (getsockname(s->fd, (struct sockaddr *)&local.ss, &local.len) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "getsockname");
	s->local_port = ub_net_addr_port(&local);
	return 0;
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

/* Encodes probe seq as it goes on the wire (text or binary); the same bytes again for the echo check. */
static size_t encode_probe(struct ub_session *s, uint8_t *buf, uint32_t seq, int64_t t1_real,
			   int text)
{
	struct ub_stamp_req req;
	size_t len = s->cfg->size;

	if (text) {
		ub_proto_encode_text((char *)buf, len, seq, t1_real, s->ssid);
		return len;
	}
	req.seq = seq;
	req.ts = ub_proto_ts(t1_real, s->cfg->ptp);
	req.err_est = s->err_est;
	req.ssid = s->ssid;
	if (s->cfg->key)
		ub_proto_encode_req_auth(buf, len, &req, s->cfg->key);
	else
		ub_proto_encode_req(buf, len, &req);
	return len;
}

/* Counts an ICMP error; a port unreachable before any reply ends the session. */
static void icmp_error(struct ub_session *s, int err)
{
	s->rc.icmp_errors++;
	if (err == ECONNREFUSED && !s->first_icmp_at)
		s->first_icmp_at = s->next ? s->next : 1;
	if (err == ECONNREFUSED && s->any_reply == 0)
		s->icmp_refused = 1;
}

/* Counts a failed send by kind: an ICMP error reported on the socket, or a soft send error. */
static void send_failed(struct ub_session *s, int err)
{
	if (err == ECONNREFUSED)
		icmp_error(s, err);
	else
		s->rc.send_errors++;
}

/* Takes probe s->next, sent (or not, when !ok) at tx for slot; the ring slot is free. */
static void probe_sent(struct ub_session *s, struct probe *p, int64_t tx, int64_t t1,
		       int64_t late, int ok)
{
	struct wire *w = wire_of(s, p);

	p->seq = (uint32_t)s->next;
	p->used = 1;
	p->replied = 0;
	p->decided = 0;
	p->has_txk = 0;
	p->text = (uint8_t)s->text;
	p->tx_ns = tx;
	p->t1_real = t1;
	if (w)
		memset(w, 0, sizeof(*w));
	if (ok && s->tx_stamps) {
		s->stamps_due++;
		p->txid = s->txid_next++;
		s->txid_idx[p->txid & s->ring_mask] = s->next;
	}
	ub_stats_sent(s->stats, p->seq, tx, late > 0 ? late : 0);
	s->next++;
}

/* The oldest probe still waiting for a reply within its Tmax, or NULL. */
static struct probe *oldest_waiting(struct ub_session *s)
{
	uint64_t i;

	for (i = s->decide; i < s->next; i++) {
		struct probe *p = probe_at(s, i);

		if (p->used && p->seq == (uint32_t)i && !p->decided)
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
	ssize_t r;

	/* Ping-pong: a reply that carries nothing of its probe is only ever the one outstanding's. */
	if (s->mode == UB_MODE_ANY && oldest_waiting(s)) {
		s->rc.sched_skipped++;
		s->rc.pingpong_waits++;
		return;
	}
	if (p->used && !p->decided) {
		/* Only with a ring too small for the rate: give the oldest up now. */
		struct ub_csv_row row = { .seq = p->seq, .tx_ns = p->tx_ns - s->start,
					  .status = UB_ST_LOST, .ttl = -1 };
		ub_csv_row(s->csv, &row);
		s->lost_so_far++;
		p->decided = 1;
	}
	t1 = ub_clock_real();
	len = encode_probe(s, s->txbuf, seq, t1, s->text);
	tx = ub_clock_mono();
	if (s->tcp) {
		/*
		 * TCP latency counts from the slot: time queued behind a stalled
		 * stream shows. After a break the schedule goes on, each probe lost.
		 */
		r = s->tcp_broken ? 0 : ub_tcpprobe_send(s->tcp, s->txbuf, len);
		late = tx - slot;
		tx = slot;
		if (r < 0)
			s->rc.send_errors++;
	} else {
		r = send(s->fd, s->txbuf, len, 0);
		late = tx - slot;
		if (r < 0)
			send_failed(s, errno);
	}
	probe_sent(s, p, tx, t1, late, r >= 0);
}

unsigned ub_session_send_flood(struct ub_session *s, unsigned n)
{
	int64_t t1[UB_TX_BATCH], tx;
	struct ub_err e;
	unsigned i, k;
	int sent;

	if (n > UB_TX_BATCH)
		n = UB_TX_BATCH;
	/* Back-pressure: a probe still waiting for its reply keeps its ring slot. */
	for (k = 0; k < n; k++) {
		const struct probe *p = probe_at(s, s->next + k);

		if (p->used && !p->decided)
			break;
		t1[k] = ub_clock_real();
		s->flood[k].buf = s->floodbufs[k];
		s->flood[k].len = encode_probe(s, s->floodbufs[k], (uint32_t)(s->next + k), t1[k],
					       s->text);
		s->flood[k].peer.len = 0;
		s->flood[k].has_local = 0;
	}
	if (k == 0)
		return 0;
	tx = ub_clock_mono();
	sent = ub_net_send_trains(s->fd, s->flood, (int)k, &s->gso, &e);
	if (sent < 0) {
		send_failed(s, e.sys_errno);
		/* A full buffer keeps the probes for the next turn; anything else loses one. */
		if (e.sys_errno == EAGAIN || e.sys_errno == EWOULDBLOCK || !ub_net_soft_error(e.sys_errno))
			return 0;
		probe_sent(s, probe_at(s, s->next), tx, t1[0], 0, 0);
		return 1;
	}
	for (i = 0; i < (unsigned)sent; i++)
		probe_sent(s, probe_at(s, s->next), tx, t1[i], 0, 1);
	return (unsigned)sent;
}

/*
 * Whether timestamp a (NTP or PTP, raw 64 bits) is later than b. Both keep
 * whole seconds in the high 32 bits; the comparison is modulo 2^32 seconds
 * (136 years), so an NTP era rollover does not read as going back.
 */
static int ts_after(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b) > 0;
}

/*
 * A reflector that restarts counts from 0 again (RFC 8762 §4.3.1: its
 * counter is per session). While it runs, sender number minus reflector
 * counter (the "offset") grows only by the probes lost on the way there,
 * and its counter rises with its own receive stamp T2: it numbers requests
 * in the order they arrive. Replies reordered on the way back bring
 * counters out of order, but never a lower counter with a later T2 — that
 * only a new counter can: a restart. (A stateless reflector, whose
 * "counter" is the sender's number, keeps the offset at 0 and never
 * qualifies: its T2 may disagree with the numbers when requests were
 * reordered on the way there.) A restart begins a new epoch with its own
 * offset; each reply is put in the epoch whose offset is nearest its own,
 * so late replies from before the restart still count where they belong,
 * and the statistics see one counter that runs on across restarts: the
 * probes of the outage count as lost on the way there, as they never
 * reached a reflector that could count them. A reflector that leaves T2
 * zero gives no such evidence and is never taken to have restarted.
 */
static uint32_t refl_counter(struct ub_session *s, uint32_t sender_seq, uint32_t refl,
			     uint64_t t2)
{
	struct ub_epoch *ep;
	int64_t off = (int64_t)sender_seq - (int64_t)refl;
	unsigned i, best = 0;

	if (s->n_epochs == 0) {
		memset(&s->epochs[0], 0, sizeof(s->epochs[0]));
		s->epochs[0].offset = s->epochs[0].off_hi = off;
		s->epochs[0].max = refl;
		s->epochs[0].max_t2 = t2;
		s->n_epochs = 1;
		s->last_answered = sender_seq;
		return refl;
	}
	for (i = 1; i < s->n_epochs; i++)
		if (llabs(off - s->epochs[i].offset) <= llabs(off - s->epochs[best].offset))
			best = i;
	ep = &s->epochs[s->n_epochs - 1];
	if (best == s->n_epochs - 1 && refl < ep->max && t2 && ep->max_t2 &&
	    ts_after(t2, ep->max_t2) && off > ep->off_hi && s->n_epochs < UB_EPOCHS_MAX) {
		struct ub_epoch *nx = &s->epochs[s->n_epochs++];
		struct ub_restart *rs = &s->rc.restarts[s->rc.n_restarts < UB_RESTARTS_MAX
								? s->rc.n_restarts : UB_RESTARTS_MAX - 1];

		nx->offset = nx->off_hi = off;
		nx->base = ep->base + ep->max + 1;
		nx->max = refl;
		nx->max_t2 = t2;
		/* The outage: every probe after the last answered one up to this reply's. */
		rs->from_probe = s->last_answered + 1;
		rs->to_probe = sender_seq > 0 ? sender_seq - 1 : 0;
		if (s->rc.n_restarts < UB_RESTARTS_MAX)
			s->rc.n_restarts++;
		s->rc.refl_restarts++;
		s->last_answered = sender_seq;
		return (uint32_t)(nx->base + refl);
	}
	ep = &s->epochs[best];
	if (refl > ep->max || (refl == ep->max && !ep->max_t2)) {
		ep->max = refl;
		ep->max_t2 = t2;
	}
	if (off > ep->off_hi)
		ep->off_hi = off;
	if (best == s->n_epochs - 1 && sender_seq > s->last_answered)
		s->last_answered = sender_seq;
	return (uint32_t)(ep->base + refl);
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

/*
 * The probe a reply's octets 24..35 name: a STAMP or TWAMP-light reflector
 * copies the request's sequence number and T1 there (RFC 8762 §4.3.1, RFC
 * 5357 §4.2.1): a binary probe's, or a text probe's first 12 octets.
 */
static struct probe *stamp_probe(struct ub_session *s, const struct ub_pkt *pk,
				 const struct ub_stamp_reply *rep)
{
	uint32_t seq;
	struct probe *p;

	/* A text probe's first 12 octets, copied as they came. */
	if (pk->len >= 24 + UB_TEXT_HEAD_LEN &&
	    ub_proto_text_head(pk->buf + 24, pk->len - 24, &seq) == 0) {
		p = probe_by_seq(s, seq);
		if (p && p->text && encode_probe(s, s->cmpbuf, seq, p->t1_real, 1) &&
		    memcmp(s->cmpbuf, pk->buf + 24, UB_TEXT_HEAD_LEN) == 0)
			return p;
	}
	p = probe_by_seq(s, rep->sender_seq);
	if (p && !p->text && rep->sender_ts == ub_proto_ts(p->t1_real, s->cfg->ptp))
		return p;
	return NULL;
}

/* A verbatim echo: exactly the bytes a probe left with. */
static struct probe *echo_probe(struct ub_session *s, const struct ub_pkt *pk)
{
	struct probe *p = NULL;
	uint32_t be, seq;

	if (pk->len != s->cfg->size)
		return NULL;
	if (ub_proto_decode_text((const char *)pk->buf, pk->len, &seq, NULL, NULL) == 0) {
		p = probe_by_seq(s, seq);
	} else if (pk->len >= 4) {
		memcpy(&be, pk->buf, 4);
		p = probe_by_seq(s, ntohl(be));
	}
	if (p && encode_probe(s, s->cmpbuf, p->seq, p->t1_real, p->text) == pk->len &&
	    memcmp(s->cmpbuf, pk->buf, pk->len) == 0)
		return p;
	return NULL;
}

/* A changed echo: the text probe's fields found inside, any letter case ("收到: " + it). */
static struct probe *text_probe(struct ub_session *s, const struct ub_pkt *pk)
{
	uint32_t seq;
	int64_t t1;
	uint16_t ssid;
	struct probe *p;

	if (ub_proto_find_text((const char *)pk->buf, pk->len, &seq, &t1, &ssid) < 0 ||
	    ssid != s->ssid)
		return NULL;
	p = probe_by_seq(s, seq);
	return p && p->text && p->t1_real == t1 ? p : NULL;
}

/*
 * Auto mode settles on what the first matched reply showed. Its probes stay
 * text probes: a STAMP reflector answers them as it answers any request
 * (their octets 0..3 rise as its sequence numbers should, 14..15 are the
 * SSID), and a script that pretended to be one would not crash later.
 */
static void settle(struct ub_session *s, enum ub_mode m)
{
	if (s->mode == UB_MODE_AUTO)
		s->mode = m;
}
/* Notes what a STAMP reply's counter says of its reflector: its own counter, or a copy of ours. */
static void note_counter(struct ub_session *s, const struct ub_pkt *pk,
			 const struct ub_stamp_reply *rep, const struct probe *p)
{
	uint32_t sent_as;

	/* The number as the reflector read it: octets 0..3 of what left (also a text probe's). */
	encode_probe(s, s->cmpbuf, p->seq, p->t1_real, p->text);
	memcpy(&sent_as, s->cmpbuf, 4);
	if (rep->seq == ntohl(sent_as))
		s->refl_copy++;
	else
		s->refl_own++;
	if (p->text)
		s->refl_text = 1;
	s->refl_ptp = (rep->err_est & UB_PROTO_EE_Z) != 0;
	(void)pk;
}

/*
 * Fills r and row from a reply of this session and returns its probe, or
 * NULL when the reply matches none. What matches depends on the mode: a
 * STAMP reply (stamp), a verbatim echo (echo), the probe's text inside a
 * changed reply (text), any reply at all for the one probe waiting (any);
 * auto takes the first three and settles on the first that matches.
 */
static struct probe *match_reply(struct ub_session *s, const struct ub_pkt *pk,
				 struct ub_reply *r, struct ub_csv_row *row)
{
	struct ub_stamp_reply rep;
	struct probe *p = NULL;
	int64_t total, t2, t3, proc;
	int stamp = 0;

	memset(r, 0, sizeof(*r));
	memset(row, 0, sizeof(*row));
	row->ttl = -1;
	if (s->cfg->key) {
		/* A keyed session takes only replies that carry our key's HMAC. */
		if (ub_proto_decode_reply_auth(pk->buf, pk->len, s->cfg->key, &rep) < 0) {
			s->rc.auth_failed++;
			return NULL;
		}
		stamp = 1;
	} else if (s->mode != UB_MODE_ANY && s->mode != UB_MODE_STAMP && (p = echo_probe(s, pk))) {
		/* Verbatim: an echo (a STAMP session wants more, and its replies are no copies). */
		settle(s, UB_MODE_ECHO);
	} else if (s->mode != UB_MODE_ECHO && s->mode != UB_MODE_ANY &&
		   ub_proto_decode_reply(pk->buf, pk->len, &rep) == 0 &&
		   (rep.ssid == s->ssid || rep.ssid == 0) && (p = stamp_probe(s, pk, &rep))) {
		/* TWAMP-light reflectors leave the SSID octets zero (RFC 8972 §3). */
		stamp = 1;
	} else if ((s->mode == UB_MODE_AUTO || s->mode == UB_MODE_TEXT) && (p = text_probe(s, pk))) {
		settle(s, UB_MODE_TEXT);
	} else if (s->mode == UB_MODE_ANY) {
		/* A reply that carries nothing of any probe answers the oldest one waiting. */
		p = oldest_waiting(s);
	}
	if (stamp && !p)
		p = stamp_probe(s, pk, &rep);
	if (!p)
		return NULL;
	/* RFC 8762 §4.3: a reflector answers with the request's size (a script's answer may differ) */
	if (stamp && pk->len != s->cfg->size)
		s->rc.size_mismatch++;
	r->seq = p->seq;
	r->rx_ns = pk->rx_mono_ns;
	r->rtt_ns = pk->rx_mono_ns - probe_tx(s, p, pk);
	if (!stamp)
		return p;
	settle(s, UB_MODE_STAMP);
	note_counter(s, pk, &rep, p);
	t2 = ub_proto_ts_ns(rep.rx_ts, rep.err_est);
	t3 = ub_proto_ts_ns(rep.ts, rep.err_est);
	total = r->rtt_ns;
	proc = t3 - t2;
	/* A reflector whose stamps make no sense gets the plain T4 - T1. */
	if (proc < 0 || proc >= total)
		proc = 0;
	r->rtt_ns = total - proc;
	r->has_refl = 1;
	r->refl_seq = refl_counter(s, p->seq, rep.seq, rep.rx_ts);
	r->refl_proc_ns = proc;
	{
		int rs = 0, ss = 0;

		ub_proto_err_est_ns(rep.err_est, &rs);
		ub_proto_err_est_ns(rep.sender_err_est, &ss);
		if (rs && ss && s->synced) {
			/* One-way delays only when both clocks say they are synchronised. */
			r->has_owd = 1;
			r->owd_up_ns = t2 - p->t1_real;
			r->owd_down_ns = pk->rx_real_ns - t3;
		}
	}
	row->has_refl = 1;
	row->refl_seq = rep.seq;
	row->refl_rx_ns = t2;
	row->refl_tx_ns = t3;
	row->ttl = rep.has_ttl ? rep.sender_ttl : -1;
	return p;
}

/* Takes the round trip of a first reply in time: the live line's figures and the longest so far. */
static void note_rtt(struct ub_session *s, int64_t rtt)
{
	s->ok_so_far++;
	s->last_rtt = rtt;
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

static void handle_reply(struct ub_session *s, const struct ub_pkt *pk);

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

	if (s->mode != UB_MODE_AUTO || s->ok_so_far || s->cfg->key || s->tcp)
		return;
	s->held[s->n_held] = *pk;
	s->held[s->n_held].buf = NULL; /* only its times and size are kept */
	s->held[s->n_held].truncated = 0;
	if (++s->n_held < UB_ANY_AFTER)
		return;
	settle(s, UB_MODE_ANY);
	n = s->n_held;
	s->n_held = 0;
	for (i = 0; i < n; i++) {
		s->rc.foreign--;
		s->rx_packets--;
		s->any_reply--;
		if (s->held[i].kernel_ts)
			s->rx_kernel_ts--;
		handle_reply(s, &s->held[i]);
	}
}

static void handle_reply(struct ub_session *s, const struct ub_pkt *pk)
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
	if (p->decided && !p->replied && r.rx_ns - p->tx_ns <= s->cfg->timeout_ns)
		r.rx_ns = p->tx_ns + s->cfg->timeout_ns + 1;
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
	ub_csv_row(s->csv, &row);
	if (st == UB_ST_OK) {
		p->replied = 1;
		p->decided = 1;
		if (s->wire)
			wire_of(s, p)->app_rtt = pk->rx_mono_ns - p->tx_ns;
		add_stack(s, p);
		note_rtt(s, r.rtt_ns);
	}
}

/* Echoed messages on the TCP connection: each is one probe, byte for byte. */
static void tcp_drain(struct ub_session *s)
{
	struct ub_tcpinfo ti;
	struct ub_csv_row row;
	struct ub_reply r;
	struct probe *p;
	const uint8_t *m;
	struct ub_err e;
	size_t len;
	uint32_t be;
	int64_t now;
	int st, reordered, have_info = 0;

	if (s->tcp_broken)
		return;
	if (ub_tcpprobe_io(s->tcp, &e) < 0) {
		/* Everything not echoed yet is lost; the result says where it broke. */
		s->tcp_broken = 1;
		s->rc.tcp_broken = 1;
		s->rc.tcp_broken_at = s->decide;
		snprintf(s->rc.tcp_error, sizeof(s->rc.tcp_error), "%s", e.msg);
		return;
	}
	now = ub_clock_mono();
	while ((m = ub_tcpprobe_next(s->tcp, &len))) {
		s->rx_packets++;
		s->any_reply++;
		p = NULL;
		if (len >= 4) {
			memcpy(&be, m, 4);
			p = probe_by_seq(s, ntohl(be));
		}
		if (!p || encode_probe(s, s->cmpbuf, p->seq, p->t1_real, 0) != len ||
		    memcmp(s->cmpbuf, m, len) != 0) {
			s->rc.foreign++;
			continue;
		}
		if (!have_info) {
			have_info = ub_tcpprobe_info(s->tcp, &ti) == 0;
			if (have_info) {
				s->rc.tcp_retransmits = ti.retransmits;
				if (ti.rto_ns > s->rc.tcp_rto_max_ns)
					s->rc.tcp_rto_max_ns = ti.rto_ns;
			}
		}
		memset(&r, 0, sizeof(r));
		r.seq = p->seq;
		r.rx_ns = now;
		r.rtt_ns = now - p->tx_ns;
		reordered = 0;
		st = ub_stats_reply(s->stats, &r, &reordered);
		if (st < 0)
			continue;
		memset(&row, 0, sizeof(row));
		row.seq = p->seq;
		row.tx_ns = p->tx_ns - s->start;
		row.has_rx = 1;
		row.rx_ns = now - s->start;
		row.rtt_ns = r.rtt_ns;
		row.status = (enum ub_status)st;
		row.ttl = -1;
		row.has_tcp = have_info;
		row.tcp_retransmits = have_info ? ti.retransmits : 0;
		row.tcp_rto_ns = have_info ? ti.rto_ns : 0;
		ub_csv_row(s->csv, &row);
		if (st == UB_ST_OK) {
			p->replied = 1;
			p->decided = 1;
			note_rtt(s, r.rtt_ns);
		}
	}
}

/* Gives the probe the kernel's send stamp, when the stamp is plausibly its own. */
static void tx_stamp(struct ub_session *s, const struct ub_errq *t, int64_t mono_minus_real)
{
	uint64_t idx = s->txid_idx[t->id & s->ring_mask];
	struct probe *p = probe_at(s, idx);
	int64_t mono;

	if (!s->tx_stamps || !p->used || p->txid != t->id || p->has_txk || idx >= s->next)
		return;
	mono = t->real_ns + mono_minus_real;
	/* The kernel stamps after the program's clock read and well within Tmax. */
	if (mono < p->tx_ns - 50000 || mono > p->tx_ns + s->tmax_ns)
		return;
	p->tx_kernel = mono;
	p->has_txk = 1;
}

/*
 * Reads the socket's error queue: send stamps and ICMP errors. Returns how
 * many ICMP errors it held. Called only while stamps are due or after the
 * socket reported an error, so an idle turn costs no system call.
 */
static int read_errqueue(struct ub_session *s)
{
	int n, i, icmp = 0;

	while ((n = ub_net_errqueue(s->fd, s->errq, UB_RX_BATCH)) > 0) {
		int64_t off = ub_clock_mono_minus_real();

		for (i = 0; i < n; i++) {
			if (s->errq[i].icmp_errno) {
				icmp_error(s, s->errq[i].icmp_errno);
				icmp++;
			} else {
				if (s->stamps_due)
					s->stamps_due--;
				tx_stamp(s, &s->errq[i], off);
			}
		}
	}
	return icmp;
}

int ub_session_drain(struct ub_session *s, struct ub_err *e)
{
	int n, i;

	if (s->tcp || s->tcp_refused) {
		if (s->tcp)
			tcp_drain(s);
		return 0;
	}

	/* Send stamps first: a reply is timed from its probe's stamp. */
	if (s->stamps_due)
		read_errqueue(s);
	for (;;) {
		n = ub_net_recv(s->fd, s->rx, UB_RX_BATCH, e);
		if (n < 0) {
			if (ub_net_soft_error(e->sys_errno)) {
				/* The error queue holds the ICMP message itself (IP_RECVERR). */
				if (read_errqueue(s) == 0)
					icmp_error(s, e->sys_errno);
				continue;
			}
			return n;
		}
		if (n == 0)
			return 0;
		for (i = 0; i < n; i++)
			handle_reply(s, &s->rx[i]);
	}
}

void ub_session_expire(struct ub_session *s, int64_t now, int force)
{
	struct probe *p;

	while (s->decide < s->next) {
		p = probe_at(s, s->decide);
		if (p->seq != (uint32_t)s->decide || p->decided) {
			s->decide++;
			continue;
		}
		if (!force && !s->tcp_broken && p->tx_ns + s->tmax_ns > now)
			break;
		struct ub_csv_row row = { .seq = p->seq, .tx_ns = p->tx_ns - s->start,
					  .status = UB_ST_LOST, .ttl = -1 };
		ub_csv_row(s->csv, &row);
		p->decided = 1;
		s->lost_so_far++;
		s->decide++;
	}
}

int64_t ub_session_deadline(const struct ub_session *s)
{
	const struct probe *p;

	if (s->decide >= s->next)
		return INT64_MAX;
	p = &s->ring[s->decide & s->ring_mask];
	return s->tcp_broken ? 0 : p->tx_ns + s->tmax_ns;
}

int ub_session_fd(const struct ub_session *s)
{
	return s->tcp ? ub_tcpprobe_fd(s->tcp) : s->fd;
}

short ub_session_events(const struct ub_session *s)
{
	return (short)(POLLIN | (s->tcp && ub_tcpprobe_pending(s->tcp) ? POLLOUT : 0));
}

void ub_session_start(struct ub_session *s, int64_t start_mono)
{
	s->start = start_mono;
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
	return !s->icmp_refused && !s->tcp_refused;
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

void ub_session_live(const struct ub_session *s, uint64_t *received, uint64_t *lost,
		     int64_t *last_rtt, int64_t *median_rtt)
{
	*received = s->ok_so_far;
	*lost = s->lost_so_far;
	*last_rtt = s->last_rtt;
	*median_rtt = recent_median(s);
}

int ub_session_silent(const struct ub_session *s, struct ub_no_reply *why)
{
	if (why) {
		memset(why, 0, sizeof(*why));
		why->auth_failed = s->rc.auth_failed;
		why->unmatched = s->rc.foreign;
		why->refused_after = s->icmp_refused ? s->first_icmp_at : 0;
		why->mode = s->cfg->mode;
		why->said = s->tcp_refused ? s->rc.tcp_error : NULL;
	}
	return s->ok_so_far == 0;
}

struct ub_session *ub_session_new(const struct ub_sender_config *c, const char *peer,
				  const char *csv_path, struct ub_err *e)
{
	struct ub_stats_config sc;
	struct ub_session *s;
	int64_t err_ns = 0;
	int i;

	s = calloc(1, sizeof(*s));
	if (!s) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	s->cfg = c;
	s->fd = -1;
	s->last_rtt = -1;
	s->mode = c->mode;
	snprintf(s->peer_arg, sizeof(s->peer_arg), "%s", peer);
	for (i = 0; i < UB_RX_BATCH; i++) {
		s->rx[i].buf = s->rxbufs[i];
		s->rx[i].cap = sizeof(s->rxbufs[i]);
	}
	if (open_socket(s, peer, e) < 0)
		goto fail;
	/* A probe dropped in this host's own queue is a send error, not a loss on the link. */
	if (!c->tcp)
		ub_net_report_drops(s->fd, s->peer.ss.ss_family);
	/* A flood measures rates: a send stamp per probe would cost it a third of them. */
	if (!c->tcp && !c->flood)
		s->tx_stamps = ub_net_enable_tx_stamps(s->fd);
	/* A capture on loopback would see a train as one big datagram: one by one then. */
	s->gso = c->flood && c->gso && !c->pcap_path;
	/*
	 * A fresh SSID per session keeps runs and peers apart at the reflector
	 * (RFC 8972); two text characters, so that text probes carry it too.
	 */
	if (getrandom(&s->ssid, sizeof(s->ssid), 0) != sizeof(s->ssid))
		s->ssid = (uint16_t)ub_clock_mono();
	s->ssid = ub_proto_text_ssid(s->ssid);
	s->synced = ub_clock_synced(&err_ns);
	s->err_est = (uint16_t)(ub_proto_err_est(s->synced, err_ns) | (c->ptp ? UB_PROTO_EE_Z : 0));
	/* Until the peer shows it is a STAMP reflector, nothing a script would choke on. */
	s->text = !c->tcp && !c->key &&
		  (c->mode == UB_MODE_AUTO || c->mode == UB_MODE_TEXT || c->mode == UB_MODE_ANY);
	if (ring_init(s) < 0) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		goto fail;
	}
	/*
	 * TCP never loses a message while the connection lives, it only makes
	 * it wait: write one off only after ten Tmax (at least 10 s).
	 */
	s->tmax_ns = c->timeout_ns;
	if (c->tcp)
		s->tmax_ns = 10 * c->timeout_ns > 10 * UB_NS_PER_S ? 10 * c->timeout_ns
								: 10 * UB_NS_PER_S;
	ub_stats_config_init(&sc);
	sc.timeout_ns = s->tmax_ns;
	sc.interval_ns = c->interval_ns;
	sc.stateful = !c->tcp && (c->mode == UB_MODE_AUTO || c->mode == UB_MODE_STAMP);
	sc.summary_only = c->summary_only;
	sc.window = s->ring_mask + 1; /* as far back as the probes this session remembers */
	s->stats = ub_stats_new(&sc);
	if (!s->stats) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		goto fail;
	}
	if (csv_path) {
		s->csv = ub_csv_open(csv_path, c->tcp, e);
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
	ub_tcpprobe_free(s->tcp);
	ub_stats_free(s->stats);
	free(s->ring);
	free(s->wire);
	free(s->txid_idx);
	free(s->floodbufs);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}

/* Probes still waiting for a reply whose Tmax has not passed by now. */
static uint64_t unsettled(struct ub_session *s, int64_t now)
{
	uint64_t i, n = 0;

	for (i = s->decide; i < s->next; i++) {
		const struct probe *p = probe_at(s, i);

		n += p->seq == (uint32_t)i && !p->decided && p->tx_ns + s->tmax_ns > now;
	}
	return n;
}

/*
 * What the replies showed of the peer (params.reflector), and why there is
 * no up/down split when there is none. A stateless reflector copies the
 * number it answers (RFC 8762 §4.3); a stateful one counts what reached it
 * from 0 — the same numbers as ours until a probe is lost on the way there,
 * except for text probes, whose octets 0..3 no counter reaches.
 */
static void describe_peer(const struct ub_session *s, struct ub_params *p)
{
	if (s->tcp) {
		p->reflector = s->ok_so_far ? "echo" : NULL;
		p->split_why = UB_SPLIT_TCP;
	} else if (s->refl_own) {
		p->reflector = "stateful";
	} else if (s->refl_copy) {
		p->reflector = s->refl_text ? "stateless" : "undecided";
		p->split_why = s->refl_text ? UB_SPLIT_STATELESS : UB_SPLIT_UNDECIDED;
	} else if (s->ok_so_far) {
		p->reflector = s->mode == UB_MODE_ECHO ? "echo" : s->mode == UB_MODE_TEXT ? "text" : "any";
		p->split_why = UB_SPLIT_NO_COUNTER;
	} else {
		p->split_why = UB_SPLIT_NO_REPLY;
	}
	if (s->refl_own || s->refl_copy)
		p->refl_ts = s->refl_ptp ? 2 : 1;
}

int ub_session_finish(struct ub_session *s, int64_t start_real, int interrupted,
		      struct ub_params *p, struct ub_summary *sum, struct ub_run_counters *rc,
		      struct ub_err *e)
{
	const struct ub_sender_config *c = s->cfg;
	enum ub_mode m = s->mode;
	int ret;

	if (interrupted)
		s->rc.cut_at_stop = unsettled(s, ub_clock_mono());
	ub_session_expire(s, 0, 1);
	ub_stats_summary(s->stats, sum);
	s->rc.interrupted = interrupted;
	s->rc.is_tcp = c->tcp;
	s->rc.tx_kernel = s->tx_kernel_used;
	if (s->next)
		s->rc.send_span_ns = probe_at(s, s->next - 1)->tx_ns - s->start;
	memset(p, 0, sizeof(*p));
	describe_peer(s, p);
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
	*rc = s->rc;
	/* A run that never heard back reports what it sent: text probes, or STAMP ones (or TCP's echo). */
	if (m == UB_MODE_AUTO)
		m = c->tcp ? UB_MODE_ECHO : s->text ? UB_MODE_TEXT : UB_MODE_STAMP;
	snprintf(p->peer, sizeof(p->peer), "%s", s->peer_arg);
	snprintf(p->peer_addr, sizeof(p->peer_addr), "%s", s->peer_str);
	p->port = ub_net_addr_port(&s->peer);
	p->mode = ub_sender_mode_name(m);
	p->proto = c->tcp ? "tcp" : "udp";
	p->count = c->count;
	p->duration_ns = c->duration_ns;
	p->interval_ns = c->interval_ns;
	p->size = c->size;
	p->timeout_ns = c->timeout_ns;
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
	p->ssid = s->ssid;
	p->dscp = c->dscp;
	p->ttl = c->ttl;
	p->ptp = c->ptp;
	ret = ub_csv_close(s->csv, e);
	s->csv = NULL;
	return ret;
}

/* The probe a captured payload belongs to: a request (outgoing) or a reply. */
static struct probe *wire_probe(struct ub_session *s, const uint8_t *b, size_t len, int outgoing)
{
	uint32_t seq, be;
	size_t at;

	/* A text probe, or a script's answer that quotes it, says its number in text. */
	if (ub_proto_find_text((const char *)b, len, &seq, NULL, NULL) >= 0)
		return probe_by_seq(s, seq);
	/* A STAMP reply to a text probe holds the probe's first 12 octets at 24. */
	if (!outgoing && len >= 24 + UB_TEXT_HEAD_LEN && ub_proto_text_head(b + 24, len - 24, &seq) == 0)
		return probe_by_seq(s, seq);
	/* Binary requests and verbatim echoes carry our number at 0, STAMP replies at 24 (48 keyed). */
	at = outgoing || s->mode == UB_MODE_ECHO || len < UB_TWAMP_REPLY_MIN ? 0
	     : s->cfg->key && len >= UB_STAMP_AUTH_LEN ? 48 : 24;
	if (len < at + 4)
		return NULL;
	memcpy(&be, b + at, 4);
	return probe_by_seq(s, ntohl(be));
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
