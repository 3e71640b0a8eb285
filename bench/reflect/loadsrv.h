/*
 * udpbench: the reflector's load sink and source (reflect --allow-load), for
 * send --load: bulk TCP on the same port as the TCP echo. A connection whose
 * first frame is a load ask (stamp/loadmsg.h) is answered here instead of
 * echoed: refused without --allow-load, else granted at most max_ns of load
 * and, across every load connection together, at most max_bps. The granted
 * time counts from the asker's first octet after the answer; when it is over
 * the connection is closed, whatever the asker wanted.
 *
 * Bounded: at most UB_LOADSRV_CONNS load connections at once (more are
 * answered "busy"); no memory grows with traffic.
 */
#ifndef UB_LOADSRV_H
#define UB_LOADSRV_H

#include <stdint.h>

#include "stamp/loadmsg.h"

#define UB_LOADSRV_CONNS 32                       /* load connections at once */
#define UB_LOADSRV_MAX_NS (30 * 1000000000LL)     /* default cap on one connection's load time */
#define UB_LOADSRV_MAX_BPS 200000000ULL           /* default cap on all load together, bit/s */
#define UB_LOADSRV_BPS_MAX 100000000000ULL        /* the highest cap one may set (100 Gbit/s) */

struct ub_loadsrv_config {
	int allow;          /* 0: every ask is refused (the default) */
	int64_t max_ns;     /* longest load one connection gets */
	uint64_t max_bps;   /* all load connections together, bit/s; 0: no cap */
};

struct ub_loadsrv_counters {
	uint64_t asked;     /* asks answered, granted or not */
	uint64_t refused;   /* of those: not allowed, busy or unreadable */
	uint64_t capped;    /* granted ones the reflector closed at the end of their time */
	uint64_t open;      /* load connections open now */
	uint64_t bytes_in, bytes_out; /* load octets sunk and sourced */
};

/* One connection's load, kept by whoever holds the connection (reflect/tcpecho.c). */
struct ub_loadconn {
	uint8_t dir;        /* enum ub_load_dir */
	uint8_t status;     /* what it was answered (enum ub_load_status) */
	uint8_t started;    /* the asker's first octet came: the clock runs */
	int64_t grant_ns;   /* how long it may last */
	int64_t end_ns;     /* monotonic, once started */
};

struct ub_loadsrv;

/* Sets defaults: refuse every ask; when allowed, 30 s a connection and 200 Mbit/s in all. */
void ub_loadsrv_config_init(struct ub_loadsrv_config *c);

/* Returns a new sink/source (free with ub_loadsrv_free), or NULL out of memory. */
struct ub_loadsrv *ub_loadsrv_new(const struct ub_loadsrv_config *c);
void ub_loadsrv_free(struct ub_loadsrv *ls);

/*
 * Answers the ask: fills lc and writes the answer frame into
 * reply[UB_LOADMSG_FRAME]. Returns the status (UB_LOAD_OK: lc now counts as
 * an open load connection until ub_loadsrv_closed).
 */
int ub_loadsrv_answer(struct ub_loadsrv *ls, const struct ub_loadmsg *ask, struct ub_loadconn *lc,
		      uint8_t *reply);

/* The poll events a granted connection waits for at now (0: it waits for the rate cap). */
short ub_loadsrv_events(struct ub_loadsrv *ls, const struct ub_loadconn *lc, int64_t now);

/* When the connection has something to do without any event (its end, the rate cap's refill); INT64_MAX none. */
int64_t ub_loadsrv_due(const struct ub_loadsrv *ls, const struct ub_loadconn *lc);

/*
 * Sinks or sources what fd allows at now. Returns the octets moved (>= 0),
 * or -1 when the connection is done (closed by the asker, broken, or its
 * time is over).
 */
long ub_loadsrv_io(struct ub_loadsrv *ls, struct ub_loadconn *lc, int fd, int64_t now);

/* Whether lc's time is over at now (it should be closed: the cap). */
int ub_loadsrv_expired(const struct ub_loadconn *lc, int64_t now);

/* The connection holding lc is closed (granted ones only). */
void ub_loadsrv_closed(struct ub_loadsrv *ls, const struct ub_loadconn *lc, int64_t now);

void ub_loadsrv_counters(const struct ub_loadsrv *ls, struct ub_loadsrv_counters *out);

#endif
