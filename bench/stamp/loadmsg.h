/*
 * udpbench: the load handshake on the reflector's TCP port — how a
 * connection asks for bulk load (send --load) and how the reflector answers.
 *
 * Everything on that port is framed as the TCP echo frames probes: a 16-bit
 * big-endian length, then that many octets. The ask is the connection's
 * first frame, UB_LOADMSG_LEN octets long (shorter than any probe, which has
 * at least 44), beginning with the magic "UBLOAD" and a version:
 *
 *    0      6     7     8     9    10       12           16               24             32
 *   +------+-----+-----+-----+----+--------+------------+----------------+--------------+
 *   |UBLOAD| ver | 'Q' | dir | 0  | stream | ms  (u32)  | rate B/s (u64) | run id (u64) |
 *   +------+-----+-----+-----+----+--------+------------+----------------+--------------+
 *
 * The answer is one frame of the same length with 'A' at octet 7, a status
 * at octet 8 and, when granted, the duration and rate the reflector allows
 * (its caps) in the same places. A peer that only echoes sends the ask back
 * as it came ('Q'), so the asker tells an echo from a reflector that
 * refuses. Once granted, load starts with the first octet the asker sends
 * (for a download, one octet saying "go"); the reflector closes the
 * connection when the granted time is over.
 */
#ifndef UB_LOADMSG_H
#define UB_LOADMSG_H

#include <stddef.h>
#include <stdint.h>

#define UB_LOADMSG_LEN 32         /* octets after the 2-octet length */
#define UB_LOADMSG_FRAME (2 + UB_LOADMSG_LEN)
#define UB_LOADMSG_VERSION 1

enum ub_load_dir {
	UB_LOAD_UP = 1,   /* asker to reflector: the reflector is a sink */
	UB_LOAD_DOWN = 2, /* reflector to asker: the reflector is a source */
};

enum ub_load_status {
	UB_LOAD_OK = 0,
	UB_LOAD_NOT_ALLOWED = 1, /* the reflector runs without --allow-load */
	UB_LOAD_BUSY = 2,        /* as many load connections as it takes are open */
	UB_LOAD_BAD = 3,         /* an ask it cannot read (version, direction) */
};

struct ub_loadmsg {
	int answer;            /* 0: an ask ('Q'), 1: an answer ('A') */
	uint8_t version;
	uint8_t dir;           /* ask: enum ub_load_dir */
	uint8_t status;        /* answer: enum ub_load_status */
	uint16_t stream;       /* ask: which of the asker's connections */
	uint32_t ms;           /* ask: how long; answer: how long at most */
	uint64_t rate;         /* octets a second; 0: as fast as TCP goes (ask) or no cap (answer) */
	uint64_t run;          /* ask: the asker's run, shared by its connections */
};

/* Writes m as a whole frame (length included) into out[UB_LOADMSG_FRAME]. */
void ub_loadmsg_encode(const struct ub_loadmsg *m, uint8_t *out);

/*
 * Whether a frame's first two octets (at least 2 in buf) announce a load
 * message's length: 1 yes, 0 no (a probe, or anything else).
 */
int ub_loadmsg_length_is(const uint8_t *buf, size_t len);

/*
 * Reads a whole frame (length included) from buf[0..len). Returns 0 with m
 * filled, or -1 when it is not a load message (wrong length or magic).
 */
int ub_loadmsg_decode(const uint8_t *buf, size_t len, struct ub_loadmsg *m);

/* A short English word for a status ("ok", "not allowed", "busy", "bad ask"). */
const char *ub_loadmsg_status_name(int status);

#endif
