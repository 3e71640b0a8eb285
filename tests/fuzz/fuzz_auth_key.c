/*
 * Fuzz target: a key file for authenticated mode (--key FILE), read by
 * ub_auth_key_load from a memory file (memfd through /proc/self/fd).
 *
 * The loaded key is held against a second reading of the file done here:
 * one trailing "\n" or "\r\n" dropped, then an even run of at least 32 hex
 * digits is the octets it spells, anything else the raw octets, 16 to 128
 * of them. A loaded key must then sign and verify, and refuse a changed MAC.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stamp/auth.h"
#include "fuzz.h"

/* The input, as a file: the code under test reads files. */
static const char *path;

static int hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The key this file should give; returns its length, or 0 when it should be refused. */
static size_t expected(const uint8_t *d, size_t n, uint8_t *out)
{
	size_t i;

	if (n && d[n - 1] == '\n') {
		n--;
		if (n && d[n - 1] == '\r')
			n--;
	}
	for (i = 0; i < n && hex(d[i]) >= 0; i++)
		;
	if (i == n && n >= 2 * UB_AUTH_KEY_MIN && n % 2 == 0) {
		if (n / 2 > UB_AUTH_KEY_MAX)
			return 0;
		for (i = 0; i < n / 2; i++)
			out[i] = (uint8_t)(hex(d[2 * i]) << 4 | hex(d[2 * i + 1]));
		return n / 2;
	}
	if (n < UB_AUTH_KEY_MIN || n > UB_AUTH_KEY_MAX)
		return 0;
	memcpy(out, d, n);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static const uint8_t msg[96] = { 1, 2, 3 };
	uint8_t want[UB_AUTH_KEY_MAX], mac[UB_AUTH_HMAC_LEN];
	struct ub_auth_key k;
	struct ub_err e;
	size_t len;
	int rc;

	path = fuzz_as_file("fuzz-auth-key", d, n);
	if (!path)
		return 0;
	/* Longer files are refused without reading on; the second reading need not see them. */
	len = n <= 2 * UB_AUTH_KEY_MAX + 2 ? expected(d, n, want) : 0;
	memset(&k, 0xa5, sizeof(k));
	ub_err_clear(&e);
	rc = ub_auth_key_load(path, &k, &e);
	if (rc != 0) {
		FUZZ_CHECK(rc == UB_E_INVAL && e.code == rc && e.msg[0]);
		FUZZ_CHECK(len == 0);
		return 0;
	}
	FUZZ_CHECK(len != 0);
	FUZZ_CHECK(k.len == len && memcmp(k.bytes, want, len) == 0);

	FUZZ_CHECK(ub_auth_hmac(&k, msg, sizeof(msg), mac) == 0);
	FUZZ_CHECK(ub_auth_verify(&k, msg, sizeof(msg), mac) == 1);
	mac[d[0] % UB_AUTH_HMAC_LEN] ^= (uint8_t)(1u << (n % 8));
	FUZZ_CHECK(ub_auth_verify(&k, msg, sizeof(msg), mac) == 0);
	return 0;
}
