/*
 * udpbench: latency under load (send --load) — bulk TCP to and from the
 * reflector's load side (reflect --allow-load, on its TCP port; wire format
 * in stamp/loadmsg.h) while the probes run, in three phases: idle, loaded,
 * idle (as flent's RRUL and crusader do). Several connections each way, as
 * one TCP flow rarely fills a path by itself.
 *
 * The connections are opened and granted before the first probe, so that a
 * peer that cannot carry load (an echo only, a reflector without
 * --allow-load) is known at once: ub_load_new fails with one line saying
 * which, and the probes run all the same. The load runs in a thread of its
 * own on the monotonic clock from slot 0, the probes' loop untouched.
 *
 * Throughput is what arrived: for upload the octets the reflector
 * acknowledged (TCP_INFO's tcpi_bytes_acked, and tcpi_sacked segments held
 * beyond a gap), for download the octets read,
 * each over the loaded phase as it really was, and bin by bin for a chart.
 */
#ifndef UB_LOAD_H
#define UB_LOAD_H

#include <stdint.h>

#include "lib/err.h"
#include "lib/netaddr.h"
#include "metrics/loadsum.h"

#define UB_LOAD_STREAMS 4          /* default connections each way (flent's RRUL uses 4) */
#define UB_LOAD_STREAMS_MAX 16
#define UB_LOAD_IDLE_NS (5 * 1000000000LL)   /* default idle phase, before and after */
#define UB_LOAD_TIME_NS (10 * 1000000000LL)  /* default loaded phase */
#define UB_LOAD_ASK_NS (3 * 1000000000LL)    /* connecting and the answer, at most */

struct ub_load_config {
	int dir;              /* 0: no load; UB_LOADSUM_UP, _DOWN or _BOTH */
	unsigned streams;     /* connections each way (1..UB_LOAD_STREAMS_MAX) */
	int64_t idle_ns;      /* before and after the load */
	int64_t loaded_ns;    /* the load */
	int64_t bin_ns;       /* span of the throughput samples */
};

struct ub_load;

/* Sets defaults: no load; 4 connections each way, 5 s idle, 10 s loaded, 250 ms bins. */
void ub_load_config_init(struct ub_load_config *c);

/*
 * Opens and asks for every connection to peer (the reflector's TCP port).
 * Returns the load, ready to start, or NULL with e filled with one line
 * saying why none can run (no TCP there, only an echo, not allowed, busy),
 * and the same in Chinese in zh (zh_len bytes; NULL: none).
 */
struct ub_load *ub_load_new(const struct ub_load_config *c, const struct ub_addr *peer,
			    struct ub_err *e, char *zh, size_t zh_len);

/* The time the reflector grants each connection (its cap, or what was asked). */
int64_t ub_load_granted_ns(const struct ub_load *l);

/* Starts the phases with slot 0 at start_mono. Returns 0 or UB_E_SYS with e filled. */
int ub_load_start(struct ub_load *l, int64_t start_mono, struct ub_err *e);

/*
 * Ends the load (at once if the loaded phase still runs) and fills run;
 * its bins stay l's until ub_load_free.
 */
void ub_load_stop(struct ub_load *l, struct ub_load_run *run);

void ub_load_free(struct ub_load *l);

/* A run without load: run says why (error; error_zh from why_zh, or why when NULL), with the plan of c. */
void ub_load_not_run(const struct ub_load_config *c, const char *why, const char *why_zh,
		     struct ub_load_run *run);

#endif
