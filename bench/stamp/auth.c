#include "stamp/auth.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "lib/dynlib.h"
#include "stamp/authkey.h"

/*
 * The libcrypto functions udpbench calls, loaded with the first key
 * (bench/dynlib.h): a run without --key never loads libcrypto.
 */
#define UB_CRYPTO_FUNCS(X)                                                              \
	X(EVP_MAC *, EVP_MAC_fetch, (OSSL_LIB_CTX *, const char *, const char *))       \
	X(void, EVP_MAC_free, (EVP_MAC *))                                              \
	X(EVP_MAC_CTX *, EVP_MAC_CTX_new, (EVP_MAC *))                                  \
	X(int, EVP_MAC_init, (EVP_MAC_CTX *, const unsigned char *, size_t, const OSSL_PARAM *)) \
	X(int, EVP_MAC_update, (EVP_MAC_CTX *, const unsigned char *, size_t))          \
	X(int, EVP_MAC_final, (EVP_MAC_CTX *, unsigned char *, size_t *, size_t))       \
	X(OSSL_PARAM, OSSL_PARAM_construct_utf8_string, (const char *, char *, size_t)) \
	X(OSSL_PARAM, OSSL_PARAM_construct_end, (void))                                 \
	X(int, CRYPTO_memcmp, (const void *, const void *, size_t))

static struct ub_crypto_api {
#define UB_CRYPTO_FIELD(ret, name, args) ret(*name) args;
	UB_CRYPTO_FUNCS(UB_CRYPTO_FIELD)
#undef UB_CRYPTO_FIELD
} crypto;
static int crypto_loaded;

/* Loads libcrypto at the first need; returns 0, or UB_E_SYS with e naming the package. */
static int crypto_load(struct ub_err *e)
{
	static const char *const names[] = { "libcrypto.so.3", NULL };
	static const struct ub_dynlib_sym syms[] = {
#define UB_CRYPTO_SYM(ret, name, args) { #name, offsetof(struct ub_crypto_api, name) },
		UB_CRYPTO_FUNCS(UB_CRYPTO_SYM)
#undef UB_CRYPTO_SYM
	};

	if (!crypto_loaded && ub_dynlib_load(names, "libssl3", syms, sizeof(syms) / sizeof(syms[0]),
					     &crypto, e) < 0)
		return UB_E_SYS;
	crypto_loaded = 1;
	return 0;
}

int ub_auth_key_load(const char *path, struct ub_auth_key *k, struct ub_err *e)
{
	int rc;

	if (!path || !k)
		return ub_err_set(e, UB_E_INVAL, 0, "key file: no file given");
	if ((rc = crypto_load(e)) < 0)
		return rc;
	return ub_authkey_read(path, k, e);
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
	    crypto.CRYPTO_memcmp(mac_cache.key, k->bytes, k->len) == 0) {
		/* A NULL key restarts the HMAC with the key it already holds. */
		if (crypto.EVP_MAC_init(mac_cache.ctx, NULL, 0, NULL))
			return mac_cache.ctx;
	}
	if (!mac_cache.ctx) {
		mac = crypto.EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
		if (!mac)
			return NULL;
		mac_cache.ctx = crypto.EVP_MAC_CTX_new(mac);
		crypto.EVP_MAC_free(mac);
		if (!mac_cache.ctx)
			return NULL;
	}
	mac_cache.len = 0;
	params[0] = crypto.OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = crypto.OSSL_PARAM_construct_end();
	if (!crypto.EVP_MAC_init(mac_cache.ctx, k->bytes, k->len, params))
		return NULL;
	memcpy(mac_cache.key, k->bytes, k->len);
	mac_cache.len = k->len;
	return mac_cache.ctx;
}

int ub_auth_hmac(const struct ub_auth_key *k, const uint8_t *msg, size_t n,
		 uint8_t mac[UB_AUTH_HMAC_LEN])
{
	uint8_t full[EVP_MAX_MD_SIZE];
	size_t out_len = 0;
	EVP_MAC_CTX *ctx;
	int rc = UB_E_INVAL;

	if (!k || !mac || (!msg && n) || k->len < UB_AUTH_KEY_MIN || k->len > UB_AUTH_KEY_MAX)
		return UB_E_INVAL;
	if (crypto_load(NULL) < 0)
		return UB_E_SYS;
	ctx = cached_ctx(k);
	if (!ctx || !crypto.EVP_MAC_update(ctx, msg, n) ||
	    !crypto.EVP_MAC_final(ctx, full, &out_len, sizeof(full)))
		goto out;
	if (out_len < UB_AUTH_HMAC_LEN)
		goto out;
	/* RFC 8762 §4.4: HMAC-SHA-256 truncated to 128 bits, as RFC 4868 does for IPsec. */
	memcpy(mac, full, UB_AUTH_HMAC_LEN);
	rc = 0;
out:
	explicit_bzero(full, sizeof(full));
	return rc;
}

int ub_auth_verify(const struct ub_auth_key *k, const uint8_t *msg, size_t n,
		   const uint8_t mac[UB_AUTH_HMAC_LEN])
{
	uint8_t want[UB_AUTH_HMAC_LEN];

	if (!mac || ub_auth_hmac(k, msg, n, want) != 0)
		return 0;
	/* Constant time, so response timing does not reveal how much of a forged HMAC matched. */
	return crypto.CRYPTO_memcmp(want, mac, UB_AUTH_HMAC_LEN) == 0;
}
