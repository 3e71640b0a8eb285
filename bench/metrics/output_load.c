/*
 * udpbench: summary.load (send --load) as the JSON result and the terminal
 * summary state it: idle against loaded round trips, the load's throughput,
 * and the series a chart draws.
 */
#include <inttypes.h>

#include "lib/units.h"
#include "metrics/loadsum.h"
#include "metrics/output.h"

#define TR UB_TR
#define FMT_NS(v, b) ub_units_fmt_ns((v), (b), sizeof(b))
#define UNCOUNTED_EN "upload: this system does not say what TCP acknowledged (no TCP_INFO)"
#define UNCOUNTED_ZH "上行：这个系统不提供 TCP 已确认的数据量，算不出吞吐量"

#ifndef UB_BOARD_BUILD
static json_t *bps_or_null(double v)
{
	return v < 0 ? json_null() : json_integer((json_int_t)(v + 0.5));
}

/* Octets one way over the loaded phase; null for a way not loaded or not counted. */
static json_t *bytes_or_null(const struct ub_load_run *r, int way, uint64_t v)
{
	return ub_loadsum_counted(r, way) ? json_integer((json_int_t)v) : json_null();
}

static json_t *series_json(const struct ub_load_summary *l)
{
	json_t *a = json_array(), *o;
	size_t i;

	for (i = 0; a && i < l->n_bins; i++) {
		const struct ub_load_bin *b = &l->bins[i];

		o = json_pack("{s:I,s:s,s:o,s:o,s:I,s:I,s:o}", "t_ns", (json_int_t)b->t_ns, "phase",
			      b->loaded ? "loaded" : "idle", "up_bps", bps_or_null(b->up_bps),
			      "down_bps", bps_or_null(b->down_bps), "sent", (json_int_t)b->sent,
			      "lost", (json_int_t)b->lost, "rtt_median_ns",
			      b->rtt_median_ns < 0 ? json_null() : json_integer(b->rtt_median_ns));
		if (!o || json_array_append_new(a, o) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *ub_output_load_json(const struct ub_load_summary *l)
{
	const struct ub_load_run *r = &l->run;

	return json_pack(
		"{s:s,s:{s:o,s:o},s:o,s:o,s:o,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:{s:o,s:o},s:b,s:o,s:o,s:s,"
		"s:o,s:o,s:I,s:I,s:o}",
		"direction", ub_loadsum_dir_name(r->dir), "throughput_bps", "up",
		bps_or_null(l->up_bps), "down", bps_or_null(l->down_bps), "uncounted",
		r->up_uncounted ? json_string(UNCOUNTED_EN) : json_null(), "rtt_idle_ns",
		ub_output_dist_json(&l->rtt_idle), "rtt_loaded_ns", ub_output_dist_json(&l->rtt_loaded),
		"lost_idle", (json_int_t)l->lost_idle, "lost_loaded", (json_int_t)l->lost_loaded,
		"sent_idle", (json_int_t)l->sent_idle, "sent_loaded", (json_int_t)l->sent_loaded,
		"streams", (json_int_t)r->streams, "idle_ns", (json_int_t)r->idle_ns, "loaded_ns",
		(json_int_t)r->loaded_ns, "bytes", "up", bytes_or_null(r, UB_LOADSUM_UP, r->up_bytes),
		"down", bytes_or_null(r, UB_LOADSUM_DOWN, r->down_bytes), "ran", r->ran,
		"loaded_from_ns", r->ran ? json_integer(r->start_ns) : json_null(), "loaded_to_ns",
		r->ran ? json_integer(r->end_ns) : json_null(), "ended", ub_loadsum_end_name(r->ended),
		"error", r->error[0] ? json_string(r->error) : json_null(), "granted_ns",
		r->ran ? json_integer(r->grant_ns) : json_null(), "granted_bps",
		(json_int_t)r->grant_bps, "bin_ns", (json_int_t)r->bin_ns, "series", series_json(l));
}
#endif

/* A rate in bit/s as people read it: "3.71 Mbit/s". */
static const char *fmt_bps(double v, char *b, size_t n)
{
	if (v >= 1e9)
		snprintf(b, n, "%.2f Gbit/s", v / 1e9);
	else if (v >= 1e6)
		snprintf(b, n, "%.2f Mbit/s", v / 1e6);
	else
		snprintf(b, n, "%.0f kbit/s", v / 1e3);
	return b;
}

void ub_output_load_summary(FILE *f, enum ub_lang lang, const struct ub_load_summary *l)
{
	const struct ub_load_run *r = &l->run;
	int zh = lang == UB_LANG_ZH;
	char a[32], b[32], c[32], d[32], u[32], w[32];
	const char *dir = r->dir == UB_LOADSUM_BOTH ? TR(zh, "up and down", "上行和下行")
			  : r->dir == UB_LOADSUM_DOWN ? TR(zh, "down", "下行")
						    : TR(zh, "up", "上行");

	if (!r->ran) {
		fprintf(f, TR(zh, "latency under load (%s): not run: %s\n", "负载下时延（%s）：未运行：%s\n"),
			dir, zh && r->error_zh[0] ? r->error_zh : r->error);
		return;
	}
	fprintf(f, TR(zh, "latency under load (%s, %u TCP connections each way):\n",
		      "负载下时延（%s，每个方向 %u 条 TCP 连接）：\n"),
		dir, r->streams);
	if (l->rtt_idle.n && l->rtt_loaded.n)
		fprintf(f,
			TR(zh, "  rtt idle   median %s  p99 %s\n  rtt loaded median %s  p99 %s  (%.1fx idle)\n",
			   "  空闲时" UB_ZH_RTT " 中位数 %s  p99 %s\n  负载时" UB_ZH_RTT " 中位数 %s  p99 %s"
			   "（空闲时的 %.1f 倍）\n"),
			FMT_NS(l->rtt_idle.median, a), FMT_NS(l->rtt_idle.p99, b),
			FMT_NS(l->rtt_loaded.median, c), FMT_NS(l->rtt_loaded.p99, d),
			l->rtt_idle.median > 0 ? (double)l->rtt_loaded.median / (double)l->rtt_idle.median
					       : 0.0);
	fprintf(f, TR(zh, "  lost idle %" PRIu64 " of %" PRIu64 ", loaded %" PRIu64 " of %" PRIu64 "\n",
		      "  丢包：空闲时 %" PRIu64 "/%" PRIu64 "，负载时 %" PRIu64 "/%" PRIu64 "\n"),
		l->lost_idle, l->sent_idle, l->lost_loaded, l->sent_loaded);
	fprintf(f, TR(zh, "  throughput over the loaded phase (%s): up %s, down %s\n",
		      "  负载阶段（%s）吞吐量：上行 %s，下行 %s\n"),
		FMT_NS(r->end_ns - r->start_ns, a),
		l->up_bps < 0 ? "-" : fmt_bps(l->up_bps, u, sizeof(u)),
		l->down_bps < 0 ? "-" : fmt_bps(l->down_bps, w, sizeof(w)));
	if (r->up_uncounted)
		fprintf(f, "  %s\n", TR(zh, UNCOUNTED_EN, UNCOUNTED_ZH));
	if (r->ended == UB_LOAD_END_CAP)
		fprintf(f, TR(zh, "  the reflector ended the load at its cap after %s "
			      "(reflect --load-max-duration)\n",
			      "  " UB_ZH_REFLECTOR "在 %s 后按其上限结束了负载（reflect --load-max-duration）\n"),
			FMT_NS(r->end_ns - r->start_ns, a));
	else if (r->ended == UB_LOAD_END_BROKEN)
		fprintf(f, TR(zh, "  the load ended early after %s: %s\n", "  负载在 %s 后提前结束：%s\n"),
			FMT_NS(r->end_ns - r->start_ns, a), r->error);
}
