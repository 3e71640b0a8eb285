#include "reflect/reflector.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stamp/auth.h"
#include "lib/clock.h"
#include "lib/lru.h"
#include "lib/net.h"
#include "lib/wifi.h"
#include "stamp/proto.h"
#include "reflect/discovery.h"
#include "reflect/ratelimit.h"
#include "reflect/replay.h"
#include "reflect/sessions.h"
#include "reflect/tcpecho.h"

#define UB_REFL_BATCH 64
#define UB_REFL_ROUNDS 16 /* batches read in a row before the TCP echo gets a turn */
#define UB_REFL_SOCKBUF (4 << 20)

struct ub_reflector {
	struct ub_reflector_config cfg;
	int fd;
	struct ub_tcpecho *tcp;
	int port;
	int rcvbuf;  /* SO_RCVBUF as the kernel granted it */
	int keyed;
	int gso;     /* replies to one peer leave as UDP GSO trains while the path takes them */
	struct ub_auth_key key;
	/* Sessions: (peer address, port, SSID) -> slot; per slot its counter and sequence state. */
	struct ub_sessions *sessions;
	uint32_t *sess_seq;  /* RFC 8762 §4.3.1: the reflector's own counter, from 0 */
	struct ub_replay_seq *sess_run;
	struct ub_replay_win *sess_win; /* keyed only: which numbers were answered */
	struct ub_replay_tags *tags;    /* keyed only: HMACs answered lately */
	struct ub_seen *seen;      /* NULL: no per-session figures */
	struct ub_ratelimit *rate; /* NULL: no per-source cap */
	struct ub_ratelimit *disc_rate; /* discovery answers per source */
	int64_t disc_tokens_at;         /* the all-sources discovery bucket: refilled up to then */
	int64_t disc_tokens;
	struct ub_disc_info disc;       /* what discovery answers say */
	struct ub_reflector_counters cnt;
	uint16_t err_est;
	int64_t err_est_at;
	uint8_t bufs[UB_REFL_BATCH][UB_PKT_MAX + 1];
	struct ub_pkt pkts[UB_REFL_BATCH];
	uint8_t twl[UB_REFL_BATCH]; /* the reply in pkts[i] answers a short TWAMP-light request */
};

void ub_reflector_config_init(struct ub_reflector_config *c)
{
	memset(c, 0, sizeof(*c));
	c->port = UB_DEFAULT_PORT;
	c->family = AF_UNSPEC;
	c->session_idle_ns = 60 * UB_NS_PER_S;
	c->max_rate = UB_REFLECTOR_MAX_RATE;
	c->max_sessions = UB_REFLECTOR_MAX_SESSIONS;
	c->sessions_per_source = UB_REFLECTOR_PER_SOURCE;
	c->max_sources = 16384;
	c->tcp = 1;
	ub_loadsrv_config_init(&c->load);
	c->log = stderr;
}

/*
 * Opens the UDP socket and, on the same port number, the TCP echo: one
 * reflector for the UDP-vs-TCP contrast. Returns the UDP side's address in
 * *a, 0 or a negative code (a TCP echo that cannot listen is only said).
 */
static int open_sockets(struct ub_reflector *r, struct ub_addr *a, struct ub_err *e)
{
	const struct ub_reflector_config *c = &r->cfg;
	struct ub_net_listen_config lc;
	struct ub_err te;
	int tries = 0;

	ub_net_listen_config_init(&lc);
	lc.host = c->bind_addr;
	lc.opt = "--bind";
	lc.port = c->port;
	lc.family = c->family;
	/*
	 * Room for a burst (a flood, or the reflector briefly off the CPU) so that
	 * probes queue rather than drop; the kernel caps it at net.core.rmem_max.
	 */
	lc.sockbuf = UB_REFL_SOCKBUF;
	for (;;) {
		r->fd = ub_net_listen(&lc, a, &r->rcvbuf, e);
		if (r->fd < 0 || !c->tcp)
			return r->fd < 0 ? r->fd : 0;
		r->tcp = ub_tcpecho_new(a, c->session_idle_ns, &te);
		if (r->tcp && c->load.allow && ub_tcpecho_set_load(r->tcp, &c->load) < 0) {
			ub_tcpecho_free(r->tcp);
			return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		}
		/* --port 0 found a free UDP port whose TCP twin is taken: another pick. */
		if (r->tcp || c->port != 0 || te.sys_errno != EADDRINUSE || ++tries >= 32)
			break;
		close(r->fd);
		r->fd = -1;
	}
	if (!r->tcp && c->log)
		fprintf(c->log, "udpbench reflector: no TCP echo: %s\n", te.msg);
	return 0;
}

static int open_socket(struct ub_reflector *r, struct ub_err *e)
{
	const struct ub_reflector_config *c = &r->cfg;
	char s[UB_ADDRSTR_MAX];
	struct ub_addr a;
	int rc;

	rc = open_sockets(r, &a, e);
	if (rc < 0)
		return rc;
	r->port = ub_net_addr_port(&a);
	if (!c->quiet && c->log) {
		fprintf(c->log,
			"udpbench reflector listening on %s (STAMP, RFC 8762%s%s%s%s; receive buffer "
			"%d KiB)\n",
			ub_net_addr_str(&a, s, sizeof(s)), r->keyed ? " authenticated mode" : "",
			c->twamp_light ? "; TWAMP-light requests from 14 octets" : "",
			c->ptp ? "; PTP timestamps" : "", r->tcp ? "; TCP echo" : "",
			r->rcvbuf / 1024);
		if (r->tcp && c->load.allow)
			fprintf(c->log,
				"udpbench reflector: load allowed on TCP (at most %lld s a connection, "
				"%llu kbit/s in all%s)\n",
				(long long)(c->load.max_ns / UB_NS_PER_S),
				(unsigned long long)(c->load.max_bps / 1000),
				c->load.max_bps ? "" : ": no cap");
		fflush(c->log);
	}
	return 0;
}

/* The session table forgets slot: its figures go to the ended list. */
static void session_ended(void *ctx, int slot, enum ub_sessions_end why)
{
	struct ub_reflector *r = ctx;

	if (r->seen)
		ub_seen_end(r->seen, slot, why == UB_SESSIONS_EVICTED ? UB_SEEN_EVICTED : UB_SEEN_TIMED_OUT);
}

/* Allocates the session and source tables whole, so that no packet allocates. */
static int alloc_tables(struct ub_reflector *r, struct ub_err *e)
{
	const struct ub_reflector_config *c = &r->cfg;
	struct ub_ratelimit_config rc;
	struct ub_sessions_config sc;
	uint32_t seed = ub_lru_random_seed();

	if (c->max_sessions < 1 || c->max_sessions > UB_REFLECTOR_SESSIONS_MAX)
		return ub_err_set(e, UB_E_INVAL, 0, "--max-sessions: %u outside 1..%u",
				  c->max_sessions, UB_REFLECTOR_SESSIONS_MAX);
	ub_sessions_config_init(&sc);
	sc.max = c->max_sessions;
	sc.per_source = c->sessions_per_source;
	sc.idle_ns = c->session_idle_ns;
	/* A session heard within this is active: a flood of newcomers never pushes it out. */
	sc.active_ns = UB_REFLECTOR_EVICT_IDLE_NS;
	if (c->session_idle_ns < sc.active_ns)
		sc.active_ns = c->session_idle_ns;
	sc.seed = seed;
	sc.on_end = session_ended;
	sc.ctx = r;
	if (c->seen) {
		r->seen = ub_seen_new(c->max_sessions, UB_SEEN_ENDED_MAX, e);
		if (!r->seen)
			return UB_E_NOMEM;
	}
	r->sessions = ub_sessions_new(&sc, e);
	if (!r->sessions)
		return UB_E_NOMEM;
	r->sess_seq = calloc(c->max_sessions, sizeof(*r->sess_seq));
	r->sess_run = calloc(c->max_sessions, sizeof(*r->sess_run));
	if (!r->sess_seq || !r->sess_run)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory for %u sessions", c->max_sessions);
	if (r->keyed) {
		r->sess_win = calloc(c->max_sessions, sizeof(*r->sess_win));
		if (!r->sess_win)
			return ub_err_set(e, UB_E_NOMEM, 0, "out of memory for %u replay windows",
					  c->max_sessions);
		r->tags = ub_replay_tags_new(UB_REFLECTOR_TAGS, e);
		if (!r->tags)
			return UB_E_NOMEM;
	}
	ub_ratelimit_config_init(&rc);
	rc.rate = UB_REFLECTOR_DISC_RATE;
	rc.burst = UB_REFLECTOR_DISC_RATE;
	rc.sources = 1024;
	rc.seed = seed ^ 0x85ebca6bu;
	r->disc_rate = ub_ratelimit_new(&rc, e);
	if (!r->disc_rate)
		return UB_E_NOMEM;
	if (c->max_rate == 0)
		return 0;
	ub_ratelimit_config_init(&rc);
	rc.rate = c->max_rate;
	rc.sources = c->max_sources ? c->max_sources : rc.sources;
	rc.seed = seed ^ 0x9e3779b9u;
	r->rate = ub_ratelimit_new(&rc, e);
	if (!r->rate)
		return UB_E_NOMEM;
	return 0;
}

/* Frees what alloc_tables allocated; the pointers are left NULL. */
static void free_tables(struct ub_reflector *r)
{
	ub_sessions_free(r->sessions);
	ub_seen_free(r->seen);
	free(r->sess_seq);
	free(r->sess_run);
	free(r->sess_win);
	ub_replay_tags_free(r->tags);
	ub_ratelimit_free(r->rate);
	ub_ratelimit_free(r->disc_rate);
	r->disc_rate = NULL;
	r->sessions = NULL;
	r->seen = NULL;
	r->sess_seq = NULL;
	r->sess_run = NULL;
	r->sess_win = NULL;
	r->tags = NULL;
	r->rate = NULL;
}

/* What discovery answers say: the name given or the host's, this version, a random id. */
static void disc_info_init(struct ub_reflector *r)
{
	struct ub_disc_info *d = &r->disc;
	char host[256] = "";

	memset(d, 0, sizeof(*d));
	ub_disc_nonce(d->id);
	snprintf(d->kind, sizeof(d->kind), "udpbench");
	snprintf(d->version, sizeof(d->version), "%s", UB_VERSION);
	if (!r->cfg.name && gethostname(host, sizeof(host) - 1) < 0)
		host[0] = '\0';
	ub_disc_clean_name(d->name, r->cfg.name ? r->cfg.name : host);
	d->port = r->port;
}

struct ub_reflector *ub_reflector_new(const struct ub_reflector_config *c, struct ub_err *e)
{
	struct ub_reflector *r;
	int i;

	r = calloc(1, sizeof(*r));
	if (!r) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	r->cfg = *c;
	r->fd = -1;
	r->gso = c->gso;
	for (i = 0; i < UB_REFL_BATCH; i++) {
		r->pkts[i].buf = r->bufs[i];
		r->pkts[i].cap = sizeof(r->bufs[i]);
	}
	if (c->key_file && c->twamp_light) {
		/* A short request has no room for an HMAC: answering it would bypass the key. */
		ub_err_set(e, UB_E_INVAL, 0,
			   "--twamp-light answers unauthenticated requests: not with --key");
		goto fail;
	}
	if (c->key_file) {
		if (ub_auth_key_load(c->key_file, &r->key, e) < 0) {
			ub_err_prefix(e, UB_E_INVAL, "--key");
			goto fail;
		}
		r->keyed = 1;
	}
	if (alloc_tables(r, e) < 0 || open_socket(r, e) < 0)
		goto fail;
	disc_info_init(r);
	return r;
fail:
	ub_reflector_free(r);
	return NULL;
}

void ub_reflector_free(struct ub_reflector *r)
{
	if (!r)
		return;
	free_tables(r);
	ub_tcpecho_free(r->tcp);
	if (r->fd >= 0)
		close(r->fd);
	/* The key is a secret: leave no copy in freed memory. */
	explicit_bzero(&r->key, sizeof(r->key));
	free(r);
}

int ub_reflector_port(const struct ub_reflector *r)
{
	return r->port;
}

const struct ub_seen *ub_reflector_seen(const struct ub_reflector *r)
{
	return r->seen;
}

void ub_reflector_counters(const struct ub_reflector *r, struct ub_reflector_counters *out)
{
	struct ub_sessions_counters sc;

	*out = r->cnt;
	ub_sessions_counters(r->sessions, &sc);
	out->sessions = sc.open;
	out->sessions_total = sc.total + r->cnt.sessions_restarted;
	out->sessions_evicted = sc.evicted;
}

/* The load side's counters, on a line of their own once anybody asked for load. */
static void print_load_counters(const struct ub_reflector *r, FILE *f)
{
	struct ub_loadsrv_counters lc;

	ub_tcpecho_load_counters(r->tcp, &lc);
	if (!lc.asked)
		return;
	fprintf(f,
		"udpbench reflector: load asked %llu, refused %llu, ended at the cap %llu, "
		"open %llu, bytes sunk %llu, bytes sourced %llu\n",
		(unsigned long long)lc.asked, (unsigned long long)lc.refused,
		(unsigned long long)lc.capped, (unsigned long long)lc.open,
		(unsigned long long)lc.bytes_in, (unsigned long long)lc.bytes_out);
}

int ub_reflector_tcp_counters(const struct ub_reflector *r, struct ub_tcpecho_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (!r->tcp)
		return -1;
	ub_tcpecho_counters(r->tcp, out);
	return 0;
}

void ub_reflector_print_counters(const struct ub_reflector *r, FILE *f)
{
	struct ub_reflector_counters c;
	struct ub_tcpecho_counters tc;

	ub_reflector_counters(r, &c);
	if (r->tcp) {
		ub_tcpecho_counters(r->tcp, &tc);
		fprintf(f,
			"udpbench reflector: TCP connections %llu (open %llu), bytes echoed %llu, "
			"refused %llu, evicted idle %llu, timed out %llu, accept failed %llu\n",
			(unsigned long long)tc.connections, (unsigned long long)tc.open,
			(unsigned long long)tc.bytes, (unsigned long long)tc.refused,
			(unsigned long long)tc.evicted, (unsigned long long)tc.timed_out,
			(unsigned long long)tc.accept_failed);
		print_load_counters(r, f);
	}
	/*
	 * received = reflected + every drop (see reflector.h). The older counters
	 * keep their places; the session figures sit between them and the newer.
	 */
	fprintf(f,
		"udpbench reflector: received %llu, reflected %llu, short %llu, too long %llu, "
		"bad key %llu, rate capped %llu, sessions refused %llu, send errors %llu, "
		"sessions %llu (total %llu), evicted %llu, restarted %llu, replayed %llu, "
		"looks like a reply %llu, from itself %llu, discovery answered %llu, "
		"discovery refused %llu, twamp-light %llu, twamp-light unanswered %llu%s\n",
		(unsigned long long)c.received, (unsigned long long)c.reflected,
		(unsigned long long)c.short_dropped, (unsigned long long)c.too_long,
		(unsigned long long)c.bad_key, (unsigned long long)c.rate_capped,
		(unsigned long long)c.sessions_refused, (unsigned long long)c.send_errors,
		(unsigned long long)c.sessions, (unsigned long long)c.sessions_total,
		(unsigned long long)c.sessions_evicted, (unsigned long long)c.sessions_restarted,
		(unsigned long long)c.replayed, (unsigned long long)c.looks_like_reply,
		(unsigned long long)c.from_itself, (unsigned long long)c.discovery_answered,
		(unsigned long long)c.discovery_refused, (unsigned long long)c.twamp_light,
		(unsigned long long)c.twamp_light_unanswered,
		c.twamp_light_unanswered ? " (--twamp-light answers them)" : "");
	fflush(f);
}

/*
 * Fills *run with the numbering a session follows for request req in p:
 * its sequence number, and T1 as Unix ns read in the format its error
 * estimate's Z bit names, so that NTP and PTP senders, and a sender that
 * changes format, compare alike. A text probe's number and T1 are what its
 * text states: udpbench's sender in auto mode sends those first and goes on
 * with binary requests of the same numbering, and the octets a reply
 * copies are letters and digits that would seem to jump at the switch.
 */
static void run_numbers(const struct ub_reflector *r, const struct ub_pkt *p,
			const struct ub_stamp_req *req, struct ub_stamp_req *run)
{
	int64_t t1_ns;

	*run = *req;
	/* The exact magic at 6..11 first: a binary request is told from text in a few octets. */
	if (!r->keyed && p->len >= UB_STAMP_LEN && ub_proto_text_head(p->buf, p->len, NULL) == 0 &&
	    ub_proto_decode_text((const char *)p->buf, p->len, &run->seq, &t1_ns, NULL) == 0)
		run->ts = (uint64_t)t1_ns;
	else
		run->ts = (uint64_t)ub_proto_ts_ns(req->ts, req->err_est);
}

/* Begins the figures of the session in slot with its first request req (its numbering). */
static void seen_begin(struct ub_reflector *r, int slot, const struct ub_pkt *p,
		       const struct ub_stamp_req *req)
{
	if (r->seen)
		ub_peerstats_start(ub_seen_begin(r->seen, slot, &p->peer, req->ssid), req->seq,
				   (int64_t)req->ts, p->rx_mono_ns, p->rx_real_ns);
}

/*
 * Returns the slot of the session req belongs to (req: its numbering, see
 * run_numbers), begun or started over at need, and records req in it; or -1
 * with *drop naming the counter: the table refused a new session, or
 * (keyed) req was answered before.
 */
static int session_take(struct ub_reflector *r, const struct ub_pkt *p,
			const struct ub_stamp_req *req, uint64_t **drop)
{
	int64_t now = p->rx_mono_ns;
	struct ub_replay_win *win;
	int slot;

	slot = ub_sessions_find(r->sessions, &p->peer, req->ssid, now);
	if (slot < 0) {
		slot = ub_sessions_add(r->sessions, &p->peer, req->ssid, now);
		if (slot < 0) {
			*drop = &r->cnt.sessions_refused;
			return -1;
		}
		/* Heard once: on probation until heard again. */
		r->sess_seq[slot] = 0;
		ub_replay_start(&r->sess_run[slot], r->sess_win ? &r->sess_win[slot] : NULL, req->seq,
				req->ts);
		seen_begin(r, slot, p, req);
		return slot;
	}
	win = r->sess_win ? &r->sess_win[slot] : NULL;
	switch (ub_replay_check(&r->sess_run[slot], win, req->seq, req->ts)) {
	case UB_REPLAY_REPLAYED:
		*drop = &r->cnt.replayed;
		return -1;
	case UB_REPLAY_RESTART:
		/* RFC 8972 §4: the sender started over, so does the reflector's counter. */
		r->sess_seq[slot] = 0;
		r->cnt.sessions_restarted++;
		if (r->seen) {
			ub_seen_end(r->seen, slot, UB_SEEN_RESTARTED);
			seen_begin(r, slot, p, req);
		}
		break;
	case UB_REPLAY_ACCEPT:
		if (r->seen)
			ub_peerstats_add(ub_seen_stats(r->seen, slot), req->seq, (int64_t)req->ts,
					 p->rx_mono_ns, p->rx_real_ns);
		break;
	}
	ub_sessions_heard(r->sessions, slot, now);
	return slot;
}

static uint16_t current_err_est(struct ub_reflector *r, int64_t now)
{
	int64_t err_ns = 0;
	int synced;

	/* The clock's state changes slowly: ask the kernel once a second. */
	if (r->err_est_at == 0 || now - r->err_est_at > UB_NS_PER_S) {
		synced = ub_clock_synced(&err_ns);
		r->err_est = ub_proto_err_est(synced, err_ns);
		r->err_est_at = now;
	}
	/* The Z bit says in which format T2 and T3 are (RFC 8762 §4.2.1). */
	return (uint16_t)(r->err_est | (r->cfg.ptp ? UB_PROTO_EE_Z : 0));
}

/* Returns 1 when p claims to come from the reflector's own address and port. */
static int from_itself(const struct ub_reflector *r, const struct ub_pkt *p)
{
	uint8_t a[UB_ADDR_KEY_MAX], b[UB_ADDR_KEY_MAX];
	size_t la, lb;

	if (ub_net_addr_port(&p->peer) != r->port || !p->has_local)
		return 0;
	/* Compare the addresses only: the local one (from IP_PKTINFO) carries no port. */
	la = ub_net_addr_key(&p->peer, a);
	lb = ub_net_addr_key(&p->local, b);
	return la == lb && memcmp(a, b, la - 2) == 0;
}

/*
 * Decodes p as a request into req; returns 0, or a pointer to the counter
 * of the reason it is dropped.
 */
static uint64_t *check_request(struct ub_reflector *r, const struct ub_pkt *p,
			       struct ub_stamp_req *req)
{
	/* Larger than any request udpbench or the boards send (the buffer has one octet spare to tell). */
	if (p->truncated || p->len > UB_PKT_MAX)
		return &r->cnt.too_long;
	/*
	 * Shorter than any request: 14 octets (TWAMP-light, RFC 5357 §4.1.2),
	 * 112 authenticated (RFC 8762 §4.2.2).
	 */
	if (p->len < (r->keyed ? UB_STAMP_AUTH_LEN : UB_TWL_REQ_MIN))
		return &r->cnt.short_dropped;
	/* A spoofed source of our own, or another reflector's reply: answering could loop forever. */
	if (from_itself(r, p))
		return &r->cnt.from_itself;
	if (ub_proto_looks_like_reply(p->buf, p->len, r->keyed))
		return &r->cnt.looks_like_reply;
	if (r->keyed) {
		/* Unauthenticated or forged: the HMAC over octets 0..95 does not match. */
		if (ub_proto_decode_req_auth(p->buf, p->len, &r->key, req) < 0)
			return &r->cnt.bad_key;
		/* A signed request answered lately, whatever source it now claims. */
		if (ub_replay_tags_seen(r->tags, ub_proto_auth_tag(p->buf, p->len)))
			return &r->cnt.replayed;
		return NULL;
	}
	if (p->len < UB_STAMP_LEN) {
		/* Its reply is larger than it (41 octets): an amplification, answered only when asked. */
		if (!r->cfg.twamp_light)
			return &r->cnt.twamp_light_unanswered;
		ub_proto_decode_req_twl(p->buf, p->len, req);
		return NULL;
	}
	if (ub_proto_decode_req(p->buf, p->len, req) < 0)
		return &r->cnt.short_dropped;
	return NULL;
}

/* Takes a token from the all-sources discovery bucket at now; returns 1 when there was one. */
static int disc_global_allow(struct ub_reflector *r, int64_t now)
{
	int64_t add;

	if (r->disc_tokens_at == 0 || now - r->disc_tokens_at > UB_NS_PER_S) {
		r->disc_tokens = UB_REFLECTOR_DISC_ALL;
		r->disc_tokens_at = now;
	} else {
		add = (now - r->disc_tokens_at) * UB_REFLECTOR_DISC_ALL / UB_NS_PER_S;
		if (add > 0) {
			r->disc_tokens += add;
			r->disc_tokens_at += add * UB_NS_PER_S / UB_REFLECTOR_DISC_ALL;
			if (r->disc_tokens > UB_REFLECTOR_DISC_ALL)
				r->disc_tokens = UB_REFLECTOR_DISC_ALL;
		}
	}
	if (r->disc_tokens <= 0)
		return 0;
	r->disc_tokens--;
	return 1;
}

/*
 * Answers the discovery datagram in p (kind: ub_disc_classify's 1 or -1)
 * at once, or drops it; counts which.
 */
static void disc_answer(struct ub_reflector *r, struct ub_pkt *p, int kind, const char *nonce)
{
	uint8_t ans[UB_DISC_QUERY_LEN + 1];
	struct ub_disc_info info;
	struct ub_err e;
	struct ub_pkt out;
	int n;

	/*
	 * TTL 255 on arrival: sent on this link, no router between (RFC 5082);
	 * and a source on one of our subnets, so no answer goes off-link to a
	 * spoofed address. Unknown TTL counts as crossed. The rates come before
	 * the subnet test, which reads the interfaces: a flood reads them at
	 * most UB_REFLECTOR_DISC_ALL times a second.
	 */
	if (kind != 1 || p->ttl != UB_DISC_TTL ||
	    !ub_ratelimit_allow(r->disc_rate, &p->peer, p->rx_mono_ns) ||
	    !disc_global_allow(r, p->rx_mono_ns) || !ub_disc_on_link(&p->peer)) {
		r->cnt.discovery_refused++;
		return;
	}
	ub_err_clear(&e);
	info = r->disc;
	/* our own signal on the interface towards the asker, when that one is wireless */
	info.has_rssi = ub_wifi_signal_towards(&p->peer, &info.rssi) == 0;
	n = ub_disc_encode_answer(ans, sizeof(ans), nonce, &info, &e);
	if (n < 0 || (size_t)n > p->len) {
		r->cnt.discovery_refused++;
		return;
	}
	out = *p;
	out.buf = ans;
	out.cap = sizeof(ans);
	out.len = (size_t)n;
	/* The query went to a broadcast or multicast address: the kernel picks our source. */
	out.has_local = 0;
	if (ub_net_send(r->fd, &out, 1, &e) == 1)
		r->cnt.discovery_answered++;
	else
		r->cnt.send_errors++;
}

/* Sends the replies in pkts[0..out); returns 0 or a negative code for a hard error. */
static int send_replies(struct ub_reflector *r, int out, struct ub_err *e)
{
	int done, sent, i;

	for (done = 0; done < out; done += sent) {
		sent = ub_net_send_trains(r->fd, r->pkts + done, out - done, &r->gso, e);
		if (sent < 0) {
			if (!ub_net_soft_error(e->sys_errno))
				return sent;
			/* Drop the one that failed, keep the rest of the batch. */
			r->cnt.send_errors++;
			sent = 1;
			continue;
		}
		r->cnt.reflected += (uint64_t)sent;
		for (i = done; i < done + sent; i++)
			r->cnt.twamp_light += r->twl[i];
	}
	return 0;
}

/* Turns the requests in pkts[0..n) into replies in place; returns how many to send. */
static int reflect_batch(struct ub_reflector *r, int n, int64_t now)
{
	struct ub_stamp_reply rep[UB_REFL_BATCH];
	struct ub_stamp_req req, run;
	char nonce[UB_DISC_NONCE_LEN + 1];
	uint64_t t3, *drop;
	int disc;
	uint16_t ee = current_err_est(r, now);
	int i, slot, out = 0, ptp = r->cfg.ptp;

	for (i = 0; i < n; i++) {
		struct ub_pkt *p = &r->pkts[i];

		r->cnt.received++;
		/* Discovery first: a query is 512 octets and must never pass for a STAMP request. */
		disc = ub_disc_classify(p->buf, p->len, nonce);
		if (disc) {
			disc_answer(r, p, disc, nonce);
			continue;
		}
		/* Not a valid request: never answered (no amplification, no garbage). */
		drop = check_request(r, p, &req);
		if (drop) {
			(*drop)++;
			continue;
		}
		/* Only valid requests spend tokens: garbage claiming a peer's address cannot starve it. */
		if (r->rate && !ub_ratelimit_allow(r->rate, &p->peer, p->rx_mono_ns)) {
			r->cnt.rate_capped++;
			continue;
		}
		run_numbers(r, p, &req, &run);
		slot = session_take(r, p, &run, &drop);
		if (slot < 0) {
			(*drop)++;
			continue;
		}
		if (r->tags)
			ub_replay_tags_add(r->tags, ub_proto_auth_tag(p->buf, p->len));
		memset(&rep[out], 0, sizeof(rep[out]));
		rep[out].seq = r->sess_seq[slot]++;
		rep[out].err_est = ee;
		rep[out].ssid = req.ssid;
		rep[out].rx_ts = ub_proto_ts(p->rx_real_ns, ptp);
		rep[out].sender_seq = req.seq;
		rep[out].sender_ts = req.ts;
		rep[out].sender_err_est = req.err_est;
		rep[out].sender_ttl = p->ttl >= 0 && p->ttl <= 255 ? (uint8_t)p->ttl : 255;
		/* RFC 5357 §4.2.1: a shorter request gets the 41-octet base reply. */
		r->twl[out] = p->len < UB_STAMP_LEN;
		if (p->len < UB_TWL_REPLY_LEN)
			p->len = UB_TWL_REPLY_LEN;
		if (out != i) {
			/* Compact: replies go out from the first slots. */
			struct ub_pkt tmp = r->pkts[out];

			r->pkts[out] = *p;
			*p = tmp;
		}
		out++;
	}
	/* T3 as late as possible: just before the batch leaves (RFC 8762 §4.3.1). */
	t3 = ub_proto_ts(ub_clock_real(), ptp);
	for (i = 0; i < out; i++) {
		rep[i].ts = t3;
		/* The reply is the request's size (only a short TWAMP-light one grows, to 41). */
		if (r->keyed)
			ub_proto_encode_reply_auth(r->pkts[i].buf, r->pkts[i].len, &rep[i], &r->key);
		else
			ub_proto_encode_reply(r->pkts[i].buf, r->pkts[i].len, &rep[i]);
	}
	return out;
}

int ub_reflector_run(struct ub_reflector *r, struct ub_err *e)
{
	struct pollfd pfd[2 + UB_TCPECHO_MAX_CONNS];
	int n, out, rc, npfd, rounds, wait_ms;
	int64_t now;

	while (!*r->cfg.stop) {
		if (r->cfg.dump && *r->cfg.dump) {
			*r->cfg.dump = 0;
			ub_reflector_print_counters(r, r->cfg.log ? r->cfg.log : stderr);
			if (r->cfg.on_dump)
				r->cfg.on_dump(r->cfg.dump_ctx, r);
		}
		/* Cheap when nothing is due: it looks at the longest-idle sessions only. */
		now = ub_clock_mono();
		ub_sessions_expire(r->sessions, now);
		if (r->cfg.on_turn)
			r->cfg.on_turn(r->cfg.turn_ctx, r);
		pfd[0].fd = r->fd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		npfd = 1;
		wait_ms = 1000;
		if (r->tcp) {
			npfd += ub_tcpecho_pollfds(r->tcp, pfd + 1, now);
			wait_ms = ub_tcpecho_wait_ms(r->tcp, now, wait_ms);
		}
		rc = poll(pfd, (nfds_t)npfd, wait_ms);
		if (rc < 0 && errno != EINTR)
			return ub_err_set(e, UB_E_SYS, errno, "poll");
		if (r->tcp && rc >= 0)
			ub_tcpecho_serve(r->tcp, pfd + 1, npfd - 1, ub_clock_mono());
		if (rc <= 0 || !(pfd[0].revents & POLLIN))
			continue;
		/* Under load, batch after batch until the queue is empty, then poll again. */
		for (rounds = 0; rounds < UB_REFL_ROUNDS && !*r->cfg.stop; rounds++) {
			n = ub_net_recv(r->fd, r->pkts, UB_REFL_BATCH, e);
			if (n < 0) {
				if (ub_net_soft_error(e->sys_errno))
					continue;
				return n;
			}
			if (n == 0)
				break;
			out = reflect_batch(r, n, ub_clock_mono());
			rc = send_replies(r, out, e);
			if (rc < 0)
				return rc;
			/* A batch short of full emptied the queue: poll says when more came. */
			if (n < UB_REFL_BATCH)
				break;
		}
	}
	return 0;
}
