/*
 * Unit tests for bench/relay.c: the schedule heap, the RFC 4737 counter,
 * the flow table, holding for reordering, and the truth log, with real
 * loopback sockets and an injected clock. relay.c is included to reach its
 * static functions. No test sleeps: every wait is a bounded poll.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "relay.c"

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

/* A turn that only sends what is due now, without waiting. */
static void turn_now(struct fixture *fx)
{
	struct ub_err e;

	ub_err_clear(&e);
	assert_int_equal(relay_turn(fx->r, 0, &e), 0);
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

static int nothing_waiting(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

/* ---- pure parts ------------------------------------------------------------ */

static void test_heap_orders_by_time_then_arrival(void **state)
{
	static const int64_t t[] = { 50, 10, 30, 10, 20, 50, 10, 40, 30, 0 };
	struct ub_relay r;
	struct pend p[10], *got;
	int64_t last_t = -1;
	uint64_t last_order = 0;
	size_t i;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (i = 0; i < 10; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].emit_ns = t[i];
		assert_int_equal(heap_push(&r, &p[i]), 0);
	}
	for (i = 0; i < 10; i++) {
		got = heap_pop(&r);
		assert_non_null(got);
		assert_true(got->emit_ns >= last_t);
		/* FIFO among equal times: the one pushed first leaves first. */
		if (got->emit_ns == last_t)
			assert_true(got->order > last_order);
		last_t = got->emit_ns;
		last_order = got->order;
	}
	assert_null(heap_pop(&r));
	free(r.heap);
}

/* RFC 4737 reordered count of a whole stream. */
static int reordered(const uint32_t *s, size_t n)
{
	struct seqtrack t;
	size_t i;
	int count = 0;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < n; i++)
		count += seqtrack_add(&t, s[i]) == 1;
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
	struct seqtrack t;
	uint32_t s;

	(void)state;
	memset(&t, 0, sizeof(t));
	for (s = 0; s < 3 * RELAY_SEQ_WINDOW; s++)
		assert_int_equal(seqtrack_add(&t, s), 0);
	/* Recent ones are known duplicates; the window forgets older ones. */
	assert_int_equal(seqtrack_add(&t, 3 * RELAY_SEQ_WINDOW - 10), -1);
	assert_int_equal(seqtrack_add(&t, 3 * RELAY_SEQ_WINDOW - RELAY_SEQ_WINDOW), -1);
	assert_int_equal(seqtrack_add(&t, 10), 1);
	/* A jump forward clears what the window held for the numbers skipped. */
	assert_int_equal(seqtrack_add(&t, 5 * RELAY_SEQ_WINDOW), 0);
	assert_int_equal(seqtrack_add(&t, 5 * RELAY_SEQ_WINDOW - 5), 1);
	assert_int_equal(seqtrack_add(&t, 5 * RELAY_SEQ_WINDOW - 5), -1);
	free(t.bits);
}

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
	assert_int_equal(fx->r->nheap, 3);
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

/* Schedules a packet of flow f by hand, as admit() would after a decision. */
static void schedule(struct ub_relay *r, struct flow *f, uint32_t seq, int64_t at, int copies,
		     int held)
{
	struct pend *p = calloc(1, sizeof(*p) + 8);
	uint32_t n = htonl(seq);

	assert_non_null(p);
	p->emit_ns = at;
	p->flow = f;
	p->idx = ++f->arrivals[UB_DIR_UP];
	p->dir = UB_DIR_UP;
	p->copies = (uint8_t)copies;
	p->hold = (uint8_t)held;
	p->len = 8;
	memcpy(p->data, &n, 4);
	assert_int_equal(heap_push(r, p), 0);
	f->inflight++;
}

static void test_hold_until_two_later_packets_passed(void **state)
{
	struct fixture *fx = *state;
	struct ub_relay_counters c;
	struct sockaddr_in from;
	struct flow *f;
	int64_t t0;
	uint32_t i;
	static const uint32_t expect[] = { 1, 3, 4, 2, 5, 7 };

	start(fx);
	t0 = fx->clock.now;
	f = flow_get(fx->r, &(struct ub_addr){ .ss = { .ss_family = AF_INET },
					       .len = sizeof(struct sockaddr_in) },
		     t0);
	assert_non_null(f);
	/* 2 is held: it leaves right behind 4, the second later packet. */
	schedule(fx->r, f, 1, t0 + 1 * MS, 1, 0);
	schedule(fx->r, f, 2, t0 + 2 * MS, 1, 1);
	schedule(fx->r, f, 3, t0 + 3 * MS, 1, 0);
	schedule(fx->r, f, 4, t0 + 4 * MS, 1, 0);
	schedule(fx->r, f, 5, t0 + 5 * MS, 1, 0);
	/* 6 is held and nothing follows in time: its bound (hold_max_ns) lets it go. */
	schedule(fx->r, f, 6, t0 + 6 * MS, 1, 1);
	fx->clock.now = t0 + 5 * MS;
	emit_due(fx->r, fx->clock.now);
	for (i = 0; i < 5; i++)
		assert_int_equal(recv_seq(fx->target, &from), expect[i]);
	assert_true(nothing_waiting(fx->target));
	schedule(fx->r, f, 7, t0 + 7 * MS, 1, 0);
	fx->clock.now = t0 + 7 * MS;
	emit_due(fx->r, fx->clock.now);
	assert_int_equal(recv_seq(fx->target, &from), 7);
	assert_int_equal(fx->r->nheld, 1);
	/* One later packet is not enough; the time bound is. */
	fx->clock.now = t0 + 6 * MS + fx->cfg.hold_max_ns - 1;
	emit_due(fx->r, fx->clock.now);
	assert_true(nothing_waiting(fx->target));
	assert_int_equal(next_due(fx->r), t0 + 6 * MS + fx->cfg.hold_max_ns);
	fx->clock.now += 1;
	emit_due(fx->r, fx->clock.now);
	assert_int_equal(recv_seq(fx->target, &from), 6);
	ub_relay_counters(fx->r, &c);
	/* 1 3 4 2 5 7 6: 2 and 6 came after larger numbers. */
	assert_int_equal(c.dir[UB_DIR_UP].reordered, 2);
	assert_int_equal(c.dir[UB_DIR_UP].out, 7);
	assert_int_equal(c.pending, 0);
	assert_int_equal(f->inflight, 0);
}

static void test_duplicate_follows_original(void **state)
{
	struct fixture *fx = *state;
	struct ub_relay_counters c;
	struct sockaddr_in from;
	struct flow *f;
	int64_t t0;

	start(fx);
	t0 = fx->clock.now;
	f = flow_get(fx->r, &(struct ub_addr){ .ss = { .ss_family = AF_INET },
					       .len = sizeof(struct sockaddr_in) },
		     t0);
	assert_non_null(f);
	/* Two packets due at the same time, the first sent twice. */
	schedule(fx->r, f, 1, t0, 2, 0);
	schedule(fx->r, f, 2, t0, 1, 0);
	emit_due(fx->r, t0);
	assert_int_equal(recv_seq(fx->target, &from), 1);
	assert_int_equal(recv_seq(fx->target, &from), 1);
	assert_int_equal(recv_seq(fx->target, &from), 2);
	ub_relay_counters(fx->r, &c);
	assert_int_equal(c.dir[UB_DIR_UP].out, 3);
	assert_int_equal(c.dir[UB_DIR_UP].reordered, 0); /* the copy is removed first */
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
	for (i = 0; i < fx->r->cnt.dir[UB_DIR_UP].out; i++) {
		uint32_t s = recv_seq(fx->target, &from);

		assert_int_equal(sendto(fx->target, &(uint32_t){ htonl(s) }, 4, 0,
					(struct sockaddr *)&from, sizeof(from)),
				 4);
	}
	for (i = 0; i < 100 && fx->r->cnt.dir[UB_DIR_DOWN].in < fx->r->cnt.dir[UB_DIR_UP].out; i++)
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
	for (i = 0; i < 100 && fx->r->cnt.dir[UB_DIR_UP].in < 10; i++)
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
		cmocka_unit_test(test_heap_orders_by_time_then_arrival),
		cmocka_unit_test(test_rfc4737_on_the_output),
		cmocka_unit_test(test_rfc4737_window),
		cmocka_unit_test(test_parse_listen_and_config_set),
		cmocka_unit_test_setup_teardown(test_delay_is_kept_then_relayed_both_ways, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_flows_per_client_and_idle_expiry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_busy_flow_is_not_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hold_until_two_later_packets_passed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_follows_original, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truth_log_counts_and_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truth_log_events_are_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_ends_at_duration, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
