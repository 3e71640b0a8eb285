#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

/*
 * The longest file worth reading: a hex key of UB_AUTH_KEY_MAX octets plus
 * "\r\n". One byte more than that is already too long, whatever the format.
 */
#define KEY_FILE_MAX (2 * UB_AUTH_KEY_MAX + 2)

/* Hex text shorter than this is taken as raw bytes (it would decode to < 16 octets). */
#define KEY_HEX_MIN (2 * UB_AUTH_KEY_MIN)

/* Returns 0..15 for a hex digit, -1 for anything else. */
static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Returns 1 when s[0..n) is an even number (>= KEY_HEX_MIN) of hex digits. */
static int is_hex_key(const uint8_t *s, size_t n)
{
	size_t i;

	if (n < KEY_HEX_MIN || n % 2)
		return 0;
	for (i = 0; i < n; i++) {
		if (hexval(s[i]) < 0)
			return 0;
	}
	return 1;
}

/* Reads up to cap bytes of fd into buf; returns the count, or -1 with errno set. */
static ssize_t read_all(int fd, uint8_t *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap) {
		n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int ub_auth_key_load(const char *path, struct ub_auth_key *k, struct ub_err *e)
{
	uint8_t buf[KEY_FILE_MAX + 1];
	size_t n, i, len;
	ssize_t got;
	int fd = -1;
	int rc;

	if (!path || !k)
		return ub_err_set(e, UB_E_INVAL, 0, "key file: no file given");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = ub_err_set(e, UB_E_SYS, errno, "key file %s", path);
		goto out;
	}
	got = read_all(fd, buf, sizeof(buf));
	if (got < 0) {
		rc = ub_err_set(e, UB_E_SYS, errno, "key file %s", path);
		goto out;
	}
	n = (size_t)got;
	if (n > KEY_FILE_MAX) {
		rc = ub_err_set(e, UB_E_INVAL, 0, "key file %s: longer than %d octets", path,
				UB_AUTH_KEY_MAX);
		goto out;
	}
	/* Editors end a text file with a newline; it is not part of the key. */
	if (n && buf[n - 1] == '\n') {
		n--;
		if (n && buf[n - 1] == '\r')
			n--;
	}
	if (n == 0) {
		rc = ub_err_set(e, UB_E_INVAL, 0, "key file %s: empty", path);
		goto out;
	}
	/* What `openssl rand -hex 32 > key` writes is taken as the octets it spells. */
	if (is_hex_key(buf, n)) {
		len = n / 2;
		if (len > UB_AUTH_KEY_MAX) {
			rc = ub_err_set(e, UB_E_INVAL, 0, "key file %s: longer than %d octets", path,
					UB_AUTH_KEY_MAX);
			goto out;
		}
		for (i = 0; i < len; i++)
			k->bytes[i] = (uint8_t)(hexval(buf[2 * i]) << 4 | hexval(buf[2 * i + 1]));
		k->len = len;
		rc = 0;
		goto out;
	}
	if (n < UB_AUTH_KEY_MIN) {
		rc = ub_err_set(e, UB_E_INVAL, 0, "key file %s: shorter than %d octets", path,
				UB_AUTH_KEY_MIN);
		goto out;
	}
	if (n > UB_AUTH_KEY_MAX) {
		rc = ub_err_set(e, UB_E_INVAL, 0, "key file %s: longer than %d octets", path,
				UB_AUTH_KEY_MAX);
		goto out;
	}
	memcpy(k->bytes, buf, n);
	k->len = n;
	rc = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * The one-shot HMAC() fetches, keys and frees a MAC context on every call:
 * 1.5-2 us for a 96-octet message on a server core, against 0.3-0.5 us for
 * restarting a context kept keyed. So each thread keeps one; the key struct
 * stays a plain value, and a different key rekeys the context.
 */
static _Thread_local struct {
	EVP_MAC_CTX *ctx;
	size_t len;
	uint8_t key[UB_AUTH_KEY_MAX];
} mac_cache;

/* Returns the thread's context keyed with k and ready for input, or NULL. */
static EVP_MAC_CTX *cached_ctx(const struct ub_auth_key *k)
{
	OSSL_PARAM params[2];
	EVP_MAC *mac = NULL;

	if (mac_cache.ctx && mac_cache.len == k->len &&
	    CRYPTO_memcmp(mac_cache.key, k->bytes, k->len) == 0) {
		/* A NULL key restarts the HMAC with the key it already holds. */
		if (EVP_MAC_init(mac_cache.ctx, NULL, 0, NULL))
			return mac_cache.ctx;
	}
	if (!mac_cache.ctx) {
		mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
		if (!mac)
			return NULL;
		mac_cache.ctx = EVP_MAC_CTX_new(mac);
		EVP_MAC_free(mac);
		if (!mac_cache.ctx)
			return NULL;
	}
	mac_cache.len = 0;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(mac_cache.ctx, k->bytes, k->len, params))
		return NULL;
	memcpy(mac_cache.key, k->bytes, k->len);
	mac_cache.len = k->len;
	return mac_cache.ctx;
}

int ub_auth_hmac(const struct ub_auth_key *k, const uint8_t *msg, size_t n,
		 uint8_t mac[UB_AUTH_HMAC_LEN])
{
	uint8_t full[EVP_MAX_MD_SIZE];
	unsigned int full_len = 0;
	size_t out_len = 0;
	EVP_MAC_CTX *ctx;
	int rc = UB_E_INVAL;

	if (!k || !mac || (!msg && n) || k->len < UB_AUTH_KEY_MIN || k->len > UB_AUTH_KEY_MAX)
		return UB_E_INVAL;
	ctx = cached_ctx(k);
	if (ctx) {
		if (!EVP_MAC_update(ctx, msg, n) || !EVP_MAC_final(ctx, full, &out_len, sizeof(full)))
			goto out;
	} else {
		/* No reusable context (allocation failed): the one-shot call still works. */
		if (!HMAC(EVP_sha256(), k->bytes, (int)k->len, msg, n, full, &full_len))
			goto out;
		out_len = full_len;
	}
	if (out_len < UB_AUTH_HMAC_LEN)
		goto out;
	/* RFC 8762 §4.4: HMAC-SHA-256 truncated to 128 bits, as RFC 4868 does for IPsec. */
	memcpy(mac, full, UB_AUTH_HMAC_LEN);
	rc = 0;
out:
	OPENSSL_cleanse(full, sizeof(full));
	return rc;
}

int ub_auth_verify(const struct ub_auth_key *k, const uint8_t *msg, size_t n,
		   const uint8_t mac[UB_AUTH_HMAC_LEN])
{
	uint8_t want[UB_AUTH_HMAC_LEN];

	if (!mac || ub_auth_hmac(k, msg, n, want) != 0)
		return 0;
	/* Constant time, so response timing does not reveal how much of a forged HMAC matched. */
	return CRYPTO_memcmp(want, mac, UB_AUTH_HMAC_LEN) == 0;
}
