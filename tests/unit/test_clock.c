#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/timex.h>

#include <cmocka.h>

#include "lib/clock.h"

/* ntp_adjtime stand-in, so each kernel state can be tested on any machine. */
static struct {
	int passthrough;
	int calls;
	int modes_seen;
	int state;
	struct timex tx;
} fake;

static int fake_ntp_adjtime(struct timex *tx)
{
	fake.calls++;
	fake.modes_seen = (int)tx->modes;
	if (fake.passthrough)
		return ntp_adjtime(tx);
	*tx = fake.tx;
	return fake.state;
}

#define ntp_adjtime fake_ntp_adjtime
#include "lib/clock.c"
#undef ntp_adjtime

#define NTP_EPOCH_SECS 0x83AA7E80ULL /* 2208988800 */

static void test_ntp_unix_epoch(void **state)
{
	(void)state;
	assert_true(ub_clock_ns_to_ntp(0) == 0x83AA7E8000000000ULL);
	assert_int_equal(ub_clock_ntp_to_ns(0x83AA7E8000000000ULL), 0);
}

static void test_ntp_fraction(void **state)
{
	(void)state;
	assert_true(ub_clock_ns_to_ntp(500000000) == 0x83AA7E8080000000ULL);
	assert_true(ub_clock_ns_to_ntp(250000000) == 0x83AA7E8040000000ULL);
	assert_int_equal(ub_clock_ntp_to_ns(0x83AA7E8080000000ULL), 500000000);
	assert_int_equal(ub_clock_ntp_to_ns(0x83AA7E80C0000000ULL), 750000000);
	/* 1 ns is 4.29 units of 2^-32 s: nearest is 4. */
	assert_true(ub_clock_ns_to_ntp(1) == 0x83AA7E8000000004ULL);
	/* 999999999 ns is 4294967291.7 units: nearest is 0xfffffffc. */
	assert_true(ub_clock_ns_to_ntp(999999999) == 0x83AA7E80FFFFFFFCULL);
	/* One unit (0.23 ns) rounds to 0 ns, three units (0.70 ns) to 1 ns. */
	assert_int_equal(ub_clock_ntp_to_ns(0x83AA7E8000000001ULL), 0);
	assert_int_equal(ub_clock_ntp_to_ns(0x83AA7E8000000003ULL), 1);
	/* The last unit of a second rounds up into the next second. */
	assert_int_equal(ub_clock_ntp_to_ns(0x83AA7E80FFFFFFFFULL), 1000000000);
}

static void test_ntp_known_dates(void **state)
{
	(void)state;
	/* 2000-01-01T00:00:00Z: Unix 946684800, NTP 3155673600 = 0xBC17C200. */
	assert_true(ub_clock_ns_to_ntp(946684800LL * UB_NS_PER_S) == 0xBC17C20000000000ULL);
	assert_int_equal(ub_clock_ntp_to_ns(0xBC17C20000000000ULL), 946684800LL * UB_NS_PER_S);
	/* One ns before the Unix epoch. */
	assert_true(ub_clock_ns_to_ntp(-1) == ((NTP_EPOCH_SECS - 1) << 32 | 0xFFFFFFFCULL));
	assert_int_equal(ub_clock_ntp_to_ns((NTP_EPOCH_SECS - 1) << 32 | 0xFFFFFFFCULL), -1);
	/* 1900-01-01 plus 2^32 s is 2036-02-07T06:28:16Z (Unix 2085978496): era 1 starts at 0. */
	assert_true(ub_clock_ns_to_ntp(2085978496LL * UB_NS_PER_S) == 0);
	assert_int_equal(ub_clock_ntp_to_ns(0), 2085978496LL * UB_NS_PER_S);
	assert_int_equal(ub_clock_ntp_to_ns(1ULL << 32), 2085978497LL * UB_NS_PER_S);
}

static void test_ntp_round_trip(void **state)
{
	static const int64_t fixed[] = {
		0, 1, -1, 499999999, 500000000, 999999999, 1000000000,
		1700000000123456789LL, 2085978495999999999LL, 2085978496000000001LL,
		4000000000000000000LL, -60000000000LL,
		/* The ends of the mapping: 1968-01-20T03:14:08Z, 1 ns before 2104-02-26T09:42:24Z. */
		-61505152LL * UB_NS_PER_S, 4233462144LL * UB_NS_PER_S - 1,
	};
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int64_t ns;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		assert_int_equal(ub_clock_ntp_to_ns(ub_clock_ns_to_ntp(fixed[i])), fixed[i]);
	/* Every ns value in 1968..2104 survives the trip exactly; sample it. */
	for (i = 0; i < 100000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ns = (int64_t)(x % (4200000000ULL * UB_NS_PER_S)) - 60LL * 86400 * UB_NS_PER_S;
		if (ub_clock_ntp_to_ns(ub_clock_ns_to_ntp(ns)) != ns)
			fail_msg("round trip changed %lld", (long long)ns);
	}
}

static void test_timespec(void **state)
{
	struct timespec ts = { .tv_sec = 12, .tv_nsec = 345678901 };
	struct timespec back;

	(void)state;
	assert_int_equal(ub_clock_ts_to_ns(&ts), 12345678901LL);
	back = ub_clock_ns_to_ts(12345678901LL);
	assert_int_equal(back.tv_sec, 12);
	assert_int_equal(back.tv_nsec, 345678901);
	/* Before the epoch tv_nsec stays in [0, 10^9). */
	back = ub_clock_ns_to_ts(-1);
	assert_int_equal(back.tv_sec, -1);
	assert_int_equal(back.tv_nsec, 999999999);
	assert_int_equal(ub_clock_ts_to_ns(&back), -1);
	back = ub_clock_ns_to_ts(-2000000000LL);
	assert_int_equal(back.tv_sec, -2);
	assert_int_equal(back.tv_nsec, 0);
}

static void test_now(void **state)
{
	int64_t a, b, r;

	(void)state;
	a = ub_clock_mono();
	b = ub_clock_mono();
	assert_true(a > 0);
	assert_true(b >= a);
	r = ub_clock_real();
	/* After 2020-01-01 and before 2100: the wall clock, not the monotonic one. */
	assert_true(r > 1577836800LL * UB_NS_PER_S);
	assert_true(r < 4102444800LL * UB_NS_PER_S);
}

static void set_fake(int st, int status, long esterror, long maxerror)
{
	fake.passthrough = 0;
	fake.calls = 0;
	fake.modes_seen = -1;
	fake.state = st;
	memset(&fake.tx, 0, sizeof(fake.tx));
	fake.tx.status = status;
	fake.tx.esterror = esterror;
	fake.tx.maxerror = maxerror;
}

static void test_synced(void **state)
{
	int64_t err = -1;

	(void)state;
	set_fake(TIME_OK, STA_PLL, 1500, 250000);
	assert_int_equal(ub_clock_synced(&err), 1);
	assert_int_equal(err, 1500000);
	assert_int_equal(fake.calls, 1);
	/* Only reads: setting the clock needs privilege and is not ours to do. */
	assert_int_equal(fake.modes_seen, 0);
	/* A pending leap second is still a synchronised clock. */
	set_fake(TIME_INS, 0, 20, 400);
	assert_int_equal(ub_clock_synced(&err), 1);
	assert_int_equal(err, 20000);
	set_fake(TIME_OK, 0, 0, 0);
	assert_int_equal(ub_clock_synced(NULL), 1);
}

static void test_unsynced(void **state)
{
	int64_t err = -1;

	(void)state;
	set_fake(TIME_OK, STA_UNSYNC, 10, 16000000);
	assert_int_equal(ub_clock_synced(&err), 0);
	assert_int_equal(err, 16000000000LL);
	set_fake(TIME_ERROR, STA_PLL, 10, 700);
	assert_int_equal(ub_clock_synced(&err), 0);
	assert_int_equal(err, 700000);
	/* The call itself failed: nothing known, so the largest NTP error. */
	set_fake(-1, 0, 10, 20);
	assert_int_equal(ub_clock_synced(&err), 0);
	assert_int_equal(err, 16000000000LL);
	set_fake(TIME_ERROR, STA_UNSYNC, 10, 20);
	assert_int_equal(ub_clock_synced(NULL), 0);
}

static void test_synced_real_kernel(void **state)
{
	int64_t err = -1;
	int rc;

	(void)state;
	set_fake(0, 0, 0, 0);
	fake.passthrough = 1;
	rc = ub_clock_synced(&err);
	fake.passthrough = 0;
	assert_true(rc == 0 || rc == 1);
	assert_true(err >= 0);
	assert_int_equal(fake.calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ntp_unix_epoch),
		cmocka_unit_test(test_ntp_fraction),
		cmocka_unit_test(test_ntp_known_dates),
		cmocka_unit_test(test_ntp_round_trip),
		cmocka_unit_test(test_timespec),
		cmocka_unit_test(test_now),
		cmocka_unit_test(test_synced),
		cmocka_unit_test(test_unsynced),
		cmocka_unit_test(test_synced_real_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
