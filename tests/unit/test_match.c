/*
 * Unit tests for bench/send/match.c: each kind of reply held against the
 * probe it answers. The replies are laid out here octet by octet as RFC
 * 8762 §4.3.1 and RFC 5357 §4.2.1 draw them (and as the classroom scripts
 * change them), not with udpbench's encoders; the probes are a small table
 * the matcher asks about, as the session's ring answers it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "send/match.h"

#define T1 1765012345678901234LL /* a T1 in Unix ns */
#define SSID ('Q' << 8 | '7')

static struct ub_match_probe probes[8];
static int waiting = -1; /* the probe the any mode waits on; -1 none */

static const struct ub_match_probe *by_seq(void *ctx, uint32_t seq)
{
	(void)ctx;
	return seq < 8 && probes[seq].t1_real ? &probes[seq] : NULL;
}

static const struct ub_match_probe *oldest(void *ctx)
{
	(void)ctx;
	return waiting >= 0 ? &probes[waiting] : NULL;
}

static const struct ub_match_probes ps = { by_seq, oldest, NULL };

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* An NTP timestamp of Unix ns as RFC 5905 writes it. */
static void put_ntp(uint8_t *p, int64_t ns)
{
	uint64_t sec = (uint64_t)(ns / 1000000000) + 2208988800ULL;
	uint64_t frac = ((uint64_t)(ns % 1000000000) << 32) / 1000000000;

	put32(p, (uint32_t)sec);
	put32(p + 4, (uint32_t)frac);
}

/*
 * A reflector packet answering the request req (its octets 0..13 are the
 * request's sequence number, T1 and error estimate): counter, T3, the SSID,
 * T2, then the request's fields copied; len 44, or TWAMP-light's 41 / 38.
 */
static size_t reply_to(uint8_t *out, size_t len, const uint8_t *req, uint32_t counter,
		       uint16_t ssid)
{
	memset(out, 0, len);
	put32(out, counter);
	put_ntp(out + 4, T1 + 30000);
	out[14] = (uint8_t)(ssid >> 8);
	out[15] = (uint8_t)ssid;
	put_ntp(out + 16, T1 + 10000);
	memcpy(out + 24, req, 14);
	if (len >= 41)
		out[40] = 64;
	return len;
}

static struct ub_sender_config cfg;
static struct ub_matcher m;

static int setup(void **state)
{
	(void)state;
	memset(probes, 0, sizeof(probes));
	waiting = -1;
	ub_sender_config_init(&cfg);
	ub_match_init(&m, &cfg, SSID, 0);
	return 0;
}

/* Probe seq as the matcher sends it now (text in auto mode), into buf. */
static size_t sent(uint8_t *buf, uint32_t seq)
{
	probes[seq].seq = seq;
	probes[seq].t1_real = T1 + seq;
	probes[seq].text = (uint8_t)m.text;
	return ub_match_encode(&m, buf, seq, T1 + seq, m.text);
}

static void test_auto_sends_text_and_takes_a_stateful_reply(void **state)
{
	uint8_t req[UB_PKT_MAX], rep[64];
	struct ub_match mt;
	struct ub_params p;
	size_t i;

	(void)state;
	assert_int_equal(sent(req, 3), 44);
	for (i = 0; i + 1 < 44; i++)
		assert_true(req[i] >= 0x20 && req[i] < 0x7f); /* a script can decode it */
	assert_int_equal(ub_match_reply(&m, &ps, rep, reply_to(rep, 44, req, 0, SSID), &mt),
			 UB_MATCH_STAMP);
	assert_ptr_equal(mt.probe, &probes[3]);
	assert_int_equal(mt.rep.seq, 0);
	assert_int_equal(m.mode, UB_MODE_STAMP);
	memset(&p, 0, sizeof(p));
	ub_match_describe(&m, 0, 1, &p);
	assert_string_equal(p.reflector, "stateful");
	assert_int_equal(p.split_why, UB_SPLIT_GIVEN);
	assert_int_equal(p.refl_ts, 1);
}

static void test_a_copied_number_is_stateless(void **state)
{
	uint8_t req[UB_PKT_MAX], rep[64];
	struct ub_match mt;
	struct ub_params p;
	uint32_t copied;

	(void)state;
	sent(req, 5);
	copied = (uint32_t)req[0] << 24 | (uint32_t)req[1] << 16 | (uint32_t)req[2] << 8 | req[3];
	/* TWAMP-light's 41 octets, MBZ where the SSID would be */
	assert_int_equal(ub_match_reply(&m, &ps, rep, reply_to(rep, 41, req, copied, 0), &mt),
			 UB_MATCH_STAMP);
	assert_true(mt.rep.has_ttl);
	memset(&p, 0, sizeof(p));
	ub_match_describe(&m, 0, 1, &p);
	assert_string_equal(p.reflector, "stateless");
	assert_int_equal(p.split_why, UB_SPLIT_STATELESS);
}

/*
 * Once a STAMP reflector answered a text probe, auto goes on with binary
 * requests; replies to the text probes still in flight match all the same,
 * and the reflector stays what its first reply showed.
 */
static void test_auto_goes_binary_after_a_stamp_reply(void **state)
{
	uint8_t req[UB_PKT_MAX], late[UB_PKT_MAX], rep[64];
	struct ub_match mt;
	struct ub_params p;

	(void)state;
	sent(req, 0);
	sent(late, 1);
	assert_true(probes[0].text && probes[1].text);
	assert_int_equal(ub_match_reply(&m, &ps, rep, reply_to(rep, 44, req, 0, SSID), &mt),
			 UB_MATCH_STAMP);
	assert_false(m.text);
	/* the next probe leaves as RFC 8762 §4.2.1 draws it: the number 2 in octets 0..3 */
	sent(req, 2);
	assert_false(probes[2].text);
	assert_int_equal(req[0] | req[1] | req[2], 0);
	assert_int_equal(req[3], 2);
	assert_int_equal(req[14] << 8 | req[15], SSID);
	assert_int_equal(ub_match_reply(&m, &ps, rep, reply_to(rep, 44, late, 1, SSID), &mt),
			 UB_MATCH_STAMP);
	assert_ptr_equal(mt.probe, &probes[1]);
	assert_int_equal(ub_match_reply(&m, &ps, rep, reply_to(rep, 44, req, 2, SSID), &mt),
			 UB_MATCH_STAMP);
	assert_ptr_equal(mt.probe, &probes[2]);
	memset(&p, 0, sizeof(p));
	ub_match_describe(&m, 0, 3, &p);
	assert_string_equal(p.reflector, "stateful");
	/* text asked for stays text; so does auto with an echo (a script) */
	cfg.mode = UB_MODE_TEXT;
	ub_match_init(&m, &cfg, SSID, 0);
	sent(req, 3);
	assert_int_equal(ub_match_reply(&m, &ps, rep, reply_to(rep, 44, req, 0, SSID), &mt),
			 UB_MATCH_STAMP);
	assert_true(m.text);
	cfg.mode = UB_MODE_AUTO;
	ub_match_init(&m, &cfg, SSID, 0);
	assert_int_equal(ub_match_reply(&m, &ps, req, sent(req, 4), &mt), UB_MATCH_ECHO);
	assert_true(m.text);
}

static void test_short_replies_and_their_ttl(void **state)
{
	uint8_t req[UB_PKT_MAX], rep[64];
	struct ub_match mt;

	(void)state;
	sent(req, 1);
	assert_int_equal(ub_match_reply(&m, &ps, rep, reply_to(rep, 38, req, 0, 0), &mt),
			 UB_MATCH_STAMP);
	assert_false(mt.rep.has_ttl);
	/* shorter than that holds no copy of the request: nothing */
	assert_int_equal(ub_match_reply(&m, &ps, rep, 37, &mt), UB_MATCH_NONE);
}

static void test_verbatim_changed_and_capital_echoes(void **state)
{
	uint8_t req[UB_PKT_MAX], rep[UB_PKT_MAX + 16];
	struct ub_match mt;
	size_t n, i;

	(void)state;
	n = sent(req, 2);
	/* byte for byte: an echo, and auto settles on it */
	assert_int_equal(ub_match_reply(&m, &ps, req, n, &mt), UB_MATCH_ECHO);
	assert_int_equal(m.mode, UB_MODE_ECHO);
	/* '收到: ' + data, in a session that settled on text */
	setup(NULL);
	n = sent(req, 2);
	memcpy(rep, "\xe6\x94\xb6\xe5\x88\xb0: ", 8);
	memcpy(rep + 8, req, n);
	assert_int_equal(ub_match_reply(&m, &ps, rep, n + 8, &mt), UB_MATCH_TEXT);
	assert_ptr_equal(mt.probe, &probes[2]);
	assert_int_equal(m.mode, UB_MODE_TEXT);
	/* data.upper(): changed (the magic is in lower case), still the same probe */
	setup(NULL);
	n = sent(req, 4);
	for (i = 0; i < n; i++)
		rep[i] = (uint8_t)(req[i] >= 'a' && req[i] <= 'z' ? req[i] - 32 : req[i]);
	assert_memory_not_equal(rep, req, n);
	assert_int_equal(ub_match_reply(&m, &ps, rep, n, &mt), UB_MATCH_TEXT);
	assert_ptr_equal(mt.probe, &probes[4]);
}

static void test_what_is_not_ours(void **state)
{
	uint8_t req[UB_PKT_MAX], rep[64];
	struct ub_match mt;

	(void)state;
	sent(req, 6);
	/* another session's reply (another SSID) */
	assert_int_equal(ub_match_reply(&m, &ps, rep, reply_to(rep, 44, req, 0, 'Z' << 8 | 'Z'), &mt),
			 UB_MATCH_NONE);
	assert_int_equal(ub_match_reply(&m, &ps, (const uint8_t *)"OK", 2, &mt), UB_MATCH_NONE);
	assert_int_equal(m.mode, UB_MODE_AUTO);
	/*
	 * A reply to an earlier run's probe with the same number: another T1.
	 * (Of a text probe a reflector copies octets 0..11 only, which hold no
	 * T1; a binary probe's copy holds it.)
	 */
	cfg.mode = UB_MODE_STAMP;
	ub_match_init(&m, &cfg, SSID, 0);
	sent(req, 6);
	probes[6].t1_real += 1000;
	assert_int_equal(ub_match_reply(&m, &ps, rep, reply_to(rep, 44, req, 0, SSID), &mt),
			 UB_MATCH_NONE);
}

static void test_stamp_mode_takes_no_copies(void **state)
{
	uint8_t req[UB_PKT_MAX], rep[64];
	struct ub_match mt;

	(void)state;
	cfg.mode = UB_MODE_STAMP;
	ub_match_init(&m, &cfg, SSID, 0);
	assert_false(m.text);
	sent(req, 0);
	assert_int_equal(ub_match_reply(&m, &ps, req, 44, &mt), UB_MATCH_NONE);
	assert_int_equal(ub_match_reply(&m, &ps, rep, reply_to(rep, 44, req, 0, SSID), &mt),
			 UB_MATCH_STAMP);
}

static void test_any_takes_the_probe_waiting(void **state)
{
	uint8_t req[UB_PKT_MAX];
	struct ub_match mt;
	struct ub_params p;

	(void)state;
	cfg.mode = UB_MODE_ANY;
	ub_match_init(&m, &cfg, SSID, 0);
	sent(req, 7);
	assert_int_equal(ub_match_reply(&m, &ps, (const uint8_t *)"OK", 2, &mt), UB_MATCH_NONE);
	waiting = 7;
	assert_int_equal(ub_match_reply(&m, &ps, (const uint8_t *)"OK", 2, &mt), UB_MATCH_ANY);
	assert_ptr_equal(mt.probe, &probes[7]);
	memset(&p, 0, sizeof(p));
	ub_match_describe(&m, 0, 1, &p);
	assert_string_equal(p.reflector, "any");
	assert_int_equal(p.split_why, UB_SPLIT_NO_COUNTER);
}

static void test_ptp_reflector_is_told(void **state)
{
	uint8_t req[UB_PKT_MAX], rep[64];
	struct ub_match mt;
	struct ub_params p;

	(void)state;
	sent(req, 1);
	reply_to(rep, 44, req, 0, SSID);
	rep[12] = 0x40; /* Z: its timestamps are PTP */
	assert_int_equal(ub_match_reply(&m, &ps, rep, 44, &mt), UB_MATCH_STAMP);
	memset(&p, 0, sizeof(p));
	ub_match_describe(&m, 0, 1, &p);
	assert_int_equal(p.refl_ts, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_auto_sends_text_and_takes_a_stateful_reply, setup),
		cmocka_unit_test_setup(test_a_copied_number_is_stateless, setup),
		cmocka_unit_test_setup(test_auto_goes_binary_after_a_stamp_reply, setup),
		cmocka_unit_test_setup(test_short_replies_and_their_ttl, setup),
		cmocka_unit_test_setup(test_verbatim_changed_and_capital_echoes, setup),
		cmocka_unit_test_setup(test_what_is_not_ours, setup),
		cmocka_unit_test_setup(test_stamp_mode_takes_no_copies, setup),
		cmocka_unit_test_setup(test_any_takes_the_probe_waiting, setup),
		cmocka_unit_test_setup(test_ptp_reflector_is_told, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
