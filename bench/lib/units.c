#include "lib/units.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A unit multiplies the number by c * 10^k. Keeping the power of ten apart
 * lets "1.5ms" or "2.5k" be computed in exact integers: the fraction digits
 * cancel against 10^k instead of going through binary floating point, where
 * 0.1 has no exact value and "whole" could not be decided reliably.
 */
struct unit {
	const char *name;
	uint64_t c;
	unsigned k;
};

static const struct unit duration_units[] = {
	{ "", 1, 9 },            /* a bare number is seconds, as ping's -i */
	{ "ns", 1, 0 },
	{ "us", 1, 3 },
	{ "\xc2\xb5s", 1, 3 },   /* U+00B5 MICRO SIGN */
	{ "\xce\xbcs", 1, 3 },   /* U+03BC GREEK SMALL LETTER MU, what CJK input methods give */
	{ "ms", 1, 6 },
	{ "s", 1, 9 },
	{ "m", 6, 10 },
	{ "min", 6, 10 },
	{ "h", 36, 11 },
	{ NULL, 0, 0 }
};

static const struct unit count_units[] = {
	{ "", 1, 0 },
	{ "k", 1, 3 },
	{ "K", 1, 3 },
	{ "M", 1, 6 },
	{ "G", 1, 9 },
	{ NULL, 0, 0 }
};

/* Binary prefixes for the bare letters: a "1k" buffer is 1024 bytes to most users. */
static const struct unit size_units[] = {
	{ "", 1, 0 },
	{ "B", 1, 0 },
	{ "k", 1024, 0 },
	{ "K", 1024, 0 },
	{ "KiB", 1024, 0 },
	{ "kB", 1, 3 },
	{ "M", 1048576, 0 },
	{ "MiB", 1048576, 0 },
	{ "MB", 1, 6 },
	{ "G", 1073741824, 0 },
	{ "GiB", 1073741824, 0 },
	{ "GB", 1, 9 },
	{ NULL, 0, 0 }
};

enum { ROUND_NEAREST, ROUND_EXACT };

/* The parsed magnitude before range checking. */
struct value {
	uint64_t v;
	int overflow; /* larger than UINT64_MAX */
	int inexact;  /* had a fraction that a whole result cannot hold */
};

static const uint64_t pow10_tab[] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
	100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL,
	1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
	1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
	1000000000000000000ULL, 10000000000000000000ULL
};

static int mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
	if (a && b > UINT64_MAX / a)
		return -1;
	*out = a * b;
	return 0;
}

static int add_u64(uint64_t a, uint64_t b, uint64_t *out)
{
	if (b > UINT64_MAX - a)
		return -1;
	*out = a + b;
	return 0;
}

static const struct unit *find_unit(const struct unit *tab, const char *name, size_t n)
{
	for (; tab->name; tab++) {
		if (strlen(tab->name) == n && memcmp(tab->name, name, n) == 0)
			return tab;
	}
	return NULL;
}

/* Most fraction digits whose integer value times c still fits in 64 bits. */
static unsigned frac_digit_cap(uint64_t c)
{
	unsigned d = 0;

	while (d + 1 < sizeof(pow10_tab) / sizeof(pow10_tab[0]) &&
	       pow10_tab[d + 1] - 1 <= UINT64_MAX / c)
		d++;
	return d;
}

/*
 * The integer digits d[0..n) times c * 10^k of unit u into *whole. Returns
 * 0, 1 when it passes UINT64_MAX, or -1 when the digits do not read.
 */
static int int_value(const char *d, size_t n, const struct unit *u, uint64_t *whole)
{
	uint64_t ipart = 0;
	char buf[32];
	char *end = NULL;

	/* Leading zeros carry no value; dropping them keeps long "0001" inputs exact. */
	while (n > 1 && d[0] == '0') {
		d++;
		n--;
	}
	if (n >= sizeof(buf))
		return 1;
	if (n) {
		memcpy(buf, d, n);
		buf[n] = '\0';
		errno = 0;
		ipart = strtoull(buf, &end, 10);
		if (errno == ERANGE)
			return 1;
		if (end != buf + n)
			return -1;
	}
	if (mul_u64(ipart, u->c, whole) || mul_u64(*whole, pow10_tab[u->k], whole))
		return 1;
	return 0;
}

/*
 * The fraction digits d[0..n) times c * 10^k of unit u into *frac, rounded
 * as mode says; *inexact is set when a non-zero part of it was dropped.
 * Returns 0, 1 when it passes UINT64_MAX, or -1 when the digits do not read.
 */
static int frac_value(const char *d, size_t n, const struct unit *u, int mode, uint64_t *frac,
		      int *inexact)
{
	uint64_t fpart, den, rem = 0;
	size_t i, nsig;
	char buf[32];
	char *end = NULL;
	unsigned cap, k = u->k;

	*frac = 0;
	/* Keep as many digits as fit next to c, note whether any dropped digit was non-zero. */
	cap = frac_digit_cap(u->c);
	nsig = n < cap ? n : cap;
	for (i = nsig; i < n; i++) {
		if (d[i] != '0')
			*inexact = 1;
	}
	if (!nsig)
		return 0;
	memcpy(buf, d, nsig);
	buf[nsig] = '\0';
	errno = 0;
	fpart = strtoull(buf, &end, 10);
	if (errno == ERANGE || end != buf + nsig)
		return -1;
	fpart *= u->c;
	if (nsig <= k)
		return mul_u64(fpart, pow10_tab[k - nsig], frac) ? 1 : 0;
	den = pow10_tab[nsig - k];
	*frac = fpart / den;
	rem = fpart % den;
	/* Round half away from zero: ties only arise at an exact .5 ns. */
	if (mode == ROUND_NEAREST && rem >= den - rem)
		(*frac)++;
	if (rem)
		*inexact = 1;
	return 0;
}

/*
 * Splits s into digits[.digits] and a unit suffix, and computes
 * (int + frac) * c * 10^k exactly. The suffix (after an optional rate tail
 * that the caller has already cut off) must name a unit in tab.
 * Returns 0, or UB_E_INVAL with the message set.
 */
static int parse_number(const char *s, size_t slen, const struct unit *tab, int mode,
			const char *unit_hint, struct value *val, struct ub_err *e)
{
	const char *p = s, *ustart;
	const struct unit *u;
	uint64_t whole, frac;
	size_t ni, nf = 0;
	int rc;

	memset(val, 0, sizeof(*val));
	if (slen == 0)
		return ub_err_set(e, UB_E_INVAL, 0, "empty value, expected a number");
	if (s[0] == '-' && s[1] != '\0' && strchr("0123456789.", s[1]))
		return ub_err_set(e, UB_E_INVAL, 0, "'%s' must not be negative", s);

	ni = strspn(p, "0123456789");
	p += ni;
	if (*p == '.') {
		p++;
		nf = strspn(p, "0123456789");
		p += nf;
	}
	if (ni + nf == 0)
		return ub_err_set(e, UB_E_INVAL, 0, "'%s' is not a number", s);
	ustart = p;
	u = find_unit(tab, ustart, slen - (size_t)(ustart - s));
	if (!u)
		return ub_err_set(e, UB_E_INVAL, 0, "'%s' has an unknown unit '%.*s' (use %s)",
				  s, (int)(slen - (size_t)(ustart - s)), ustart, unit_hint);
	rc = int_value(s, ni, u, &whole);
	if (rc == 0)
		rc = frac_value(ustart - nf, nf, u, mode, &frac, &val->inexact);
	if (rc < 0)
		return ub_err_set(e, UB_E_INVAL, 0, "'%s' is not a number", s);
	if (rc > 0 || add_u64(whole, frac, &val->v))
		val->overflow = 1;
	return 0;
}

/* Writes ns exactly in the largest unit that divides it: range bounds must not be rounded. */
static const char *fmt_exact_ns(int64_t ns, char *buf, size_t len)
{
	static const struct {
		int64_t div;
		const char *sfx;
	} u[] = {
		{ 3600000000000LL, "h" }, { 60000000000LL, "m" }, { 1000000000LL, "s" },
		{ 1000000LL, "ms" }, { 1000LL, "us" }, { 1LL, "ns" }
	};
	size_t i;

	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		if (ns != 0 && ns % u[i].div == 0)
			break;
	}
	if (i == sizeof(u) / sizeof(u[0]))
		i--;
	snprintf(buf, len, "%" PRId64 "%s", ns / u[i].div, u[i].sfx);
	return buf;
}

int ub_units_duration(const char *s, int64_t min_ns, int64_t max_ns, int64_t *out,
		      struct ub_err *e)
{
	struct value val;
	char lo[32], hi[32];
	int rc;

	if (!s || !out)
		return ub_err_set(e, UB_E_INVAL, 0, "missing value");
	rc = parse_number(s, strlen(s), duration_units, ROUND_NEAREST, "ns, us, ms, s, m, h",
			  &val, e);
	if (rc)
		return rc;
	if (val.overflow || val.v > (uint64_t)INT64_MAX || (int64_t)val.v < min_ns ||
	    (int64_t)val.v > max_ns)
		return ub_err_set(e, UB_E_RANGE, 0, "'%s' is out of range %s..%s", s,
				  fmt_exact_ns(min_ns, lo, sizeof(lo)),
				  fmt_exact_ns(max_ns, hi, sizeof(hi)));
	*out = (int64_t)val.v;
	return 0;
}

/* Shared by counts and sizes: whole numbers only, then the range. */
static int parse_whole(const char *s, size_t slen, const struct unit *tab, const char *hint,
		       uint64_t min, uint64_t max, uint64_t *out, struct ub_err *e)
{
	struct value val;
	int rc;

	rc = parse_number(s, slen, tab, ROUND_EXACT, hint, &val, e);
	if (rc)
		return rc;
	if (val.overflow || val.v < min || val.v > max)
		return ub_err_set(e, UB_E_RANGE, 0, "'%s' is out of range %" PRIu64 "..%" PRIu64,
				  s, min, max);
	if (val.inexact)
		return ub_err_set(e, UB_E_INVAL, 0, "'%s' is not a whole number", s);
	*out = val.v;
	return 0;
}

int ub_units_count(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		   struct ub_err *e)
{
	size_t n;

	if (!s || !out)
		return ub_err_set(e, UB_E_INVAL, 0, "missing value");
	n = strlen(s);
	/* Rates may say what they are; the tail carries no value. */
	if (n > 2 && strcmp(s + n - 2, "/s") == 0)
		n -= 2;
	else if (n > 3 && strcmp(s + n - 3, "pps") == 0)
		n -= 3;
	return parse_whole(s, n, count_units, "k, M, G", min, max, out, e);
}

int ub_units_size(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		  struct ub_err *e)
{
	if (!s || !out)
		return ub_err_set(e, UB_E_INVAL, 0, "missing value");
	return parse_whole(s, strlen(s), size_units, "k, KiB, kB, M, MiB, MB", min, max,
			   out, e);
}

const char *ub_units_fmt_ns(int64_t ns, char *buf, unsigned len)
{
	static const struct {
		double div;
		const char *sfx;
	} u[] = { { 1.0, "ns" }, { 1e3, "us" }, { 1e6, "ms" }, { 1e9, "s" } };
	const unsigned nu = sizeof(u) / sizeof(u[0]);
	uint64_t mag;
	double v;
	unsigned i = 0;
	int dec;
	char num[48];
	char *dot, *z;

	if (!buf || len == 0)
		return buf;
	mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	if (mag < 1000) {
		snprintf(buf, len, "%" PRId64 "ns", ns);
		return buf;
	}
	while (i + 1 < nu && (double)mag >= u[i + 1].div)
		i++;
	/*
	 * Three significant digits; if rounding carries into a fourth digit
	 * (999.7us) the value moves to the next unit (1ms).
	 */
	for (;;) {
		v = (double)mag / u[i].div;
		dec = 2;
		if (v * 100.0 + 0.5 >= 1000.0)
			dec = 1;
		if (v * 10.0 + 0.5 >= 1000.0)
			dec = 0;
		if (dec == 0 && v + 0.5 >= 1000.0 && i + 1 < nu) {
			i++;
			continue;
		}
		break;
	}
	snprintf(num, sizeof(num), "%.*f", dec, v);
	dot = strchr(num, '.');
	if (dot) {
		z = num + strlen(num) - 1;
		while (z > dot && *z == '0')
			*z-- = '\0';
		if (z == dot)
			*z = '\0';
	}
	snprintf(buf, len, "%s%s%s", ns < 0 ? "-" : "", num, u[i].sfx);
	return buf;
}
