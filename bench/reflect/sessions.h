/*
 * udpbench: the reflector's session table — (source address, port, SSID)
 * to a slot — and who gets a slot when it is full. A flood of new sessions
 * must neither push out sessions that are measuring nor keep a newcomer out:
 *
 * - Each source address holds at most per_source sessions. Its next new
 *   one takes the place of its own least recently heard, so one address,
 *   whatever ports and SSIDs it uses, only churns its own sessions. (Unless
 *   that one is protected and active: then the newcomer is refused.)
 * - Sessions heard once sit in a probation segment, those heard again in a
 *   protected one (a segmented LRU). A newcomer to a full table takes the
 *   place of the least recently heard session on probation; a protected
 *   session gives way only once it has been silent for active_ns. The
 *   protected segment never takes the whole table, so a newcomer always
 *   finds a place unless every session is protected and active.
 *
 * Values belonging to a session live in the caller's arrays, indexed by
 * slot. All memory is allocated by ub_sessions_new; nothing per packet.
 */
#ifndef UB_SESSIONS_H
#define UB_SESSIONS_H

#include <stdint.h>

#include "lib/err.h"
#include "lib/net.h"

/* Why a session ended, for ub_sessions_config.on_end. */
enum ub_sessions_end { UB_SESSIONS_EVICTED, UB_SESSIONS_TIMED_OUT };

struct ub_sessions_config {
	unsigned max;        /* sessions at once (1..UB_LRU_CAP_MAX) */
	unsigned per_source; /* sessions one source address may hold; 0 or above max: max */
	int64_t idle_ns;     /* a session silent this long is over */
	int64_t active_ns;   /* a protected session heard this recently is never pushed out */
	uint32_t seed;       /* hash seed; 0 picks a random one */
	/* Called (when set) just before the session in slot is forgotten. */
	void (*on_end)(void *ctx, int slot, enum ub_sessions_end why);
	void *ctx;
};

struct ub_sessions_counters {
	uint64_t open;      /* sessions held now */
	uint64_t total;     /* sessions begun since start */
	uint64_t evicted;   /* sessions pushed out for a newcomer before their timeout */
};

/* Sets defaults: 4096 sessions, 64 per source, idle after 60 s, active for 1 s, no on_end. */
void ub_sessions_config_init(struct ub_sessions_config *c);

/* Returns a table with every array allocated (free with ub_sessions_free), or NULL with e filled. */
struct ub_sessions *ub_sessions_new(const struct ub_sessions_config *c, struct ub_err *e);
void ub_sessions_free(struct ub_sessions *s);

/*
 * Returns the slot of the session of (peer, ssid), or -1 when there is none
 * or it has been silent past idle_ns at now (it is then forgotten). The
 * order of use is left alone: only ub_sessions_heard changes it.
 */
int ub_sessions_find(struct ub_sessions *s, const struct ub_addr *peer, uint16_t ssid,
		     int64_t now);

/*
 * Begins the session of (peer, ssid) (not in the table) heard at now, making
 * room as the rules above say; returns its slot, or -1 when it is refused.
 */
int ub_sessions_add(struct ub_sessions *s, const struct ub_addr *peer, uint16_t ssid,
		    int64_t now);

/* The session in slot was answered at now: it is the most recently heard, protected if heard before. */
void ub_sessions_heard(struct ub_sessions *s, int slot, int64_t now);

/* Forgets the sessions silent past idle_ns, oldest first. Cheap when none is due. */
void ub_sessions_expire(struct ub_sessions *s, int64_t now);

/* Sessions of the source address of peer held now. */
unsigned ub_sessions_of_source(const struct ub_sessions *s, const struct ub_addr *peer);

/* Whether the session in slot is in the protected segment. */
int ub_sessions_protected(const struct ub_sessions *s, int slot);

void ub_sessions_counters(const struct ub_sessions *s, struct ub_sessions_counters *out);

#endif
