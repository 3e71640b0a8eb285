/*
 * udpbench: which probe a TCP send stamp belongs to. On a stream socket the
 * kernel numbers a send stamp (SO_TIMESTAMPING with OPT_ID) by the offset
 * of the last byte of the send() that asked for it, counted from the first
 * byte written once stamping was on, modulo 2^32. A probe's stamp is the
 * one whose key is the offset of the probe's own last byte: a send() that
 * carried several probes stamps only the last of them, and one that ended
 * inside a probe stamps none.
 */
#ifndef UB_TXKEYS_H
#define UB_TXKEYS_H

#include <stdint.h>

/* Probes waiting for their send stamp, oldest first. */
struct ub_txkeys {
	struct ub_txkey {
		uint64_t end;  /* offset of the byte after the probe's last one */
		uint64_t probe;/* the session's probe index */
	} *q;
	uint32_t cap, head, n;
};

/* Room for cap probes waiting at once. Returns 0 or UB_E_NOMEM. */
int ub_txkeys_init(struct ub_txkeys *k, uint32_t cap);
void ub_txkeys_free(struct ub_txkeys *k);

/*
 * Notes that probe index probe ends at byte offset end (exclusive). With
 * the queue full the oldest waiting probe goes without a stamp.
 */
void ub_txkeys_add(struct ub_txkeys *k, uint64_t end, uint64_t probe);

/*
 * Takes a send stamp's key. Returns 1 with *probe set when it is the stamp
 * of a waiting probe, else 0. Probes before the key are given up: their
 * bytes have left without a stamp of their own. A key behind every waiting
 * probe (a stamp again for resent bytes) changes nothing.
 */
int ub_txkeys_match(struct ub_txkeys *k, uint32_t key, uint64_t *probe);

#endif
