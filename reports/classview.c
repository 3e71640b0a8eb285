/*
 * udpbench: reports — the class overview (classview.h): a row per board,
 * written as classview.dat and drawn by classview.gp.
 */
#include "reports/classview.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/words.h"
#include "reports/fmt.h"
#include "reports/gnuplot.h"
#include "reports/wifinote.h"

/* Every text for people is TX(R, English, Chinese). */
#define TX UB_REPORT_TX

/* Pixels of the chart: title above the rows, axis and legend below, and each row. */
#define CV_TOP_PX 190
#define CV_BOTTOM_PX 230
#define CV_ROW_PX 44

/* Columns a board's name may take beside its row before it is cut short. */
#define CV_NAME_COLS 26

/* A figure of summary.rtt_ns in ms, NaN when it is not a number. */
static double rtt_ms(json_t *rtt, const char *k)
{
	return ub_results_has_number(rtt, k) ? ub_report_ms(ub_results_int(rtt, k, 0)) : NAN;
}

unsigned ub_classview_rows(const struct ub_report_ctx *R, struct ub_classview_row *rows)
{
	unsigned k, n = 0;

	for (k = 0; k < R->n; k++) {
		const struct ub_result *r = &R->r[k];
		json_t *rtt = json_object_get(r->summary, "rtt_ns");
		int64_t sent = ub_results_int(r->summary, "sent", 0);
		struct ub_classview_row *w = &rows[n];
		json_t *lp = json_object_get(r->summary, "loss_pct");

		memset(w, 0, sizeof(*w));
		w->res = k;
		w->dead = r->dead;
		w->lo = w->q1 = w->median = w->q3 = w->p95 = w->p99 = NAN;
		if (r->n_rtt) {
			/* the per-probe data: the same nearest ranks as the box chart */
			w->lo = ub_report_ms(r->box.p5);
			w->q1 = ub_report_ms(r->box.q1);
			w->median = ub_report_ms(r->box.median);
			w->q3 = ub_report_ms(r->box.q3);
			w->p95 = ub_report_ms(r->box.p95);
			w->p99 = ub_report_ms(r->box.p99);
		} else if (!r->dead && ub_results_int(rtt, "n", 0) > 0) {
			w->lo = rtt_ms(rtt, "min");
			w->median = rtt_ms(rtt, "median");
			w->p95 = rtt_ms(rtt, "p95");
			w->p99 = rtt_ms(rtt, "p99");
		}
		if (!w->dead && isnan(w->median))
			continue;
		w->loss = json_is_number(lp) ? json_number_value(lp) : NAN;
		w->up = w->down = NAN;
		if (r->split && sent > 0 && !r->dead) {
			w->up = 100.0 * (double)ub_results_int(r->summary, "lost_up", 0) / (double)sent;
			w->down = 100.0 * (double)ub_results_int(r->summary, "lost_down", 0) / (double)sent;
		}
		n++;
	}
	return n;
}

static int cmp_row(const void *a, const void *b)
{
	const struct ub_classview_row *x = a, *y = b;

	if (x->dead != y->dead)
		return x->dead - y->dead;
	if (!x->dead && x->median != y->median)
		return x->median < y->median ? -1 : 1;
	return (x->res > y->res) - (x->res < y->res);
}

void ub_classview_sort(struct ub_classview_row *rows, unsigned n)
{
	qsort(rows, n, sizeof(*rows), cmp_row);
}

int ub_classview_wanted(const struct ub_report_ctx *R)
{
	unsigned k;

	if (R->n >= UB_REPORT_CLASS_MIN)
		return 1;
	for (k = 0; k < R->n; k++)
		if (!R->r[k].have_csv)
			return 1;
	return 0;
}

/* A number of the data file: NaN as gnuplot reads it. */
static void num(FILE *d, double v)
{
	if (isfinite(v))
		fprintf(d, " %.6f", v);
	else
		fputs(" NaN", d);
}

/*
 * Writes classview.dat, a line per row from the top: row lo q1 median q3
 * p95 p99 loss up down no_reply "name" "loss note". *xmax gets the largest p99
 * (ms), *lmax the largest loss of a board that answered (%), *summary_only
 * 1 when a row comes from a summary alone. Returns 0 or UB_E_IO.
 */
static int write_data(struct ub_report_ctx *R, const struct ub_classview_row *rows, unsigned n,
		      double *xmax, double *lmax, int *summary_only, struct ub_err *e)
{
	char name[256], note[64], wifi[96];
	unsigned i;
	FILE *d;

	*xmax = 0;
	*lmax = 0;
	*summary_only = 0;
	d = ub_gnuplot_open(R, "classview.dat", e);
	if (!d)
		return e->code;
	fputs("# row lo_ms q1_ms median_ms q3_ms p95_ms p99_ms loss_pct lost_up_pct lost_down_pct "
	      "no_reply name note\n# lo is the 5 % rank, or the fastest reply where only the summary is known; "
	      "a board that never answered has NaN figures\n", d);
	for (i = 0; i < n; i++) {
		const struct ub_classview_row *w = &rows[i];
		const struct ub_result *r = &R->r[w->res];

		fprintf(d, "%u", i + 1);
		num(d, w->lo);
		num(d, w->q1);
		num(d, w->median);
		num(d, w->q3);
		num(d, w->p95);
		num(d, w->p99);
		num(d, w->loss);
		num(d, w->up);
		num(d, w->down);
		fprintf(d, " %d", w->dead);
		ub_words_clip(r->label, CV_NAME_COLS, name, sizeof(name));
		/* the radio it was measured under (params.wifi), beside the name */
		if (ub_wifinote(R, r, UB_WIFINOTE_SHORT, wifi, sizeof(wifi)))
			snprintf(name + strlen(name), sizeof(name) - strlen(name), " (%s)", wifi);
		fputc(' ', d);
		ub_gnuplot_datum(d, name);
		if (w->dead)
			snprintf(note, sizeof(note), "%s", TX(R, "no reply", UB_ZH_NO_REPLY));
		else if (isfinite(w->loss))
			snprintf(note, sizeof(note), "%.1f%%", w->loss);
		else
			snprintf(note, sizeof(note), "?");
		fputc(' ', d);
		ub_gnuplot_datum(d, note);
		fputc('\n', d);
		if (!w->dead) {
			*xmax = isfinite(w->p99) && w->p99 > *xmax ? w->p99 : *xmax;
			*lmax = isfinite(w->loss) && w->loss > *lmax ? w->loss : *lmax;
			*summary_only |= isnan(w->q1);
		}
	}
	return ub_gnuplot_close(d, R, "classview.dat", e);
}

/* Writes the overview's texts into settings file f: n rows, dead of them never answered. */
static void texts(struct ub_report_ctx *R, FILE *f, unsigned n, unsigned dead, int summary_only)
{
	char t[768];
	size_t l;

	snprintf(t, sizeof(t), "%s%s", R->c->title ? R->c->title : "", R->c->title ? "\n" : "");
	l = strlen(t);
	snprintf(t + l, sizeof(t) - l,
		 TX(R, "All %u boards at a glance, fastest at the top", "全部 %u 块板子一览，最快的在最上面"), n);
	l = strlen(t);
	if (dead)
		snprintf(t + l, sizeof(t) - l,
			 TX(R, "; %u never answered (\"no reply\", at the bottom)", "；%u 块" UB_ZH_NO_REPLY "（在最下面）"),
			 dead);
	l = strlen(t);
	snprintf(t + l, sizeof(t) - l, "%s",
		 TX(R, "\nLeft: round-trip time of each board's replies\nRight: probes lost, orange-red on the way there, dark brown on the way back",
		    "\n左：每块板子回复的" UB_ZH_RTT "\n右：丢失的探测包，" UB_ZH_C_LOST "是去程，" UB_ZH_C_DOWN "是回程"));
	ub_gnuplot_str(f, "t_title", t);
	ub_gnuplot_str(f, "t_x", TX(R, "round-trip time (ms)", UB_ZH_RTT "（毫秒）"));
	ub_gnuplot_str(f, "t_xloss", TX(R, "lost (% of probes sent)", "丢失（占发送的 %）"));
	ub_gnuplot_str(f, "t_bar", summary_only ? TX(R, "5% to 95% of the replies (from the fastest where only the summary is known)",
						    "5% 到 95% 的回复（只有汇总的板子从最快的算起）")
						 : TX(R, "5% to 95% of the replies", "5% 到 95% 的回复"));
	ub_gnuplot_str(f, "t_box", TX(R, "middle half (25%-75%)", "中间一半（25%–75%）"));
	ub_gnuplot_str(f, "t_median", TX(R, "median", "中位数"));
	ub_gnuplot_str(f, "t_p99", TX(R, "99% are faster", "99% 比这快"));
	ub_gnuplot_str(f, "t_up", TX(R, "lost there", "去程丢失"));
	ub_gnuplot_str(f, "t_down", TX(R, "lost back", "回程丢失"));
	ub_gnuplot_str(f, "t_lost", TX(R, "lost", "丢失"));
}

int ub_chart_classview(struct ub_report_ctx *R, struct ub_err *e)
{
	struct ub_classview_row *rows;
	unsigned n, i, dead = 0, height;
	double xmax, lmax;
	int rc, summary_only, split = 0;
	FILE *f;

	rows = calloc(R->n + 1, sizeof(*rows));
	if (!rows)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	n = ub_classview_rows(R, rows);
	if (!n) {
		rc = 0;
		goto out;
	}
	ub_classview_sort(rows, n);
	for (i = 0; i < n; i++) {
		dead += rows[i].dead;
		split |= !rows[i].dead && isfinite(rows[i].up);
	}
	rc = write_data(R, rows, n, &xmax, &lmax, &summary_only, e);
	if (rc)
		goto out;
	f = ub_gnuplot_chart_open(R, UB_REPORT_CH_CLASS, "classview.gp", -1, -1, "overview", e);
	if (!f) {
		rc = e->code;
		goto out;
	}
	/* as tall as the rows need: forty boards stay a row of text each */
	height = CV_TOP_PX + CV_BOTTOM_PX + n * CV_ROW_PX;
	height = height > R->c->height ? height : R->c->height;
	fprintf(f, "height = %u\nn = %u\nsplit = %d\nn_dead = %u\n", height, n, split, dead);
	ub_gnuplot_num(f, "top_y", 1.0 - (double)CV_TOP_PX / height);
	ub_gnuplot_num(f, "bottom_y", (double)CV_BOTTOM_PX / height);
	ub_gnuplot_num(f, "xmax", xmax > 0 ? xmax * 1.08 : 1.0);
	ub_gnuplot_num(f, "lmax", lmax > 0 ? lmax * 1.45 : 1.0);
	ub_gnuplot_str(f, "f_rows", "classview.dat");
	texts(R, f, n, dead, summary_only);
	rc = ub_gnuplot_close(f, R, "overview settings", e);
out:
	free(rows);
	return rc;
}
