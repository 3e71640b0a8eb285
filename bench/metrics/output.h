/*
 * udpbench: what a run leaves behind — the JSON result (jansson), the
 * per-probe CSV streamed as the run goes, and the terminal summary.
 */
#ifndef UB_OUTPUT_H
#define UB_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"
#include "lib/outfile.h"
#include "metrics/stats.h"

enum ub_lang { UB_LANG_EN = 0, UB_LANG_ZH = 1 };

/* Why a result gives no up/down split (RFC 8762 §4.3.1: only a stateful reflector's counter tells). */
enum ub_split_why {
	UB_SPLIT_GIVEN = 0,   /* a stateful reflector: the split is there */
	UB_SPLIT_STATELESS,   /* its sequence number is a copy of ours */
	UB_SPLIT_UNDECIDED,   /* its number always equalled ours: stateless, or stateful without upstream loss */
	UB_SPLIT_NO_COUNTER,  /* an echo or a script: no counter at all */
	UB_SPLIT_TCP,         /* a TCP echo */
	UB_SPLIT_NO_REPLY,    /* nothing came back */
};

/* The reason as one sentence, in English for the JSON or in lang for the terminal. */
const char *ub_output_split_why(enum ub_split_why w, enum ub_lang lang);

/* What RFC 6703 asks a report to state about the run. */
struct ub_params {
	char peer[256];       /* as given */
	char peer_addr[64];   /* resolved, "1.2.3.4:10000" */
	int port;
	const char *mode;     /* stamp, echo, text */
	const char *proto;    /* udp */
	uint64_t count;       /* 0 when the run was bounded by duration */
	int64_t duration_ns;  /* 0 when bounded by count */
	int64_t interval_ns;
	unsigned size;
	int64_t timeout_ns;
	int64_t start_real_ns;
	const char *clock;    /* which clock stamped T1 and T4 */
	int flood;            /* --rate max */
	int authenticated;    /* RFC 8762 authenticated mode */
	const char *label;
	uint16_t ssid;
	int dscp, ttl;        /* -1: system default */
	const char *source;   /* "live" (NULL) or "pcap" (udpbench analyze) */
	const char *reflector;/* what the replies showed: stateful, stateless, undecided, echo, text, any; NULL none */
	enum ub_split_why split_why; /* why there is no up/down split (when there is none) */
	int ptp;              /* our T1 went out in PTP format */
	int refl_ts;          /* the reflector's T2/T3: 0 unknown, 1 NTP, 2 PTP */
};

#define UB_RESTARTS_MAX 16

/* Extra counters of the sender that are not RFC metrics. */
struct ub_run_counters {
	uint64_t foreign;      /* replies that matched no probe of this session */
	uint64_t send_errors;  /* soft send failures (ENOBUFS, EAGAIN) */
	uint64_t auth_failed;  /* keyed run: replies without a valid HMAC, ignored */
	uint64_t size_mismatch;/* replies of another size than their request (RFC 8762 wants the same) */
	uint64_t tx_kernel;    /* replies whose probe has the kernel's send stamp */
	int64_t send_span_ns;  /* from slot 0 to the last probe sent */
	uint64_t refl_restarts;/* times the reflector's counter started again */
	unsigned n_restarts;   /* outages kept in restarts[] (the last slot is overwritten) */
	struct ub_restart {
		uint32_t from_probe, to_probe; /* the probes that went unanswered around it */
	} restarts[UB_RESTARTS_MAX];
	uint64_t icmp_errors;  /* ICMP errors reported by the socket */
	int interrupted;       /* stopped early by a signal */
	uint64_t cut_at_stop;  /* interrupted: probes written off before their Tmax had passed */
	uint64_t sched_skipped;/* slots the sender was too far behind to send at all */
	uint64_t pingpong_waits;/* of those, slots that passed while a probe waited for its reply (any mode) */
	int is_tcp;            /* --tcp: what TCP did to deliver the probes */
	uint64_t tcp_retransmits;
	int64_t tcp_rto_max_ns;
	int tcp_broken;        /* the connection broke at probe tcp_broken_at */
	uint64_t tcp_broken_at;
	char tcp_error[UB_ERR_MSG_MAX];
	int has_capture;       /* --pcap: what the capture saw */
	char capture_file[256], capture_iface[32];
	uint64_t cap_received, cap_dropped, cap_if_dropped, cap_written;
	int socket_rcvbuf, socket_sndbuf;
};

/* One CSV row; has_* clear leaves a column empty. */
struct ub_csv_row {
	uint32_t seq;
	int64_t tx_ns;         /* since the run's start */
	int has_rx;
	int64_t rx_ns, rtt_ns;
	enum ub_status status;
	int reordered;
	int has_refl;
	uint32_t refl_seq;
	int64_t refl_rx_ns, refl_tx_ns; /* T2, T3 as Unix ns on the reflector's clock */
	int ttl;               /* -1: unknown */
	int has_tcp;           /* TCP_INFO when the echo arrived */
	uint64_t tcp_retransmits;
	int64_t tcp_rto_ns;
};

/*
 * Opens path ("-" = stdout) and writes the header row, with the columns
 * tcp_retransmits,tcp_rto_ns at the end when tcp. NULL with e filled on failure.
 */
struct ub_csv *ub_csv_open(const char *path, int tcp, struct ub_err *e);
/* Appends one row; errors are kept and reported by ub_csv_close. */
void ub_csv_row(struct ub_csv *c, const struct ub_csv_row *r);
/* Pushes buffered rows to the file (a crash loses at most one flush interval). */
void ub_csv_flush(struct ub_csv *c);
/* Closes (NULL accepted); returns 0 or UB_E_IO naming the file if any write failed. */
int ub_csv_close(struct ub_csv *c, struct ub_err *e);

/*
 * Writes the JSON result of n peers to path ("-" = stdout), atomically for
 * files: {"udpbench", "params", "summary"} for one peer, {"udpbench",
 * "peers": [{"params", "summary"}, ...]} for more.
 */
int ub_output_json(const char *path, unsigned n, const struct ub_params *p,
		   const struct ub_summary *s, const struct ub_run_counters *rc, struct ub_err *e);

/*
 * The same into of, opened by the caller (ub_outfile_open) before the run
 * so that an unwritable path is known before the first probe; commits it
 * (or drops it on failure). Returns 0, UB_E_IO or UB_E_NOMEM.
 */
int ub_output_json_commit(struct ub_outfile *of, unsigned n, const struct ub_params *p,
			  const struct ub_summary *s, const struct ub_run_counters *rc,
			  struct ub_err *e);

/* Prints the ping-like summary of one peer. */
void ub_output_summary(FILE *f, enum ub_lang lang, const struct ub_params *p,
		       const struct ub_summary *s, const struct ub_run_counters *rc);

/* Prints one row per peer: a classroom of boards at a glance. */
void ub_output_table(FILE *f, enum ub_lang lang, unsigned n, const struct ub_params *p,
		     const struct ub_summary *s, const struct ub_run_counters *rc);

/*
 * Draws one live progress line (no newline) over the current one; peer may be
 * NULL. lost counts decided probes only.
 */
void ub_output_live(FILE *f, enum ub_lang lang, const char *peer, uint64_t sent,
		    uint64_t received, uint64_t lost, int64_t last_rtt_ns, int64_t median_rtt_ns);
/* Clears the live line. */
void ub_output_live_end(FILE *f);

/* Returns 1 when s can go into a JSON result as it is (valid UTF-8), else 0. */
int ub_output_text_ok(const char *s);

/* What a run in which no probe got its reply saw instead. */
struct ub_no_reply {
	uint64_t auth_failed;   /* replies whose HMAC did not verify */
	uint64_t unmatched;     /* replies that matched no probe */
	uint64_t refused_after; /* probes sent when the port became unreachable; 0 never */
	int mode;               /* the mode asked for (enum ub_mode; 0 auto) */
	const char *said;       /* what the transport said already (a TCP connection refused); NULL none */
};

/*
 * Writes into buf (n bytes) one line saying that nothing measured came
 * back from peers (a list) and, from why, the likely cause.
 */
void ub_output_no_reply(char *buf, size_t n, enum ub_lang lang, const char *peers,
			const struct ub_no_reply *why);

/* Name of a status for the CSV ("ok", "lost", "late", "dup"). */
const char *ub_output_status_name(enum ub_status st);

#endif
