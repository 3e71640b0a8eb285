/*
 * udpbench: the session-sender. Sends probes on an absolute schedule,
 * matches replies, and hands everything to the statistics and the outputs.
 */
#ifndef UB_SENDER_H
#define UB_SENDER_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "stamp/auth.h"
#include "lib/err.h"
#include "metrics/intervals.h"
#include "metrics/result.h"
#include "metrics/rttbuckets.h"
#include "metrics/words.h"
#include "send/load.h"

/*
 * auto: text probes until the replies show the peer, then the mode they
 * allow; stamp: STAMP requests; echo: a verbatim echo; text: the probe's
 * text inside the reply; any: replies that carry nothing of the probe, one
 * probe outstanding at a time.
 */
enum ub_mode { UB_MODE_AUTO = 0, UB_MODE_STAMP, UB_MODE_ECHO, UB_MODE_TEXT, UB_MODE_ANY };
#define UB_MODES 5

/*
 * Exact statistics keep about 18 bytes a probe (bench/stats.c); a run that
 * plans more probes than this keeps constant memory (summary_only) instead.
 */
#define UB_SENDER_EXACT_MAX (1u << 24)

/* One peer as the run stands now: what a live view shows of it. */
struct ub_board_now {
	const char *name;    /* from the --peers file; NULL none */
	const char *peer;    /* as given */
	const char *addr;    /* resolved, "1.2.3.4:10000" */
	uint64_t sent, received, lost;
	int has_split;       /* lost_up/lost_down known, over the complete intervals */
	uint64_t lost_up, lost_down;
	int64_t rtt_now_ns, rtt_median_ns, rtt_p99_ns; /* -1 before the first reply */
	int64_t heard_ns;    /* the last reply, since slot 0; -1 never */
	/* probes decided since the previous tick, in the order they were decided */
	const struct ub_outcome *fresh;
	unsigned n_fresh;
	uint64_t fresh_dropped; /* decided ones left out since the previous tick (too many to show) */
	/* counted as each reply came, so that monitoring's counters are exact (they end as the summary's) */
	uint64_t duplicates, reordered, late;
	const struct ub_rtt_buckets *rtt; /* every reply in time so far (owned by the sender) */
};

/*
 * Who watches the run besides the terminal (the live page, the metrics;
 * several at once through send/watchfan.h): called from the sender's loop,
 * so each call must return quickly.
 */
struct ub_sender_watch {
	void *ctx;
	/* every 250 ms or so, and once more at the end with final set */
	void (*tick)(void *ctx, int64_t now_ns, const struct ub_board_now *b, unsigned n, int final);
	/* board's next interval record is complete */
	void (*interval)(void *ctx, unsigned board, const struct ub_interval *iv);
};

struct ub_sender_config {
	const char *const *peers; /* HOST[:PORT] each; measured at once on one schedule */
	const char *const *names; /* a name for each peer (NULL entries: none); NULL: no names */
	unsigned n_peers;
	int port;               /* used when peer names none */
	int family;             /* AF_UNSPEC, AF_INET, AF_INET6 */
	uint64_t count;         /* probes; 0 = bounded by duration or a signal */
	int64_t duration_ns;    /* 0 = bounded by count */
	int64_t interval_ns;    /* 0 with flood */
	int flood;              /* --rate max: as fast as the peer answers, in batches; one peer */
	unsigned size;          /* 44..1472; 112.. with key */
	int64_t timeout_ns;     /* Tmax */
	enum ub_mode mode;
	int ptp;                /* T1 in PTP format (the Z bit of our error estimate says so) */
	int tcp;                /* probes as framed messages on one TCP connection */
	int dscp, ttl;          /* -1 = system default */
	const char *json_path;  /* NULL: none; "-": stdout */
	const char *csv_path;   /* with several peers, one file each: NAME-HOST_PORT.csv */
	const char *label;
	const char *pcap_path;  /* capture the run's packets into this file */
	const char *iface;      /* capture on this interface (default: the one to the peers) */
	enum ub_lang lang;
	FILE *summary;          /* the summary table; NULL prints none */
	FILE *live;             /* the live lines (one per peer); NULL shows none */
	int64_t report_interval_ns; /* interval records' span; 0: none */
	FILE *intervals;        /* one line per interval record; NULL prints none */
	const struct ub_sender_watch *watch; /* NULL: nobody */
	struct ub_load_config load; /* --load: bulk TCP beside the probes (one peer); dir 0 none */
	int summary_only;       /* constant memory: percentiles from a histogram */
	int summary_only_auto;  /* chosen because the plan holds more than UB_SENDER_EXACT_MAX probes */
	int64_t spin_ns;        /* spin on the clock this long before a deadline instead of sleeping */
	int busy_poll;          /* never sleep: poll the sockets and the clock without blocking */
	int gso;                /* flood batches leave as UDP GSO trains */
	int cpu;                /* pin the sender to this CPU; -1 leaves it to the scheduler */
	const struct ub_auth_key *key; /* authenticated mode (RFC 8762 §4.2.2); NULL: none */
	struct ub_link link;    /* what the results say about the link; default: a real one */
	volatile sig_atomic_t *stop; /* SIGINT/SIGTERM count: 1 drains in-flight probes, 2 ends now */
};

/* Sets defaults: port 10000, 10 ms interval, 44 bytes, Tmax 1 s, auto mode, 200 us spin, a real link. */
void ub_sender_config_init(struct ub_sender_config *c);

/* Returns the name of a mode ("auto", "stamp", "echo", "text"). */
const char *ub_sender_mode_name(enum ub_mode m);

/*
 * Measures every peer and writes the outputs. Returns 0 when something was
 * measured, UB_E_NOREPLY when no peer ever replied (outputs still written),
 * UB_E_IO when an output could not be written (summary still printed), or
 * another negative code with e filled. Peers that stayed silent while others
 * answered are named in e->msg with a 0 return.
 */
int ub_sender_run(const struct ub_sender_config *c, struct ub_err *e);

#endif
