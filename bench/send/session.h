/*
 * udpbench: one sender session — the probes to one peer, their replies, and
 * that peer's statistics and CSV. The sender runs many of them on one schedule.
 */
#ifndef UB_SESSION_H
#define UB_SESSION_H

#include <stdint.h>

#include "capture/decode.h"
#include "lib/err.h"
#include "metrics/result.h"
#include "send/sender.h"
#include "metrics/stats.h"

/* Opens the socket to peer (HOST[:PORT]) and, when csv_path is set, the CSV. NULL with e filled on failure. */
struct ub_session *ub_session_new(const struct ub_sender_config *c, const char *peer,
				  const char *csv_path, struct ub_err *e);
void ub_session_free(struct ub_session *s);

/* The socket to wait on. */
int ub_session_fd(const struct ub_session *s);

/* The poll events to wait for on ub_session_fd (POLLOUT while TCP holds back). */
short ub_session_events(const struct ub_session *s);

/* Sets the monotonic time of slot 0 (CSV times count from it). */
void ub_session_start(struct ub_session *s, int64_t start_mono);

/* Sends the next probe, due at slot (monotonic ns). */
void ub_session_send(struct ub_session *s, int64_t slot);

/*
 * Counts n slots of the schedule that were skipped: the sender fell too far
 * behind to send them. They are missed slots, never probes, never losses.
 */
void ub_session_skip(struct ub_session *s, uint64_t n);

/*
 * Flood mode: sends up to n probes (at most 32) in one batch, as many as the
 * ring has room for. Returns how many were taken (0: wait for replies or buffer room).
 */
unsigned ub_session_send_flood(struct ub_session *s, unsigned n);

/* Reads every waiting reply. Returns 0 or a negative code for a hard socket error. */
int ub_session_drain(struct ub_session *s, struct ub_err *e);

/* Writes "lost" rows for probes whose Tmax has passed by now (all when force). */
void ub_session_expire(struct ub_session *s, int64_t now, int force);

/* Monotonic time when the oldest undecided probe's Tmax ends; INT64_MAX when none. */
int64_t ub_session_deadline(const struct ub_session *s);

/* The longest round trip seen so far; 0 before the first reply. */
int64_t ub_session_max_rtt(const struct ub_session *s);

/* Whether the session takes more probes (an ICMP port unreachable before any reply ends it). */
int ub_session_active(const struct ub_session *s);

/*
 * Fills b with the session as it stands (name left alone); the outcomes
 * decided since the last call come with it, owned by s until the next call.
 */
void ub_session_now(struct ub_session *s, struct ub_board_now *b);

/* Takes the next complete interval record: 1 with *out, 0 none yet. */
int ub_session_take_interval(struct ub_session *s, struct ub_interval *out);

/* Whether every probe sent has its row (ok or lost). */
int ub_session_settled(const struct ub_session *s);

/* Probes sent so far. */
uint64_t ub_session_sent(const struct ub_session *s);

/* Live figures: received, decided lost, last rtt and median of recent ones (-1 unknown). */
void ub_session_live(const struct ub_session *s, uint64_t *received, uint64_t *lost,
		     int64_t *last_rtt, int64_t *median_rtt);

/*
 * Closes the CSV and fills the result. Returns 0, or UB_E_IO with e naming
 * the file when the CSV could not be written.
 */
int ub_session_finish(struct ub_session *s, int64_t start_real, int interrupted,
		      struct ub_params *p, struct ub_summary *sum, struct ub_run_counters *rc,
		      struct ub_err *e);

/* Whether no probe got a matching reply; why fills what may say why (may be NULL). */
int ub_session_silent(const struct ub_session *s, struct ub_no_reply *why);

/*
 * Takes a captured datagram: when it is one of this session's probes or
 * replies, notes when it crossed the wire (monotonic). Returns 1 when it
 * belonged to this session, else 0.
 */
int ub_session_wire(struct ub_session *s, const struct ub_udp_view *v, int64_t mono_ns);

/* The peer's resolved address. */
const struct ub_addr *ub_session_addr(const struct ub_session *s);

/* The peer as "1.2.3.4:10000" or "[::1]:10000". */
const char *ub_session_peer(const struct ub_session *s);

/* Feeds each probe's fate to ls from now on (--load); NULL stops. ls stays the caller's. */
void ub_session_set_loadsum(struct ub_session *s, struct ub_loadsum *ls);

#endif
