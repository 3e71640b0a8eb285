/*
 * The relay under test, shared by test_relay.c and test_truth.c: a relay
 * on 127.0.0.1 with an injected clock, a socket playing the reflector and
 * one playing the sender (udp_loopback.h). Include it after relay.c: it
 * reaches relay_turn(), a static function there.
 */
#ifndef UB_TEST_RELAY_FIXTURE_H
#define UB_TEST_RELAY_FIXTURE_H

#include "udp_loopback.h"

#define MS 1000000LL

struct fake_clock {
	int64_t now;
};

static int64_t fake_now(void *ctx)
{
	return ((struct fake_clock *)ctx)->now;
}

/* A relay on 127.0.0.1, a target socket it relays to, and a client socket. */
struct fixture {
	struct fake_clock clock;
	struct ub_relay_config cfg;
	struct ub_relay *r;
	int target;       /* plays the reflector */
	int client;       /* plays the sender, connected to the relay */
	char target_s[64];
	char tmp[64];
};

/* Makes the sockets and a config; the test adjusts cfg and calls start(). */
static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	int tport = 0, cport = 0;

	if (!fx)
		return -1;
	fx->target = udp_socket_on_loopback(&tport);
	fx->client = udp_socket_on_loopback(&cport);
	if (fx->target < 0 || fx->client < 0)
		return -1;
	snprintf(fx->target_s, sizeof(fx->target_s), "127.0.0.1:%d", tport);
	snprintf(fx->tmp, sizeof(fx->tmp), "/tmp/ub-test-relay-%d.json", (int)getpid());
	fx->clock.now = 1000 * MS;
	ub_relay_config_init(&fx->cfg);
	fx->cfg.listen = "127.0.0.1:0";
	fx->cfg.target = fx->target_s;
	fx->cfg.seed = 1;
	fx->cfg.seed_set = 1;
	fx->cfg.quiet = 1;
	fx->cfg.clock = fake_now;
	fx->cfg.clock_ctx = &fx->clock;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	ub_relay_free(fx->r);
	close(fx->target);
	close(fx->client);
	unlink(fx->tmp);
	free(fx);
	return 0;
}

static void start(struct fixture *fx)
{
	struct ub_err e;

	ub_err_clear(&e);
	fx->r = ub_relay_new(&fx->cfg, &e);
	if (!fx->r)
		fail_msg("ub_relay_new: %s", e.msg);
	assert_int_equal(connect_to(fx->client, ub_relay_port(fx->r)), 0);
}

/* One turn of the relay's loop; it returns as soon as datagrams are in (at most 1 s). */
static void turn(struct fixture *fx)
{
	struct ub_err e;

	ub_err_clear(&e);
	assert_int_equal(relay_turn(fx->r, UB_NS_PER_S, &e), 0);
}

#endif
