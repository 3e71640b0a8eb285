/*
 * udpbench: the writers of interval records — the line a run prints for
 * each interval (--report-interval) and the JSON "intervals" array.
 */
#include "metrics/output.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/units.h"

#define FMT_NS(v, b) ub_units_fmt_ns((v), (b), sizeof(b))

#ifndef UB_BOARD_BUILD
static json_t *ns_or_null(int64_t v)
{
	return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

/* Record r as a JSON object (new reference), or NULL out of memory. */
static json_t *record_json(const struct ub_interval *r)
{
	json_t *one;

	one = json_pack("{s:I,s:I,s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "start_ns",
			(json_int_t)r->start_ns, "end_ns", (json_int_t)r->end_ns, "sent",
			(json_int_t)r->sent, "received", (json_int_t)r->received, "lost",
			(json_int_t)r->lost, "lost_up",
			r->has_split ? json_integer((json_int_t)r->lost_up) : json_null(), "lost_down",
			r->has_split ? json_integer((json_int_t)r->lost_down) : json_null(),
			"rtt_median_ns", ns_or_null(r->rtt_median_ns), "rtt_p90_ns",
			ns_or_null(r->rtt_p90_ns), "rtt_max_ns", ns_or_null(r->rtt_max_ns));
	/* the bands of a long run's chart */
	if (one && (json_object_set_new(one, "rtt_min_ns", ns_or_null(r->rtt_min_ns)) < 0 ||
		    json_object_set_new(one, "rtt_p10_ns", ns_or_null(r->rtt_p10_ns)) < 0 ||
		    json_object_set_new(one, "rtt_p25_ns", ns_or_null(r->rtt_p25_ns)) < 0 ||
		    json_object_set_new(one, "rtt_p75_ns", ns_or_null(r->rtt_p75_ns)) < 0)) {
		json_decref(one);
		one = NULL;
	}
	return one;
}

/* Writes text to f, indent spaces after each line break. Returns 0 or -1. */
static int put_indented(FILE *f, const char *text, int indent)
{
	for (; *text; text++) {
		if (fputc(*text, f) == EOF)
			return -1;
		if (*text == '\n' && fprintf(f, "%*s", indent, "") < 0)
			return -1;
	}
	return 0;
}

/* Writes s's records as the JSON array its placeholder stands for, the key at indent. */
static int put_records(FILE *f, const struct ub_summary *s, int indent)
{
	char *one;
	size_t i;
	int rc = 0;

	if (!s->n_intervals)
		return fputs("[]", f) < 0 ? -1 : 0;
	if (fputc('[', f) == EOF)
		return -1;
	for (i = 0; !rc && i < s->n_intervals; i++) {
		json_t *o = record_json(&s->intervals[i]);

		one = o ? json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(6)) : NULL;
		json_decref(o);
		if (!one)
			return -1;
		rc = fprintf(f, "%s\n%*s", i ? "," : "", indent + 2, "") < 0 ||
		     put_indented(f, one, indent + 2) < 0;
		free(one);
	}
	if (rc || fprintf(f, "\n%*s]", indent, "") < 0)
		return -1;
	return 0;
}

int ub_output_json_dump(json_t *root, FILE *f, unsigned n, const struct ub_summary *s)
{
	/* the results' keys: the document's own for one, a peer's in "peers" for several */
	int indent = n == 1 ? 2 : 6;
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(6)), *at, *from, *hit;
	char key[32];
	unsigned k = 0;
	int rc = 0;

	if (!text)
		return -1;
	snprintf(key, sizeof(key), "\n%*s\"intervals\": null", indent, "");
	from = text;
	/* placeholders in the order of the results that have records */
	for (at = strstr(from, key); at && !rc; at = strstr(from, key)) {
		while (k < n && !s[k].intervals)
			k++;
		if (k == n)
			break;
		hit = at + strlen(key) - strlen("null");
		rc = fwrite(from, 1, (size_t)(hit - from), f) != (size_t)(hit - from) ||
		     put_records(f, &s[k++], indent) < 0;
		from = hit + strlen("null");
	}
	if (!rc && fputs(from, f) < 0)
		rc = 1;
	free(text);
	return rc ? -1 : 0;
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
