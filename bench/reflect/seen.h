/*
 * udpbench: the reflector's per-session figures (reflect/peerstats.h) for
 * --sessions-json: one record per session slot while the session lives,
 * and the records of sessions that ended (evicted, timed out, started
 * over) in a bounded list, the newest kept; what falls off is counted.
 * All memory is allocated by ub_seen_new.
 */
#ifndef UB_SEEN_H
#define UB_SEEN_H

#include <stdint.h>

#include "lib/err.h"
#include "lib/netaddr.h"
#include "reflect/peerstats.h"

#define UB_SEEN_ENDED_MAX 4096 /* ended sessions kept */

/* A session's fate. */
enum ub_seen_fate { UB_SEEN_ACTIVE, UB_SEEN_EVICTED, UB_SEEN_TIMED_OUT, UB_SEEN_RESTARTED };

struct ub_seen_session {
	struct ub_addr peer;
	uint16_t ssid;
	uint8_t live;           /* a slot holds a session */
	uint8_t fate;           /* enum ub_seen_fate */
	struct ub_peerstats st;
};

/* Returns figures for slots sessions and ended_max ended ones (free with ub_seen_free), or NULL with e filled. */
struct ub_seen *ub_seen_new(unsigned slots, unsigned ended_max, struct ub_err *e);
void ub_seen_free(struct ub_seen *s);

/* Begins slot's record for the session of (peer, ssid); returns its figures to start. */
struct ub_peerstats *ub_seen_begin(struct ub_seen *s, int slot, const struct ub_addr *peer,
				   uint16_t ssid);

/* The figures of the session in slot. */
struct ub_peerstats *ub_seen_stats(struct ub_seen *s, int slot);

/* Moves slot's record (if any) to the ended list with its fate. */
void ub_seen_end(struct ub_seen *s, int slot, enum ub_seen_fate fate);

/* Calls fn for each ended session, oldest first, then each live one. */
void ub_seen_each(const struct ub_seen *s, void (*fn)(void *ctx, const struct ub_seen_session *x),
		  void *ctx);

/* Ended sessions that fell off the list. */
uint64_t ub_seen_dropped(const struct ub_seen *s);

/* The fate's name in the JSON: "active", "evicted", "timed_out", "restarted". */
const char *ub_seen_fate_name(enum ub_seen_fate f);

#endif
