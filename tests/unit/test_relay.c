/*
 * Unit tests for bench/relay.c: options, the flow table, delaying and
 * relaying both ways, with real loopback sockets and an injected clock
 * (the output queue's heap, holding and duplicating are tested in
 * test_relayq.c, the truth log in test_truth.c). relay.c and relayq.c are
 * included to reach their static functions. No test sleeps: every wait is
 * a bounded poll.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "relayq.c"
#include "relay.c"

#include "relay_fixture.h"

/* A turn that only sends what is due now, without waiting. */
static void turn_now(struct fixture *fx)
{
	struct ub_err e;

	ub_err_clear(&e);
	assert_int_equal(relay_turn(fx->r, 0, &e), 0);
}

/* ---- pure parts ------------------------------------------------------------ */

static void test_parse_listen_and_config_set(void **state)
{
	struct ub_relay_config c;
	struct ub_err e;
	char host[64];
	int port = -1;

	(void)state;
	ub_err_clear(&e);
	assert_int_equal(parse_listen("9000", host, sizeof(host), &port, &e), 0);
	assert_true(host[0] == '\0' && port == 9000);
	assert_int_equal(parse_listen(":0", host, sizeof(host), &port, &e), 0);
	assert_true(host[0] == '\0' && port == 0);
	assert_int_equal(parse_listen("127.0.0.1:7", host, sizeof(host), &port, &e), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 7);
	assert_int_equal(parse_listen("[::1]:0", host, sizeof(host), &port, &e), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(parse_listen("::1", host, sizeof(host), &port, &e), UB_E_INVAL);
	assert_int_equal(parse_listen("host:70000", host, sizeof(host), &port, &e), UB_E_INVAL);
	assert_int_equal(parse_listen("host:", host, sizeof(host), &port, &e), UB_E_INVAL);
	assert_int_equal(parse_listen("[::1]", host, sizeof(host), &port, &e), UB_E_INVAL);

	ub_relay_config_init(&c);
	assert_int_equal(ub_relay_config_set(&c, "seed", "42", &e), 0);
	assert_true(c.seed == 42 && c.seed_set);
	assert_int_equal(ub_relay_config_set(&c, "duration", "2s", &e), 0);
	assert_true(c.duration_ns == 2 * UB_NS_PER_S);
	assert_int_equal(ub_relay_config_set(&c, "loss-up", "5%", &e), 0);
	assert_true(c.up.loss == 0.05 && c.down.loss == 0);
	assert_int_equal(ub_relay_config_set(&c, "seed", "x", &e), UB_E_INVAL);
	assert_int_equal(ub_relay_config_set(&c, "sped", "1", &e), UB_E_INVAL);
	assert_non_null(strstr(e.msg, "sped"));

	/* A relay needs a target it can resolve. */
	c.listen = "127.0.0.1:0";
	c.quiet = 1;
	assert_null(ub_relay_new(&c, &e));
	assert_int_equal(e.code, UB_E_INVAL);
	c.target = "127.0.0.1:99999";
	assert_null(ub_relay_new(&c, &e));
	assert_non_null(strstr(e.msg, "--to"));
}

/* ---- with sockets ---------------------------------------------------------- */

static void test_delay_is_kept_then_relayed_both_ways(void **state)
{
	struct fixture *fx = *state;
	struct ub_relay_counters c;
	struct sockaddr_in from;
	uint32_t i;

	fx->cfg.up.delay_ns = 100 * MS;
	start(fx);
	for (i = 0; i < 3; i++)
		send_seq(fx->client, i, 44);
	turn(fx);
	assert_int_equal(fx->r->q->nheap, 3);
	assert_true(nothing_waiting(fx->target));
	fx->clock.now += 100 * MS - 1;
	turn_now(fx);
	assert_true(nothing_waiting(fx->target));
	fx->clock.now += 1;
	turn_now(fx);
	for (i = 0; i < 3; i++) {
		assert_int_equal(recv_seq(fx->target, &from), i);
		/* The reply goes back to the flow's own socket, and from there to the client. */
		assert_int_equal(sendto(fx->target, &(uint32_t){ htonl(100 + i) }, 4, 0,
					(struct sockaddr *)&from, sizeof(from)),
				 4);
	}
	turn(fx);
	for (i = 0; i < 3; i++)
		assert_int_equal(recv_seq(fx->client, &from), 100 + i);
	ub_relay_counters(fx->r, &c);
	assert_int_equal(c.dir[UB_DIR_UP].in, 3);
	assert_int_equal(c.dir[UB_DIR_UP].out, 3);
	assert_int_equal(c.dir[UB_DIR_UP].delayed, 3);
	assert_int_equal(c.dir[UB_DIR_DOWN].in, 3);
	assert_int_equal(c.dir[UB_DIR_DOWN].out, 3);
	assert_int_equal(c.dir[UB_DIR_DOWN].delayed, 0);
	assert_int_equal(c.flows, 1);
	assert_int_equal(c.pending, 0);
}

static void test_flows_per_client_and_idle_expiry(void **state)
{
	struct fixture *fx = *state;
	struct ub_relay_counters c;
	struct sockaddr_in from;
	int other, oport;

	fx->cfg.flow_idle_ns = 5 * UB_NS_PER_S;
	start(fx);
	other = udp_socket_on_loopback(&oport);
	assert_true(other >= 0);
	assert_int_equal(connect_to(other, ub_relay_port(fx->r)), 0);
	send_seq(fx->client, 1, 8);
	send_seq(other, 2, 8);
	send_seq(fx->client, 3, 8);
	turn(fx);
	ub_relay_counters(fx->r, &c);
	assert_int_equal(c.flows, 2);
	assert_int_equal(c.flows_alive, 2);
	assert_int_equal(fx->r->flows[0]->index, 0);
	assert_int_equal(fx->r->flows[1]->index, 1);
	/* Two flows, two upstream sockets: two source ports at the target. */
	{
		struct sockaddr_in a, b, c3;

		assert_int_equal(recv_seq(fx->target, &a), 1);
		assert_int_equal(recv_seq(fx->target, &b), 2);
		assert_int_equal(recv_seq(fx->target, &c3), 3);
		assert_int_not_equal(a.sin_port, b.sin_port);
		assert_int_equal(a.sin_port, c3.sin_port);
	}
	/* Silent for longer than flow_idle_ns: forgotten; the client comes back as a new flow. */
	fx->clock.now += 6 * UB_NS_PER_S;
	turn_now(fx);
	ub_relay_counters(fx->r, &c);
	assert_int_equal(c.flows_alive, 0);
	send_seq(fx->client, 4, 8);
	turn(fx);
	assert_int_equal(recv_seq(fx->target, &from), 4);
	ub_relay_counters(fx->r, &c);
	assert_int_equal(c.flows, 3);
	assert_int_equal(fx->r->flows[0]->index, 2);
	close(other);
}

static void test_busy_flow_is_not_expired(void **state)
{
	struct fixture *fx = *state;
	struct ub_relay_counters c;
	struct sockaddr_in from;

	fx->cfg.flow_idle_ns = 1 * UB_NS_PER_S;
	fx->cfg.up.delay_ns = 10 * UB_NS_PER_S;
	start(fx);
	send_seq(fx->client, 9, 8);
	turn(fx);
	fx->clock.now += 5 * UB_NS_PER_S;
	turn_now(fx);
	ub_relay_counters(fx->r, &c);
	assert_int_equal(c.flows_alive, 1); /* a packet is still on its way */
	fx->clock.now += 5 * UB_NS_PER_S;
	turn_now(fx);
	assert_int_equal(recv_seq(fx->target, &from), 9);
	fx->clock.now += 2 * UB_NS_PER_S;
	turn_now(fx);
	ub_relay_counters(fx->r, &c);
	assert_int_equal(c.flows_alive, 0);
}

static void test_run_ends_at_duration(void **state)
{
	struct fixture *fx = *state;
	volatile sig_atomic_t stop = 0;
	struct ub_err e;
	int64_t t0;

	/* The real clock here: --duration 50ms returns after 50 ms, not before. */
	fx->cfg.clock = NULL;
	fx->cfg.duration_ns = 50 * MS;
	fx->cfg.stop = &stop;
	start(fx);
	t0 = ub_clock_mono();
	ub_err_clear(&e);
	assert_int_equal(ub_relay_run(fx->r, &e), 0);
	assert_true(ub_clock_mono() - t0 >= 50 * MS);
	assert_true(ub_clock_mono() - t0 < 5 * UB_NS_PER_S);
	/* And a stop flag already set returns at once. */
	stop = 1;
	t0 = ub_clock_mono();
	assert_int_equal(ub_relay_run(fx->r, &e), 0);
	assert_true(ub_clock_mono() - t0 < 100 * MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_listen_and_config_set),
		cmocka_unit_test_setup_teardown(test_delay_is_kept_then_relayed_both_ways, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flows_per_client_and_idle_expiry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_busy_flow_is_not_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_ends_at_duration, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
