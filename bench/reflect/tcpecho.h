/*
 * udpbench: the reflector's TCP side — an echo of length-framed messages on
 * the same port number as the STAMP reflector, for the UDP-vs-TCP contrast.
 * Frames are a 16-bit big-endian length and that many bytes; the echo sends
 * back every byte as it arrives, so frames come back whole and in order.
 *
 * Bounded whatever clients do: at most UB_TCPECHO_MAX_CONNS connections,
 * each with a buffer of UB_TCPECHO_BUF octets allocated at start (a client
 * that never reads stops the echo reading from it, nothing grows). A
 * connection that moves no byte for the idle time is closed; when all are
 * taken, a newcomer takes the place of the one silent longest, if that has
 * been silent for UB_TCPECHO_ACTIVE_NS, and otherwise waits in the kernel's
 * backlog until one has. Out of file descriptors, the echo closes an idle
 * connection, or takes the newcomer with a spare descriptor and closes it
 * (refused), so the listener never stays readable with nothing done.
 *
 * A connection whose first frame is a load ask (send --load) is answered
 * by the load side (reflect/loadsrv.h) instead of echoed.
 */
#ifndef UB_TCPECHO_H
#define UB_TCPECHO_H

#include <poll.h>
#include <stdint.h>

#include "lib/err.h"
#include "lib/net.h"
#include "reflect/loadsrv.h"

#define UB_TCPECHO_MAX_CONNS 256
#define UB_TCPECHO_BUF 4096                  /* octets read and not yet sent back, per connection */
#define UB_TCPECHO_ACTIVE_NS 1000000000LL   /* a connection this recently busy keeps its place */

struct ub_tcpecho_counters {
	uint64_t connections;   /* accepted since start */
	uint64_t open;          /* open now */
	uint64_t bytes;         /* echoed */
	uint64_t refused;       /* closed at once: out of file descriptors, none idle to close */
	uint64_t evicted;       /* idle ones closed to make room for a newcomer */
	uint64_t timed_out;     /* closed after moving no byte for the idle time */
	uint64_t accept_failed; /* accept found no file descriptor (EMFILE, ENFILE) or memory */
};

/*
 * Listens on addr (any port already chosen by the UDP side); connections
 * that move no byte for idle_ns are closed. NULL with e filled.
 */
struct ub_tcpecho *ub_tcpecho_new(const struct ub_addr *addr, int64_t idle_ns, struct ub_err *e);
void ub_tcpecho_free(struct ub_tcpecho *t);

/*
 * Fills pfd with what to poll at now (at most 1 + UB_TCPECHO_MAX_CONNS);
 * returns how many. The listener is left out while no newcomer could be taken.
 */
int ub_tcpecho_pollfds(struct ub_tcpecho *t, struct pollfd *pfd, int64_t now);

/* Milliseconds from now until the echo has something to do without any event (at most max_ms). */
int ub_tcpecho_wait_ms(const struct ub_tcpecho *t, int64_t now, int max_ms);

/* Serves what poll reported in pfd[0..n) (as filled by ub_tcpecho_pollfds), and closes the idle. */
void ub_tcpecho_serve(struct ub_tcpecho *t, const struct pollfd *pfd, int n, int64_t now);

void ub_tcpecho_counters(const struct ub_tcpecho *t, struct ub_tcpecho_counters *out);

/*
 * Load asks (a connection's first frame, stamp/loadmsg.h) are answered by a
 * load sink/source with config c (NULL: refuse them all, the default).
 * Returns 0 or -1 out of memory (the old one stays).
 */
int ub_tcpecho_set_load(struct ub_tcpecho *t, const struct ub_loadsrv_config *c);

/* Copies the load side's counters. */
void ub_tcpecho_load_counters(const struct ub_tcpecho *t, struct ub_loadsrv_counters *out);

#endif
