/*
 * udpbench: reports — what one `udpbench report` run shares among the
 * modules of reports/: the results read (results.c), the charts written
 * (charts.c) and registered for gnuplot (gnuplot.c), the folders, and the
 * language of every text (pages.c writes index.html and summary.md).
 * report.c runs them in turn. Callers outside reports/ use report.h.
 */
#ifndef UB_REPORT_INT_H
#define UB_REPORT_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "metrics/words.h"
#include "reports/report.h"
#include "reports/results.h"

/* One text in English or Chinese for the report (metrics/words.h: UB_TR and the glossary). */
#define UB_REPORT_TX(ctx, en_, zh_) UB_TR((ctx)->zh, en_, zh_)

/* Results one chart can tell apart by colour (style.gp's seven line types). */
#define UB_REPORT_COLOURS 7

/* More results than this: the class overview (classview.c) leads the report. */
#define UB_REPORT_CLASS_MIN 5

/* What a chart shows: each answers one question in index.html. */
enum ub_report_chart_kind {
	UB_REPORT_CH_RTT = 1,
	UB_REPORT_CH_CDF,
	UB_REPORT_CH_LOSS,
	UB_REPORT_CH_REORDER,
	UB_REPORT_CH_COMPARE,
	UB_REPORT_CH_UDPTCP,
	UB_REPORT_CH_CLASS,        /* every board at a glance (classview.c) */
	UB_REPORT_CH_IVRTT,        /* RTT over time from the interval records (ivcharts.c) */
	UB_REPORT_CH_IVLOSS,       /* loss over time from the interval records */
	UB_REPORT_CH_LONGRUN,      /* a long run's median, smoke and loss colour (longrun.c) */
	UB_REPORT_CH_LOAD,         /* latency under load: summary.load (loadchart.c) */
};

/* A chart: drawn by `gnuplot NAME.set.gp TEMPLATE` in the work folder. */
struct ub_report_chart {
	char name[160];
	const char *tmpl;
	int kind;
	int res, res2;              /* the result; for UDP vs TCP the UDP and the TCP one */
	pid_t pid;
};

struct ub_report_ctx {
	const struct ub_report_config *c;
	int zh;
	char *out, *work, *work_abs, *tmpl_dir; /* work: out/gnuplot */
	char font[256];             /* a list of families: the first that has a glyph draws it */
	struct ub_result *r;
	unsigned n;
	struct ub_report_chart *ch;
	unsigned n_ch;
	char **notes;               /* warnings for the pages and the log (caveats.c) */
	int draw;                   /* the charts are drawn now (c->render, and gnuplot found) */
	unsigned n_notes;
};

#endif
