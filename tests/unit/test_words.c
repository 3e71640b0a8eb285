/*
 * Unit tests for bench/metrics/words.c and the glossary it keeps: every
 * Chinese string of the program (the string literals of bench/, capture/,
 * reports/ and scenarios/, the scenarios' Chinese names and descriptions,
 * the Chinese lines of the docs) uses the glossary's terms and none of the
 * words they replace, and Chinese program text carries no English word but
 * names (protocols, programs, options, units); terminal tables line up by
 * display width with Chinese in them. Run from the checkout (make check
 * does): the sources are read from there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ctype.h>
#include <ftw.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics/output.h"
#include "metrics/words.h"
#include "scenarios/runner.c"

#include "files.h"

/* Names that stay as they are in Chinese text: protocols, programs, packages, commands, keys, units. */
static const char *const names_ok[] = {
	"UDP", "TCP", "STAMP", "TWAMP", "ICMP", "HMAC", "RFC", "SSID", "RTO", "IP", "Wi", "Fi",
	"udpbench", "relay", "reflect", "scenario", "list", "gnuplot", "netem", "nftables", "nft",
	"tc", "ip", "root", "Debian", "iproute", "libpcap", "MicroPython", "ESP", "Mbit", "ns",
	"us", "ms", "stamp", "echo", "text", "any", "auto", "NULL", "Prometheus", "Ctrl",
	"Windows", "Linux", "PATH",
};

struct finding {
	char *text;
	size_t len;
	unsigned n;
};

static void found(struct finding *fd, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	size_t k;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	k = strlen(line);
	fd->text = realloc(fd->text, fd->len + k + 2);
	assert_non_null(fd->text);
	memcpy(fd->text + fd->len, line, k);
	fd->len += k;
	fd->text[fd->len++] = '\n';
	fd->text[fd->len] = '\0';
	fd->n++;
}

/* Fails listing every finding (on stderr: cmocka cuts long messages); frees them otherwise. */
static void assert_no_findings(struct finding *fd)
{
	if (fd->n) {
		fprintf(stderr, "%s", fd->text);
		fail_msg("%u strings leave the glossary or carry English (listed above)", fd->n);
	}
	free(fd->text);
	fd->text = NULL;
}

/* Whether s holds a Chinese character (CJK ideograph or full-width punctuation). */
static int has_chinese(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		if (*p >= 0xE3 && *p <= 0xE9)
			return 1;
		else if (*p == 0xEF && (p[1] == 0xBC || p[1] == 0xBD))
			return 1;
	return 0;
}

/* Replaces every occurrence of what in s with spaces of its length. */
static void blank(char *s, const char *what)
{
	size_t n = strlen(what);
	char *p;

	while (n && (p = strstr(s, what)))
		memset(p, ' ', n);
}

/* Cuts the spans from open to close (both included) out of s, keeping the rest. */
static void cut_spans(char *s, const char *open, const char *close)
{
	char *a, *b;

	while ((a = strstr(s, open)) && (b = strstr(a + strlen(open), close)))
		memset(a, ' ', (size_t)(b + strlen(close) - a));
}

/* The glossary's avoided words in s, the glossary's own terms blanked out first. */
static void check_terms(struct finding *fd, const char *where, int line, const char *s)
{
	const struct ub_term *t;
	char *c = strdup(s);
	unsigned i;

	assert_non_null(c);
	for (t = ub_words_glossary; t->zh; t++)
		blank(c, t->zh);
	for (t = ub_words_glossary; t->zh; t++)
		for (i = 0; i < 4 && t->avoid[i]; i++)
			if (strstr(c, t->avoid[i]))
				found(fd, "%s:%d: '%s' for %s (say %s): %s", where, line, t->avoid[i],
				      t->en, t->zh, s);
	free(c);
}

static int name_ok(const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(names_ok) / sizeof(names_ok[0]); i++)
		if (strlen(names_ok[i]) == n && strncmp(names_ok[i], w, n) == 0)
			return 1;
	return 0;
}

/*
 * English words in a Chinese text s: runs of two or more ASCII letters
 * that are no name, after taking out printf conversions, options with
 * their value, escape sequences, HTML tags, code spans and file names.
 */
static void check_english(struct finding *fd, const char *where, int line, const char *s)
{
	char *c = strdup(s), *p, *q;

	assert_non_null(c);
	cut_spans(c, "<code>", "</code>");
	cut_spans(c, "`", "`");
	cut_spans(c, "<", ">");
	cut_spans(c, "\033[", "K");
	for (p = c; *p; p++) {
		if (*p == '%') {
			/* a conversion: flags, width, precision, length, then the letter */
			for (q = p + 1; *q && strchr("0123456789$.-+ #'hlzjtLq", *q); q++)
				;
			memset(p, ' ', (size_t)(q - p) + (*q ? 1 : 0));
			if (!*q)
				break;
		} else if (p[0] == '-' && p[1] == '-' && isalpha((unsigned char)p[2])) {
			for (q = p + 2; isalnum((unsigned char)*q) || *q == '-'; q++)
				;
			/* --mode text: the value goes with its option */
			if (*q == ' ' && islower((unsigned char)q[1]))
				for (q++; isalpha((unsigned char)*q); q++)
					;
			memset(p, ' ', (size_t)(q - p));
		} else if (isalnum((unsigned char)*p)) {
			/* a file name or path (rtt.gp, gnuplot/charts.sh) is a name */
			for (q = p; isalnum((unsigned char)*q) || (*q && strchr("._/", *q)); q++)
				;
			if (memchr(p, '.', (size_t)(q - p)) || memchr(p, '/', (size_t)(q - p)))
				memset(p, ' ', (size_t)(q - p));
		}
	}
	for (p = c; *p; p = q) {
		for (q = p; isalpha((unsigned char)*q) && !(*q & 0x80); q++)
			;
		if (q - p >= 2 && !name_ok(p, (size_t)(q - p)))
			found(fd, "%s:%d: English word '%.*s' in Chinese text: %s", where, line,
			      (int)(q - p), p, s);
		if (q == p)
			q++;
	}
	free(c);
}

static void check_text(struct finding *fd, const char *where, int line, const char *s)
{
	if (!has_chinese(s))
		return;
	check_terms(fd, where, line, s);
	check_english(fd, where, line, s);
}

/* The value of a glossary macro (#define UB_ZH_X "...", read from words.h), or NULL. */
static const char *macro(const char *name, size_t n)
{
	static char defs[32][2][64];
	static int loaded;
	char line[256], *a, *b;
	FILE *f;
	int i;

	if (!loaded) {
		f = fopen("bench/metrics/words.h", "r");
		assert_non_null(f);
		while (loaded < 32 && fgets(line, sizeof(line), f))
			if (sscanf(line, "#define %63s", defs[loaded][0]) == 1 &&
			    strncmp(defs[loaded][0], "UB_ZH_", 6) == 0 && (a = strchr(line, '"')) &&
			    (b = strchr(a + 1, '"'))) {
				snprintf(defs[loaded][1], sizeof(defs[loaded][1]), "%.*s", (int)(b - a - 1), a + 1);
				loaded++;
			}
		fclose(f);
		assert_true(loaded >= 5);
	}
	for (i = 0; i < loaded; i++)
		if (strlen(defs[i][0]) == n && strncmp(defs[i][0], name, n) == 0)
			return defs[i][1];
	return NULL;
}

/*
 * Checks every string of C file path as the compiler sees it: adjacent
 * literals joined, the glossary's macros and the <inttypes.h> PRI macros
 * spliced in; comments and character constants skipped.
 */
static void scan_c(struct finding *fd, const char *path)
{
	char *src = slurp(path), run[8192], *p;
	size_t rn = 0;
	int line = 1, run_line = 0, in_run = 0;

	assert_non_null(src);
	for (p = src; *p;) {
		if (p[0] == '/' && p[1] == '*') {
			for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
				line += *p == '\n';
			p += *p ? 2 : 0;
			continue;
		}
		if (p[0] == '/' && p[1] == '/') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (*p == '\'') {
			for (p++; *p && *p != '\''; p++)
				p += *p == '\\' && p[1];
			p += *p ? 1 : 0;
			continue;
		}
		if (*p == '"') {
			if (!in_run) {
				in_run = 1;
				rn = 0;
				run_line = line;
			}
			for (p++; *p && *p != '"'; p++) {
				char ch = *p;

				if (ch == '\\' && p[1]) {
					p++;
					ch = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p == '0' ? '\033' : *p;
					if (*p == '0')
						p += 2; /* \033 */
				}
				if (rn < sizeof(run) - 1)
					run[rn++] = ch;
			}
			p += *p ? 1 : 0;
			continue;
		}
		if (isalpha((unsigned char)*p) || *p == '_') {
			const char *w = p, *m;

			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			m = macro(w, (size_t)(p - w));
			if (m || (in_run && strncmp(w, "PRI", 3) == 0)) {
				if (!in_run) {
					in_run = 1;
					rn = 0;
					run_line = line;
				}
				m = m ? m : "d";
				while (*m && rn < sizeof(run) - 1)
					run[rn++] = *m++;
				continue;
			}
		} else if (isspace((unsigned char)*p)) {
			line += *p == '\n';
			p++;
			continue;
		} else {
			p++;
		}
		if (in_run) {
			run[rn] = '\0';
			check_text(fd, path, run_line, run);
			in_run = 0;
		}
	}
	free(src);
}

/*
 * Checks the Chinese lines of a document for the glossary's avoided words;
 * of a scenario file (ini), the Chinese names and descriptions.
 */
static void scan_lines(struct finding *fd, const char *path, int ini)
{
	char line[8192];
	FILE *f = fopen(path, "r");
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (ini ? strncmp(line, "name_zh", 7) == 0 || strncmp(line, "description_zh", 14) == 0
			: has_chinese(line))
			check_terms(fd, path, n, line);
	}
	fclose(f);
}

static struct finding *walk_fd;
static unsigned walk_files;

static int walk_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	size_t n = strlen(path);

	(void)st;
	(void)ftw;
	if (flag != FTW_F)
		return 0;
	if (strcmp(path, "bench/metrics/words.c") == 0)
		return 0; /* the glossary itself: its avoided words are listed there */
	if (n > 2 && (strcmp(path + n - 2, ".c") == 0 || strcmp(path + n - 2, ".h") == 0)) {
		scan_c(walk_fd, path);
		walk_files++;
	} else if (n > 4 && strcmp(path + n - 4, ".ini") == 0) {
		scan_lines(walk_fd, path, 1);
	}
	return 0;
}

/* Every Chinese string the program can print keeps to the glossary. */
static void test_sources_keep_the_glossary(void **state)
{
	static const char *const dirs[] = { "bench", "capture", "reports", "scenarios" };
	static const char *const docs[] = { "README.md", "peers/README.md", "bench/udpbench.1",
					    "SECURITY.md", "reports/README" };
	struct finding fd = { NULL, 0, 0 };
	const struct ub_term *t;
	char *readme;
	size_t i;

	(void)state;
	walk_fd = &fd;
	walk_files = 0;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		assert_int_equal(nftw(dirs[i], walk_one, 16, FTW_PHYS), 0);
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		scan_lines(&fd, docs[i], 0);
	assert_true(walk_files > 50);
	/* README.md lists the glossary for people */
	readme = slurp("README.md");
	assert_non_null(readme);
	for (t = ub_words_glossary; t->zh; t++)
		if (!strstr(readme, t->zh))
			found(&fd, "README.md: the glossary has no row for %s (%s)", t->zh, t->en);
	free(readme);
	assert_no_findings(&fd);
}

/* The scanner itself finds what it is there to find. */
static void test_scanner_finds_strays(void **state)
{
	struct finding fd = { NULL, 0, 0 };

	(void)state;
	check_text(&fd, "t", 1, "往返时间 %s，对端不回复");
	assert_int_equal(fd.n, 2);
	check_text(&fd, "t", 2, "发送延迟 中位数 %s");
	assert_int_equal(fd.n, 4); /* 发送延迟, and 延迟 in it */
	check_text(&fd, "t", 3, "超时 %" "d" " 个");
	assert_int_equal(fd.n, 5);
	check_text(&fd, "t", 4, "netem: this kernel has no netem qdisc");
	assert_int_equal(fd.n, 5); /* no Chinese: not Chinese text */
	check_text(&fd, "t", 5, "链路：netem: this kernel has no netem qdisc");
	assert_int_equal(fd.n, 10); /* this, kernel, has, no, qdisc */
	check_text(&fd, "t", 6, "端口不可达 (port unreachable)");
	assert_int_equal(fd.n, 12);
	/* terms, names, options with values, conversions and file names pass */
	check_text(&fd, "t", 7, UB_ZH_TMAX "、" UB_ZH_C_LOST " ×、%1$" "d" " 个 UDP 回复（RFC 8762），"
		   "请用 --mode text 或 --key，见 <code>rtt.gp</code> 和 gnuplot/charts.sh \033[K %.2f%%");
	assert_int_equal(fd.n, 12);
	free(fd.text);
}

/* A run of the summary with every line on, in Chinese, keeps to the glossary too (text filled in at run time). */
static void test_summary_keeps_the_glossary(void **state)
{
	struct ub_params p;
	struct ub_summary s;
	struct ub_run_counters rc;
	struct ub_no_reply why;
	struct finding fd = { NULL, 0, 0 };
	char *text = NULL, buf[512];
	size_t len = 0;
	FILE *f;
	int w;

	(void)state;
	memset(&p, 0, sizeof(p));
	memset(&s, 0, sizeof(s));
	memset(&rc, 0, sizeof(rc));
	snprintf(p.peer_addr, sizeof(p.peer_addr), "192.0.2.1:10000");
	p.mode = "stamp";
	p.proto = "udp";
	s.sent = 100;
	s.received = 90;
	s.lost = 10;
	s.late = 2;
	s.rtt.n = 90;
	s.sched_late.n = 100;
	s.sched_missed = 3;
	rc.size_mismatch = 1;
	rc.sched_skipped = 5;
	rc.pingpong_waits = 2;
	rc.n_restarts = 1;
	rc.foreign = 1;
	rc.send_errors = 1;
	rc.interrupted = 1;
	rc.cut_at_stop = 1;
	for (w = UB_SPLIT_STATELESS; w <= UB_SPLIT_NO_REPLY; w++) {
		p.split_why = (enum ub_split_why)w;
		f = open_memstream(&text, &len);
		assert_non_null(f);
		ub_output_summary(f, UB_LANG_ZH, &p, &s, &rc);
		p.flood = !p.flood;
		ub_output_live(f, UB_LANG_ZH, "192.0.2.1:10000", 10, 9, 1, 1000, 2000);
		fclose(f);
		check_text(&fd, "summary", w, text);
		free(text);
		text = NULL;
	}
	memset(&why, 0, sizeof(why));
	for (w = 0; w < 6; w++) {
		why.auth_failed = w == 1;
		why.refused_after = w == 2 ? 3 : w == 3 ? 1 : 0;
		why.unmatched = w == 4;
		why.said = w == 5 ? "no TCP echo at 192.0.2.1:10000 (Connection refused)" : NULL;
		ub_output_no_reply(buf, sizeof(buf), UB_LANG_ZH, "192.0.2.1:10000", &why);
		check_text(&fd, "no reply", w, buf);
		assert_true(has_chinese(buf));
	}
	assert_no_findings(&fd);
}

/* Why the scenario runner left netem out, in Chinese (asked of this machine). */
static void test_runner_reasons(void **state)
{
	struct finding fd = { NULL, 0, 0 };
	char why[128] = "";

	(void)state;
	if (!netem_available(1, why, sizeof(why))) {
		assert_true(has_chinese(why));
		check_text(&fd, "netem", 0, why);
	}
	assert_no_findings(&fd);
}

static void test_width(void **state)
{
	(void)state;
	assert_int_equal(ub_words_width(""), 0);
	assert_int_equal(ub_words_width(NULL), 0);
	assert_int_equal(ub_words_width("peer"), 4);
	assert_int_equal(ub_words_width("反射端"), 6);
	assert_int_equal(ub_words_width("丢包率%"), 7);
	assert_int_equal(ub_words_width("教室A（掌控板）"), 15);
	assert_int_equal(ub_words_width("µs ×·—"), 6);      /* narrow outside CJK */
	assert_int_equal(ub_words_width("e\xcc\x81"), 1);    /* a combining acute */
	assert_int_equal(ub_words_width("\xe6\x8e"), 2);     /* a cut character: one column a byte */
	assert_int_equal(ub_words_width("\xff" "a"), 2);
}

/* Cutting to a width never splits a character; wide ones count two. */
static void test_fit(void **state)
{
	size_t w = 99;

	(void)state;
	assert_int_equal(ub_words_fit("classroom", 5, &w), 5);
	assert_int_equal(w, 5);
	assert_int_equal(ub_words_fit("教室A", 3, &w), 3); /* 教 only: 室 would make 4 */
	assert_int_equal(w, 2);
	assert_int_equal(ub_words_fit("教室A", 5, &w), 7);
	assert_int_equal(w, 5);
	assert_int_equal(ub_words_fit("µs", 1, &w), 2);    /* one narrow character of two bytes */
	assert_int_equal(ub_words_fit("", 4, &w), 0);
	assert_int_equal(w, 0);
	assert_int_equal(ub_words_fit(NULL, 4, NULL), 0);
}

/* A clipped name says it was clipped, and fits a small buffer whole. */
static void test_clip(void **state)
{
	char b[16];

	(void)state;
	ub_words_clip("教室A", 3, b, sizeof(b));
	assert_string_equal(b, "教…");
	ub_words_clip("教室A", 5, b, sizeof(b));
	assert_string_equal(b, "教室A");
	ub_words_clip("<b>王五</b>", 20, b, sizeof(b));
	assert_string_equal(b, "<b>王五</b>");
	ub_words_clip(NULL, 4, b, sizeof(b));
	assert_string_equal(b, "");
	ub_words_clip("a very long board name", 30, b, 8);
	assert_string_equal(b, "a very ");
}

/* Lines break at spaces and between Chinese characters, near the width asked for. */
static void test_wrap(void **state)
{
	char b[64];

	(void)state;
	assert_int_equal(ub_words_wrap(b, sizeof(b), "Home router, 2.4 GHz, one room away", 18), 2);
	assert_string_equal(b, "Home router, 2.4\nGHz, one room away");
	assert_int_equal(ub_words_wrap(b, sizeof(b), "192.168.4.1", 8), 1);
	assert_string_equal(b, "192.168.4.1");
	assert_int_equal(ub_words_wrap(b, sizeof(b), "  lead  and  gaps ", 40), 1);
	assert_string_equal(b, "lead and gaps");
	assert_int_equal(ub_words_wrap(b, sizeof(b), "拥挤的教室", 4), 3);
	assert_string_equal(b, "拥挤\n的教\n室");
	assert_int_equal(ub_words_wrap(b, sizeof(b), "Wi-Fi教室", 7), 2); /* a word ends where Chinese starts */
	assert_string_equal(b, "Wi-Fi教\n室");
	assert_int_equal(ub_words_wrap(b, sizeof(b), "averyveryverylongword x", 4), 2);
	assert_string_equal(b, "averyveryverylongword\nx");
	assert_int_equal(ub_words_wrap(b, 9, "abcdef ghijkl", 40), 1); /* what does not fit is left out */
	assert_string_equal(b, "abcdef");
	assert_int_equal(ub_words_wrap(b, sizeof(b), NULL, 4), 1);
	assert_string_equal(b, "");
}

static void test_pad(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(ub_words_pad(f, "发送", 6), 6);
	fputc('|', f);
	assert_int_equal(ub_words_pad(f, "反射端", -8), 8);
	fputc('|', f);
	assert_int_equal(ub_words_pad(f, "同一条丢包链路", 4), 14);
	fputc('|', f);
	assert_int_equal(ub_words_pad(f, "ab", -3), 3);
	fputc('|', f);
	fclose(f);
	assert_string_equal(text, "  发送|反射端  |同一条丢包链路|ab |");
	free(text);
}

/*
 * The display columns where the last fields of line end (space-separated,
 * counted from the right: end[0] is where the line ends); returns how many.
 */
static unsigned right_ends(const char *line, size_t *end, unsigned max)
{
	char buf[512];
	size_t k = strcspn(line, "\n");
	unsigned n = 0;

	snprintf(buf, sizeof(buf), "%.*s", (int)k, line);
	/* a board that never answered has "no reply" for a time: one field */
	for (char *q = buf; (q = strstr(q, "no reply")); q += 8)
		q[2] = '_';
	while (n < max) {
		k = strlen(buf);
		while (k && buf[k - 1] == ' ')
			buf[--k] = '\0';
		if (!k)
			break;
		end[n++] = ub_words_width(buf);
		while (k && buf[k - 1] != ' ')
			buf[--k] = '\0';
	}
	return n;
}

/* Each line of text (blank lines aside): its last n fields end in the columns of the first line's. */
static void assert_columns(const char *text, unsigned n)
{
	size_t head[16], row[16];
	const char *line;
	unsigned lines = 0, i;

	assert_true(right_ends(text, head, n) == n);
	for (line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (*line == '\n')
			continue;
		assert_true(right_ends(line, row, n) == n);
		for (i = 0; i < n; i++)
			if (row[i] != head[i])
				fail_msg("field %u from the right ends at %zu, the first line's at %zu:\n%s",
					 i + 1, row[i], head[i], text);
		lines++;
	}
	assert_true(lines >= 2);
}

/* The peer table in Chinese, with Chinese peer names: the columns line up on a terminal. */
static void test_table_aligned(void **state)
{
	struct ub_params p[3];
	struct ub_summary s[3];
	struct ub_run_counters rc[3];
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int zh;

	(void)state;
	memset(p, 0, sizeof(p));
	memset(s, 0, sizeof(s));
	memset(rc, 0, sizeof(rc));
	snprintf(p[0].peer, sizeof(p[0].peer), "教室A的掌控板");
	snprintf(p[1].peer_addr, sizeof(p[1].peer_addr), "192.0.2.1:10000");
	snprintf(p[2].peer, sizeof(p[2].peer), "虚谷号");
	s[0].sent = 500;
	s[0].received = 480;
	s[0].loss_pct = 4.0;
	s[0].has_split = 1;
	s[0].lost_up = 12;
	s[0].lost_down = 8;
	s[0].rtt.n = 480;
	s[0].rtt.median = 2000000;
	s[0].rtt.p99 = 5000000;
	s[1] = s[0];
	s[2].sent = 10;
	s[2].loss_pct = 100.0;
	for (zh = 0; zh < 2; zh++) {
		f = open_memstream(&text, &len);
		assert_non_null(f);
		ub_output_table(f, zh ? UB_LANG_ZH : UB_LANG_EN, 3, p, s, rc);
		fclose(f);
		/* the peers, left-aligned, start in column 0 */
		assert_int_equal(text[0] != ' ' && strstr(text, "\n教室") && strstr(text, "\n192.0.2.1"), 1);
		assert_columns(text, 7);
		free(text);
		text = NULL;
	}
}

/* summary.txt of a scenario run in Chinese: labels of different widths, figures in straight columns. */
static void test_scenario_summary_aligned(void **state)
{
	static const char *const files[][2] = {
		{ "udp.json", "{\"summary\": {\"sent\": 1000, \"lost_up\": 13, \"lost_down\": 40, "
			      "\"reordered_up\": 15, \"reordered_down\": 28, \"received\": 947, "
			      "\"duplicates\": 6, \"lost\": 53, \"rtt_ns\": {\"median\": 23000000, \"p99\": 44200000}}}" },
		{ "truth.json", "{\"up\": {\"in\": 1000, \"dropped\": 13, \"reordered\": 15}, "
				"\"down\": {\"dropped\": 40, \"reordered\": 28, \"out\": 953}}" },
		{ "tcp.json", "{\"summary\": {\"lost\": 0, \"tcp_retransmits\": 15, \"rtt_ns\": {\"p99\": 126000000}}}" },
	};
	struct ub_scenario sc;
	struct ub_scenario_run_config c;
	char dir[] = "/tmp/ub_words_XXXXXX", path[128], *text = NULL, *contrast, *table, *rtt;
	size_t len = 0, i, ends[2];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i][0]);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(files[i][1], f);
		fclose(f);
	}
	memset(&sc, 0, sizeof(sc));
	memset(&c, 0, sizeof(c));
	sc.name_zh = (char *)"拥挤的教室 Wi-Fi";
	sc.name_en = (char *)"crowded classroom";
	c.lang = UB_LANG_ZH;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	write_summary(f, &sc, &c, dir, "udpbench relay 链路模拟器（随机种子 1）");
	fclose(f);
	/* the table starts on the third line; the UDP-vs-TCP rows follow a blank line */
	contrast = strstr(text, "\n\n");
	assert_non_null(contrast);
	*contrast = '\0';
	table = strchr(strchr(text, '\n') + 1, '\n') + 1;
	rtt = strstr(table, "\n" UB_ZH_RTT);
	assert_non_null(rtt);
	*rtt = '\0';
	assert_columns(table, 2);             /* two figures a row, ending in columns 45 and 60 */
	assert_int_equal(right_ends(table, ends, 2), 2);
	assert_int_equal(ends[0], 60);
	assert_int_equal(ends[1], 45);
	assert_columns(rtt + 1, 1);           /* one figure: column 45 */
	assert_int_equal(right_ends(rtt + 1, ends, 1), 1);
	assert_int_equal(ends[0], 45);
	assert_columns(contrast + 2, 2);
	assert_int_equal(right_ends(contrast + 2, ends, 2), 2);
	assert_int_equal(ends[0], 60);
	free(text);
	files_rm_tree(dir);
}

static void test_clock_names(void **state)
{
	static const char *const clocks[] = { "kernel_tx+kernel_rx", "monotonic+kernel_rx", "monotonic",
					      "pcap" };
	struct finding fd = { NULL, 0, 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		assert_string_equal(ub_words_clock(clocks[i], UB_LANG_EN), clocks[i]);
		assert_true(has_chinese(ub_words_clock(clocks[i], UB_LANG_ZH)));
		check_text(&fd, "clock", (int)i, ub_words_clock(clocks[i], UB_LANG_ZH));
	}
	assert_int_equal(fd.n, 0);
	/* a name from elsewhere is shown as it is */
	assert_string_equal(ub_words_clock("tai", UB_LANG_ZH), "tai");
	assert_null(ub_words_clock(NULL, UB_LANG_ZH));
}

static void test_link_names(void **state)
{
	static const char *const kinds[] = { "tun", "relay", "netem", "nftables", "real" };
	struct finding fd = { NULL, 0, 0 };
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		assert_true(has_chinese(ub_words_link(kinds[i], UB_LANG_ZH)));
		check_text(&fd, "link", (int)i, ub_words_link(kinds[i], UB_LANG_ZH));
		/* each kind its own words */
		for (j = 0; j < i; j++)
			assert_string_not_equal(ub_words_link(kinds[i], UB_LANG_EN),
						ub_words_link(kinds[j], UB_LANG_EN));
	}
	assert_int_equal(fd.n, 0);
	assert_string_equal(ub_words_link("wire", UB_LANG_ZH), "wire");
	assert_true(has_chinese(ub_words_link(NULL, UB_LANG_ZH)));
	assert_string_equal(ub_words_link(NULL, UB_LANG_EN), "unknown link");
}

static void test_lang(void **state)
{
	char *en[] = { (char *)"udpbench", (char *)"--lang", (char *)"en", NULL };
	char *zh[] = { (char *)"udpbench", (char *)"--peer", (char *)"x", (char *)"--lang=zh", NULL };
	char *after[] = { (char *)"udpbench", (char *)"--", (char *)"--lang", (char *)"zh", NULL };

	(void)state;
	setenv("LC_ALL", "", 1);
	setenv("LC_MESSAGES", "", 1);
	setenv("LANG", "C", 1);
	assert_int_equal(ub_words_lang(NULL), UB_LANG_EN);
	assert_int_equal(ub_words_lang(zh), UB_LANG_ZH);
	setenv("LANG", "zh_CN.UTF-8", 1);
	assert_int_equal(ub_words_lang(NULL), UB_LANG_ZH);
	assert_int_equal(ub_words_lang(en), UB_LANG_EN);
	setenv("LC_MESSAGES", "en_US.UTF-8", 1);
	assert_int_equal(ub_words_lang(NULL), UB_LANG_EN);
	assert_int_equal(ub_words_lang(after), UB_LANG_EN);
	setenv("LC_ALL", "zh_TW.UTF-8", 1);
	assert_int_equal(ub_words_lang(NULL), UB_LANG_ZH);
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	unsetenv("LANG");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sources_keep_the_glossary),
		cmocka_unit_test(test_scanner_finds_strays),
		cmocka_unit_test(test_summary_keeps_the_glossary),
		cmocka_unit_test(test_runner_reasons),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_pad),
		cmocka_unit_test(test_table_aligned),
		cmocka_unit_test(test_scenario_summary_aligned),
		cmocka_unit_test(test_clock_names),
		cmocka_unit_test(test_link_names),
		cmocka_unit_test(test_lang),
		cmocka_unit_test(test_clip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
