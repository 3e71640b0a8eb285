/*
 * Unit tests for bench/impair.c: the impairment model's statistics over
 * many seeded draws (bounds from the binomial and geometric distributions),
 * its determinism, the --rate queue's arithmetic, and the option parser.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/err.h"
#include "relay/impair.h"

#define MS 1000000LL
#define N_DRAWS 100000

static struct ub_impair_config cfg(void)
{
	struct ub_impair_config c;

	ub_impair_config_init(&c);
	return c;
}

/* Count of true outcomes of a Bernoulli(p) over n must lie within 5 standard deviations. */
static void assert_binomial(uint64_t got, uint64_t n, double p)
{
	double mean = (double)n * p, sd = sqrt((double)n * p * (1 - p));

	if (fabs((double)got - mean) > 5 * sd)
		fail_msg("%llu of %llu, expected %.0f +- %.0f", (unsigned long long)got,
			 (unsigned long long)n, mean, 5 * sd);
}

static void test_no_impairment_passes_everything(void **state)
{
	struct ub_impair_config c = cfg();
	struct ub_impair *m = ub_impair_new(&c, 1, 0, UB_DIR_UP);
	struct ub_impair_decision d;
	int i;

	(void)state;
	assert_non_null(m);
	assert_false(ub_impair_config_active(&c));
	for (i = 0; i < 1000; i++) {
		ub_impair_decide(m, i * MS, 72, &d);
		assert_int_equal(d.drop, UB_IMPAIR_PASS);
		assert_int_equal(d.copies, 1);
		assert_int_equal(d.delay_ns, 0);
		assert_int_equal(d.queue_ns, 0);
		assert_int_equal(d.emit_ns, i * MS);
		assert_false(d.hold);
	}
	ub_impair_free(m);
	ub_impair_free(NULL);
}

static void test_bernoulli_loss_rate(void **state)
{
	struct ub_impair_config c = cfg();
	struct ub_impair *m;
	struct ub_impair_decision d;
	uint64_t lost = 0;
	int i;

	(void)state;
	c.loss = 0.05;
	m = ub_impair_new(&c, 12345, 0, UB_DIR_UP);
	for (i = 0; i < N_DRAWS; i++) {
		ub_impair_decide(m, 0, 72, &d);
		if (d.drop) {
			assert_int_equal(d.drop, UB_IMPAIR_LOSS);
			assert_int_equal(d.copies, 0);
			lost++;
		}
	}
	assert_binomial(lost, N_DRAWS, 0.05);
	ub_impair_free(m);

	/* The ends: never and always. */
	c.loss = 0;
	m = ub_impair_new(&c, 1, 0, UB_DIR_UP);
	for (i = 0, lost = 0; i < 10000; i++) {
		ub_impair_decide(m, 0, 72, &d);
		lost += d.drop != 0;
	}
	assert_int_equal(lost, 0);
	ub_impair_free(m);
	c.loss = 1;
	m = ub_impair_new(&c, 1, 0, UB_DIR_UP);
	for (i = 0, lost = 0; i < 10000; i++) {
		ub_impair_decide(m, 0, 72, &d);
		lost += d.drop != 0;
	}
	assert_int_equal(lost, 10000);
	ub_impair_free(m);
}

/* Runs n packets through a Gilbert-Elliott model; returns the loss count and loss periods. */
static void ge_run(double p, double r, double one_h, double one_k, int n, uint64_t *lost,
		   uint64_t *bursts)
{
	struct ub_impair_config c = cfg();
	struct ub_impair *m;
	struct ub_impair_decision d;
	int i, prev = 0;

	c.ge = 1;
	c.ge_p = p;
	c.ge_r = r;
	c.ge_1h = one_h;
	c.ge_1k = one_k;
	m = ub_impair_new(&c, 777, 3, UB_DIR_DOWN);
	assert_non_null(m);
	*lost = *bursts = 0;
	for (i = 0; i < n; i++) {
		ub_impair_decide(m, 0, 72, &d);
		if (d.drop) {
			assert_int_equal(d.drop, UB_IMPAIR_BURST);
			(*lost)++;
			if (!prev)
				(*bursts)++;
		}
		prev = d.drop != 0;
	}
	ub_impair_free(m);
}

static void test_gilbert_elliott_netem_semantics(void **state)
{
	uint64_t lost, bursts;
	double mean_burst, rate;

	(void)state;
	/*
	 * netem "gemodel 1% 25%" (1-h 100 %, 1-k 0 %): bad lasts a geometric
	 * number of packets with mean 1/r = 4, and every one is lost; the
	 * chain spends p/(p+r) = 3.85 % of the packets in bad.
	 */
	ge_run(0.01, 0.25, 1.0, 0.0, 400000, &lost, &bursts);
	mean_burst = (double)lost / (double)bursts;
	rate = (double)lost / 400000.0;
	/* ~3000 bursts: the mean's standard error is 3.46/sqrt(3000) = 0.06 */
	assert_true(mean_burst > 3.7 && mean_burst < 4.3);
	assert_true(fabs(rate - 0.01 / 0.26) < 0.1 * 0.01 / 0.26);

	/* 1-h = 50 %: half the packets in bad are lost; the time in bad is unchanged. */
	ge_run(0.01, 0.25, 0.5, 0.0, 400000, &lost, &bursts);
	rate = (double)lost / 400000.0;
	assert_true(fabs(rate - 0.5 * 0.01 / 0.26) < 0.1 * 0.5 * 0.01 / 0.26);

	/* 1-k = 2 % with p = 0: never bad, so Bernoulli 2 % (netem's "Bernoulli" special case). */
	ge_run(0.0, 1.0, 1.0, 0.02, N_DRAWS, &lost, &bursts);
	assert_binomial(lost, N_DRAWS, 0.02);

	/* r = 100 %: bad lasts exactly one packet: losses never come two in a row. */
	ge_run(0.1, 1.0, 1.0, 0.0, N_DRAWS, &lost, &bursts);
	assert_int_equal(lost, bursts);
}

static void delay_stats(struct ub_impair_config *c, int n, double *mean, double *sd, int64_t *lo,
			int64_t *hi)
{
	struct ub_impair *m = ub_impair_new(c, 99, 0, UB_DIR_UP);
	struct ub_impair_decision d;
	double s = 0, s2 = 0;
	int i;

	assert_non_null(m);
	*lo = INT64_MAX;
	*hi = INT64_MIN;
	for (i = 0; i < n; i++) {
		ub_impair_decide(m, 1000 * MS, 72, &d);
		assert_int_equal(d.drop, UB_IMPAIR_PASS);
		assert_int_equal(d.emit_ns, 1000 * MS + d.delay_ns);
		s += (double)d.delay_ns;
		s2 += (double)d.delay_ns * (double)d.delay_ns;
		if (d.delay_ns < *lo)
			*lo = d.delay_ns;
		if (d.delay_ns > *hi)
			*hi = d.delay_ns;
	}
	*mean = s / n;
	*sd = sqrt(s2 / n - *mean * *mean);
	ub_impair_free(m);
}

static void test_delay_and_jitter_distributions(void **state)
{
	struct ub_impair_config c = cfg();
	double mean, sd;
	int64_t lo, hi;

	(void)state;
	c.delay_ns = 20 * MS;
	delay_stats(&c, 1000, &mean, &sd, &lo, &hi);
	assert_int_equal(lo, 20 * MS);
	assert_int_equal(hi, 20 * MS);

	/* uniform on [15, 25) ms: mean 20, sd 5/sqrt(3) */
	c.jitter_ns = 5 * MS;
	delay_stats(&c, N_DRAWS, &mean, &sd, &lo, &hi);
	assert_true(lo >= 15 * MS && hi <= 25 * MS);
	assert_true(lo < 15 * MS + MS / 10 && hi > 25 * MS - MS / 10);
	assert_true(fabs(mean - 20 * MS) < 0.05 * MS);
	assert_true(fabs(sd - 5 * MS / sqrt(3.0)) < 0.05 * MS);

	/* normal: mean 20, sd 5 */
	c.jitter_dist = UB_JITTER_NORMAL;
	delay_stats(&c, N_DRAWS, &mean, &sd, &lo, &hi);
	assert_true(fabs(mean - 20 * MS) < 0.1 * MS);
	assert_true(fabs(sd - 5 * MS) < 0.1 * MS);
	assert_true(lo < 5 * MS && hi > 35 * MS); /* 3 sd happen in 100k draws */

	/* pareto: mean 50, sd 5, bounded below at 50 - 5 * 0.577, a long right tail */
	c.delay_ns = 50 * MS;
	c.jitter_dist = UB_JITTER_PARETO;
	delay_stats(&c, N_DRAWS, &mean, &sd, &lo, &hi);
	assert_true(fabs(mean - 50 * MS) < 0.2 * MS);
	assert_true(fabs(sd - 5 * MS) < 1.0 * MS);
	assert_true(lo >= 50 * MS - 5 * MS * 0.5774 - 1 && lo < 47.2 * MS);
	assert_true(hi > 50 * MS + 5 * 5 * MS);
	assert_true(hi <= 50 * MS + 50 * 5 * MS);

	/* never negative: 1 ms +- 5 ms clamps at 0 */
	c.delay_ns = 1 * MS;
	c.jitter_dist = UB_JITTER_NORMAL;
	delay_stats(&c, 10000, &mean, &sd, &lo, &hi);
	assert_int_equal(lo, 0);
	assert_true(hi > 6 * MS);
}

static void test_duplicate_and_reorder_rates(void **state)
{
	struct ub_impair_config c = cfg();
	struct ub_impair *m;
	struct ub_impair_decision d;
	uint64_t dup = 0, held = 0;
	int i;

	(void)state;
	c.duplicate = 0.03;
	c.reorder = 0.08;
	m = ub_impair_new(&c, 2024, 0, UB_DIR_UP);
	for (i = 0; i < N_DRAWS; i++) {
		ub_impair_decide(m, 0, 72, &d);
		assert_int_equal(d.drop, UB_IMPAIR_PASS);
		assert_true(d.copies == 1 || d.copies == 2);
		dup += d.copies == 2;
		held += d.hold != 0;
	}
	assert_binomial(dup, N_DRAWS, 0.03);
	assert_binomial(held, N_DRAWS, 0.08);
	ub_impair_free(m);
}

static void fill(struct ub_impair_config *c)
{
	c->loss = 0.05;
	c->ge = 1;
	c->ge_p = 0.02;
	c->ge_r = 0.3;
	c->delay_ns = 10 * MS;
	c->jitter_ns = 3 * MS;
	c->jitter_dist = UB_JITTER_PARETO;
	c->duplicate = 0.02;
	c->reorder = 0.1;
}

/* Decisions of n packets as one comparable array. */
static void trace(const struct ub_impair_config *c, uint64_t seed, uint32_t flow, enum ub_dir dir,
		  struct ub_impair_decision *out, int n)
{
	struct ub_impair *m = ub_impair_new(c, seed, flow, dir);
	int i;

	assert_non_null(m);
	for (i = 0; i < n; i++)
		ub_impair_decide(m, i * MS, 72, &out[i]);
	ub_impair_free(m);
}

static int same_trace(const struct ub_impair_decision *a, const struct ub_impair_decision *b, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (a[i].drop != b[i].drop || a[i].copies != b[i].copies ||
		    a[i].delay_ns != b[i].delay_ns || a[i].hold != b[i].hold ||
		    a[i].emit_ns != b[i].emit_ns)
			return 0;
	return 1;
}

static void test_determinism(void **state)
{
	enum { N = 10000 };
	struct ub_impair_config c = cfg();
	struct ub_impair_decision *a = calloc(N, sizeof(*a)), *b = calloc(N, sizeof(*b));
	int i, lost_a = 0, lost_b = 0;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	fill(&c);
	trace(&c, 7, 0, UB_DIR_UP, a, N);
	trace(&c, 7, 0, UB_DIR_UP, b, N);
	assert_true(same_trace(a, b, N));
	trace(&c, 8, 0, UB_DIR_UP, b, N);
	assert_false(same_trace(a, b, N));
	trace(&c, 7, 1, UB_DIR_UP, b, N);
	assert_false(same_trace(a, b, N));
	trace(&c, 7, 0, UB_DIR_DOWN, b, N);
	assert_false(same_trace(a, b, N));

	/* Each decision has its own generator: adding a delay leaves the losses alone. */
	c.delay_ns = 0;
	c.jitter_ns = 0;
	c.duplicate = 0;
	trace(&c, 7, 0, UB_DIR_UP, b, N);
	for (i = 0; i < N; i++) {
		assert_int_equal(a[i].drop, b[i].drop);
		assert_int_equal(a[i].hold, b[i].hold);
		lost_a += a[i].drop != 0;
		lost_b += b[i].drop != 0;
	}
	assert_true(lost_a > 0 && lost_a == lost_b);
	free(a);
	free(b);
}

static void test_rate_queue(void **state)
{
	struct ub_impair_config c = cfg();
	struct ub_impair *m;
	struct ub_impair_decision d;
	const int64_t tx = 8 * MS; /* 1000 bytes at 1 Mbit/s */
	int i;

	(void)state;
	c.rate_bps = 1000000;
	c.queue = 3;
	c.delay_ns = 5 * MS;
	m = ub_impair_new(&c, 1, 0, UB_DIR_UP);
	assert_non_null(m);
	/* A burst at t = 0: one on the wire and three waiting, then tail drop. */
	for (i = 0; i < 4; i++) {
		ub_impair_decide(m, 0, 1000, &d);
		assert_int_equal(d.drop, UB_IMPAIR_PASS);
		assert_int_equal(d.queue_ns, (i + 1) * tx);
		assert_int_equal(d.emit_ns, (i + 1) * tx + 5 * MS);
	}
	ub_impair_decide(m, 0, 1000, &d);
	assert_int_equal(d.drop, UB_IMPAIR_QUEUE);
	assert_int_equal(d.copies, 0);
	ub_impair_decide(m, tx - 1, 1000, &d);
	assert_int_equal(d.drop, UB_IMPAIR_QUEUE);
	/* The first has left at 8 ms: room for one, behind the other three. */
	ub_impair_decide(m, tx, 1000, &d);
	assert_int_equal(d.drop, UB_IMPAIR_PASS);
	assert_int_equal(d.queue_ns, 4 * tx);
	ub_impair_decide(m, tx, 1000, &d);
	assert_int_equal(d.drop, UB_IMPAIR_QUEUE);
	/* Long after: an idle link sends at once, size by size. */
	ub_impair_decide(m, 1000 * MS, 500, &d);
	assert_int_equal(d.drop, UB_IMPAIR_PASS);
	assert_int_equal(d.queue_ns, 4 * MS);
	ub_impair_free(m);

	/* queue 0: only the packet on the wire, nothing waits. */
	c.queue = 0;
	m = ub_impair_new(&c, 1, 0, UB_DIR_UP);
	ub_impair_decide(m, 0, 1000, &d);
	assert_int_equal(d.drop, UB_IMPAIR_PASS);
	ub_impair_decide(m, 1, 1000, &d);
	assert_int_equal(d.drop, UB_IMPAIR_QUEUE);
	ub_impair_decide(m, tx, 1000, &d);
	assert_int_equal(d.drop, UB_IMPAIR_PASS);
	ub_impair_free(m);
}

/* ---- delay models --------------------------------------------------------- */

static const enum ub_jitter_dist all_dists[] = { UB_JITTER_UNIFORM, UB_JITTER_NORMAL,
						 UB_JITTER_PARETO };

/* Decisions of n packets arriving every gap_ns, as one comparable array. */
static void trace_at(const struct ub_impair_config *c, uint64_t seed, int64_t gap_ns,
		     struct ub_impair_decision *out, int n)
{
	struct ub_impair *m = ub_impair_new(c, seed, 0, UB_DIR_DOWN);
	int i;

	assert_non_null(m);
	for (i = 0; i < n; i++)
		ub_impair_decide(m, i * gap_ns, 72, &out[i]);
	ub_impair_free(m);
}

/* Packets let through that leave before the one let through before them. */
static int overtakes(const struct ub_impair_decision *d, int n)
{
	int64_t last = INT64_MIN;
	int i, k = 0;

	for (i = 0; i < n; i++) {
		if (d[i].drop != UB_IMPAIR_PASS)
			continue;
		k += d[i].emit_ns < last;
		last = d[i].emit_ns;
	}
	return k;
}

/* Two flows sharing one bottleneck wait for the same wire: one flow's burst delays the other. */
static void test_shared_wire(void **state)
{
	struct ub_impair_config c;
	struct ub_impair *a, *b, *alone;
	struct ub_impair_link *wire;
	struct ub_impair_decision d;
	int i;

	(void)state;
	ub_impair_config_init(&c);
	c.rate_bps = 1000000;
	c.queue = 10;
	assert_null(ub_impair_link_new(&(struct ub_impair_config){ .queue = 10 }));
	wire = ub_impair_link_new(&c);
	a = ub_impair_new(&c, 1, 0, UB_DIR_UP);
	b = ub_impair_new(&c, 1, 1, UB_DIR_UP);
	alone = ub_impair_new(&c, 1, 2, UB_DIR_UP);
	assert_non_null(wire);
	ub_impair_share(a, wire);
	ub_impair_share(b, wire);
	/* flow a fills the wire: 1250 bytes take 10 ms at 1 Mbit/s; ten wait, one more is dropped */
	for (i = 0; i < 11; i++) {
		assert_int_equal(ub_impair_decide(a, 0, 1250, &d), 0);
		assert_int_equal(d.drop, UB_IMPAIR_PASS);
		assert_int_equal(d.queue_ns, (int64_t)(i + 1) * 10000000);
	}
	assert_int_equal(ub_impair_decide(a, 0, 1250, &d), 0);
	assert_int_equal(d.drop, UB_IMPAIR_QUEUE);
	/* flow b finds the queue a left: full now, and behind all of it once a slot frees */
	assert_int_equal(ub_impair_decide(b, 0, 125, &d), 0);
	assert_int_equal(d.drop, UB_IMPAIR_QUEUE);
	assert_int_equal(ub_impair_decide(b, 10000000, 125, &d), 0);
	assert_int_equal(d.drop, UB_IMPAIR_PASS);
	assert_int_equal(d.queue_ns, 110000000 + 1000000 - 10000000);
	/* a model of its own is not held up by them */
	assert_int_equal(ub_impair_decide(alone, 10000000, 125, &d), 0);
	assert_int_equal(d.queue_ns, 1000000);
	ub_impair_free(a);
	ub_impair_free(b);
	ub_impair_free(alone);
	ub_impair_link_free(wire);
}

static void test_fifo_jitter_never_reorders(void **state)
{
	enum { N = 20000 };
	struct ub_impair_config c = cfg();
	struct ub_impair_decision *ind = calloc(N, sizeof(*ind)), *fifo = calloc(N, sizeof(*fifo));
	size_t k;
	int i;

	(void)state;
	assert_non_null(ind);
	assert_non_null(fifo);
	/* 20 ms +- 15 ms, a packet every 1 ms: independent delays overtake all the time. */
	c.delay_ns = 20 * MS;
	c.jitter_ns = 15 * MS;
	c.loss = 0.02;
	c.duplicate = 0.01;
	c.reorder = 0.01;
	for (k = 0; k < sizeof(all_dists) / sizeof(all_dists[0]); k++) {
		c.jitter_dist = all_dists[k];
		c.delay_model = UB_DELAY_INDEPENDENT;
		trace_at(&c, 31, MS, ind, N);
		c.delay_model = UB_DELAY_FIFO;
		trace_at(&c, 31, MS, fifo, N);
		if (overtakes(ind, N) < N / 20)
			fail_msg("%s: independent overtook only %d times", ub_impair_jitter_name(c.jitter_dist),
				 overtakes(ind, N));
		if (overtakes(fifo, N) != 0)
			fail_msg("%s: fifo overtook %d times", ub_impair_jitter_name(c.jitter_dist),
				 overtakes(fifo, N));
		for (i = 0; i < N; i++) {
			/* The other decisions are the independent model's, packet for packet. */
			assert_int_equal(fifo[i].drop, ind[i].drop);
			assert_int_equal(fifo[i].copies, ind[i].copies);
			assert_int_equal(fifo[i].hold, ind[i].hold);
			if (fifo[i].drop != UB_IMPAIR_PASS)
				continue;
			/* Never sooner than drawn: a packet only ever waits behind another. */
			assert_true(fifo[i].delay_ns >= ind[i].delay_ns);
			assert_int_equal(fifo[i].emit_ns, i * MS + fifo[i].queue_ns + fifo[i].delay_ns);
		}
	}
	free(ind);
	free(fifo);
}

static void test_fifo_sparse_delays_are_as_drawn(void **state)
{
	enum { N = 20000 };
	struct ub_impair_config c = cfg();
	struct ub_impair_decision *ind = calloc(N, sizeof(*ind)), *fifo = calloc(N, sizeof(*fifo));
	double mean;
	size_t k;
	int i;

	(void)state;
	assert_non_null(ind);
	assert_non_null(fifo);
	/*
	 * One packet a second against 30 ms +- 5 ms (pareto's cap: 30 + 250 ms):
	 * nothing is ever behind another, so fifo gives exactly the drawn
	 * delays, whose mean is --delay.
	 */
	c.delay_ns = 30 * MS;
	c.jitter_ns = 5 * MS;
	c.delay_model = UB_DELAY_FIFO;
	for (k = 0; k < sizeof(all_dists) / sizeof(all_dists[0]); k++) {
		c.jitter_dist = all_dists[k];
		trace_at(&c, 5, 1000 * MS, fifo, N);
		c.delay_model = UB_DELAY_INDEPENDENT;
		trace_at(&c, 5, 1000 * MS, ind, N);
		c.delay_model = UB_DELAY_FIFO;
		mean = 0;
		for (i = 0; i < N; i++) {
			assert_int_equal(fifo[i].delay_ns, ind[i].delay_ns);
			mean += (double)fifo[i].delay_ns / N;
		}
		/* The mean's standard error is 5 ms / sqrt(20000) = 0.035 ms. */
		if (fabs(mean - 30 * MS) > 0.2 * MS)
			fail_msg("%s: mean delay %.3f ms", ub_impair_jitter_name(c.jitter_dist),
				 mean / MS);
	}

	/* Packets 1 ms apart wait behind slow ones: on average longer than drawn. */
	c.jitter_dist = UB_JITTER_UNIFORM;
	trace_at(&c, 5, MS, fifo, N);
	mean = 0;
	for (i = 0; i < N; i++)
		mean += (double)fifo[i].delay_ns / N;
	assert_true(mean > 31 * MS);
	free(ind);
	free(fifo);
}

static void test_fifo_determinism(void **state)
{
	enum { N = 10000 };
	struct ub_impair_config c = cfg();
	struct ub_impair_decision *a = calloc(N, sizeof(*a)), *b = calloc(N, sizeof(*b));

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	fill(&c);
	trace(&c, 7, 0, UB_DIR_UP, a, N);
	assert_true(overtakes(a, N) > 0);
	c.delay_model = UB_DELAY_FIFO;
	trace(&c, 7, 0, UB_DIR_UP, a, N);
	trace(&c, 7, 0, UB_DIR_UP, b, N);
	assert_true(same_trace(a, b, N));
	assert_int_equal(overtakes(a, N), 0);
	trace(&c, 8, 0, UB_DIR_UP, b, N);
	assert_false(same_trace(a, b, N));
	trace(&c, 7, 0, UB_DIR_DOWN, b, N);
	assert_false(same_trace(a, b, N));
	free(a);
	free(b);
}

/* FNV-1a over every field of n decisions. */
static uint64_t trace_hash(const struct ub_impair_decision *d, int n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	int64_t v[6];
	int i, j, k;

	for (i = 0; i < n; i++) {
		v[0] = d[i].drop;
		v[1] = d[i].copies;
		v[2] = d[i].queue_ns;
		v[3] = d[i].delay_ns;
		v[4] = d[i].emit_ns;
		v[5] = d[i].hold;
		for (j = 0; j < 6; j++)
			for (k = 0; k < 64; k += 8) {
				h ^= (uint64_t)v[j] >> k & 0xff;
				h *= 0x100000001b3ULL;
			}
	}
	return h;
}

static void test_independent_decisions_are_unchanged(void **state)
{
	/*
	 * The decisions the independent model made before fifo existed, for
	 * every jitter distribution and with the --rate queue: the default
	 * model, and so every seeded figure measured with it, stays as it was.
	 */
	static const uint64_t golden[] = {
		0x324ab0d3c850cfbcULL, 0x440d1cf4e59e5e56ULL,
		0xe9258ecfe3aa289aULL, 0x9cc8bf0913c06acfULL,
	};
	enum { N = 5000 };
	struct ub_impair_config c = cfg();
	struct ub_impair_decision *d = calloc(N, sizeof(*d));
	struct ub_impair *m;
	size_t k;
	int i;

	(void)state;
	assert_non_null(d);
	fill(&c);
	for (k = 0; k < sizeof(golden) / sizeof(golden[0]); k++) {
		c.jitter_dist = all_dists[k % 3];
		if (k == 3) {
			c.rate_bps = 1000000;
			c.queue = 5;
		}
		m = ub_impair_new(&c, 2026 + k, 3, UB_DIR_UP);
		assert_non_null(m);
		/* Irregular arrivals, sometimes faster than the link. */
		for (i = 0; i < N; i++)
			ub_impair_decide(m, i * MS + (i % 7) * 300000, 100 + (size_t)(i % 13) * 100, &d[i]);
		ub_impair_free(m);
		if (trace_hash(d, N) != golden[k])
			fail_msg("trace %zu: 0x%016llx, was 0x%016llx", k,
				 (unsigned long long)trace_hash(d, N), (unsigned long long)golden[k]);
	}
	free(d);
}

static void test_fifo_behind_the_rate_queue(void **state)
{
	enum { N = 4000 };
	struct ub_impair_config c = cfg();
	struct ub_impair_decision *ind = calloc(N, sizeof(*ind)), *fifo = calloc(N, sizeof(*fifo));
	int i, qdrops = 0;

	(void)state;
	assert_non_null(ind);
	assert_non_null(fifo);
	/* 1000 bytes every 5 ms offered to 1 Mbit/s (8 ms each): the queue fills and drops. */
	c.rate_bps = 1000000;
	c.queue = 8;
	c.delay_ns = 10 * MS;
	c.jitter_ns = 10 * MS;
	for (i = 0; i < 2; i++) {
		struct ub_impair_decision *out = i ? fifo : ind;
		struct ub_impair *m;
		int j;

		c.delay_model = i ? UB_DELAY_FIFO : UB_DELAY_INDEPENDENT;
		m = ub_impair_new(&c, 9, 0, UB_DIR_UP);
		assert_non_null(m);
		for (j = 0; j < N; j++)
			ub_impair_decide(m, j * 5 * MS, 1000, &out[j]);
		ub_impair_free(m);
	}
	for (i = 0; i < N; i++) {
		/* The queue is ahead of the delay: the same drops and the same waits for the link. */
		assert_int_equal(fifo[i].drop, ind[i].drop);
		assert_int_equal(fifo[i].queue_ns, ind[i].queue_ns);
		qdrops += fifo[i].drop == UB_IMPAIR_QUEUE;
	}
	assert_true(qdrops > N / 4);
	assert_true(overtakes(ind, N) > 0);
	assert_int_equal(overtakes(fifo, N), 0);
	free(ind);
	free(fifo);
}

/* ---- the parser --------------------------------------------------------- */

static void expect_ok(struct ub_impair_config *up, struct ub_impair_config *down, const char *name,
		      const char *value)
{
	struct ub_err e;

	ub_err_clear(&e);
	if (ub_impair_set(up, down, name, value, &e) != 0)
		fail_msg("--%s %s refused: %s", name, value, e.msg);
}

static void expect_bad(const char *name, const char *value)
{
	struct ub_impair_config up = cfg(), down = cfg(), up0 = cfg(), down0 = cfg();
	struct ub_err e;

	ub_err_clear(&e);
	if (ub_impair_set(&up, &down, name, value, &e) != UB_E_INVAL)
		fail_msg("--%s %s accepted", name, value);
	/* The message names the option and the value, and nothing changed. */
	if (!strstr(e.msg, name) || !strstr(e.msg, value))
		fail_msg("--%s %s: message '%s'", name, value, e.msg);
	assert_memory_equal(&up, &up0, sizeof(up));
	assert_memory_equal(&down, &down0, sizeof(down));
}

static void test_parse_percentages(void **state)
{
	struct ub_impair_config up = cfg(), down = cfg();

	(void)state;
	expect_ok(&up, &down, "loss", "5%");
	assert_true(fabs(up.loss - 0.05) < 1e-12 && fabs(down.loss - 0.05) < 1e-12);
	expect_ok(&up, &down, "loss-up", "0.5%");
	assert_true(fabs(up.loss - 0.005) < 1e-12 && fabs(down.loss - 0.05) < 1e-12);
	expect_ok(&up, &down, "loss-down", "100%");
	assert_true(fabs(up.loss - 0.005) < 1e-12 && down.loss == 1.0);
	expect_ok(&up, &down, "loss", "0");
	assert_true(up.loss == 0 && down.loss == 0);
	expect_ok(&up, &down, "duplicate-up", "1%");
	expect_ok(&up, &down, "reorder-down", "10%");
	assert_true(fabs(up.duplicate - 0.01) < 1e-12 && down.duplicate == 0);
	assert_true(up.reorder == 0 && fabs(down.reorder - 0.1) < 1e-12);

	expect_bad("loss", "120%");
	expect_bad("loss", "-1%");
	expect_bad("loss", "abc");
	expect_bad("loss", "5");    /* netem would read 5 %, most people 5: refused */
	expect_bad("loss", "0.05"); /* ambiguous the other way round */
	expect_bad("loss", "5%x");
	expect_bad("loss", "nan%");
	expect_bad("loss", "");
	expect_bad("reorder-up", "101%");
	expect_bad("duplicate-down", "x");
}

static void test_parse_loss_burst(void **state)
{
	struct ub_impair_config up = cfg(), down = cfg();

	(void)state;
	/* netem's order and defaults: p [r [1-h [1-k]]], r 100 %, 1-h 100 %, 1-k 0 % */
	expect_ok(&up, &down, "loss-burst-up", "1%");
	assert_true(up.ge && fabs(up.ge_p - 0.01) < 1e-12 && up.ge_r == 1.0);
	assert_true(up.ge_1h == 1.0 && up.ge_1k == 0.0 && !down.ge);
	expect_ok(&up, &down, "loss-burst", "1%,25%,80%,0.1%");
	assert_true(down.ge && fabs(down.ge_p - 0.01) < 1e-12 && fabs(down.ge_r - 0.25) < 1e-12);
	assert_true(fabs(down.ge_1h - 0.8) < 1e-12 && fabs(down.ge_1k - 0.001) < 1e-12);
	assert_true(fabs(up.ge_1h - 0.8) < 1e-12);
	expect_bad("loss-burst", "1%,,2%");
	expect_bad("loss-burst", "1%,2%,3%,4%,5%");
	expect_bad("loss-burst", "1%,2%,");
	expect_bad("loss-burst", "2,30");
	expect_bad("loss-burst-down", "1%,200%");
}

static void test_parse_delay_rate_queue(void **state)
{
	struct ub_impair_config up = cfg(), down = cfg();
	struct ub_err e;
	uint64_t bps;

	(void)state;
	expect_ok(&up, &down, "delay", "20ms");
	expect_ok(&up, &down, "jitter-down", "5ms");
	expect_ok(&up, &down, "jitter-dist", "pareto");
	expect_ok(&up, &down, "jitter-dist-up", "normal");
	assert_int_equal(up.delay_ns, 20 * MS);
	assert_int_equal(down.delay_ns, 20 * MS);
	assert_int_equal(up.jitter_ns, 0);
	assert_int_equal(down.jitter_ns, 5 * MS);
	assert_int_equal(up.jitter_dist, UB_JITTER_NORMAL);
	assert_int_equal(down.jitter_dist, UB_JITTER_PARETO);
	expect_ok(&up, &down, "delay-up", "250us");
	assert_int_equal(up.delay_ns, 250000);
	expect_bad("delay", "20");   /* a unit is needed: tc reads us, ub_units s */
	expect_bad("delay", "61s");
	expect_bad("delay", "-1ms");
	expect_bad("jitter", "fast");
	expect_bad("jitter-dist", "gauss");

	assert_int_equal(up.delay_model, UB_DELAY_INDEPENDENT);
	expect_ok(&up, &down, "delay-model", "fifo");
	assert_true(up.delay_model == UB_DELAY_FIFO && down.delay_model == UB_DELAY_FIFO);
	expect_ok(&up, &down, "delay-model-down", "independent");
	assert_true(up.delay_model == UB_DELAY_FIFO && down.delay_model == UB_DELAY_INDEPENDENT);
	assert_string_equal(ub_impair_delay_model_name(up.delay_model), "fifo");
	assert_string_equal(ub_impair_delay_model_name(down.delay_model), "independent");
	expect_bad("delay-model", "FIFO");
	expect_bad("delay-model-up", "wifi");
	expect_bad("delay-model", "");

	expect_ok(&up, &down, "rate", "1mbit");
	assert_true(up.rate_bps == 1000000 && down.rate_bps == 1000000);
	expect_ok(&up, &down, "rate-up", "500kbit/s");
	assert_true(up.rate_bps == 500000 && down.rate_bps == 1000000);
	expect_ok(&up, &down, "rate-down", "2.5Mbit");
	assert_int_equal(down.rate_bps, 2500000);
	expect_ok(&up, &down, "rate-down", "0");
	assert_int_equal(down.rate_bps, 0);
	ub_err_clear(&e);
	assert_int_equal(ub_impair_parse_rate("1gbit", &bps, &e), 0);
	assert_true(bps == 1000000000ULL);
	/* tc reads mbps as bytes, people as bits: refused, with both readings. */
	assert_int_equal(ub_impair_parse_rate("2mbps", &bps, &e), UB_E_INVAL);
	assert_non_null(strstr(e.msg, "2mbit"));
	assert_non_null(strstr(e.msg, "16mbit"));
	expect_bad("rate", "500kbps");
	expect_bad("rate", "10");
	expect_bad("rate", "1xbit");
	expect_bad("rate", "100bit"); /* below 1 kbit/s */
	expect_bad("rate-up", "mbit");

	expect_ok(&up, &down, "queue-up", "10");
	assert_true(up.queue == 10 && down.queue == UB_IMPAIR_QUEUE_DEFAULT);
	expect_ok(&up, &down, "queue", "0");
	assert_true(up.queue == 0 && down.queue == 0);
	expect_bad("queue", "-1");
	expect_bad("queue", "100001");
	expect_bad("queue", "ten");

	expect_bad("lossy", "5%");
	expect_bad("loss-sideways", "5%");
	expect_bad("delay-upp", "5ms");
	assert_true(ub_impair_config_active(&up));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_impairment_passes_everything),
		cmocka_unit_test(test_bernoulli_loss_rate),
		cmocka_unit_test(test_gilbert_elliott_netem_semantics),
		cmocka_unit_test(test_delay_and_jitter_distributions),
		cmocka_unit_test(test_duplicate_and_reorder_rates),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_rate_queue),
		cmocka_unit_test(test_shared_wire),
		cmocka_unit_test(test_fifo_jitter_never_reorders),
		cmocka_unit_test(test_fifo_sparse_delays_are_as_drawn),
		cmocka_unit_test(test_fifo_determinism),
		cmocka_unit_test(test_independent_decisions_are_unchanged),
		cmocka_unit_test(test_fifo_behind_the_rate_queue),
		cmocka_unit_test(test_parse_percentages),
		cmocka_unit_test(test_parse_loss_burst),
		cmocka_unit_test(test_parse_delay_rate_queue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
