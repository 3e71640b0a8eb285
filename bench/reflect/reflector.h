/*
 * udpbench: the STAMP session-reflector (RFC 8762 §4.3, stateful), keyed by
 * (source address, source port, SSID), each session with its own counter.
 * A sender that starts over on the same address, port and SSID starts a new
 * session (RFC 8972 §4), told from reordering by its T1 (see replay.h).
 *
 * It answers only well-formed requests, each with a reply of exactly the
 * request's size (never larger: no amplification), and counts everything
 * else by why it was dropped. The one exception is asked for: with
 * twamp_light, TWAMP-light requests of 14..43 octets (RFC 5357 §4.1.2) get
 * RFC 5357's 41-octet base reply (§4.2.1), at most 41/14 (2.9) times their
 * size; without it they are dropped and counted apart. Each datagram
 * received is counted once, in exactly one of these, so at any moment
 *
 *   received == reflected + short_dropped + too_long + from_itself
 *               + looks_like_reply + bad_key + replayed + rate_capped
 *               + sessions_refused + send_errors + twamp_light_unanswered
 *               + discovery_answered + discovery_refused
 *
 * (twamp_light counts the replies among reflected that answered short
 * requests.)
 *
 * No reflection loops: a datagram from the reflector's own address and
 * port, or one carrying a reflector's T2 and T3 (any STAMP or TWAMP
 * reflector's reply, or an echo of one), is never answered, so two
 * reflectors, or one and itself, exchange at most a packet or two.
 *
 * Discovery queries (`udpbench discover`, reflect/discovery.h) are told
 * apart before anything else and never answered as STAMP requests: each
 * gets one answer no larger than itself, only on-link, at most
 * UB_REFLECTOR_DISC_RATE a second to one source and UB_REFLECTOR_DISC_ALL
 * in all.
 *
 * Bounded memory: the session table, the per-source rate table and (with a
 * key) the replay windows and tag cache are allocated whole at start; no
 * packet allocates.
 */
#ifndef UB_REFLECTOR_H
#define UB_REFLECTOR_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"
#include "reflect/loadsrv.h"
#include "reflect/seen.h"
#include "reflect/tcpecho.h"

#define UB_REFLECTOR_MAX_RATE 20000     /* default per-source cap, packets/s */
#define UB_REFLECTOR_MAX_SESSIONS 4096  /* default session table size */
#define UB_REFLECTOR_SESSIONS_MAX (1u << 20)
#define UB_REFLECTOR_PER_SOURCE 64     /* default sessions one source address may hold */
#define UB_REFLECTOR_EVICT_IDLE_NS 1000000000LL /* a protected session this idle may make room */
#define UB_REFLECTOR_TAGS 65536        /* HMAC tags remembered with --key */
#define UB_REFLECTOR_DISC_RATE 2       /* discovery answers per second to one source address */
#define UB_REFLECTOR_DISC_ALL 50       /* discovery answers per second in all */

struct ub_reflector;

struct ub_reflector_config {
	const char *bind_addr;  /* NULL: every address, IPv4 and IPv6 */
	int port;               /* 0 picks a free port (printed when listening) */
	int family;             /* AF_UNSPEC, AF_INET or AF_INET6 */
	int64_t session_idle_ns;/* a session silent this long is forgotten */
	uint64_t max_rate;      /* answers per second to one source address; 0: no cap */
	unsigned max_sessions;  /* sessions at once (1..UB_REFLECTOR_SESSIONS_MAX) */
	unsigned sessions_per_source; /* sessions one source address may hold (1..max_sessions) */
	unsigned max_sources;   /* source addresses the rate cap tracks at once */
	const char *key_file;   /* authenticated mode (RFC 8762 §4.2.2) with this key; NULL: unauthenticated */
	int quiet;              /* no "listening" line */
	int tcp;                /* also echo TCP on the same port number */
	struct ub_loadsrv_config load; /* load asks on the TCP side (send --load); refused by default */
	int gso;                /* replies to one sender in a batch leave as UDP GSO trains */
	int twamp_light;        /* answer 14..43-octet TWAMP-light requests too (41-octet replies); no key */
	int ptp;                /* T2 and T3 in PTP format, the Z bit set (RFC 8762 §4.2.1); else NTP */
	const char *name;       /* what discovery answers say it is called; NULL: the host name */
	int seen;               /* keep per-session figures of the senders' probes (reflect/seen.h) */
	FILE *log;              /* counters and the listening line; stderr by default */
	/* Called (when set) on SIGUSR1 after the counters, and by nothing else: e.g. write the figures. */
	void (*on_dump)(void *ctx, const struct ub_reflector *r);
	void *dump_ctx;
	/* Called (when set) once a loop turn, before it waits: e.g. hand the counters to a monitor. */
	void (*on_turn)(void *ctx, const struct ub_reflector *r);
	void *turn_ctx;
	volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM: return */
	volatile sig_atomic_t *dump; /* set by SIGUSR1: print the counters */
};

struct ub_reflector_counters {
	uint64_t received;         /* datagrams in */
	uint64_t reflected;        /* replies out */
	uint64_t short_dropped;    /* shorter than a request (14 octets; 112 when keyed) */
	uint64_t too_long;         /* longer than 1472 octets (one Ethernet frame) */
	uint64_t from_itself;      /* from the reflector's own address and port (spoofed) */
	uint64_t looks_like_reply; /* carries a reflector's T2 and T3: a reply, not a request */
	uint64_t bad_key;          /* keyed: the HMAC does not match (forged or unauthenticated) */
	uint64_t replayed;         /* keyed: answered before (same tag, or same session and number) */
	uint64_t rate_capped;      /* over the per-source rate */
	uint64_t sessions_refused; /* new session while its source's, or every, session is protected and active */
	uint64_t send_errors;      /* soft send failures (ENOBUFS, ICMP errors) */
	uint64_t twamp_light;      /* of reflected: 14..43-octet TWAMP-light requests answered */
	uint64_t twamp_light_unanswered; /* 14..43-octet requests dropped: twamp_light is off */
	uint64_t discovery_answered; /* discovery queries answered (see discovery.h) */
	uint64_t discovery_refused;  /* discovery datagrams dropped: malformed, off-link or over the rate */
	uint64_t sessions;         /* sessions alive now */
	uint64_t sessions_total;   /* sessions seen since start */
	uint64_t sessions_evicted; /* sessions pushed out for a newcomer before their timeout */
	uint64_t sessions_restarted; /* senders that started over on a session (a new run) */
};

/*
 * Sets defaults: all addresses, port 10000, TCP echo on, sessions idle after
 * 60 s, 4096 sessions (64 per source address), 20000 answers/s per source,
 * unauthenticated, short TWAMP-light requests unanswered, NTP timestamps,
 * log to stderr.
 */
void ub_reflector_config_init(struct ub_reflector_config *c);

/*
 * Loads the key, allocates every table and binds the socket; returns a
 * reflector (free with ub_reflector_free) or NULL with e filled (UB_E_INVAL
 * for a bad key file, or a key with twamp_light).
 */
struct ub_reflector *ub_reflector_new(const struct ub_reflector_config *c, struct ub_err *e);
void ub_reflector_free(struct ub_reflector *r);

/* The port actually bound. */
int ub_reflector_port(const struct ub_reflector *r);

/* Reflects until *stop; returns 0 or a negative code for a hard error. */
int ub_reflector_run(struct ub_reflector *r, struct ub_err *e);

/* The per-session figures, or NULL without config seen. */
const struct ub_seen *ub_reflector_seen(const struct ub_reflector *r);

/* Copies the counters so far. */
void ub_reflector_counters(const struct ub_reflector *r, struct ub_reflector_counters *out);

/* Copies the TCP echo's counters so far; returns 0, or -1 (out zeroed) when there is no TCP echo. */
int ub_reflector_tcp_counters(const struct ub_reflector *r, struct ub_tcpecho_counters *out);

/* Prints the counters, each by name, on one line on f (TCP echo's on a line before). */
void ub_reflector_print_counters(const struct ub_reflector *r, FILE *f);

#endif
