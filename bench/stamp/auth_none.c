/*
 * Stands in for auth.c in the static aarch64 board build
 * (`make cross-aarch64`), which links only libc: there is no arm64 libcrypto
 * on the build machine. Every call fails, so --key is refused with a clear
 * message and no packet is ever taken as authenticated.
 */
#include "stamp/auth.h"

#include <string.h>

int ub_auth_key_load(const char *path, struct ub_auth_key *k, struct ub_err *e)
{
	(void)path;
	if (k)
		memset(k, 0, sizeof(*k));
	return ub_err_set(e, UB_E_INVAL, 0, "this build has no authentication (--key)");
}

int ub_auth_hmac(const struct ub_auth_key *k, const uint8_t *msg, size_t n,
		 uint8_t mac[UB_AUTH_HMAC_LEN])
{
	(void)k;
	(void)msg;
	(void)n;
	if (mac)
		memset(mac, 0, UB_AUTH_HMAC_LEN);
	return UB_E_INVAL;
}

int ub_auth_verify(const struct ub_auth_key *k, const uint8_t *msg, size_t n,
		   const uint8_t mac[UB_AUTH_HMAC_LEN])
{
	(void)k;
	(void)msg;
	(void)n;
	(void)mac;
	return 0;
}
