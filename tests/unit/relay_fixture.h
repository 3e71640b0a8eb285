/*
 * The relay under test, shared by test_relay.c and test_truth.c: a relay
 * on 127.0.0.1 with an injected clock, a socket playing the reflector and
 * one playing the sender. Include it after relay.c: it reaches
 * relay_turn(), a static function there.
 */
#ifndef UB_TEST_RELAY_FIXTURE_H
#define UB_TEST_RELAY_FIXTURE_H

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

static int udp_socket_on_loopback(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static int connect_to(int fd, int port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

/* Makes the sockets and a config; the test adjusts cfg and calls start(). */
static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	int tport, cport;

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

static void send_seq(int fd, uint32_t seq, size_t len)
{
	uint8_t b[64];
	uint32_t n = htonl(seq);

	memset(b, 0xab, sizeof(b));
	memcpy(b, &n, 4);
	assert_int_equal(send(fd, b, len, 0), (ssize_t)len);
}

/* Receives one datagram within 1 s; returns its sequence number (UINT32_MAX: none). */
static uint32_t recv_seq(int fd, struct sockaddr_in *from)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t fl = sizeof(*from);
	uint8_t b[64];
	uint32_t n;
	ssize_t got;

	assert_int_equal(poll(&p, 1, 1000), 1);
	got = recvfrom(fd, b, sizeof(b), MSG_DONTWAIT, (struct sockaddr *)from, &fl);
	assert_true(got >= 0);
	if (got < 4)
		return UINT32_MAX; /* too short to carry a number */
	memcpy(&n, b, 4);
	return ntohl(n);
}

#endif
