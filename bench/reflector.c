#include "reflector.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "clock.h"
#include "lru.h"
#include "net.h"
#include "proto.h"
#include "ratelimit.h"
#include "tcpecho.h"

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
	/* Sessions: (peer address, port, SSID) -> slot; per slot its counter and last packet. */
	struct ub_lru *sessions;
	uint32_t *sess_seq;  /* RFC 8762 §4.3.1: the reflector's own counter, from 0 */
	int64_t *sess_last;
	int64_t evict_idle_ns;
	struct ub_ratelimit *rate; /* NULL: no per-source cap */
	struct ub_reflector_counters cnt;
	uint16_t err_est;
	int64_t err_est_at;
	uint8_t bufs[UB_REFL_BATCH][UB_PKT_MAX + 1];
	struct ub_pkt pkts[UB_REFL_BATCH];
};

void ub_reflector_config_init(struct ub_reflector_config *c)
{
	memset(c, 0, sizeof(*c));
	c->port = UB_DEFAULT_PORT;
	c->family = AF_UNSPEC;
	c->session_idle_ns = 60 * UB_NS_PER_S;
	c->max_rate = UB_REFLECTOR_MAX_RATE;
	c->max_sessions = UB_REFLECTOR_MAX_SESSIONS;
	c->max_sources = 16384;
	c->tcp = 1;
	c->log = stderr;
}

static int open_socket(struct ub_reflector *r, struct ub_err *e)
{
	const struct ub_reflector_config *c = &r->cfg;
	struct ub_addr a;
	int fd = -1, zero = 0, one = 1, rc;
	int family = c->family;

	if (c->bind_addr) {
		rc = ub_net_resolve(c->bind_addr, c->port, family, 1, &a, e);
		if (rc < 0)
			return ub_err_prefix(e, rc, "--bind");
	} else {
		/* Every address: one dual-stack IPv6 socket, or IPv4 alone. */
		if (family == AF_UNSPEC)
			family = AF_INET6;
		rc = ub_net_resolve(NULL, c->port, family, 1, &a, e);
		if (rc < 0 && c->family == AF_UNSPEC) {
			family = AF_INET;
			rc = ub_net_resolve(NULL, c->port, family, 1, &a, e);
		}
		if (rc < 0)
			return rc;
	}
	fd = ub_net_udp_socket(a.ss.ss_family, e);
	if (fd < 0 && a.ss.ss_family == AF_INET6 && !c->bind_addr && c->family == AF_UNSPEC) {
		/* No IPv6 in this kernel: listen on IPv4 only. */
		rc = ub_net_resolve(NULL, c->port, AF_INET, 1, &a, e);
		if (rc < 0)
			return rc;
		fd = ub_net_udp_socket(AF_INET, e);
	}
	if (fd < 0)
		return fd;
	if (a.ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, c->family == AF_INET6 ? &one : &zero,
			   sizeof(int));
	/*
	 * Room for a burst (a flood, or the reflector briefly off the CPU) so that
	 * probes queue rather than drop; the kernel caps it at net.core.rmem_max.
	 */
	ub_net_set_buffers(fd, UB_REFL_SOCKBUF, &r->rcvbuf, NULL, NULL);
	if (bind(fd, (struct sockaddr *)&a.ss, a.len) < 0) {
		char s[UB_ADDRSTR_MAX];

		rc = ub_err_set(e, UB_E_SYS, errno, "cannot listen on %s",
				ub_net_addr_str(&a, s, sizeof(s)));
		close(fd);
		return rc;
	}
	a.len = sizeof(a.ss);
	getsockname(fd, (struct sockaddr *)&a.ss, &a.len);
	r->port = ub_net_addr_port(&a);
	r->fd = fd;
	if (c->tcp) {
		struct ub_err te;

		/* The same port number for TCP: one reflector for the UDP-vs-TCP contrast. */
		r->tcp = ub_tcpecho_new(&a, &te);
		if (!r->tcp && c->log)
			fprintf(c->log, "udpbench reflector: no TCP echo: %s\n", te.msg);
	}
	if (!c->quiet && c->log) {
		char s[UB_ADDRSTR_MAX];

		fprintf(c->log,
			"udpbench reflector listening on %s (STAMP, RFC 8762%s%s; receive buffer %d KiB)\n",
			ub_net_addr_str(&a, s, sizeof(s)), r->keyed ? " authenticated mode" : "",
			r->tcp ? "; TCP echo" : "", r->rcvbuf / 1024);
		fflush(c->log);
	}
	return 0;
}

/* Allocates the session and source tables whole, so that no packet allocates. */
static int alloc_tables(struct ub_reflector *r, struct ub_err *e)
{
	const struct ub_reflector_config *c = &r->cfg;
	struct ub_ratelimit_config rc;
	uint32_t seed = ub_lru_random_seed();

	if (c->max_sessions < 1 || c->max_sessions > UB_REFLECTOR_SESSIONS_MAX)
		return ub_err_set(e, UB_E_INVAL, 0, "--max-sessions: %u outside 1..%u",
				  c->max_sessions, UB_REFLECTOR_SESSIONS_MAX);
	r->sessions = ub_lru_new(c->max_sessions, seed, e);
	if (!r->sessions)
		return UB_E_NOMEM;
	r->sess_seq = calloc(c->max_sessions, sizeof(*r->sess_seq));
	r->sess_last = calloc(c->max_sessions, sizeof(*r->sess_last));
	if (!r->sess_seq || !r->sess_last)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory for %u sessions", c->max_sessions);
	/* A flood of new sessions must not push out live ones: only the idle make room. */
	r->evict_idle_ns = UB_REFLECTOR_EVICT_IDLE_NS;
	if (c->session_idle_ns < r->evict_idle_ns)
		r->evict_idle_ns = c->session_idle_ns;
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
	if (c->key_file) {
		if (ub_auth_key_load(c->key_file, &r->key, e) < 0) {
			ub_err_prefix(e, UB_E_INVAL, "--key");
			goto fail;
		}
		r->keyed = 1;
	}
	if (alloc_tables(r, e) < 0 || open_socket(r, e) < 0)
		goto fail;
	return r;
fail:
	ub_reflector_free(r);
	return NULL;
}

void ub_reflector_free(struct ub_reflector *r)
{
	if (!r)
		return;
	ub_lru_free(r->sessions);
	free(r->sess_seq);
	free(r->sess_last);
	ub_ratelimit_free(r->rate);
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

void ub_reflector_counters(const struct ub_reflector *r, struct ub_reflector_counters *out)
{
	*out = r->cnt;
}

void ub_reflector_print_counters(const struct ub_reflector *r, FILE *f)
{
	const struct ub_reflector_counters *c = &r->cnt;
	struct ub_tcpecho_counters tc;

	if (r->tcp) {
		ub_tcpecho_counters(r->tcp, &tc);
		fprintf(f, "udpbench reflector: TCP connections %llu (open %llu), bytes echoed %llu\n",
			(unsigned long long)tc.connections, (unsigned long long)tc.open,
			(unsigned long long)tc.bytes);
	}
	/* received = reflected + every drop after it (see reflector.h). */
	fprintf(f,
		"udpbench reflector: received %llu, reflected %llu, short %llu, too long %llu, "
		"bad key %llu, rate capped %llu, sessions refused %llu, send errors %llu, "
		"sessions %llu (total %llu), evicted %llu\n",
		(unsigned long long)c->received, (unsigned long long)c->reflected,
		(unsigned long long)c->short_dropped, (unsigned long long)c->too_long,
		(unsigned long long)c->bad_key, (unsigned long long)c->rate_capped,
		(unsigned long long)c->sessions_refused, (unsigned long long)c->send_errors,
		(unsigned long long)c->sessions, (unsigned long long)c->sessions_total,
		(unsigned long long)c->sessions_evicted);
	fflush(f);
}

/* Forgets the session in slot. */
static void session_drop(struct ub_reflector *r, int slot)
{
	ub_lru_remove(r->sessions, slot);
	r->cnt.sessions--;
}

/*
 * Returns the slot of the session of (peer, ssid), made at need, or -1 when
 * the table is full and even its longest-idle session was heard from less
 * than evict_idle_ns ago: spoofed requests cannot push out live sessions.
 */
static int session_get(struct ub_reflector *r, const struct ub_addr *peer, uint16_t ssid,
		       int64_t now)
{
	uint8_t key[UB_LRU_KEY_MAX];
	size_t n = ub_net_addr_key(peer, key); /* address, port: 6 or 18 octets */
	int slot, old;

	key[n++] = (uint8_t)(ssid >> 8);
	key[n++] = (uint8_t)ssid;
	slot = ub_lru_find(r->sessions, key, n);
	if (slot >= 0 && now - r->sess_last[slot] > r->cfg.session_idle_ns) {
		/* Silent past the timeout but not swept yet: it is over all the same. */
		session_drop(r, slot);
		slot = -1;
	}
	if (slot >= 0) {
		r->sess_last[slot] = now;
		return slot;
	}
	if (ub_lru_count(r->sessions) == ub_lru_capacity(r->sessions)) {
		old = ub_lru_oldest(r->sessions);
		if (now - r->sess_last[old] < r->evict_idle_ns)
			return -1;
		session_drop(r, old);
		r->cnt.sessions_evicted++;
	}
	slot = ub_lru_add(r->sessions, key, n);
	if (slot < 0)
		return -1;
	r->sess_seq[slot] = 0;
	r->sess_last[slot] = now;
	r->cnt.sessions++;
	r->cnt.sessions_total++;
	return slot;
}

/* Forgets the sessions silent longer than the timeout: the oldest first, stopping at the first live one. */
static void sessions_expire(struct ub_reflector *r, int64_t now)
{
	int slot;

	while ((slot = ub_lru_oldest(r->sessions)) >= 0 &&
	       now - r->sess_last[slot] > r->cfg.session_idle_ns)
		session_drop(r, slot);
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
	return r->err_est;
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
	if (r->keyed) {
		/* RFC 8762 §4.2.2: shorter than 112 octets is no authenticated packet. */
		if (p->len < UB_STAMP_AUTH_LEN)
			return &r->cnt.short_dropped;
		/* Unauthenticated or forged: the HMAC over octets 0..95 does not match. */
		if (ub_proto_decode_req_auth(p->buf, p->len, &r->key, req) < 0)
			return &r->cnt.bad_key;
		return NULL;
	}
	if (ub_proto_decode_req(p->buf, p->len, req) < 0)
		return &r->cnt.short_dropped;
	return NULL;
}

/* Sends the replies in pkts[0..out); returns 0 or a negative code for a hard error. */
static int send_replies(struct ub_reflector *r, int out, struct ub_err *e)
{
	int done, sent;

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
	}
	return 0;
}

/* Turns the requests in pkts[0..n) into replies in place; returns how many to send. */
static int reflect_batch(struct ub_reflector *r, int n, int64_t now)
{
	struct ub_stamp_reply rep[UB_REFL_BATCH];
	struct ub_stamp_req req;
	uint64_t t3, *drop;
	uint16_t ee = current_err_est(r, now);
	int i, slot, out = 0;

	for (i = 0; i < n; i++) {
		struct ub_pkt *p = &r->pkts[i];

		r->cnt.received++;
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
		slot = session_get(r, &p->peer, req.ssid, p->rx_mono_ns);
		if (slot < 0) {
			r->cnt.sessions_refused++;
			continue;
		}
		memset(&rep[out], 0, sizeof(rep[out]));
		rep[out].seq = r->sess_seq[slot]++;
		rep[out].err_est = ee;
		rep[out].ssid = req.ssid;
		rep[out].rx_ts = ub_clock_ns_to_ntp(p->rx_real_ns);
		rep[out].sender_seq = req.seq;
		rep[out].sender_ts = req.ts;
		rep[out].sender_err_est = req.err_est;
		rep[out].sender_ttl = p->ttl >= 0 && p->ttl <= 255 ? (uint8_t)p->ttl : 255;
		if (out != i) {
			/* Compact: replies go out from the first slots. */
			struct ub_pkt tmp = r->pkts[out];

			r->pkts[out] = *p;
			*p = tmp;
		}
		out++;
	}
	/* T3 as late as possible: just before the batch leaves (RFC 8762 §4.3.1). */
	t3 = ub_clock_ns_to_ntp(ub_clock_real());
	for (i = 0; i < out; i++) {
		rep[i].ts = t3;
		/* The reply is exactly the request's size (never larger: no amplification). */
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
	int n, out, rc, npfd, rounds;
	int64_t now;

	while (!*r->cfg.stop) {
		if (r->cfg.dump && *r->cfg.dump) {
			*r->cfg.dump = 0;
			ub_reflector_print_counters(r, r->cfg.log ? r->cfg.log : stderr);
		}
		/* Cheap when nothing is due: it looks at the longest-idle session only. */
		now = ub_clock_mono();
		sessions_expire(r, now);
		pfd[0].fd = r->fd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		npfd = 1 + (r->tcp ? ub_tcpecho_pollfds(r->tcp, pfd + 1) : 0);
		rc = poll(pfd, (nfds_t)npfd, 1000);
		if (rc < 0 && errno != EINTR)
			return ub_err_set(e, UB_E_SYS, errno, "poll");
		if (rc <= 0)
			continue;
		if (r->tcp)
			ub_tcpecho_serve(r->tcp, pfd + 1, npfd - 1);
		if (!(pfd[0].revents & POLLIN))
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
		}
	}
	return 0;
}
