/*
 * Fuzz target: what `udpbench report` reads, a result JSON and its
 * per-probe CSV, through the reader (results.c) and every writer of the
 * report (charts, settings, charts.sh, index.html, summary.md, summary.csv) into a
 * work folder of its own; gnuplot itself is not run. The input is the JSON,
 * a NUL byte, then the CSV (no NUL: no CSV). The input's length picks the
 * language, the format and whether a title is given.
 *
 * Beyond not crashing, what was written must be safe to hand to gnuplot
 * and sh, whatever the input held:
 * - the caveats (links, clocks, lateness) never fail but for memory;
 * - every line of every NAME.set.gp is a plain setting (gpsafe.h): no
 *   backquote, system(), @macro or $ outside a single-quoted string, no
 *   string left open, one assignment per line, valid UTF-8;
 * - charts.sh holds its fixed lines and `gnuplot 'NAME.set.gp' 'T.gp'`
 *   with NAME of [A-Za-z0-9._-];
 * - the data files hold numbers only, compare.dat two quoted fields more;
 * - in index.html every '<' opens one of the page's own tags;
 * - a refused input gets a one-line message, and the figures derived from
 *   the rows hold together (counts within the probes, box in order, the
 *   CDF axis not empty).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/caveats.h"
#include "reports/charts.h"
#include "fuzz.h"
#include "reports/gnuplot.h"
#include "gpsafe.h"
#include "reports/pages.h"
#include "reports/report_int.h"
#include "reports/results.h"
#include "reports/sumcsv.h"

/* results given the CSV: a JSON of many peers would otherwise make thousands of charts */
#define GIVEN_CSV 4

static char dir[64], json_path[96], csv_path[96], out[96], work[112];

static void empty(const char *p);

/* At exit: the folders go, with what the last input left in them. */
static void remove_folders(void)
{
	empty(work);
	rmdir(work);
	empty(out);
	rmdir(out);
	unlink(json_path);
	unlink(csv_path);
	rmdir(dir);
}

/*
 * Makes the folders once: DIR/r.json, DIR/r.csv, DIR/out/gnuplot/, in
 * memory (/dev/shm) where there is such a place: every input writes some
 * twenty files.
 */
static int folders(void)
{
	const char *tmp = getenv("TMPDIR"), *at[] = { "/dev/shm", tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp" };
	size_t i;

	if (dir[0])
		return 0;
	for (i = 0; i < 2; i++) {
		snprintf(dir, sizeof(dir), "%s/ub-fuzz-report-XXXXXX", at[i]);
		if (mkdtemp(dir))
			break;
	}
	if (i == 2) {
		dir[0] = '\0';
		return -1;
	}
	snprintf(json_path, sizeof(json_path), "%s/r.json", dir);
	snprintf(csv_path, sizeof(csv_path), "%s/r.csv", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(work, sizeof(work), "%s/gnuplot", out);
	if (mkdir(out, 0755) < 0 || mkdir(work, 0755) < 0)
		return -1;
	atexit(remove_folders);
	return 0;
}

static int put(const char *path, const uint8_t *d, size_t n)
{
	FILE *f = fopen(path, "wb");
	int bad;

	if (!f)
		return -1;
	bad = fwrite(d, 1, n, f) != n;
	return fclose(f) != 0 || bad ? -1 : 0;
}

/* Removes every file in folder p (the report's folders hold no sub-folder but gnuplot/). */
static void empty(const char *p)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(p);

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strcmp(de->d_name, "gnuplot") != 0) {
			snprintf(path, sizeof(path), "%s/%s", p, de->d_name);
			unlink(path);
		}
	closedir(d);
}

/* Returns the malloc'd contents of path (NUL-terminated), or NULL. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		s = malloc((size_t)n + 1);
		if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
			free(s);
			s = NULL;
		}
		if (s) {
			s[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return s;
}

static int utf8_whole(const unsigned char *s, size_t n)
{
	size_t i = 0, k, more;

	while (i < n) {
		more = s[i] < 0x80 ? 0 : (s[i] & 0xE0) == 0xC0 ? 1 : (s[i] & 0xF0) == 0xE0 ? 2
			: (s[i] & 0xF8) == 0xF0 ? 3 : 9;
		if (more == 9 || (more && i + more >= n))
			return 0;
		for (k = 1; k <= more; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
		i += more + 1;
	}
	return 1;
}

/* A chart's name: the only text of charts.sh that is not fixed. */
static int plain_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !isalpha((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

static void check_settings(const char *path)
{
	size_t n;
	char *s = slurp(path, &n), *line, *nl;

	FUZZ_CHECK(s != NULL);
	FUZZ_CHECK(strlen(s) == n && utf8_whole((const unsigned char *)s, n));
	FUZZ_CHECK(n > 0 && s[n - 1] == '\n');
	for (line = s; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		*nl = '\0';
		if (gpsafe_line(line)) {
			fprintf(stderr, "%s: %s: %s\n", path, gpsafe_line(line), line);
			FUZZ_CHECK(!"a settings line gnuplot could run");
		}
	}
	free(s);
}

static void check_script(const char *path)
{
	static const char *const fixed[] = {
		"#!/bin/sh",
		"# Draws every chart of this report again from the data in this folder.",
		"# Edit a template (rtt.gp, cdf.gp, loss.gp, reorder.gp, compare.gp,",
		"# udp-tcp.gp, classview.gp, ivrtt.gp, ivloss.gp, longrun.gp, style.gp) or a",
		"# chart's NAME.set.gp, then: sh charts.sh",
		"cd \"$(dirname \"$0\")\" || exit 1",
		"# style.gp sets a UTF-8 encoding, which gnuplot measures in a UTF-8 locale",
		"unset LC_ALL",
		"export LC_CTYPE=C.UTF-8",
		"command -v gnuplot >/dev/null || { echo \"gnuplot is missing: apt-get install gnuplot-nox\" >&2; exit 1; }",
	};
	size_t n, i, k;
	char *s = slurp(path, &n), *line, *nl, *a, *b;

	FUZZ_CHECK(s != NULL && strlen(s) == n && n > 0 && s[n - 1] == '\n');
	for (line = s, i = 0; *line; line = nl + 1, i++) {
		nl = strchr(line, '\n');
		*nl = '\0';
		if (i < sizeof(fixed) / sizeof(fixed[0])) {
			FUZZ_CHECK(strcmp(line, fixed[i]) == 0);
			continue;
		}
		/* gnuplot 'NAME.set.gp' 'TEMPLATE.gp' */
		FUZZ_CHECK(strncmp(line, "gnuplot '", 9) == 0);
		a = line + 9;
		b = strstr(a, ".set.gp' '");
		FUZZ_CHECK(b && plain_name(a, (size_t)(b - a)));
		a = b + 10;
		k = strlen(a);
		FUZZ_CHECK(k > 4 && strcmp(a + k - 4, ".gp'") == 0 && plain_name(a, k - 4));
	}
	free(s);
}

/*
 * A data file: comment lines, blank lines, and numbers (NaN for a figure
 * not known); compare.dat and classview.dat two quoted fields too, which
 * hold no quote of their own (a quote is written \042).
 */
static void check_data(const char *path, int quoted)
{
	size_t n;
	char *s = slurp(path, &n), *line, *nl, *p;
	int q;

	FUZZ_CHECK(s != NULL && strlen(s) == n);
	FUZZ_CHECK(utf8_whole((const unsigned char *)s, n));
	for (line = s; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		FUZZ_CHECK(nl != NULL);
		*nl = '\0';
		if (line[0] == '#')
			continue;
		for (p = line, q = 0; *p; p++) {
			FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7F);
			if (*p == '"')
				q++;
			else if (!(q & 1) && strncmp(p, "NaN", 3) == 0)
				p += 2;
			else if (!(q & 1))
				FUZZ_CHECK(isdigit((unsigned char)*p) || *p == '.' || *p == '-' || *p == ' ');
		}
		FUZZ_CHECK(q == (quoted ? 4 : 0));
	}
	free(s);
}

/* Every '<' of index.html opens one of the tags the page writes itself. */
static void check_html(const char *path)
{
	static const char *const tags[] = {
		"!DOCTYPE html>", "html ", "/html>", "head>", "/head>", "meta ", "title>", "/title>",
		"style>", "/style>", "body>", "/body>", "h1>", "/h1>", "h2>", "/h2>", "figure ",
		"/figure>", "figcaption>", "/figcaption>", "b>", "/b>", "img ", "table>", "/table>",
		"tr>", "/tr>", "th>", "/th>", "td>", "/td>", "p>", "/p>", "code>", "/code>",
		"div class=\"warn\">", "/div>", "ul>", "/ul>", "li>", "/li>", "table class=\"class\">",
		"tr class=\"dead\">",
	};
	size_t n, i;
	char *s = slurp(path, &n), *p;

	FUZZ_CHECK(s != NULL);
	for (p = strchr(s, '<'); p; p = strchr(p + 1, '<')) {
		for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
			if (strncmp(p + 1, tags[i], strlen(tags[i])) == 0)
				break;
		FUZZ_CHECK(i < sizeof(tags) / sizeof(tags[0]));
	}
	free(s);
}

static void check_folder(void)
{
	char path[512];
	struct dirent *de;
	DIR *d = opendir(work);
	size_t l;

	FUZZ_CHECK(d != NULL);
	while ((de = readdir(d))) {
		l = strlen(de->d_name);
		snprintf(path, sizeof(path), "%s/%s", work, de->d_name);
		if (l > 7 && strcmp(de->d_name + l - 7, ".set.gp") == 0)
			check_settings(path);
		else if (strcmp(de->d_name, "compare.dat") == 0 || strcmp(de->d_name, "classview.dat") == 0)
			check_data(path, 1);
		else if (l > 4 && strcmp(de->d_name + l - 4, ".dat") == 0)
			check_data(path, 0);
	}
	closedir(d);
	snprintf(path, sizeof(path), "%s/charts.sh", work);
	check_script(path);
	snprintf(path, sizeof(path), "%s/index.html", out);
	check_html(path);
}

static void check_one_line(int rc, const struct ub_err *e)
{
	FUZZ_CHECK(rc < 0 && e->code == rc && e->msg[0]);
	FUZZ_CHECK(!strchr(e->msg, '\n'));
}

/* What was derived from the rows holds together. */
static void check_result(const struct ub_result *r)
{
	const struct ub_result_box *b = &r->box;
	size_t i;

	FUZZ_CHECK(r->n_rtt <= r->n_rows && r->n_rtt <= r->n_p);
	FUZZ_CHECK(r->n_lost <= r->n_p && r->n_late <= r->n_lost);
	FUZZ_CHECK(r->n_up + r->n_down <= r->n_lost);
	FUZZ_CHECK(r->n_reord <= r->n_rtt);
	if (r->n_rtt)
		FUZZ_CHECK(b->min <= b->p5 && b->p5 <= b->q1 && b->q1 <= b->median &&
			   b->median <= b->q3 && b->q3 <= b->p95 && b->p95 <= b->p99 && b->p99 <= b->max);
	for (i = 1; i < r->n_rtt; i++)
		FUZZ_CHECK(r->rtt[i - 1] <= r->rtt[i]);
	FUZZ_CHECK(!r->csv_cut_line || r->csv_cut_line >= r->n_rows + 1);
	FUZZ_CHECK(strlen(r->slug) <= UB_RESULT_SLUG_MAX);
	FUZZ_CHECK(strspn(r->slug, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
		   strlen(r->slug));
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	const uint8_t *nul = memchr(d, '\0', n);
	struct ub_report_config c;
	struct ub_report_ctx R;
	struct ub_err e;
	unsigned k;
	int rc;

	if (folders() < 0)
		return 0;
	if (put(json_path, d, nul ? (size_t)(nul - d) : n) < 0)
		return 0;
	if (nul ? put(csv_path, nul + 1, n - (size_t)(nul - d) - 1) < 0 : unlink(csv_path) < 0 && errno != ENOENT)
		return 0;
	empty(work);
	empty(out);

	ub_report_config_init(&c);
	c.render = 0;
	c.lang = n & 1 ? UB_LANG_ZH : UB_LANG_EN;
	c.format = n & 2 ? UB_REPORT_SVG : UB_REPORT_PNG;
	c.title = n & 4 ? "T`touch title`'\n\"@x" : NULL;
	memset(&R, 0, sizeof(R));
	R.c = &c;
	R.zh = c.lang == UB_LANG_ZH;
	snprintf(R.font, sizeof(R.font), "%s", R.zh ? "WenQuanYi Zen Hei" : "Sans");
	R.out = out;
	R.work = work;
	R.work_abs = work;
	ub_err_clear(&e);

	rc = ub_results_load(&R.r, &R.n, json_path, &e);
	for (k = 0; k < R.n && !rc; k++) {
		/* the first few results read the CSV whatever their peer's name makes of its file name */
		if (k < GIVEN_CSV) {
			free(R.r[k].csv_path);
			R.r[k].csv_path = strdup(csv_path);
			FUZZ_CHECK(R.r[k].csv_path != NULL);
		}
		rc = ub_results_load_csv(&R.r[k], &e);
		if (!rc)
			rc = ub_results_derive(&R.r[k], &e);
	}
	if (rc) {
		check_one_line(rc, &e);
		goto out;
	}
	/* links, clocks and lateness as the input gives them: notes, and labels off another link */
	FUZZ_CHECK(ub_caveats_labels(&R, &e) == 0);
	FUZZ_CHECK(ub_results_unique_names(R.r, R.n) == 0);
	FUZZ_CHECK(ub_caveats_find(&R, &e) == 0);
	for (k = 0; k < R.n; k++)
		check_result(&R.r[k]);
	rc = ub_charts_write(&R, &e);
	if (!rc)
		rc = ub_gnuplot_write_script(&R, &e);
	if (!rc)
		rc = ub_pages_write_html(&R, &e);
	if (!rc)
		rc = ub_pages_write_md(&R, &e);
	if (!rc)
		rc = ub_sumcsv_write(&R, &e);
	FUZZ_CHECK(rc == 0);
	check_folder();
out:
	ub_results_free(R.r, R.n);
	ub_caveats_free(&R);
	free(R.ch);
	return 0;
}
