/*
 * Fuzz target: what a scraper and a peers file hand the metrics. The input
 * up to its first NUL is an Accept header (bench/live/openmetrics.c's
 * negotiation); the rest is a label value, written as a board's name in
 * both formats.
 *
 * What is checked: negotiation gives one of the two formats and the same
 * one again; the text is valid UTF-8, its sample stays on one line with
 * its value inside one pair of quotes, and reading the value back (the
 * escapes undone) gives the input, every byte that starts no UTF-8
 * character replaced by U+FFFD.
 */
#include <string.h>

#include "fuzz.h"
#include "live/openmetrics.h"

/* Length of the valid UTF-8 character at s[0..n), or 0 (RFC 3629). */
static size_t utf8_char(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned long cp;

	if (c < 0x80)
		return 1;
	len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
	if (!len || len > n || c > 0xF4)
		return 0;
	cp = c & (0x3F >> (len - 1));
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* The value as the text must hold it once read back: invalid bytes as U+FFFD. */
static size_t expected(const unsigned char *v, size_t n, char *out)
{
	size_t i = 0, o = 0;

	while (i < n) {
		size_t k = utf8_char(v + i, n - i);

		if (!k) {
			memcpy(out + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		} else {
			memcpy(out + o, v + i, k);
			o += k;
			i += k;
		}
	}
	return o;
}

static void check_text(const char *text, size_t len, const char *want, size_t wn, int om)
{
	const char *p, *q, *end;
	char *got = malloc(len + 1);
	size_t g = 0, i;

	FUZZ_CHECK(got != NULL);
	for (i = 0; i < len; i += utf8_char((const unsigned char *)text + i, len - i))
		FUZZ_CHECK(utf8_char((const unsigned char *)text + i, len - i) > 0);
	p = strstr(text, "\nf_x{name=\"");
	FUZZ_CHECK(p != NULL);
	p += strlen("\nf_x{name=\"");
	end = strchr(p, '\n');
	FUZZ_CHECK(end != NULL);
	/* the value ends at the first quote no backslash escapes */
	for (q = p; q < end && *q != '"'; q++) {
		if (*q == '\\') {
			q++;
			FUZZ_CHECK(*q == '\\' || *q == '"' || *q == 'n');
			got[g++] = *q == 'n' ? '\n' : *q;
		} else {
			got[g++] = *q;
		}
	}
	FUZZ_CHECK(q < end && strncmp(q, "\"} 1\n", 5) == 0);
	FUZZ_CHECK(g == wn && memcmp(got, want, wn) == 0);
	FUZZ_CHECK(!om || strcmp(text + len - 6, "# EOF\n") == 0);
	free(got);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	const uint8_t *nul = memchr(d, 0, n);
	size_t an = nul ? (size_t)(nul - d) : n, vn = nul ? n - an - 1 : 0;
	char *accept = malloc(an + 1), *value = malloc(vn + 1), *want = malloc(3 * vn + 1);
	enum ub_om_format f;
	int om;

	FUZZ_CHECK(accept && value && want);
	memcpy(accept, d, an);
	accept[an] = '\0';
	f = ub_om_negotiate(accept);
	FUZZ_CHECK(f == UB_OM_TEXT || f == UB_OM_OPENMETRICS);
	FUZZ_CHECK(ub_om_negotiate(accept) == f);

	/* a C string ends at a NUL: the value is what comes before the next one */
	if (vn)
		memcpy(value, nul + 1, vn);
	value[vn] = '\0';
	vn = strlen(value);
	if (vn) {
		size_t wn = expected((const unsigned char *)value, vn, want);

		for (om = 0; om < 2; om++) {
			struct ub_om o;
			struct ub_om_label l = { "name", value };
			size_t len = 0;
			char *text;

			ub_om_init(&o, om ? UB_OM_OPENMETRICS : UB_OM_TEXT);
			ub_om_family(&o, "f_x", UB_OM_GAUGE, NULL, value);
			ub_om_gauge(&o, &l, 1, 1);
			text = ub_om_finish(&o, &len);
			FUZZ_CHECK(text != NULL);
			check_text(text, len, want, wn, om);
			free(text);
		}
	}
	free(accept);
	free(value);
	free(want);
	return 0;
}
