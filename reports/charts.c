/*
 * udpbench: reports — the charts (charts.h): what each one shows, written
 * as data files and settings into the work folder for gnuplot.c to draw;
 * those of every result at once are in overview.c.
 */
#include "reports/charts.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/classview.h"
#include "reports/fmt.h"
#include "reports/gnuplot.h"
#include "reports/ivcharts.h"
#include "reports/longrun.h"
#include "reports/loadchart.h"
#include "reports/overview.h"

/* Every text for people is TX(R, English, Chinese). */
#define TX UB_REPORT_TX

static double sec(int64_t ns)
{
	return (double)ns / 1e9;
}

/* The RTT a lost probe would have had: between the replies around it. */
static double guess_rtt(const struct ub_result *r, size_t i, size_t prev, size_t next)
{
	int hp = prev != SIZE_MAX, hn = next != SIZE_MAX;

	if (hp && hn)
		return ub_report_ms(r->p[prev].rtt_ns) + (ub_report_ms(r->p[next].rtt_ns) - ub_report_ms(r->p[prev].rtt_ns)) *
		       (double)(i - prev) / (double)(next - prev);
	if (hp)
		return ub_report_ms(r->p[prev].rtt_ns);
	if (hn)
		return ub_report_ms(r->p[next].rtt_ns);
	return 0.0;
}

/* The foot of an RTT axis (ms): 0, or below a negative RTT a CSV may hold. */
static double y_floor(const struct ub_result *r)
{
	return r->n_rtt && r->box.min < 0 ? ub_report_ms(r->box.min) * 1.12 : 0;
}

/* Chart 1's data: replies (a break at each loss), lost, late and retransmission marks. */
static int write_rtt_data(struct ub_report_ctx *R, struct ub_result *r, double ytop,
			  struct ub_err *e)
{
	static const char *const sfx[] = { "rtt", "lost", "late", "retx" };
	FILE *f[4] = { NULL };
	char name[4][200];
	size_t i, prev = SIZE_MAX, next = SIZE_MAX;
	int64_t last_retx = 0;
	int rc = 0, gap = 0;

	for (i = 0; i < 4; i++) {
		snprintf(name[i], sizeof(name[i]), "%s-%s.dat", r->slug, sfx[i]);
		f[i] = ub_gnuplot_open(R, name[i], e);
		if (!f[i]) {
			rc = e->code;
			goto out;
		}
	}
	fputs("# time_s rtt_ms seq\n", f[0]);
	fputs("# time_s rtt_ms(guessed from the replies around it) seq\n", f[1]);
	fputs("# time_s y_ms(top of the chart) seq rtt_ms\n", f[2]);
	fputs("# time_s rtt_ms seq retransmits_so_far new_retransmits\n", f[3]);
	for (i = 0; i < r->n_p; i++) {
		const struct ub_result_probe *p = &r->p[i];

		if (p->ok) {
			fprintf(f[0], "%.6f %.6f %" PRId64 "\n", sec(p->tx_ns), ub_report_ms(p->rtt_ns),
				r->base + (int64_t)i);
			prev = i;
			gap = 0;
			if (p->has_retx && p->retx > last_retx) {
				fprintf(f[3], "%.6f %.6f %" PRId64 " %" PRId64 " %" PRId64 "\n",
					sec(p->tx_ns), ub_report_ms(p->rtt_ns), r->base + (int64_t)i, p->retx,
					p->retx - last_retx);
				last_retx = p->retx;
			}
			continue;
		}
		if (!gap && prev != SIZE_MAX)
			fputc('\n', f[0]);
		gap = 1;
		if (!p->lost)
			continue;
		if (next == SIZE_MAX || next < i)
			for (next = i + 1; next < r->n_p && !r->p[next].ok; next++)
				;
		if (p->late)
			fprintf(f[2], "%.6f %.6f %" PRId64 " %.6f\n", sec(p->tx_ns), ytop,
				r->base + (int64_t)i, ub_report_ms(p->rtt_ns));
		else
			fprintf(f[1], "%.6f %.6f %" PRId64 "\n", sec(p->tx_ns),
				guess_rtt(r, i, prev, next < r->n_p ? next : SIZE_MAX),
				r->base + (int64_t)i);
	}
out:
	for (i = 0; i < 4; i++)
		if (f[i] && ub_gnuplot_close(f[i], R, name[i], e) < 0 && !rc)
			rc = e->code;
	return rc;
}

/* Chart 1: RTT over time for one result. */
static int chart_rtt(struct ub_report_ctx *R, unsigned k, struct ub_err *e)
{
	struct ub_result *r = &R->r[k];
	char name[200], t[512], b1[32], b2[32], b3[32];
	double ymax = ub_report_ms(r->box.max) * 1.12, ymin = y_floor(r);
	FILE *f;
	int rc;

	if (ymax <= 0)
		ymax = 1.0;
	rc = write_rtt_data(R, r, ymax * 0.96, e);
	if (rc)
		return rc;
	snprintf(name, sizeof(name), "rtt-%s", r->slug);
	f = ub_gnuplot_chart_open(R, UB_REPORT_CH_RTT, "rtt.gp", (int)k, -1, name, e);
	if (!f)
		return e->code;
	ub_gnuplot_file(f, "f_rtt", r, "rtt");
	ub_gnuplot_file(f, "f_lost", r, "lost");
	ub_gnuplot_file(f, "f_late", r, "late");
	ub_gnuplot_file(f, "f_retx", r, "retx");
	fprintf(f, "n_rtt = %zu\nn_lost = %zu\nn_late = %zu\nn_retx = %zu\n", r->n_rtt,
		r->n_lost - r->n_late, r->n_late, r->n_retx);
	ub_gnuplot_num(f, "xmax", sec(r->t_end) * 1.02 + 1e-3);
	ub_gnuplot_num(f, "ymin", ymin);
	ub_gnuplot_num(f, "ymax", ymax);
	ub_gnuplot_num(f, "median_ms", ub_report_ms(r->box.median));
	ub_gnuplot_num(f, "p99_ms", ub_report_ms(r->box.p99));
	snprintf(t, sizeof(t), "%s%s\n%s", r->label,
		 r->proto_in_label || strcasestr(r->label, r->tcp ? "tcp" : "udp") ? ""
		 : r->tcp ? " (TCP)" : " (UDP)",
		 r->tcp ? TX(R, "Round-trip time of every message: spikes are waits for a resend (orange-red ▲: this side resent)",
			     "每条消息的" UB_ZH_RTT "：尖峰是在等重传（" UB_ZH_C_LOST " ▲：本机重传）")
			: TX(R, "Round-trip time of every probe: look for spikes, gaps and orange-red × (lost probes)",
			     "每个探测包的" UB_ZH_RTT "：看尖峰、断口和" UB_ZH_C_LOST " ×（丢失的探测包）"));
	ub_gnuplot_str(f, "t_title", t);
	ub_gnuplot_str(f, "t_x", TX(R, "time since the start of the run (s)", "开始后的时间（秒）"));
	ub_gnuplot_str(f, "t_y", TX(R, "round-trip time (ms)", UB_ZH_RTT "（毫秒）"));
	snprintf(t, sizeof(t), TX(R, "reply (%zu)", "收到回复（%zu 个）"), r->n_rtt);
	ub_gnuplot_str(f, "t_rtt", t);
	snprintf(t, sizeof(t), TX(R, "lost: no reply (%zu)", "丢失：没有回复（%zu 个）"),
		 r->n_lost - r->n_late);
	ub_gnuplot_str(f, "t_lost", t);
	ub_report_fmt_dur(R, b3, sizeof(b3), ub_results_int(r->params, "timeout_ns", 0));
	snprintf(t, sizeof(t), TX(R, "late: over %s, counted lost (%zu)", UB_ZH_LATE "：过了" UB_ZH_TMAX " %s 才到，算作丢失（%zu 个）"),
		 b3, r->n_late);
	ub_gnuplot_str(f, "t_late", t);
	snprintf(t, sizeof(t), TX(R, "this side resent (%zu places)", "本机重传（%zu 处）"), r->n_retx);
	ub_gnuplot_str(f, "t_retx", t);
	ub_report_fmt_dur(R, b1, sizeof(b1), r->box.median);
	ub_report_fmt_dur(R, b2, sizeof(b2), r->box.p99);
	snprintf(t, sizeof(t), TX(R, "median %s", "中位数 %s"), b1);
	ub_gnuplot_str(f, "t_median", t);
	snprintf(t, sizeof(t), TX(R, "99%% are faster than %s", "99%% 的回复快于 %s"), b2);
	ub_gnuplot_str(f, "t_p99", t);
	return ub_gnuplot_close(f, R, "rtt settings", e);
}

/* The rows of chart 3, each a data file: arrived, lost up, lost down, lost (no split), late. */
static const char *const loss_sfx[] = { "loss-ok", "loss-up", "loss-down", "loss-lost", "loss-late" };

/* Writes result r's chart 3 data: a line per probe in the file of its row. Returns 0 or UB_E_IO. */
static int loss_files(struct ub_report_ctx *R, const struct ub_result *r, struct ub_err *e)
{
	FILE *f[5] = { NULL };
	char name[5][200];
	int rc = 0, w;
	size_t i;

	for (i = 0; i < 5; i++) {
		snprintf(name[i], sizeof(name[i]), "%s-%s.dat", r->slug, loss_sfx[i]);
		f[i] = ub_gnuplot_open(R, name[i], e);
		if (!f[i]) {
			rc = e->code;
			goto out;
		}
		fputs("# probe_number row\n", f[i]);
	}
	for (i = 0; i < r->n_p; i++) {
		const struct ub_result_probe *p = &r->p[i];

		if (!p->seen)
			continue;
		if (p->ok)
			w = 0;
		else if (p->late)
			w = 4;
		else if (!r->split)
			w = 3;
		else
			w = p->dir == UB_RESULT_DIR_DOWN ? 2 : 1;
		fprintf(f[w], "%zu %d\n", i,
			w == 0 ? (r->split ? 3 : 2) : w == 1 ? 2 : 1);
	}
out:
	for (i = 0; i < 5; i++)
		if (f[i] && ub_gnuplot_close(f[i], R, name[i], e) < 0 && !rc)
			rc = e->code;
	return rc;
}

/* Writes chart 3's figures and texts for result r into settings file s. */
static void loss_texts(const struct ub_report_ctx *R, const struct ub_result *r, FILE *s)
{
	json_t *bursts = json_object_get(r->summary, "loss_bursts");
	char t[512], b1[32];

	fprintf(s, "split = %d\nn_probes = %zu\nn_ok = %zu\nn_up = %zu\nn_down = %zu\nn_lost = %zu\nn_late = %zu\n",
		r->split, r->n_p, r->n_rtt, r->n_up, r->n_down - r->n_late, r->n_lost - r->n_late,
		r->n_late);
	/* the colours of loss.gp: lost there (or lost) in c_red (orange-red), lost back in c_brown */
	if (r->dead)
		snprintf(t, sizeof(t), TX(R, "%s: no reply, all %zu probes lost\nOne mark per probe",
					  "%s：" UB_ZH_NO_REPLY "，%zu 个探测包全部丢失\n一格一个探测包"),
			 r->label, r->n_p);
	else if (r->split)
		snprintf(t, sizeof(t), TX(R, "%1$s: which probes were lost? %3$zu of %2$zu\nOne mark per probe; "
					  "orange-red (there) and dark brown (back) blocks are losses in a row",
					  "%s：哪些探测包丢了？%zu 个中丢了 %zu 个\n一格一个探测包，" UB_ZH_C_LOST
					  "（去程）和" UB_ZH_C_DOWN "（回程）连成块就是连续丢包"),
			 r->label, r->n_p, r->n_lost);
	else
		snprintf(t, sizeof(t), TX(R, "%1$s: which probes were lost? %3$zu of %2$zu\nOne mark per probe; "
					  "orange-red blocks are losses in a row",
					  "%s：哪些探测包丢了？%zu 个中丢了 %zu 个\n一格一个探测包，" UB_ZH_C_LOST
					  "连成块就是连续丢包"),
			 r->label, r->n_p, r->n_lost);
	if (json_is_object(bursts) && ub_results_int(bursts, "count", 0) > 0) {
		size_t n = strlen(t);

		snprintf(t + n, sizeof(t) - n,
			 TX(R, " (%" PRId64 " bursts, the longest %" PRId64 ")",
			    "（%" PRId64 " 段，最长连丢 %" PRId64 " 个）"),
			 ub_results_int(bursts, "count", 0), ub_results_int(bursts, "max_len", 0));
	}
	ub_gnuplot_str(s, "t_title", t);
	ub_report_fmt_dur(R, b1, sizeof(b1), ub_results_int(r->params, "interval_ns", 0));
	snprintf(t, sizeof(t), TX(R, "probe number (one sent every %s)", "探测包序号（每 %s发一个）"), b1);
	ub_gnuplot_str(s, "t_x", t);
	snprintf(t, sizeof(t), TX(R, "arrived (%zu)", "到达（%zu）"), r->n_rtt);
	ub_gnuplot_str(s, "t_ok", t);
	snprintf(t, sizeof(t), TX(R, "lost on the way there (%zu)", "去程丢失（%zu）"), r->n_up);
	ub_gnuplot_str(s, "t_up", t);
	snprintf(t, sizeof(t), TX(R, "lost on the way back (%zu)", "回程丢失（%zu）"), r->n_down);
	ub_gnuplot_str(s, "t_down", t);
	snprintf(t, sizeof(t), TX(R, "lost (%zu)", "丢失（%zu）"), r->n_lost);
	ub_gnuplot_str(s, "t_lost", t);
	snprintf(t, sizeof(t), TX(R, "late reply, counted lost (%zu)", "回复" UB_ZH_LATE "，算作丢失（%zu）"), r->n_late);
	ub_gnuplot_str(s, "t_late", t);
	ub_gnuplot_str(s, "t_row_ok", TX(R, "arrived", "到达"));
	ub_gnuplot_str(s, "t_row_up", TX(R, "lost there", "去程丢失"));
	ub_gnuplot_str(s, "t_row_down", TX(R, "lost back", "回程丢失"));
	ub_gnuplot_str(s, "t_row_lost", TX(R, "lost", "丢失"));
}

/* Chart 3: one mark per probe in its row: arrived, lost up, lost down (or lost), late. */
static int chart_loss(struct ub_report_ctx *R, unsigned k, struct ub_err *e)
{
	struct ub_result *r = &R->r[k];
	char cname[200], var[32];
	size_t i;
	int rc;
	FILE *s;

	rc = loss_files(R, r, e);
	if (rc)
		return rc;
	snprintf(cname, sizeof(cname), "loss-%s", r->slug);
	s = ub_gnuplot_chart_open(R, UB_REPORT_CH_LOSS, "loss.gp", (int)k, -1, cname, e);
	if (!s)
		return e->code;
	for (i = 0; i < 5; i++) {
		snprintf(var, sizeof(var), "f_%s", loss_sfx[i] + 5);
		ub_gnuplot_file(s, var, r, loss_sfx[i]);
	}
	loss_texts(R, r, s);
	return ub_gnuplot_close(s, R, "loss settings", e);
}

struct arrival {
	int64_t rx_ns;
	size_t row;
};

/* By receive time, then by place in the file (qsort is not stable). */
static int cmp_arrival(const void *a, const void *b)
{
	const struct arrival *x = a, *y = b;

	if (x->rx_ns != y->rx_ns)
		return x->rx_ns < y->rx_ns ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

/*
 * Returns r's rows in the order the sender took the replies (caller frees;
 * NULL when out of memory). The sender writes rows in probe order, so that
 * order is their receive times (rx_ns); a file without them (older ones
 * wrote rows as replies came) keeps its own order.
 */
static struct arrival *arrival_order(const struct ub_result *r)
{
	struct arrival *a = malloc((r->n_rows + 1) * sizeof(*a));
	size_t i;
	int all_rx = 1;

	if (!a)
		return NULL;
	for (i = 0; i < r->n_rows; i++) {
		a[i].rx_ns = r->rows[i].rx_ns;
		a[i].row = i;
		if (r->rows[i].status == UB_RESULT_OK && !r->rows[i].has_rx)
			all_rx = 0;
	}
	if (all_rx)
		qsort(a, r->n_rows, sizeof(*a), cmp_arrival);
	return a;
}

/*
 * Writes result r's chart 4 data: each reply by arrival (SLUG-order.dat)
 * and those that came out of order (SLUG-reordered.dat), with how many
 * places late (RFC 4737 §4.2 extents). *na gets the replies, *emax the
 * most places late. Returns 0, UB_E_IO or UB_E_NOMEM.
 */
static int reorder_files(struct ub_report_ctx *R, const struct ub_result *r, size_t *na_out,
			 size_t *emax_out, struct ub_err *e)
{
	int64_t *pm = NULL;
	size_t i, na = 0, emax = 0;
	struct arrival *by_rx = NULL;
	FILE *f[2] = { NULL };
	char name[2][200];
	int rc = 0;

	pm = malloc((r->n_rows + 1) * sizeof(*pm));
	by_rx = arrival_order(r);
	if (!pm || !by_rx) {
		free(pm);
		free(by_rx);
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	}
	for (i = 0; i < 2; i++) {
		snprintf(name[i], sizeof(name[i]), "%s-%s.dat", r->slug, i ? "reordered" : "order");
		f[i] = ub_gnuplot_open(R, name[i], e);
		if (!f[i]) {
			rc = e->code;
			goto out;
		}
		fputs("# arrival_number probe_number extent\n", f[i]);
	}
	for (i = 0; i < r->n_rows; i++) {
		const struct ub_result_row *w = &r->rows[by_rx[i].row];
		int64_t s_ = w->seq - r->base;
		size_t extent = 0;

		if (w->status != UB_RESULT_OK)
			continue;
		pm[na] = na == 0 || s_ > pm[na - 1] ? s_ : pm[na - 1];
		if (na > 0 && s_ < pm[na - 1]) {
			size_t lo = 0, hi = na;

			while (lo < hi) {
				size_t m = (lo + hi) / 2;

				if (pm[m] > s_)
					hi = m;
				else
					lo = m + 1;
			}
			extent = na - lo;
		}
		fprintf(f[0], "%zu %" PRId64 " %zu\n", na, s_, extent);
		if (w->reordered) {
			fprintf(f[1], "%zu %" PRId64 " %zu\n", na, s_, extent ? extent : 1);
			emax = extent > emax ? extent : emax;
		}
		na++;
	}
	*na_out = na;
	*emax_out = emax;
out:
	for (i = 0; i < 2; i++)
		if (f[i] && ub_gnuplot_close(f[i], R, name[i], e) < 0 && !rc)
			rc = e->code;
	free(pm);
	free(by_rx);
	return rc;
}

/* Chart 4: arrival order against sequence number, and how many places late each straggler was. */
static int chart_reorder(struct ub_report_ctx *R, unsigned k, struct ub_err *e)
{
	struct ub_result *r = &R->r[k];
	size_t na = 0, emax = 0;
	char cname[200], t[512];
	FILE *s;
	int rc;

	rc = reorder_files(R, r, &na, &emax, e);
	if (rc)
		return rc;
	snprintf(cname, sizeof(cname), "reorder-%s", r->slug);
	s = ub_gnuplot_chart_open(R, UB_REPORT_CH_REORDER, "reorder.gp", (int)k, -1, cname, e);
	if (!s)
		return e->code;
	ub_gnuplot_file(s, "f_order", r, "order");
	ub_gnuplot_file(s, "f_reord", r, "reordered");
	fprintf(s, "n_arrived = %zu\nn_reord = %zu\nn_probes = %zu\nemax = %zu\n", na, r->n_reord,
		r->n_p, emax);
	if (r->n_reord)
		snprintf(t, sizeof(t), TX(R, "%s: did the replies come back in the order sent?\n%zu of %zu arrived after a later probe (orange); below: how many places late",
					  "%s：回复是按发送顺序回来的吗？\n%zu / %zu 个比后发的探测包还晚到（" UB_ZH_C_REORDER "）；下图：晚了几个位置"),
			 r->label, r->n_reord, na);
	else
		snprintf(t, sizeof(t), TX(R, "%s: did the replies come back in the order sent?\nYes: all %zu on one rising line, none overtaken",
					  "%s：回复是按发送顺序回来的吗？\n是的：%zu 个全部在一条上升线上，没有乱序"),
			 r->label, na);
	ub_gnuplot_str(s, "t_title", t);
	ub_gnuplot_str(s, "t_x", TX(R, "arrival order (n-th reply received)", "到达顺序（收到的第 n 个回复）"));
	ub_gnuplot_str(s, "t_y", TX(R, "probe number", "探测包序号"));
	ub_gnuplot_str(s, "t_y2", TX(R, "places late", "晚了几位"));
	ub_gnuplot_str(s, "t_in", TX(R, "in order", "按顺序"));
	snprintf(t, sizeof(t), TX(R, "out of order (%zu)", "乱序（%zu 个）"), r->n_reord);
	ub_gnuplot_str(s, "t_out", t);
	return ub_gnuplot_close(s, R, "reorder settings", e);
}

/*
 * 1 when results a and b name the same link — the same kind, impairments
 * and scenario in params.link (each run has a truth log of its own) — or
 * neither names one.
 */
static int same_link(const struct ub_result *a, const struct ub_result *b)
{
	static const char *const keys[] = { "kind", "spec", "scenario" };
	json_t *x = json_object_get(a->params, "link"), *y = json_object_get(b->params, "link");
	size_t i;

	if (!json_is_object(x) || !json_is_object(y))
		return !json_is_object(x) && !json_is_object(y);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *u = json_object_get(x, keys[i]), *v = json_object_get(y, keys[i]);

		if ((u || v) && !(u && v && json_equal(u, v)))
			return 0;
	}
	return 1;
}

/* Chart 6: the UDP result u above the TCP result t, same time axis, same scale. */
static int chart_udptcp(struct ub_report_ctx *R, unsigned u, unsigned tc, unsigned npairs,
			struct ub_err *e)
{
	const struct ub_result *a = &R->r[u], *b = &R->r[tc];
	char name[200], t[512], b1[32], b2[32];
	double ymax, ymin, xmax;
	FILE *f;

	if (npairs > 1)
		snprintf(name, sizeof(name), "udp-vs-tcp-%s", b->slug);
	else
		snprintf(name, sizeof(name), "udp-vs-tcp");
	f = ub_gnuplot_chart_open(R, UB_REPORT_CH_UDPTCP, "udp-tcp.gp", (int)u, (int)tc, name, e);
	if (!f)
		return e->code;
	ymax = (ub_report_ms(a->box.max) > ub_report_ms(b->box.max) ? ub_report_ms(a->box.max) : ub_report_ms(b->box.max)) * 1.12;
	ymin = y_floor(a) < y_floor(b) ? y_floor(a) : y_floor(b);
	xmax = (sec(a->t_end) > sec(b->t_end) ? sec(a->t_end) : sec(b->t_end)) * 1.02 + 1e-3;
	ub_gnuplot_file(f, "f_udp", a, "rtt");
	ub_gnuplot_file(f, "f_udp_lost", a, "lost");
	ub_gnuplot_file(f, "f_tcp", b, "rtt");
	ub_gnuplot_file(f, "f_tcp_lost", b, "lost");
	ub_gnuplot_file(f, "f_tcp_retx", b, "retx");
	fprintf(f, "n_udp = %zu\nn_tcp = %zu\nn_udp_lost = %zu\nn_tcp_lost = %zu\nn_tcp_retx = %zu\n",
		a->n_rtt, b->n_rtt, a->n_lost - a->n_late, b->n_lost - b->n_late, b->n_retx);
	ub_gnuplot_num(f, "xmax", xmax);
	ub_gnuplot_num(f, "ymin", ymin);
	ub_gnuplot_num(f, "ymax", ymax > 0 ? ymax : 1.0);
	snprintf(t, sizeof(t), "%s%s%s", R->c->title ? R->c->title : "", R->c->title ? "\n" : "",
		 same_link(a, b) ? TX(R, "Same link, two kinds of letter: UDP loses, TCP waits",
				      "同一条链路，两种信：UDP 会丢，TCP 会等")
				 : TX(R, "UDP and TCP on different links: compare with care (see the warnings)",
				      "UDP 和 TCP 走的不是同一条链路：比较时要小心（见页面上的警告）"));
	ub_gnuplot_str(f, "t_title", t);
	ub_report_fmt_dur(R, b1, sizeof(b1), a->box.p99);
	if (R->zh)
		snprintf(t, sizeof(t), "UDP 像平信：%" PRId64 " 个里丢了 %" PRId64 " 个（%.1f%%），99%% 快于 %s",
			 ub_results_int(a->summary, "sent", 0),
			 ub_results_int(a->summary, "lost", 0),
			 json_number_value(json_object_get(a->summary, "loss_pct")), b1);
	else
		snprintf(t, sizeof(t), "UDP, an ordinary letter: %" PRId64 " of %" PRId64 " lost (%.1f%%), 99%% faster than %s",
			 ub_results_int(a->summary, "lost", 0),
			 ub_results_int(a->summary, "sent", 0),
			 json_number_value(json_object_get(a->summary, "loss_pct")), b1);
	ub_gnuplot_str(f, "t_udp", t);
	ub_report_fmt_dur(R, b2, sizeof(b2), b->box.p99);
	snprintf(t, sizeof(t), TX(R, "TCP, a registered letter: %" PRId64 " lost, %" PRId64 " retransmissions, 99%% faster than %s",
				  "TCP 像挂号信：丢了 %" PRId64 " 个，重传 %" PRId64 " 次，99%% 快于 %s"),
		 ub_results_int(b->summary, "lost", 0),
		 ub_results_int(b->summary, "tcp_retransmits", 0), b2);
	ub_gnuplot_str(f, "t_tcp", t);
	ub_gnuplot_str(f, "t_caption", TX(R, "UDP is an ordinary letter: what is lost stays lost. TCP is a registered letter: nothing is lost, but you wait.",
				  "UDP 像平信：丢了就丢了；TCP 像挂号信：不丢，但要等。"));
	ub_gnuplot_str(f, "t_x", TX(R, "time since the start of each run (s)", "每次测量开始后的时间（秒）"));
	ub_gnuplot_str(f, "t_y", TX(R, "latency (ms)", UB_ZH_RTT "（毫秒）"));
	ub_gnuplot_str(f, "t_udp_reply", TX(R, "UDP reply", "UDP 回复"));
	ub_gnuplot_str(f, "t_tcp_reply", TX(R, "TCP reply", "TCP 回复"));
	ub_gnuplot_str(f, "t_lost", TX(R, "UDP lost", "UDP 丢失"));
	ub_gnuplot_str(f, "t_retx", TX(R, "TCP resent by the sender", "TCP 发送端重传"));
	return ub_gnuplot_close(f, R, "udp-vs-tcp settings", e);
}

/*
 * The UDP result to show beside TCP result tc: the one that names the same
 * link, then the one measured against the same address, else one from the
 * same folder, else the first.
 */
static int pair_of(const struct ub_report_ctx *R, unsigned tc)
{
	const char *addr = ub_results_str(R->r[tc].params, "peer_addr");
	unsigned k;
	int best = -1, score, top = -1;

	for (k = 0; k < R->n; k++) {
		const char *a = ub_results_str(R->r[k].params, "peer_addr");

		if (R->r[k].tcp || !R->r[k].n_p)
			continue;
		score = same_link(&R->r[k], &R->r[tc]) * 4 + (addr && a && strcmp(a, addr) == 0) * 2 +
			(strcmp(R->r[k].dir, R->r[tc].dir) == 0);
		if (score > top) {
			top = score;
			best = (int)k;
		}
	}
	return best;
}

int ub_charts_write(struct ub_report_ctx *R, struct ub_err *e)
{
	unsigned k, npairs = 0;
	int rc = 0;

	for (k = 0; k < R->n; k++)
		npairs += R->r[k].tcp && R->r[k].n_p && pair_of(R, k) >= 0;
	/* a classroom at a glance first, the lesson, then the comparison, then each result */
	if (ub_classview_wanted(R))
		rc = ub_chart_classview(R, e);
	for (k = 0; k < R->n && !rc; k++)
		if (R->r[k].tcp && R->r[k].n_p && pair_of(R, k) >= 0)
			rc = chart_udptcp(R, (unsigned)pair_of(R, k), k, npairs, e);
	if (!rc)
		rc = ub_chart_compare(R, e);
	if (!rc)
		rc = ub_chart_cdf(R, e);
	/* latency under load: from summary.load, CSV or not */
	for (k = 0; k < R->n && !rc; k++)
		rc = ub_chart_load(R, k, e);
	for (k = 0; k < R->n && !rc; k++) {
		/* a run of many intervals: its hours at a glance, CSV or not */
		rc = ub_chart_longrun(R, k, e);
		if (rc)
			break;
		if (!R->r[k].have_csv) {
			/* no per-probe data: the interval records draw RTT and loss over time */
			rc = ub_chart_intervals(R, k, e);
			continue;
		}
		if (!R->r[k].n_p)
			continue;
		/* a board that never answered has no time to draw: its losses say it */
		if (!R->r[k].dead)
			rc = chart_rtt(R, k, e);
		if (!rc && !R->r[k].tcp)
			rc = chart_loss(R, k, e);
		if (!rc && !R->r[k].tcp && !R->r[k].dead)
			rc = chart_reorder(R, k, e);
	}
	return rc;
}
