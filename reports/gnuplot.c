/*
 * udpbench: reports — the gnuplot side of a report (gnuplot.h): the files
 * of the work folder, the settings each chart is drawn with, the templates
 * and charts.sh, and gnuplot run on every chart, a few at once.
 */
#include "reports/gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/platform.h"
#include "lib/proc.h"

/* ---- the templates ---- */

static const char *const templates[] = {
	"style.gp", "rtt.gp", "cdf.gp", "loss.gp", "reorder.gp", "compare.gp", "udp-tcp.gp",
	"classview.gp", "ivrtt.gp", "ivloss.gp", "longrun.gp",
	"loadchart.gp",
};

int ub_gnuplot_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int ub_gnuplot_has_templates(const char *dir)
{
	char path[PATH_MAX];

	return ub_path_join(path, sizeof(path), dir, "rtt.gp") == 0 && ub_gnuplot_is_file(path);
}

static int copy_file(const char *from, const char *to, struct ub_err *e)
{
	FILE *in = fopen(from, "r"), *out = NULL;
	char buf[8192];
	size_t n;
	int rc = 0;

	if (!in)
		return ub_err_set(e, UB_E_IO, errno, "cannot read the template %s", from);
	out = fopen(to, "w");
	if (!out) {
		rc = ub_err_set(e, UB_E_IO, errno, "cannot write %s", to);
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			break;
	if (ferror(in) || ferror(out))
		rc = ub_err_set(e, UB_E_IO, errno, "cannot copy %s to %s", from, to);
out:
	if (out && fclose(out) != 0 && !rc)
		rc = ub_err_set(e, UB_E_IO, errno, "cannot write %s", to);
	fclose(in);
	return rc;
}

int ub_gnuplot_copy_templates(const char *from_dir, const char *to_dir, struct ub_err *e)
{
	char from[PATH_MAX], to[PATH_MAX];
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(templates) / sizeof(templates[0]) && !rc; i++) {
		ub_path_join(from, sizeof(from), from_dir, "%s", templates[i]);
		ub_path_join(to, sizeof(to), to_dir, "%s", templates[i]);
		rc = copy_file(from, to, e);
	}
	return rc;
}

/* ---- the work folder and the settings of each chart ---- */

FILE *ub_gnuplot_open(const struct ub_report_ctx *R, const char *name, struct ub_err *e)
{
	char path[PATH_MAX];
	FILE *f;

	if (ub_path_join(path, sizeof(path), R->work, "%s", name) < 0) {
		ub_err_set(e, UB_E_IO, ENAMETOOLONG, "cannot write %s", path);
		return NULL;
	}
	f = fopen(path, "w");
	if (!f)
		ub_err_set(e, UB_E_IO, errno, "cannot write %s", path);
	return f;
}

int ub_gnuplot_close(FILE *f, const struct ub_report_ctx *R, const char *name,
		     struct ub_err *e)
{
	char path[PATH_MAX];
	int bad = ferror(f), err = errno;

	if (fclose(f) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	if (!bad)
		return 0;
	ub_path_join(path, sizeof(path), R->work, "%s", name);
	return ub_err_set(e, UB_E_IO, err, "cannot write %s", path);
}

/*
 * Length of the UTF-8 character at s when it is one gnuplot can show as it
 * is; 0 for a byte that starts no valid character (overlong forms,
 * surrogates, U+FFFE/U+FFFF, code points past U+10FFFF) and for a
 * character cut short by the end of s, whose length goes to *cut.
 */
static size_t utf8_len(const unsigned char *s, size_t *cut)
{
	size_t n, i;
	uint32_t c;

	*cut = 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2, c = s[0] & 0x1Fu;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3, c = s[0] & 0x0Fu;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4, c = s[0] & 0x07u;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if (!s[i]) {
			*cut = i;
			return 0;
		}
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3Fu);
	}
	if ((n == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF) || c >= 0xFFFE)) ||
	    (n == 4 && (c < 0x10000 || c > 0x10FFFF)))
		return 0;
	return n;
}

/* A character written otherwise: c as with. */
struct swap {
	char c;
	const char *with;
};

/*
 * Writes s to f as text and nothing else: each UTF-8 character as it is,
 * a control character as a space, a byte that is not UTF-8 as U+FFFD, and
 * a character cut short at the very end (a truncated buffer) not at all.
 * Line breaks become brk, the characters in sw[0..n_sw) what they say.
 */
static void put_text(FILE *f, const char *s, const char *brk, const struct swap *sw, size_t n_sw)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, cut, i;

	while (u && *u) {
		n = utf8_len(u, &cut);
		for (i = 0; n == 1 && i < n_sw && *u != (unsigned char)sw[i].c; i++)
			;
		if (n == 1 && *u == '\n')
			fputs(brk, f);
		else if (n == 1 && i < n_sw)
			fputs(sw[i].with, f);
		else if (n == 1 && (*u < 0x20 || *u == 0x7F))
			fputc(' ', f);
		else if (n)
			fwrite(u, 1, n, f);
		else if (cut)
			break;
		else
			fputs("\xEF\xBF\xBD", f);
		u += n ? n : 1;
	}
}

/*
 * gnuplot reads a single-quoted string as it stands: no backquote command,
 * no backslash escape, no @macro (gnuplot 5.4). A line break or a quote in
 * the text closes the piece, and a double-quoted constant of ours joins the
 * next one on: "\n", or "\047" for the quote. No quote from the text is
 * ever written as one, so gnuplot's macro pass, which counts quote
 * characters, always sees the text inside a single-quoted string.
 */
void ub_gnuplot_text(FILE *f, const char *s)
{
	static const struct swap sw[] = { { '\'', "'.\"\\047\".'" } };

	fputc('\'', f);
	put_text(f, s, "'.\"\\n\".'", sw, 1);
	fputc('\'', f);
}

void ub_gnuplot_str(FILE *f, const char *name, const char *s)
{
	fprintf(f, "%s = ", name);
	ub_gnuplot_text(f, s);
	fputc('\n', f);
}

/*
 * In a data file gnuplot reads "..." with backslash escapes (\n, \101) but
 * runs nothing; a quote would end the field early (written as the octal
 * escape \042 it shows as itself), a line break the row.
 */
void ub_gnuplot_datum(FILE *f, const char *s)
{
	static const struct swap sw[] = { { '"', "\\042" }, { '\\', "\\\\" } };

	fputc('"', f);
	put_text(f, s, " ", sw, 2);
	fputc('"', f);
}

void ub_gnuplot_num(FILE *f, const char *name, double v)
{
	fprintf(f, "%s = %.6f\n", name, isfinite(v) ? v : 0.0);
}

/* Registers a chart and opens its settings file with the look every chart shares. */
FILE *ub_gnuplot_chart_open(struct ub_report_ctx *R, int kind, const char *tmpl, int res, int res2,
			     const char *name, struct ub_err *e)
{
	struct ub_report_chart *grown, *ch;
	char file[200];
	FILE *f;

	grown = realloc(R->ch, (R->n_ch + 1) * sizeof(*R->ch));
	if (!grown) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	R->ch = grown;
	ch = &R->ch[R->n_ch++];
	memset(ch, 0, sizeof(*ch));
	snprintf(ch->name, sizeof(ch->name), "%s", name);
	ch->kind = kind;
	ch->tmpl = tmpl;
	ch->res = res;
	ch->res2 = res2;
	snprintf(file, sizeof(file), "%s.set.gp", ch->name);
	f = ub_gnuplot_open(R, file, e);
	if (!f)
		return NULL;
	fprintf(f, "# Settings of the chart %s, written by udpbench report.\n"
		   "# Draw it again in this folder: gnuplot %s %s\n",
		ch->name, file, tmpl);
	ub_gnuplot_str(f, "term_type", R->c->format == UB_REPORT_SVG ? "svg" : "pngcairo");
	snprintf(file, sizeof(file), "../%s.%s", ch->name, R->c->format == UB_REPORT_SVG ? "svg" : "png");
	ub_gnuplot_str(f, "out", file);
	fprintf(f, "width = %u\nheight = %u\nfont_pt = %u\n", R->c->width, R->c->height,
		R->c->font_pt);
	ub_gnuplot_str(f, "font", R->font);
	return f;
}

/* Writes path = 'WORK-relative file' for a data file of result r. */
void ub_gnuplot_file(FILE *f, const char *name, const struct ub_result *r, const char *suffix)
{
	char file[UB_RESULT_SLUG_MAX + 64];

	snprintf(file, sizeof(file), "%s-%s.dat", r->slug, suffix);
	ub_gnuplot_str(f, name, file);
}

int ub_gnuplot_write_script(const struct ub_report_ctx *R, struct ub_err *e)
{
	FILE *f = ub_gnuplot_open(R, "charts.sh", e);
	unsigned i;

	if (!f)
		return e->code;
	fputs("#!/bin/sh\n"
	      "# Draws every chart of this report again from the data in this folder.\n"
	      "# Edit a template (rtt.gp, cdf.gp, loss.gp, reorder.gp, compare.gp,\n"
	      "# udp-tcp.gp, classview.gp, ivrtt.gp, ivloss.gp, longrun.gp, style.gp) or a\n"
	      "# chart's NAME.set.gp, then: sh charts.sh\n"
	      "cd \"$(dirname \"$0\")\" || exit 1\n"
	      "# style.gp sets a UTF-8 encoding, which gnuplot measures in a UTF-8 locale\n"
	      "unset LC_ALL\n"
	      "export LC_CTYPE=C.UTF-8\n"
	      "command -v gnuplot >/dev/null || { echo \"gnuplot is missing: apt-get install gnuplot-nox\" >&2; exit 1; }\n",
	      f);
	/* chart names are made of [A-Za-z0-9._-] and start with a letter; quoted all the same */
	for (i = 0; i < R->n_ch; i++)
		fprintf(f, "gnuplot '%s.set.gp' '%s'\n", R->ch[i].name, R->ch[i].tmpl);
	if (ub_gnuplot_close(f, R, "charts.sh", e))
		return e->code;
	/* the same for Windows' Command Prompt: gnuplot for Windows needs no locale */
	if (!(f = ub_gnuplot_open(R, "charts.cmd", e)))
		return e->code;
	fputs("@echo off\n"
	      "rem Draws every chart of this report again from the data in this folder.\n"
	      "rem Edit a template or a chart's NAME.set.gp, then run charts.cmd.\n"
	      "cd /d \"%~dp0\"\n"
	      "rem 9009: no such command\n"
	      "gnuplot --version >nul 2>nul\n"
	      "if errorlevel 9009 (echo gnuplot for Windows is missing: "
	      "http://www.gnuplot.info/download.html, then put its bin folder on PATH& exit /b 1)\n",
	      f);
	for (i = 0; i < R->n_ch; i++)
		fprintf(f, "gnuplot \"%s.set.gp\" \"%s\"\nif errorlevel 1 exit /b 1\n", R->ch[i].name,
			R->ch[i].tmpl);
	return ub_gnuplot_close(f, R, "charts.cmd", e);
}

/* ---- running gnuplot ---- */

/*
 * Starts argv in folder dir (NULL: ours) with stdin from /dev/null and
 * stdout+stderr to out_fd; returns 0 or UB_E_SYS.
 */
static int spawn(const char *const *argv, char *const *envp, const char *dir, int out_fd,
		 pid_t *pid, struct ub_err *e)
{
	struct ub_proc_config pc;

	ub_proc_config_init(&pc);
	pc.in = UB_PROC_DEVNULL;
	pc.out = pc.err = out_fd;
	pc.dir = dir;
	pc.envp = envp;
	return ub_proc_spawn(argv, &pc, pid, e);
}

/* Last line of a gnuplot log that says what went wrong. */
static void log_reason(const char *path, char *b, size_t n)
{
	FILE *f = fopen(path, "r");
	char line[512];

	b[0] = '\0';
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		/* gnuplot for Windows ends its lines with CR LF */
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] && strspn(line, " ^") != strlen(line))
			snprintf(b, n, "%.*s", (int)(n - 1), line);
	}
	fclose(f);
}

/* gnuplot processes at once: a classroom of boards makes a hundred charts */
#define UB_REPORT_JOBS 8

/* Waits for chart ch's gnuplot; returns 0, or UB_E_SYS naming its log when it failed. */
static int finish(struct ub_report_ctx *R, struct ub_report_chart *ch, struct ub_err *e)
{
	char logp[PATH_MAX + 200], chart[PATH_MAX + 200], why[300];
	struct stat sb;
	int st;

	if (ch->pid <= 0)
		return 0;
	st = ub_proc_wait(ch->pid);
	ch->pid = 0;
	ub_path_join(logp, sizeof(logp), R->work, "%s.log", ch->name);
	if (st != 0) {
		log_reason(logp, why, sizeof(why));
		return ub_err_set(e, UB_E_SYS, 0, "gnuplot failed on %s.set.gp %s (%s; see %s)", ch->name,
				  ch->tmpl, why[0] ? why : "no message", logp);
	}
	/* a log is kept only when gnuplot had something to say */
	if (stat(logp, &sb) == 0 && sb.st_size == 0)
		unlink(logp);
	if (R->c->log) {
		ub_path_join(chart, sizeof(chart), R->out, "%s.%s", ch->name,
			     R->c->format == UB_REPORT_SVG ? "svg" : "png");
		fprintf(R->c->log, "%s\n", chart);
	}
	return 0;
}

int ub_gnuplot_render(struct ub_report_ctx *R, struct ub_err *e)
{
	char set[200], logp[PATH_MAX + 200], prog[PATH_MAX];
	const char *argv[4] = { R->c->gnuplot, NULL, NULL, NULL };
	char **envp = NULL;
	struct ub_err sub;
	unsigned i, done = 0;
	int rc = 0, fd, err;

	if (ub_gnuplot_env(&envp) < 0)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	/* a program named by a relative path is found from here, not from the work folder */
	if (strchr(R->c->gnuplot, '/') && R->c->gnuplot[0] != '/' && realpath(R->c->gnuplot, prog))
		argv[0] = prog;
	/*
	 * gnuplot starts in the work folder, so the settings name files relative
	 * to it; the folder's name never reaches gnuplot's command line.
	 */
	for (i = 0; i < R->n_ch && !rc; i++) {
		struct ub_report_chart *ch = &R->ch[i];

		if (i - done >= UB_REPORT_JOBS && (rc = finish(R, &R->ch[done++], e)))
			break;
		snprintf(set, sizeof(set), "%s.set.gp", ch->name);
		ub_path_join(logp, sizeof(logp), R->work, "%s.log", ch->name);
		argv[1] = set;
		argv[2] = ch->tmpl;
		argv[3] = NULL;
		fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			rc = ub_err_set(e, UB_E_IO, errno, "cannot write %s", logp);
			break;
		}
		err = spawn(argv, envp, R->work_abs, fd, &ch->pid, &sub);
		close(fd);
		if (err) {
			ch->pid = 0;
			rc = ub_err_set(e, UB_E_SYS, sub.sys_errno, "cannot run %s", R->c->gnuplot);
		}
	}
	/* every started gnuplot is waited for, the first failure reported */
	for (; done < R->n_ch; done++) {
		struct ub_err later;
		int frc = finish(R, &R->ch[done], rc ? &later : e);

		rc = rc ? rc : frc;
	}
	free(envp);
	return rc;
}
