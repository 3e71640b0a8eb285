#include "relay/impair.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/units.h"

#define NS_PER_S 1000000000LL
#define UB_PI 3.14159265358979323846

/*
 * Randomness: xoshiro256** (Blackman and Vigna, 2018), one generator per
 * kind of decision, its 256-bit state filled by splitmix64 from a key made
 * of (seed, flow, direction, kind). Both are small, fast, and have no
 * state shared with libc, so a run repeats on any machine.
 */
enum stream { S_LOSS, S_BURST, S_DUP, S_DELAY, S_REORDER, S_COUNT };

struct rng {
	uint64_t s[4];
};

/* The bottleneck at --rate: a model's own, or one that several share. */
struct ub_impair_link {
	int64_t *depart;   /* ring: when each packet at the link has left it */
	uint32_t ring_cap; /* queue + 1: the one on the wire and those waiting */
	uint32_t ring_head, ring_n;
};

struct ub_impair {
	struct ub_impair_config cfg;
	struct rng rng[S_COUNT];
	int ge_bad;        /* Gilbert-Elliott state: 0 good, 1 bad */
	int64_t last_emit; /* fifo: when the last packet let through leaves; INT64_MIN none yet */
	struct ub_impair_link own;
	struct ub_impair_link *link; /* &own, or a shared one (ub_impair_share) */
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, 1) with 53 random bits. */
static double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static void rng_seed(struct rng *r, uint64_t seed, uint32_t flow, enum ub_dir dir, int kind)
{
	uint64_t x = seed;
	uint64_t key = splitmix64(&x);
	int i;

	/* Distinct (flow, dir, kind) give distinct keys: they occupy separate bits. */
	x = key ^ (((uint64_t)flow << 8) | ((uint64_t)dir << 4) | (uint64_t)kind);
	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

void ub_impair_config_init(struct ub_impair_config *c)
{
	memset(c, 0, sizeof(*c));
	c->jitter_dist = UB_JITTER_UNIFORM;
	c->ge_r = 1.0;  /* netem's defaults when only p is given */
	c->ge_1h = 1.0;
	c->queue = UB_IMPAIR_QUEUE_DEFAULT;
}

int ub_impair_config_active(const struct ub_impair_config *c)
{
	return c->loss > 0 || (c->ge && c->ge_p > 0) || (c->ge && c->ge_1k > 0) ||
	       c->delay_ns > 0 || c->jitter_ns > 0 || c->reorder > 0 || c->duplicate > 0 ||
	       c->rate_bps > 0;
}

/* A choice among names, the index being the enum's value: the option's words. */
struct choice {
	const char *const *names;
	int n;
};

static const char *const dist_names[] = { "uniform", "normal", "pareto" };
static const char *const model_names[] = { "independent", "fifo" };
#define CHOICE(names) { names, (int)(sizeof(names) / sizeof(names[0])) }
static const struct choice dists = CHOICE(dist_names);
static const struct choice models = CHOICE(model_names);

static const char *choice_name(const struct choice *c, int v)
{
	return v >= 0 && v < c->n ? c->names[v] : "?";
}

const char *ub_impair_jitter_name(enum ub_jitter_dist d)
{
	return choice_name(&dists, (int)d);
}

const char *ub_impair_delay_model_name(enum ub_delay_model m)
{
	return choice_name(&models, (int)m);
}

const char *ub_impair_dir_name(enum ub_dir d)
{
	return d == UB_DIR_UP ? "up" : "down";
}

const char *ub_impair_drop_name(enum ub_impair_drop d)
{
	switch (d) {
	case UB_IMPAIR_PASS:
		return "pass";
	case UB_IMPAIR_LOSS:
		return "loss";
	case UB_IMPAIR_BURST:
		return "burst";
	case UB_IMPAIR_QUEUE:
		return "queue";
	}
	return "?";
}

/* ---- parsing ---------------------------------------------------------- */

/*
 * A percentage needs its "%": netem reads a bare 0.05 as 0.05 %, most
 * people as 5 %, so a bare number other than 0 is refused rather than
 * guessed at.
 */
static int parse_percent(const char *opt, const char *s, double *out, struct ub_err *e)
{
	char *end;
	double v;

	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (!isdigit((unsigned char)s[0]) && s[0] != '.')
		return ub_err_set(e, UB_E_INVAL, 0, "--%s '%s': expected a percentage such as 5%%",
				  opt, s);
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		return ub_err_set(e, UB_E_INVAL, 0, "--%s '%s': expected a percentage such as 5%%",
				  opt, s);
	if (*end != '%' || end[1] != '\0')
		return ub_err_set(e, UB_E_INVAL, 0,
				  "--%s '%s': give a percentage with %%, such as 5%%", opt, s);
	if (v < 0 || v > 100)
		return ub_err_set(e, UB_E_INVAL, 0, "--%s '%s': must be between 0%% and 100%%", opt,
				  s);
	*out = v / 100.0;
	return 0;
}

/* A duration needs its unit here: ub_units reads a bare 20 as 20 s, tc as 20 us. */
static int parse_delay(const char *opt, const char *s, int64_t *out, struct ub_err *e)
{
	size_t n = strlen(s);
	struct ub_err sub;

	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (n == 0 || isdigit((unsigned char)s[n - 1]) || s[n - 1] == '.')
		return ub_err_set(e, UB_E_INVAL, 0, "--%s '%s': give a unit, such as 20ms", opt,
				  s);
	ub_err_clear(&sub);
	if (ub_units_duration(s, 0, UB_IMPAIR_DELAY_MAX, out, &sub) < 0)
		return ub_err_set(e, UB_E_INVAL, 0, "--%s: %s (0 to 60s)", opt, sub.msg);
	return 0;
}

struct rate_unit {
	const char *name;
	double bps; /* bits per second for one of this unit */
};

/* SI prefixes as tc(8), optionally with "/s": 1mbit = 1mbit/s = 10^6 bit/s. */
static const struct rate_unit rate_units[] = {
	{ "bit", 1 },     { "kbit", 1e3 },   { "mbit", 1e6 },   { "gbit", 1e9 },   { "tbit", 1e12 },
	{ "bit/s", 1 },   { "kbit/s", 1e3 }, { "mbit/s", 1e6 }, { "gbit/s", 1e9 }, { "tbit/s", 1e12 },
	{ NULL, 0 }
};

/*
 * tc reads "mbps" as megabytes per second, most people as megabits: the
 * same text would mean rates eight times apart, so it is refused with both
 * readings spelled out instead of being guessed at.
 */
static const char *const byte_units[] = { "bps", "kbps", "mbps", "gbps", "tbps", NULL };

#define RATE_MIN 1000.0   /* 1 kbit/s: a 1500-byte packet already takes 12 s */
#define RATE_MAX 1e12     /* 1 Tbit/s */

static int parse_rate(const char *opt, const char *s, uint64_t *bps, struct ub_err *e)
{
	const struct rate_unit *u;
	const char *const *b;
	char *end;
	double v;

	if (strcmp(s, "0") == 0) {
		*bps = 0;
		return 0;
	}
	if (!isdigit((unsigned char)s[0]) && s[0] != '.')
		return ub_err_set(e, UB_E_INVAL, 0, "--%s '%s': expected a rate such as 1mbit", opt,
				  s);
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v))
		return ub_err_set(e, UB_E_INVAL, 0, "--%s '%s': expected a rate such as 1mbit", opt,
				  s);
	for (b = byte_units; *b; b++)
		if (strcasecmp(end, *b) == 0)
			return ub_err_set(e, UB_E_INVAL, 0,
					  "--%s '%s': bits or bytes? Write %.*s%s for bits per "
					  "second (tc would read bytes: %g%s)",
					  opt, s, (int)(end - s), s, rate_units[b - byte_units].name,
					  v * 8, rate_units[b - byte_units].name);
	for (u = rate_units; u->name; u++)
		if (strcasecmp(end, u->name) == 0)
			break;
	if (!u->name)
		return ub_err_set(e, UB_E_INVAL, 0,
				  "--%s '%s': give the unit: bit, kbit, mbit or gbit (per second)",
				  opt, s);
	v *= u->bps;
	if (v < RATE_MIN || v > RATE_MAX)
		return ub_err_set(e, UB_E_INVAL, 0, "--%s '%s': must be between 1kbit and 1tbit",
				  opt, s);
	*bps = (uint64_t)llround(v);
	return 0;
}

int ub_impair_parse_rate(const char *s, uint64_t *bps, struct ub_err *e)
{
	return parse_rate("rate", s, bps, e);
}

/* netem's "loss gemodel p [r [1-h [1-k]]]", written p,r,1-h,1-k. */
static int parse_burst(const char *opt, const char *s, struct ub_impair_config *c,
		       struct ub_err *e)
{
	double v[4] = { 0, 1.0, 1.0, 0 }; /* netem's defaults: r 100%, 1-h 100%, 1-k 0% */
	char buf[128], *part, *save = NULL;
	int n = 0;

	if (strlen(s) >= sizeof(buf) || !*s)
		return ub_err_set(e, UB_E_INVAL, 0, "--%s '%s': expected p,r[,1-h[,1-k]]", opt, s);
	strcpy(buf, s);
	for (part = strtok_r(buf, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		if (n == 4)
			return ub_err_set(e, UB_E_INVAL, 0,
					  "--%s '%s': at most four values, p,r,1-h,1-k", opt, s);
		if (parse_percent(opt, part, &v[n], NULL) < 0)
			return ub_err_set(e, UB_E_INVAL, 0,
					  "--%s '%s': p,r[,1-h[,1-k]] are percentages 0%%..100%%, "
					  "such as 1%%,25%%",
					  opt, s);
		n++;
	}
	if (n == 0 || s[strlen(s) - 1] == ',' || strstr(s, ",,") || s[0] == ',')
		return ub_err_set(e, UB_E_INVAL, 0, "--%s '%s': expected p,r[,1-h[,1-k]]", opt, s);
	c->ge = 1;
	c->ge_p = v[0];
	c->ge_r = v[1];
	c->ge_1h = v[2];
	c->ge_1k = v[3];
	return 0;
}

/* One of c's names; the message lists them all ("uniform, normal or pareto"). */
static int parse_choice(const char *opt, const char *s, const struct choice *c, int *out,
			struct ub_err *e)
{
	char list[128];
	size_t n = 0;
	int i;

	for (i = 0; i < c->n; i++)
		if (strcmp(s, c->names[i]) == 0) {
			*out = i;
			return 0;
		}
	list[0] = '\0';
	for (i = 0; i < c->n && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
				      i == 0 ? "" : i == c->n - 1 ? " or " : ", ", c->names[i]);
	return ub_err_set(e, UB_E_INVAL, 0, "--%s '%s': must be %s", opt, s, list);
}

enum field {
	F_LOSS, F_BURST, F_DELAY, F_JITTER, F_DIST, F_MODEL, F_REORDER, F_DUP, F_RATE, F_QUEUE
};

static const struct {
	const char *name;
	enum field f;
} fields[] = {
	{ "loss", F_LOSS },       { "loss-burst", F_BURST }, { "delay", F_DELAY },
	{ "jitter", F_JITTER },   { "jitter-dist", F_DIST }, { "delay-model", F_MODEL },
	{ "reorder", F_REORDER }, { "duplicate", F_DUP },    { "rate", F_RATE },
	{ "queue", F_QUEUE },
};

/* Parses value for field f into the one config t (a scratch copy). */
static int set_field(struct ub_impair_config *t, enum field f, const char *opt, const char *value,
		     struct ub_err *e)
{
	struct ub_err sub;
	uint64_t q;
	int v, rc;

	switch (f) {
	case F_LOSS:
		return parse_percent(opt, value, &t->loss, e);
	case F_BURST:
		return parse_burst(opt, value, t, e);
	case F_DELAY:
		return parse_delay(opt, value, &t->delay_ns, e);
	case F_JITTER:
		return parse_delay(opt, value, &t->jitter_ns, e);
	case F_DIST:
		rc = parse_choice(opt, value, &dists, &v, e);
		if (rc < 0)
			return rc;
		t->jitter_dist = (enum ub_jitter_dist)v;
		return 0;
	case F_MODEL:
		rc = parse_choice(opt, value, &models, &v, e);
		if (rc < 0)
			return rc;
		t->delay_model = (enum ub_delay_model)v;
		return 0;
	case F_REORDER:
		return parse_percent(opt, value, &t->reorder, e);
	case F_DUP:
		return parse_percent(opt, value, &t->duplicate, e);
	case F_RATE:
		return parse_rate(opt, value, &t->rate_bps, e);
	case F_QUEUE:
		ub_err_clear(&sub);
		if (ub_units_count(value, 0, UB_IMPAIR_QUEUE_MAX, &q, &sub) < 0)
			return ub_err_set(e, UB_E_INVAL, 0, "--%s '%s': packets, 0..%d", opt, value,
					  UB_IMPAIR_QUEUE_MAX);
		t->queue = (uint32_t)q;
		return 0;
	}
	return ub_err_set(e, UB_E_INVAL, 0, "--%s: unknown impairment", opt);
}

int ub_impair_set(struct ub_impair_config *up, struct ub_impair_config *down, const char *name,
		  const char *value, struct ub_err *e)
{
	char base[32];
	size_t n, i;
	int to_up = 1, to_down = 1, rc;
	struct ub_impair_config t;

	if (!name || !value)
		return ub_err_set(e, UB_E_INVAL, 0, "impairment without a name or value");
	n = strlen(name);
	if (n >= sizeof(base))
		return ub_err_set(e, UB_E_INVAL, 0, "--%s %s: unknown impairment", name, value);
	memcpy(base, name, n + 1);
	if (n > 3 && strcmp(base + n - 3, "-up") == 0) {
		base[n - 3] = '\0';
		to_down = 0;
	} else if (n > 5 && strcmp(base + n - 5, "-down") == 0) {
		base[n - 5] = '\0';
		to_up = 0;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(base, fields[i].name) == 0)
			break;
	if (i == sizeof(fields) / sizeof(fields[0]))
		return ub_err_set(e, UB_E_INVAL, 0, "--%s %s: unknown impairment", name, value);

	/* Parse once into a scratch copy, then apply only the changed field. */
	t = to_up ? *up : *down;
	rc = set_field(&t, fields[i].f, name, value, e);
	if (rc < 0)
		return rc;
	if (to_up)
		*up = t;
	if (to_down) {
		struct ub_impair_config *d = down;

		switch (fields[i].f) {
		case F_LOSS:
			d->loss = t.loss;
			break;
		case F_BURST:
			d->ge = t.ge;
			d->ge_p = t.ge_p;
			d->ge_r = t.ge_r;
			d->ge_1h = t.ge_1h;
			d->ge_1k = t.ge_1k;
			break;
		case F_DELAY:
			d->delay_ns = t.delay_ns;
			break;
		case F_JITTER:
			d->jitter_ns = t.jitter_ns;
			break;
		case F_DIST:
			d->jitter_dist = t.jitter_dist;
			break;
		case F_MODEL:
			d->delay_model = t.delay_model;
			break;
		case F_REORDER:
			d->reorder = t.reorder;
			break;
		case F_DUP:
			d->duplicate = t.duplicate;
			break;
		case F_RATE:
			d->rate_bps = t.rate_bps;
			break;
		case F_QUEUE:
			d->queue = t.queue;
			break;
		}
	}
	return 0;
}

/* ---- the model -------------------------------------------------------- */

struct ub_impair *ub_impair_new(const struct ub_impair_config *c, uint64_t seed, uint32_t flow,
				enum ub_dir dir)
{
	struct ub_impair *m = calloc(1, sizeof(*m));
	int k;

	if (!m)
		return NULL;
	m->cfg = *c;
	if (m->cfg.queue > UB_IMPAIR_QUEUE_MAX)
		m->cfg.queue = UB_IMPAIR_QUEUE_MAX;
	m->last_emit = INT64_MIN;
	for (k = 0; k < S_COUNT; k++)
		rng_seed(&m->rng[k], seed, flow, dir, k);
	m->link = &m->own;
	if (m->cfg.rate_bps) {
		m->own.ring_cap = m->cfg.queue + 1;
		m->own.depart = calloc(m->own.ring_cap, sizeof(*m->own.depart));
		if (!m->own.depart) {
			free(m);
			return NULL;
		}
	}
	return m;
}

void ub_impair_free(struct ub_impair *m)
{
	if (!m)
		return;
	free(m->own.depart);
	free(m);
}

struct ub_impair_link *ub_impair_link_new(const struct ub_impair_config *c)
{
	struct ub_impair_link *k;

	if (!c->rate_bps)
		return NULL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->ring_cap = (c->queue > UB_IMPAIR_QUEUE_MAX ? UB_IMPAIR_QUEUE_MAX : c->queue) + 1;
	k->depart = calloc(k->ring_cap, sizeof(*k->depart));
	if (!k->depart) {
		free(k);
		return NULL;
	}
	return k;
}

void ub_impair_link_free(struct ub_impair_link *k)
{
	if (!k)
		return;
	free(k->depart);
	free(k);
}

void ub_impair_share(struct ub_impair *m, struct ub_impair_link *k)
{
	if (k && m->cfg.rate_bps)
		m->link = k;
}

/*
 * Gilbert-Elliott as netem's loss_gilb_ell() (sch_netem.c): the state the
 * packet finds decides its loss (1-k in good, 1-h in bad), and the
 * transition (p good->bad, r bad->good) is drawn first, for the next one.
 * Two draws every packet. Mean burst 1/r, stationary loss p/(p+r) with
 * 1-h = 100% and 1-k = 0.
 */
static int ge_lost(struct ub_impair *m)
{
	double u1 = rng_unit(&m->rng[S_BURST]);
	double u2 = rng_unit(&m->rng[S_BURST]);

	if (!m->ge_bad) {
		if (u1 < m->cfg.ge_p)
			m->ge_bad = 1;
		return u2 < m->cfg.ge_1k;
	}
	if (u1 < m->cfg.ge_r)
		m->ge_bad = 0;
	return u2 < m->cfg.ge_1h;
}

/*
 * Pareto with shape 3 (finite variance, a long right tail), shifted and
 * scaled to mean 0 and standard deviation 1, as netem's pareto table is
 * used: delay + jitter * x. Capped at 50 standard deviations (a tail
 * probability near 1e-5) so no packet is held for minutes.
 */
static double pareto_std(double u)
{
	const double mean = 1.5, sd = 0.86602540378443865; /* sqrt(3)/2 */
	double x = (pow(1.0 - u, -1.0 / 3.0) - mean) / sd;

	return x > 50.0 ? 50.0 : x;
}

/* Two draws every packet, whichever distribution, so the stream stays aligned. */
static int64_t draw_delay(struct ub_impair *m)
{
	const struct ub_impair_config *c = &m->cfg;
	double u1 = rng_unit(&m->rng[S_DELAY]);
	double u2 = rng_unit(&m->rng[S_DELAY]);
	double x = 0, d;

	if (c->jitter_ns > 0) {
		switch (c->jitter_dist) {
		case UB_JITTER_UNIFORM:
			x = 2.0 * u1 - 1.0; /* [-1, 1) */
			break;
		case UB_JITTER_NORMAL:
			/* Box-Muller; 1 - u1 is in (0, 1] so the log is finite. */
			x = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * UB_PI * u2);
			break;
		case UB_JITTER_PARETO:
			x = pareto_std(u1);
			break;
		}
	}
	d = (double)c->delay_ns + x * (double)c->jitter_ns;
	if (d < 0)
		d = 0; /* a packet cannot leave before it came */
	if (d > (double)(2 * UB_IMPAIR_DELAY_MAX))
		d = (double)(2 * UB_IMPAIR_DELAY_MAX);
	return (int64_t)llround(d);
}

/*
 * The bottleneck: a FIFO in front of a link of rate_bps. A packet arriving
 * while `queue` packets already wait behind the one being sent is dropped
 * (tail drop); otherwise it leaves when the link has sent everything before
 * it and then itself. This is where timing enters: the verdict depends on
 * arrival times, not on the generators.
 */
static int link_admit(struct ub_impair *m, int64_t now, size_t wire_bytes, int64_t *queue_ns)
{
	struct ub_impair_link *k = m->link;
	int64_t start, tx, last;
	uint32_t tail;

	while (k->ring_n > 0 && k->depart[k->ring_head] <= now) {
		k->ring_head = (k->ring_head + 1) % k->ring_cap;
		k->ring_n--;
	}
	if (k->ring_n >= k->ring_cap)
		return 0;
	last = k->ring_n ? k->depart[(k->ring_head + k->ring_n - 1) % k->ring_cap] : now;
	start = last > now ? last : now;
	tx = (int64_t)(((uint64_t)wire_bytes * 8u * (uint64_t)NS_PER_S) / m->cfg.rate_bps);
	tail = (k->ring_head + k->ring_n) % k->ring_cap;
	k->depart[tail] = start + tx;
	k->ring_n++;
	*queue_ns = start + tx - now;
	return 1;
}

/*
 * The order along the path: random loss, then the bottleneck queue, then
 * propagation delay with jitter, then duplication and reordering past the
 * bottleneck (so a copy costs no link time and travels with its original).
 * Under fifo a packet whose drawn delay would bring it out before the one
 * let through before it waits for that one instead: a station sends its
 * frames in order, and a slow one (retries, a busy channel) holds up
 * those behind it. No draw depends on that wait.
 */
int ub_impair_decide(struct ub_impair *m, int64_t now_ns, size_t wire_bytes,
		     struct ub_impair_decision *d)
{
	const struct ub_impair_config *c = &m->cfg;
	int bern, burst, dup, hold;
	int64_t delay;

	/* Every generator is drawn for every packet, dropped or not. */
	bern = rng_unit(&m->rng[S_LOSS]) < c->loss;
	burst = ge_lost(m) && c->ge;
	dup = rng_unit(&m->rng[S_DUP]) < c->duplicate;
	delay = draw_delay(m);
	hold = rng_unit(&m->rng[S_REORDER]) < c->reorder;

	memset(d, 0, sizeof(*d));
	if (bern || burst) {
		d->drop = bern ? UB_IMPAIR_LOSS : UB_IMPAIR_BURST;
		d->emit_ns = now_ns;
		return 0;
	}
	if (c->rate_bps && !link_admit(m, now_ns, wire_bytes, &d->queue_ns)) {
		d->drop = UB_IMPAIR_QUEUE;
		d->emit_ns = now_ns;
		return 0;
	}
	d->drop = UB_IMPAIR_PASS;
	d->copies = dup ? 2 : 1;
	d->hold = hold;
	d->emit_ns = now_ns + d->queue_ns + delay;
	if (c->delay_model == UB_DELAY_FIFO) {
		if (d->emit_ns < m->last_emit)
			d->emit_ns = m->last_emit;
		m->last_emit = d->emit_ns;
	}
	d->delay_ns = d->emit_ns - now_ns - d->queue_ns;
	return 0;
}
