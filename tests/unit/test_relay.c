/*
 * Unit tests for bench/relay/relay.c and flowtab.c: options, the flow
 * table, delaying and relaying both ways, with real loopback sockets and
 * an injected clock (the output queue's heap, holding and duplicating are
 * tested in test_relayq.c, the truth log in test_truth.c). relay.c,
 * flowtab.c and relayq.c are included to reach their static functions.
 * No test sleeps: every wait is a bounded poll.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "relay/relayq.c"
#include "relay/flowtab.c"
#include "relay/relay.c"

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
	assert_int_equal(ub_net_split_listen("--listen", "9000", host, sizeof(host), &port, &e), 0);
	assert_true(host[0] == '\0' && port == 9000);
	assert_int_equal(ub_net_split_listen("--listen", ":0", host, sizeof(host), &port, &e), 0);
	assert_true(host[0] == '\0' && port == 0);
	assert_int_equal(ub_net_split_listen("--listen", "127.0.0.1:7", host, sizeof(host), &port, &e), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 7);
	assert_int_equal(ub_net_split_listen("--listen", "[::1]:0", host, sizeof(host), &port, &e), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(ub_net_split_listen("--listen", "::1", host, sizeof(host), &port, &e), UB_E_INVAL);
	assert_int_equal(ub_net_split_listen("--listen", "host:70000", host, sizeof(host), &port, &e), UB_E_INVAL);
	assert_int_equal(ub_net_split_listen("--listen", "host:", host, sizeof(host), &port, &e), UB_E_INVAL);
	assert_int_equal(ub_net_split_listen("--listen", "[::1]", host, sizeof(host), &port, &e), UB_E_INVAL);

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
	assert_int_equal(fx->r->ft->flows[0]->index, 0);
	assert_int_equal(fx->r->ft->flows[1]->index, 1);
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
	assert_int_equal(fx->r->ft->flows[0]->index, 2);
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

/* A client with its own socket, connected to the relay; returns the socket. */
static int client_of(struct fixture *fx)
{
	int fd, port;

	fd = udp_socket_on_loopback(&port);
	assert_true(fd >= 0);
	assert_int_equal(connect_to(fd, ub_relay_port(fx->r)), 0);
	return fd;
}

/*
 * A full table: a newcomer takes the place of a flow silent for a second,
 * never that of a flow in use; a client that finds no room is refused,
 * counted once however often it tries, and the log says so once.
 */
static void test_full_table_makes_room_from_idle_flows_only(void **state)
{
	struct fixture *fx = *state;
	struct ub_relay_counters c;
	struct sockaddr_in from, a_port;
	char *log = NULL;
	size_t loglen = 0;
	int b, nc;

	fx->cfg.max_flows = 2;
	fx->cfg.log = open_memstream(&log, &loglen);
	assert_non_null(fx->cfg.log);
	start(fx);
	b = client_of(fx);
	nc = client_of(fx);
	send_seq(fx->client, 1, 8);           /* A */
	send_seq(b, 2, 8);                    /* B */
	turn(fx);
	assert_int_equal(recv_seq(fx->target, &a_port), 1);
	assert_int_equal(recv_seq(fx->target, &from), 2);

	/* half a second on, both in use: C is refused, however often it sends */
	fx->clock.now += 500 * MS;
	send_seq(nc, 3, 8);
	turn(fx);
	fx->clock.now += 100 * MS;
	send_seq(nc, 4, 8);
	turn(fx);
	ub_relay_counters(fx->r, &c);
	assert_int_equal(c.max_flows, 2);
	assert_int_equal(c.flows_refused, 1);
	assert_int_equal(c.unrouted, 2);
	assert_int_equal(c.flows_alive, 2);
	assert_int_equal(c.dir[UB_DIR_UP].in, 2);

	/* A keeps talking, B falls silent: a second later C takes B's place */
	fx->clock.now += 900 * MS;
	send_seq(fx->client, 5, 8);
	turn(fx);
	assert_int_equal(recv_seq(fx->target, &from), 5);
	fx->clock.now += 100 * MS;
	send_seq(nc, 6, 8);
	turn(fx);
	assert_int_equal(recv_seq(fx->target, &from), 6);
	ub_relay_counters(fx->r, &c);
	assert_int_equal(c.flows_evicted, 1);
	assert_int_equal(c.flows, 3);
	assert_int_equal(c.flows_alive, 2);
	/* A's flow is the one it had: the same upstream socket */
	send_seq(fx->client, 7, 8);
	turn(fx);
	assert_int_equal(recv_seq(fx->target, &from), 7);
	assert_int_equal(from.sin_port, a_port.sin_port);

	/* B is back, but A and C are both in use: refused, a new refusal */
	fx->clock.now += 100 * MS;
	send_seq(b, 8, 8);
	turn(fx);
	ub_relay_counters(fx->r, &c);
	assert_int_equal(c.flows_refused, 2);
	assert_int_equal(c.flows_evicted, 1);

	fclose(fx->cfg.log);
	fx->cfg.log = NULL;
	fx->r->cfg.log = NULL;
	assert_non_null(strstr(log, "refusing new flows"));
	assert_null(strstr(strstr(log, "refusing new flows") + 1, "refusing new flows"));
	assert_non_null(strstr(log, "2 flows, the most the relay holds, are all in use"));
	free(log);
	close(b);
	close(nc);
}

/* The open files limit sets how many flows fit, and the relay says how many. */
static void test_flows_fit_the_open_files_limit(void **state)
{
	struct fixture *fx = *state;
	struct ub_relay_counters c;
	struct rlimit old, low;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 40;
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < 40)
		skip();
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	start(fx);
	ub_relay_counters(fx->r, &c);
	/* raised toward the hard limit: as many as the relay holds, when the hard limit allows */
	if (old.rlim_max == RLIM_INFINITY || old.rlim_max >= UB_RELAY_FLOWS_MAX + 64)
		assert_int_equal(c.max_flows, UB_RELAY_FLOWS_MAX);
	ub_relay_free(fx->r);
	fx->r = NULL;
	/* a hard limit of 40: fewer flows than files, some kept for the truth log */
	low.rlim_max = 40;
	if (getuid() == 0 || old.rlim_max <= 40) {
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
		start(fx);
		ub_relay_counters(fx->r, &c);
		assert_true(c.max_flows > 0 && c.max_flows < 40);
		ub_relay_free(fx->r);
		fx->r = NULL;
	}
	setrlimit(RLIMIT_NOFILE, &old);
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
		cmocka_unit_test_setup_teardown(test_full_table_makes_room_from_idle_flows_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flows_fit_the_open_files_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_ends_at_duration, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
