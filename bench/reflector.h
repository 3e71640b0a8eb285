/*
 * udpbench: the STAMP session-reflector (RFC 8762 §4.3, stateful), keyed by
 * (source address, source port, SSID), each session with its own counter.
 */
#ifndef UB_REFLECTOR_H
#define UB_REFLECTOR_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

struct ub_reflector_config {
	const char *bind_addr;  /* NULL: every address, IPv4 and IPv6 */
	int port;               /* 0 picks a free port (printed when listening) */
	int family;             /* AF_UNSPEC, AF_INET or AF_INET6 */
	int64_t session_idle_ns;/* a session silent this long is forgotten */
	int quiet;              /* no "listening" line */
	int tcp;                /* also echo TCP on the same port number */
	FILE *log;              /* counters and the listening line; stderr by default */
	volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM: return */
	volatile sig_atomic_t *dump; /* set by SIGUSR1: print the counters */
};

struct ub_reflector_counters {
	uint64_t received;       /* datagrams in */
	uint64_t reflected;      /* replies out */
	uint64_t short_dropped;  /* shorter than 44 bytes: never answered */
	uint64_t send_errors;    /* soft send failures (ENOBUFS, ICMP errors) */
	uint64_t sessions;       /* sessions alive now */
	uint64_t sessions_total; /* sessions seen since start */
};

/* Sets defaults: all addresses, port 10000, TCP echo on, sessions idle after 60 s, log to stderr. */
void ub_reflector_config_init(struct ub_reflector_config *c);

/* Binds the socket; returns a reflector (free with ub_reflector_free) or NULL with e filled. */
struct ub_reflector *ub_reflector_new(const struct ub_reflector_config *c, struct ub_err *e);
void ub_reflector_free(struct ub_reflector *r);

/* The port actually bound. */
int ub_reflector_port(const struct ub_reflector *r);

/* Reflects until *stop; returns 0 or a negative code for a hard error. */
int ub_reflector_run(struct ub_reflector *r, struct ub_err *e);

/* Copies the counters so far. */
void ub_reflector_counters(const struct ub_reflector *r, struct ub_reflector_counters *out);

/* Prints the counters as one line on f. */
void ub_reflector_print_counters(const struct ub_reflector *r, FILE *f);

#endif
