/*
 * Unit tests for bench/lib/win32/ini.c, the Windows build's INI reader:
 * it must read every text exactly as libinih (the Linux build's) does. Both
 * run over the scenario files, a corpus of edge cases and seeded random
 * files, through three readers, with a handler that takes every key and one
 * that refuses some; the traces (tests/fuzz/inidiff.h) must be equal.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../fuzz/inidiff.h"

#define RANDOM_FILES 20000
#define FILE_MAX 4096

struct diff_state {
	struct inidiff_trace lib, w32;
	unsigned texts;  /* texts compared */
	unsigned calls;  /* handler calls seen, over all runs */
	unsigned errors; /* runs that returned a line number */
};

static struct diff_state st;

/* Both parsers over d, through every reader, with either handler; fails on the first difference. */
static void same(const char *d, size_t n)
{
	int reader, refuse;

	for (reader = 0; reader < INIDIFF_READERS; reader++) {
		for (refuse = 0; refuse < 2; refuse++) {
			if (!inidiff_same(d, n, reader, refuse, &st.lib, &st.w32)) {
				inidiff_report(stderr, d, n, reader, refuse, &st.lib, &st.w32);
				fail_msg("the two parsers read the text differently");
			}
			st.calls += st.lib.calls;
			st.errors += st.lib.ret > 0;
		}
	}
	st.texts++;
}

/* Returns the bytes of path, malloc'd, their number in *n; NULL when it cannot be read. */
static char *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;

	if (!f)
		return NULL;
	b = malloc(FILE_MAX * 4);
	*n = b ? fread(b, 1, FILE_MAX * 4, f) : 0;
	fclose(f);
	return b;
}

static void test_scenarios(void **state)
{
	glob_t g;
	size_t i, n = 0;
	char *text;

	(void)state;
	assert_int_equal(glob("scenarios/*.ini", 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 6);
	for (i = 0; i < g.gl_pathc; i++) {
		text = read_all(g.gl_pathv[i], &n);
		assert_non_null(text);
		assert_true(n > 0 && n < FILE_MAX * 4);
		same(text, n);
		/* Taking every key, a scenario file reads without errors and gives keys. */
		assert_true(inidiff_same(text, n, INIDIFF_FGETS, 0, &st.lib, &st.w32));
		assert_int_equal(st.lib.ret, 0);
		assert_true(st.lib.calls >= 5);
		free(text);
	}
	globfree(&g);
}

/* Edge cases, each one text; NULs inside need the length. */
#define T(s) { s, sizeof(s) - 1 }
static const struct {
	const char *d;
	size_t n;
} edges[] = {
	T(""), T("\n"), T("\n\n\nx\n\n"), T("k=v"), T("k=v\n"), T(" a b = c d \n"),
	T("a=b=c\n"), T("a:b=c\n"), T("a=b:c\n"), T("=x\n"), T(" = x\n"), T(":v\n"), T("k :v\n"),
	T("a=\n"), T("a\n"), T("a\nb=1\n"), T("a;b=c\n"), T("a ;b=c\n"), T("a\t;b:c\n"),
	T("a=b;c\n"), T("a=b ;c\n"), T("a=b\t;c\n"), T("a=b #c\n"), T("a= ;c\n"), T("a=;c\n"),
	T("a=b c ;d e\n"), T("a=#x\n"), T("a[b]=c\n"),
	T("#x\n;y\n  ;z\n  #w\nk=v\n"), T("[]\nk=v\n"), T("[a]b\nk=v\n"), T("[a\nk=v\n"),
	T("[ a ]\nk=v\n"), T("[a ;b]\nk=v\n"), T("[a;b]\nk=v\n"), T("[ ;a]\nk=v\n"), T("[;a]\nk=v\n"),
	T("[a]]\nk=v\n"), T("[a]x]\n"), T("[a]\n[b\nk=v\n"), T("  [a]\nk=v\n"), T("[a] ;c\nk=v\n"),
	T("[a]\n[]\n  x\nk=v\n"), T("[s]\n  c\n"), T("[a]\r\nk=v"), T("\r\n[s]\r"),
	/* continuation lines */
	T("a=1\n  b\n\tc ;x\n  ;d\n  #e\n\n  f\n"), T("a=1\n  [s]\n"), T("a=1\n  k=v\n"),
	T("a=1\nbad\n  c\n"), T("a=1\n[s]\n  c\n"), T("a=1\n[s\n  c\n"), T("=1\n  c\n"),
	T("a=1\n\v c\n"), T("a=1\n\f\n"), T("a=1\n  c  \n"), T("a=1\n ; \n  c\n"),
	T("a=\n  c\n#x\n  d\n"), T("k=v\n   \t\n  x ; y\n"), T("a=1\n\r c\n\x85" "c\n\x01" "c\n"),
	T("xa=1\n  c\n"), T("a=1\n  xc\nb=2\n"), T("k=v\r\n  \r\n  c\r\n"),
	/* line ends */
	T("k=v\r\nk2 = v2 \r\n"), T("k=v\rk2=v2\n"), T("k=v\r\r\n"), T("k=v\n\r"), T("\r"),
	/* byte order mark: the first line only */
	T("\xef\xbb\xbfk=v\n"), T("\xef\xbb\xbf k=v\n"), T("\xef\xbb\xbf[s]\nk=v\n\xef\xbb\xbfk=v\n"),
	T("\xef\xbbk=v\n"), T("\xef\xbb\xbf"), T("\xef\xbb\xbf\n  c\n"), T("\xef\xbb\xbf;c\nk=v\n"),
	/* NUL bytes and bytes that are not UTF-8 */
	T("k=v\0zz\nk2=v2\n"), T("\0k\nk2=v2\n"), T("k\0=v\n"), T("[a\0]\nk=v\n"), T("a=1\n \0c\n"),
	T("k=\xff\xa0v\xa0\n"), T("\xa0k=v\n"), T("k=v\x85\n"), T("\xe4\xb8\xad=\xe6\x96\x87\n"),
};

static void test_edges(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		same(edges[i].d, edges[i].n);
}

/* Every byte as the space around a value, inside a comment, and opening a continuation line. */
static void test_every_byte(void **state)
{
	char t[32];
	int b, n;

	(void)state;
	for (b = 1; b < 256; b++) {
		n = snprintf(t, sizeof(t), "k=%cv%c;%cx%c\n%cc%c\n", b, b, b, b, b, b);
		same(t, (size_t)n);
		n = snprintf(t, sizeof(t), "[%c]\n%c=%c\n", b, b, b);
		same(t, (size_t)n);
	}
}

/* Names, sections and lines around the lengths libinih keeps: 49-byte names, 199-byte lines. */
static void test_lengths(void **state)
{
	static const char *ends[] = { "\n", "\r\n", "", "\r", "x\n" };
	char t[FILE_MAX];
	size_t len, e;
	int n;

	(void)state;
	for (len = 45; len <= 55; len++) {
		n = snprintf(t, sizeof(t), "[%.*s]\n%.*s=v\n  c\n", (int)len,
			     "\xe4\xb8\xadSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS", (int)len,
			     "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn");
		same(t, (size_t)n);
	}
	for (len = 190; len <= 410; len++) {
		for (e = 0; e < sizeof(ends) / sizeof(ends[0]); e++) {
			memset(t, 'v', len);
			memcpy(t, "k=", 2);
			/* A key in the part past the buffer, and a space before it half the time. */
			if (len > 205)
				memcpy(t + 199 + (len & 1), " b=c", 4);
			n = snprintf(t + len, sizeof(t) - len, "%sx=1\n  c\n", ends[e]);
			same(t, len + (size_t)n);
		}
	}
}

/* ---- seeded random files ------------------------------------------- */

static uint64_t rng_state;

static uint32_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}

static unsigned below(unsigned n)
{
	return rng() % n;
}

struct text {
	char b[FILE_MAX];
	size_t n;
};

static void add(struct text *t, const char *s, size_t n)
{
	if (t->n + n > sizeof(t->b))
		n = sizeof(t->b) - t->n;
	memcpy(t->b + t->n, s, n);
	t->n += n;
}

static void adds(struct text *t, const char *s)
{
	add(t, s, strlen(s));
}

/* A few bytes a name or a value might hold, now and then one that trips a parser. */
static void word(struct text *t, unsigned max)
{
	static const char *bits[] = { "a", "x", "k", "key", "val", "1", "-", "_", " ", " ",
				      "\t", "=", ":", ";", " ;", "#", "[", "]", "\xe4\xb8\xad",
				      "\xef\xbb\xbf", "." };
	unsigned i, n = below(max + 1);
	char c;

	for (i = 0; i < n; i++) {
		if (below(40) == 0) {
			c = (char)below(256);
			add(t, &c, 1);
		} else {
			adds(t, bits[below(sizeof(bits) / sizeof(bits[0]))]);
		}
	}
}

static void space(struct text *t)
{
	static const char *sp[] = { "", "", " ", "  ", "\t", " \t", "\v", "\f", "\r" };

	adds(t, sp[below(sizeof(sp) / sizeof(sp[0]))]);
}

static void line(struct text *t)
{
	size_t len, i;
	char c;

	switch (below(12)) {
	case 0: /* empty or white */
		space(t);
		break;
	case 1: /* comment */
		space(t);
		adds(t, below(2) ? ";" : "#");
		word(t, 6);
		break;
	case 2: /* header */
		space(t);
		adds(t, "[");
		word(t, 3);
		adds(t, "]");
		if (below(3) == 0)
			word(t, 3);
		break;
	case 3: /* broken header */
		adds(t, "[");
		word(t, 4);
		break;
	case 4: /* name = value */
	case 5: /* name : value */
		space(t);
		word(t, 3);
		space(t);
		adds(t, below(2) ? "=" : ":");
		space(t);
		word(t, 5);
		space(t);
		break;
	case 6: /* continuation */
		adds(t, below(2) ? " " : "\t");
		space(t);
		word(t, 5);
		break;
	case 7: /* a value with an inline comment, with or without a space before it */
		word(t, 2);
		adds(t, "=");
		word(t, 3);
		adds(t, below(2) ? " ;" : ";");
		word(t, 3);
		break;
	case 8: /* long, around the 199 bytes libinih reads at once */
		len = 180 + below(50);
		adds(t, below(2) ? "k=" : " ");
		for (i = 0; i < len; i++)
			adds(t, below(30) ? "v" : below(2) ? " " : below(2) ? ";" : "=");
		break;
	case 9: /* stray bytes */
		for (i = below(8); i > 0; i--) {
			c = (char)below(256);
			add(t, &c, 1);
		}
		break;
	case 10: /* a name alone */
		word(t, 4);
		break;
	default: /* a plain key */
		adds(t, "key");
		word(t, 1);
		adds(t, " = value");
		break;
	}
	switch (below(8)) {
	case 0:
		adds(t, "\r\n");
		break;
	case 1:
		adds(t, "\r");
		break;
	default:
		adds(t, "\n");
		break;
	}
}

static void test_random(void **state)
{
	struct text t;
	unsigned i, lines;

	(void)state;
	rng_state = 0x75647062656e6368ULL;
	for (i = 0; i < RANDOM_FILES; i++) {
		t.n = 0;
		if (below(8) == 0)
			adds(&t, "\xef\xbb\xbf");
		for (lines = below(13); lines > 0; lines--)
			line(&t);
		if (t.n && below(4) == 0)
			t.n--; /* the last line without its end */
		same(t.b, t.n);
	}
}

/* The comparison saw work: keys, refusals and errors. */
static void test_counts(void **state)
{
	(void)state;
	print_message("%u texts compared, %u handler calls, %u runs ending in an error\n", st.texts,
		      st.calls, st.errors);
	assert_true(st.texts > RANDOM_FILES);
	assert_true(st.calls > RANDOM_FILES);
	assert_true(st.errors > RANDOM_FILES / 4);
}

static int teardown(void **state)
{
	(void)state;
	free(st.lib.b);
	free(st.w32.b);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenarios),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_counts),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
