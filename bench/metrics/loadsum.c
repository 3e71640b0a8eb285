#include "metrics/loadsum.h"

#include <stdlib.h>
#include <string.h>

#include "metrics/statcalc.h"

struct sample {
	int64_t tx_ns;
	int64_t rtt_ns; /* -1: lost */
};

struct ub_loadsum {
	struct sample *s;
	size_t n, cap;
	uint64_t unsplit;
	struct ub_load_bin *bins;
};

struct ub_loadsum *ub_loadsum_new(void)
{
	return calloc(1, sizeof(struct ub_loadsum));
}

void ub_loadsum_free(struct ub_loadsum *ls)
{
	if (!ls)
		return;
	free(ls->s);
	free(ls->bins);
	free(ls);
}

static void add(struct ub_loadsum *ls, int64_t tx_ns, int64_t rtt_ns)
{
	struct sample *grown;
	size_t cap;

	if (ls->n == ls->cap) {
		cap = ls->cap ? ls->cap * 2 : 4096;
		if (cap > UB_LOADSUM_MAX || !(grown = realloc(ls->s, cap * sizeof(*grown)))) {
			ls->unsplit++;
			return;
		}
		ls->s = grown;
		ls->cap = cap;
	}
	ls->s[ls->n].tx_ns = tx_ns;
	ls->s[ls->n].rtt_ns = rtt_ns;
	ls->n++;
}

void ub_loadsum_ok(struct ub_loadsum *ls, int64_t tx_ns, int64_t rtt_ns)
{
	add(ls, tx_ns, rtt_ns < 0 ? 0 : rtt_ns);
}

void ub_loadsum_lost(struct ub_loadsum *ls, int64_t tx_ns)
{
	add(ls, tx_ns, -1);
}

static int loaded_at(const struct ub_load_run *run, int64_t t)
{
	return run->ran && t >= run->start_ns && t < run->end_ns;
}

int ub_loadsum_counted(const struct ub_load_run *run, int way)
{
	return (run->dir & way) && !(way == UB_LOADSUM_UP && run->up_uncounted);
}

/* Octets in bin k of a per-bin array as a rate, bit/s; -1 when that way has no figure. */
static double bin_bps(const struct ub_load_run *run, const uint64_t *v, size_t k, int way)
{
	if (!ub_loadsum_counted(run, way))
		return -1;
	if (!v || k >= run->n_bins || run->bin_ns <= 0)
		return 0;
	return (double)v[k] * 8e9 / (double)run->bin_ns;
}

/* The bins of the chart: probes by send time, the load's octets as the load side binned them. */
static int make_bins(struct ub_loadsum *ls, const struct ub_load_run *run, struct ub_load_summary *out)
{
	int64_t bin = run->bin_ns > 0 ? run->bin_ns : UB_LOADSUM_BIN_NS, last = 0;
	size_t nb, i, k, *at = NULL, *fill = NULL;
	int64_t *rtt = NULL;
	int ret = UB_E_NOMEM;

	for (i = 0; i < ls->n; i++)
		if (ls->s[i].tx_ns > last)
			last = ls->s[i].tx_ns;
	nb = (size_t)(last / bin) + 1;
	if (run->n_bins > nb)
		nb = run->n_bins;
	ls->bins = calloc(nb, sizeof(*ls->bins));
	at = calloc(nb + 1, sizeof(*at));
	fill = calloc(nb, sizeof(*fill));
	rtt = malloc((ls->n ? ls->n : 1) * sizeof(*rtt));
	if (!ls->bins || !at || !fill || !rtt)
		goto out;
	/* counting sort of the round trips by bin, then each bin's median */
	for (i = 0; i < ls->n; i++) {
		k = ls->s[i].tx_ns < 0 ? 0 : (size_t)(ls->s[i].tx_ns / bin);
		ls->bins[k].sent++;
		if (ls->s[i].rtt_ns < 0)
			ls->bins[k].lost++;
		else
			at[k + 1]++;
	}
	for (k = 0; k < nb; k++)
		at[k + 1] += at[k];
	for (i = 0; i < ls->n; i++) {
		k = ls->s[i].tx_ns < 0 ? 0 : (size_t)(ls->s[i].tx_ns / bin);
		if (ls->s[i].rtt_ns >= 0)
			rtt[at[k] + fill[k]++] = ls->s[i].rtt_ns;
	}
	for (k = 0; k < nb; k++) {
		struct ub_load_bin *b = &ls->bins[k];
		size_t m = at[k + 1] - at[k];

		b->t_ns = (int64_t)k * bin;
		b->loaded = run->ran && b->t_ns < run->end_ns && b->t_ns + bin > run->start_ns;
		b->up_bps = bin_bps(run, run->up_bin, k, UB_LOADSUM_UP);
		b->down_bps = bin_bps(run, run->down_bin, k, UB_LOADSUM_DOWN);
		b->rtt_median_ns = -1;
		if (m) {
			ub_statcalc_sort(rtt + at[k], m);
			b->rtt_median_ns = rtt[at[k] + (m - 1) / 2];
		}
	}
	out->bins = ls->bins;
	out->n_bins = nb;
	ret = 0;
out:
	free(at);
	free(fill);
	free(rtt);
	return ret;
}

int ub_loadsum_finish(struct ub_loadsum *ls, const struct ub_load_run *run,
		      struct ub_load_summary *out)
{
	int64_t *idle = NULL, *loaded = NULL, span;
	size_t ni = 0, nl = 0, i;
	int ret = UB_E_NOMEM;

	memset(out, 0, sizeof(*out));
	out->run = *run;
	out->unsplit = ls->unsplit;
	span = run->end_ns - run->start_ns;
	out->up_bps = !ub_loadsum_counted(run, UB_LOADSUM_UP) ? -1
		      : run->ran && span > 0 ? (double)run->up_bytes * 8e9 / (double)span : 0;
	out->down_bps = !ub_loadsum_counted(run, UB_LOADSUM_DOWN) ? -1
			: run->ran && span > 0 ? (double)run->down_bytes * 8e9 / (double)span : 0;
	free(ls->bins);
	ls->bins = NULL;
	idle = malloc((ls->n ? ls->n : 1) * sizeof(*idle));
	loaded = malloc((ls->n ? ls->n : 1) * sizeof(*loaded));
	if (!idle || !loaded)
		goto out;
	for (i = 0; i < ls->n; i++) {
		int in = loaded_at(run, ls->s[i].tx_ns);

		if (in)
			out->sent_loaded++;
		else
			out->sent_idle++;
		if (ls->s[i].rtt_ns < 0 && in)
			out->lost_loaded++;
		else if (ls->s[i].rtt_ns < 0)
			out->lost_idle++;
		else if (in)
			loaded[nl++] = ls->s[i].rtt_ns;
		else
			idle[ni++] = ls->s[i].rtt_ns;
	}
	ub_statcalc_dist(&out->rtt_idle, idle, ni);
	ub_statcalc_dist(&out->rtt_loaded, loaded, nl);
	ret = make_bins(ls, run, out);
out:
	free(idle);
	free(loaded);
	return ret;
}

const char *ub_loadsum_dir_name(int dir)
{
	return dir == UB_LOADSUM_BOTH ? "both" : dir == UB_LOADSUM_DOWN ? "down" : "up";
}

const char *ub_loadsum_end_name(enum ub_load_end e)
{
	static const char *const names[] = { "plan", "cap", "broken", "stop" };

	return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "plan";
}
