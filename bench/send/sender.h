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
#include "metrics/result.h"
#include "metrics/words.h"

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

struct ub_sender_config {
	const char *const *peers; /* HOST[:PORT] each; measured at once on one schedule */
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
