/*
 * Unit tests for bench/ratelimit.c, the reflector's per-source token
 * bucket: burst, refill, long silences, time running backwards, one bucket
 * per address whatever the port, and the least recently seen source
 * forgotten when the table is full. Time is passed in; nothing sleeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "lib/clock.h"
#include "lib/net.h"
#include "reflect/ratelimit.h"

#define MS 1000000LL
#define T0 (5 * UB_NS_PER_S) /* any start: the buckets only see differences */

static struct ub_addr v4(const char *ip, int port)
{
	struct ub_addr a;
	struct sockaddr_in *s = (struct sockaddr_in *)&a.ss;

	memset(&a, 0, sizeof(a));
	s->sin_family = AF_INET;
	s->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &s->sin_addr);
	a.len = sizeof(*s);
	return a;
}

static struct ub_addr v6(const char *ip, int port)
{
	struct ub_addr a;
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&a.ss;

	memset(&a, 0, sizeof(a));
	s->sin6_family = AF_INET6;
	s->sin6_port = htons((uint16_t)port);
	inet_pton(AF_INET6, ip, &s->sin6_addr);
	a.len = sizeof(*s);
	return a;
}

static struct ub_ratelimit *limiter(uint64_t rate, uint64_t burst, unsigned sources)
{
	struct ub_ratelimit_config c;

	ub_ratelimit_config_init(&c);
	c.rate = rate;
	c.burst = burst;
	c.sources = sources;
	c.seed = 42;
	return ub_ratelimit_new(&c, NULL);
}

/* How many of n packets from a at time t are allowed. */
static int allowed(struct ub_ratelimit *rl, const struct ub_addr *a, int n, int64_t t)
{
	int i, ok = 0;

	for (i = 0; i < n; i++)
		ok += ub_ratelimit_allow(rl, a, t);
	return ok;
}

static void test_defaults_and_bad_config(void **state)
{
	struct ub_ratelimit_config c;
	struct ub_ratelimit *rl;
	struct ub_err e;

	(void)state;
	ub_ratelimit_config_init(&c);
	assert_int_equal(c.rate, 20000);
	c.seed = 1;
	rl = ub_ratelimit_new(&c, NULL);
	assert_non_null(rl);
	assert_int_equal(ub_ratelimit_burst(rl), 2000); /* a tenth of a second */
	ub_ratelimit_free(rl);
	rl = limiter(5, 0, 8);
	assert_int_equal(ub_ratelimit_burst(rl), 1); /* never less than one */
	ub_ratelimit_free(rl);
	ub_err_clear(&e);
	c.rate = 0;
	assert_null(ub_ratelimit_new(&c, &e));
	assert_int_equal(e.code, UB_E_RANGE);
	c.rate = UB_RATELIMIT_RATE_MAX + 1;
	assert_null(ub_ratelimit_new(&c, &e));
	ub_ratelimit_free(NULL);
}

static void test_burst_then_refill(void **state)
{
	struct ub_ratelimit *rl = limiter(1000, 0, 16);
	struct ub_addr a = v4("192.0.2.1", 5000);

	(void)state;
	assert_int_equal(ub_ratelimit_burst(rl), 100);
	/* A new source gets the whole burst at once, then nothing more. */
	assert_int_equal(allowed(rl, &a, 150, T0), 100);
	/* 1000/s: 10 ms brings exactly 10 more, and 1 ms later one more. */
	assert_int_equal(allowed(rl, &a, 50, T0 + 10 * MS), 10);
	assert_int_equal(allowed(rl, &a, 50, T0 + 11 * MS), 1);
	/* Half a token does not answer a packet; the other half does, later. */
	assert_int_equal(allowed(rl, &a, 1, T0 + 11 * MS + MS / 2), 0);
	assert_int_equal(allowed(rl, &a, 1, T0 + 12 * MS), 1);
	ub_ratelimit_free(rl);
}

static void test_steady_stream_gets_rate(void **state)
{
	struct ub_ratelimit *rl = limiter(1000, 0, 16);
	struct ub_addr a = v4("192.0.2.1", 5000);
	int64_t t;
	int ok = 0;

	(void)state;
	/* 10000 packets/s for one second: the burst plus one second's worth. */
	for (t = 0; t < UB_NS_PER_S; t += 100000)
		ok += ub_ratelimit_allow(rl, &a, T0 + t);
	assert_in_range(ok, 1099, 1100);
	ub_ratelimit_free(rl);
}

static void test_long_silence_and_clock_backwards(void **state)
{
	struct ub_ratelimit *rl = limiter(UB_RATELIMIT_RATE_MAX, 10, 16);
	struct ub_addr a = v4("192.0.2.1", 5000);

	(void)state;
	assert_int_equal(allowed(rl, &a, 20, T0), 10);
	/* A day of silence at the highest rate: the bucket fills to the burst and no further. */
	assert_int_equal(allowed(rl, &a, 20, T0 + 86400 * UB_NS_PER_S), 10);
	ub_ratelimit_free(rl);
	/* The largest burst too: a day's refill would overflow if multiplied out first. */
	rl = limiter(UB_RATELIMIT_RATE_MAX, UB_RATELIMIT_RATE_MAX, 16);
	assert_int_equal(allowed(rl, &a, 1000, T0), 1000);
	assert_int_equal(allowed(rl, &a, 1000, T0 + 86400 * UB_NS_PER_S), 1000);
	ub_ratelimit_free(rl);

	rl = limiter(1000, 0, 16);
	assert_int_equal(allowed(rl, &a, 100, T0), 100);
	/* Stamps out of order add nothing, and do not set the clock back. */
	assert_int_equal(allowed(rl, &a, 5, T0 - 50 * MS), 0);
	assert_int_equal(allowed(rl, &a, 5, T0 + 2 * MS), 2);
	ub_ratelimit_free(rl);
}

static void test_one_bucket_per_address(void **state)
{
	struct ub_ratelimit *rl = limiter(1000, 10, 16);
	struct ub_addr a1 = v4("192.0.2.1", 5000), a2 = v4("192.0.2.1", 6000);
	struct ub_addr b = v4("192.0.2.2", 5000);
	struct ub_addr c = v6("2001:db8::1", 5000), m = v6("::ffff:192.0.2.3", 5000);

	(void)state;
	/* Changing the port does not earn a new bucket. */
	assert_int_equal(allowed(rl, &a1, 6, T0), 6);
	assert_int_equal(allowed(rl, &a2, 6, T0), 4);
	/* Other addresses, IPv4, IPv6 and IPv4-mapped, each have their own. */
	assert_int_equal(allowed(rl, &b, 20, T0), 10);
	assert_int_equal(allowed(rl, &c, 20, T0), 10);
	assert_int_equal(allowed(rl, &m, 20, T0), 10);
	assert_int_equal(ub_ratelimit_sources(rl), 4);
	ub_ratelimit_free(rl);
}

static void test_full_table_forgets_least_recent(void **state)
{
	struct ub_ratelimit *rl = limiter(1000, 3, 2);
	struct ub_addr a = v4("192.0.2.1", 1), b = v4("192.0.2.2", 1), c = v4("192.0.2.3", 1);

	(void)state;
	assert_int_equal(allowed(rl, &a, 5, T0), 3);
	assert_int_equal(allowed(rl, &b, 5, T0), 3);
	/* a is heard again (refused, but seen): b is now the least recent. */
	assert_int_equal(allowed(rl, &a, 1, T0), 0);
	assert_int_equal(allowed(rl, &c, 5, T0), 3);
	assert_int_equal(ub_ratelimit_sources(rl), 2);
	assert_int_equal(ub_ratelimit_evicted(rl), 1);
	/* a kept its empty bucket (and is the most recent again); c is now the least recent. */
	assert_int_equal(allowed(rl, &a, 1, T0), 0);
	/* b was forgotten and comes back with a full bucket, in c's place. */
	assert_int_equal(allowed(rl, &b, 5, T0), 3);
	assert_int_equal(ub_ratelimit_evicted(rl), 2);
	assert_int_equal(allowed(rl, &a, 1, T0), 0);
	assert_int_equal(allowed(rl, &c, 5, T0), 3);
	ub_ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_bad_config),
		cmocka_unit_test(test_burst_then_refill),
		cmocka_unit_test(test_steady_stream_gets_rate),
		cmocka_unit_test(test_long_silence_and_clock_backwards),
		cmocka_unit_test(test_one_bucket_per_address),
		cmocka_unit_test(test_full_table_forgets_least_recent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
