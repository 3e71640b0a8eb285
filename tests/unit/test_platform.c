/*
 * Unit tests for bench/lib/platform.c, the Linux side: nothing to start,
 * nothing said of the build, and '/' alone separates folders ('\' is a
 * letter of a Linux file name; the Windows build's side is tested under
 * wine by tests/integration/test_windows.py); and platform_common.c's
 * paths joined.
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

static void test_join(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(ub_path_join(out, sizeof(out), "results/room", "%s.json", "udp"), 0);
	assert_string_equal(out, "results/room/udp.json");
	/* a folder ending in its separator gets no second one */
	assert_int_equal(ub_path_join(out, sizeof(out), "results/", "report/index.html"), 0);
	assert_string_equal(out, "results/report/index.html");
	assert_int_equal(ub_path_join(out, sizeof(out), "/", "tmp"), 0);
	assert_string_equal(out, "/tmp");
	/* no folder: the name alone, in the current one */
	assert_int_equal(ub_path_join(out, sizeof(out), "", "%s", "r.json"), 0);
	assert_string_equal(out, "r.json");
	/* nothing after the folder: the folder with its separator */
	assert_int_equal(ub_path_join(out, sizeof(out), "C:\\data", "%s", ""), 0);
	assert_string_equal(out, "C:\\data/");
	/* too long, in the folder or in the name: refused, as much as fits */
	assert_int_equal(ub_path_join(out, sizeof(out), "a-folder-name-of-thirty-two-byte", "x"), -1);
	assert_int_equal(ub_path_join(out, sizeof(out), "results", "%s", "a-name-of-24-characters!"), -1);
	assert_string_equal(out, "results/a-name-of-24-characters");
	assert_int_equal(ub_path_join(out, sizeof(out), "results", "%s", "a-name-of-23-characters"), 0);
	assert_string_equal(out, "results/a-name-of-23-characters");
	assert_int_equal(ub_path_join(out, 0, "results", "x"), -1);
	assert_int_equal(ub_path_sep("C:\\data"), '/');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_and_words),
		cmocka_unit_test(test_last_sep),
		cmocka_unit_test(test_is_sep),
		cmocka_unit_test(test_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
