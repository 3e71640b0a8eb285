/*
 * Unit tests for reports/charts.c that reach its static helpers: how the
 * labels under the comparison's boxes are wrapped. The chart data itself is
 * tested through ub_report_run() in test_report.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* the module itself, for its static functions */
#include "../../reports/charts.c"

/* Box labels wrap at spaces, or between Chinese characters, near the width asked. */
static void test_wrap_labels(void **state)
{
	char b[128];

	(void)state;
	assert_int_equal(wrap(b, sizeof(b), "Home router, 2.4 GHz, one room away", 18), 2);
	assert_string_equal(b, "Home router, 2.4\nGHz, one room away");
	assert_int_equal(wrap(b, sizeof(b), "拥挤的教室无线网络", 8), 3);
	assert_string_equal(b, "拥挤的教\n室无线网\n络");
	assert_int_equal(wrap(b, sizeof(b), "192.168.4.1", 8), 1);
	assert_string_equal(b, "192.168.4.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
