#include "reflector.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"
#include "proto.h"
#include "tcpecho.h"

#define UB_REFL_BATCH 32
#define UB_REFL_BUCKETS 4096

struct ub_session {
	struct ub_session *next;
	struct ub_addr peer;
	uint16_t ssid;
	uint32_t next_seq; /* RFC 8762 §4.3.1: the reflector's own counter, from 0 */
	int64_t last_ns;
};

struct ub_reflector {
	struct ub_reflector_config cfg;
	int fd;
	struct ub_tcpecho *tcp;
	int port;
	struct ub_session *buckets[UB_REFL_BUCKETS];
	struct ub_reflector_counters cnt;
	uint16_t err_est;
	int64_t err_est_at;
	int64_t swept_at;
	uint8_t bufs[UB_REFL_BATCH][UB_PKT_MAX + 1];
	struct ub_pkt pkts[UB_REFL_BATCH];
};

void ub_reflector_config_init(struct ub_reflector_config *c)
{
	memset(c, 0, sizeof(*c));
	c->port = UB_DEFAULT_PORT;
	c->family = AF_UNSPEC;
	c->session_idle_ns = 60 * UB_NS_PER_S;
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
			return rc;
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

		fprintf(c->log, "udpbench reflector listening on %s (STAMP, RFC 8762%s)\n",
			ub_net_addr_str(&a, s, sizeof(s)), r->tcp ? "; TCP echo" : "");
		fflush(c->log);
	}
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
	for (i = 0; i < UB_REFL_BATCH; i++) {
		r->pkts[i].buf = r->bufs[i];
		r->pkts[i].cap = sizeof(r->bufs[i]);
	}
	if (open_socket(r, e) < 0) {
		free(r);
		return NULL;
	}
	return r;
}

void ub_reflector_free(struct ub_reflector *r)
{
	struct ub_session *s, *n;
	int i;

	if (!r)
		return;
	for (i = 0; i < UB_REFL_BUCKETS; i++)
		for (s = r->buckets[i]; s; s = n) {
			n = s->next;
			free(s);
		}
	ub_tcpecho_free(r->tcp);
	if (r->fd >= 0)
		close(r->fd);
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
	struct ub_tcpecho_counters tc;

	if (r->tcp) {
		ub_tcpecho_counters(r->tcp, &tc);
		fprintf(f, "udpbench reflector: TCP connections %llu (open %llu), bytes echoed %llu\n",
			(unsigned long long)tc.connections, (unsigned long long)tc.open,
			(unsigned long long)tc.bytes);
	}
	fprintf(f,
		"udpbench reflector: received %llu, reflected %llu, short %llu, send errors %llu, "
		"sessions %llu (total %llu)\n",
		(unsigned long long)r->cnt.received, (unsigned long long)r->cnt.reflected,
		(unsigned long long)r->cnt.short_dropped, (unsigned long long)r->cnt.send_errors,
		(unsigned long long)r->cnt.sessions, (unsigned long long)r->cnt.sessions_total);
	fflush(f);
}

/* Returns the hash of a session's identity: its peer's key, then its SSID low byte first. */
static uint32_t session_hash(const uint8_t *key, size_t n, uint16_t ssid)
{
	const uint8_t id[2] = { (uint8_t)(ssid & 0xff), (uint8_t)(ssid >> 8) };

	return ub_net_hash(id, sizeof(id), ub_net_hash(key, n, UB_NET_HASH_INIT));
}

static struct ub_session *session_get(struct ub_reflector *r, const struct ub_addr *peer,
				      uint16_t ssid, int64_t now)
{
	uint8_t key[UB_ADDR_KEY_MAX], skey[UB_ADDR_KEY_MAX];
	size_t n = ub_net_addr_key(peer, key);
	uint32_t b = session_hash(key, n, ssid) % UB_REFL_BUCKETS;
	struct ub_session *s;

	for (s = r->buckets[b]; s; s = s->next) {
		if (s->ssid == ssid && s->peer.ss.ss_family == peer->ss.ss_family &&
		    ub_net_addr_key(&s->peer, skey) == n && memcmp(key, skey, n) == 0) {
			s->last_ns = now;
			return s;
		}
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->peer = *peer;
	s->ssid = ssid;
	s->last_ns = now;
	s->next = r->buckets[b];
	r->buckets[b] = s;
	r->cnt.sessions++;
	r->cnt.sessions_total++;
	return s;
}

static void sessions_expire(struct ub_reflector *r, int64_t now)
{
	struct ub_session **pp, *s;
	int i;

	for (i = 0; i < UB_REFL_BUCKETS; i++) {
		pp = &r->buckets[i];
		while ((s = *pp)) {
			if (now - s->last_ns > r->cfg.session_idle_ns) {
				*pp = s->next;
				free(s);
				r->cnt.sessions--;
			} else {
				pp = &s->next;
			}
		}
	}
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

/* Turns the requests in pkts[0..n) into replies in place; returns how many to send. */
static int reflect_batch(struct ub_reflector *r, int n, int64_t now)
{
	struct ub_stamp_reply rep[UB_REFL_BATCH];
	struct ub_stamp_req req;
	struct ub_session *s;
	uint64_t t3;
	uint16_t ee = current_err_est(r, now);
	int i, out = 0;

	for (i = 0; i < n; i++) {
		struct ub_pkt *p = &r->pkts[i];

		r->cnt.received++;
		/* Too short to be a request: never answered (no amplification, no garbage). */
		if (p->truncated || ub_proto_decode_req(p->buf, p->len, &req) < 0) {
			r->cnt.short_dropped++;
			continue;
		}
		s = session_get(r, &p->peer, req.ssid, now);
		if (!s)
			continue;
		memset(&rep[out], 0, sizeof(rep[out]));
		rep[out].seq = s->next_seq++;
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
		ub_proto_encode_reply(r->pkts[i].buf, r->pkts[i].len, &rep[i]);
	}
	return out;
}

int ub_reflector_run(struct ub_reflector *r, struct ub_err *e)
{
	struct pollfd pfd[2 + UB_TCPECHO_MAX_CONNS];
	int n, out, sent, done, rc, npfd;
	int64_t now;

	while (!*r->cfg.stop) {
		if (r->cfg.dump && *r->cfg.dump) {
			*r->cfg.dump = 0;
			ub_reflector_print_counters(r, r->cfg.log ? r->cfg.log : stderr);
		}
		now = ub_clock_mono();
		if (now - r->swept_at > UB_NS_PER_S) {
			sessions_expire(r, now);
			r->swept_at = now;
		}
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
		n = ub_net_recv(r->fd, r->pkts, UB_REFL_BATCH, e);
		if (n < 0) {
			if (ub_net_soft_error(e->sys_errno))
				continue;
			return n;
		}
		if (n == 0)
			continue;
		out = reflect_batch(r, n, ub_clock_mono());
		for (done = 0; done < out; done += sent) {
			sent = ub_net_send(r->fd, r->pkts + done, out - done, e);
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
	}
	return 0;
}
