/*
 * udpbench: the reflector's TCP side — an echo of length-framed messages on
 * the same port number as the STAMP reflector, for the UDP-vs-TCP contrast.
 * Frames are a 16-bit big-endian length and that many bytes; the echo sends
 * back every byte as it arrives, so frames come back whole and in order.
 */
#ifndef UB_TCPECHO_H
#define UB_TCPECHO_H

#include <poll.h>
#include <stdint.h>

#include "err.h"
#include "net.h"

#define UB_TCPECHO_MAX_CONNS 256

struct ub_tcpecho_counters {
	uint64_t connections;  /* accepted since start */
	uint64_t open;         /* open now */
	uint64_t bytes;        /* echoed */
	uint64_t refused;      /* turned away: too many open */
};

/* Listens on addr (any port already chosen by the UDP side). NULL with e filled. */
struct ub_tcpecho *ub_tcpecho_new(const struct ub_addr *addr, struct ub_err *e);
void ub_tcpecho_free(struct ub_tcpecho *t);

/* Fills pfd with what to poll (at most 1 + UB_TCPECHO_MAX_CONNS); returns how many. */
int ub_tcpecho_pollfds(const struct ub_tcpecho *t, struct pollfd *pfd);

/* Serves what poll reported in pfd[0..n) (as filled by ub_tcpecho_pollfds). */
void ub_tcpecho_serve(struct ub_tcpecho *t, const struct pollfd *pfd, int n);

void ub_tcpecho_counters(const struct ub_tcpecho *t, struct ub_tcpecho_counters *out);

#endif
