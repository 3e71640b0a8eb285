/*
 * Unit tests for the metrics (bench/live/openmetrics.c, metrics.c,
 * metrics/rttbuckets.c, send/watchfan.c): hostile label values escaped so
 * that none ends its string or its line, names held to the grammar, the two
 * formats' differences (_total, UNIT, # EOF), cumulative histogram buckets
 * with exact bounds, content negotiation, and the server on a loopback port
 * fed with made-up sender ticks: the counters it serves, the up/down split
 * that never goes back, and the wait at the end for a last scrape.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/clock.h"
#include "live/metrics.h"
#include "live/openmetrics.h"
#include "metrics/rttbuckets.h"
#include "send/watchfan.h"

#define MS 1000000LL

/* The text of one exposition written by fn in fmt (asserted to succeed); caller frees. */
static char *expose(enum ub_om_format fmt, void (*fn)(struct ub_om *))
{
	struct ub_om o;
	size_t len = 0;
	char *text;

	ub_om_init(&o, fmt);
	fn(&o);
	text = ub_om_finish(&o, &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	return text;
}

static void hostile_labels(struct ub_om *o)
{
	/* a quote, a backslash and a line feed; bytes that are no UTF-8; Chinese kept */
	const struct ub_om_label l[] = {
		{ "name", "a\"b\\c\nd" },
		{ "peer", "\xff" "x\xc0\x80y\xed\xa0\x80z\xe5\xb0" },
		{ "label", "小明 的板子" },
		{ "empty", "" },
	};

	ub_om_family(o, "t_sent", UB_OM_COUNTER, NULL, "Help with \"quotes\", \\ and\nnewline.");
	ub_om_counter(o, l, 4, 7);
}

static void test_hostile_label_values_are_escaped(void **state)
{
	char *t = expose(UB_OM_TEXT, hostile_labels), *om = expose(UB_OM_OPENMETRICS, hostile_labels);
	const char *want = "t_sent_total{name=\"a\\\"b\\\\c\\nd\","
			   "peer=\"\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz"
			   "\xef\xbf\xbd\xef\xbf\xbd\",label=\"小明 的板子\"} 7\n";

	(void)state;
	assert_non_null(strstr(t, want));
	assert_non_null(strstr(om, want));
	/* the sample is one line: the value's line feed became two characters */
	assert_int_equal(strstr(t, want)[strlen(want) - 1], '\n');
	/* an empty value leaves its label out */
	assert_null(strstr(t, "empty="));
	/* HELP: backslash and line feed escaped in both; the quote only in OpenMetrics */
	assert_non_null(strstr(t, "# HELP t_sent_total Help with \"quotes\", \\\\ and\\nnewline.\n"));
	assert_non_null(strstr(om, "# HELP t_sent Help with \\\"quotes\\\", \\\\ and\\nnewline.\n"));
	free(t);
	free(om);
}

static void families(struct ub_om *o)
{
	const struct ub_om_label l[] = { { "peer", "p" } };

	ub_om_family(o, "t_lost", UB_OM_COUNTER, NULL, "Lost.");
	ub_om_counter(o, l, 1, 3);
	ub_om_family(o, "t_age_seconds", UB_OM_GAUGE, "seconds", "Age.");
	ub_om_gauge_ns(o, l, 1, 1500 * MS);
	ub_om_gauge_ns(o, NULL, 0, -250);
}

static void test_formats_differ_where_the_specs_do(void **state)
{
	char *t = expose(UB_OM_TEXT, families), *om = expose(UB_OM_OPENMETRICS, families);

	(void)state;
	/* 0.0.4: the counter's family is named as its sample; no UNIT, no EOF */
	assert_non_null(strstr(t, "# TYPE t_lost_total counter\nt_lost_total{peer=\"p\"} 3\n"));
	assert_null(strstr(t, "# UNIT"));
	assert_null(strstr(t, "# EOF"));
	/* OpenMetrics: the family without _total, the sample with it, UNIT, and # EOF last */
	assert_non_null(strstr(om, "# TYPE t_lost counter\nt_lost_total{peer=\"p\"} 3\n"));
	assert_non_null(strstr(om, "# TYPE t_age_seconds gauge\n# UNIT t_age_seconds seconds\n"));
	assert_string_equal(om + strlen(om) - 6, "# EOF\n");
	assert_int_equal(strstr(om, "# EOF") - om, (long)strlen(om) - 6);
	/* seconds written exactly from nanoseconds */
	assert_non_null(strstr(t, "t_age_seconds{peer=\"p\"} 1.500000000\n"));
	assert_non_null(strstr(t, "t_age_seconds -0.000000250\n"));
	free(t);
	free(om);
}

/* Each writes one thing the grammar refuses. */
static void bad_family(struct ub_om *o)
{
	ub_om_family(o, "9lives", UB_OM_GAUGE, NULL, "x");
}
static void bad_total(struct ub_om *o)
{
	ub_om_family(o, "t_sent_total", UB_OM_COUNTER, NULL, "x");
}
static void bad_unit(struct ub_om *o)
{
	ub_om_family(o, "t_rtt", UB_OM_GAUGE, "seconds", "x");
}
static void bad_label(struct ub_om *o)
{
	const struct ub_om_label l[] = { { "__name__", "x" } };

	ub_om_family(o, "t_x", UB_OM_GAUGE, NULL, "x");
	ub_om_gauge(o, l, 1, 1);
}
static void bad_label_char(struct ub_om *o)
{
	const struct ub_om_label l[] = { { "pe-er", "x" } };

	ub_om_family(o, "t_x", UB_OM_GAUGE, NULL, "x");
	ub_om_gauge(o, l, 1, 1);
}
static void wrong_type(struct ub_om *o)
{
	ub_om_family(o, "t_x", UB_OM_GAUGE, NULL, "x");
	ub_om_counter(o, NULL, 0, 1);
}
static void no_family(struct ub_om *o)
{
	ub_om_gauge(o, NULL, 0, 1);
}
static void not_cumulative(struct ub_om *o)
{
	static const char *const le[] = { "0.1", "1.0" };
	static const uint64_t cum[] = { 5, 4 };

	ub_om_family(o, "t_h_seconds", UB_OM_HISTOGRAM, "seconds", "x");
	ub_om_histogram(o, NULL, 0, le, cum, 2, 5, 0);
}

static void test_bad_names_fail_the_text(void **state)
{
	void (*bad[])(struct ub_om *) = { bad_family, bad_total, bad_unit, bad_label,
					  bad_label_char, wrong_type, no_family, not_cumulative };
	size_t i, len;
	int f;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (f = 0; f < 2; f++) {
			struct ub_om o;

			ub_om_init(&o, (enum ub_om_format)f);
			bad[i](&o);
			assert_null(ub_om_finish(&o, &len));
		}
	assert_true(ub_om_name_ok("udpbench_rtt_seconds"));
	assert_true(ub_om_name_ok("a:b"));
	assert_false(ub_om_name_ok(""));
	assert_false(ub_om_name_ok("a b"));
	assert_true(ub_om_label_name_ok("le"));
	assert_false(ub_om_label_name_ok("a:b"));
	assert_false(ub_om_label_name_ok("__x"));
}

static void test_rtt_buckets_bounds_are_inclusive(void **state)
{
	struct ub_rtt_buckets b;
	unsigned i;

	(void)state;
	memset(&b, 0, sizeof(b));
	ub_rtt_buckets_add(&b, 0);
	ub_rtt_buckets_add(&b, -5);            /* a negative one counts as 0 */
	ub_rtt_buckets_add(&b, 500 * 1000);    /* exactly 0.5 ms: the first bucket */
	ub_rtt_buckets_add(&b, 500 * 1000 + 1);
	ub_rtt_buckets_add(&b, 1000 * MS);     /* exactly 1 s */
	ub_rtt_buckets_add(&b, 2000 * MS + 1); /* past the last bound */
	assert_int_equal(b.count, 6);
	assert_int_equal(b.n[0], 3);
	assert_int_equal(b.n[1], 1);
	assert_int_equal(b.n[18], 1);
	assert_int_equal(b.n[UB_RTT_BUCKETS], 1);
	assert_int_equal(b.sum_ns, 500000 + 500001 + 1000 * MS + 2000 * MS + 1);
	assert_int_equal(ub_rtt_buckets_upto(&b, 0), 3);
	assert_int_equal(ub_rtt_buckets_upto(&b, UB_RTT_BUCKETS - 1), 5);
	assert_int_equal(ub_rtt_buckets_upto(&b, UB_RTT_BUCKETS), 6);
	/* ascending bounds, each le the same number as its nanoseconds */
	for (i = 0; i < UB_RTT_BUCKETS; i++) {
		assert_true(!i || ub_rtt_bounds[i].le_ns > ub_rtt_bounds[i - 1].le_ns);
		assert_true(llround(strtod(ub_rtt_bounds[i].le, NULL) * 1e9) == ub_rtt_bounds[i].le_ns);
	}
	assert_int_equal(ub_rtt_bounds[0].le_ns, 500 * 1000);
	assert_int_equal(ub_rtt_bounds[UB_RTT_BUCKETS - 1].le_ns, 2000 * MS);
}

static struct ub_rtt_buckets hist_fixture;

static void one_histogram(struct ub_om *o)
{
	const char *le[UB_RTT_BUCKETS];
	uint64_t cum[UB_RTT_BUCKETS];
	const struct ub_om_label l[] = { { "peer", "p" } };
	unsigned i;

	for (i = 0; i < UB_RTT_BUCKETS; i++) {
		le[i] = ub_rtt_bounds[i].le;
		cum[i] = ub_rtt_buckets_upto(&hist_fixture, i);
	}
	ub_om_family(o, "t_rtt_seconds", UB_OM_HISTOGRAM, "seconds", "RTT.");
	ub_om_histogram(o, l, 1, le, cum, UB_RTT_BUCKETS, hist_fixture.count, hist_fixture.sum_ns);
}

static void test_histogram_is_cumulative(void **state)
{
	int64_t rtts[] = { 400 * 1000, 1 * MS, 4 * MS, 4 * MS, 40 * MS, 3000 * MS };
	uint64_t prev = 0, v;
	char *t, *p;
	size_t i, buckets = 0;

	(void)state;
	memset(&hist_fixture, 0, sizeof(hist_fixture));
	for (i = 0; i < sizeof(rtts) / sizeof(rtts[0]); i++)
		ub_rtt_buckets_add(&hist_fixture, rtts[i]);
	t = expose(UB_OM_OPENMETRICS, one_histogram);
	for (p = t; (p = strstr(p, "t_rtt_seconds_bucket{")); p++) {
		v = strtoull(strchr(p, '}') + 2, NULL, 10);
		assert_true(v >= prev);
		prev = v;
		buckets++;
	}
	assert_int_equal(buckets, UB_RTT_BUCKETS + 1);
	assert_non_null(strstr(t, "t_rtt_seconds_bucket{peer=\"p\",le=\"0.0005\"} 1\n"));
	assert_non_null(strstr(t, "t_rtt_seconds_bucket{peer=\"p\",le=\"0.001\"} 2\n"));
	assert_non_null(strstr(t, "t_rtt_seconds_bucket{peer=\"p\",le=\"0.005\"} 4\n"));
	assert_non_null(strstr(t, "t_rtt_seconds_bucket{peer=\"p\",le=\"2.0\"} 5\n"));
	assert_non_null(strstr(t, "t_rtt_seconds_bucket{peer=\"p\",le=\"+Inf\"} 6\n"));
	assert_non_null(strstr(t, "t_rtt_seconds_count{peer=\"p\"} 6\n"));
	assert_non_null(strstr(t, "t_rtt_seconds_sum{peer=\"p\"} 3.049400000\n"));
	free(t);
}

static void test_negotiation(void **state)
{
	(void)state;
	assert_int_equal(ub_om_negotiate(NULL), UB_OM_TEXT);
	assert_int_equal(ub_om_negotiate(""), UB_OM_TEXT);
	assert_int_equal(ub_om_negotiate("*/*"), UB_OM_TEXT);
	assert_int_equal(ub_om_negotiate("text/plain"), UB_OM_TEXT);
	/* what Prometheus 2 sends */
	assert_int_equal(ub_om_negotiate("application/openmetrics-text;version=1.0.0,application/"
					 "openmetrics-text;version=0.0.1;q=0.75,text/plain;version="
					 "0.0.4;q=0.5,*/*;q=0.1"),
			 UB_OM_OPENMETRICS);
	assert_int_equal(ub_om_negotiate("application/openmetrics-text"), UB_OM_OPENMETRICS);
	assert_int_equal(ub_om_negotiate("Application/OpenMetrics-Text ; Version=1.0.0"),
			 UB_OM_OPENMETRICS);
	assert_int_equal(ub_om_negotiate("application/openmetrics-text;q=0"), UB_OM_TEXT);
	assert_int_equal(ub_om_negotiate("application/openmetrics-text;version=0.0.1"), UB_OM_TEXT);
	assert_int_equal(ub_om_negotiate("application/openmetrics-text;version=2.0.0"), UB_OM_TEXT);
	assert_int_equal(ub_om_negotiate("text/plain;version=0.0.4, application/openmetrics-text;q=0.9"),
			 UB_OM_TEXT);
	assert_int_equal(ub_om_negotiate("*/*;q=0.1, application/openmetrics-text; q=0.5"),
			 UB_OM_OPENMETRICS);
	assert_int_equal(ub_om_negotiate(",,;;=,application/openmetrics-text;q=abc"), UB_OM_TEXT);
	assert_int_equal(ub_om_negotiate("application/openmetrics-text;q=1.5"), UB_OM_TEXT);
	assert_int_equal(ub_om_negotiate("image/png, application/openmetrics-text;q=0.2"),
			 UB_OM_OPENMETRICS);
}

/* ---- the server ---- */

static int connect_to(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* One HTTP/1.0 exchange; returns the whole answer (headers and body), malloc'd. */
static char *http(int port, const char *method, const char *path, const char *accept)
{
	char req[512], *buf = malloc(1 << 16);
	int fd = connect_to(port), n;
	size_t len = 0;
	int64_t until = ub_clock_mono() + 5000 * MS;

	assert_non_null(buf);
	n = snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: test\r\n%s%s%s\r\n", method, path,
		     accept ? "Accept: " : "", accept ? accept : "", accept ? "\r\n" : "");
	assert_int_equal(write(fd, req, (size_t)n), n);
	while (ub_clock_mono() < until && len + 1 < (1 << 16)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 100) <= 0)
			continue;
		r = read(fd, buf + len, (1 << 16) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

/* Two boards with the same address and no names (their series must still differ), and one named. */
struct fake {
	struct ub_board_now b[3];
	struct ub_rtt_buckets h[3];
};

static void fake_fill(struct fake *f, uint64_t sent, uint64_t up, uint64_t down)
{
	unsigned i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < 3; i++) {
		f->b[i].peer = "127.0.0.1:9";
		f->b[i].addr = "127.0.0.1:9";
		f->b[i].name = i == 2 ? "room \"7\"" : NULL;
		f->b[i].sent = sent;
		f->b[i].received = sent - up - down;
		f->b[i].lost = up + down;
		f->b[i].has_split = 1;
		f->b[i].lost_up = up;
		f->b[i].lost_down = down;
		f->b[i].rtt_now_ns = 3 * MS;
		f->b[i].heard_ns = 0;
		ub_rtt_buckets_add(&f->h[i], 3 * MS);
		f->b[i].rtt = &f->h[i];
	}
}

static struct ub_metrics *start_sender(int64_t linger_ns)
{
	struct ub_metrics_config c;
	struct ub_err e;
	struct ub_metrics *m;

	ub_metrics_config_init(&c);
	c.label = "run \\1";
	c.linger_max_ns = linger_ns;
	m = ub_metrics_start_sender(&c, &e);
	assert_non_null(m);
	assert_true(ub_metrics_port(m) > 0);
	return m;
}

static void test_server_serves_both_formats(void **state)
{
	struct ub_metrics *m = start_sender(0);
	struct ub_sender_watch w;
	struct fake f;
	char *a;

	(void)state;
	ub_metrics_watch(m, &w);
	fake_fill(&f, 100, 2, 3);
	w.tick(w.ctx, 500 * MS, f.b, 3, 0);
	a = http(ub_metrics_port(m), "GET", "/metrics", NULL);
	assert_non_null(strstr(a, "HTTP/1.0 200") ? a : strstr(a, "HTTP/1.1 200"));
	assert_non_null(strstr(a, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(a, "udpbench_sent_total{peer=\"127.0.0.1:9\",label=\"run \\\\1\"} 100\n"));
	/* the second board repeats the first's labels: an index keeps the series apart */
	assert_non_null(strstr(a, "udpbench_sent_total{peer=\"127.0.0.1:9\",label=\"run \\\\1\",index=\"1\"} 100\n"));
	assert_non_null(strstr(a, "udpbench_lost_up_total{peer=\"127.0.0.1:9\",name=\"room \\\"7\\\"\",label=\"run \\\\1\"} 2\n"));
	assert_non_null(strstr(a, "udpbench_rtt_seconds_bucket{peer=\"127.0.0.1:9\",label=\"run \\\\1\",le=\"0.003\"} 1\n"));
	assert_non_null(strstr(a, "udpbench_finished{label=\"run \\\\1\"} 0\n"));
	assert_null(strstr(a, "# EOF"));
	free(a);
	a = http(ub_metrics_port(m), "GET", "/metrics", "application/openmetrics-text; version=1.0.0");
	assert_non_null(strstr(a, "Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n"));
	assert_non_null(strstr(a, "# TYPE udpbench_sent counter\n"));
	assert_non_null(strstr(a, "# UNIT udpbench_rtt_seconds seconds\n"));
	assert_string_equal(a + strlen(a) - 6, "# EOF\n");
	free(a);
	a = http(ub_metrics_port(m), "POST", "/metrics", NULL);
	assert_non_null(strstr(a, " 405 "));
	free(a);
	a = http(ub_metrics_port(m), "GET", "/state.json", NULL);
	assert_non_null(strstr(a, " 404 "));
	free(a);
	assert_int_equal(ub_metrics_scrapes(m), 2);
	ub_metrics_stop(m, NULL);
}

static void test_split_never_goes_back_but_ends_as_the_summary(void **state)
{
	struct ub_metrics *m = start_sender(0);
	struct ub_sender_watch w;
	struct fake f;
	char *a;

	(void)state;
	ub_metrics_watch(m, &w);
	fake_fill(&f, 100, 4, 1);
	w.tick(w.ctx, 250 * MS, f.b, 3, 0);
	/* a later tick whose running split moved one loss from up to down */
	fake_fill(&f, 120, 3, 2);
	w.tick(w.ctx, 500 * MS, f.b, 3, 0);
	a = http(ub_metrics_port(m), "GET", "/metrics", NULL);
	assert_non_null(strstr(a, "udpbench_lost_up_total{peer=\"127.0.0.1:9\",label=\"run \\\\1\"} 4\n"));
	assert_non_null(strstr(a, "udpbench_lost_down_total{peer=\"127.0.0.1:9\",label=\"run \\\\1\"} 2\n"));
	free(a);
	/* the final tick carries the summary's split: it is taken as it is */
	w.tick(w.ctx, 750 * MS, f.b, 3, 1);
	a = http(ub_metrics_port(m), "GET", "/metrics", NULL);
	assert_non_null(strstr(a, "udpbench_lost_up_total{peer=\"127.0.0.1:9\",label=\"run \\\\1\"} 3\n"));
	assert_non_null(strstr(a, "udpbench_finished{label=\"run \\\\1\"} 1\n"));
	free(a);
	ub_metrics_stop(m, NULL);
}

static void test_wait_for_the_last_scrape(void **state)
{
	struct ub_metrics *m = start_sender(300 * MS);
	struct ub_sender_watch w;
	struct fake f;
	int64_t t0;
	char *a;

	(void)state;
	/* never scraped, or once (a look by hand): no wait at all */
	t0 = ub_clock_mono();
	ub_metrics_stop(m, NULL);
	assert_true(ub_clock_mono() - t0 < 100 * MS);
	m = start_sender(300 * MS);
	ub_metrics_watch(m, &w);
	fake_fill(&f, 10, 0, 0);
	w.tick(w.ctx, 250 * MS, f.b, 3, 0);
	free(http(ub_metrics_port(m), "GET", "/metrics", NULL));
	w.tick(w.ctx, 500 * MS, f.b, 3, 1);
	t0 = ub_clock_mono();
	ub_metrics_stop(m, NULL);
	assert_true(ub_clock_mono() - t0 < 100 * MS);

	/* scraped again and again during the run, not after the end: it waits, up to the cap */
	m = start_sender(300 * MS);
	ub_metrics_watch(m, &w);
	w.tick(w.ctx, 250 * MS, f.b, 3, 0);
	free(http(ub_metrics_port(m), "GET", "/metrics", NULL));
	free(http(ub_metrics_port(m), "GET", "/metrics", NULL));
	w.tick(w.ctx, 500 * MS, f.b, 3, 1);
	t0 = ub_clock_mono();
	ub_metrics_stop(m, NULL);
	assert_true(ub_clock_mono() - t0 >= 290 * MS);
	assert_true(ub_clock_mono() - t0 < 1000 * MS);

	/* the final figures already scraped: no wait */
	m = start_sender(5000 * MS);
	ub_metrics_watch(m, &w);
	w.tick(w.ctx, 250 * MS, f.b, 3, 0);
	free(http(ub_metrics_port(m), "GET", "/metrics", NULL));
	w.tick(w.ctx, 500 * MS, f.b, 3, 1);
	a = http(ub_metrics_port(m), "GET", "/metrics", NULL);
	assert_non_null(strstr(a, "udpbench_finished{label=\"run \\\\1\"} 1\n"));
	free(a);
	t0 = ub_clock_mono();
	ub_metrics_stop(m, NULL);
	assert_true(ub_clock_mono() - t0 < 200 * MS);
}

static void test_taken_port(void **state)
{
	struct ub_metrics *m = start_sender(0), *again;
	struct ub_metrics_config c;
	struct ub_err e;

	(void)state;
	ub_metrics_config_init(&c);
	c.port = ub_metrics_port(m);
	ub_err_clear(&e);
	again = ub_metrics_start_reflector(&c, &e);
	assert_null(again);
	assert_non_null(strstr(e.msg, "--metrics"));
	assert_non_null(strstr(e.msg, "cannot listen"));
	ub_metrics_stop(m, NULL);
}

/* ---- the fan ---- */

static int ticks_a, ticks_b, intervals_b;

static void tick_a(void *ctx, int64_t now, const struct ub_board_now *b, unsigned n, int final)
{
	(void)now, (void)b, (void)n, (void)final;
	ticks_a += *(int *)ctx;
}
static void tick_b(void *ctx, int64_t now, const struct ub_board_now *b, unsigned n, int final)
{
	(void)ctx, (void)now, (void)b, (void)n, (void)final;
	ticks_b++;
}
static void interval_b(void *ctx, unsigned board, const struct ub_interval *iv)
{
	(void)ctx, (void)board, (void)iv;
	intervals_b++;
}

static void test_watchfan_calls_every_watcher(void **state)
{
	struct ub_watchfan f;
	struct ub_sender_watch a = { NULL, tick_a, NULL }, b = { NULL, tick_b, interval_b };
	const struct ub_sender_watch *w;
	struct ub_interval iv;
	int step = 1;
	unsigned i;

	(void)state;
	a.ctx = &step;
	ub_watchfan_init(&f);
	assert_null(ub_watchfan_watch(&f));
	assert_int_equal(ub_watchfan_add(&f, &a), 0);
	/* one watcher: the sender calls it directly */
	assert_ptr_equal(ub_watchfan_watch(&f)->tick, tick_a);
	assert_int_equal(ub_watchfan_add(&f, &b), 0);
	w = ub_watchfan_watch(&f);
	memset(&iv, 0, sizeof(iv));
	w->tick(w->ctx, 0, NULL, 0, 0);
	w->tick(w->ctx, 0, NULL, 0, 1);
	w->interval(w->ctx, 0, &iv);
	assert_int_equal(ticks_a, 2);
	assert_int_equal(ticks_b, 2);
	assert_int_equal(intervals_b, 1);
	for (i = 2; i < UB_WATCHFAN_MAX; i++)
		assert_int_equal(ub_watchfan_add(&f, &b), 0);
	assert_int_equal(ub_watchfan_add(&f, &b), UB_E_RANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_label_values_are_escaped),
		cmocka_unit_test(test_formats_differ_where_the_specs_do),
		cmocka_unit_test(test_bad_names_fail_the_text),
		cmocka_unit_test(test_rtt_buckets_bounds_are_inclusive),
		cmocka_unit_test(test_histogram_is_cumulative),
		cmocka_unit_test(test_negotiation),
		cmocka_unit_test(test_server_serves_both_formats),
		cmocka_unit_test(test_split_never_goes_back_but_ends_as_the_summary),
		cmocka_unit_test(test_wait_for_the_last_scrape),
		cmocka_unit_test(test_taken_port),
		cmocka_unit_test(test_watchfan_calls_every_watcher),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
