#include "reflect/loadsrv.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK 65536                 /* octets one read or send moves at most */
#define BURST_NS (20 * 1000000LL)   /* the rate cap lets this much time's worth go at once */

struct ub_loadsrv {
	struct ub_loadsrv_config cfg;
	struct ub_loadsrv_counters cnt;
	/* the rate cap: a bucket of octets shared by every load connection */
	double tokens, burst, per_ns;
	int64_t filled;                 /* when tokens were last topped up; 0 never */
	unsigned running;               /* connections whose load has started: they share the cap */
	uint8_t scratch[CHUNK];         /* what a sink reads (thrown away) */
	uint8_t zero[CHUNK];            /* what a source sends: never another client's octets */
};

void ub_loadsrv_config_init(struct ub_loadsrv_config *c)
{
	memset(c, 0, sizeof(*c));
	c->max_ns = UB_LOADSRV_MAX_NS;
	c->max_bps = UB_LOADSRV_MAX_BPS;
}

struct ub_loadsrv *ub_loadsrv_new(const struct ub_loadsrv_config *c)
{
	struct ub_loadsrv *ls = calloc(1, sizeof(*ls));

	if (!ls)
		return NULL;
	ls->cfg = *c;
	if (c->max_bps) {
		ls->per_ns = (double)c->max_bps / 8e9;
		ls->burst = ls->per_ns * BURST_NS;
		if (ls->burst < 16384)
			ls->burst = 16384;
		ls->tokens = ls->burst;
	}
	return ls;
}

void ub_loadsrv_free(struct ub_loadsrv *ls)
{
	free(ls);
}

int ub_loadsrv_answer(struct ub_loadsrv *ls, const struct ub_loadmsg *ask, struct ub_loadconn *lc,
		      uint8_t *reply)
{
	struct ub_loadmsg a;
	int64_t want = (int64_t)ask->ms * 1000000;

	memset(lc, 0, sizeof(*lc));
	memset(&a, 0, sizeof(a));
	a.answer = 1;
	a.version = UB_LOADMSG_VERSION;
	a.stream = ask->stream;
	a.run = ask->run;
	if (!ls || !ls->cfg.allow)
		a.status = UB_LOAD_NOT_ALLOWED;
	else if (ask->answer || ask->version != UB_LOADMSG_VERSION ||
		 (ask->dir != UB_LOAD_UP && ask->dir != UB_LOAD_DOWN))
		a.status = UB_LOAD_BAD;
	else if (ls->cnt.open >= UB_LOADSRV_CONNS)
		a.status = UB_LOAD_BUSY;
	else
		a.status = UB_LOAD_OK;
	if (ls) {
		ls->cnt.asked++;
		if (a.status != UB_LOAD_OK)
			ls->cnt.refused++;
	}
	if (a.status == UB_LOAD_OK) {
		/* no time asked: as long as allowed */
		if (want <= 0 || want > ls->cfg.max_ns)
			want = ls->cfg.max_ns;
		a.ms = (uint32_t)(want / 1000000);
		a.rate = ls->cfg.max_bps / 8;
		lc->dir = ask->dir;
		lc->grant_ns = want;
		ls->cnt.open++;
	}
	lc->status = a.status;
	ub_loadmsg_encode(&a, reply);
	return a.status;
}

/*
 * Tops the bucket up to now; returns the octets one call may move (CHUNK
 * without a cap). Under the cap each running connection takes its share of
 * what is there, so a source that can always write does not starve a sink
 * that reads when data comes (--load both).
 */
static size_t allowance(struct ub_loadsrv *ls, int64_t now)
{
	double share;

	if (!ls->cfg.max_bps)
		return CHUNK;
	if (ls->filled && now > ls->filled) {
		ls->tokens += (double)(now - ls->filled) * ls->per_ns;
		if (ls->tokens > ls->burst)
			ls->tokens = ls->burst;
	}
	ls->filled = now;
	share = ls->running > 1 ? ls->tokens / ls->running : ls->tokens;
	if (share < 1)
		return 0;
	return share < CHUNK ? (size_t)share : CHUNK;
}

short ub_loadsrv_events(struct ub_loadsrv *ls, const struct ub_loadconn *lc, int64_t now)
{
	/* before the go, and a sink: reading; a source once started: writing */
	if (!lc->started)
		return POLLIN;
	if (!allowance(ls, now))
		return 0;
	return lc->dir == UB_LOAD_DOWN ? POLLOUT : POLLIN;
}

int64_t ub_loadsrv_due(const struct ub_loadsrv *ls, const struct ub_loadconn *lc)
{
	int64_t due = INT64_MAX, refill;
	double need = ls->running > 1 ? ls->running : 1; /* octets for a share of one */

	if (!lc->started)
		return due;
	due = lc->end_ns;
	if (ls->cfg.max_bps && ls->tokens < need) {
		refill = ls->filled + (int64_t)((need - ls->tokens) / ls->per_ns) + 1;
		if (refill < due)
			due = refill;
	}
	return due;
}

int ub_loadsrv_expired(const struct ub_loadconn *lc, int64_t now)
{
	return lc->started && now >= lc->end_ns;
}

long ub_loadsrv_io(struct ub_loadsrv *ls, struct ub_loadconn *lc, int fd, int64_t now)
{
	size_t room;
	ssize_t n;

	if (ub_loadsrv_expired(lc, now))
		return -1;
	if (!lc->started || lc->dir == UB_LOAD_UP) {
		room = lc->started ? allowance(ls, now) : sizeof(ls->scratch);
		if (!room)
			return 0;
		n = read(fd, ls->scratch, room);
		if (n == 0)
			return -1;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (!lc->started) {
			/* the go: the granted time starts now; a sink's first octets are load already */
			lc->started = 1;
			lc->end_ns = now + lc->grant_ns;
			ls->running++;
			if (lc->dir == UB_LOAD_DOWN)
				return n;
		}
		ls->cnt.bytes_in += (uint64_t)n;
	} else {
		room = allowance(ls, now);
		if (!room)
			return 0;
		n = send(fd, ls->zero, room, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		ls->cnt.bytes_out += (uint64_t)n;
	}
	if (ls->cfg.max_bps)
		ls->tokens -= (double)n;
	return n;
}

void ub_loadsrv_closed(struct ub_loadsrv *ls, const struct ub_loadconn *lc, int64_t now)
{
	if (!ls || lc->status != UB_LOAD_OK)
		return;
	ls->cnt.open--;
	if (lc->started)
		ls->running--;
	if (ub_loadsrv_expired(lc, now))
		ls->cnt.capped++;
}

void ub_loadsrv_counters(const struct ub_loadsrv *ls, struct ub_loadsrv_counters *out)
{
	if (ls)
		*out = ls->cnt;
	else
		memset(out, 0, sizeof(*out));
}
