/*
 * Unit tests for bench/send/epochs.c: a stateful reflector's lifetimes told
 * apart in its replies. A small model reflector numbers the requests that
 * reach it in arrival order and stamps each with its own receive time (T2);
 * replies are then fed back in another order (reordered on the way back),
 * with losses either way and restarts of the model, and the epochs' view is
 * held against the model's own truth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "send/epochs.h"

#define N 3000
#define NTP_SEC (1ULL << 32)

/* One reply as the model reflector made it. */
struct reply {
	uint32_t seq;     /* the probe it answers */
	uint32_t counter; /* the reflector's own counter */
	uint64_t t2;      /* its receive stamp, raw NTP */
	uint32_t truth;   /* the counter on one scale across restarts (what reached a reflector before it) */
	int64_t back_at;  /* when it comes back to the sender, ms: decides the order */
};

/* xorshift, so the runs repeat */
static uint32_t rnd(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static int by_back(const void *a, const void *b)
{
	const struct reply *x = a, *y = b;

	return x->back_at < y->back_at ? -1 : x->back_at > y->back_at;
}

/*
 * Probes every 1 ms to a reflector that restarts at the probes in restart[]
 * (counter back to 0), losing up_pct on the way there; replies come back
 * after 50 ms +- jitter_ms. Returns how many replies there are in out.
 */
static size_t model(struct reply *out, unsigned up_pct, unsigned jitter_ms,
		    const uint32_t *restart, size_t n_restart, uint32_t seed)
{
	uint32_t x = seed, counter = 0, reached = 0, seq;
	size_t n = 0, r = 0;

	for (seq = 0; seq < N; seq++) {
		if (r < n_restart && seq == restart[r]) {
			counter = 0;
			r++;
		}
		if (rnd(&x) % 100 < up_pct)
			continue;
		out[n].seq = seq;
		out[n].counter = counter++;
		/* 3 800 000 000 s: an NTP time this century, 1 ms a probe */
		out[n].t2 = 3800000000ULL * NTP_SEC + (uint64_t)seq * (NTP_SEC / 1000);
		out[n].truth = reached++;
		out[n].back_at = (int64_t)seq + 50 + (int64_t)(rnd(&x) % (2 * jitter_ms + 1)) -
				 (int64_t)jitter_ms;
		n++;
	}
	qsort(out, n, sizeof(*out), by_back);
	return n;
}

static void test_deep_reordering_is_no_restart(void **state)
{
	static struct reply r[N];
	struct ub_epochs ep;
	struct ub_run_counters rc;
	size_t n, i, moved = 0;

	(void)state;
	memset(&ep, 0, sizeof(ep));
	memset(&rc, 0, sizeof(rc));
	n = model(r, 3, 40, NULL, 0, 5);
	for (i = 0; i < n; i++) {
		moved += i > 0 && r[i].seq < r[i - 1].seq;
		assert_int_equal(ub_epochs_counter(&ep, r[i].seq, r[i].counter, r[i].t2, &rc),
				 r[i].truth);
	}
	assert_true(moved > 500); /* the model reordered a lot */
	assert_int_equal(rc.refl_restarts, 0);
	assert_int_equal(ep.n, 1);
}

static void test_restart_found_once_behind_reordering(void **state)
{
	static const uint32_t at[] = { 1200 };
	static struct reply r[N];
	struct ub_epochs ep;
	struct ub_run_counters rc;
	size_t n, i;

	(void)state;
	memset(&ep, 0, sizeof(ep));
	memset(&rc, 0, sizeof(rc));
	n = model(r, 0, 40, at, 1, 7);
	for (i = 0; i < n; i++)
		assert_int_equal(ub_epochs_counter(&ep, r[i].seq, r[i].counter, r[i].t2, &rc),
				 r[i].truth);
	assert_int_equal(rc.refl_restarts, 1);
	assert_int_equal(rc.n_restarts, 1);
	/* nothing was lost: the outage is empty, right at the restart, however the replies came */
	assert_int_equal(rc.restarts[0].from_probe, 1200);
	assert_int_equal(rc.restarts[0].to_probe, 1199);
}

static void test_outage_is_lost_upstream(void **state)
{
	static struct reply r[N];
	struct ub_epochs ep;
	struct ub_run_counters rc;
	uint32_t last = 0, u;
	size_t n, i, k = 0;

	(void)state;
	memset(&ep, 0, sizeof(ep));
	memset(&rc, 0, sizeof(rc));
	/* a reflector that is gone for probes 1000..1299 and comes back counting from 0 */
	n = model(r, 0, 10, NULL, 0, 9);
	for (i = 0; i < n; i++) {
		if (r[i].seq >= 1000 && r[i].seq < 1300)
			continue;
		r[k] = r[i];
		if (r[k].seq >= 1300)
			r[k].counter = r[k].seq - 1300;
		k++;
	}
	for (i = 0; i < k; i++) {
		u = ub_epochs_counter(&ep, r[i].seq, r[i].counter, r[i].t2, &rc);
		last = u > last ? u : last;
	}
	assert_int_equal(rc.refl_restarts, 1);
	assert_int_equal(rc.restarts[0].from_probe, 1000);
	assert_int_equal(rc.restarts[0].to_probe, 1299);
	/* one scale: 1000 before, 1700 after, none twice */
	assert_int_equal(last, 2699);
}

static void test_stateless_and_blind_reflectors_never_restart(void **state)
{
	static struct reply r[N];
	struct ub_epochs ep;
	struct ub_run_counters rc;
	size_t n, i;

	(void)state;
	/* stateless: the counter is a copy of the number, whatever order T2 says */
	memset(&ep, 0, sizeof(ep));
	memset(&rc, 0, sizeof(rc));
	n = model(r, 5, 40, NULL, 0, 11);
	for (i = 0; i < n; i++)
		ub_epochs_counter(&ep, r[i].seq, r[i].seq, r[n - 1 - i].t2, &rc);
	assert_int_equal(rc.refl_restarts, 0);
	/* T2 zero: no evidence, so no restart even when the counter starts over */
	memset(&ep, 0, sizeof(ep));
	memset(&rc, 0, sizeof(rc));
	for (i = 0; i < 200; i++)
		ub_epochs_counter(&ep, (uint32_t)i, (uint32_t)(i % 100), 0, &rc);
	assert_int_equal(rc.refl_restarts, 0);
}

static void test_epochs_are_bounded(void **state)
{
	struct ub_epochs ep;
	struct ub_run_counters rc;
	uint32_t i;

	(void)state;
	memset(&ep, 0, sizeof(ep));
	memset(&rc, 0, sizeof(rc));
	/* a restart every 10 probes, 1 ms apart: more than the table holds */
	for (i = 0; i < 10 * (UB_EPOCHS_MAX + 20); i++)
		ub_epochs_counter(&ep, i, i % 10, 3800000000ULL * NTP_SEC + i * (NTP_SEC / 1000), &rc);
	assert_int_equal(ep.n, UB_EPOCHS_MAX);
	assert_int_equal(rc.refl_restarts, UB_EPOCHS_MAX - 1);
	assert_int_equal(rc.n_restarts, UB_RESTARTS_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deep_reordering_is_no_restart),
		cmocka_unit_test(test_restart_found_once_behind_reordering),
		cmocka_unit_test(test_outage_is_lost_upstream),
		cmocka_unit_test(test_stateless_and_blind_reflectors_never_restart),
		cmocka_unit_test(test_epochs_are_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
