/*
 * Unit tests for bench/truth.c, the relay's truth log: the RFC 4737 count
 * of the relay's output, what each recorded action counts, and the JSON
 * written, on its own and behind a relay on loopback with an injected
 * clock. truth.c and relay.c are included to reach their static functions.
 * No test sleeps: every wait is a bounded poll.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "relay/truth.c"
#include "relay/relay.c"

#include "relay_fixture.h"

/* ---- the RFC 4737 count ------------------------------------------------------ */

/* RFC 4737 reordered count of a whole stream. */
static int reordered(const uint32_t *s, size_t n)
{
	struct ub_truth_order t;
	size_t i;
	int count = 0;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < n; i++)
		count += order_add(&t, s[i]) == 1;
	free(t.bits);
	return count;
}

static void test_rfc4737_on_the_output(void **state)
{
	static const uint32_t in_order[] = { 1, 2, 3, 5, 6 }; /* a gap is loss, not reordering */
	static const uint32_t one_late[] = { 1, 2, 3, 5, 6, 7, 8, 4, 9, 10 };
	static const uint32_t two_late[] = { 1, 4, 2, 3, 5 };
	static const uint32_t dup[] = { 1, 2, 2, 3 };                    /* duplicates removed first */
	static const uint32_t dup_late[] = { 1, 3, 2, 2, 3, 4 };
	static const uint32_t wrap[] = { 0xfffffffeu, 0xffffffffu, 1, 0, 2 };
	static const uint32_t first_late[] = { 5, 6, 4, 7 };

	(void)state;
	assert_int_equal(reordered(in_order, 5), 0);
	assert_int_equal(reordered(one_late, 10), 1);
	assert_int_equal(reordered(two_late, 5), 2);
	assert_int_equal(reordered(dup, 4), 0);
	assert_int_equal(reordered(dup_late, 6), 1);
	assert_int_equal(reordered(wrap, 5), 1);
	assert_int_equal(reordered(first_late, 4), 1);
}

static void test_rfc4737_window(void **state)
{
	struct ub_truth_order t;
	uint32_t s;

	(void)state;
	memset(&t, 0, sizeof(t));
	for (s = 0; s < 3 * TRUTH_SEQ_WINDOW; s++)
		assert_int_equal(order_add(&t, s), 0);
	/* Recent ones are known duplicates; the window forgets older ones. */
	assert_int_equal(order_add(&t, 3 * TRUTH_SEQ_WINDOW - 10), -1);
	assert_int_equal(order_add(&t, 3 * TRUTH_SEQ_WINDOW - TRUTH_SEQ_WINDOW), -1);
	assert_int_equal(order_add(&t, 10), 1);
	/* A jump forward clears what the window held for the numbers skipped. */
	assert_int_equal(order_add(&t, 5 * TRUTH_SEQ_WINDOW), 0);
	assert_int_equal(order_add(&t, 5 * TRUTH_SEQ_WINDOW - 5), 1);
	assert_int_equal(order_add(&t, 5 * TRUTH_SEQ_WINDOW - 5), -1);
	free(t.bits);
}

/* ---- the log on its own ------------------------------------------------------- */

static void test_actions_count_and_events_are_kept(void **state)
{
	static const uint8_t seq7[] = { 0, 0, 0, 7, 0xab };
	struct ub_truth_config tc;
	struct ub_truth_dir_counters up, down;
	struct ub_truth *t;
	int truncated = -1;

	(void)state;
	ub_truth_config_init(&tc);
	assert_int_equal(tc.max_events, UB_TRUTH_EVENTS_MAX);
	tc.max_events = 5;
	t = ub_truth_new(&tc, NULL);
	assert_non_null(t);
	ub_truth_in(t, UB_DIR_UP);
	ub_truth_in(t, UB_DIR_UP);
	ub_truth_in(t, UB_DIR_DOWN);
	ub_truth_record(t, 0, UB_DIR_UP, UB_TRUTH_LOSS, seq7, sizeof(seq7), 0, 10);
	ub_truth_record(t, 0, UB_DIR_UP, UB_TRUTH_BURST, seq7, sizeof(seq7), 0, 20);
	ub_truth_record(t, 1, UB_DIR_UP, UB_TRUTH_OVERFLOW, seq7, 3, 0, 30);
	ub_truth_record(t, 1, UB_DIR_DOWN, UB_TRUTH_QUEUE_DROP, seq7, sizeof(seq7), 0, 40);
	/* A varying delay is an event; only ub_truth_delayed counts it. */
	ub_truth_record(t, 1, UB_DIR_DOWN, UB_TRUTH_DELAY, seq7, sizeof(seq7), 5, 50);
	ub_truth_delayed(t, UB_DIR_DOWN);
	/* Past max_events: still counted, no longer kept. */
	ub_truth_record(t, 1, UB_DIR_DOWN, UB_TRUTH_DUP, seq7, sizeof(seq7), 0, 60);
	ub_truth_record(t, 1, UB_DIR_DOWN, UB_TRUTH_HOLD, seq7, sizeof(seq7), 0, 70);
	ub_truth_send_error(t, UB_DIR_DOWN);
	ub_truth_counters(t, UB_DIR_UP, &up);
	ub_truth_counters(t, UB_DIR_DOWN, &down);
	assert_int_equal(up.in, 2);
	assert_int_equal(up.dropped, 3);
	assert_int_equal(up.queue_dropped, 0);
	assert_int_equal(down.in, 1);
	assert_int_equal(down.dropped, 1);
	assert_int_equal(down.queue_dropped, 1);
	assert_int_equal(down.delayed, 1);
	assert_int_equal(down.duplicated, 1);
	assert_int_equal(down.held, 1);
	assert_int_equal(down.send_errors, 1);
	assert_int_equal(ub_truth_events(t, &truncated), 5);
	assert_int_equal(truncated, 1);
	assert_int_equal(t->events[0].seq, 7);
	assert_false(t->events[2].has_seq); /* 3 bytes: too short for a number */
	assert_int_equal(t->events[4].delay_ns, 5);
	assert_int_equal(t->events[4].t_ns, 50);
	ub_truth_free(t);
	ub_truth_free(NULL);
}

static void test_sent_counts_out_and_reordered_per_order(void **state)
{
	static const uint32_t seqs[] = { 1, 3, 2, 2, 4 };
	struct ub_truth_config tc;
	struct ub_truth_dir_counters up;
	struct ub_truth_order *a, *b;
	struct ub_truth *t;
	uint8_t buf[4];
	size_t i;

	(void)state;
	ub_truth_config_init(&tc);
	t = ub_truth_new(&tc, NULL);
	a = ub_truth_order_new();
	b = ub_truth_order_new();
	assert_true(t && a && b);
	for (i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		uint32_t n = htonl(seqs[i]);

		memcpy(buf, &n, 4);
		ub_truth_sent(t, a, UB_DIR_UP, buf, sizeof(buf));
	}
	/* Another flow's order starts afresh: 1 after its 5 is its own reordering. */
	memcpy(buf, &(uint32_t){ htonl(5) }, 4);
	ub_truth_sent(t, b, UB_DIR_UP, buf, sizeof(buf));
	memcpy(buf, &(uint32_t){ htonl(1) }, 4);
	ub_truth_sent(t, b, UB_DIR_UP, buf, sizeof(buf));
	/* Too short for a number: sent, not in the order. */
	ub_truth_sent(t, b, UB_DIR_UP, buf, 3);
	ub_truth_counters(t, UB_DIR_UP, &up);
	assert_int_equal(up.out, 8);
	assert_int_equal(up.reordered, 2); /* 2 in a (its second copy is no news), 1 in b */
	ub_truth_order_free(a);
	ub_truth_order_free(b);
	ub_truth_order_free(NULL);
	ub_truth_free(t);
}

/* An auto-mode sender's text probes, then its binary requests of the same numbering. */
static void test_text_probes_then_binary_requests_are_one_numbering(void **state)
{
	struct ub_truth_config tc;
	struct ub_truth_dir_counters up;
	struct ub_truth_order *o;
	struct ub_truth *t;
	struct ub_stamp_req req = { .ssid = ('A' << 8) | '7' };
	uint8_t buf[UB_STAMP_LEN];
	uint32_t n;

	(void)state;
	ub_truth_config_init(&tc);
	t = ub_truth_new(&tc, NULL);
	o = ub_truth_order_new();
	assert_true(t && o);
	for (n = 0; n < 6; n++) {
		if (n < 3) {
			assert_int_equal(ub_proto_encode_text((char *)buf, sizeof(buf), n,
							      1700000000000000000LL + n, req.ssid), 0);
		} else {
			req.seq = n;
			req.ts = ub_proto_ts(1700000000000000000LL + n, 0);
			ub_proto_encode_req(buf, sizeof(buf), &req);
		}
		ub_truth_sent(t, o, UB_DIR_UP, buf, sizeof(buf));
		/* Each event names the probe by its number, text or binary. */
		ub_truth_record(t, 0, UB_DIR_UP, UB_TRUTH_DELAY, buf, sizeof(buf), 1000, n);
		assert_int_equal(t->events[t->nevents - 1].seq, n);
		assert_true(t->events[t->nevents - 1].has_seq);
	}
	ub_truth_counters(t, UB_DIR_UP, &up);
	assert_int_equal(up.out, 6);
	assert_int_equal(up.reordered, 0);
	ub_truth_order_free(o);
	ub_truth_free(t);
}

static json_t *load(const char *path)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);

	if (!j)
		fail_msg("%s: %s (line %d)", path, je.text, je.line);
	return j;
}

static json_int_t geti(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);

	if (b)
		v = json_object_get(v, b);
	if (!json_is_integer(v))
		fail_msg("%s.%s is not an integer", a, b ? b : "");
	return json_integer_value(v);
}

static void test_write_on_its_own(void **state)
{
	static const uint8_t seq9[] = { 0, 0, 0, 9 };
	struct ub_impair_config up, down;
	struct ub_truth_config tc;
	struct ub_truth_header h;
	struct ub_addr l, g;
	struct ub_truth *t;
	struct ub_err e;
	char path[64];
	json_t *j, *ev;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/ub-test-truth-%d.json", (int)getpid());
	ub_err_clear(&e);
	assert_int_equal(ub_net_resolve("127.0.0.1", 9000, AF_INET, 0, &l, &e), 0);
	assert_int_equal(ub_net_resolve("127.0.0.1", 10000, AF_INET, 0, &g, &e), 0);
	ub_impair_config_init(&up);
	ub_impair_config_init(&down);
	up.loss = 0.25;
	ub_truth_config_init(&tc);
	t = ub_truth_new(&tc, &e);
	assert_non_null(t);
	ub_truth_in(t, UB_DIR_UP);
	ub_truth_record(t, 3, UB_DIR_UP, UB_TRUTH_OVERFLOW, seq9, sizeof(seq9), 0, 42);
	memset(&h, 0, sizeof(h));
	h.seed = 7;
	h.listen = &l;
	h.target = &g;
	h.elapsed_ns = 1000;
	h.up = &up;
	h.down = &down;
	h.pending[UB_DIR_DOWN] = 2;
	h.flows = 4;
	h.unrouted = 5;
	h.icmp_errors = 6;
	assert_int_equal(ub_truth_write(t, &h, path, &e), 0);
	j = load(path);
	assert_int_equal(geti(j, "udpbench", "format"), 1);
	assert_int_equal(geti(j, "seed", NULL), 7);
	assert_string_equal(json_string_value(json_object_get(j, "listen")), "127.0.0.1:9000");
	assert_string_equal(json_string_value(json_object_get(j, "target")), "127.0.0.1:10000");
	assert_int_equal(geti(j, "elapsed_ns", NULL), 1000);
	assert_int_equal(geti(j, "up", "dropped"), 1);
	assert_int_equal(geti(j, "up", "pending"), 0);
	assert_int_equal(geti(j, "down", "pending"), 2);
	assert_int_equal(geti(j, "flows", NULL), 4);
	assert_int_equal(geti(j, "unrouted", NULL), 5);
	assert_int_equal(geti(j, "icmp_errors", NULL), 6);
	assert_int_equal(geti(j, "events_total", NULL), 1);
	assert_true(json_real_value(json_object_get(json_object_get(json_object_get(j, "config"),
								    "up"),
						 "loss")) == 0.25);
	ev = json_array_get(json_object_get(j, "events"), 0);
	assert_non_null(ev);
	assert_int_equal(geti(ev, "flow", NULL), 3);
	assert_int_equal(geti(ev, "seq", NULL), 9);
	assert_int_equal(geti(ev, "t_ns", NULL), 42);
	assert_string_equal(json_string_value(json_object_get(ev, "action")), "drop");
	assert_string_equal(json_string_value(json_object_get(ev, "reason")), "overflow");
	json_decref(j);
	unlink(path);
	assert_int_equal(ub_truth_write(t, &h, NULL, &e), UB_E_INVAL);
	ub_truth_free(t);
}

/* ---- behind a relay ------------------------------------------------------------ */

static void test_truth_log_counts_and_events(void **state)
{
	struct fixture *fx = *state;
	struct sockaddr_in from;
	struct ub_err e;
	json_t *j, *ev, *one;
	uint32_t i;
	size_t k, drops = 0;

	fx->cfg.up.loss = 0.5;
	fx->cfg.down.duplicate = 1.0;
	fx->cfg.seed = 99;
	start(fx);
	for (i = 0; i < 40; i++)
		send_seq(fx->client, i, i == 39 ? 2 : 44); /* the last one too short for a number */
	turn(fx);
	/* Each relayed request comes back once, and is doubled downstream. */
	for (i = 0; i < fx->r->truth->dir[UB_DIR_UP].out; i++) {
		uint32_t s = recv_seq(fx->target, &from);

		assert_int_equal(sendto(fx->target, &(uint32_t){ htonl(s) }, 4, 0,
					(struct sockaddr *)&from, sizeof(from)),
				 4);
	}
	for (i = 0; i < 100 && fx->r->truth->dir[UB_DIR_DOWN].in < fx->r->truth->dir[UB_DIR_UP].out; i++)
		turn(fx);
	ub_err_clear(&e);
	assert_int_equal(ub_relay_write_truth(fx->r, fx->tmp, &e), 0);
	j = load(fx->tmp);
	assert_int_equal(geti(j, "seed", NULL), 99);
	assert_int_equal(geti(j, "flows", NULL), 1);
	assert_int_equal(geti(j, "up", "in"), 40);
	assert_int_equal(geti(j, "up", "in"), geti(j, "up", "out") + geti(j, "up", "dropped"));
	assert_true(geti(j, "up", "dropped") > 5 && geti(j, "up", "dropped") < 35);
	assert_int_equal(geti(j, "down", "in"), geti(j, "up", "out"));
	assert_int_equal(geti(j, "down", "duplicated"), geti(j, "down", "in"));
	assert_int_equal(geti(j, "down", "out"), 2 * geti(j, "down", "in"));
	assert_int_equal(geti(j, "down", "reordered"), 0);
	assert_true(json_is_false(json_object_get(j, "events_truncated")));
	ev = json_object_get(j, "events");
	assert_true(json_is_array(ev));
	json_array_foreach(ev, k, one) {
		const char *dir = json_string_value(json_object_get(one, "dir"));
		const char *act = json_string_value(json_object_get(one, "action"));

		assert_int_equal(geti(one, "flow", NULL), 0);
		assert_true(geti(one, "t_ns", NULL) >= 0);
		if (strcmp(act, "drop") == 0) {
			assert_string_equal(dir, "up");
			assert_string_equal(json_string_value(json_object_get(one, "reason")), "loss");
			drops++;
			if (!json_is_null(json_object_get(one, "seq")))
				assert_true(geti(one, "seq", NULL) < 39);
		} else {
			assert_string_equal(act, "dup");
			assert_string_equal(dir, "down");
		}
	}
	assert_int_equal(drops, geti(j, "up", "dropped"));
	assert_int_equal(json_array_size(ev), drops + geti(j, "down", "duplicated"));
	assert_true(json_is_real(json_object_get(json_object_get(json_object_get(j, "config"), "up"),
						 "loss")));
	json_decref(j);
}

static void test_truth_log_events_are_bounded(void **state)
{
	struct fixture *fx = *state;
	struct ub_err e;
	json_t *j;
	int i;

	fx->cfg.up.loss = 1.0;
	fx->cfg.max_events = 3;
	start(fx);
	for (i = 0; i < 10; i++)
		send_seq(fx->client, (uint32_t)i, 44);
	for (i = 0; i < 100 && fx->r->truth->dir[UB_DIR_UP].in < 10; i++)
		turn(fx);
	ub_err_clear(&e);
	assert_int_equal(ub_relay_write_truth(fx->r, fx->tmp, &e), 0);
	j = load(fx->tmp);
	assert_int_equal(geti(j, "up", "dropped"), 10);
	assert_int_equal(json_array_size(json_object_get(j, "events")), 3);
	assert_true(json_is_true(json_object_get(j, "events_truncated")));
	json_decref(j);

	/* An unwritable place: an error naming it, and no temporary file left behind. */
	assert_int_equal(ub_relay_write_truth(fx->r, "/nonexistent-dir/truth.json", &e), UB_E_IO);
	assert_non_null(strstr(e.msg, "/nonexistent-dir/truth.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4737_on_the_output),
		cmocka_unit_test(test_rfc4737_window),
		cmocka_unit_test(test_actions_count_and_events_are_kept),
		cmocka_unit_test(test_sent_counts_out_and_reordered_per_order),
		cmocka_unit_test(test_text_probes_then_binary_requests_are_one_numbering),
		cmocka_unit_test(test_write_on_its_own),
		cmocka_unit_test_setup_teardown(test_truth_log_counts_and_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truth_log_events_are_bounded, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
