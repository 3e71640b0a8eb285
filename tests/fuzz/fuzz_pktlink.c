/*
 * Fuzz target: one Ethernet frame (the input) through the packet-level
 * link's reader (bench/relay/pktlink.c, included to reach it), going up
 * and going down, then through a whole link over socketpairs.
 *
 * What is checked: a frame is carried (1), passed (0) or refused (-1);
 * what is carried has its number and its IP length inside the frame; an
 * IPv4 packet and its mirror image (addresses and ports swapped) going the
 * other way are the same flow; the link counts every frame once, as
 * carried, passed or refused, and stays within its flow table.
 */
#include <sys/socket.h>

#include "fuzz.h"
#include "relay/pktlink.c"

/* One link for the whole run (fresh ones would cost an allocation of frames per input); ends[0] feeds it, ends[1] drains it. */
static struct ub_pktlink *link_once(int ends[2])
{
	static struct ub_pktlink *l;
	static int keep[2];
	struct ub_relay_config c;
	struct ub_err e;
	int a[2], b[2];

	if (!l) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, a) < 0 ||
		    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, b) < 0)
			abort();
		ub_relay_config_init(&c);
		if (ub_relay_config_set(&c, "loss", "20%", &e) < 0 ||
		    ub_relay_config_set(&c, "duplicate", "20%", &e) < 0)
			abort();
		c.seed = 1;
		c.seed_set = 1;
		c.have_ports = 1;
		c.ports[0] = a[1];
		c.ports[1] = b[0];
		c.log = NULL;
		l = ub_pktlink_new(&c, &e);
		if (!l)
			abort();
		keep[0] = a[0];
		keep[1] = b[1];
	}
	ends[0] = keep[0];
	ends[1] = keep[1];
	return l;
}

static void mirror_v4(uint8_t *f, size_t n)
{
	uint8_t t[4];
	size_t hl;

	memcpy(t, f + ETH_HDR + V4_SRC, 4);
	memcpy(f + ETH_HDR + V4_SRC, f + ETH_HDR + V4_DST, 4);
	memcpy(f + ETH_HDR + V4_DST, t, 4);
	hl = (size_t)(f[ETH_HDR] & 15) * 4;
	if (ETH_HDR + hl + 4 <= n) {
		memcpy(t, f + ETH_HDR + hl, 2);
		memcpy(f + ETH_HDR + hl, f + ETH_HDR + hl + 2, 2);
		memcpy(f + ETH_HDR + hl + 2, t, 2);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct ub_truth_dir_counters t0[2], t1[2];
	struct ub_pktlink_counters before, after;
	struct view up, down;
	struct ub_pktlink *l;
	struct ub_err e;
	uint8_t *m, sink[2048];
	uint64_t moved;
	int k, k2, ends[2];

	k = parse(d, n, UB_DIR_UP, &up);
	FUZZ_CHECK(k == 1 || k == 0 || k == -1);
	if (k == 1) {
		FUZZ_CHECK(up.num_off <= n && up.wire + ETH_HDR <= n && up.wire >= V4_HDR_MIN);
		FUZZ_CHECK(up.klen > 0 && up.klen <= UB_LRU_KEY_MAX);
	}
	if (k == 1 && get16(d + ETH_TYPE) == ETHERTYPE_V4) {
		m = malloc(n);
		if (!m)
			return 0;
		memcpy(m, d, n);
		mirror_v4(m, n);
		k2 = parse(m, n, UB_DIR_DOWN, &down);
		FUZZ_CHECK(k2 == 1 && down.klen == up.klen && memcmp(down.key, up.key, up.klen) == 0);
		free(m);
	}

	l = link_once(ends);
	ub_pktlink_counters(l, t0, &before);
	if (n == 0 || n > sizeof(sink) || send(ends[0], d, n, 0) != (ssize_t)n)
		return 0;
	ub_err_clear(&e);
	FUZZ_CHECK(ub_pktlink_turn(l, 0, &e) == 0);
	ub_pktlink_counters(l, t1, &after);
	/* Counted once: carried (in), passed at once, or refused. */
	moved = (t1[UB_DIR_UP].in - t0[UB_DIR_UP].in) + (after.passed - before.passed) +
		(after.malformed - before.malformed);
	FUZZ_CHECK(moved == 1);
	FUZZ_CHECK((k == 1) == (t1[UB_DIR_UP].in != t0[UB_DIR_UP].in));
	FUZZ_CHECK(t1[UB_DIR_DOWN].in == 0 && ub_lru_count(l->lru) <= UB_PKTLINK_FLOWS_MAX);
	/* What came out on the far side is read away: the socket never fills. */
	while (recv(ends[1], sink, sizeof(sink), MSG_DONTWAIT) > 0)
		;
	return 0;
}
