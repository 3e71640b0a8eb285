/*
 * udpbench: reports — gnuplot charts, index.html and summary.md from result
 * files. The charts are drawn by the gnuplot templates in reports/ (NAME.gp); this module
 * writes their data and settings as files into DIR/gnuplot/, where a user can
 * edit a template and draw again with `sh charts.sh`.
 */
#ifndef UB_REPORT_H
#define UB_REPORT_H

#include <stdio.h>

#include "lib/err.h"
#include "metrics/words.h"

enum ub_report_format { UB_REPORT_PNG = 0, UB_REPORT_SVG = 1 };

struct ub_report_config {
	const char *out_dir;     /* NULL: "report" in the folder of the first input */
	enum ub_lang lang;
	enum ub_report_format format;
	const char *title;       /* heading of index.html and summary.md; NULL: from the labels */
	unsigned width, height;  /* chart size in pixels: 1600 x 900 */
	unsigned font_pt;        /* base font size: 20 (titles get 4 more) */
	const char *gnuplot;     /* program, looked up on PATH unless it holds a '/' */
	const char *templates;   /* folder of the .gp templates; NULL: ub_report_find_templates() */
	int render;              /* 0: write data, settings, index.html and summary.md only */
	FILE *log;               /* one line per chart and warnings; NULL: quiet */
};

/* Sets the defaults above: English, PNG, 1600x900, 20 pt, render on. */
void ub_report_config_init(struct ub_report_config *c);

/* Parses "png" or "svg" into *out; returns 0 or UB_E_INVAL. */
int ub_report_parse_format(const char *s, enum ub_report_format *out);

/*
 * Finds the folder of the gnuplot templates: $UDPBENCH_REPORTS, the reports/
 * folder beside the program, then the installed one (UB_REPORT_DIR). Returns
 * a malloc'd path the caller frees, or NULL when none holds the templates.
 */
char *ub_report_find_templates(void);

/*
 * Reads the n result files (RESULT.json and the RESULT.csv beside it) and
 * writes the charts, index.html and summary.md into c->out_dir. Returns 0, or
 * a negative code with a one-line message in e: UB_E_IO for an input that
 * cannot be read or an output that cannot be written, UB_E_INVAL for an input
 * that is not a udpbench result, UB_E_SYS when gnuplot or a Chinese font is
 * missing (the message names the Debian package) or gnuplot fails.
 */
int ub_report_run(const struct ub_report_config *c, const char *const *inputs, unsigned n,
		  struct ub_err *e);

#endif
