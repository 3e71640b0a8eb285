/* The load handshake's wire format (stamp/loadmsg.h) and the reflector's answers (reflect/loadsrv.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "reflect/loadsrv.h"
#include "stamp/loadmsg.h"

/* An ask with a distinct byte in every field, so a field at the wrong offset shows. */
static const uint8_t ask_bytes[UB_LOADMSG_FRAME] = {
	0x00, 0x20,                                     /* length 32 */
	'U', 'B', 'L', 'O', 'A', 'D', 0x01, 'Q',        /* magic, version, ask */
	0x02, 0x00,                                     /* down, reserved */
	0x01, 0x02,                                     /* stream */
	0x11, 0x12, 0x13, 0x14,                         /* ms */
	0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, /* rate */
	0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, /* run */
};

static void test_ask_layout(void **state)
{
	struct ub_loadmsg m = { .version = 1, .dir = UB_LOAD_DOWN, .stream = 0x0102, .ms = 0x11121314,
				.rate = 0x2122232425262728ULL, .run = 0x3132333435363738ULL };
	uint8_t out[UB_LOADMSG_FRAME];
	struct ub_loadmsg back;

	(void)state;
	ub_loadmsg_encode(&m, out);
	assert_memory_equal(out, ask_bytes, sizeof(out));
	assert_int_equal(ub_loadmsg_decode(out, sizeof(out), &back), 0);
	assert_false(back.answer);
	assert_int_equal(back.dir, UB_LOAD_DOWN);
	assert_int_equal(back.stream, 0x0102);
	assert_int_equal(back.ms, 0x11121314);
	assert_true(back.rate == m.rate && back.run == m.run);
	/* short, another length, another magic: not a load message */
	assert_int_equal(ub_loadmsg_decode(out, sizeof(out) - 1, &back), -1);
	out[1] = 44;
	assert_false(ub_loadmsg_length_is(out, 2));
	assert_int_equal(ub_loadmsg_decode(out, sizeof(out), &back), -1);
	out[1] = 32;
	out[3] = 'b';
	assert_int_equal(ub_loadmsg_decode(out, sizeof(out), &back), -1);
}

/* Every ask without --allow-load is refused; with it, granted within the caps, and bad ones refused. */
static void test_answers(void **state)
{
	struct ub_loadsrv_config c;
	struct ub_loadsrv *ls;
	struct ub_loadsrv_counters cnt;
	struct ub_loadmsg ask = { .version = 1, .dir = UB_LOAD_UP, .ms = 60000, .run = 9 }, a;
	struct ub_loadconn lc[UB_LOADSRV_CONNS + 1];
	uint8_t reply[UB_LOADMSG_FRAME];
	int i;

	(void)state;
	ub_loadsrv_config_init(&c);
	assert_false(c.allow);
	ls = ub_loadsrv_new(&c);
	assert_int_equal(ub_loadsrv_answer(ls, &ask, &lc[0], reply), UB_LOAD_NOT_ALLOWED);
	assert_int_equal(ub_loadmsg_decode(reply, sizeof(reply), &a), 0);
	assert_true(a.answer && a.status == UB_LOAD_NOT_ALLOWED && a.run == 9 && a.ms == 0);
	ub_loadsrv_free(ls);

	c.allow = 1;
	c.max_ns = 5000000000LL;
	c.max_bps = 8000000;
	ls = ub_loadsrv_new(&c);
	/* 60 s asked, 5 s granted; the rate cap in octets a second */
	assert_int_equal(ub_loadsrv_answer(ls, &ask, &lc[0], reply), UB_LOAD_OK);
	ub_loadmsg_decode(reply, sizeof(reply), &a);
	assert_true(a.ms == 5000 && a.rate == 1000000 && lc[0].grant_ns == 5000000000LL);
	ask.dir = 7;
	assert_int_equal(ub_loadsrv_answer(ls, &ask, &lc[1], reply), UB_LOAD_BAD);
	ask.dir = UB_LOAD_DOWN;
	ask.version = 2;
	assert_int_equal(ub_loadsrv_answer(ls, &ask, &lc[1], reply), UB_LOAD_BAD);
	ask.version = 1;
	for (i = 1; i < UB_LOADSRV_CONNS; i++)
		assert_int_equal(ub_loadsrv_answer(ls, &ask, &lc[i], reply), UB_LOAD_OK);
	assert_int_equal(ub_loadsrv_answer(ls, &ask, &lc[i], reply), UB_LOAD_BUSY);
	/* one closes: room for the next */
	ub_loadsrv_closed(ls, &lc[0], 0);
	assert_int_equal(ub_loadsrv_answer(ls, &ask, &lc[0], reply), UB_LOAD_OK);
	ub_loadsrv_counters(ls, &cnt);
	assert_int_equal(cnt.asked, UB_LOADSRV_CONNS + 4);
	assert_int_equal(cnt.refused, 3);
	assert_int_equal(cnt.open, UB_LOADSRV_CONNS);
	ub_loadsrv_free(ls);
}

/* The granted time counts from the asker's first octet; the rate cap holds across connections. */
static void test_time_and_rate_caps(void **state)
{
	struct ub_loadsrv_config c;
	struct ub_loadsrv *ls;
	struct ub_loadsrv_counters cnt;
	struct ub_loadmsg ask = { .version = 1, .dir = UB_LOAD_DOWN, .ms = 1000 };
	struct ub_loadconn lc;
	uint8_t reply[UB_LOADMSG_FRAME], go = 'g', sink[65536];
	int sv[2], sndbuf = 1 << 20;
	long moved, total = 0;
	int64_t now = 1000000000LL, t;

	(void)state;
	ub_loadsrv_config_init(&c);
	c.allow = 1;
	c.max_bps = 8000000; /* 1 MB/s: 20 ms bursts of 20 kB */
	ls = ub_loadsrv_new(&c);
	assert_int_equal(ub_loadsrv_answer(ls, &ask, &lc, reply), UB_LOAD_OK);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	/* before the go: nothing is due, the source reads */
	assert_false(ub_loadsrv_expired(&lc, now + 5000000000LL));
	assert_int_equal(ub_loadsrv_due(ls, &lc), INT64_MAX);
	assert_int_equal(write(sv[1], &go, 1), 1);
	assert_int_equal(ub_loadsrv_io(ls, &lc, sv[0], now), 1);
	assert_true(lc.started && lc.end_ns == now + 1000000000LL);
	/* 100 ms of sourcing in 1 ms steps moves about 0.1 s at 1 MB/s, plus one burst */
	for (t = now; t < now + 100000000LL; t += 1000000) {
		moved = ub_loadsrv_io(ls, &lc, sv[0], t);
		assert_true(moved >= 0);
		total += moved;
		while (read(sv[1], sink, sizeof(sink)) == (ssize_t)sizeof(sink))
			;
	}
	assert_in_range(total, 100000 - 2000, 100000 + 20000 + 2000);
	/* the end: the connection is done, and counted as ended at the cap */
	assert_true(ub_loadsrv_expired(&lc, now + 1000000000LL));
	assert_int_equal(ub_loadsrv_io(ls, &lc, sv[0], now + 1000000000LL), -1);
	ub_loadsrv_closed(ls, &lc, now + 1000000000LL);
	ub_loadsrv_counters(ls, &cnt);
	assert_int_equal(cnt.capped, 1);
	assert_int_equal(cnt.open, 0);
	assert_int_equal(cnt.bytes_out, (uint64_t)total);
	close(sv[0]);
	close(sv[1]);
	ub_loadsrv_free(ls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ask_layout),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_time_and_rate_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
