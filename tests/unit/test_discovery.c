/*
 * Unit tests for bench/reflect/discovery.c: the query's exact octets, what
 * counts as a query and what as a STAMP request, answers encoded and read
 * back, hostile answers refused whole, names made safe for a --peers file,
 * and the on-link test against this host's loopback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "reflect/discovery.h"

#define NONCE "0123456789abcdef"

static struct ub_disc_info sample(void)
{
	struct ub_disc_info i;

	memset(&i, 0, sizeof(i));
	snprintf(i.id, sizeof(i.id), "a1b2c3d4e5f60718");
	snprintf(i.kind, sizeof(i.kind), "mpython");
	snprintf(i.name, sizeof(i.name), "掌控板-a107");
	snprintf(i.version, sizeof(i.version), "0.1.0");
	snprintf(i.addr, sizeof(i.addr), "192.168.4.1");
	i.port = 10000;
	i.rssi = -61;
	i.has_rssi = 1;
	return i;
}

static void test_query_octets_and_classify(void **state)
{
	uint8_t q[UB_DISC_QUERY_LEN], stamp[UB_DISC_QUERY_LEN];
	char nonce[UB_DISC_NONCE_LEN + 1];
	size_t i;

	(void)state;
	ub_disc_encode_query(q, NONCE);
	assert_memory_equal(q, "UDPBENCH?DISCOVER 1 " NONCE "\n", 37);
	for (i = 37; i < sizeof(q); i++)
		assert_int_equal(q[i], 0);
	assert_int_equal(ub_disc_classify(q, sizeof(q), nonce), 1);
	assert_string_equal(nonce, NONCE);
	/* One octet short or long, or another version: discovery, but no query. */
	assert_int_equal(ub_disc_classify(q, sizeof(q) - 1, nonce), -1);
	assert_int_equal(ub_disc_classify(q, 17, nonce), -1);
	q[18] = '2';
	assert_int_equal(ub_disc_classify(q, sizeof(q), nonce), -1);
	q[18] = '1';
	q[25] = 'G';
	assert_int_equal(ub_disc_classify(q, sizeof(q), nonce), -1);
	/* A STAMP request of the same size, and anything short of the magic, is not discovery. */
	memset(stamp, 0, sizeof(stamp));
	stamp[3] = 1;
	assert_int_equal(ub_disc_classify(stamp, sizeof(stamp), nonce), 0);
	assert_int_equal(ub_disc_classify(q, 16, nonce), 0);
	assert_int_equal(ub_disc_classify(NULL, 0, nonce), 0);
}

static void test_answer_round_trip(void **state)
{
	struct ub_disc_info in = sample(), out;
	uint8_t buf[UB_DISC_QUERY_LEN + 1];
	struct ub_err e;
	int n;

	(void)state;
	n = ub_disc_encode_answer(buf, sizeof(buf), NONCE, &in, &e);
	assert_true(n > 0 && n <= UB_DISC_QUERY_LEN);
	assert_memory_equal(buf, "UDPBENCH!HERE 1 " NONCE "\nid=a1b2c3d4e5f60718\nkind=mpython\n", 55);
	assert_int_equal(ub_disc_decode_answer(buf, (size_t)n, NONCE, &out, &e), 0);
	assert_string_equal(out.name, in.name);
	assert_string_equal(out.kind, "mpython");
	assert_string_equal(out.addr, "192.168.4.1");
	assert_int_equal(out.port, 10000);
	assert_true(out.has_rssi);
	assert_int_equal(out.rssi, -61);
	/* Another query's nonce: not ours. */
	assert_int_equal(ub_disc_decode_answer(buf, (size_t)n, "fedcba9876543210", &out, &e),
			 UB_E_INVAL);
	/* Cut anywhere inside a line: refused. */
	assert_int_equal(ub_disc_decode_answer(buf, (size_t)n - 1, NONCE, &out, &e), UB_E_INVAL);
}

static void test_longest_answer_fits_a_query(void **state)
{
	struct ub_disc_info in = sample();
	uint8_t buf[UB_DISC_QUERY_LEN + 1];
	struct ub_err e;
	int n;

	(void)state;
	memset(in.name, 'n', UB_DISC_NAME_MAX);
	in.name[UB_DISC_NAME_MAX] = '\0';
	memset(in.version, 'v', sizeof(in.version) - 1);
	memset(in.addr, 'a', sizeof(in.addr) - 1);
	in.rssi = -150;
	n = ub_disc_encode_answer(buf, sizeof(buf), NONCE, &in, &e);
	assert_true(n > 0 && n <= UB_DISC_QUERY_LEN);
	/* A name too long or with a control character is never sent. */
	in = sample();
	snprintf(in.name, sizeof(in.name), "a\nkind=evil");
	assert_int_equal(ub_disc_encode_answer(buf, sizeof(buf), NONCE, &in, &e), UB_E_INVAL);
}

static int decodes(const char *text)
{
	struct ub_disc_info out;
	struct ub_err e;

	return ub_disc_decode_answer((const uint8_t *)text, strlen(text), NONCE, &out, &e) == 0;
}

#define HEAD "UDPBENCH!HERE 1 " NONCE "\nid=00112233aabbccdd\nkind=vvboard\n"

static void test_hostile_answers_refused_whole(void **state)
{
	uint8_t big[UB_DISC_QUERY_LEN + 1];
	struct ub_disc_info out;
	struct ub_err e;

	(void)state;
	assert_true(decodes(HEAD "name=x\nfuture=1\n"));
	assert_false(decodes(HEAD "name=a\x1b[2Jb\n"));   /* terminal escape */
	assert_false(decodes(HEAD "name=a\xc2\x9b" "b\n"));  /* C1 control (CSI) */
	assert_false(decodes(HEAD "name=a\rb\n"));
	assert_false(decodes(HEAD "name=\xff\xfe\n"));       /* not UTF-8 */
	assert_false(decodes(HEAD "name=\xe0\x80\xaf\n"));   /* overlong */
	assert_false(decodes(HEAD "name=\xed\xa0\x80\n"));   /* surrogate */
	assert_false(decodes(HEAD "name=x"));                /* no newline */
	assert_false(decodes(HEAD "noequals\n"));
	assert_false(decodes(HEAD "port=0\n"));
	assert_false(decodes(HEAD "port=65536\n"));
	assert_false(decodes(HEAD "port=+1\n"));
	assert_false(decodes(HEAD "rssi=5\n"));
	assert_false(decodes(HEAD "name=0123456789012345678901234567890123456789012345678901234567890123\n"));
	assert_false(decodes("UDPBENCH!HERE 1 " NONCE "\nkind=vvboard\n")); /* no id */
	assert_false(decodes("UDPBENCH!HERE 1 " NONCE "\nid=00112233aabbccdd\nkind=Evil Kind\n"));
	assert_false(decodes("UDPBENCH?DISCOVER 1 " NONCE "\n"));
	/* Larger than a query: refused before it is read. */
	memset(big, 'x', sizeof(big));
	memcpy(big, HEAD, strlen(HEAD));
	assert_int_equal(ub_disc_decode_answer(big, sizeof(big), NONCE, &out, &e), UB_E_INVAL);
}

static void test_clean_name(void **state)
{
	char out[UB_DISC_NAME_MAX + 1], in[200];
	size_t i;

	(void)state;
	ub_disc_clean_name(out, "  讲台\t\t PC  ");
	assert_string_equal(out, "讲台 PC");
	ub_disc_clean_name(out, "a#b\x1b" "c\xff");
	assert_string_equal(out, "a?b?c?");
	/* 30 three-octet characters: cut at 21 of them (63 octets), never inside one. */
	in[0] = '\0';
	for (i = 0; i < 30; i++)
		strcat(in, "板");
	ub_disc_clean_name(out, in);
	assert_int_equal(strlen(out), 63);
	/* One octet more in front: the 21st character no longer fits, none is split. */
	memmove(in + 1, in, strlen(in) + 1);
	in[0] = 'x';
	ub_disc_clean_name(out, in);
	assert_int_equal(strlen(out), 61);
}

static void test_on_link(void **state)
{
	struct ub_addr a;
	struct sockaddr_in *s = (struct sockaddr_in *)&a.ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a.ss;

	(void)state;
	memset(&a, 0, sizeof(a));
	s->sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.9", &s->sin_addr);
	a.len = sizeof(*s);
	assert_int_equal(ub_disc_on_link(&a), 1); /* lo holds 127.0.0.1/8 */
	inet_pton(AF_INET, "203.0.113.77", &s->sin_addr);
	assert_int_equal(ub_disc_on_link(&a), 0); /* TEST-NET-3: on no interface here */
	memset(&a, 0, sizeof(a));
	s6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, "fe80::1", &s6->sin6_addr);
	a.len = sizeof(*s6);
	assert_int_equal(ub_disc_on_link(&a), 1);
	inet_pton(AF_INET6, "::ffff:203.0.113.77", &s6->sin6_addr);
	assert_int_equal(ub_disc_on_link(&a), 0);
	inet_pton(AF_INET6, "::ffff:127.0.0.2", &s6->sin6_addr);
	assert_int_equal(ub_disc_on_link(&a), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_octets_and_classify),
		cmocka_unit_test(test_answer_round_trip),
		cmocka_unit_test(test_longest_answer_fits_a_query),
		cmocka_unit_test(test_hostile_answers_refused_whole),
		cmocka_unit_test(test_clean_name),
		cmocka_unit_test(test_on_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
