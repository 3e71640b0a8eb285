/*
 * Unit tests for bench/relay/pktlink.c: the packet-level link over two
 * SOCK_SEQPACKET socketpairs (one frame per read, as an AF_PACKET socket
 * gives them) with a fixed seed and an injected clock. What came out of
 * each port is held against the truth log's counters, and the sequence
 * numbers that came out are counted for reordering here (RFC 4737 §4.1),
 * not by the code under test. pktlink.c is included to reach its turn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "relay/pktlink.c"

#define N_PROBES 400

struct fx {
	int s, r;            /* the test's ends: the sender's side and the reflector's */
	struct ub_pktlink *l;
	int64_t now;
};

static int64_t fake_clock(void *ctx)
{
	return ((struct fx *)ctx)->now;
}

/* A link between fresh socketpairs, configured by the impairment options in opts (name, value, ..., NULL). */
static struct fx *fx_new(uint64_t seed, const char *const *opts)
{
	struct ub_relay_config c;
	struct ub_err e;
	struct fx *fx = calloc(1, sizeof(*fx));
	int a[2], b[2], i;

	assert_non_null(fx);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, b), 0);
	ub_relay_config_init(&c);
	for (i = 0; opts && opts[i]; i += 2)
		assert_int_equal(ub_relay_config_set(&c, opts[i], opts[i + 1], &e), 0);
	c.seed = seed;
	c.seed_set = 1;
	c.have_ports = 1;
	c.ports[0] = a[1];
	c.ports[1] = b[0];
	c.log = NULL;
	c.clock = fake_clock;
	c.clock_ctx = fx;
	fx->s = a[0];
	fx->r = b[1];
	fx->now = 1000000000LL;
	ub_err_clear(&e);
	fx->l = ub_pktlink_new(&c, &e);
	assert_non_null(fx->l);
	return fx;
}

static void fx_free(struct fx *fx)
{
	ub_pktlink_free(fx->l);
	close(fx->s);
	close(fx->r);
	free(fx);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * An Ethernet frame with an IPv4 packet of protocol proto from 198.18.1.src
 * to 198.18.1.dst, ports sport and dport, and a 4-byte number n after the
 * UDP or TCP header (8 or 20 bytes). Returns its length.
 */
static size_t frame(uint8_t *f, unsigned proto, int src, int dst, unsigned sport, unsigned dport,
		    uint32_t n)
{
	size_t l4 = proto == 6 ? 20 : 8, tot = 20 + l4 + 8;

	memset(f, 0, 14 + tot);
	memset(f, 0x02, 6);
	memset(f + 6, 0x04, 6);
	put16(f + 12, 0x0800);
	f[14] = 0x45;
	put16(f + 16, (unsigned)tot);
	f[14 + 8] = 64;
	f[14 + 9] = (uint8_t)proto;
	f[14 + 12] = 198, f[14 + 13] = 18, f[14 + 14] = 1, f[14 + 15] = (uint8_t)src;
	f[14 + 16] = 198, f[14 + 17] = 18, f[14 + 18] = 1, f[14 + 19] = (uint8_t)dst;
	put16(f + 34, sport);
	put16(f + 36, dport);
	if (proto == 17)
		put16(f + 38, (unsigned)(l4 + 8));
	f[34 + l4] = (uint8_t)(n >> 24);
	f[34 + l4 + 1] = (uint8_t)(n >> 16);
	f[34 + l4 + 2] = (uint8_t)(n >> 8);
	f[34 + l4 + 3] = (uint8_t)n;
	return 14 + tot;
}

static void turn(struct fx *fx)
{
	struct ub_err e;

	ub_err_clear(&e);
	assert_int_equal(ub_pktlink_turn(fx->l, 0, &e), 0);
}

/* Reads every frame waiting at fd; the UDP numbers of those from src go to nums. Returns how many frames. */
static size_t drain(int fd, int src, uint32_t *nums, size_t *nn, size_t cap)
{
	uint8_t f[2048];
	ssize_t n;
	size_t k = 0;

	while ((n = recv(fd, f, sizeof(f), MSG_DONTWAIT)) > 0) {
		k++;
		if (n >= 46 && f[12] == 0x08 && f[23] == 17 && f[29] == src && *nn < cap)
			nums[(*nn)++] = (uint32_t)f[42] << 24 | (uint32_t)f[43] << 16 |
					(uint32_t)f[44] << 8 | f[45];
	}
	return k;
}

/* RFC 4737 §4.1 over what arrived: below NextExp is reordered; a number seen before is a duplicate. */
static uint64_t reordered(const uint32_t *nums, size_t n)
{
	static uint8_t seen[N_PROBES];
	uint64_t r = 0;
	uint32_t next = 0;
	size_t i;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++) {
		if (nums[i] >= N_PROBES || seen[nums[i]])
			continue;
		seen[nums[i]] = 1;
		if (nums[i] < next)
			r++;
		else
			next = nums[i] + 1;
	}
	return r;
}

struct run_out {
	uint32_t up[2 * N_PROBES], down[2 * N_PROBES];
	size_t nup, ndown, frames_up, frames_down;
	struct ub_truth_dir_counters t[2];
	struct ub_pktlink_counters c;
};

/* N_PROBES UDP probes up, each answered down at once as a reflector would; then everything due leaves. */
static void run_udp(struct fx *fx, struct run_out *o)
{
	uint8_t f[128];
	uint32_t i;
	size_t len, got, k;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < N_PROBES; i++) {
		len = frame(f, 17, 1, 2, 40000, 9000, i);
		assert_int_equal(send(fx->s, f, len, 0), (ssize_t)len);
		fx->now += 1000000;
		turn(fx);
		got = o->nup;
		o->frames_up += drain(fx->r, 1, o->up, &o->nup, 2 * N_PROBES);
		/* Each probe that came through is answered with its own number. */
		for (k = got; k < o->nup; k++) {
			len = frame(f, 17, 2, 1, 9000, 40000, o->up[k]);
			assert_int_equal(send(fx->r, f, len, 0), (ssize_t)len);
		}
		turn(fx);
		o->frames_down += drain(fx->s, 2, o->down, &o->ndown, 2 * N_PROBES);
	}
	/* Past the longest hold: whatever was held back leaves. */
	fx->now += 200000000;
	turn(fx);
	o->frames_up += drain(fx->r, 1, o->up, &o->nup, 2 * N_PROBES);
	turn(fx);
	o->frames_down += drain(fx->s, 2, o->down, &o->ndown, 2 * N_PROBES);
	ub_pktlink_counters(fx->l, o->t, &o->c);
}

static const char *const lossy[] = { "loss-up", "10%", "loss-down", "5%", "duplicate", "4%",
				     "reorder", "6%", NULL };

static void test_udp_out_of_each_port_equals_truth(void **state)
{
	struct fx *fx = fx_new(11, lossy);
	static struct run_out o;

	(void)state;
	run_udp(fx, &o);
	assert_int_equal(o.t[UB_DIR_UP].in, N_PROBES);
	assert_int_equal(o.t[UB_DIR_UP].out, o.frames_up);
	assert_int_equal(o.t[UB_DIR_DOWN].in, o.nup);
	assert_int_equal(o.t[UB_DIR_DOWN].out, o.frames_down);
	/* Every frame in left once, twice (duplicated) or not at all (dropped). */
	assert_int_equal(o.t[UB_DIR_UP].in - o.t[UB_DIR_UP].dropped + o.t[UB_DIR_UP].duplicated,
			 o.frames_up);
	assert_int_equal(o.t[UB_DIR_DOWN].in - o.t[UB_DIR_DOWN].dropped + o.t[UB_DIR_DOWN].duplicated,
			 o.frames_down);
	/* The impairments did happen: seeded, far from zero. */
	assert_true(o.t[UB_DIR_UP].dropped > 15 && o.t[UB_DIR_DOWN].dropped > 5);
	assert_true(o.t[UB_DIR_UP].duplicated > 3 && o.t[UB_DIR_UP].reordered > 3);
	assert_int_equal(reordered(o.up, o.nup), o.t[UB_DIR_UP].reordered);
	assert_int_equal(reordered(o.down, o.ndown), o.t[UB_DIR_DOWN].reordered);
	/* One flow, both ways: replies are the probes' flow, not a second one. */
	assert_int_equal(o.c.flows, 1);
	assert_int_equal(o.c.passed, 0);
	fx_free(fx);
}

static void test_same_seed_same_fates(void **state)
{
	static struct run_out a, b, c;
	struct fx *fx;

	(void)state;
	fx = fx_new(11, lossy);
	run_udp(fx, &a);
	fx_free(fx);
	fx = fx_new(11, lossy);
	run_udp(fx, &b);
	fx_free(fx);
	fx = fx_new(12, lossy);
	run_udp(fx, &c);
	fx_free(fx);
	assert_int_equal(a.nup, b.nup);
	assert_memory_equal(a.up, b.up, a.nup * sizeof(a.up[0]));
	assert_int_equal(a.ndown, b.ndown);
	assert_memory_equal(a.down, b.down, a.ndown * sizeof(a.down[0]));
	assert_true(a.nup != c.nup || memcmp(a.up, c.up, a.nup * sizeof(a.up[0])) != 0);
}

static void test_tcp_is_impaired_and_counted_without_numbers(void **state)
{
	static const char *const opts[] = { "loss-up", "30%", NULL };
	struct fx *fx = fx_new(3, opts);
	struct ub_truth_dir_counters t[2];
	struct ub_pktlink_counters c;
	uint8_t f[128], g[2048];
	size_t len, out = 0;
	int i;

	(void)state;
	for (i = 0; i < 200; i++) {
		len = frame(f, 6, 1, 2, 40001, 9000, 0);
		assert_int_equal(send(fx->s, f, len, 0), (ssize_t)len);
		turn(fx);
		while (recv(fx->r, g, sizeof(g), MSG_DONTWAIT) > 0)
			out++;
	}
	ub_pktlink_counters(fx->l, t, &c);
	assert_int_equal(t[UB_DIR_UP].in, 200);
	assert_int_equal(t[UB_DIR_UP].out, out);
	assert_true(t[UB_DIR_UP].dropped > 30 && t[UB_DIR_UP].dropped < 90);
	assert_int_equal(t[UB_DIR_UP].in - t[UB_DIR_UP].dropped, out);
	/* The same number every time: had TCP's payload been read as one, all but the first would be duplicates. */
	assert_int_equal(t[UB_DIR_UP].reordered, 0);
	assert_int_equal(c.flows, 1);
	fx_free(fx);
}

static void test_arp_passes_at_once_uncounted(void **state)
{
	static const char *const opts[] = { "loss", "100%", "delay", "1s", NULL };
	struct fx *fx = fx_new(1, opts);
	struct ub_truth_dir_counters t[2];
	struct ub_pktlink_counters c;
	uint8_t f[60], g[128];

	(void)state;
	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	put16(f + 12, 0x0806);
	assert_int_equal(send(fx->r, f, sizeof(f), 0), (ssize_t)sizeof(f));
	turn(fx);
	assert_int_equal(recv(fx->s, g, sizeof(g), MSG_DONTWAIT), (ssize_t)sizeof(f));
	assert_memory_equal(f, g, sizeof(f));
	ub_pktlink_counters(fx->l, t, &c);
	assert_int_equal(t[UB_DIR_DOWN].in, 0);
	assert_int_equal(c.passed, 1);
	fx_free(fx);
}

static void test_short_frames_are_refused(void **state)
{
	struct fx *fx = fx_new(1, NULL);
	struct ub_truth_dir_counters t[2];
	struct ub_pktlink_counters c;
	uint8_t f[128], g[128];
	size_t len = frame(f, 17, 1, 2, 1, 2, 0);
	struct view v;

	(void)state;
	assert_int_equal(parse(f, len, UB_DIR_UP, &v), 1);
	assert_int_equal(v.wire, len - 14);
	assert_int_equal(v.num_off, 14 + 20 + 8);
	assert_int_equal(parse(f, 13, UB_DIR_UP, &v), -1);
	assert_int_equal(parse(f, 30, UB_DIR_UP, &v), -1);   /* IP header cut */
	f[14] = 0x4f;                                        /* header longer than the packet */
	assert_int_equal(parse(f, len, UB_DIR_UP, &v), -1);
	f[14] = 0x45;
	put16(f + 16, 500);                                  /* total length past the frame */
	assert_int_equal(send(fx->s, f, len, 0), (ssize_t)len);
	turn(fx);
	assert_true(recv(fx->r, g, sizeof(g), MSG_DONTWAIT) < 0);
	ub_pktlink_counters(fx->l, t, &c);
	assert_int_equal(c.malformed, 1);
	assert_int_equal(t[UB_DIR_UP].in, 0);
	fx_free(fx);
}

static void test_flow_table_is_bounded(void **state)
{
	struct fx *fx = fx_new(1, NULL);
	struct ub_truth_dir_counters t[2];
	struct ub_pktlink_counters c;
	uint8_t f[128], g[2048];
	size_t len, out = 0;
	unsigned i;

	(void)state;
	for (i = 0; i < UB_PKTLINK_FLOWS_MAX + 50; i++) {
		len = frame(f, 17, 1, 2, 1000 + i, 9000, i);
		assert_int_equal(send(fx->s, f, len, 0), (ssize_t)len);
		turn(fx);
		while (recv(fx->r, g, sizeof(g), MSG_DONTWAIT) > 0)
			out++;
	}
	ub_pktlink_counters(fx->l, t, &c);
	/* All busy within the idle time: the last 50 share the overflow flow, and all are carried. */
	assert_int_equal(c.overflowed, 50);
	assert_int_equal(c.flows, UB_PKTLINK_FLOWS_MAX + 1);
	assert_int_equal(out, UB_PKTLINK_FLOWS_MAX + 50);
	/* Once the old ones fall silent, a new flow takes a slot of its own. */
	fx->now += 2 * LINK_IDLE_NS;
	len = frame(f, 17, 1, 2, 60000, 9000, 0);
	assert_int_equal(send(fx->s, f, len, 0), (ssize_t)len);
	turn(fx);
	ub_pktlink_counters(fx->l, t, &c);
	assert_int_equal(c.overflowed, 50);
	assert_int_equal(fx->l->evicted, 1);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp_out_of_each_port_equals_truth),
		cmocka_unit_test(test_same_seed_same_fates),
		cmocka_unit_test(test_tcp_is_impaired_and_counted_without_numbers),
		cmocka_unit_test(test_arp_passes_at_once_uncounted),
		cmocka_unit_test(test_short_frames_are_refused),
		cmocka_unit_test(test_flow_table_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
