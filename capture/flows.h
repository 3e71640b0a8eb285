/*
 * udpbench: the flows of a capture and the sessions found in them, for
 * `udpbench analyze` (analyze.h says what a session is and how it is
 * counted). Every UDP datagram that may belong to a session is kept, in a
 * few bytes, in the flow of its two endpoints; ub_flows_pair() (pairing.h)
 * then takes one flow at a time, decides which end asks and how the other answers
 * (STAMP or a verbatim echo), and pairs each reply with its request,
 * feeding one ub_stats per session.
 */
#ifndef UB_FLOWS_H
#define UB_FLOWS_H

#include <stddef.h>
#include <stdint.h>

#include "stamp/auth.h"
#include "capture/decode.h"
#include "lib/hist.h"
#include "lib/net.h"
#include "metrics/stats.h"

#define UB_FLOWS_PORTS_MAX 3 /* session ports: 10000, 862 and the configured one */

enum ub_flows_mode { UB_FLOWS_STAMP, UB_FLOWS_ECHO, UB_FLOWS_TEXT };

/* One request, in the order seen. */
struct ub_flows_probe {
	int64_t tx;        /* capture time, ns */
	uint32_t wire_seq; /* its sequence number (a text probe's, read from its text); echo: its index */
	uint32_t len;      /* payload octets */
	uint8_t answered;
};

/* One reply, for the CSV. */
struct ub_flows_event {
	int64_t rx, rtt, t2, t3;
	uint32_t idx, refl_seq; /* idx: the probe it answers */
	int16_t ttl;
	uint8_t status, reordered, has_refl;
};

/* A session as ub_flows_session() shows it. */
struct ub_flows_session {
	const char *client_str, *server_str; /* "1.2.3.4:5678" */
	unsigned server_port;
	enum ub_flows_mode mode;
	int authenticated;                   /* RFC 8762 authenticated mode */
	uint16_t ssid;
	uint32_t size;                       /* payload length of the first request */
	struct ub_stats *stats;              /* every request and first reply fed to it */
	const struct ub_flows_probe *probes; /* n of them (NULL: summary_only, none kept) */
	size_t n;                            /* requests; a number seen twice counts once */
	int64_t first_tx;                    /* the first request's capture time */
	uint32_t first_seq;                  /* the first request's number (probes[0].wire_seq) */
	const struct ub_hist *gaps;          /* summary_only: time between requests; NULL: exact */
	const struct ub_flows_event *ev;     /* nev replies, in arrival order (none: summary_only) */
	size_t nev;
	uint64_t dup_requests, foreign;
	uint64_t auth_failed;                /* datagrams whose HMAC did not match, left out */
	uint64_t size_mismatch;              /* replies of another size than their request's */
};

/* The datagrams of one capture by flow, then the sessions in them. */
struct ub_flows;

struct ub_flows_config {
	int ports[UB_FLOWS_PORTS_MAX]; /* session ports: looked at whatever the datagrams' size */
	unsigned nports;
	int64_t timeout_ns;            /* Tmax: a later first reply counts as lost (late) */
	const struct ub_auth_key *key; /* verify authenticated packets' HMAC; NULL: none (copied) */
	int summary_only;              /* keep no probe or reply: memory stays the same (flows_int.h) */
	int no_events;                 /* keep no reply for a CSV (ub_flows_session gives nev 0) */
};

/* Sets defaults: no session port, Tmax 1 s, no key. */
void ub_flows_config_init(struct ub_flows_config *c);

/* Returns an empty table (free with ub_flows_free), or NULL when out of memory; c is copied. */
struct ub_flows *ub_flows_new(const struct ub_flows_config *c);

/* Frees f with its sessions; accepts NULL. */
void ub_flows_free(struct ub_flows *f);

/*
 * Keeps the datagram v, seen at capture time t (ns), when it may belong to
 * a session: on a session port, or with 14 payload octets or more. With a
 * key, an authenticated packet whose HMAC does not match is kept to be
 * counted, never paired; one cut before its HMAC is left out (cut_unused).
 * v is read, not kept. Returns 0; UB_E_RANGE when f holds as many
 * datagrams or flows as it can (those kept stand), or UB_E_NOMEM.
 */
int ub_flows_add(struct ub_flows *f, const struct ub_udp_view *v, int64_t t);

/* Returns the number of sessions found (0 for NULL). */
unsigned ub_flows_count(const struct ub_flows *f);

/* Fills *s with session i, its pointers owned by f; returns 0, or UB_E_RANGE past the end. */
int ub_flows_session(const struct ub_flows *f, unsigned i, struct ub_flows_session *s);

/* Returns how many session datagrams were too short in the file to be used. */
uint64_t ub_flows_cut_unused(const struct ub_flows *f);

/* Returns how many authenticated datagrams failed the key's HMAC check, in any session or none. */
uint64_t ub_flows_auth_failed(const struct ub_flows *f);

#endif
