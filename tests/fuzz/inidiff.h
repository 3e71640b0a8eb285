/*
 * libinih (the Linux build's) and bench/lib/win32/ini.c (the Windows
 * build's, compiled in here as ub_ini_w32_parse_stream) run over the same
 * text, each leaving a trace of what it did: the num of every reader call,
 * every handler call (section, name, value) and the return value. Equal
 * traces mean the two read the text the same way. Shared by the ini_win32
 * fuzz target and unit test.
 */
#ifndef UB_INIDIFF_H
#define UB_INIDIFF_H

#include <ini.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ini_parse_stream ub_ini_w32_parse_stream
#include "bench/lib/win32/ini.c"
#undef ini_parse_stream

/* How the text reaches the parser. */
enum {
	INIDIFF_FGETS,  /* as fgets gives it */
	INIDIFF_LINES,  /* as scenarios/scenario.c's reader: lines counted, none past a long one */
	INIDIFF_CHUNKS, /* in pieces of 1 to num - 1 bytes, split anywhere */
	INIDIFF_READERS
};

struct inidiff_trace {
	char *b;
	size_t len, cap;
	int ret;
	unsigned calls; /* handler calls */
};

struct inidiff_run {
	const char *d;
	size_t n, at;
	int reader;
	int refuse;     /* the handler refuses names with an 'x' and every fifth call */
	unsigned calls; /* handler calls so far */
	unsigned lines; /* lines INIDIFF_LINES gave */
	int long_line;  /* INIDIFF_LINES met a line longer than the buffer */
	uint32_t chunk; /* INIDIFF_CHUNKS' piece sizes */
	struct inidiff_trace *t;
};

static void inidiff_put(struct inidiff_trace *t, const void *p, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2 + 256;
		t->b = realloc(t->b, t->cap);
		if (!t->b)
			abort();
	}
	memcpy(t->b + t->len, p, n);
	t->len += n;
}

static void inidiff_put_int(struct inidiff_trace *t, char tag, long v)
{
	char s[32];

	inidiff_put(t, s, (size_t)snprintf(s, sizeof(s), "%c%ld", tag, v) + 1);
}

static char *inidiff_read(char *str, int num, void *stream)
{
	struct inidiff_run *r = stream;
	size_t max = num > 1 ? (size_t)num - 1 : 0, k = 0;

	inidiff_put_int(r->t, 'R', num);
	if (r->long_line)
		return NULL;
	if (r->reader == INIDIFF_CHUNKS && max > 0) {
		r->chunk = r->chunk * 1103515245u + 12345u;
		max = 1 + (r->chunk >> 16) % max;
	}
	while (k < max && r->at < r->n) {
		str[k] = r->d[r->at++];
		if (str[k++] == '\n')
			break;
	}
	if (k == 0)
		return NULL;
	str[k] = '\0';
	r->lines++;
	/* A full buffer: only "\n", "\r\n" or the end may follow, else the line is too long. */
	if (r->reader == INIDIFF_LINES && k == max && str[k - 1] != '\n' && r->at < r->n) {
		if (r->d[r->at] == '\r')
			r->at++;
		if (r->at < r->n && r->d[r->at++] != '\n') {
			r->long_line = 1;
			return NULL;
		}
	}
	return str;
}

static int inidiff_handler(void *user, const char *section, const char *name, const char *value)
{
	struct inidiff_run *r = user;
	unsigned n = r->calls++;

	inidiff_put(r->t, "C", 2);
	inidiff_put(r->t, section, strlen(section) + 1);
	inidiff_put(r->t, name, strlen(name) + 1);
	inidiff_put(r->t, value, strlen(value) + 1);
	if (r->refuse && (strchr(name, 'x') || n % 5 == 3))
		return 0;
	/* Any value but 0 takes the key. */
	return n % 3 == 0 ? 1 : n % 3 == 1 ? -1 : 7;
}

static void inidiff_one(int (*parse)(ini_reader, void *, ini_handler, void *), const char *d,
			size_t n, int reader, int refuse, struct inidiff_trace *t)
{
	struct inidiff_run r = { d, n, 0, reader, refuse, 0, 0, 0, 1, t };

	t->len = 0;
	t->ret = parse(inidiff_read, &r, inidiff_handler, &r);
	inidiff_put_int(t, 'E', t->ret);
	inidiff_put_int(t, 'L', (long)r.lines);
	t->calls = r.calls;
}

/* Runs both parsers over d (n bytes, NULs allowed); returns 1 when their traces are equal. */
static int inidiff_same(const char *d, size_t n, int reader, int refuse, struct inidiff_trace *lib,
			struct inidiff_trace *w32)
{
	inidiff_one(ini_parse_stream, d, n, reader, refuse, lib);
	inidiff_one(ub_ini_w32_parse_stream, d, n, reader, refuse, w32);
	return lib->len == w32->len && memcmp(lib->b, w32->b, lib->len) == 0;
}

/* Writes n bytes of d to f, those outside printable ASCII (and \\) as \\xHH. */
static void inidiff_bytes(FILE *f, const char *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c < 0x20 || c > 0x7e || c == '\\')
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/* Writes t to f, one record a line: R num, C | section | name | value, E return, L lines. */
static void inidiff_print(FILE *f, const char *label, const struct inidiff_trace *t)
{
	size_t at = 0, n;
	int fields = 0; /* strings left in this record */

	fprintf(f, "%s:", label);
	while (at < t->len) {
		n = strlen(t->b + at);
		fputs(fields ? " | " : "\n  ", f);
		fields = fields ? fields - 1 : t->b[at] == 'C' ? 3 : 0;
		inidiff_bytes(f, t->b + at, n);
		at += n + 1;
	}
	fputc('\n', f);
}

/* Writes what differed to f: the input, the reader, the handler and both traces. */
static void inidiff_report(FILE *f, const char *d, size_t n, int reader, int refuse,
			   const struct inidiff_trace *lib, const struct inidiff_trace *w32)
{
	fputs("input: ", f);
	inidiff_bytes(f, d, n);
	fprintf(f, "\nreader %d, %s handler\n", reader, refuse ? "refusing" : "accepting");
	inidiff_print(f, "libinih", lib);
	inidiff_print(f, "bench/lib/win32/ini.c", w32);
}

#endif
