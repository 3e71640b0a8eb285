#include "relay/relay.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/lru.h"
#include "lib/net.h"
#include "relay/relayq.h"
#include "relay/truth.h"
#include "lib/units.h"

#define RELAY_BATCH 32
#define RELAY_BUF 65536             /* any UDP datagram fits */
#define RELAY_BUCKETS 1024
#define RELAY_FD_SPARE 8             /* open files kept free beyond the flows: the truth log, the log */
#define RELAY_RECV_ROUNDS 8         /* batches per socket per turn: no socket starves the rest */
#define RELAY_TICK_NS UB_NS_PER_S   /* longest wait: stop flags and idle flows are checked */

/*
 * One client. q is what the output queue needs of it: the upstream socket,
 * connected to the target so that replies map back to this flow, the
 * client's address, and the local one it sent to (the source of what goes
 * back).
 */
struct flow {
	struct flow *next; /* hash chain */
	uint32_t index;    /* in order of first packet, from 0: part of the seed */
	struct ub_relayq_flow q;
	int64_t last_ns;
	uint64_t arrivals[2];
	struct ub_impair *model[2];
};

struct ub_relay {
	struct ub_relay_config cfg;
	int lfd;
	int lport;
	struct ub_addr laddr, target;
	uint64_t seed;
	int64_t t0;

	struct flow *buckets[RELAY_BUCKETS];
	struct flow **flows;
	size_t nflows, cap_flows;
	uint32_t next_index;

	struct ub_relayq *q; /* what waits to be sent */
	struct ub_truth *truth;
	uint64_t flows_seen, unrouted, icmp_errors; /* see struct ub_relay_counters */

	/* room for flows: see relay.h */
	size_t max_flows;
	int max_by_files;             /* max_flows is what the open files limit leaves */
	uint64_t fd_limit, fd_hard;   /* the open files limit after raising it, and the hard one */
	int64_t evict_idle_ns;
	int64_t room_at;              /* no flow can make room before this (monotonic ns) */
	uint64_t flows_refused, flows_evicted;
	struct ub_lru *refused;       /* clients refused and not served since: each counted once */
	int said_refused;

	struct pollfd *pfd;
	struct flow **pflow;
	size_t npfd, cap_pfd;
	int pfd_dirty;
	int64_t swept_at;

	uint8_t *rxbuf;
	struct ub_pkt rx[RELAY_BATCH];
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

static uint64_t random_seed(void)
{
	uint64_t s = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &s, sizeof(s)) != (ssize_t)sizeof(s))
			s = 0;
		close(fd);
	}
	if (s == 0)
		s = (uint64_t)ub_clock_real() ^ ((uint64_t)getpid() << 32);
	/* Small enough to type back after --seed. */
	return s % 1000000000ULL;
}

/* Writes limit (UINT64_MAX: none) into b for people. */
static const char *limit_str(uint64_t limit, char *b, size_t n)
{
	if (limit == UINT64_MAX)
		snprintf(b, n, "unlimited");
	else
		snprintf(b, n, "%llu", (unsigned long long)limit);
	return b;
}

/* Files this process has open now (from /proc); a guess when it cannot tell. */
static uint64_t open_files(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	uint64_t n = 0;

	if (!d)
		return 16;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n > 0 ? n - 1 : 0; /* the folder's own */
}

/*
 * How many flows fit: a socket each, within the open files limit (raised
 * toward the hard one for UB_RELAY_FLOWS_MAX of them) after what is open now
 * and a few to spare, or the configured number when smaller.
 */
static void size_flows(struct ub_relay *r)
{
	uint64_t used = open_files(), room;

	r->fd_limit = ub_net_raise_fd_limit(UB_RELAY_FLOWS_MAX + used + RELAY_FD_SPARE, &r->fd_hard);
	room = r->fd_limit > used + RELAY_FD_SPARE ? r->fd_limit - used - RELAY_FD_SPARE : 1;
	r->max_flows = room < UB_RELAY_FLOWS_MAX ? (size_t)room : UB_RELAY_FLOWS_MAX;
	r->max_by_files = room < UB_RELAY_FLOWS_MAX;
	if (r->cfg.max_flows && r->cfg.max_flows < r->max_flows) {
		r->max_flows = r->cfg.max_flows;
		r->max_by_files = 0;
	}
	r->evict_idle_ns = UB_RELAY_EVICT_IDLE_NS;
	if (r->cfg.flow_idle_ns > 0 && r->cfg.flow_idle_ns < r->evict_idle_ns)
		r->evict_idle_ns = r->cfg.flow_idle_ns;
}

/* ---- flows ------------------------------------------------------------- */

static void flow_destroy(struct flow *f)
{
	int d;

	if (!f)
		return;
	if (f->q.fd[UB_DIR_UP] >= 0)
		close(f->q.fd[UB_DIR_UP]);
	for (d = 0; d < 2; d++) {
		ub_impair_free(f->model[d]);
		ub_truth_order_free(f->q.out_order[d]);
	}
	free(f);
}

static struct flow *flow_find(struct ub_relay *r, const struct ub_addr *peer, uint32_t *bucket)
{
	uint8_t key[UB_ADDR_KEY_MAX], fkey[UB_ADDR_KEY_MAX];
	size_t n = ub_net_addr_key(peer, key);
	struct flow *f;

	*bucket = ub_net_hash(key, n, UB_NET_HASH_INIT) % RELAY_BUCKETS;
	for (f = r->buckets[*bucket]; f; f = f->next)
		if (f->q.client.ss.ss_family == peer->ss.ss_family &&
		    ub_net_addr_key(&f->q.client, fkey) == n && memcmp(key, fkey, n) == 0)
			return f;
	return NULL;
}

static void flow_remove(struct ub_relay *r, size_t i)
{
	struct flow *f = r->flows[i], **pp;
	uint32_t b;
	size_t j;

	flow_find(r, &f->q.client, &b);
	for (pp = &r->buckets[b]; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	r->flows[i] = r->flows[--r->nflows];
	r->pfd_dirty = 1;
	/* the poll set of this turn may still name it */
	for (j = 1; j < r->npfd; j++)
		if (r->pflow[j] == f)
			r->pflow[j] = NULL;
	flow_destroy(f);
}

/*
 * Makes room for a new flow: forgets the flow heard from longest ago among
 * those silent for evict_idle_ns with nothing in flight. Returns 1, or 0
 * when every flow is in use: a flood of new clients cannot push out a flow
 * that carries traffic.
 */
static int flows_make_room(struct ub_relay *r, int64_t now)
{
	int64_t soonest = INT64_MAX, at;
	size_t i, best = SIZE_MAX;

	if (now < r->room_at)
		return 0;
	for (i = 0; i < r->nflows; i++) {
		const struct flow *f = r->flows[i];

		at = f->last_ns + r->evict_idle_ns;
		soonest = at < soonest ? at : soonest;
		if (f->q.inflight == 0 && now >= at &&
		    (best == SIZE_MAX || f->last_ns < r->flows[best]->last_ns))
			best = i;
	}
	if (best == SIZE_MAX) {
		r->room_at = soonest;
		return 0;
	}
	flow_remove(r, best);
	r->flows_evicted++;
	return 1;
}

/*
 * Counts peer as refused (once until it is served) and says so on the log
 * the first time, with why (err: the socket's errno, 0 for no room) and
 * what helps.
 */
static void flow_refuse(struct ub_relay *r, const struct ub_addr *peer, int err)
{
	uint8_t key[UB_ADDR_KEY_MAX];
	size_t n = ub_net_addr_key(peer, key);
	char ps[UB_ADDRSTR_MAX], soft[32], hard[32];

	r->unrouted++;
	if (r->refused && ub_lru_find(r->refused, key, n) < 0) {
		if (ub_lru_count(r->refused) == ub_lru_capacity(r->refused))
			ub_lru_remove(r->refused, ub_lru_oldest(r->refused));
		ub_lru_add(r->refused, key, n);
		r->flows_refused++;
	} else if (!r->refused) {
		r->flows_refused++;
	}
	if (r->said_refused || !r->cfg.log)
		return;
	r->said_refused = 1;
	ub_net_addr_str(peer, ps, sizeof(ps));
	if (err == ENFILE)
		fprintf(r->cfg.log,
			"udpbench relay: refusing new flows (first %s): the system's open files table is "
			"full; raise fs.file-max, or close programs. Flows silent for %.0f s make room.\n",
			ps, (double)r->evict_idle_ns / 1e9);
	else if (err && err != EMFILE)
		fprintf(r->cfg.log, "udpbench relay: refusing new flows (first %s): no socket for them: %s\n",
			ps, strerror(err));
	else if (err == EMFILE || r->max_by_files)
		fprintf(r->cfg.log,
			"udpbench relay: refusing new flows (first %s): %zu flows hold a socket each and the "
			"open files limit is %s (hard limit %s); raise it (ulimit -n) before starting "
			"the relay. Flows silent for %.0f s make room.\n",
			ps, r->nflows, limit_str(r->fd_limit, soft, sizeof(soft)),
			limit_str(r->fd_hard, hard, sizeof(hard)), (double)r->evict_idle_ns / 1e9);
	else
		fprintf(r->cfg.log,
			"udpbench relay: refusing new flows (first %s): %zu flows, the most the relay "
			"holds, are all in use; flows silent for %.0f s make room.\n",
			ps, r->nflows, (double)r->evict_idle_ns / 1e9);
	fflush(r->cfg.log);
}

/* Returns the flow of peer, made on its first packet; NULL when none can be made (counted). */
static struct flow *flow_get(struct ub_relay *r, const struct ub_addr *peer, int64_t now)
{
	uint8_t key[UB_ADDR_KEY_MAX];
	struct ub_err e;
	struct flow *f;
	uint32_t b;
	size_t n;
	int d, slot;

	f = flow_find(r, peer, &b);
	if (f)
		return f;
	if (r->nflows >= r->max_flows && !flows_make_room(r, now)) {
		flow_refuse(r, peer, 0);
		return NULL;
	}
	if (r->nflows == r->cap_flows) {
		size_t cap = r->cap_flows ? 2 * r->cap_flows : 16;
		struct flow **grown = realloc(r->flows, cap * sizeof(*grown));

		if (!grown)
			goto nomem;
		r->flows = grown;
		r->cap_flows = cap;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		goto nomem;
	ub_err_clear(&e);
	f->q.fd[UB_DIR_UP] = ub_net_udp_socket(r->target.ss.ss_family, &e);
	/* out of open files: an idle flow's socket will do */
	if (f->q.fd[UB_DIR_UP] < 0 && (e.sys_errno == EMFILE || e.sys_errno == ENFILE) &&
	    flows_make_room(r, now)) {
		ub_err_clear(&e);
		f->q.fd[UB_DIR_UP] = ub_net_udp_socket(r->target.ss.ss_family, &e);
	}
	if (f->q.fd[UB_DIR_UP] < 0) {
		free(f);
		flow_refuse(r, peer, e.sys_errno ? e.sys_errno : EMFILE);
		return NULL;
	}
	if (connect(f->q.fd[UB_DIR_UP], (const struct sockaddr *)&r->target.ss, r->target.len) < 0)
		goto fail;
	ub_net_set_buffers(f->q.fd[UB_DIR_UP], 1 << 20, NULL, NULL, NULL);
	f->q.fd[UB_DIR_DOWN] = r->lfd;
	f->index = r->next_index;
	f->q.client = *peer;
	f->last_ns = now;
	f->model[UB_DIR_UP] = ub_impair_new(&r->cfg.up, r->seed, f->index, UB_DIR_UP);
	f->model[UB_DIR_DOWN] = ub_impair_new(&r->cfg.down, r->seed, f->index, UB_DIR_DOWN);
	for (d = 0; d < 2; d++) {
		f->q.out_order[d] = ub_truth_order_new();
		if (!f->model[d] || !f->q.out_order[d])
			goto fail;
	}
	r->next_index++;
	f->next = r->buckets[b];
	r->buckets[b] = f;
	r->flows[r->nflows++] = f;
	r->flows_seen++;
	r->pfd_dirty = 1;
	/* served now: refused again later, it counts again */
	n = ub_net_addr_key(peer, key);
	if (r->refused && (slot = ub_lru_find(r->refused, key, n)) >= 0)
		ub_lru_remove(r->refused, slot);
	return f;
fail:
	flow_destroy(f);
nomem:
	r->unrouted++;
	return NULL;
}

/* A flow silent for flow_idle_ns with nothing in flight is forgotten. */
static void flows_expire(struct ub_relay *r, int64_t now)
{
	size_t i = 0;

	while (i < r->nflows) {
		struct flow *f = r->flows[i];

		if (f->q.inflight == 0 && now - f->last_ns > r->cfg.flow_idle_ns)
			flow_remove(r, i);
		else
			i++;
	}
}

/* ---- receiving ---------------------------------------------------------- */

/* One datagram into flow f in direction dir: decide, count, schedule. */
static void admit(struct ub_relay *r, struct flow *f, int dir, const uint8_t *buf, size_t len,
		  int64_t at)
{
	const struct ub_impair_config *ic = dir == UB_DIR_UP ? &r->cfg.up : &r->cfg.down;
	const struct ub_addr *wire = dir == UB_DIR_UP ? &r->target : &f->q.client;
	struct ub_truth *t = r->truth;
	int64_t t_ns = at - r->t0;
	struct ub_impair_decision d;

	ub_truth_in(t, dir);
	f->last_ns = at;
	f->arrivals[dir]++;
	ub_impair_decide(f->model[dir], at, len + ip_udp_overhead(wire), &d);
	if (d.drop != UB_IMPAIR_PASS) {
		ub_truth_record(t, f->index, dir,
				d.drop == UB_IMPAIR_QUEUE ? UB_TRUTH_QUEUE_DROP :
				d.drop == UB_IMPAIR_LOSS  ? UB_TRUTH_LOSS :
							    UB_TRUTH_BURST,
				buf, len, 0, t_ns);
		return;
	}
	if (ub_relayq_add(r->q, &f->q, (enum ub_dir)dir, f->arrivals[dir], &d, buf, len) < 0) {
		/* More in flight than the relay can hold: a drop, and the truth says so. */
		ub_truth_record(t, f->index, dir, UB_TRUTH_OVERFLOW, buf, len, 0, t_ns);
		return;
	}
	if (d.delay_ns > 0)
		ub_truth_delayed(t, dir);
	/* A constant delay is in the config; only a varying one is news per packet. */
	if (ic->jitter_ns > 0)
		ub_truth_record(t, f->index, dir, UB_TRUTH_DELAY, buf, len, d.delay_ns, t_ns);
	if (d.copies > 1)
		ub_truth_record(t, f->index, dir, UB_TRUTH_DUP, buf, len, d.delay_ns, t_ns);
	if (d.hold)
		ub_truth_record(t, f->index, dir, UB_TRUTH_HOLD, buf, len, d.delay_ns, t_ns);
}

static int64_t arrival(const struct ub_relay *r, const struct ub_pkt *p)
{
	/* The kernel's stamp when the clock is the real one: queueing here adds no delay. */
	return r->cfg.clock ? relay_now(r) : p->rx_mono_ns;
}

static int recv_client(struct ub_relay *r, struct ub_err *e)
{
	struct flow *f;
	int round, n, i;

	for (round = 0; round < RELAY_RECV_ROUNDS; round++) {
		n = ub_net_recv(r->lfd, r->rx, RELAY_BATCH, e);
		if (n < 0)
			return ub_net_soft_error(e->sys_errno) ? 0 : n;
		for (i = 0; i < n; i++) {
			struct ub_pkt *p = &r->rx[i];
			int64_t at = arrival(r, p);

			f = flow_get(r, &p->peer, at);
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

static void recv_target(struct ub_relay *r, struct flow *f)
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

static int build_pollset(struct ub_relay *r)
{
	size_t i, need = r->nflows + 1;

	if (need > r->cap_pfd) {
		struct pollfd *p = realloc(r->pfd, need * sizeof(*p));
		struct flow **f;

		if (!p)
			return UB_E_NOMEM;
		r->pfd = p;
		f = realloc(r->pflow, need * sizeof(*f));
		if (!f)
			return UB_E_NOMEM;
		r->pflow = f;
		r->cap_pfd = need;
	}
	r->pfd[0].fd = r->lfd;
	r->pfd[0].events = POLLIN;
	r->pflow[0] = NULL;
	for (i = 0; i < r->nflows; i++) {
		r->pfd[i + 1].fd = r->flows[i]->q.fd[UB_DIR_UP];
		r->pfd[i + 1].events = POLLIN;
		r->pflow[i + 1] = r->flows[i];
	}
	r->npfd = need;
	r->pfd_dirty = 0;
	return 0;
}

/*
 * One turn of the loop: send what is due, wait for datagrams at most until
 * the next thing is due (and no longer than max_wait_ns), take them in,
 * and send what became due. Returns 0 or a negative code for a hard error.
 */
static int relay_turn(struct ub_relay *r, int64_t max_wait_ns, struct ub_err *e)
{
	struct timespec ts;
	int64_t now, wait, due;
	size_t i;
	int rc;

	now = relay_now(r);
	ub_relayq_emit_due(r->q, now);
	if (now - r->swept_at > RELAY_TICK_NS) {
		flows_expire(r, now);
		r->swept_at = now;
	}
	due = ub_relayq_next_due(r->q);
	wait = due == INT64_MAX ? RELAY_TICK_NS : due - now;
	if (wait > RELAY_TICK_NS)
		wait = RELAY_TICK_NS;
	if (wait > max_wait_ns)
		wait = max_wait_ns;
	if (wait < 0)
		wait = 0;
	if (r->pfd_dirty && build_pollset(r) < 0)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	ts = ub_clock_ns_to_ts(wait);
	rc = ppoll(r->pfd, (nfds_t)r->npfd, &ts, NULL);
	if (rc < 0) {
		if (errno == EINTR)
			return 0;
		return ub_err_set(e, UB_E_SYS, errno, "poll");
	}
	if (rc > 0) {
		if (r->pfd[0].revents) {
			rc = recv_client(r, e);
			if (rc < 0)
				return rc;
		}
		/*
		 * Flows made just now are not in this poll set: pflow still holds the
		 * old ones, but not a flow dropped just now to make room (NULL).
		 */
		for (i = 1; i < r->npfd; i++)
			if (r->pfd[i].revents && r->pflow[i])
				recv_target(r, r->pflow[i]);
	}
	ub_relayq_emit_due(r->q, relay_now(r));
	return 0;
}

/* ---- public ------------------------------------------------------------- */

struct ub_relay *ub_relay_new(const struct ub_relay_config *c, struct ub_err *e)
{
	struct ub_relayq_config qc;
	struct ub_truth_config tc;
	struct ub_relay *r;
	char host[256];
	int port = UB_DEFAULT_PORT, i;

	r = calloc(1, sizeof(*r));
	if (!r) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	r->cfg = *c;
	r->lfd = -1;
	if (!r->cfg.log)
		r->cfg.quiet = 1;
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
		char msg[UB_ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", e ? e->msg : "");
		ub_err_set(e, UB_E_INVAL, 0, "--to: %s", msg);
		goto fail;
	}
	r->seed = c->seed_set ? c->seed : random_seed();
	ub_truth_config_init(&tc);
	tc.max_events = c->max_events;
	r->truth = ub_truth_new(&tc, e);
	if (!r->truth)
		goto fail;
	ub_relayq_config_init(&qc);
	qc.hold_max_ns = c->hold_max_ns;
	qc.truth = r->truth;
	r->q = ub_relayq_new(&qc, e);
	if (!r->q)
		goto fail;
	r->rxbuf = malloc((size_t)RELAY_BATCH * RELAY_BUF);
	if (!r->rxbuf) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		goto fail;
	}
	for (i = 0; i < RELAY_BATCH; i++) {
		r->rx[i].buf = r->rxbuf + (size_t)i * RELAY_BUF;
		r->rx[i].cap = RELAY_BUF;
	}
	if (open_listen(r, e) < 0)
		goto fail;
	size_flows(r);
	/* best effort: without it every refused datagram counts as a refused flow */
	r->refused = ub_lru_new(UB_RELAY_FLOWS_MAX, ub_lru_random_seed(), NULL);
	r->pfd_dirty = 1;
	r->t0 = relay_now(r);
	r->swept_at = r->t0;
	if (!r->cfg.quiet) {
		char ls[UB_ADDRSTR_MAX], ts[UB_ADDRSTR_MAX], fl[32];

		fprintf(r->cfg.log,
			"udpbench relay listening on %s -> %s, seed %llu, up to %zu flows (open files limit %s)\n",
			ub_net_addr_str(&r->laddr, ls, sizeof(ls)),
			ub_net_addr_str(&r->target, ts, sizeof(ts)), (unsigned long long)r->seed,
			r->max_flows, limit_str(r->fd_limit, fl, sizeof(fl)));
		fflush(r->cfg.log);
	}
	return r;
fail:
	ub_relay_free(r);
	return NULL;
}

void ub_relay_free(struct ub_relay *r)
{
	size_t i;

	if (!r)
		return;
	ub_relayq_free(r->q);
	for (i = 0; i < r->nflows; i++)
		flow_destroy(r->flows[i]);
	if (r->lfd >= 0)
		close(r->lfd);
	ub_lru_free(r->refused);
	free(r->flows);
	ub_truth_free(r->truth);
	free(r->pfd);
	free(r->pflow);
	free(r->rxbuf);
	free(r);
}

int ub_relay_port(const struct ub_relay *r)
{
	return r->lport;
}

uint64_t ub_relay_seed(const struct ub_relay *r)
{
	return r->seed;
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
		rc = relay_turn(r, left, e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void ub_relay_counters(const struct ub_relay *r, struct ub_relay_counters *out)
{
	int d;

	memset(out, 0, sizeof(*out));
	for (d = 0; d < 2; d++)
		ub_truth_counters(r->truth, (enum ub_dir)d, &out->dir[d]);
	out->flows = r->flows_seen;
	out->flows_alive = r->nflows;
	out->max_flows = r->max_flows;
	out->flows_refused = r->flows_refused;
	out->flows_evicted = r->flows_evicted;
	out->unrouted = r->unrouted;
	out->icmp_errors = r->icmp_errors;
	out->pending = ub_relayq_pending(r->q);
	out->events = ub_truth_events(r->truth, &out->events_truncated);
}

void ub_relay_print_counters(const struct ub_relay *r, FILE *f)
{
	struct ub_truth_dir_counters c;
	int d;

	for (d = 0; d < 2; d++) {
		ub_truth_counters(r->truth, (enum ub_dir)d, &c);
		fprintf(f,
			"udpbench relay %s: in %llu, out %llu, dropped %llu (queue %llu), "
			"duplicated %llu, reordered %llu, delayed %llu\n",
			ub_impair_dir_name((enum ub_dir)d), (unsigned long long)c.in,
			(unsigned long long)c.out, (unsigned long long)c.dropped,
			(unsigned long long)c.queue_dropped, (unsigned long long)c.duplicated,
			(unsigned long long)c.reordered, (unsigned long long)c.delayed);
	}
	fprintf(f, "udpbench relay: flows %llu (alive %llu, at most %zu), refused %llu, evicted %llu\n",
		(unsigned long long)r->flows_seen, (unsigned long long)r->nflows, r->max_flows,
		(unsigned long long)r->flows_refused, (unsigned long long)r->flows_evicted);
	fflush(f);
}

int ub_relay_write_truth(const struct ub_relay *r, const char *path, struct ub_err *e)
{
	struct ub_truth_header h = {
		.seed = r->seed,
		.listen = &r->laddr,
		.target = &r->target,
		.elapsed_ns = relay_now(r) - r->t0,
		.up = &r->cfg.up,
		.down = &r->cfg.down,
		.pending = { ub_relayq_pending_dir(r->q, UB_DIR_UP),
			     ub_relayq_pending_dir(r->q, UB_DIR_DOWN) },
		.flows = r->flows_seen,
		.flows_refused = r->flows_refused,
		.flows_evicted = r->flows_evicted,
		.max_flows = r->max_flows,
		.unrouted = r->unrouted,
		.icmp_errors = r->icmp_errors,
	};

	return ub_truth_write(r->truth, &h, path, e);
}
