/*
 * Unit tests for bench/sessions.c, the reflector's session table: who gets
 * a slot when it is full (probation and protected segments, the per-source
 * limit), the timeout, and a long random run of floods and measuring
 * sessions checked against the rules by brute force.
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
#include "reflect/sessions.h"

#define MS 1000000LL
#define T0 (100 * UB_NS_PER_S)

static struct ub_addr addr(uint32_t host, uint16_t port)
{
	struct ub_addr a;
	struct sockaddr_in *s = (struct sockaddr_in *)&a.ss;

	memset(&a, 0, sizeof(a));
	s->sin_family = AF_INET;
	s->sin_addr.s_addr = htonl(0xc0000200u + host); /* 192.0.2.x */
	s->sin_port = htons(port);
	a.len = sizeof(*s);
	return a;
}

static struct ub_sessions *table(unsigned max, unsigned per_source)
{
	struct ub_sessions_config c;
	struct ub_sessions *s;

	ub_sessions_config_init(&c);
	c.max = max;
	c.per_source = per_source;
	c.seed = 42;
	s = ub_sessions_new(&c, NULL);
	assert_non_null(s);
	return s;
}

/* Finds the session at now, begins it when there is none; returns its slot (-1: refused). */
static int hear(struct ub_sessions *s, uint32_t host, uint16_t port, uint16_t ssid, int64_t now)
{
	struct ub_addr a = addr(host, port);
	int slot = ub_sessions_find(s, &a, ssid, now);

	if (slot >= 0) {
		ub_sessions_heard(s, slot, now);
		return slot;
	}
	return ub_sessions_add(s, &a, ssid, now);
}

static int present(struct ub_sessions *s, uint32_t host, uint16_t port, uint16_t ssid,
		   int64_t now)
{
	struct ub_addr a = addr(host, port);

	return ub_sessions_find(s, &a, ssid, now) >= 0;
}

static void test_defaults_and_limits(void **state)
{
	struct ub_sessions_config c;
	struct ub_sessions_counters k;
	struct ub_sessions *s;
	struct ub_addr a = addr(1, 1);

	(void)state;
	ub_sessions_config_init(&c);
	assert_int_equal(c.max, 4096);
	assert_int_equal(c.per_source, 64);
	c.max = 0;
	assert_null(ub_sessions_new(&c, NULL));
	/* A one-slot table: every newcomer takes the place of the last. */
	s = table(1, 0);
	assert_true(hear(s, 1, 1, 0, T0) >= 0);
	assert_true(hear(s, 1, 1, 0, T0 + MS) >= 0);
	assert_true(hear(s, 2, 1, 0, T0 + 2 * MS) >= 0);
	assert_false(present(s, 1, 1, 0, T0 + 2 * MS));
	assert_int_equal(ub_sessions_of_source(s, &a), 0);
	ub_sessions_counters(s, &k);
	assert_int_equal(k.open, 1);
	assert_int_equal(k.total, 2);
	assert_int_equal(k.evicted, 1);
	ub_sessions_free(s);
	ub_sessions_free(NULL);
}

static void test_probation_gives_way_protected_stays(void **state)
{
	struct ub_sessions *s = table(8, 0); /* 7 may be protected */
	int i;

	(void)state;
	/* Seven measuring sessions, each heard twice. */
	for (i = 0; i < 7; i++) {
		assert_true(hear(s, 10 + i, 1000, 1, T0) >= 0);
		assert_true(ub_sessions_protected(s, hear(s, 10 + i, 1000, 1, T0 + MS)));
	}
	/* A thousand newcomers from a thousand addresses share the eighth slot. */
	for (i = 0; i < 1000; i++)
		assert_true(hear(s, 1000 + i, 1, 1, T0 + 2 * MS) >= 0);
	for (i = 0; i < 7; i++)
		assert_true(present(s, 10 + i, 1000, 1, T0 + 3 * MS));
	/* An eighth measuring session heard twice stays on probation (no room): the next newcomer takes it. */
	assert_true(hear(s, 50, 1, 1, T0 + 4 * MS) >= 0);
	assert_true(hear(s, 50, 1, 1, T0 + 5 * MS) >= 0);
	assert_true(hear(s, 51, 1, 1, T0 + 6 * MS) >= 0);
	assert_false(present(s, 50, 1, 1, T0 + 6 * MS));
	/* Once a protected one has been silent a second, a session heard again takes its place. */
	for (i = 1; i < 7; i++)
		assert_true(hear(s, 10 + i, 1000, 1, T0 + 1500 * MS) >= 0);
	assert_true(hear(s, 51, 1, 1, T0 + 1501 * MS) >= 0); /* 10 drops to probation, 51 protected */
	assert_true(hear(s, 52, 1, 1, T0 + 1502 * MS) >= 0);
	assert_false(present(s, 10, 1000, 1, T0 + 1502 * MS));
	assert_true(present(s, 51, 1, 1, T0 + 1502 * MS));
	ub_sessions_free(s);
}

static void test_per_source_limit(void **state)
{
	struct ub_sessions *s = table(64, 4);
	struct ub_addr a = addr(9, 0);
	int i;

	(void)state;
	assert_true(hear(s, 9, 1, 1, T0) >= 0);
	assert_true(hear(s, 9, 1, 1, T0 + MS) >= 0); /* protected */
	assert_true(hear(s, 8, 1, 1, T0 + MS) >= 0); /* on probation, another address */
	for (i = 0; i < 500; i++)
		assert_true(hear(s, 9, (uint16_t)(2 + i), 1, T0 + 2 * MS) >= 0);
	assert_int_equal(ub_sessions_of_source(s, &a), 4);
	assert_true(present(s, 9, 1, 1, T0 + 3 * MS));
	assert_true(present(s, 8, 1, 1, T0 + 3 * MS));
	/* All four protected and active: the source's fifth is refused, until one falls silent. */
	for (i = 0; i < 3; i++) {
		assert_true(hear(s, 9, (uint16_t)(600 + i), 1, T0 + 10 * MS) >= 0);
		assert_true(hear(s, 9, (uint16_t)(600 + i), 1, T0 + 11 * MS) >= 0);
	}
	assert_int_equal(hear(s, 9, 700, 1, T0 + 12 * MS), -1);
	assert_true(hear(s, 9, 1, 1, T0 + 900 * MS) >= 0);
	assert_true(hear(s, 9, 700, 1, T0 + 1100 * MS) >= 0);
	assert_true(present(s, 9, 1, 1, T0 + 1100 * MS)); /* heard last: not the one that gave way */
	ub_sessions_free(s);
}

static void test_timeout(void **state)
{
	struct ub_sessions *s = table(16, 0);
	struct ub_sessions_counters k;

	(void)state;
	assert_true(hear(s, 1, 1, 1, T0) >= 0);
	assert_true(hear(s, 1, 1, 1, T0 + MS) >= 0);
	assert_true(hear(s, 2, 1, 1, T0 + 30 * UB_NS_PER_S) >= 0);
	/* Found after the timeout: over, and forgotten. */
	assert_false(present(s, 1, 1, 1, T0 + 62 * UB_NS_PER_S));
	ub_sessions_expire(s, T0 + 89 * UB_NS_PER_S);
	ub_sessions_counters(s, &k);
	assert_int_equal(k.open, 1);
	ub_sessions_expire(s, T0 + 91 * UB_NS_PER_S);
	ub_sessions_counters(s, &k);
	assert_int_equal(k.open, 0);
	assert_int_equal(k.evicted, 0);
	ub_sessions_free(s);
}

/*
 * A random run: measuring sessions heard every few milliseconds among floods
 * of newcomers from few and from many addresses. However the flood goes, a
 * measuring session (protected after its second packet, heard within the
 * last second) is never pushed out, no source holds more than its limit,
 * and a newcomer is refused only when its source's sessions are all
 * protected and active.
 */
static void test_random_floods_never_push_out_measuring(void **state)
{
	enum { MAX = 128, PER = 8, LIVE = 40 };
	struct ub_sessions *s = table(MAX, PER);
	struct ub_sessions_counters k;
	struct ub_addr a;
	unsigned x = 99, i, j;
	int64_t now = T0;
	unsigned next_live = 1;

	(void)state;
	/* The measuring sessions begin, each heard twice. */
	for (j = 1; j <= 2 * LIVE; j++)
		assert_true(hear(s, 1 + j % LIVE, 5000, 0, now) >= 0);
	for (i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		now += 10000; /* 100 k events a second */
		if ((x >> 8) % 8 == 0) {
			/* Each measuring session in turn: every 3 ms or so. */
			assert_true(hear(s, next_live, 5000, 0, now) >= 0);
			next_live = next_live % LIVE + 1;
		} else {
			/* Flood: a few hosts with many ports, or many hosts. */
			uint32_t host = (x >> 16) % 2 ? 200 + (x >> 20) % 3 : 1000 + (x >> 12) % 50000;

			(void)hear(s, host, (uint16_t)(x >> 4), 1, now);
		}
		if (i % 1000 == 0) {
			for (j = 1; j <= LIVE; j++)
				assert_true(present(s, j, 5000, 0, now));
		}
	}
	for (j = 200; j < 203; j++) {
		a = addr(j, 0);
		assert_true(ub_sessions_of_source(s, &a) <= PER);
	}
	ub_sessions_counters(s, &k);
	assert_true(k.open <= MAX);
	assert_int_equal(k.total - k.evicted, k.open);
	ub_sessions_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_limits),
		cmocka_unit_test(test_probation_gives_way_protected_stays),
		cmocka_unit_test(test_per_source_limit),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_random_floods_never_push_out_measuring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
