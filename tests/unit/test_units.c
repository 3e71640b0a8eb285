#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/units.h"

#define NS 1LL
#define US (1000 * NS)
#define MS (1000 * US)
#define S (1000 * MS)

static int64_t dur_ok(const char *s)
{
	struct ub_err e;
	int64_t v = -1;

	ub_err_clear(&e);
	assert_int_equal(ub_units_duration(s, 0, INT64_MAX, &v, &e), 0);
	assert_string_equal(e.msg, "");
	return v;
}

static int dur_fail(const char *s, int64_t min, int64_t max, struct ub_err *e)
{
	int64_t v = 12345;
	int rc;

	ub_err_clear(e);
	rc = ub_units_duration(s, min, max, &v, e);
	/* A failed parse leaves the output alone. */
	assert_int_equal(v, 12345);
	assert_int_equal(e->code, rc);
	return rc;
}

static uint64_t count_ok(const char *s)
{
	struct ub_err e;
	uint64_t v = 0;

	ub_err_clear(&e);
	assert_int_equal(ub_units_count(s, 0, UINT64_MAX, &v, &e), 0);
	return v;
}

static uint64_t size_ok(const char *s)
{
	struct ub_err e;
	uint64_t v = 0;

	ub_err_clear(&e);
	assert_int_equal(ub_units_size(s, 0, UINT64_MAX, &v, &e), 0);
	return v;
}

static void test_duration_units(void **state)
{
	(void)state;
	assert_int_equal(dur_ok("100ns"), 100);
	assert_int_equal(dur_ok("250us"), 250 * US);
	assert_int_equal(dur_ok("250\xc2\xb5s"), 250 * US);
	assert_int_equal(dur_ok("250\xce\xbcs"), 250 * US);
	assert_int_equal(dur_ok("10ms"), 10 * MS);
	assert_int_equal(dur_ok("2s"), 2 * S);
	assert_int_equal(dur_ok("1m"), 60 * S);
	assert_int_equal(dur_ok("3min"), 180 * S);
	assert_int_equal(dur_ok("1h"), 3600 * S);
	assert_int_equal(dur_ok("0ns"), 0);
}

static void test_duration_bare_is_seconds(void **state)
{
	(void)state;
	assert_int_equal(dur_ok("2"), 2 * S);
	assert_int_equal(dur_ok("0.2"), 200 * MS);
	assert_int_equal(dur_ok(".5"), 500 * MS);
	assert_int_equal(dur_ok("1."), 1 * S);
	assert_int_equal(dur_ok("007"), 7 * S);
}

static void test_duration_fractions(void **state)
{
	(void)state;
	assert_int_equal(dur_ok("1.5ms"), 1500 * US);
	assert_int_equal(dur_ok("1.5s"), 1500 * MS);
	assert_int_equal(dur_ok("0.1s"), 100 * MS);
	assert_int_equal(dur_ok("2.5us"), 2500);
	assert_int_equal(dur_ok("1.5m"), 90 * S);
	assert_int_equal(dur_ok("0.001h"), 3600 * MS);
	assert_int_equal(dur_ok("0.123456789s"), 123456789);
	/* Exact where binary floating point is not: 0.3 * 3 would not be 0.9. */
	assert_int_equal(dur_ok("0.9s"), 900 * MS);
	/* Beyond ns resolution: round to the nearest ns, half away from zero. */
	assert_int_equal(dur_ok("1.4ns"), 1);
	assert_int_equal(dur_ok("1.5ns"), 2);
	assert_int_equal(dur_ok("0.0000000014s"), 1);
	assert_int_equal(dur_ok("0.0000000016s"), 2);
	assert_int_equal(dur_ok("1.0000000000000000000000001s"), 1 * S);
	assert_int_equal(dur_ok("0.0000000000001h"), 0);
	assert_int_equal(dur_ok("0.00000000000014h"), 1);
}

static void test_duration_limits(void **state)
{
	(void)state;
	assert_int_equal(dur_ok("9223372036854775807ns"), INT64_MAX);
	assert_int_equal(dur_ok("9223372036.854775807s"), INT64_MAX);
	assert_int_equal(dur_ok("2562047h"), 2562047LL * 3600 * S);
}

static void test_duration_rejects(void **state)
{
	struct ub_err e;

	(void)state;
	assert_int_equal(dur_fail("", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_string_equal(e.msg, "empty value, expected a number");
	assert_int_equal(dur_fail("banana", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_string_equal(e.msg, "'banana' is not a number");
	assert_int_equal(dur_fail("-5ms", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_string_equal(e.msg, "'-5ms' must not be negative");
	assert_int_equal(dur_fail("-.5", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_string_equal(e.msg, "'-.5' must not be negative");
	assert_int_equal(dur_fail("10msx", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_string_equal(e.msg, "'10msx' has an unknown unit 'msx' (use ns, us, ms, s, m, h)");
	assert_int_equal(dur_fail("10 ms", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_int_equal(dur_fail("10MS", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_int_equal(dur_fail(" 10ms", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_int_equal(dur_fail("+10ms", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_int_equal(dur_fail(".", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_int_equal(dur_fail("-", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_string_equal(e.msg, "'-' is not a number");
	assert_int_equal(dur_fail("1.2.3s", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_int_equal(dur_fail("1e3ms", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_int_equal(dur_fail("0x10", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_int_equal(dur_fail("nan", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_string_equal(e.msg, "'nan' is not a number");
	assert_int_equal(dur_fail("inf", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_int_equal(dur_fail("infinity", 0, INT64_MAX, &e), UB_E_INVAL);
	assert_int_equal(ub_units_duration(NULL, 0, 1, NULL, &e), UB_E_INVAL);
}

static void test_duration_overflow(void **state)
{
	struct ub_err e;

	(void)state;
	assert_int_equal(dur_fail("9223372036854775808ns", 0, INT64_MAX, &e), UB_E_RANGE);
	assert_int_equal(dur_fail("9223372037s", 0, INT64_MAX, &e), UB_E_RANGE);
	assert_int_equal(dur_fail("2562048h", 0, INT64_MAX, &e), UB_E_RANGE);
	assert_int_equal(dur_fail("18446744073709551616ns", 0, INT64_MAX, &e), UB_E_RANGE);
	/* Past INT64_MAX must not wrap into a negative duration that a negative minimum admits. */
	assert_int_equal(dur_fail("9223372036854775808ns", INT64_MIN, INT64_MAX, &e), UB_E_RANGE);
	assert_int_equal(dur_fail("18446744073709551615ns", INT64_MIN, INT64_MAX, &e), UB_E_RANGE);
	assert_int_equal(dur_fail("99999999999999999999999999999999999999s", 0, INT64_MAX, &e),
			 UB_E_RANGE);
	assert_non_null(strstr(e.msg, "is out of range"));
}

static void test_duration_range_message(void **state)
{
	struct ub_err e;

	(void)state;
	assert_int_equal(dur_fail("0", 1 * US, 3600 * S, &e), UB_E_RANGE);
	assert_string_equal(e.msg, "'0' is out of range 1us..1h");
	assert_int_equal(dur_fail("2h", 100 * MS, 90 * S, &e), UB_E_RANGE);
	assert_string_equal(e.msg, "'2h' is out of range 100ms..90s");
	assert_int_equal(dur_fail("1ns", 1500 * US, 2 * 60 * S, &e), UB_E_RANGE);
	assert_string_equal(e.msg, "'1ns' is out of range 1500us..2m");
	assert_int_equal(dur_fail("99ns", 0, 98, &e), UB_E_RANGE);
	assert_string_equal(e.msg, "'99ns' is out of range 0ns..98ns");
}

static void test_duration_range_inclusive(void **state)
{
	struct ub_err e;
	int64_t v = 0;

	(void)state;
	assert_int_equal(ub_units_duration("1us", 1 * US, 1 * S, &v, &e), 0);
	assert_int_equal(v, 1 * US);
	assert_int_equal(ub_units_duration("1s", 1 * US, 1 * S, &v, &e), 0);
	assert_int_equal(v, 1 * S);
	assert_int_equal(ub_units_duration("999ns", 1 * US, 1 * S, &v, &e), UB_E_RANGE);
	assert_int_equal(ub_units_duration("1.000000001s", 1 * US, 1 * S, &v, &e), UB_E_RANGE);
	/* Works without an error struct too. */
	assert_int_equal(ub_units_duration("x", 0, 1, &v, NULL), UB_E_INVAL);
}

static void test_count_units(void **state)
{
	(void)state;
	assert_int_equal(count_ok("100"), 100);
	assert_int_equal(count_ok("0"), 0);
	assert_int_equal(count_ok("1k"), 1000);
	assert_int_equal(count_ok("1K"), 1000);
	assert_int_equal(count_ok("1M"), 1000000);
	assert_int_equal(count_ok("1G"), 1000000000);
	assert_int_equal(count_ok("2.5k"), 2500);
	assert_int_equal(count_ok("0.001M"), 1000);
	assert_int_equal(count_ok("1.000k"), 1000);
	assert_int_equal(count_ok("18446744073709551615"), UINT64_MAX);
	assert_int_equal(count_ok("18446744073.709551615G"), UINT64_MAX);
}

static void test_count_rate_suffix(void **state)
{
	struct ub_err e;
	uint64_t v;

	(void)state;
	assert_int_equal(count_ok("100/s"), 100);
	assert_int_equal(count_ok("100pps"), 100);
	assert_int_equal(count_ok("1k/s"), 1000);
	assert_int_equal(count_ok("2.5kpps"), 2500);
	assert_int_equal(ub_units_count("/s", 0, 10, &v, &e), UB_E_INVAL);
	assert_int_equal(ub_units_count("pps", 0, 10, &v, &e), UB_E_INVAL);
	assert_int_equal(ub_units_count("1/s/s", 0, 10, &v, &e), UB_E_INVAL);
	assert_int_equal(ub_units_count("1pps/s", 0, 10, &v, &e), UB_E_INVAL);
}

static void test_count_rejects(void **state)
{
	struct ub_err e;
	uint64_t v = 77;

	(void)state;
	assert_int_equal(ub_units_count("banana", 0, 10, &v, &e), UB_E_INVAL);
	assert_string_equal(e.msg, "'banana' is not a number");
	assert_int_equal(ub_units_count("", 0, 10, &v, &e), UB_E_INVAL);
	assert_int_equal(ub_units_count("-1", 0, 10, &v, &e), UB_E_INVAL);
	assert_string_equal(e.msg, "'-1' must not be negative");
	assert_int_equal(ub_units_count("2.5", 0, 10, &v, &e), UB_E_INVAL);
	assert_string_equal(e.msg, "'2.5' is not a whole number");
	assert_int_equal(ub_units_count("1.0001k", 0, 10000, &v, &e), UB_E_INVAL);
	assert_int_equal(ub_units_count("1.00000000000000000000001k", 0, 10000, &v, &e),
			 UB_E_INVAL);
	assert_int_equal(ub_units_count("5x", 0, 10, &v, &e), UB_E_INVAL);
	assert_string_equal(e.msg, "'5x' has an unknown unit 'x' (use k, M, G)");
	assert_int_equal(ub_units_count("5m", 0, 10, &v, &e), UB_E_INVAL);
	assert_int_equal(ub_units_count("nan", 0, 10, &v, &e), UB_E_INVAL);
	assert_int_equal(ub_units_count("inf", 0, 10, &v, &e), UB_E_INVAL);
	assert_int_equal(ub_units_count("10 ", 0, 10, &v, &e), UB_E_INVAL);
	assert_int_equal(ub_units_count("1e3", 0, 10000, &v, &e), UB_E_INVAL);
	assert_int_equal(v, 77);
}

static void test_count_overflow(void **state)
{
	struct ub_err e;
	uint64_t v = 77;

	(void)state;
	assert_int_equal(ub_units_count("18446744073709551616", 0, UINT64_MAX, &v, &e),
			 UB_E_RANGE);
	assert_string_equal(e.msg,
			    "'18446744073709551616' is out of range 0..18446744073709551615");
	assert_int_equal(ub_units_count("18446744073709552G", 0, UINT64_MAX, &v, &e),
			 UB_E_RANGE);
	assert_int_equal(ub_units_count("18446744073.709551616G", 0, UINT64_MAX, &v, &e),
			 UB_E_RANGE);
	assert_int_equal(v, 77);
}

static void test_count_range_message(void **state)
{
	struct ub_err e;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(ub_units_count("0", 1, 1000000, &v, &e), UB_E_RANGE);
	assert_string_equal(e.msg, "'0' is out of range 1..1000000");
	assert_int_equal(ub_units_count("2M", 1, 1000000, &v, &e), UB_E_RANGE);
	assert_string_equal(e.msg, "'2M' is out of range 1..1000000");
	assert_int_equal(ub_units_count("1M", 1, 1000000, &v, &e), 0);
	assert_int_equal(v, 1000000);
}

static void test_size_units(void **state)
{
	(void)state;
	assert_int_equal(size_ok("44"), 44);
	assert_int_equal(size_ok("44B"), 44);
	assert_int_equal(size_ok("1k"), 1024);
	assert_int_equal(size_ok("1K"), 1024);
	assert_int_equal(size_ok("1KiB"), 1024);
	assert_int_equal(size_ok("1kB"), 1000);
	assert_int_equal(size_ok("2M"), 2 * 1048576);
	assert_int_equal(size_ok("1MiB"), 1048576);
	assert_int_equal(size_ok("1MB"), 1000000);
	assert_int_equal(size_ok("1G"), 1073741824);
	assert_int_equal(size_ok("1GiB"), 1073741824);
	assert_int_equal(size_ok("1GB"), 1000000000);
	assert_int_equal(size_ok("1.5k"), 1536);
	assert_int_equal(size_ok("0.5M"), 524288);
	assert_int_equal(size_ok("1.472kB"), 1472);
}

static void test_size_rejects(void **state)
{
	struct ub_err e;
	uint64_t v = 77;

	(void)state;
	assert_int_equal(ub_units_size("2000", 44, 1472, &v, &e), UB_E_RANGE);
	assert_string_equal(e.msg, "'2000' is out of range 44..1472");
	assert_int_equal(ub_units_size("43", 44, 1472, &v, &e), UB_E_RANGE);
	assert_string_equal(e.msg, "'43' is out of range 44..1472");
	assert_int_equal(ub_units_size("2k", 44, 1472, &v, &e), UB_E_RANGE);
	assert_int_equal(ub_units_size("banana", 44, 1472, &v, &e), UB_E_INVAL);
	assert_string_equal(e.msg, "'banana' is not a number");
	assert_int_equal(ub_units_size("1.1k", 0, 100000, &v, &e), UB_E_INVAL);
	assert_string_equal(e.msg, "'1.1k' is not a whole number");
	assert_int_equal(ub_units_size("100b", 0, 1472, &v, &e), UB_E_INVAL);
	assert_string_equal(e.msg, "'100b' has an unknown unit 'b' (use k, KiB, kB, M, MiB, MB)");
	assert_int_equal(ub_units_size("100/s", 0, 1472, &v, &e), UB_E_INVAL);
	assert_int_equal(ub_units_size("-44", 0, 1472, &v, &e), UB_E_INVAL);
	assert_int_equal(ub_units_size("", 0, 1472, &v, &e), UB_E_INVAL);
	assert_int_equal(ub_units_size("17179869184G", 0, UINT64_MAX, &v, &e), UB_E_RANGE);
	assert_int_equal(v, 77);
	assert_int_equal(ub_units_size("1472", 44, 1472, &v, &e), 0);
	assert_int_equal(v, 1472);
}

static void test_fmt_ns(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(ub_units_fmt_ns(0, buf, sizeof(buf)), "0ns");
	assert_string_equal(ub_units_fmt_ns(850, buf, sizeof(buf)), "850ns");
	assert_string_equal(ub_units_fmt_ns(999, buf, sizeof(buf)), "999ns");
	assert_string_equal(ub_units_fmt_ns(1000, buf, sizeof(buf)), "1us");
	assert_string_equal(ub_units_fmt_ns(1500, buf, sizeof(buf)), "1.5us");
	assert_string_equal(ub_units_fmt_ns(312000, buf, sizeof(buf)), "312us");
	assert_string_equal(ub_units_fmt_ns(312400, buf, sizeof(buf)), "312us");
	assert_string_equal(ub_units_fmt_ns(12340, buf, sizeof(buf)), "12.3us");
	assert_string_equal(ub_units_fmt_ns(1250000, buf, sizeof(buf)), "1.25ms");
	assert_string_equal(ub_units_fmt_ns(1254000, buf, sizeof(buf)), "1.25ms");
	assert_string_equal(ub_units_fmt_ns(999700, buf, sizeof(buf)), "1ms");
	assert_string_equal(ub_units_fmt_ns(9996000, buf, sizeof(buf)), "10ms");
	assert_string_equal(ub_units_fmt_ns(2500000000LL, buf, sizeof(buf)), "2.5s");
	assert_string_equal(ub_units_fmt_ns(3600 * S, buf, sizeof(buf)), "3600s");
	assert_string_equal(ub_units_fmt_ns(-1250000, buf, sizeof(buf)), "-1.25ms");
	assert_string_equal(ub_units_fmt_ns(-5, buf, sizeof(buf)), "-5ns");
	assert_string_equal(ub_units_fmt_ns(INT64_MIN, buf, sizeof(buf)), "-9223372037s");
	/* Truncates to the buffer, always terminated. */
	assert_string_equal(ub_units_fmt_ns(1250000, buf, 4), "1.2");
	assert_ptr_equal(ub_units_fmt_ns(1, buf, 0), buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_bare_is_seconds),
		cmocka_unit_test(test_duration_fractions),
		cmocka_unit_test(test_duration_limits),
		cmocka_unit_test(test_duration_rejects),
		cmocka_unit_test(test_duration_overflow),
		cmocka_unit_test(test_duration_range_message),
		cmocka_unit_test(test_duration_range_inclusive),
		cmocka_unit_test(test_count_units),
		cmocka_unit_test(test_count_rate_suffix),
		cmocka_unit_test(test_count_rejects),
		cmocka_unit_test(test_count_overflow),
		cmocka_unit_test(test_count_range_message),
		cmocka_unit_test(test_size_units),
		cmocka_unit_test(test_size_rejects),
		cmocka_unit_test(test_fmt_ns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
