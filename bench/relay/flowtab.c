#include "relay/flowtab.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/lru.h"
#include "relay/truth.h"

#define FLOWTAB_BUCKETS 1024
#define FLOWTAB_FD_SPARE 8 /* open files kept free beyond the flows: the truth log, the log */

struct ub_flowtab {
	const struct ub_relay_config *cfg;
	struct ub_addr target;
	int lfd;
	uint64_t seed;

	struct ub_flowtab_flow *buckets[FLOWTAB_BUCKETS];
	struct ub_flowtab_flow **flows;
	size_t nflows, cap_flows;
	uint32_t next_index;
	uint64_t flows_seen, unrouted; /* see struct ub_relay_counters */

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
	struct ub_flowtab_flow **pflow;
	size_t npfd, cap_pfd;
	int pfd_dirty;
};

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
static void size_flows(struct ub_flowtab *t)
{
	uint64_t used = open_files(), room;

	t->fd_limit = ub_net_raise_fd_limit(UB_RELAY_FLOWS_MAX + used + FLOWTAB_FD_SPARE, &t->fd_hard);
	room = t->fd_limit > used + FLOWTAB_FD_SPARE ? t->fd_limit - used - FLOWTAB_FD_SPARE : 1;
	t->max_flows = room < UB_RELAY_FLOWS_MAX ? (size_t)room : UB_RELAY_FLOWS_MAX;
	t->max_by_files = room < UB_RELAY_FLOWS_MAX;
	if (t->cfg->max_flows && t->cfg->max_flows < t->max_flows) {
		t->max_flows = t->cfg->max_flows;
		t->max_by_files = 0;
	}
	t->evict_idle_ns = UB_RELAY_EVICT_IDLE_NS;
	if (t->cfg->flow_idle_ns > 0 && t->cfg->flow_idle_ns < t->evict_idle_ns)
		t->evict_idle_ns = t->cfg->flow_idle_ns;
}

static void flow_destroy(struct ub_flowtab_flow *f)
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

static struct ub_flowtab_flow *flow_find(struct ub_flowtab *t, const struct ub_addr *peer,
					 uint32_t *bucket)
{
	uint8_t key[UB_ADDR_KEY_MAX], fkey[UB_ADDR_KEY_MAX];
	size_t n = ub_net_addr_key(peer, key);
	struct ub_flowtab_flow *f;

	*bucket = ub_net_hash(key, n, UB_NET_HASH_INIT) % FLOWTAB_BUCKETS;
	for (f = t->buckets[*bucket]; f; f = f->next)
		if (f->q.client.ss.ss_family == peer->ss.ss_family &&
		    ub_net_addr_key(&f->q.client, fkey) == n && memcmp(key, fkey, n) == 0)
			return f;
	return NULL;
}

static void flow_remove(struct ub_flowtab *t, size_t i)
{
	struct ub_flowtab_flow *f = t->flows[i], **pp;
	uint32_t b;
	size_t j;

	flow_find(t, &f->q.client, &b);
	for (pp = &t->buckets[b]; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	t->flows[i] = t->flows[--t->nflows];
	t->pfd_dirty = 1;
	/* the poll set of this turn may still name it */
	for (j = 1; j < t->npfd; j++)
		if (t->pflow[j] == f)
			t->pflow[j] = NULL;
	flow_destroy(f);
}

/*
 * Makes room for a new flow: forgets the flow heard from longest ago among
 * those silent for evict_idle_ns with nothing in flight. Returns 1, or 0
 * when every flow is in use: a flood of new clients cannot push out a flow
 * that carries traffic.
 */
static int flows_make_room(struct ub_flowtab *t, int64_t now)
{
	int64_t soonest = INT64_MAX, at;
	size_t i, best = SIZE_MAX;

	if (now < t->room_at)
		return 0;
	for (i = 0; i < t->nflows; i++) {
		const struct ub_flowtab_flow *f = t->flows[i];

		at = f->last_ns + t->evict_idle_ns;
		soonest = at < soonest ? at : soonest;
		if (f->q.inflight == 0 && now >= at &&
		    (best == SIZE_MAX || f->last_ns < t->flows[best]->last_ns))
			best = i;
	}
	if (best == SIZE_MAX) {
		t->room_at = soonest;
		return 0;
	}
	flow_remove(t, best);
	t->flows_evicted++;
	return 1;
}

/*
 * Counts peer as refused (once until it is served) and says so on the log
 * the first time, with why (err: the socket's errno, 0 for no room) and
 * what helps.
 */
static void flow_refuse(struct ub_flowtab *t, const struct ub_addr *peer, int err)
{
	uint8_t key[UB_ADDR_KEY_MAX];
	size_t n = ub_net_addr_key(peer, key);
	char ps[UB_ADDRSTR_MAX], soft[32], hard[32];

	t->unrouted++;
	if (t->refused && ub_lru_find(t->refused, key, n) < 0) {
		if (ub_lru_count(t->refused) == ub_lru_capacity(t->refused))
			ub_lru_remove(t->refused, ub_lru_oldest(t->refused));
		ub_lru_add(t->refused, key, n);
		t->flows_refused++;
	} else if (!t->refused) {
		t->flows_refused++;
	}
	if (t->said_refused || !t->cfg->log)
		return;
	t->said_refused = 1;
	ub_net_addr_str(peer, ps, sizeof(ps));
	if (err == ENFILE)
		fprintf(t->cfg->log,
			"udpbench relay: refusing new flows (first %s): the system's open files table is "
			"full; raise fs.file-max, or close programs. Flows silent for %.0f s make room.\n",
			ps, (double)t->evict_idle_ns / 1e9);
	else if (err && err != EMFILE)
		fprintf(t->cfg->log, "udpbench relay: refusing new flows (first %s): no socket for them: %s\n",
			ps, strerror(err));
	else if (err == EMFILE || t->max_by_files)
		fprintf(t->cfg->log,
			"udpbench relay: refusing new flows (first %s): %zu flows hold a socket each and the "
			"open files limit is %s (hard limit %s); raise it (ulimit -n) before starting "
			"the relay. Flows silent for %.0f s make room.\n",
			ps, t->nflows, limit_str(t->fd_limit, soft, sizeof(soft)),
			limit_str(t->fd_hard, hard, sizeof(hard)), (double)t->evict_idle_ns / 1e9);
	else
		fprintf(t->cfg->log,
			"udpbench relay: refusing new flows (first %s): %zu flows, the most the relay "
			"holds, are all in use; flows silent for %.0f s make room.\n",
			ps, t->nflows, (double)t->evict_idle_ns / 1e9);
	fflush(t->cfg->log);
}

/*
 * A new flow for peer, its socket connected to the target and its
 * impairments seeded; NULL when it cannot be made, *refused set when that
 * was for want of a socket (flow_refuse counted and said it).
 */
static struct ub_flowtab_flow *flow_open(struct ub_flowtab *t, const struct ub_addr *peer,
					 int64_t now, int *refused)
{
	struct ub_err e;
	struct ub_flowtab_flow *f;
	int d;

	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	ub_err_clear(&e);
	f->q.fd[UB_DIR_UP] = ub_net_udp_socket(t->target.ss.ss_family, &e);
	/* out of open files: an idle flow's socket will do */
	if (f->q.fd[UB_DIR_UP] < 0 && (e.sys_errno == EMFILE || e.sys_errno == ENFILE) &&
	    flows_make_room(t, now)) {
		ub_err_clear(&e);
		f->q.fd[UB_DIR_UP] = ub_net_udp_socket(t->target.ss.ss_family, &e);
	}
	if (f->q.fd[UB_DIR_UP] < 0) {
		free(f);
		flow_refuse(t, peer, e.sys_errno ? e.sys_errno : EMFILE);
		*refused = 1;
		return NULL;
	}
	if (connect(f->q.fd[UB_DIR_UP], (const struct sockaddr *)&t->target.ss, t->target.len) < 0)
		goto fail;
	ub_net_set_buffers(f->q.fd[UB_DIR_UP], 1 << 20, NULL, NULL, NULL);
	f->q.fd[UB_DIR_DOWN] = t->lfd;
	f->index = t->next_index;
	f->q.client = *peer;
	f->last_ns = now;
	f->model[UB_DIR_UP] = ub_impair_new(&t->cfg->up, t->seed, f->index, UB_DIR_UP);
	f->model[UB_DIR_DOWN] = ub_impair_new(&t->cfg->down, t->seed, f->index, UB_DIR_DOWN);
	for (d = 0; d < 2; d++) {
		f->q.out_order[d] = ub_truth_order_new();
		if (!f->model[d] || !f->q.out_order[d])
			goto fail;
	}
	return f;
fail:
	flow_destroy(f);
	return NULL;
}

struct ub_flowtab_flow *ub_flowtab_get(struct ub_flowtab *t, const struct ub_addr *peer,
				       int64_t now)
{
	uint8_t key[UB_ADDR_KEY_MAX];
	struct ub_flowtab_flow *f;
	uint32_t b;
	size_t n;
	int slot, refused = 0;

	f = flow_find(t, peer, &b);
	if (f)
		return f;
	if (t->nflows >= t->max_flows && !flows_make_room(t, now)) {
		flow_refuse(t, peer, 0);
		return NULL;
	}
	if (t->nflows == t->cap_flows) {
		size_t cap = t->cap_flows ? 2 * t->cap_flows : 16;
		struct ub_flowtab_flow **grown = realloc(t->flows, cap * sizeof(*grown));

		if (!grown)
			goto nomem;
		t->flows = grown;
		t->cap_flows = cap;
	}
	f = flow_open(t, peer, now, &refused);
	if (!f) {
		t->unrouted += !refused;
		return NULL;
	}
	t->next_index++;
	f->next = t->buckets[b];
	t->buckets[b] = f;
	t->flows[t->nflows++] = f;
	t->flows_seen++;
	t->pfd_dirty = 1;
	/* served now: refused again later, it counts again */
	n = ub_net_addr_key(peer, key);
	if (t->refused && (slot = ub_lru_find(t->refused, key, n)) >= 0)
		ub_lru_remove(t->refused, slot);
	return f;
nomem:
	t->unrouted++;
	return NULL;
}

void ub_flowtab_expire(struct ub_flowtab *t, int64_t now)
{
	size_t i = 0;

	while (i < t->nflows) {
		struct ub_flowtab_flow *f = t->flows[i];

		if (f->q.inflight == 0 && now - f->last_ns > t->cfg->flow_idle_ns)
			flow_remove(t, i);
		else
			i++;
	}
}

static int build_pollset(struct ub_flowtab *t)
{
	size_t i, need = t->nflows + 1;

	if (need > t->cap_pfd) {
		struct pollfd *p = realloc(t->pfd, need * sizeof(*p));
		struct ub_flowtab_flow **f;

		if (!p)
			return UB_E_NOMEM;
		t->pfd = p;
		f = realloc(t->pflow, need * sizeof(*f));
		if (!f)
			return UB_E_NOMEM;
		t->pflow = f;
		t->cap_pfd = need;
	}
	t->pfd[0].fd = t->lfd;
	t->pfd[0].events = POLLIN;
	t->pflow[0] = NULL;
	for (i = 0; i < t->nflows; i++) {
		t->pfd[i + 1].fd = t->flows[i]->q.fd[UB_DIR_UP];
		t->pfd[i + 1].events = POLLIN;
		t->pflow[i + 1] = t->flows[i];
	}
	t->npfd = need;
	t->pfd_dirty = 0;
	return 0;
}

struct ub_flowtab *ub_flowtab_new(const struct ub_relay_config *c, const struct ub_addr *target,
				  int lfd, uint64_t seed)
{
	struct ub_flowtab *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cfg = c;
	t->target = *target;
	t->lfd = lfd;
	t->seed = seed;
	size_flows(t);
	/* best effort: without it every refused datagram counts as a refused flow */
	t->refused = ub_lru_new(UB_RELAY_FLOWS_MAX, ub_lru_random_seed(), NULL);
	t->pfd_dirty = 1;
	return t;
}

void ub_flowtab_free(struct ub_flowtab *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nflows; i++)
		flow_destroy(t->flows[i]);
	ub_lru_free(t->refused);
	free(t->flows);
	free(t->pfd);
	free(t->pflow);
	free(t);
}

int ub_flowtab_pollset(struct ub_flowtab *t, struct pollfd **pfd, struct ub_flowtab_flow ***pflow)
{
	if (t->pfd_dirty && build_pollset(t) < 0)
		return UB_E_NOMEM;
	*pfd = t->pfd;
	*pflow = t->pflow;
	return (int)t->npfd;
}

void ub_flowtab_counters(const struct ub_flowtab *t, struct ub_flowtab_counters *out)
{
	out->seen = t->flows_seen;
	out->alive = t->nflows;
	out->max = t->max_flows;
	out->refused = t->flows_refused;
	out->evicted = t->flows_evicted;
	out->unrouted = t->unrouted;
}

const char *ub_flowtab_files_limit(const struct ub_flowtab *t, char *b, size_t n)
{
	return limit_str(t->fd_limit, b, n);
}
