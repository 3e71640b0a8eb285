/*
 * Fuzz target: one command-line value (the input up to its first NUL)
 * through every number parser: durations, counts and rates, sizes
 * (bench/units.c), and each impairment option of the link emulator
 * (ub_impair_set, bench/impair.c). Then ub_units_fmt_ns on a number taken
 * from the input, read back by the duration parser.
 *
 * What is checked: results stay in the range asked for, a narrower range
 * gives the same value or an error, numbers agree with a second,
 * exact reading of the text, and a failed call changes nothing.
 */
#include <string.h>

#include "fuzz.h"
#include "relay/impair.h"
#include "lib/units.h"

#define SENTINEL 0x5eed5eed5eed5eedULL

static void check_err(int rc, const struct ub_err *e)
{
	FUZZ_CHECK(rc == UB_E_INVAL || rc == UB_E_RANGE);
	FUZZ_CHECK(e->code == rc);
	FUZZ_CHECK(e->msg[0] != '\0');
	FUZZ_CHECK(memchr(e->msg, '\0', sizeof(e->msg)) != NULL);
}

/*
 * A second reading, in exact 128-bit arithmetic: "I[.F]UNIT" with up to 25
 * digits in all (10^25 times the largest unit still fits) is (I.F) * mult
 * ns (or octets, or packets). Durations round half up to whole ns; counts and sizes must be
 * whole. Returns 0 when s has that form, with *unit pointing at the unit.
 */
struct reading {
	unsigned __int128 num; /* I.F times 10^nf */
	unsigned __int128 den; /* 10^nf */
	const char *unit;
};

static int second_reading(const char *s, struct reading *r)
{
	size_t ni = strspn(s, "0123456789"), nf = 0, i;
	const char *p = s;

	if (ni > 25)
		return -1;
	r->num = 0;
	r->den = 1;
	for (i = 0; i < ni; i++)
		r->num = r->num * 10 + (unsigned)(*p++ - '0');
	if (*p == '.') {
		p++;
		nf = strspn(p, "0123456789");
		if (ni + nf > 25)
			return -1;
		for (i = 0; i < nf; i++) {
			r->num = r->num * 10 + (unsigned)(*p++ - '0');
			r->den *= 10;
		}
	}
	if (ni + nf == 0)
		return -1;
	r->unit = p;
	return 0;
}

/* rc and got of a whole-number parse over [0, max] of r times mult. */
static void expect_whole(int rc, uint64_t got, const struct reading *r, uint64_t mult,
			 uint64_t max)
{
	unsigned __int128 total = r->num * mult;
	unsigned __int128 q = total / r->den;

	if (q > max)
		FUZZ_CHECK(rc == UB_E_RANGE);
	else if (total % r->den)
		FUZZ_CHECK(rc == UB_E_INVAL);
	else
		FUZZ_CHECK(rc == 0 && got == (uint64_t)q);
}

static void durations(const char *s)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
		{ "", 1000000000ULL }, { "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 },
		{ "\xce\xbcs", 1000 }, { "ms", 1000000 }, { "s", 1000000000ULL },
		{ "m", 60000000000ULL }, { "min", 60000000000ULL }, { "h", 3600000000000ULL },
	};
	struct ub_err e;
	int64_t wide = (int64_t)SENTINEL, narrow = (int64_t)SENTINEL;
	struct reading r;
	unsigned __int128 total, q;
	int rc, rc2;
	size_t i;

	ub_err_clear(&e);
	rc = ub_units_duration(s, 0, INT64_MAX, &wide, &e);
	if (rc) {
		check_err(rc, &e);
		FUZZ_CHECK(wide == (int64_t)SENTINEL);
	} else {
		FUZZ_CHECK(wide >= 0);
	}
	/* The sender's --interval range. */
	ub_err_clear(&e);
	rc2 = ub_units_duration(s, 1000, 3600 * 1000000000LL, &narrow, &e);
	if (rc2) {
		check_err(rc2, &e);
		FUZZ_CHECK(narrow == (int64_t)SENTINEL);
		FUZZ_CHECK(rc || wide < 1000 || wide > 3600 * 1000000000LL);
	} else {
		FUZZ_CHECK(rc == 0 && narrow == wide);
	}
	if (second_reading(s, &r) != 0)
		return;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(r.unit, units[i].unit) != 0)
			continue;
		total = r.num * units[i].ns;
		q = total / r.den;
		if ((total % r.den) * 2 >= r.den)
			q++;
		if (q > INT64_MAX)
			FUZZ_CHECK(rc == UB_E_RANGE);
		else
			FUZZ_CHECK(rc == 0 && (uint64_t)wide == (uint64_t)q);
	}
}

static void counts_and_sizes(const char *s)
{
	static const struct {
		const char *unit;
		uint64_t mult;
	} count_units[] = {
		{ "", 1 }, { "k", 1000 }, { "K", 1000 }, { "M", 1000000 }, { "G", 1000000000 },
	}, size_units[] = {
		{ "", 1 }, { "B", 1 }, { "k", 1024 }, { "K", 1024 }, { "KiB", 1024 }, { "kB", 1000 },
		{ "M", 1048576 }, { "MiB", 1048576 }, { "MB", 1000000 }, { "G", 1073741824 },
		{ "GiB", 1073741824 }, { "GB", 1000000000 },
	};
	struct ub_err e;
	uint64_t count = SENTINEL, size = SENTINEL, narrow = SENTINEL;
	struct reading r;
	char unit[16];
	size_t i, n;
	int rc, rcs, rc2;

	ub_err_clear(&e);
	rc = ub_units_count(s, 0, UINT64_MAX, &count, &e);
	if (rc) {
		check_err(rc, &e);
		FUZZ_CHECK(count == SENTINEL);
	}
	ub_err_clear(&e);
	rc2 = ub_units_count(s, 1, 1000, &narrow, &e);
	if (rc2) {
		check_err(rc2, &e);
		FUZZ_CHECK(narrow == SENTINEL);
		FUZZ_CHECK(rc || count < 1 || count > 1000);
	} else {
		FUZZ_CHECK(rc == 0 && narrow == count && count >= 1 && count <= 1000);
	}

	ub_err_clear(&e);
	rcs = ub_units_size(s, 0, UINT64_MAX, &size, &e);
	if (rcs) {
		check_err(rcs, &e);
		FUZZ_CHECK(size == SENTINEL);
	}
	narrow = SENTINEL;
	ub_err_clear(&e);
	rc2 = ub_units_size(s, 44, 1472, &narrow, &e);
	if (rc2) {
		check_err(rc2, &e);
		FUZZ_CHECK(narrow == SENTINEL);
		FUZZ_CHECK(rcs || size < 44 || size > 1472);
	} else {
		FUZZ_CHECK(rcs == 0 && narrow == size);
	}

	if (second_reading(s, &r) != 0)
		return;
	for (i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++)
		if (strcmp(r.unit, size_units[i].unit) == 0)
			expect_whole(rcs, size, &r, size_units[i].mult, UINT64_MAX);
	/* Rates may end in "/s" or "pps". */
	n = strlen(r.unit);
	if (n >= sizeof(unit))
		return;
	memcpy(unit, r.unit, n + 1);
	if (n >= 2 && strcmp(unit + n - 2, "/s") == 0)
		unit[n - 2] = '\0';
	else if (n >= 3 && strcmp(unit + n - 3, "pps") == 0)
		unit[n - 3] = '\0';
	for (i = 0; i < sizeof(count_units) / sizeof(count_units[0]); i++)
		if (strcmp(unit, count_units[i].unit) == 0)
			expect_whole(rc, count, &r, count_units[i].mult, UINT64_MAX);
}

static int cfg_equal(const struct ub_impair_config *a, const struct ub_impair_config *b)
{
	return a->loss == b->loss && a->ge == b->ge && a->ge_p == b->ge_p && a->ge_r == b->ge_r &&
	       a->ge_1h == b->ge_1h && a->ge_1k == b->ge_1k && a->delay_ns == b->delay_ns &&
	       a->jitter_ns == b->jitter_ns && a->jitter_dist == b->jitter_dist &&
	       a->delay_model == b->delay_model &&
	       a->reorder == b->reorder && a->duplicate == b->duplicate &&
	       a->rate_bps == b->rate_bps && a->queue == b->queue;
}

static int share(double p)
{
	return p >= 0.0 && p <= 1.0;
}

static void cfg_valid(const struct ub_impair_config *c)
{
	FUZZ_CHECK(share(c->loss) && share(c->reorder) && share(c->duplicate));
	FUZZ_CHECK(share(c->ge_p) && share(c->ge_r) && share(c->ge_1h) && share(c->ge_1k));
	FUZZ_CHECK(c->delay_ns >= 0 && c->delay_ns <= UB_IMPAIR_DELAY_MAX);
	FUZZ_CHECK(c->jitter_ns >= 0 && c->jitter_ns <= UB_IMPAIR_DELAY_MAX);
	FUZZ_CHECK(c->jitter_dist == UB_JITTER_UNIFORM || c->jitter_dist == UB_JITTER_NORMAL ||
		   c->jitter_dist == UB_JITTER_PARETO);
	FUZZ_CHECK(c->delay_model == UB_DELAY_INDEPENDENT || c->delay_model == UB_DELAY_FIFO);
	FUZZ_CHECK(c->rate_bps == 0 || (c->rate_bps >= 1000 && c->rate_bps <= 1000000000000ULL));
	FUZZ_CHECK(c->queue <= UB_IMPAIR_QUEUE_MAX);
}

/* One value for one impairment: both directions, then up and down one at a time. */
static void impairment(const char *name, const char *s)
{
	struct ub_impair_config up, down, up0, down0, up2, down2;
	char opt[40];
	struct ub_err e;
	int rc, rc_up, rc_down;
	uint64_t bps = SENTINEL;

	ub_impair_config_init(&up);
	ub_impair_config_init(&down);
	/* Start from something set, so a field that is wrongly copied shows. */
	down.delay_ns = 5000000;
	down.loss = 0.25;
	up0 = up;
	down0 = down;
	ub_err_clear(&e);
	rc = ub_impair_set(&up, &down, name, s, &e);
	if (rc) {
		FUZZ_CHECK(rc == UB_E_INVAL && e.code == rc && e.msg[0]);
		FUZZ_CHECK(cfg_equal(&up, &up0) && cfg_equal(&down, &down0));
	} else {
		cfg_valid(&up);
		cfg_valid(&down);
	}

	up2 = up0;
	down2 = down0;
	snprintf(opt, sizeof(opt), "%s-up", name);
	rc_up = ub_impair_set(&up2, &down2, opt, s, NULL);
	FUZZ_CHECK(rc_up == rc);
	FUZZ_CHECK(cfg_equal(&down2, &down0));
	snprintf(opt, sizeof(opt), "%s-down", name);
	rc_down = ub_impair_set(&up2, &down2, opt, s, NULL);
	FUZZ_CHECK(rc_down == rc);
	/* "name" sets both directions as "name-up" then "name-down" do. */
	FUZZ_CHECK(cfg_equal(&up, &up2) && cfg_equal(&down, &down2));

	if (strcmp(name, "rate") == 0) {
		rc = ub_impair_parse_rate(s, &bps, NULL);
		FUZZ_CHECK(rc == rc_up);
		FUZZ_CHECK(rc ? bps == SENTINEL : bps == up.rate_bps);
	}
}

static void impairments(const char *s)
{
	static const char *const names[] = {
		"loss", "loss-burst", "delay", "jitter", "jitter-dist",
		"delay-model", "reorder", "duplicate", "rate", "queue",
	};
	struct ub_impair_config up, down;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		impairment(names[i], s);
	/* The value as a name: unknown names are refused, never half-applied. */
	ub_impair_config_init(&up);
	ub_impair_config_init(&down);
	if (ub_impair_set(&up, &down, s, "1%", NULL) != 0) {
		struct ub_impair_config fresh;

		ub_impair_config_init(&fresh);
		FUZZ_CHECK(cfg_equal(&up, &fresh) && cfg_equal(&down, &fresh));
	}
}

/* ub_units_fmt_ns: three significant digits, so read back within half a percent. */
static void format(const uint8_t *d, size_t n)
{
	uint8_t b[8] = { 0 };
	char buf[32], small[4];
	uint64_t u = 0;
	int64_t ns, back;
	size_t i;
	int rc;

	memcpy(b, d, n < sizeof(b) ? n : sizeof(b));
	for (i = 0; i < sizeof(b); i++)
		u = u << 8 | b[i];
	memcpy(&ns, &u, sizeof(ns));
	FUZZ_CHECK(ub_units_fmt_ns(ns, buf, sizeof(buf)) == buf);
	FUZZ_CHECK(memchr(buf, '\0', sizeof(buf)) != NULL);
	FUZZ_CHECK(ub_units_fmt_ns(ns, small, sizeof(small)) == small);
	FUZZ_CHECK(memchr(small, '\0', sizeof(small)) != NULL);
	rc = ub_units_duration(buf, 0, INT64_MAX, &back, NULL);
	if (ns < 0) {
		FUZZ_CHECK(rc != 0);
		return;
	}
	if (ns > INT64_MAX / 2)
		return; /* rounded up, the text may name more than INT64_MAX ns */
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK((back > ns ? back - ns : ns - back) <= ns / 199 + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *s;

	s = malloc(n + 1);
	if (!s)
		return 0;
	memcpy(s, d, n);
	s[n] = '\0';
	durations(s);
	counts_and_sizes(s);
	impairments(s);
	format(d, n);
	free(s);
	return 0;
}
