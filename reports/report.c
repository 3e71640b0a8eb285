/*
 * udpbench: reports — `udpbench report` from start to end (report.h): read
 * the results (results.c), write each chart's data and settings (charts.c)
 * with the templates and charts.sh, draw them (gnuplot.c), then index.html
 * and summary.md (pages.c).
 */
#include "reports/report.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/platform.h"
#include "lib/outfile.h"
#include "lib/proc.h"
#include "reports/caveats.h"
#include "reports/charts.h"
#include "reports/gnuplot.h"
#include "reports/pages.h"
#include "reports/report_int.h"
#include "reports/results.h"
#include "reports/sumcsv.h"

#ifndef UB_REPORT_DIR
#define UB_REPORT_DIR "/usr/local/share/udpbench/reports"
#endif

/* Every text for people is TX(R, English, Chinese). */
#define TX UB_REPORT_TX

/*
 * The fonts of every chart, in order: a browser showing an SVG takes the
 * first family that has the glyph, so a board's Chinese name shows in an
 * English report too, on any system. PNG names the first only.
 */
#define UB_REPORT_FONTS "DejaVu Sans,Noto Sans,Arial,WenQuanYi Zen Hei,Noto Sans CJK SC," \
	"Microsoft YaHei,PingFang SC,sans-serif"

void ub_report_config_init(struct ub_report_config *c)
{
	memset(c, 0, sizeof(*c));
	c->lang = UB_LANG_EN;
	c->format = UB_REPORT_PNG;
	c->width = 1600;
	c->height = 900;
	c->font_pt = 20;
	c->gnuplot = "gnuplot";
	c->render = 1;
}

int ub_report_parse_format(const char *s, enum ub_report_format *out)
{
	if (s && strcmp(s, "png") == 0)
		*out = UB_REPORT_PNG;
	else if (s && strcmp(s, "svg") == 0)
		*out = UB_REPORT_SVG;
	else
		return UB_E_INVAL;
	return 0;
}

char *ub_report_find_templates(void)
{
	char dir[PATH_MAX];
	const char *env = getenv("UDPBENCH_REPORTS");
	size_t n;

	if (env && *env && ub_gnuplot_has_templates(env))
		return strdup(env);
	if (ub_proc_self_dir(dir, sizeof(dir) - 16) == 0) {
		n = strlen(dir);
		snprintf(dir + n, sizeof(dir) - n, "/reports");
		if (ub_gnuplot_has_templates(dir))
			return strdup(dir);
	}
	return ub_gnuplot_has_templates(UB_REPORT_DIR) ? strdup(UB_REPORT_DIR) : NULL;
}

/*
 * Returns name b in the folder made of a's first alen bytes, with the
 * separator a is written with (ub_path_sep), malloc'd; NULL when out of memory.
 */
static char *join(const char *a, int alen, const char *b)
{
	char *s = NULL;

	return asprintf(&s, "%.*s%c%s", alen, a, ub_path_sep(a), b) < 0 ? NULL : s;
}

static void report_free(struct ub_report_ctx *R)
{
	ub_results_free(R->r, R->n);
	ub_caveats_free(R);
	free(R->ch);
	free(R->out);
	free(R->work);
	free(R->work_abs);
	free(R->tmpl_dir);
}

/*
 * Reads inputs[0..n) into R with their CSV files, saying on the log what
 * is missing or cut short, and derives what the charts need. Returns 0 or
 * a code with e set.
 */
static int load_results(struct ub_report_ctx *R, const char *const *inputs, unsigned n,
			struct ub_err *e)
{
	const struct ub_report_config *c = R->c;
	unsigned k;
	int rc = 0;

	for (k = 0; k < n && !rc; k++)
		rc = inputs[k] ? ub_results_load(&R->r, &R->n, inputs[k], e)
			       : ub_err_set(e, UB_E_INVAL, 0, "no result file given");
	for (k = 0; k < R->n && !rc; k++) {
		rc = ub_results_load_csv(&R->r[k], e);
		if (!rc && !R->r[k].have_csv && R->r[k].intervals && c->log)
			fprintf(c->log, TX(R, "note: no per-probe data %s: %s is drawn from its interval records\n",
					   "注意：没有逐包数据 %s：%s 按时段记录绘图\n"),
				R->r[k].csv_path, R->r[k].label);
		else if (!rc && !R->r[k].have_csv && c->log)
			fprintf(c->log, TX(R, "warning: no per-probe data %s: %s gets only its summary table\n",
					   "警告：没有逐包数据 %s：%s 只有汇总表\n"),
				R->r[k].csv_path, R->r[k].label);
		if (!rc && R->r[k].csv_cut_line && c->log)
			fprintf(c->log, TX(R, "warning: %s ends in a row cut short (line %zu, no newline): "
					   "the %zu complete rows before it are used\n",
					   "警告：%s 的最后一行不完整（第 %zu 行，没有换行）：只用它前面的 %zu 行完整数据\n"),
				R->r[k].csv_path, R->r[k].csv_cut_line, R->r[k].n_rows);
		if (!rc)
			rc = ub_results_derive(&R->r[k], e);
	}
	if (!rc)
		rc = ub_caveats_labels(R, e);
	if (!rc && ub_results_unique_names(R->r, R->n) < 0)
		rc = ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	if (!rc)
		rc = ub_caveats_find(R, e);
	for (k = 0; !rc && c->log && k < R->n_notes; k++)
		fprintf(c->log, "%s%s\n", TX(R, "warning: ", "警告："), R->notes[k]);
	return rc;
}

int ub_report_run(const struct ub_report_config *c, const char *const *inputs, unsigned n,
		  struct ub_err *e)
{
	struct ub_report_ctx R;
	char page[PATH_MAX];
	struct ub_err local;
	const char *slash;
	int rc = 0;

	if (!e)
		e = &local;
	memset(&R, 0, sizeof(R));
	R.c = c;
	R.zh = c->lang == UB_LANG_ZH;
	snprintf(R.font, sizeof(R.font), "%s", UB_REPORT_FONTS);
	if (!n || !inputs)
		return ub_err_set(e, UB_E_INVAL, 0, "no result file given");
	if (c->width < 320 || c->height < 200 || c->width > 10000 || c->height > 10000 ||
	    c->font_pt < 6 || c->font_pt > 96)
		return ub_err_set(e, UB_E_INVAL, 0, "chart size or font out of range");

	rc = load_results(&R, inputs, n, e);
	if (rc)
		goto out;

	R.draw = c->render;
	if (R.draw && !ub_proc_on_path(c->gnuplot)) {
		if ((rc = ub_gnuplot_missing(&R, e)))
			goto out;
		R.draw = 0;
	}
	if (R.draw && R.zh) {
		char cjk[128];

		if ((rc = ub_gnuplot_find_cjk_font(cjk, sizeof(cjk), e)))
			goto out;
		/* the Chinese font first; the rest stay behind it for what it lacks */
		snprintf(R.font, sizeof(R.font), "%s,%s", cjk, UB_REPORT_FONTS);
	}
	/*
	 * pngcairo reads "A,B,20" as A at its default size, and Pango falls back
	 * through fontconfig for a missing glyph by itself: one family for PNG.
	 */
	if (c->format == UB_REPORT_PNG)
		R.font[strcspn(R.font, ",")] = '\0';
	R.tmpl_dir = c->templates ? strdup(c->templates) : ub_report_find_templates();
	if (!R.tmpl_dir || !ub_gnuplot_has_templates(R.tmpl_dir)) {
		rc = ub_err_set(e, UB_E_IO, 0, "cannot find the report templates (rtt.gp ...) in %s; "
				"set UDPBENCH_REPORTS to their folder",
				R.tmpl_dir ? R.tmpl_dir : "$UDPBENCH_REPORTS, reports/ or " UB_REPORT_DIR);
		goto out;
	}

	slash = ub_path_last_sep(inputs[0]);
	R.out = c->out_dir ? strdup(c->out_dir)
		: slash ? join(inputs[0], (int)(slash - inputs[0]), "report")
			: strdup("report");
	R.work = R.out ? join(R.out, INT_MAX, "gnuplot") : NULL;
	if (!R.out || !R.work) {
		rc = ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		goto out;
	}
	if ((rc = ub_outfile_mkdirs(R.work, e)))
		goto out;
	R.work_abs = realpath(R.work, NULL);
	if (!R.work_abs) {
		rc = ub_err_set(e, UB_E_IO, errno, "cannot open %s", R.work);
		goto out;
	}
	if ((rc = ub_gnuplot_copy_templates(R.tmpl_dir, R.work, e)))
		goto out;
	if ((rc = ub_charts_write(&R, e)) || (rc = ub_gnuplot_write_script(&R, e)))
		goto out;
	if (R.draw && (rc = ub_gnuplot_render(&R, e)))
		goto out;
	if ((rc = ub_pages_write_html(&R, e)) || (rc = ub_pages_write_md(&R, e)) ||
	    (rc = ub_sumcsv_write(&R, e)))
		goto out;
	if (c->log) {
		ub_path_join(page, sizeof(page), R.out, "index.html");
		fprintf(c->log, "%s\n", page);
	}
out:
	report_free(&R);
	return rc;
}
