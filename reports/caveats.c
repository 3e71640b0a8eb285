/*
 * udpbench: reports — the caveats of a comparison (caveats.h): links,
 * clocks and the sender's own lateness, and labels that borrow a
 * scenario's name.
 */
#include "reports/caveats.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/fmt.h"

/* Every text for people is TX(R, English, Chinese). */
#define TX UB_REPORT_TX

static int add_note(struct ub_report_ctx *R, struct ub_err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends one note (printf-style) to R->notes. Returns 0, or UB_E_NOMEM with e set. */
static int add_note(struct ub_report_ctx *R, struct ub_err *e, const char *fmt, ...)
{
	char **grown, *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	grown = n < 0 ? NULL : realloc(R->notes, (R->n_notes + 1) * sizeof(*R->notes));
	if (!grown) {
		free(n < 0 ? NULL : s);
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	}
	R->notes = grown;
	R->notes[R->n_notes++] = s;
	return 0;
}

void ub_caveats_free(struct ub_report_ctx *R)
{
	unsigned i;

	for (i = 0; i < R->n_notes; i++)
		free(R->notes[i]);
	free(R->notes);
	R->notes = NULL;
	R->n_notes = 0;
}

/* Field k of result r's params.link; NULL when there is none (an older result, a capture). */
static const char *link_field(const struct ub_result *r, const char *k)
{
	return ub_results_str(json_object_get(r->params, "link"), k);
}

int ub_caveats_labels(struct ub_report_ctx *R, struct ub_err *e)
{
	unsigned j, k;
	const char *name, *own;
	char *label;

	for (j = 0; j < R->n; j++) {
		name = link_field(&R->r[j], "scenario");
		for (k = 0; name && k < R->n; k++) {
			struct ub_result *r = &R->r[k];

			own = link_field(r, "scenario");
			if (r->off_link || !strstr(r->label, name) || (own && strcmp(own, name) == 0))
				continue;
			if (asprintf(&label, "%s · %s", ub_words_link(link_field(r, "kind"), R->zh ? UB_LANG_ZH : UB_LANG_EN),
				     r->tcp ? "TCP" : "UDP") < 0)
				return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
			if (add_note(R, e, TX(R, "“%1$s” did not run on the link of %2$s (it crossed: %3$s): "
					      "shown as “%4$s”.",
					      "“%1$s”并不是在“%2$s”的链路上测的（实际链路：%3$s）：这里标为“%4$s”。"),
				     r->label, name, ub_words_link(link_field(r, "kind"), R->zh ? UB_LANG_ZH : UB_LANG_EN),
				     label) < 0) {
				free(label);
				return e->code;
			}
			free(r->label);
			r->label = label;
			r->off_link = 1;
		}
	}
	return 0;
}

static int cat(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends to malloc'd string *s (NULL: empty) what fmt says; returns 0, or -1 when out of memory. */
static int cat(char **s, const char *fmt, ...)
{
	size_t had = *s ? strlen(*s) : 0;
	char *piece = NULL, *grown;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&piece, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	grown = realloc(*s, had + (size_t)n + 1);
	if (grown)
		memcpy(grown + had, piece, (size_t)n + 1);
	free(piece);
	if (!grown)
		return -1;
	*s = grown;
	return 0;
}

/*
 * "A: label, label; B: label" for the results grouped by what value()
 * gives each (in words for people by words()), into a malloc'd string in
 * *out; NULL when all give the same. A board that never answered measured
 * nothing a link or clock could change: it is left out. Returns 0 or
 * UB_E_NOMEM.
 */
static int groups(const struct ub_report_ctx *R, const char *(*value)(const struct ub_result *),
		  const char *(*words)(const char *, enum ub_lang), char **out)
{
	enum ub_lang lang = R->zh ? UB_LANG_ZH : UB_LANG_EN;
	unsigned i, k, first, differ = 0, shown = 0;
	int bad = 0;

	*out = NULL;
	for (first = 0; first < R->n && R->r[first].dead; first++)
		;
	for (k = first + 1; k < R->n; k++) {
		const char *a = value(&R->r[first]), *b = value(&R->r[k]);

		if (!R->r[k].dead)
			differ += (a == NULL) != (b == NULL) || (a && b && strcmp(a, b) != 0);
	}
	if (!differ)
		return 0;
	for (k = first; k < R->n; k++) {
		const char *v = value(&R->r[k]);

		if (R->r[k].dead)
			continue;
		/* each value once, where it first shows */
		for (i = first; i < k; i++) {
			const char *w = value(&R->r[i]);

			if (!R->r[i].dead && ((v == NULL && w == NULL) || (v && w && strcmp(v, w) == 0)))
				break;
		}
		if (i < k)
			continue;
		bad |= cat(out, "%s%s%s", shown++ ? TX(R, "; ", "；") : "", words(v, lang) ? words(v, lang) : "?",
			TX(R, ": ", "："));
		for (i = k; i < R->n; i++) {
			const char *w = value(&R->r[i]);

			if (!R->r[i].dead && ((v == NULL && w == NULL) || (v && w && strcmp(v, w) == 0)))
				bad |= cat(out, "%s%s", i > k ? TX(R, ", ", "、") : "", R->r[i].label);
		}
	}
	if (bad || !*out) {
		free(*out);
		*out = NULL;
		return UB_E_NOMEM;
	}
	return 0;
}

static const char *kind_of(const struct ub_result *r)
{
	return link_field(r, "kind");
}

static const char *clock_of(const struct ub_result *r)
{
	return ub_results_str(r->params, "clock");
}

/* A clock's name for people; "unknown" when the result gives none. */
static const char *clock_words(const char *clock, enum ub_lang lang)
{
	return clock ? ub_words_clock(clock, lang) : UB_TR(lang == UB_LANG_ZH, "unknown", "未知");
}

/*
 * The p99 of how late r's sender sent its probes (ns); -1 when the result
 * does not say, and 0 when its RTTs come from the kernel's send and
 * receive stamps: a busy sender then sends later, but what it measures is
 * not stretched by it.
 */
static int64_t lateness(const struct ub_result *r)
{
	json_t *sched = json_object_get(r->summary, "schedule");
	const char *clock = ub_results_str(r->params, "clock");

	if (clock && strcmp(clock, "kernel_tx+kernel_rx") == 0)
		return 0;
	return ub_results_int(json_object_get(sched, "late_ns"), "p99", -1);
}

/* RTT statistic k ("median", "p99") of r's summary (ns); -1 when it has no replies. */
static int64_t rtt_stat(const struct ub_result *r, const char *k)
{
	json_t *rtt = json_object_get(r->summary, "rtt_ns");

	return ub_results_int(rtt, "n", 0) > 0 ? ub_results_int(rtt, k, -1) : -1;
}

/* The pair of results whose RTT difference is smallest against their sender's lateness. */
struct worst {
	double ratio;              /* lateness / difference; 0: none larger */
	unsigned a, b, late;       /* the two results, and whose lateness */
	int64_t diff, ns;
	const char *stat;
};

/* Looks at results a and b: a difference in median or p99 below the lateness of either. */
static void weigh(const struct ub_report_ctx *R, unsigned a, unsigned b, struct worst *w)
{
	static const char *const stats[] = { "median", "p99" };
	int64_t la = lateness(&R->r[a]), lb = lateness(&R->r[b]), late = la > lb ? la : lb, x, y, d;
	unsigned s;

	for (s = 0; s < 2; s++) {
		x = rtt_stat(&R->r[a], stats[s]);
		y = rtt_stat(&R->r[b], stats[s]);
		if (x < 0 || y < 0 || late <= 0)
			continue;
		d = x > y ? x - y : y - x;
		/* no difference shown, nothing to blur */
		if (d == 0 || late <= d || (double)late / (double)d <= w->ratio)
			continue;
		w->ratio = (double)late / (double)d;
		w->a = a;
		w->b = b;
		w->late = la > lb ? a : b;
		w->diff = d;
		w->ns = late;
		w->stat = stats[s];
	}
}

int ub_caveats_find(struct ub_report_ctx *R, struct ub_err *e)
{
	struct worst w = { 0 };
	char *g = NULL, b1[32], b2[32];
	unsigned a, b;
	int rc = 0;

	if (R->n < 2)
		return 0;
	if (groups(R, kind_of, ub_words_link, &g) < 0)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	if (g)
		rc = add_note(R, e, TX(R, "The results compared crossed different links (%s): a difference "
				       "between them can be the links', not what was measured.",
				       "比较的结果走的是不同的链路（%s）：它们之间的差别可能来自链路本身，"
				       "而不是被测的对象。"),
			      g);
	free(g);
	g = NULL;
	if (!rc && groups(R, clock_of, clock_words, &g) < 0)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	if (!rc && g)
		rc = add_note(R, e, TX(R, "The results compared were timed by different clocks (%s): part of "
				       "a difference between them can be the clocks'.",
				       "比较的结果用的是不同的时钟（%s）：它们之间的差别有一部分可能来自时钟。"),
			      g);
	free(g);
	for (a = 0; a < R->n && !rc; a++)
		for (b = a + 1; b < R->n; b++)
			weigh(R, a, b, &w);
	if (!rc && w.ratio > 0) {
		ub_report_fmt_dur(R, b1, sizeof(b1), w.ns);
		ub_report_fmt_dur(R, b2, sizeof(b2), w.diff);
		rc = add_note(R, e, TX(R, "The sender of “%1$s” ran up to %2$s late (p99 of its lateness): "
				       "more than the %3$s between the RTT %4$s of “%5$s” and “%6$s”. A difference "
				       "that small can be the sending machine's doing, not the link's.",
				       "“%1$s”的发送端自己最多晚发了 %2$s（" UB_ZH_SEND_LAG " p99）：超过了“%5$s”"
				       "和“%6$s”的" UB_ZH_RTT "%4$s之差 %3$s。这么小的差别可能来自发送的电脑，"
				       "而不是链路。"),
			      R->r[w.late].label, b1, b2,
			      strcmp(w.stat, "median") == 0 ? TX(R, "median", "中位数") : "p99",
			      R->r[w.a].label, R->r[w.b].label);
	}
	return rc;
}
