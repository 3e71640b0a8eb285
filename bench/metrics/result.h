/*
 * udpbench: the result model — what a run measured and under which
 * conditions, as the sender and the capture analysis fill it and the
 * writers (output.h) print it: the parameters RFC 6703 asks a report to
 * state, the RFC figures (struct ub_summary, stats.h), the sender's own
 * counters, and why nothing came back when nothing did.
 */
#ifndef UB_RESULT_H
#define UB_RESULT_H

#include <stdint.h>

#include "lib/err.h"
#include "lib/wifi.h"
#include "metrics/stats.h"

/* Why a result gives no up/down split (RFC 8762 §4.3.1: only a stateful reflector's counter tells). */
enum ub_split_why {
	UB_SPLIT_GIVEN = 0,   /* a stateful reflector: the split is there */
	UB_SPLIT_STATELESS,   /* its sequence number is a copy of ours */
	UB_SPLIT_UNDECIDED,   /* its number always equalled ours: stateless, or stateful without upstream loss */
	UB_SPLIT_NO_COUNTER,  /* an echo or a script: no counter at all */
	UB_SPLIT_TCP,         /* a TCP echo */
	UB_SPLIT_NO_REPLY,    /* nothing came back */
};

/*
 * The link a run crossed, as whoever set it up said (send --link): kind
 * tun, relay, netem, nftables or real; NULL when nobody knows (a capture
 * read by udpbench analyze).
 */
struct ub_link {
	const char *kind;
	const char *spec;     /* the impairments as given: a JSON object's text; NULL none */
	const char *truth;    /* the emulator's truth log, relative to the result file; NULL none */
	const char *scenario; /* the scenario whose link this is; NULL none */
};

/* Longest board name, in bytes of UTF-8, its terminating NUL included. */
#define UB_NAME_MAX 64

/* What RFC 6703 asks a report to state about the run. */
struct ub_params {
	char peer[256];       /* as given */
	char name[UB_NAME_MAX]; /* the board's name from the --peers file; "" none */
	char peer_addr[64];   /* resolved, "1.2.3.4:10000" */
	int port;
	const char *mode;     /* stamp, echo, text */
	const char *proto;    /* udp */
	uint64_t count;       /* 0 when the run was bounded by duration */
	int64_t duration_ns;  /* 0 when bounded by count */
	int64_t interval_ns;
	unsigned size;
	int64_t timeout_ns;
	int64_t report_interval_ns; /* span of the interval records; 0 none */
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
	struct ub_link link;  /* the link the probes crossed */
	const struct ub_wifi_facts *wifi; /* the radio conditions of the route; NULL not measured */
};

#define UB_RESTARTS_MAX 16

/* Extra counters of the sender that are not RFC metrics. */
struct ub_run_counters {
	uint64_t foreign;      /* replies that matched no probe of this session */
	uint64_t send_errors;  /* soft send failures (ENOBUFS, EAGAIN) */
	uint64_t auth_failed;  /* keyed run: replies without a valid HMAC, ignored */
	uint64_t size_mismatch;/* replies of another size than their request (RFC 8762 wants the same) */
	uint64_t tx_kernel;    /* replies whose probe has the kernel's send stamp */
	uint64_t rx_kernel;    /* replies with the kernel's receive stamp */
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

/* What a run in which no probe got its reply saw instead. */
struct ub_no_reply {
	uint64_t auth_failed;   /* replies whose HMAC did not verify */
	uint64_t unmatched;     /* replies that matched no probe */
	uint64_t refused_after; /* probes sent when the port became unreachable; 0 never */
	int mode;               /* the mode asked for (enum ub_mode; 0 auto) */
	const char *said;       /* what the transport said already (a TCP connection refused); NULL none */
};

#endif
