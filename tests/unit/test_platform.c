/*
 * Unit tests for bench/lib/platform.c, the Linux side: nothing to start,
 * nothing said of the build, and '/' alone separates folders ('\' is a
 * letter of a Linux file name; the Windows build's side is tested under
 * wine by tests/integration/test_windows.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/platform.h"

static void test_start_and_words(void **state)
{
	struct ub_err e;

	(void)state;
	ub_err_clear(&e);
	assert_int_equal(ub_platform_start(&e), 0);
	assert_string_equal(ub_platform_version, "");
	assert_string_equal(ub_platform_note, "");
}

static void test_last_sep(void **state)
{
	const char *p = "results/room 1/r.json", *w = "C:\\data\\r.json", *m = "a\\b/c\\d";

	(void)state;
	assert_ptr_equal(ub_path_last_sep(p), p + strlen("results/room 1"));
	assert_null(ub_path_last_sep("r.json"));
	assert_null(ub_path_last_sep(w));
	assert_ptr_equal(ub_path_last_sep(m), m + 3);
	p = "/";
	assert_ptr_equal(ub_path_last_sep(p), p);
}

static void test_is_sep(void **state)
{
	(void)state;
	assert_true(ub_path_is_sep('/'));
	assert_false(ub_path_is_sep('\\'));
	assert_false(ub_path_is_sep(':'));
	assert_false(ub_path_is_sep('\0'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_and_words),
		cmocka_unit_test(test_last_sep),
		cmocka_unit_test(test_is_sep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
