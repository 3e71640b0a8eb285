#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "stamp/auth.h"

/*
 * Expected values come from outside udpbench: RFC 4231's published
 * HMAC-SHA-256 test cases, and Python's hmac module for the rest.
 */

/* A temporary folder for key files, made by the group setup. */
struct keydir {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct keydir *d = calloc(1, sizeof(*d));
	const char *tmp = getenv("TMPDIR");

	if (!d)
		return -1;
	snprintf(d->dir, sizeof(d->dir), "%s/ub_auth_XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(d->dir)) {
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct keydir *d = *state;
	char p[160];
	int i;

	for (i = 0; i < 32; i++) {
		snprintf(p, sizeof(p), "%s/k%d", d->dir, i);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/sub", d->dir);
	rmdir(p);
	rmdir(d->dir);
	free(d);
	return 0;
}

/* Writes data[0..n) to key file number i in d; returns its path (valid until the next call). */
static const char *key_file(struct keydir *d, int i, const void *data, size_t n)
{
	FILE *f;

	snprintf(d->path, sizeof(d->path), "%s/k%d", d->dir, i);
	f = fopen(d->path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	return d->path;
}

/* Loads data as a key file and checks it gives exactly want[0..want_len). */
static void expect_key(struct keydir *d, const void *data, size_t n, const void *want,
		       size_t want_len)
{
	struct ub_auth_key k;
	struct ub_err e;

	ub_err_clear(&e);
	memset(&k, 0, sizeof(k));
	assert_int_equal(ub_auth_key_load(key_file(d, 0, data, n), &k, &e), 0);
	assert_int_equal(k.len, want_len);
	assert_memory_equal(k.bytes, want, want_len);
}

/* Loads data as a key file and checks it is refused with "key file PATH: why". */
static void expect_refused(struct keydir *d, const void *data, size_t n, const char *why)
{
	struct ub_auth_key k;
	struct ub_err e;
	char want[256];
	const char *path;

	ub_err_clear(&e);
	path = key_file(d, 1, data, n);
	assert_int_equal(ub_auth_key_load(path, &k, &e), UB_E_INVAL);
	assert_int_equal(e.code, UB_E_INVAL);
	snprintf(want, sizeof(want), "key file %s: %s", path, why);
	assert_string_equal(e.msg, want);
}

static void test_hmac_rfc4231(void **state)
{
	/* RFC 4231 §4.2, §4.4 and §4.5: test cases 1, 3 and 4, first 16 octets. */
	static const uint8_t want1[UB_AUTH_HMAC_LEN] = {
		0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53,
		0x5c, 0xa8, 0xaf, 0xce, 0xaf, 0x0b, 0xf1, 0x2b,
	};
	static const uint8_t want3[UB_AUTH_HMAC_LEN] = {
		0x77, 0x3e, 0xa9, 0x1e, 0x36, 0x80, 0x0e, 0x46,
		0x85, 0x4d, 0xb8, 0xeb, 0xd0, 0x91, 0x81, 0xa7,
	};
	static const uint8_t want4[UB_AUTH_HMAC_LEN] = {
		0x82, 0x55, 0x8a, 0x38, 0x9a, 0x44, 0x3c, 0x0e,
		0xa4, 0xcc, 0x81, 0x98, 0x99, 0xf2, 0x08, 0x3a,
	};
	struct ub_auth_key k1 = { .len = 20 }, k3 = { .len = 20 }, k4 = { .len = 25 };
	uint8_t data3[50], data4[50], mac[UB_AUTH_HMAC_LEN];
	size_t i;

	(void)state;
	memset(k1.bytes, 0x0b, k1.len);
	memset(k3.bytes, 0xaa, k3.len);
	for (i = 0; i < k4.len; i++)
		k4.bytes[i] = (uint8_t)(i + 1);
	memset(data3, 0xdd, sizeof(data3));
	memset(data4, 0xcd, sizeof(data4));
	/* Switching keys back and forth must rekey every time. */
	for (i = 0; i < 3; i++) {
		assert_int_equal(ub_auth_hmac(&k1, (const uint8_t *)"Hi There", 8, mac), 0);
		assert_memory_equal(mac, want1, sizeof(mac));
		assert_int_equal(ub_auth_hmac(&k3, data3, sizeof(data3), mac), 0);
		assert_memory_equal(mac, want3, sizeof(mac));
		assert_int_equal(ub_auth_hmac(&k3, data3, sizeof(data3), mac), 0);
		assert_memory_equal(mac, want3, sizeof(mac));
		assert_int_equal(ub_auth_hmac(&k4, data4, sizeof(data4), mac), 0);
		assert_memory_equal(mac, want4, sizeof(mac));
	}
}

static void test_hmac_rejects(void **state)
{
	struct ub_auth_key k = { .len = UB_AUTH_KEY_MIN - 1 };
	uint8_t mac[UB_AUTH_HMAC_LEN];

	(void)state;
	/* RFC 4231 case 2's 4-octet "Jefe" is exactly the kind of key udpbench refuses. */
	memcpy(k.bytes, "Jefe", 4);
	k.len = 4;
	assert_int_equal(ub_auth_hmac(&k, (const uint8_t *)"x", 1, mac), UB_E_INVAL);
	k.len = UB_AUTH_KEY_MIN - 1;
	assert_int_equal(ub_auth_hmac(&k, (const uint8_t *)"x", 1, mac), UB_E_INVAL);
	k.len = UB_AUTH_KEY_MAX + 1;
	assert_int_equal(ub_auth_hmac(&k, (const uint8_t *)"x", 1, mac), UB_E_INVAL);
	k.len = 0;
	assert_int_equal(ub_auth_hmac(&k, (const uint8_t *)"x", 1, mac), UB_E_INVAL);
	k.len = UB_AUTH_KEY_MIN;
	assert_int_equal(ub_auth_hmac(NULL, (const uint8_t *)"x", 1, mac), UB_E_INVAL);
	assert_int_equal(ub_auth_hmac(&k, NULL, 1, mac), UB_E_INVAL);
	assert_int_equal(ub_auth_hmac(&k, (const uint8_t *)"x", 1, NULL), UB_E_INVAL);
	/* An empty message is a message. */
	assert_int_equal(ub_auth_hmac(&k, NULL, 0, mac), 0);
	k.len = UB_AUTH_KEY_MAX;
	assert_int_equal(ub_auth_hmac(&k, (const uint8_t *)"x", 1, mac), 0);
}

static void test_verify(void **state)
{
	struct ub_auth_key k = { .len = 20 }, other;
	uint8_t mac[UB_AUTH_HMAC_LEN];
	const uint8_t *msg = (const uint8_t *)"Hi There";
	size_t bit;

	(void)state;
	memset(k.bytes, 0x0b, k.len);
	assert_int_equal(ub_auth_hmac(&k, msg, 8, mac), 0);
	assert_int_equal(ub_auth_verify(&k, msg, 8, mac), 1);
	for (bit = 0; bit < sizeof(mac) * 8; bit++) {
		mac[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(ub_auth_verify(&k, msg, 8, mac), 0);
		mac[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(ub_auth_verify(&k, msg, 7, mac), 0);
	other = k;
	other.bytes[19] = 0x0c;
	assert_int_equal(ub_auth_verify(&other, msg, 8, mac), 0);
	assert_int_equal(ub_auth_verify(&k, msg, 8, NULL), 0);
	assert_int_equal(ub_auth_verify(NULL, msg, 8, mac), 0);
	other.len = 4;
	assert_int_equal(ub_auth_verify(&other, msg, 8, mac), 0);
	assert_int_equal(ub_auth_verify(&k, msg, 8, mac), 1);
}

static void test_load_raw(void **state)
{
	struct keydir *d = *state;
	static const uint8_t bin[20] = {
		0x00, 0xff, '\n', 0x7f, 'a', 'b', 0x80, 0x01, 0x02, '\r',
		0x00, 0x00, 'z', 'Z', 0xfe, 0x10, 0x20, 0x30, 0x40, 0x55,
	};
	uint8_t with_nl[sizeof(bin) + 2];

	/* Binary bytes, NUL and newlines inside included, are the key as they are. */
	expect_key(d, bin, sizeof(bin), bin, sizeof(bin));
	memcpy(with_nl, bin, sizeof(bin));
	with_nl[sizeof(bin)] = '\n';
	expect_key(d, with_nl, sizeof(bin) + 1, bin, sizeof(bin));
	with_nl[sizeof(bin)] = '\r';
	with_nl[sizeof(bin) + 1] = '\n';
	expect_key(d, with_nl, sizeof(bin) + 2, bin, sizeof(bin));
	/* A lone trailing '\r' is not a line end. */
	expect_key(d, with_nl, sizeof(bin) + 1, with_nl, sizeof(bin) + 1);
	/* Only one line end is stripped. */
	expect_key(d, "correct horse battery\n\n", 23, "correct horse battery\n", 22);
	expect_key(d, "sixteen octets!!", 16, "sixteen octets!!", 16);
}

static void test_load_hex(void **state)
{
	struct keydir *d = *state;
	static const char hex64[] =
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
	/* Python: hmac.new(bytes(range(32)), b"udpbench", hashlib.sha256), first 16 octets. */
	static const uint8_t want_mac[UB_AUTH_HMAC_LEN] = {
		0x60, 0xe8, 0xb1, 0x5f, 0x5d, 0x2e, 0x41, 0x26,
		0x32, 0x04, 0xe4, 0x45, 0x30, 0x28, 0xb0, 0xc9,
	};
	static const uint8_t want16[16] = {
		0xde, 0xad, 0xbe, 0xef, 0x00, 0x11, 0x22, 0x33,
		0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
	};
	uint8_t seq[32], mac[UB_AUTH_HMAC_LEN], big[300];
	struct ub_auth_key k;
	struct ub_err e;
	size_t i;

	for (i = 0; i < sizeof(seq); i++)
		seq[i] = (uint8_t)i;
	expect_key(d, hex64, sizeof(hex64) - 1, seq, sizeof(seq));
	ub_err_clear(&e);
	assert_int_equal(ub_auth_key_load(key_file(d, 2, hex64, sizeof(hex64) - 1), &k, &e), 0);
	assert_int_equal(ub_auth_hmac(&k, (const uint8_t *)"udpbench", 8, mac), 0);
	assert_memory_equal(mac, want_mac, sizeof(mac));
	/* Upper case, "\r\n", and the shortest hex key (32 digits). */
	expect_key(d, "DEADBEEF00112233445566778899AABB\r\n", 34, want16, sizeof(want16));
	expect_key(d, "DeadBeef00112233445566778899aAbB", 32, want16, sizeof(want16));
	/* An odd number of hex digits, or fewer than 32, is taken as raw text. */
	expect_key(d, "deadbeef00112233445566778899aabbc", 33,
		   "deadbeef00112233445566778899aabbc", 33);
	expect_key(d, "deadbeef00112233445566778899", 28, "deadbeef00112233445566778899", 28);
	/* Hex spelling UB_AUTH_KEY_MAX octets is accepted; one octet more is not. */
	for (i = 0; i < 2 * UB_AUTH_KEY_MAX; i++)
		big[i] = "0123456789abcdef"[i % 16];
	big[2 * UB_AUTH_KEY_MAX] = '\n';
	ub_err_clear(&e);
	assert_int_equal(ub_auth_key_load(key_file(d, 3, big, 2 * UB_AUTH_KEY_MAX + 1), &k, &e), 0);
	assert_int_equal(k.len, UB_AUTH_KEY_MAX);
	assert_int_equal(k.bytes[0], 0x01);
	assert_int_equal(k.bytes[UB_AUTH_KEY_MAX - 1], 0xef);
	big[2 * UB_AUTH_KEY_MAX] = 'a';
	big[2 * UB_AUTH_KEY_MAX + 1] = 'b';
	expect_refused(d, big, 2 * UB_AUTH_KEY_MAX + 2, "longer than 128 octets");
}

static void test_load_refused(void **state)
{
	struct keydir *d = *state;
	uint8_t big[4096];

	expect_refused(d, "fifteen octets!", 15, "shorter than 16 octets");
	expect_refused(d, "fifteen octets!\n", 16, "shorter than 16 octets");
	expect_refused(d, "fifteen octets!\r\n", 17, "shorter than 16 octets");
	expect_refused(d, "", 0, "empty");
	expect_refused(d, "\n", 1, "empty");
	expect_refused(d, "\r\n", 2, "empty");
	memset(big, 'k', sizeof(big));
	expect_key(d, big, UB_AUTH_KEY_MAX, big, UB_AUTH_KEY_MAX);
	expect_refused(d, big, UB_AUTH_KEY_MAX + 1, "longer than 128 octets");
	expect_refused(d, big, sizeof(big), "longer than 128 octets");
}

static void test_load_unreadable(void **state)
{
	struct keydir *d = *state;
	struct ub_auth_key k;
	struct ub_err e;
	char path[160];

	ub_err_clear(&e);
	snprintf(path, sizeof(path), "%s/missing", d->dir);
	assert_int_equal(ub_auth_key_load(path, &k, &e), UB_E_SYS);
	assert_int_equal(e.sys_errno, ENOENT);
	/* One line naming the file and why. */
	assert_non_null(strstr(e.msg, path));
	assert_non_null(strstr(e.msg, strerror(ENOENT)));
	assert_null(strchr(e.msg, '\n'));
	snprintf(path, sizeof(path), "%s/sub", d->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	ub_err_clear(&e);
	assert_int_equal(ub_auth_key_load(path, &k, &e), UB_E_SYS);
	assert_int_equal(e.sys_errno, EISDIR);
	assert_non_null(strstr(e.msg, path));
	assert_int_equal(ub_auth_key_load(NULL, &k, &e), UB_E_INVAL);
	assert_int_equal(ub_auth_key_load(path, NULL, &e), UB_E_INVAL);
	/* e may be NULL: the code alone still says what happened. */
	snprintf(path, sizeof(path), "%s/missing", d->dir);
	assert_int_equal(ub_auth_key_load(path, &k, NULL), UB_E_SYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_hmac_rejects),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_load_raw),
		cmocka_unit_test(test_load_hex),
		cmocka_unit_test(test_load_refused),
		cmocka_unit_test(test_load_unreadable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
