/*
 * udpbench: what the reflector knows about a session's sequence numbers —
 * whether a request goes on the session, starts it over (the sender
 * restarted), or replays one already answered — and a cache of the HMAC
 * tags it answered lately, so that a captured authenticated request is
 * answered once whatever source it claims.
 *
 * A restart is told from reordering by the sender's own clock: a sequence
 * number that went back while T1 went forward was sent later, so it starts
 * a new run; a reordered request went back in both. With --key, T1 is under
 * the HMAC and cannot be faked by a replay. A sender that keeps T1 constant
 * restarts when its number falls far below the newest (more than
 * UB_REPLAY_WINDOW), beyond any reordering.
 *
 * Authenticated mode answers a (session, sequence number) at most once: a
 * bitmap of the last UB_REPLAY_WINDOW numbers behind the newest, kept as a
 * ring of 64-bit words (the IPsec anti-replay window of RFC 4303 §3.4.3,
 * laid out as RFC 6479 suggests so that moving forward clears whole words).
 * Numbers older than the window are replays. Nothing here allocates per
 * packet.
 */
#ifndef UB_REPLAY_H
#define UB_REPLAY_H

#include <stdint.h>

#include "lib/err.h"

#define UB_REPLAY_WINDOW 1024 /* sequence numbers tracked behind the newest (a multiple of 64) */
#define UB_REPLAY_WORDS (UB_REPLAY_WINDOW / 64)

/* A session's sequence state (plain value, no resources). */
struct ub_replay_seq {
	uint32_t top;      /* newest sequence number accepted in this run */
	uint64_t top_t1;   /* the latest T1 accepted in this run */
	uint64_t first_t1; /* T1 of the request that began this run */
};

/* The bitmap of authenticated mode, one per session. */
struct ub_replay_win {
	uint64_t bits[UB_REPLAY_WORDS];
};

enum ub_replay_verdict {
	UB_REPLAY_ACCEPT = 0,  /* the session goes on */
	UB_REPLAY_RESTART = 1, /* the sender started over: a new run, the reflector's counter from 0 */
	UB_REPLAY_REPLAYED = 2 /* authenticated mode: answered before, or older than the window */
};

/* Starts a session (or a run) at the request (seq, t1); win is NULL without --key. */
void ub_replay_start(struct ub_replay_seq *s, struct ub_replay_win *win, uint32_t seq,
		     uint64_t t1);

/*
 * Judges the request (seq, t1) of an existing session and, unless it is a
 * replay, records it (a restart starts the state afresh). win is the
 * session's bitmap with --key, NULL without: then nothing is a replay.
 */
enum ub_replay_verdict ub_replay_check(struct ub_replay_seq *s, struct ub_replay_win *win,
				       uint32_t seq, uint64_t t1);

/* A fixed-size, set-associative cache of recently answered HMAC tags. */
struct ub_replay_tags;

/* Returns a cache of about entries tags (rounded up to a power of two), or NULL with e filled. */
struct ub_replay_tags *ub_replay_tags_new(unsigned entries, struct ub_err *e);
void ub_replay_tags_free(struct ub_replay_tags *c);

/* Returns 1 when the 16-octet tag was answered and is still remembered, else 0. */
int ub_replay_tags_seen(const struct ub_replay_tags *c, const uint8_t tag[16]);

/* Remembers tag, forgetting the least recently remembered tag of its set when that is full. */
void ub_replay_tags_add(struct ub_replay_tags *c, const uint8_t tag[16]);

#endif
