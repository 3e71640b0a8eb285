#include "live/openmetrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/clock.h"

void ub_om_init(struct ub_om *o, enum ub_om_format fmt)
{
	memset(o, 0, sizeof(*o));
	o->fmt = fmt;
}

void ub_om_free(struct ub_om *o)
{
	free(o->buf);
	o->buf = NULL;
	o->len = o->cap = 0;
}

/* Makes room for n more bytes and a NUL; 0, or -1 (o failed). */
static int room(struct ub_om *o, size_t n)
{
	size_t cap;
	char *b;

	if (o->failed)
		return -1;
	if (o->len + n + 1 <= o->cap)
		return 0;
	cap = o->cap ? o->cap : 4096;
	while (cap < o->len + n + 1)
		cap *= 2;
	b = realloc(o->buf, cap);
	if (!b) {
		o->failed = 1;
		return -1;
	}
	o->buf = b;
	o->cap = cap;
	return 0;
}

static void put(struct ub_om *o, const char *s, size_t n)
{
	if (room(o, n) < 0)
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void puts_(struct ub_om *o, const char *s)
{
	put(o, s, strlen(s));
}

/*
 * The length of the valid UTF-8 character at s (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0 when it is not one.
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;

		return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80
			       ? 4
			       : 0;
	}
	return 0;
}

/*
 * Writes text escaped: backslash and line feed always, the double quote
 * where quote is set; a byte that starts no valid UTF-8 character becomes
 * U+FFFD. (The checks above stop at the NUL: a cut character is invalid.)
 */
static void put_escaped(struct ub_om *o, const char *text, int quote)
{
	const unsigned char *s = (const unsigned char *)text;

	while (*s) {
		size_t n = utf8_len(s);

		if (*s == '\\')
			puts_(o, "\\\\");
		else if (*s == '\n')
			puts_(o, "\\n");
		else if (*s == '"' && quote)
			puts_(o, "\\\"");
		else if (!n)
			puts_(o, "\xEF\xBF\xBD");
		else
			put(o, (const char *)s, n);
		s += n ? n : 1;
	}
}

int ub_om_name_ok(const char *s)
{
	const char *p;

	if (!s || !*s || (*s >= '0' && *s <= '9'))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '_' || *p == ':'))
			return 0;
	return 1;
}

int ub_om_label_name_ok(const char *s)
{
	return ub_om_name_ok(s) && !strchr(s, ':') && strncmp(s, "__", 2) != 0;
}

static int ends_with(const char *s, const char *end)
{
	size_t a = strlen(s), b = strlen(end);

	return a > b && s[a - b - 1] == '_' && strcmp(s + a - b, end) == 0;
}

void ub_om_family(struct ub_om *o, const char *name, enum ub_om_type type, const char *unit,
		  const char *help)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };
	/* 0.0.4 names a counter's family as its sample: with _total */
	const char *total = type == UB_OM_COUNTER && o->fmt == UB_OM_TEXT ? "_total" : "";

	if (!ub_om_name_ok(name) || strlen(name) + 1 > sizeof(o->family) ||
	    (unit && (!ub_om_label_name_ok(unit) || !ends_with(name, unit))) ||
	    (type == UB_OM_COUNTER && ends_with(name, "total"))) {
		o->failed = 1;
		return;
	}
	snprintf(o->family, sizeof(o->family), "%s", name);
	o->type = type;
	puts_(o, "# HELP ");
	puts_(o, name);
	puts_(o, total);
	puts_(o, " ");
	put_escaped(o, help, o->fmt == UB_OM_OPENMETRICS);
	puts_(o, "\n# TYPE ");
	puts_(o, name);
	puts_(o, total);
	puts_(o, " ");
	puts_(o, types[type]);
	puts_(o, "\n");
	if (unit && o->fmt == UB_OM_OPENMETRICS) {
		puts_(o, "# UNIT ");
		puts_(o, name);
		puts_(o, " ");
		puts_(o, unit);
		puts_(o, "\n");
	}
}

/* NAME SUFFIX{labels[,extra="value"]} VALUE */
static void sample(struct ub_om *o, const char *suffix, const struct ub_om_label *l, unsigned n,
		   const char *extra, const char *extra_value, const char *value)
{
	unsigned i, put_any = 0;

	if (!o->family[0]) {
		o->failed = 1;
		return;
	}
	puts_(o, o->family);
	puts_(o, suffix);
	for (i = 0; i <= n; i++) {
		const char *name = i < n ? l[i].name : extra, *v = i < n ? l[i].value : extra_value;

		if (!name || !v || !*v)
			continue;
		if (!ub_om_label_name_ok(name)) {
			o->failed = 1;
			return;
		}
		puts_(o, put_any++ ? "," : "{");
		puts_(o, name);
		puts_(o, "=\"");
		put_escaped(o, v, 1);
		puts_(o, "\"");
	}
	if (put_any)
		puts_(o, "}");
	puts_(o, " ");
	puts_(o, value);
	puts_(o, "\n");
}

static const char *u64_text(char *buf, size_t n, uint64_t v)
{
	snprintf(buf, n, "%llu", (unsigned long long)v);
	return buf;
}

/* Nanoseconds as seconds in decimal, exactly ("-0.000500000"); no locale reaches it. */
static const char *ns_text(char *buf, size_t n, int64_t ns)
{
	uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;

	snprintf(buf, n, "%s%llu.%09llu", ns < 0 ? "-" : "", (unsigned long long)(a / UB_NS_PER_S),
		 (unsigned long long)(a % UB_NS_PER_S));
	return buf;
}

void ub_om_counter(struct ub_om *o, const struct ub_om_label *l, unsigned n, uint64_t v)
{
	char b[32];

	if (o->type != UB_OM_COUNTER)
		o->failed = 1;
	sample(o, "_total", l, n, NULL, NULL, u64_text(b, sizeof(b), v));
}

void ub_om_gauge(struct ub_om *o, const struct ub_om_label *l, unsigned n, uint64_t v)
{
	char b[32];

	if (o->type != UB_OM_GAUGE)
		o->failed = 1;
	sample(o, "", l, n, NULL, NULL, u64_text(b, sizeof(b), v));
}

void ub_om_gauge_ns(struct ub_om *o, const struct ub_om_label *l, unsigned n, int64_t ns)
{
	char b[40];

	if (o->type != UB_OM_GAUGE)
		o->failed = 1;
	sample(o, "", l, n, NULL, NULL, ns_text(b, sizeof(b), ns));
}

void ub_om_histogram(struct ub_om *o, const struct ub_om_label *l, unsigned n,
		     const char *const *le, const uint64_t *cum, unsigned nb, uint64_t count,
		     uint64_t sum_ns)
{
	char b[40];
	unsigned i;

	if (o->type != UB_OM_HISTOGRAM)
		o->failed = 1;
	for (i = 0; i < nb; i++) {
		/* cumulative: a bucket never holds fewer than the one below it, nor more than all */
		if ((i && cum[i] < cum[i - 1]) || cum[i] > count)
			o->failed = 1;
		sample(o, "_bucket", l, n, "le", le[i], u64_text(b, sizeof(b), cum[i]));
	}
	sample(o, "_bucket", l, n, "le", "+Inf", u64_text(b, sizeof(b), count));
	sample(o, "_count", l, n, NULL, NULL, u64_text(b, sizeof(b), count));
	sample(o, "_sum", l, n, NULL, NULL, ns_text(b, sizeof(b), (int64_t)sum_ns));
}

char *ub_om_finish(struct ub_om *o, size_t *len)
{
	char *text;

	if (o->fmt == UB_OM_OPENMETRICS)
		puts_(o, "# EOF\n");
	else if (!o->failed && !o->buf)
		put(o, "", 0);
	if (o->failed) {
		ub_om_free(o);
		return NULL;
	}
	text = o->buf;
	*len = o->len;
	o->buf = NULL;
	o->len = o->cap = 0;
	return text;
}

const char *ub_om_content_type(enum ub_om_format fmt)
{
	return fmt == UB_OM_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
					: "text/plain; version=0.0.4; charset=utf-8";
}

/* Skips spaces and tabs. */
static const char *skip_ws(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

/* q as thousandths (RFC 9110 §12.4.2: 0, 1 or 0.DDD); -1 when it is none of those. */
static int qvalue(const char *s, const char *end)
{
	int v = 0, digits = 0;

	if (s >= end || (*s != '0' && *s != '1'))
		return -1;
	v = (*s++ - '0') * 1000;
	if (s < end && *s == '.')
		for (s++; s < end && *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
			v += (*s - '0') * (digits == 0 ? 100 : digits == 1 ? 10 : 1);
	s = skip_ws(s, end);
	return s == end && v <= 1000 ? v : -1;
}

/* Whether [s, end) is word, ignoring case. */
static int is_word(const char *s, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - s) == n && strncasecmp(s, word, n) == 0;
}

/*
 * One media range of an Accept header, [s, end): sets *which (1 OpenMetrics,
 * 0 the text format or a wildcard, -1 neither) and returns its q (thousandths).
 */
static int media_range(const char *s, const char *end, int *which)
{
	const char *semi = memchr(s, ';', (size_t)(end - s)), *type_end;
	int q = 1000, om;

	s = skip_ws(s, end);
	type_end = semi ? semi : end;
	while (type_end > s && (type_end[-1] == ' ' || type_end[-1] == '\t'))
		type_end--;
	om = is_word(s, type_end, "application/openmetrics-text");
	*which = om ? 1
		 : is_word(s, type_end, "text/plain") || is_word(s, type_end, "text/*") ||
				 is_word(s, type_end, "*/*")
			 ? 0
			 : -1;
	while (semi) {
		const char *p = skip_ws(semi + 1, end), *eq, *pend;

		semi = memchr(p, ';', (size_t)(end - p));
		pend = semi ? semi : end;
		eq = memchr(p, '=', (size_t)(pend - p));
		if (!eq)
			continue;
		if (is_word(p, eq, "q"))
			q = qvalue(skip_ws(eq + 1, pend), pend);
		else if (is_word(p, eq, "version") && *which >= 0) {
			const char *v = skip_ws(eq + 1, pend), *vend = pend;

			while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
				vend--;
			/* the versions written here; another version of either is not this text */
			if (!is_word(v, vend, om ? "1.0.0" : "0.0.4"))
				*which = -1;
		}
	}
	return q;
}

enum ub_om_format ub_om_negotiate(const char *accept)
{
	int best_om = -1, best_text = -1;
	const char *s = accept;

	if (!accept)
		return UB_OM_TEXT;
	while (*s) {
		const char *end = strchr(s, ',');
		int which, q;

		if (!end)
			end = s + strlen(s);
		q = media_range(s, end, &which);
		if (which == 1 && q > best_om)
			best_om = q;
		else if (which == 0 && q > best_text)
			best_text = q;
		s = *end ? end + 1 : end;
	}
	return best_om > 0 && best_om >= best_text ? UB_OM_OPENMETRICS : UB_OM_TEXT;
}
