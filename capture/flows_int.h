/*
 * udpbench: the insides of struct ub_flows, shared by capture/flows.c (the
 * datagrams, flows and sessions kept) and capture/pairing.c (the rules that
 * pair a reply with its request). Callers outside capture/ use flows.h and
 * pairing.h.
 *
 * Every UDP datagram that may belong to a session (on a session port, or
 * at least 14 octets, TWAMP-light's least request) is read into 96 bytes:
 * its time, lengths, a hash of the payload, the payload's first 44 octets
 * (an authenticated packet's fields moved to where an unauthenticated one
 * has them) and the fields of a text probe found in it. A flow keeps its
 * first UB_FLOWS_DECIDE datagrams (all of them, if it has fewer) until it is
 * known which end asks and how the other answers; from then on each
 * datagram is paired as it is read, with the flow's own hash table.
 *
 * Memory: exact, a flow's table holds every request of it (an entry of 24
 * bytes, in a table at most half full, and one more for a number that does
 * not run on), a session 4 bytes a number its requests span, every probe
 * (24 bytes) and, unless no_events, every reply (48 bytes, for the CSV). summary_only,
 * a flow keeps two tables, the newer one taking at most
 * UB_FLOWS_SUMMARY_KEYS entries or 2 Tmax of requests before it becomes the
 * older one and the older one is dropped; a session keeps its last
 * UB_FLOWS_SUMMARY_PROBES probes and no reply.
 */
#ifndef UB_FLOWS_INT_H
#define UB_FLOWS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "stamp/auth.h"
#include "capture/flows.h"
#include "lib/net.h"
#include "stamp/proto.h"
#include "lib/hist.h"
#include "metrics/stats.h"

#define UB_FLOWS_EP_LEN 19             /* family, 16 address octets, port (network order) */
#define UB_FLOWS_HEAD_LEN UB_STAMP_LEN /* payload octets kept of each datagram */
#define UB_FLOWS_NONE UINT32_MAX       /* no datagram, flow or session */
#define UB_FLOWS_DECIDE 2048           /* a flow's roles are judged from this many datagrams */
#define UB_FLOWS_SUMMARY_KEYS 32768    /* summary_only: entries of a flow's newer table */
#define UB_FLOWS_SUMMARY_PROBES 16384  /* summary_only: probes a session keeps (a power of two) */

/* What ub_flows_add saw in a datagram (flags of struct ub_flows_dgram). */
enum {
	UB_FLOWS_DG_AUTH = 1,     /* authenticated layout (RFC 8762 §4.2.2, §4.3.2) */
	UB_FLOWS_DG_AUTH_BAD = 2, /* with a key: its HMAC does not match; left out */
	UB_FLOWS_DG_TEXT = 4,     /* a text probe's fields are in it (text_*) */
	UB_FLOWS_DG_PROBE = 8     /* ... from its first octet: it is a text probe */
};

struct ub_flows_dgram {
	int64_t t;            /* capture time, ns */
	uint64_t pos;         /* its place among the datagrams kept, from 0 */
	uint32_t len;         /* UDP payload length */
	uint32_t caplen;      /* of which the file holds this much */
	uint64_t hash;        /* over the captured payload and its length */
	uint8_t dir;          /* 0: sent by the flow's endpoint a, 1: by b */
	uint8_t flags;        /* UB_FLOWS_DG_* */
	uint8_t head_len;     /* octets of head that hold whole fields */
	uint8_t head[UB_FLOWS_HEAD_LEN]; /* unauthenticated layout, even for an authenticated packet */
	uint16_t text_ssid;
	uint32_t text_seq;
	int64_t text_t1;
};

/* The hash table of pairing.c: two keys, two values. */
struct ub_flows_slot {
	uint64_t k1, k2;
	uint32_t v1, v2;
};

/*
 * Open addressing, linear probing, at most half full; k1 == 0 means empty
 * (every key has a tag in its top octet). The low 32 bits of k1 are a
 * number that runs on from one request to the next (a sequence number, or
 * the first octets of an echoed payload): while !mixed, 16 running numbers of one kind lie in 16 slots
 * side by side, so a flow's lookups walk the table in order rather than
 * missing the cache on every one. A probe longer than UB_FLOWS_MAP_RUN
 * (keys that do not run on, or chosen to collide) makes the table mixed:
 * every key's slot is then a hash of all of it.
 */
struct ub_flows_map {
	struct ub_flows_slot *s;
	size_t cap, n;
	int mixed;
};

#define UB_FLOWS_MAP_RUN 1024

/* Where a flow is. */
enum ub_flows_state {
	UB_FLOWS_JUDGING, /* keeping its datagrams until it is known who asks and how */
	UB_FLOWS_PAIRING, /* pairing each datagram as it comes */
	UB_FLOWS_IGNORED  /* nothing answers and no end is on a session port */
};

struct ub_flows_flow {
	uint8_t a[UB_FLOWS_EP_LEN], b[UB_FLOWS_EP_LEN]; /* a sorts before b */
	uint8_t port_side;            /* bit 0: a is on a session port, bit 1: b is */
	uint8_t state;                /* enum ub_flows_state */
	struct ub_flows_dgram *buf;   /* UB_FLOWS_JUDGING: the datagrams so far */
	size_t nbuf, bufcap;
	/* UB_FLOWS_PAIRING: */
	unsigned d;                   /* the end that asks: 0 (a) or 1 (b) */
	enum ub_flows_mode mode;      /* UB_FLOWS_STAMP or UB_FLOWS_ECHO */
	uint32_t first_si;            /* first session of the flow, for replies nobody asked for */
	uint64_t auth_failed;         /* failed the HMAC check before the flow had a session */
	int any_good;                 /* a datagram passed the key's HMAC check */
	struct ub_flows_map map, old; /* old: summary_only, the table before map */
	int64_t map_t0;               /* summary_only: when map took its first request */
};

struct ub_flows_sess {
	uint8_t client[UB_FLOWS_EP_LEN], server[UB_FLOWS_EP_LEN];
	enum ub_flows_mode mode;
	int authenticated;   /* its requests are in the authenticated layout */
	uint16_t ssid;
	uint64_t first_pos;  /* where its first request lies in the file */
	uint32_t size;       /* payload length of the first request */
	struct ub_stats *stats;
	struct ub_flows_probe *probes; /* exact: all n; summary_only: a ring of the last ones */
	size_t n, probecap;
	int64_t first_tx;    /* its first request's time */
	int64_t last_tx;     /* its last request's time */
	uint32_t first_seq;  /* its first request's wire_seq */
	struct ub_hist *gaps; /* summary_only: time between consecutive requests */
	/*
	 * exact: the probe of each number num_base + i as num_idx[i] + 1 (0:
	 * none yet). Numbers that run on need no entry of their own in the
	 * flow's table; a number too far from the others for the array is
	 * kept there (num_in_table counts them).
	 */
	uint32_t *num_idx;
	size_t num_cap;
	uint32_t num_base;
	uint64_t num_in_table;
	struct ub_flows_event *ev; /* none when the flows keep no events */
	size_t nev, evcap;
	int keep_events;
	uint64_t dup_requests, foreign;
	uint64_t auth_failed;   /* its datagrams whose HMAC did not match the key */
	uint64_t size_mismatch; /* replies of another size than their request's */
	int refl_set;
	uint32_t refl_off;   /* added to the reflector counter, see analyze.h */
	char client_str[UB_ADDRSTR_MAX], server_str[UB_ADDRSTR_MAX];
};

struct ub_flows {
	int ports[UB_FLOWS_PORTS_MAX];
	unsigned nports;
	int64_t timeout_ns;
	int summary_only;
	int no_events;
	uint64_t cut_unused;
	int keyed;
	struct ub_auth_key key;
	uint64_t auth_failed;   /* datagrams whose HMAC did not match, in all */

	/* while reading */
	uint64_t ndg;           /* datagrams kept so far */
	struct ub_flows_flow *flows;
	size_t nflows, flowcap;
	uint32_t *ftab;
	size_t ftabcap;
	uint32_t last_flow;     /* the flow of the datagram before; UB_FLOWS_NONE at first */

	/* found */
	struct ub_flows_sess *sess;
	size_t nsess, sesscap;
};

/*
 * Makes room for need elements of size elem in *p, doubling (lib/bigmem.h:
 * a large array grows in place); returns 0 or UB_E_NOMEM. Free with
 * ub_flows_release.
 */
int ub_flows_reserve(void **p, size_t *cap, size_t need, size_t elem);

/* Frees what ub_flows_reserve gave p for cap elements of size elem. */
void ub_flows_release(void *p, size_t cap, size_t elem);

/*
 * Takes datagram g of flow f (copied): kept while the flow is judged, else
 * paired at once (pairing.c). Returns 0, UB_E_RANGE or UB_E_NOMEM.
 */
int ub_flows_take(struct ub_flows *fl, struct ub_flows_flow *f, const struct ub_flows_dgram *g);

/* Frees m's table (pairing.c); m is left empty. */
void ub_flows_map_free(struct ub_flows_map *m);

/* Judges every flow still being judged, as at the end of the file (pairing.c). */
int ub_flows_judge_rest(struct ub_flows *fl);

/*
 * Frees what only reading needed (the flows and their tables) and puts the
 * sessions in the order their first request was seen.
 */
void ub_flows_done_reading(struct ub_flows *fl);

/* Probe idx of s, or NULL when s no longer keeps it (summary_only). */
struct ub_flows_probe *ub_flows_probe_at(struct ub_flows_sess *s, uint32_t idx);

/*
 * Opens a session in fl whose client is end d of flow f (0: a, 1: b) and
 * whose first request is datagram g; its index goes to *si. The session
 * and its ub_stats are owned by fl. Returns 0, UB_E_RANGE or UB_E_NOMEM.
 */
int ub_flows_new_session(struct ub_flows *fl, const struct ub_flows_flow *f, unsigned d,
			 enum ub_flows_mode m, uint16_t ssid, const struct ub_flows_dgram *g,
			 uint32_t *si);

/* Records request g as a new probe of s, fed to its stats; returns its index or a negative code. */
int64_t ub_flows_add_probe(struct ub_flows_sess *s, const struct ub_flows_dgram *g,
			   uint32_t wire_seq);

/*
 * Feeds reply r (r->seq: the probe it answers) to s's stats and keeps it,
 * completed from r, as an event of s (copied). Returns 0, also when the
 * stats refuse it (counted foreign), or UB_E_NOMEM.
 */
int ub_flows_record_reply(struct ub_flows_sess *s, struct ub_reply *r, struct ub_flows_event *ev);

#endif
