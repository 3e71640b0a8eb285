/*
 * udpbench: the inside of a sender session, shared by send/session.c and
 * its two transports (send/transport_udp.c, send/transport_tcp.c). The
 * transport is chosen once, when the session opens, and reached only through
 * struct ub_transport: the loop that sends and reads has no branch on it.
 */
#ifndef UB_SESSION_INT_H
#define UB_SESSION_INT_H

#include <stdint.h>

#include "lib/net.h"
#include "metrics/intervals.h"
#include "metrics/loadsum.h"
#include "metrics/output.h"
#include "metrics/rttbuckets.h"
#include "send/epochs.h"
#include "send/match.h"
#include "send/session.h"
#include "send/tcpprobe.h"
#include "send/txkeys.h"

#define UB_RX_BATCH 32
#define UB_TX_BATCH 32    /* probes per sendmmsg in flood mode */
#define UB_RECENT 255     /* replies behind the live line's median */
#define UB_ANY_AFTER 3    /* auto: replies that matched nothing, with none matched, that make it ping-pong */

/* A probe in flight, kept until no reply to it can matter any more. */
struct probe {
	struct ub_match_probe id; /* number, T1, text or binary: first, as the matcher sees it */
	uint32_t txid;    /* UDP: the socket's datagram number, for the kernel's send stamp */
	uint8_t used;
	uint8_t replied;  /* a first reply arrived in time */
	uint8_t decided;  /* its CSV row ("ok" or "lost") is written */
	uint8_t has_txk;  /* tx_kernel is known */
	int64_t tx_ns;    /* monotonic, right before send */
	int64_t tx_kernel;/* monotonic, when the kernel sent it (SO_TIMESTAMPING) */
};
/* The ring of a long run is most of the sender's memory: a probe stays at 40 octets. */
_Static_assert(sizeof(struct probe) <= 40, "struct probe grew past 40 octets");


/* What a capture adds to a probe; kept beside the ring only with --pcap. */
struct wire {
	int64_t app_rtt;  /* (T4 - T1) as the program saw it, once replied */
	int64_t wire_tx, wire_rx; /* monotonic, from a capture; 0 unknown */
};

/*
 * The way probes travel (iperf3's struct protocol, wrk's struct sock):
 * datagrams, or framed messages on one TCP connection.
 */
struct ub_transport {
	const char *name;  /* params.proto */
	/*
	 * A stream: a probe waits behind the ones before it, so its latency
	 * counts from its slot, and it is written off only after ten Tmax.
	 */
	int stream;
	/* Opens the way to s->peer: 0, a negative code, or 0 with s->refused set (a result: nothing sent). */
	int (*open)(struct ub_session *s, struct ub_err *e);
	/* Sends one probe; returns 0, or -1 when it did not leave (counted). */
	int (*send)(struct ub_session *s, const uint8_t *buf, size_t len);
	/* Flood: sends up to n probes from s->flood; returns how many left, or -1 and the errno in *err. */
	int (*send_batch)(struct ub_session *s, int n, int *err);
	/* Reads what came back and hands each reply to ub_session_reply; 0 or a hard error. */
	int (*drain)(struct ub_session *s, struct ub_err *e);
	/* Adds to a reply's CSV row and the run's counters what this way knows of it (may be NULL). */
	void (*annotate)(struct ub_session *s, struct ub_csv_row *row);
	int (*fd)(const struct ub_session *s);
	short (*events)(const struct ub_session *s);
	void (*close)(struct ub_session *s);
};

extern const struct ub_transport ub_transport_udp, ub_transport_tcp;

struct ub_session {
	const struct ub_sender_config *cfg;
	const struct ub_transport *tp;
	int fd;                 /* UDP: the connected socket */
	struct ub_tcpprobe *tcp;/* TCP: the connection the probes travel on */
	struct ub_tcpinfo tcpinfo; /* TCP: TCP_INFO as the last replies came */
	int tcpinfo_ok;
	struct ub_addr peer;
	int local_port;         /* this session's UDP port, to tell its packets in a capture */
	int64_t tmax_ns;        /* when an unanswered probe is written off */
	int broken;             /* the way broke: the rest is lost */
	int refused;            /* the way was never made: nothing is sent */
	char peer_str[UB_ADDRSTR_MAX];
	int synced;             /* our wall clock is synchronised (S bit) */
	struct ub_matcher m;    /* what probes look like and what answers them */
	uint64_t first_icmp_at; /* probes sent when the first port-unreachable came; 0 none */
	struct ub_pkt held[UB_ANY_AFTER]; /* auto: unmatched replies that may turn it to any */
	unsigned n_held;
	struct ub_stats *stats;
	struct ub_intervals *iv;/* interval records and the live view's figures */
	struct ub_loadsum *load;/* --load: each probe's fate by phase; NULL none (not owned) */
	int64_t heard_ns;       /* the last reply in time, since slot 0; -1 none */
	struct ub_csv *csv;
	struct probe *ring;
	struct wire *wire;      /* with a capture: one per ring slot */
	uint32_t ring_mask;
	int tx_stamps;          /* the kernel gives send stamps on the error queue */
	struct ub_txkeys txkeys;/* TCP: probes waiting for their send stamp, by byte offset */
	int gso;                /* flood batches leave as one UDP GSO train */
	uint32_t txid_next;     /* number of the next datagram this socket sends */
	uint64_t *txid_idx;     /* probe index by txid & ring_mask */
	uint64_t tx_kernel_used;/* replies timed from the kernel's send stamp */
	uint64_t stamps_due;    /* probes sent whose send stamp is not read yet */
	uint64_t next;          /* next probe index to send */
	uint64_t decide;        /* oldest probe whose row is not written */
	int64_t start;          /* slot 0, monotonic */
	uint64_t lost_so_far, ok_so_far;
	/* what monitoring counts as the replies come (the summary's figures, live) */
	uint64_t dups_so_far, reord_so_far, late_so_far;
	struct ub_rtt_buckets rtt_buckets;
	int finished;           /* ub_session_finish ran: the split below is the summary's */
	int sum_split;
	uint64_t sum_up, sum_down;
	uint64_t rx_packets, rx_kernel_ts;
	struct ub_run_counters rc;
	int icmp_refused;       /* ECONNREFUSED seen before any reply */
	uint64_t any_reply;     /* datagrams of any kind that came back */
	char peer_arg[256];     /* the peer as given */
	int64_t last_rtt, max_rtt;
	int64_t recent[UB_RECENT];
	unsigned n_recent, recent_pos;
	uint8_t txbuf[UB_PKT_MAX];
	uint8_t rxbufs[UB_RX_BATCH][UB_PKT_MAX + 1];
	struct ub_pkt rx[UB_RX_BATCH];
	struct ub_errq errq[UB_RX_BATCH];
	struct ub_epochs epochs; /* the reflector's lifetimes (send/epochs.h) */
	uint8_t (*floodbufs)[UB_PKT_MAX]; /* flood mode: one batch of probes */
	struct ub_pkt flood[UB_TX_BATCH];
};

/* The ring entry of probe index idx (whatever probe holds it now). */
struct probe *ub_session_probe_at(struct ub_session *s, uint64_t idx);

/*
 * Gives probe index idx the kernel's send stamp (wall clock real_ns), when
 * it is plausibly its own: a reply to it is then timed from there.
 */
void ub_session_tx_stamp(struct ub_session *s, uint64_t idx, int64_t real_ns,
			 int64_t mono_minus_real);

/* Takes a reply (a datagram, or a message off the TCP stream): matched, counted, written. */
void ub_session_reply(struct ub_session *s, const struct ub_pkt *pk);

/* Counts an ICMP error; a port unreachable before any reply ends the session. */
void ub_session_icmp(struct ub_session *s, int err);

#endif
