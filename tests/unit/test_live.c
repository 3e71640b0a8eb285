/*
 * Unit tests for bench/live/: the live page's JSON (fields, nulls for what
 * is not known, hostile names kept as inert text) and its server on a
 * loopback port, fed with made-up sender ticks and read by a plain socket
 * client: the headers, /state.json, /events, the viewer cap, and a viewer
 * that never reads, which must neither hold up a tick nor the end of the run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/clock.h"
#include "live/live.h"
#include "live/livejson.h"

#define MS 1000000LL
#define HOSTILE "<script>alert(\"x\")</script>' & \"小明\""

/* A made-up tick: n boards, board 1 never heard, each with k fresh outcomes. */
struct fake {
	struct ub_board_now b[40];
	struct ub_outcome out[40][64];
	char names[40][64], addrs[40][32];
};

static void fake_fill(struct fake *f, unsigned n, unsigned k, int64_t now)
{
	unsigned i, j;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < n; i++) {
		struct ub_board_now *b = &f->b[i];

		if (i == 2)
			snprintf(f->names[i], sizeof(f->names[i]), "%s", HOSTILE);
		else
			snprintf(f->names[i], sizeof(f->names[i]), "board %u", i);
		snprintf(f->addrs[i], sizeof(f->addrs[i]), "127.0.0.1:%u", 20000 + i);
		b->name = i == 3 ? NULL : f->names[i];
		b->peer = b->addr = f->addrs[i];
		b->sent = 100;
		b->received = i == 1 ? 0 : 90;
		b->lost = i == 1 ? 99 : 10;
		b->has_split = i != 4;
		b->lost_up = 4;
		b->lost_down = 6;
		b->rtt_now_ns = i == 1 ? -1 : 1500000 + (int64_t)i;
		b->rtt_median_ns = i == 1 ? -1 : 1200000;
		b->rtt_p99_ns = i == 1 ? -1 : 3000000;
		b->heard_ns = i == 1 ? -1 : now - 100 * MS;
		for (j = 0; j < k && j < 64; j++) {
			f->out[i][j].seq = j;
			f->out[i][j].tx_ns = now - (int64_t)(k - j) * MS;
			f->out[i][j].rtt_ns = j % 10 == 3 ? -1 : 1000000 + (int64_t)j;
		}
		b->fresh = f->out[i];
		b->n_fresh = k;
	}
}

static json_t *parse(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);

	if (!j)
		fail_msg("not JSON: %s (%s)", je.text, text);
	return j;
}

static void test_state_fields_and_nulls(void **state)
{
	static struct fake f;
	struct ub_live_state s;
	json_t *j, *b;
	char *text;

	(void)state;
	ub_live_state_init(&s, UB_LANG_ZH, "第一课", 2000 * MS);
	fake_fill(&f, 5, 8, 5000 * MS);
	assert_int_equal(ub_live_state_tick(&s, 5000 * MS, f.b, 5, 0), 0);
	text = ub_live_json_text(ub_live_json_state(&s, 0));
	assert_non_null(text);
	j = parse(text);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "run"), "lang")), "zh");
	assert_false(json_is_true(json_object_get(json_object_get(j, "run"), "finished")));
	assert_int_equal(json_array_size(json_object_get(j, "boards")), 5);
	b = json_array_get(json_object_get(j, "boards"), 0);
	assert_string_equal(json_string_value(json_object_get(b, "name")), "board 0");
	assert_string_equal(json_string_value(json_object_get(b, "address")), "127.0.0.1:20000");
	assert_int_equal(json_integer_value(json_object_get(b, "sent")), 100);
	assert_int_equal(json_integer_value(json_object_get(b, "lost_down")), 6);
	assert_int_equal(json_integer_value(json_object_get(b, "rtt_now_ns")), 1500000);
	assert_int_equal(json_integer_value(json_object_get(b, "age_ns")), 100 * MS);
	assert_true(json_real_value(json_object_get(b, "loss_pct")) == 10.0);
	assert_true(json_is_false(json_object_get(b, "silent")));
	/* never heard: silent, and null where a figure would be */
	b = json_array_get(json_object_get(j, "boards"), 1);
	assert_true(json_is_true(json_object_get(b, "silent")));
	assert_true(json_is_null(json_object_get(b, "rtt_now_ns")));
	assert_true(json_is_null(json_object_get(b, "rtt_median_ns")));
	assert_true(json_is_null(json_object_get(b, "last_heard_ns")));
	/* no name; no split */
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(j, "boards"), 3), "name")));
	assert_true(json_is_null(json_object_get(json_array_get(json_object_get(j, "boards"), 4), "lost_up")));
	/* this tick's points: 8 per board, the lost ones null */
	assert_int_equal(json_array_size(json_object_get(j, "points")), 5 * 8);
	assert_true(json_is_null(json_array_get(json_array_get(json_object_get(j, "points"), 3), 2)));
	assert_null(json_object_get(j, "words"));
	json_decref(j);
	free(text);
	/* heard 2.5 s ago: silent */
	fake_fill(&f, 5, 0, 7600 * MS);
	f.b[0].heard_ns = 5100 * MS;
	assert_int_equal(ub_live_state_tick(&s, 7600 * MS, f.b, 5, 1), 0);
	j = ub_live_json_state(&s, 1);
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(j, "boards"), 0), "silent")));
	assert_true(json_is_true(json_object_get(json_object_get(j, "run"), "finished")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "words"), "rtt_now")),
			    "当前往返时延");
	assert_int_equal(json_array_size(json_object_get(j, "points")), 5 * 8);
	json_decref(j);
	ub_live_state_free(&s);
}

/* A hostile name comes out as a JSON string with no markup character in the text at all. */
static void test_hostile_name_is_inert(void **state)
{
	static struct fake f;
	struct ub_live_state s;
	json_t *j;
	char *text;

	(void)state;
	ub_live_state_init(&s, UB_LANG_EN, NULL, 2000 * MS);
	fake_fill(&f, 3, 0, 1000 * MS);
	assert_int_equal(ub_live_state_tick(&s, 1000 * MS, f.b, 3, 0), 0);
	text = ub_live_json_text(ub_live_json_state(&s, 1));
	assert_non_null(text);
	assert_null(strchr(text, '<'));
	assert_null(strchr(text, '>'));
	assert_null(strchr(text, '&'));
	assert_null(strchr(text, '\n'));
	assert_non_null(strstr(text, "\\u003cscript\\u003ealert(\\\"x\\\")"));
	j = parse(text);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "boards"), 2),
							      "name")),
			    HOSTILE);
	json_decref(j);
	free(text);
	ub_live_state_free(&s);
}

/* More outcomes than a tick shows: every lost one stays, the rest are thinned out. */
static void test_fresh_points_keep_losses(void **state)
{
	static struct fake f;
	struct ub_live_state s;
	unsigned k, lost = 0;

	(void)state;
	ub_live_state_init(&s, UB_LANG_EN, NULL, 2000 * MS);
	fake_fill(&f, 1, 64, 1000 * MS);
	assert_int_equal(ub_live_state_tick(&s, 1000 * MS, f.b, 1, 0), 0);
	assert_int_equal(s.boards[0].fresh, UB_LIVE_TICK_POINTS);
	for (k = 0; k < s.boards[0].kept; k++)
		lost += s.boards[0].ring[k].rtt_ns < 0;
	assert_int_equal(lost, 7); /* seq 3, 13, ..., 63 */
	assert_int_equal(s.boards[0].fresh_dropped, 64 - UB_LIVE_TICK_POINTS);
	ub_live_state_free(&s);
}

/* ---- the server, read by a plain socket client ---- */

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

static int request(int port, const char *method, const char *path)
{
	char req[256];
	int fd = connect_to(port);
	int n = snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: test\r\n\r\n", method, path);

	assert_int_equal(write(fd, req, (size_t)n), n);
	return fd;
}

/* Reads into buf until want appears (NULL: until EOF) or 5 s pass; returns the bytes read. */
static size_t read_until(int fd, char *buf, size_t cap, const char *want)
{
	int64_t until = ub_clock_mono() + 5000 * MS;
	size_t len = 0;

	buf[0] = '\0';
	while (len + 1 < cap && ub_clock_mono() < until) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf + len, cap - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (want && strstr(buf, want))
			break;
	}
	return len;
}

/* The whole answer to one request (HTTP/1.0: the server closes when done). */
static char *fetch(int port, const char *method, const char *path)
{
	char *buf = malloc(1 << 20);
	int fd = request(port, method, path);

	assert_non_null(buf);
	read_until(fd, buf, 1 << 20, NULL);
	close(fd);
	return buf;
}

static struct ub_live *start(unsigned viewers, size_t backlog)
{
	struct ub_live_config c;
	struct ub_err e;
	struct ub_live *lv;

	ub_live_config_init(&c);
	c.lang = UB_LANG_EN;
	c.max_viewers = viewers;
	c.max_backlog = backlog;
	ub_err_clear(&e);
	lv = ub_live_start(&c, &e);
	if (!lv)
		fail_msg("ub_live_start: %s", e.msg);
	assert_true(ub_live_port(lv) > 0);
	assert_non_null(strstr(ub_live_address(lv), "127.0.0.1:"));
	return lv;
}

static void assert_safe_headers(const char *answer, const char *type)
{
	char want[128];

	snprintf(want, sizeof(want), "Content-Type: %s", type);
	assert_non_null(strstr(answer, want));
	assert_non_null(strstr(answer, "X-Content-Type-Options: nosniff"));
	assert_non_null(strstr(answer, "Content-Security-Policy: default-src 'none'; script-src 'self';"));
}

static void test_serves_page_files_with_safe_headers(void **state)
{
	struct ub_live *lv = start(4, UB_LIVE_BACKLOG_MAX);
	int port = ub_live_port(lv);
	char *a;

	(void)state;
	a = fetch(port, "GET", "/");
	assert_non_null(strstr(a, " 200 OK\r\n"));
	assert_safe_headers(a, "text/html");
	assert_non_null(strstr(a, "<script src=\"/live.js\""));
	assert_null(strstr(a, "<script>")); /* no inline script: the CSP would refuse it */
	free(a);
	a = fetch(port, "GET", "/live.js");
	assert_safe_headers(a, "text/javascript");
	assert_non_null(strstr(a, "textContent"));
	assert_null(strstr(a, "innerHTML"));
	free(a);
	a = fetch(port, "GET", "/live.css");
	assert_safe_headers(a, "text/css");
	free(a);
	a = fetch(port, "GET", "/nothing");
	assert_non_null(strstr(a, " 404 "));
	free(a);
	a = fetch(port, "POST", "/state.json");
	assert_non_null(strstr(a, " 405 "));
	free(a);
	ub_live_stop(lv);
}

static void test_state_json_follows_ticks(void **state)
{
	static struct fake f;
	struct ub_live *lv = start(4, UB_LIVE_BACKLOG_MAX);
	char *a;
	json_t *j;

	(void)state;
	a = fetch(ub_live_port(lv), "GET", "/state.json");
	assert_safe_headers(a, "application/json");
	j = parse(strstr(a, "\r\n\r\n") + 4);
	assert_int_equal(json_array_size(json_object_get(j, "boards")), 0);
	assert_true(json_is_null(json_object_get(json_object_get(j, "run"), "elapsed_ns")));
	json_decref(j);
	free(a);
	fake_fill(&f, 10, 4, 3000 * MS);
	ub_live_tick(lv, 3000 * MS, f.b, 10, 0);
	a = fetch(ub_live_port(lv), "GET", "/state.json");
	j = parse(strstr(a, "\r\n\r\n") + 4);
	assert_int_equal(json_array_size(json_object_get(j, "boards")), 10);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "run"), "elapsed_ns")),
			 3000 * MS);
	json_decref(j);
	free(a);
	ub_live_stop(lv);
}

/* /events: the whole state first, then one event per tick; after the end, the stream closes. */
static void test_events_stream_and_end(void **state)
{
	static struct fake f;
	static char buf[1 << 20];
	struct ub_live *lv = start(4, UB_LIVE_BACKLOG_MAX);
	int fd;
	size_t len;

	(void)state;
	fake_fill(&f, 3, 4, 1000 * MS);
	ub_live_tick(lv, 1000 * MS, f.b, 3, 0);
	fd = request(ub_live_port(lv), "GET", "/events");
	len = read_until(fd, buf, sizeof(buf), "\"words\"");
	assert_true(len > 0);
	assert_non_null(strstr(buf, "Content-Type: text/event-stream"));
	assert_non_null(strstr(buf, "event: state\ndata: {"));
	fake_fill(&f, 3, 4, 1250 * MS);
	ub_live_tick(lv, 1250 * MS, f.b, 3, 0);
	read_until(fd, buf, sizeof(buf), "event: tick\ndata: {");
	assert_non_null(strstr(buf, "event: tick\ndata: {"));
	ub_live_tick(lv, 1500 * MS, f.b, 3, 1);
	ub_live_stop(lv);
	len = read_until(fd, buf, sizeof(buf), NULL); /* EOF within the bound */
	assert_non_null(strstr(buf, "\"finished\":true"));
	close(fd);
}

/* Past the cap, a viewer gets 503 and the ones already there keep theirs. */
static void test_viewer_cap(void **state)
{
	static char buf[1 << 16];
	struct ub_live *lv = start(2, UB_LIVE_BACKLOG_MAX);
	int port = ub_live_port(lv), a, b;
	char *third;

	(void)state;
	a = request(port, "GET", "/events");
	read_until(a, buf, sizeof(buf), "event: state");
	b = request(port, "GET", "/events");
	read_until(b, buf, sizeof(buf), "event: state");
	assert_non_null(strstr(buf, "event: state"));
	third = fetch(port, "GET", "/events");
	assert_non_null(strstr(third, " 503 "));
	assert_null(strstr(third, "event: state"));
	free(third);
	close(a);
	close(b);
	ub_live_stop(lv);
}

/*
 * A viewer that never reads: the ticks go on at once (each well within
 * the sender's 250 ms between ticks, though a 30 kB event goes to it every
 * time), it is dropped once its backlog passes the cap, and the end of the
 * run is not held up.
 */
static void test_stalled_viewer_holds_nothing_up(void **state)
{
	static struct fake f;
	static char buf[1 << 16];
	struct ub_live *lv = start(4, 256 * 1024);
	int fd, small = 4096, t;
	int64_t worst = 0, t0;

	(void)state;
	fd = request(ub_live_port(lv), "GET", "/events");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	read_until(fd, buf, 64, " 200 OK");
	for (t = 0; t < 400; t++) {
		int64_t d;

		fake_fill(&f, 40, 64, (1000 + t * 250) * MS);
		t0 = ub_clock_mono();
		ub_live_tick(lv, (1000 + t * 250) * MS, f.b, 40, 0);
		d = ub_clock_mono() - t0;
		worst = d > worst ? d : worst;
	}
	assert_true(worst < 100 * MS);
	assert_int_equal(ub_live_dropped(lv), 1);
	t0 = ub_clock_mono();
	ub_live_stop(lv);
	assert_true(ub_clock_mono() - t0 < 3000 * MS); /* the drain bound, 2 s, and a margin */
	close(fd);
}

/* A port in use: a clear error naming the address, and no server. */
static void test_taken_port(void **state)
{
	struct ub_live *lv = start(4, UB_LIVE_BACKLOG_MAX), *again;
	struct ub_live_config c;
	struct ub_err e;

	(void)state;
	ub_live_config_init(&c);
	c.port = ub_live_port(lv);
	ub_err_clear(&e);
	again = ub_live_start(&c, &e);
	assert_null(again);
	assert_non_null(strstr(e.msg, "cannot listen on 127.0.0.1:"));
	ub_live_stop(lv);
	ub_live_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_fields_and_nulls),
		cmocka_unit_test(test_hostile_name_is_inert),
		cmocka_unit_test(test_fresh_points_keep_losses),
		cmocka_unit_test(test_serves_page_files_with_safe_headers),
		cmocka_unit_test(test_state_json_follows_ticks),
		cmocka_unit_test(test_events_stream_and_end),
		cmocka_unit_test(test_viewer_cap),
		cmocka_unit_test(test_stalled_viewer_holds_nothing_up),
		cmocka_unit_test(test_taken_port),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
