/*
 * udpbench: latency under load (send --load) as the result states it — the
 * probes' round trips split by phase (idle before and after the load,
 * loaded while it ran), the load's throughput over the loaded phase, and
 * both over time in bins of bin_ns from slot 0, for a chart.
 *
 * The sender feeds every probe's fate (ub_loadsum_ok, ub_loadsum_lost) by its
 * send time; the load side fills struct ub_load_run; ub_loadsum_finish puts
 * the two together. Memory: 16 octets a probe, up to UB_LOADSUM_MAX probes
 * (a load run is short: the reflector caps it); later ones are counted
 * apart, not split.
 */
#ifndef UB_LOADSUM_H
#define UB_LOADSUM_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"
#include "metrics/stats.h"

#define UB_LOADSUM_MAX (1u << 22)
#define UB_LOADSUM_BIN_NS 250000000LL /* 250 ms: a chart's step */

enum { UB_LOADSUM_UP = 1, UB_LOADSUM_DOWN = 2, UB_LOADSUM_BOTH = 3 };

/* How the loaded phase ended. */
enum ub_load_end {
	UB_LOAD_END_PLAN = 0,  /* at its planned end */
	UB_LOAD_END_CAP,       /* the reflector closed it at its cap (reflect --load-max-duration) */
	UB_LOAD_END_BROKEN,    /* the connections broke before */
	UB_LOAD_END_STOP,      /* the run was stopped (Ctrl-C) */
};

/* What the load connections did (send/load.c fills it). */
struct ub_load_run {
	int dir;                 /* UB_LOADSUM_UP, _DOWN or _BOTH */
	unsigned streams;        /* connections each way */
	int64_t idle_ns, loaded_ns; /* the plan: idle, loaded, idle */
	int ran;                 /* 0: no load ran, error says why */
	char error[UB_ERR_MSG_MAX];
	char error_zh[UB_ERR_MSG_MAX]; /* the same for the terminal in Chinese */
	int64_t start_ns, end_ns;/* the loaded phase as it was, since slot 0 */
	enum ub_load_end ended;
	int64_t grant_ns;        /* the time the reflector allowed a connection */
	uint64_t grant_bps;      /* its rate cap over all load, bit/s; 0 none */
	uint64_t up_bytes;       /* acknowledged by the reflector over the loaded phase, SACK included */
	uint64_t down_bytes;     /* arrived in order over the loaded phase (read, where uncounted) */
	int up_uncounted;        /* the system does not say what TCP acknowledged (no TCP_INFO):
				    the upload has no figure */
	int64_t bin_ns;
	size_t n_bins;
	uint64_t *up_bin, *down_bin; /* the same, bin by bin from slot 0 (owned by the load side) */
};

/* One bin of the chart's series. */
struct ub_load_bin {
	int64_t t_ns;            /* its start, since slot 0 */
	int loaded;              /* it lies in the loaded phase (wholly or in part) */
	double up_bps, down_bps; /* -1 for a direction not loaded or not counted */
	uint64_t sent, lost;     /* probes sent in it, and of those lost */
	int64_t rtt_median_ns;   /* of its probes that came back; -1 none */
};

/* summary.load */
struct ub_load_summary {
	struct ub_load_run run;
	double up_bps, down_bps; /* over the loaded phase; -1 for a direction not loaded or not counted */
	struct ub_dist rtt_idle, rtt_loaded;
	uint64_t lost_idle, lost_loaded;
	uint64_t sent_idle, sent_loaded;
	uint64_t unsplit;        /* probes past UB_LOADSUM_MAX: in neither phase */
	const struct ub_load_bin *bins; /* owned by the struct ub_loadsum */
	size_t n_bins;
};

struct ub_loadsum;

/* Returns an empty recorder (free with ub_loadsum_free), or NULL out of memory. */
struct ub_loadsum *ub_loadsum_new(void);
void ub_loadsum_free(struct ub_loadsum *ls);

/* A probe sent at tx_ns (since slot 0) came back with rtt_ns. */
void ub_loadsum_ok(struct ub_loadsum *ls, int64_t tx_ns, int64_t rtt_ns);

/* A probe sent at tx_ns (since slot 0) was lost. */
void ub_loadsum_lost(struct ub_loadsum *ls, int64_t tx_ns);

/*
 * Splits what was fed by run's loaded phase into out (run copied in; the
 * bins stay ls's until it is freed). Returns 0 or UB_E_NOMEM.
 */
int ub_loadsum_finish(struct ub_loadsum *ls, const struct ub_load_run *run,
		      struct ub_load_summary *out);

/* Whether run has a figure for way (UB_LOADSUM_UP or _DOWN): loaded that way, and counted. */
int ub_loadsum_counted(const struct ub_load_run *run, int way);

/* "up", "down" or "both". */
const char *ub_loadsum_dir_name(int dir);

/* "plan", "cap", "broken" or "stop". */
const char *ub_loadsum_end_name(enum ub_load_end e);

#endif
