#include "relay/relay.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/net.h"
#include "relay/flowtab.h"
#include "relay/pktlink.h"
#include "relay/relayq.h"
#include "relay/truth.h"
#include "lib/units.h"

#define RELAY_BATCH 32
#define RELAY_BUF 65536             /* any UDP datagram fits */
#define RELAY_RECV_ROUNDS 8         /* batches per socket per turn: no socket starves the rest */
#define RELAY_TICK_NS UB_NS_PER_S   /* longest wait: stop flags and idle flows are checked */

struct ub_relay {
	struct ub_relay_config cfg;
	int lfd;
	int lport;
	struct ub_addr laddr, target;
	uint64_t seed;
	int64_t t0;

	struct ub_flowtab *ft; /* the clients */
	struct ub_relayq *q;   /* what waits to be sent */
	struct ub_truth *truth;
	uint64_t icmp_errors;  /* see struct ub_relay_counters */
	int64_t swept_at;

	uint8_t *rxbuf;
	struct ub_pkt rx[RELAY_BATCH];

	struct ub_pktlink *link; /* --between: the packet-level link does the work instead */
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
	} else if (strcmp(name, "between") == 0) {
		c->between = value;
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

static int open_listen(struct ub_relay *r, struct ub_err *e)
{
	const struct ub_relay_config *c = &r->cfg;
	struct ub_net_listen_config lc;
	char host[256];
	int fd, rc;

	ub_net_listen_config_init(&lc);
	rc = ub_net_split_listen("--listen", c->listen, host, sizeof(host), &lc.port, e);
	if (rc < 0)
		return rc;
	lc.host = host[0] ? host : NULL;
	lc.opt = "--listen";
	lc.family = c->family;
	/* Best effort: a burst of probes waits here while the relay sends. */
	lc.sockbuf = 4 << 20;
	fd = ub_net_listen(&lc, &r->laddr, NULL, e);
	if (fd < 0)
		return fd;
	r->lport = ub_net_addr_port(&r->laddr);
	r->lfd = fd;
	return 0;
}

/* IP and UDP header bytes a datagram to or from a carries: what a link at --rate sends. */
static size_t ip_udp_overhead(const struct ub_addr *a)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;

	if (a->ss.ss_family == AF_INET6 && !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return 40 + 8;
	return 20 + 8;
}

uint64_t ub_relay_random_seed(void)
{
	uint64_t s = 0;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s) || s == 0)
		s = (uint64_t)ub_clock_real() ^ ((uint64_t)getpid() << 32);
	/* Small enough to type back after --seed. */
	return s % 1000000000ULL;
}

/* ---- receiving ---------------------------------------------------------- */

/* One datagram into flow f in direction dir: decide, count, schedule. */
static void admit(struct ub_relay *r, struct ub_flowtab_flow *f, int dir, const uint8_t *buf, size_t len,
		  int64_t at)
{
	const struct ub_addr *wire = dir == UB_DIR_UP ? &r->target : &f->q.client;
	struct ub_relayq_arrival a = {
		.flow = &f->q,
		.model = f->model[dir],
		.cfg = dir == UB_DIR_UP ? &r->cfg.up : &r->cfg.down,
		.index = f->index,
		.dir = (enum ub_dir)dir,
		.buf = buf,
		.len = len,
		.wire = len + ip_udp_overhead(wire),
		.at = at,
		.t_ns = at - r->t0,
	};

	f->last_ns = at;
	a.idx = ++f->arrivals[dir];
	ub_relayq_admit(r->q, &a);
}

static int64_t arrival(const struct ub_relay *r, const struct ub_pkt *p)
{
	/* The kernel's stamp when the clock is the real one: queueing here adds no delay. */
	return r->cfg.clock ? relay_now(r) : p->rx_mono_ns;
}

static int recv_client(struct ub_relay *r, struct ub_err *e)
{
	struct ub_flowtab_flow *f;
	int round, n, i;

	for (round = 0; round < RELAY_RECV_ROUNDS; round++) {
		n = ub_net_recv(r->lfd, r->rx, RELAY_BATCH, e);
		if (n < 0)
			return ub_net_soft_error(e->sys_errno) ? 0 : n;
		for (i = 0; i < n; i++) {
			struct ub_pkt *p = &r->rx[i];
			int64_t at = arrival(r, p);

			f = ub_flowtab_get(r->ft, &p->peer, at);
			if (!f)
				continue;
			if (p->has_local) {
				f->q.local = p->local;
				f->q.has_local = 1;
			}
			admit(r, f, UB_DIR_UP, p->buf, p->len, at);
		}
		if (n < RELAY_BATCH)
			break;
	}
	return 0;
}

static void recv_target(struct ub_relay *r, struct ub_flowtab_flow *f)
{
	struct ub_err e;
	int round, n, i;

	for (round = 0; round < RELAY_RECV_ROUNDS; round++) {
		ub_err_clear(&e);
		n = ub_net_recv(f->q.fd[UB_DIR_UP], r->rx, RELAY_BATCH, &e);
		if (n < 0) {
			/* An ICMP error from the target's side: counted, the flow goes on. */
			r->icmp_errors++;
			return;
		}
		for (i = 0; i < n; i++)
			admit(r, f, UB_DIR_DOWN, r->rx[i].buf, r->rx[i].len, arrival(r, &r->rx[i]));
		if (n < RELAY_BATCH)
			break;
	}
}

/*
 * One turn of the loop: send what is due, wait for datagrams at most until
 * the next thing is due (and no longer than max_wait_ns), take them in,
 * and send what became due. Returns 0 or a negative code for a hard error.
 */
static int relay_turn(struct ub_relay *r, int64_t max_wait_ns, struct ub_err *e)
{
	struct ub_flowtab_flow **pflow;
	struct pollfd *pfd;
	struct timespec ts;
	int64_t now, wait;
	int i, n, rc;

	now = relay_now(r);
	ub_relayq_emit_due(r->q, now);
	if (now - r->swept_at > RELAY_TICK_NS) {
		ub_flowtab_expire(r->ft, now);
		r->swept_at = now;
	}
	wait = ub_relayq_wait(r->q, now, RELAY_TICK_NS, max_wait_ns);
	n = ub_flowtab_pollset(r->ft, &pfd, &pflow);
	if (n < 0)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	ts = ub_clock_ns_to_ts(wait);
	rc = ppoll(pfd, (nfds_t)n, &ts, NULL);
	if (rc < 0) {
		if (errno == EINTR)
			return 0;
		return ub_err_set(e, UB_E_SYS, errno, "poll");
	}
	if (rc > 0) {
		if (pfd[0].revents) {
			rc = recv_client(r, e);
			if (rc < 0)
				return rc;
		}
		/*
		 * Flows made just now are not in this poll set: pflow still holds the
		 * old ones, but not a flow dropped just now to make room (NULL).
		 */
		for (i = 1; i < n; i++)
			if (pfd[i].revents && pflow[i])
				recv_target(r, pflow[i]);
	}
	ub_relayq_emit_due(r->q, relay_now(r));
	return 0;
}

/* ---- public ------------------------------------------------------------- */

/* The truth log, the queue of datagrams on their way and the receive buffers. Returns 0 or a code. */
static int relay_engine(struct ub_relay *r, struct ub_err *e)
{
	struct ub_relayq_config qc;
	struct ub_truth_config tc;
	int i;

	ub_truth_config_init(&tc);
	tc.max_events = r->cfg.max_events;
	r->truth = ub_truth_new(&tc, e);
	if (!r->truth)
		return e->code;
	ub_relayq_config_init(&qc);
	qc.hold_max_ns = r->cfg.hold_max_ns;
	qc.truth = r->truth;
	r->q = ub_relayq_new(&qc, e);
	if (!r->q)
		return e->code;
	r->rxbuf = malloc((size_t)RELAY_BATCH * RELAY_BUF);
	if (!r->rxbuf)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	for (i = 0; i < RELAY_BATCH; i++) {
		r->rx[i].buf = r->rxbuf + (size_t)i * RELAY_BUF;
		r->rx[i].cap = RELAY_BUF;
	}
	return 0;
}

/* The line that says where the relay listens, where it sends and with which seed. */
static void say_listening(struct ub_relay *r)
{
	char ls[UB_ADDRSTR_MAX], ts[UB_ADDRSTR_MAX], fl[32];
	struct ub_flowtab_counters fc;

	ub_flowtab_counters(r->ft, &fc);
	fprintf(r->cfg.log,
		"udpbench relay listening on %s -> %s, seed %llu, up to %zu flows (open files limit %s)\n",
		ub_net_addr_str(&r->laddr, ls, sizeof(ls)), ub_net_addr_str(&r->target, ts, sizeof(ts)),
		(unsigned long long)r->seed, (size_t)fc.max, ub_flowtab_files_limit(r->ft, fl, sizeof(fl)));
	fflush(r->cfg.log);
}

struct ub_relay *ub_relay_new(const struct ub_relay_config *c, struct ub_err *e)
{
	struct ub_relay *r;
	char host[256];
	int port = UB_DEFAULT_PORT;

	r = calloc(1, sizeof(*r));
	if (!r) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	r->cfg = *c;
	r->lfd = -1;
	if (!r->cfg.log)
		r->cfg.quiet = 1;
	if (c->between || c->have_ports) {
		r->link = ub_pktlink_new(c, e);
		if (!r->link)
			goto fail;
		return r;
	}
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
		ub_err_prefix(e, UB_E_INVAL, "--to");
		goto fail;
	}
	r->seed = c->seed_set ? c->seed : ub_relay_random_seed();
	if (relay_engine(r, e) < 0 || open_listen(r, e) < 0)
		goto fail;
	r->ft = ub_flowtab_new(&r->cfg, &r->target, r->lfd, r->seed);
	if (!r->ft) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		goto fail;
	}
	r->t0 = relay_now(r);
	r->swept_at = r->t0;
	if (!r->cfg.quiet)
		say_listening(r);
	return r;
fail:
	ub_relay_free(r);
	return NULL;
}

void ub_relay_free(struct ub_relay *r)
{
	if (!r)
		return;
	ub_pktlink_free(r->link);
	ub_relayq_free(r->q);
	ub_flowtab_free(r->ft);
	if (r->lfd >= 0)
		close(r->lfd);
	ub_truth_free(r->truth);
	free(r->rxbuf);
	free(r);
}

int ub_relay_port(const struct ub_relay *r)
{
	return r->lport;
}

uint64_t ub_relay_seed(const struct ub_relay *r)
{
	return r->link ? ub_pktlink_seed(r->link) : r->seed;
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
		rc = r->link ? ub_pktlink_turn(r->link, left, e) : relay_turn(r, left, e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void ub_relay_counters(const struct ub_relay *r, struct ub_relay_counters *out)
{
	struct ub_flowtab_counters fc;
	int d;

	memset(out, 0, sizeof(*out));
	if (r->link) {
		struct ub_pktlink_counters lc;

		ub_pktlink_counters(r->link, out->dir, &lc);
		out->flows = lc.flows;
		out->max_flows = UB_PKTLINK_FLOWS_MAX;
		out->unrouted = lc.malformed;
		return;
	}
	for (d = 0; d < 2; d++)
		ub_truth_counters(r->truth, (enum ub_dir)d, &out->dir[d]);
	ub_flowtab_counters(r->ft, &fc);
	out->flows = fc.seen;
	out->flows_alive = fc.alive;
	out->max_flows = fc.max;
	out->flows_refused = fc.refused;
	out->flows_evicted = fc.evicted;
	out->unrouted = fc.unrouted;
	out->icmp_errors = r->icmp_errors;
	out->pending = ub_relayq_pending(r->q);
	out->events = ub_truth_events(r->truth, &out->events_truncated);
}

void ub_relay_print_counters(const struct ub_relay *r, FILE *f)
{
	struct ub_flowtab_counters fc;

	if (r->link) {
		ub_pktlink_print_counters(r->link, f);
		return;
	}
	ub_truth_print_counters(r->truth, f);
	ub_flowtab_counters(r->ft, &fc);
	fprintf(f, "udpbench relay: flows %llu (alive %llu, at most %zu), refused %llu, evicted %llu\n",
		(unsigned long long)fc.seen, (unsigned long long)fc.alive, (size_t)fc.max,
		(unsigned long long)fc.refused, (unsigned long long)fc.evicted);
	fflush(f);
}

/* The socket relay's truth log: its addresses and flow table around the counters. */
static int write_truth(const struct ub_relay *r, const char *path, struct ub_err *e)
{
	struct ub_flowtab_counters fc;
	struct ub_truth_header h = {
		.seed = r->seed,
		.listen = &r->laddr,
		.target = &r->target,
		.elapsed_ns = relay_now(r) - r->t0,
		.up = &r->cfg.up,
		.down = &r->cfg.down,
		.pending = { ub_relayq_pending_dir(r->q, UB_DIR_UP),
			     ub_relayq_pending_dir(r->q, UB_DIR_DOWN) },
		.icmp_errors = r->icmp_errors,
	};

	ub_flowtab_counters(r->ft, &fc);
	h.flows = fc.seen;
	h.flows_refused = fc.refused;
	h.flows_evicted = fc.evicted;
	h.max_flows = fc.max;
	h.unrouted = fc.unrouted;
	return ub_truth_write(r->truth, &h, path, e);
}

int ub_relay_write_truth(const struct ub_relay *r, const char *path, struct ub_err *e)
{
	if (r->link)
		return ub_pktlink_write_truth(r->link, path, e);
	return write_truth(r, path, e);
}
