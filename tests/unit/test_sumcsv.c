/*
 * Unit tests for reports/sumcsv.c: a field as a spreadsheet must read it
 * (RFC 4180 quoting, formulas kept as text) and a row of a board that never
 * answered (present, its round-trip cells empty, never 0).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reports/sumcsv.h"

/* What ub_sumcsv_field writes for s, malloc'd. */
static char *field(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	ub_sumcsv_field(f, s);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_field_quoting(void **state)
{
	static const char *const cases[][2] = {
		{ "Board 7", "Board 7" },
		{ "小明的掌控板", "小明的掌控板" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		{ "two\nlines", "\"two\nlines\"" },
		{ "cr\rhere", "\"cr\rhere\"" },
		{ "", "" },
		{ "it's", "it's" },
		/* what a spreadsheet would run stays text */
		{ "=1+2", "'=1+2" },
		{ "+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0" },
		{ "-2+3", "'-2+3" },
		{ "@SUM(A1)", "'@SUM(A1)" },
		{ "\t=1", "'\t=1" },
		{ "=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" },
		{ "a=1", "a=1" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = field(cases[i][0]);

		if (strcmp(got, cases[i][1]) != 0)
			fail_msg("case %zu: [%s] for [%s], meant [%s]", i, got, cases[i][0], cases[i][1]);
		free(got);
	}
	/* NULL: an empty field */
	{
		char *got = field(NULL);

		assert_string_equal(got, "");
		free(got);
	}
}

/* The row of result r in context R, malloc'd. */
static char *row(const struct ub_report_ctx *R, const struct ub_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	ub_sumcsv_row(R, r, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_rows(void **state)
{
	struct ub_report_config c;
	struct ub_report_ctx R;
	struct ub_result r;
	json_error_t je;
	json_t *root;
	char *got;

	(void)state;
	ub_report_config_init(&c);
	memset(&R, 0, sizeof(R));
	R.c = &c;
	memset(&r, 0, sizeof(r));
	/* a board that answered, its up/down split unknown */
	root = json_loads("{\"params\":{\"peer_addr\":\"10.0.0.7:10000\",\"proto\":\"udp\","
			  "\"label\":\"Room, 3\",\"name\":\"=A1\",\"wifi\":{\"iface\":\"wlan0\","
			  "\"start\":{\"ssid\":\"=cmd|' /C calc'!A0\",\"channel\":36,\"signal_dbm\":-52}}},"
			  "\"summary\":{\"sent\":100,\"received\":98,\"lost\":2,\"loss_pct\":2.0,"
			  "\"lost_up\":null,\"lost_down\":null,\"rtt_ns\":{\"n\":98,\"min\":1500000,"
			  "\"median\":2000000,\"p90\":2500000,\"p99\":3000000,\"max\":12345678}}}",
			  0, &je);
	assert_non_null(root);
	r.params = json_object_get(root, "params");
	r.summary = json_object_get(root, "summary");
	r.name = "=A1";
	got = row(&R, &r);
	assert_string_equal(got, "\"Room, 3\",'=A1,10.0.0.7:10000,udp,,100,98,2,2.000,,,1.500,2.000,2.500,"
				 "3.000,12.346,,'=cmd|' /C calc'!A0,36,-52\r\n");
	free(got);
	json_decref(root);

	/* a board that never answered: there, its round-trip cells empty, said so in Chinese */
	root = json_loads("{\"params\":{\"peer_addr\":\"10.0.0.8:10000\",\"proto\":\"udp\","
			  "\"name\":\"王五\"},"
			  "\"summary\":{\"sent\":50,\"received\":0,\"lost\":50,\"loss_pct\":100.0,"
			  "\"lost_up\":50,\"lost_down\":0,\"rtt_ns\":{\"n\":0,\"min\":null,"
			  "\"median\":null,\"p90\":null,\"p99\":null,\"max\":null}}}",
			  0, &je);
	assert_non_null(root);
	r.params = json_object_get(root, "params");
	r.summary = json_object_get(root, "summary");
	r.name = "王五";
	r.dead = 1;
	R.zh = 1;
	got = row(&R, &r);
	assert_string_equal(got, ",王五,10.0.0.8:10000,udp,,50,0,50,100.000,50,0,,,,,,无应答,,,\r\n");
	free(got);
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_quoting),
		cmocka_unit_test(test_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
