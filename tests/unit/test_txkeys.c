/*
 * Unit tests for send/txkeys.c, which finds the probe a TCP send stamp
 * belongs to by byte offset, and for the stamps send/tcpprobe.c gets from a
 * real loopback connection: the kernel's keys are the offsets of the last
 * bytes of each send, and an echo that arrives split, or several echoes
 * that arrive together, each come out whole with the stamp of the segment
 * that completed them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/err.h"
#include "lib/net.h"
#include "send/tcpprobe.h"
#include "send/txkeys.h"

/* Frames of 2 + 46 octets: a 46-octet probe ends 48 bytes after the one before. */
#define FRAME 48

static void test_each_probe_gets_the_key_of_its_last_byte(void **state)
{
	struct ub_txkeys k;
	uint64_t idx = 99;
	int i;

	(void)state;
	assert_int_equal(ub_txkeys_init(&k, 8), 0);
	for (i = 0; i < 3; i++)
		ub_txkeys_add(&k, (uint64_t)(i + 1) * FRAME, (uint64_t)i);
	assert_int_equal(ub_txkeys_match(&k, FRAME - 1, &idx), 1);
	assert_int_equal(idx, 0);
	assert_int_equal(ub_txkeys_match(&k, 2 * FRAME - 1, &idx), 1);
	assert_int_equal(idx, 1);
	/* The first byte of a probe is not its last. */
	assert_int_equal(ub_txkeys_match(&k, 2 * FRAME, &idx), 0);
	assert_int_equal(ub_txkeys_match(&k, 3 * FRAME - 1, &idx), 1);
	assert_int_equal(idx, 2);
	ub_txkeys_free(&k);
}

/* One send() that carried probes 0..2 stamps only the last: the others go without. */
static void test_coalesced_sends_stamp_only_the_last_probe(void **state)
{
	struct ub_txkeys k;
	uint64_t idx = 99;
	int i;

	(void)state;
	assert_int_equal(ub_txkeys_init(&k, 8), 0);
	for (i = 0; i < 4; i++)
		ub_txkeys_add(&k, (uint64_t)(i + 1) * FRAME, (uint64_t)i);
	assert_int_equal(ub_txkeys_match(&k, 3 * FRAME - 1, &idx), 1);
	assert_int_equal(idx, 2);
	assert_int_equal(k.n, 1);
	/* Probes 0 and 1 are given up for good: their keys again (a resend) find nothing. */
	assert_int_equal(ub_txkeys_match(&k, FRAME - 1, &idx), 0);
	assert_int_equal(ub_txkeys_match(&k, 2 * FRAME - 1, &idx), 0);
	assert_int_equal(ub_txkeys_match(&k, 4 * FRAME - 1, &idx), 1);
	assert_int_equal(idx, 3);
	ub_txkeys_free(&k);
}

/* A probe split over two send() calls: the first one's stamp falls inside it and is not its own. */
static void test_split_send_stamps_the_probe_at_its_end(void **state)
{
	struct ub_txkeys k;
	uint64_t idx = 99;

	(void)state;
	assert_int_equal(ub_txkeys_init(&k, 8), 0);
	ub_txkeys_add(&k, FRAME, 0);
	ub_txkeys_add(&k, 2 * FRAME, 1);
	assert_int_equal(ub_txkeys_match(&k, FRAME - 1, &idx), 1);
	assert_int_equal(ub_txkeys_match(&k, FRAME + 20, &idx), 0);
	assert_int_equal(k.n, 1);
	assert_int_equal(ub_txkeys_match(&k, 2 * FRAME - 1, &idx), 1);
	assert_int_equal(idx, 1);
	ub_txkeys_free(&k);
}

/* Keys are 32 bits: past 4 GiB they start again from 0 and still match. */
static void test_keys_wrap_at_32_bits(void **state)
{
	struct ub_txkeys k;
	uint64_t idx = 99, base = (1ull << 32) - FRAME - 10;

	(void)state;
	assert_int_equal(ub_txkeys_init(&k, 4), 0);
	ub_txkeys_add(&k, base + FRAME, 7);
	ub_txkeys_add(&k, base + 2 * FRAME, 8);
	assert_int_equal(ub_txkeys_match(&k, (uint32_t)(base + FRAME - 1), &idx), 1);
	assert_int_equal(idx, 7);
	assert_int_equal(ub_txkeys_match(&k, (uint32_t)(base + 2 * FRAME - 1), &idx), 1);
	assert_int_equal(idx, 8);
	ub_txkeys_free(&k);
}

/* A full queue gives its oldest probe up. */
static void test_full_queue_drops_the_oldest(void **state)
{
	struct ub_txkeys k;
	uint64_t idx = 99;
	int i;

	(void)state;
	assert_int_equal(ub_txkeys_init(&k, 2), 0);
	for (i = 0; i < 3; i++)
		ub_txkeys_add(&k, (uint64_t)(i + 1) * FRAME, (uint64_t)i);
	assert_int_equal(k.n, 2);
	assert_int_equal(ub_txkeys_match(&k, FRAME - 1, &idx), 0);
	assert_int_equal(ub_txkeys_match(&k, 2 * FRAME - 1, &idx), 1);
	assert_int_equal(idx, 1);
	ub_txkeys_free(&k);
}

/* ---- a real loopback connection ------------------------------------ */

struct pair {
	int lfd, sfd;            /* listener, and the far end accepted from it */
	struct ub_tcpprobe *t;   /* the sender's side */
};

static int pair_setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	struct ub_addr peer;
	struct ub_err e;
	int one = 1;

	assert_non_null(p);
	p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(p->lfd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(p->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(p->lfd, 1), 0);
	assert_int_equal(getsockname(p->lfd, (struct sockaddr *)&a, &len), 0);
	memset(&peer, 0, sizeof(peer));
	memcpy(&peer.ss, &a, sizeof(a));
	peer.len = sizeof(a);
	p->t = ub_tcpprobe_connect(&peer, -1, -1, UB_NS_PER_S, &e);
	assert_non_null(p->t);
	p->sfd = accept(p->lfd, NULL, NULL);
	assert_true(p->sfd >= 0);
	setsockopt(p->sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*state = p;
	return 0;
}

static int pair_teardown(void **state)
{
	struct pair *p = *state;

	ub_tcpprobe_free(p->t);
	close(p->sfd);
	close(p->lfd);
	free(p);
	return 0;
}

/* Waits up to 2 s for the error queue of fd to hold n send stamps; returns how many came. */
static int send_stamps(int fd, struct ub_errq *q, int n)
{
	struct pollfd pfd = { .fd = fd, .events = 0 };
	int got = 0, r;
	int64_t until = ub_clock_mono() + 2 * UB_NS_PER_S;

	while (got < n && ub_clock_mono() < until) {
		r = ub_net_errqueue(fd, q + got, n - got);
		if (r > 0) {
			got += r;
			continue;
		}
		poll(&pfd, 1, 10); /* POLLERR: the error queue has something */
	}
	return got;
}

/* The kernel's keys on a real connection: the offset of each send's last byte, from 0. */
static void test_kernel_keys_are_last_byte_offsets(void **state)
{
	struct pair *p = *state;
	struct ub_errq q[4];
	uint8_t msg[46];
	int i;

	if (!ub_tcpprobe_stamps(p->t))
		skip();
	memset(msg, 'a', sizeof(msg));
	for (i = 0; i < 3; i++)
		assert_int_equal(ub_tcpprobe_send(p->t, msg, sizeof(msg)), 1);
	assert_int_equal(ub_tcpprobe_written(p->t), 3 * FRAME);
	assert_int_equal(send_stamps(ub_tcpprobe_fd(p->t), q, 3), 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(q[i].icmp_errno, 0);
		assert_int_equal(q[i].id, (uint32_t)((i + 1) * FRAME - 1));
		assert_true(q[i].real_ns > 0);
	}
}

/* Waits up to 2 s for the next whole message; returns 1 with it, or fails. */
static int next_msg(struct ub_tcpprobe *t, const uint8_t **m, size_t *len, int64_t *stamp)
{
	struct pollfd pfd = { .fd = ub_tcpprobe_fd(t), .events = POLLIN };
	struct ub_err e;
	int64_t until = ub_clock_mono() + 2 * UB_NS_PER_S;
	int r;

	while (ub_clock_mono() < until) {
		r = ub_tcpprobe_next(t, m, len, stamp, &e);
		if (r != 0)
			return r;
		poll(&pfd, 1, 10);
	}
	return 0;
}

/* Writes len bytes of a frame stream on the far end; returns the wall clock just before. */
static int64_t far_write(int fd, const uint8_t *b, size_t len)
{
	int64_t at = ub_clock_real();

	assert_int_equal(send(fd, b, len, 0), (ssize_t)len);
	return at;
}

/* n frames of FRAME octets into s, the k-th filled with the letter first + k. */
static void frames(uint8_t *s, int n, char first)
{
	int i;

	for (i = 0; i < n; i++) {
		s[i * FRAME] = 0;
		s[i * FRAME + 1] = FRAME - 2;
		memset(s + i * FRAME + 2, first + i, FRAME - 2);
	}
}

/*
 * The kernel turns receive stamping on for the host a moment after the
 * first socket asks (a deferred switch, run from a work queue that a busy
 * host may run late): empty messages, for up to 5 s, until one comes
 * stamped, so that the tests below see stamping already on.
 */
static int stamps_on(struct pair *p)
{
	const uint8_t *m;
	size_t len;
	int64_t stamp = 0;
	int64_t until = ub_clock_mono() + 5 * UB_NS_PER_S;

	while (!stamp && ub_clock_mono() < until) {
		far_write(p->sfd, (const uint8_t[]){ 0, 0 }, 2);
		assert_int_equal(next_msg(p->t, &m, &len, &stamp), 1);
		assert_int_equal(len, 0);
		if (!stamp)
			poll(NULL, 0, 2);
	}
	return stamp != 0;
}

/*
 * Echoes as a stream brings them: one split across two segments, then two
 * in one segment. Each comes out whole; the split one carries the stamp of
 * its second part, and nothing carries a stamp from before its last byte
 * was written.
 */
static void test_split_and_coalesced_echoes_come_out_whole(void **state)
{
	struct pair *p = *state;
	uint8_t s[3 * FRAME];
	const uint8_t *m;
	size_t len;
	int64_t stamp, t_second, t_both;
	int i;

	if (!ub_tcpprobe_stamps(p->t))
		skip();
	assert_true(stamps_on(p));
	frames(s, 3, 'A');
	far_write(p->sfd, s, 20);
	/* Nothing whole yet: only part of the first echo has come. */
	assert_int_equal(ub_tcpprobe_next(p->t, &m, &len, &stamp, &(struct ub_err){ 0 }), 0);
	t_second = far_write(p->sfd, s + 20, FRAME - 20);
	assert_int_equal(next_msg(p->t, &m, &len, &stamp), 1);
	assert_int_equal(len, FRAME - 2);
	assert_int_equal(m[0], 'A');
	assert_true(stamp >= t_second);
	t_both = far_write(p->sfd, s + FRAME, 2 * FRAME);
	for (i = 1; i < 3; i++) {
		assert_int_equal(next_msg(p->t, &m, &len, &stamp), 1);
		assert_int_equal(len, FRAME - 2);
		assert_int_equal(m[0], 'A' + i);
		assert_int_equal(m[len - 1], 'A' + i);
		assert_true(stamp >= t_both && stamp <= ub_clock_real());
	}
	assert_int_equal(ub_tcpprobe_next(p->t, &m, &len, &stamp, &(struct ub_err){ 0 }), 0);
}

/*
 * Two echoes in two segments, the second written 5 ms after the first, read
 * only after both came: each keeps the stamp of its own segment, unless the
 * kernel merged the two buffers in its receive queue (then both carry the
 * second's, the later time, never an earlier one).
 */
static void test_echoes_read_late_keep_their_own_segments_stamps(void **state)
{
	struct pair *p = *state;
	uint8_t s[2 * FRAME];
	const uint8_t *m;
	size_t len;
	int64_t a, b, t_a, t_b;

	if (!ub_tcpprobe_stamps(p->t))
		skip();
	assert_true(stamps_on(p));
	frames(s, 2, 'a');
	t_a = far_write(p->sfd, s, FRAME);
	while (ub_clock_real() < t_a + 5 * UB_NS_PER_S / 1000)
		;
	t_b = far_write(p->sfd, s + FRAME, FRAME);
	assert_int_equal(next_msg(p->t, &m, &len, &a), 1);
	assert_int_equal(m[0], 'a');
	assert_int_equal(next_msg(p->t, &m, &len, &b), 1);
	assert_int_equal(m[0], 'b');
	print_message("first echo: stamp %+lld us from its write, second %+lld us from its own\n",
		      (long long)(a - t_a) / 1000, (long long)(b - t_b) / 1000);
	assert_true(b >= t_b);
	assert_true(a >= t_a && (a < t_b || a == b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_probe_gets_the_key_of_its_last_byte),
		cmocka_unit_test(test_coalesced_sends_stamp_only_the_last_probe),
		cmocka_unit_test(test_split_send_stamps_the_probe_at_its_end),
		cmocka_unit_test(test_keys_wrap_at_32_bits),
		cmocka_unit_test(test_full_queue_drops_the_oldest),
		cmocka_unit_test_setup_teardown(test_kernel_keys_are_last_byte_offsets, pair_setup,
						pair_teardown),
		cmocka_unit_test_setup_teardown(test_split_and_coalesced_echoes_come_out_whole,
						pair_setup, pair_teardown),
		cmocka_unit_test_setup_teardown(test_echoes_read_late_keep_their_own_segments_stamps,
						pair_setup, pair_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
