/*
 * udpbench: the writers of interval records — the line a run prints for
 * each interval (--report-interval) and the JSON "intervals" array.
 */
#include "metrics/output.h"

#include <inttypes.h>

#include "lib/units.h"

#define FMT_NS(v, b) ub_units_fmt_ns((v), (b), sizeof(b))

#ifndef UB_BOARD_BUILD
static json_t *ns_or_null(int64_t v)
{
	return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

json_t *ub_output_intervals_json(const struct ub_summary *s)
{
	json_t *a = json_array(), *one;
	size_t i;

	for (i = 0; a && i < s->n_intervals; i++) {
		const struct ub_interval *r = &s->intervals[i];

		one = json_pack("{s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "start_ns",
				(json_int_t)r->start_ns, "end_ns", (json_int_t)r->end_ns, "sent",
				(json_int_t)r->sent, "received", (json_int_t)r->received, "lost",
				(json_int_t)r->lost, "lost_up",
				r->has_split ? json_integer((json_int_t)r->lost_up) : json_null(),
				"lost_down",
				r->has_split ? json_integer((json_int_t)r->lost_down) : json_null(),
				"rtt_median_ns", ns_or_null(r->rtt_median_ns), "rtt_p90_ns",
				ns_or_null(r->rtt_p90_ns), "rtt_max_ns", ns_or_null(r->rtt_max_ns));
		if (!one || json_array_append_new(a, one) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
#endif

void ub_output_interval(FILE *f, enum ub_lang lang, const char *who, const struct ub_interval *r)
{
	int zh = lang == UB_LANG_ZH;
	char a[24], b[24], c[24];

	fprintf(f, "[%6.1f-%6.1f %s] ", (double)r->start_ns / 1e9, (double)r->end_ns / 1e9,
		UB_TR(zh, "s", "秒"));
	if (who) {
		ub_words_pad(f, who, -16);
		fputc(' ', f);
	}
	fprintf(f, UB_TR(zh, "sent %4" PRIu64 "  received %4" PRIu64 "  lost %3" PRIu64,
			 "发送 %4" PRIu64 "  收到 %4" PRIu64 "  丢失 %3" PRIu64),
		r->sent, r->received, r->lost);
	if (r->has_split)
		fprintf(f, UB_TR(zh, " (up %" PRIu64 ", down %" PRIu64 ")",
				 "（去程 %" PRIu64 "，回程 %" PRIu64 "）"),
			r->lost_up, r->lost_down);
	if (r->rtt_median_ns >= 0)
		fprintf(f, UB_TR(zh, "  rtt median %s  p90 %s  max %s\n",
				 "  " UB_ZH_RTT " 中位数 %s  p90 %s  最大 %s\n"),
			FMT_NS(r->rtt_median_ns, a), FMT_NS(r->rtt_p90_ns, b), FMT_NS(r->rtt_max_ns, c));
	else
		fprintf(f, "  %s\n", UB_TR(zh, "no reply", UB_ZH_NO_REPLY));
}
