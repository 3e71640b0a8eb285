/*
 * udpbench: reports — the gnuplot side of a report. Every chart is drawn in
 * the work folder (DIR/gnuplot) by `gnuplot NAME.set.gp TEMPLATE.gp`:
 * NAME.set.gp holds its settings (written here: size, font, terminal; the
 * rest by charts.c), TEMPLATE.gp is one of the templates in reports/, copied
 * there. charts.sh draws them all again; ub_gnuplot_render() draws them now.
 */
#ifndef UB_GNUPLOT_H
#define UB_GNUPLOT_H

#include <stddef.h>
#include <stdio.h>

#include "lib/err.h"
#include "reports/report_int.h"
#include "reports/results.h"

/* Returns 1 when path is a regular file, else 0. */
int ub_gnuplot_is_file(const char *path);

/* Returns 1 when folder dir holds the templates (rtt.gp), else 0. */
int ub_gnuplot_has_templates(const char *dir);

/* Copies every template from folder from_dir into folder to_dir; returns 0 or UB_E_IO. */
int ub_gnuplot_copy_templates(const char *from_dir, const char *to_dir, struct ub_err *e);

/*
 * What differs between systems (gnuplot_host.c on Linux, gnuplot_host_win32.c
 * on Windows) follows.
 *
 * Writes into font (len bytes) a font with Chinese glyphs: one fontconfig
 * knows (Linux), or one Windows ships (Microsoft YaHei, SimHei). Returns 0,
 * or UB_E_SYS naming the Debian package to install.
 */
int ub_gnuplot_find_cjk_font(char *font, size_t len, struct ub_err *e);

/*
 * Sets *env to gnuplot's environment (free the array, not its strings), or
 * to NULL for ours as it is; returns 0, or -1 when out of memory.
 */
int ub_gnuplot_env(char ***env);

/*
 * gnuplot cannot be found. Returns UB_E_SYS with e saying how to install it
 * and how to leave the charts out (Linux), or 0 after one line on R->c->log
 * saying where to get gnuplot for Windows, and the report goes on without
 * its charts (Windows).
 */
int ub_gnuplot_missing(struct ub_report_ctx *R, struct ub_err *e);

/* Returns file name in R's work folder opened for writing (close with ub_gnuplot_close), or NULL with e set. */
FILE *ub_gnuplot_open(const struct ub_report_ctx *R, const char *name, struct ub_err *e);

/* Closes f, opened as name; returns 0, or UB_E_IO when writing it failed. */
int ub_gnuplot_close(FILE *f, const struct ub_report_ctx *R, const char *name,
		     struct ub_err *e);

/*
 * Writes text s to f as a gnuplot string gnuplot takes as it stands
 * (single-quoted, line breaks joined in as "\n"): no command, macro or
 * escape in s is ever run. Control characters become spaces, bytes that
 * are not UTF-8 U+FFFD.
 */
void ub_gnuplot_text(FILE *f, const char *s);

/* Writes the line name = s to f, s written by ub_gnuplot_text. */
void ub_gnuplot_str(FILE *f, const char *name, const char *s);

/* Writes text s to f as one quoted field of a data file: on one line, '"' as \042, backslashes doubled. */
void ub_gnuplot_datum(FILE *f, const char *s);

/* Writes the line name = v to f (0 when v is not finite). */
void ub_gnuplot_num(FILE *f, const char *name, double v);

/* Writes the line name = "SLUG-suffix.dat" to f: a data file of result r. */
void ub_gnuplot_file(FILE *f, const char *name, const struct ub_result *r, const char *suffix);

/*
 * Registers chart name (kind, template tmpl, results res and res2 or -1) in
 * R->ch and opens its settings file with the look every chart shares.
 * Returns the settings file (close with ub_gnuplot_close), or NULL with e set.
 */
FILE *ub_gnuplot_chart_open(struct ub_report_ctx *R, int kind, const char *tmpl, int res, int res2,
			     const char *name, struct ub_err *e);

/* Writes charts.sh and charts.cmd (Windows), which draw every registered chart again; returns 0 or UB_E_IO. */
int ub_gnuplot_write_script(const struct ub_report_ctx *R, struct ub_err *e);

/*
 * Draws every registered chart with R->c->gnuplot, a few at once, and
 * names each image on R->c->log. Returns 0, UB_E_NOMEM, UB_E_IO, or UB_E_SYS when
 * gnuplot cannot run or fails (the message names its log).
 */
int ub_gnuplot_render(struct ub_report_ctx *R, struct ub_err *e);

#endif
