/*
 * STAMP authenticated mode in the Windows build: HMAC-SHA-256 from Windows'
 * own CNG (bcrypt.dll, BCRYPT_ALG_HANDLE_HMAC_FLAG) instead of OpenSSL, so
 * udpbench.exe needs no DLL beside it. The key file is read as on Linux.
 */
#include "stamp/auth.h"

#include <string.h>

#include "lib/plat.h"

#include <bcrypt.h>
#include "stamp/authkey.h"

#define SHA256_LEN 32

/* The HMAC-SHA-256 provider, opened at the first need and kept. */
static BCRYPT_ALG_HANDLE hmac_alg;

static int provider(void)
{
	if (!hmac_alg && !BCRYPT_SUCCESS(BCryptOpenAlgorithmProvider(&hmac_alg, BCRYPT_SHA256_ALGORITHM,
								      NULL,
								      BCRYPT_ALG_HANDLE_HMAC_FLAG))) {
		hmac_alg = NULL;
		return -1;
	}
	return 0;
}

int ub_auth_key_load(const char *path, struct ub_auth_key *k, struct ub_err *e)
{
	if (!path || !k)
		return ub_err_set(e, UB_E_INVAL, 0, "key file: no file given");
	if (provider() < 0)
		return ub_err_set(e, UB_E_SYS, 0, "Windows' CNG offers no HMAC-SHA-256");
	return ub_authkey_read(path, k, e);
}

int ub_auth_hmac(const struct ub_auth_key *k, const uint8_t *msg, size_t n,
		 uint8_t mac[UB_AUTH_HMAC_LEN])
{
	BCRYPT_HASH_HANDLE h = NULL;
	uint8_t full[SHA256_LEN];
	int rc = UB_E_INVAL;

	if (!k || !mac || (!msg && n) || n > 0xffffffffu || k->len < UB_AUTH_KEY_MIN ||
	    k->len > UB_AUTH_KEY_MAX)
		return UB_E_INVAL;
	if (provider() < 0)
		return UB_E_SYS;
	if (BCRYPT_SUCCESS(BCryptCreateHash(hmac_alg, &h, NULL, 0, (PUCHAR)k->bytes, (ULONG)k->len,
					    0)) &&
	    BCRYPT_SUCCESS(BCryptHashData(h, (PUCHAR)msg, (ULONG)n, 0)) &&
	    BCRYPT_SUCCESS(BCryptFinishHash(h, full, sizeof(full), 0))) {
		/* RFC 8762 §4.4: HMAC-SHA-256 truncated to 128 bits. */
		memcpy(mac, full, UB_AUTH_HMAC_LEN);
		rc = 0;
	}
	if (h)
		BCryptDestroyHash(h);
	explicit_bzero(full, sizeof(full));
	return rc;
}

int ub_auth_verify(const struct ub_auth_key *k, const uint8_t *msg, size_t n,
		   const uint8_t mac[UB_AUTH_HMAC_LEN])
{
	uint8_t want[UB_AUTH_HMAC_LEN], diff = 0;
	size_t i;

	if (!mac || ub_auth_hmac(k, msg, n, want) != 0)
		return 0;
	/* Constant time, so response timing does not reveal how much of a forged HMAC matched. */
	for (i = 0; i < UB_AUTH_HMAC_LEN; i++)
		diff |= want[i] ^ mac[i];
	return diff == 0;
}
