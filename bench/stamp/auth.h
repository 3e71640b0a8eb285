/*
 * udpbench: the shared key of STAMP authenticated mode (RFC 8762 §4.1.1,
 * §4.2.2, §4.3.2): HMAC-SHA-256 truncated to its first 16 octets, computed
 * and compared with OpenSSL's libcrypto.
 */
#ifndef UB_AUTH_H
#define UB_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define UB_AUTH_KEY_MAX 128 /* octets */
#define UB_AUTH_KEY_MIN 16  /* octets: shorter keys are refused */
#define UB_AUTH_HMAC_LEN 16 /* the truncated HMAC on the wire */

/* A key as read from --key FILE; a plain value, no resources to free. */
struct ub_auth_key {
	uint8_t bytes[UB_AUTH_KEY_MAX];
	size_t len;
};

/*
 * Loads the key in path into k. Returns 0, or UB_E_INVAL/UB_E_SYS with e
 * naming the file and what is wrong with it.
 */
int ub_auth_key_load(const char *path, struct ub_auth_key *k, struct ub_err *e);

/* Writes the first 16 octets of HMAC-SHA-256(k, msg[0..n)) into mac. Returns 0 or UB_E_INVAL. */
int ub_auth_hmac(const struct ub_auth_key *k, const uint8_t *msg, size_t n,
		 uint8_t mac[UB_AUTH_HMAC_LEN]);

/* Returns 1 when mac is msg's truncated HMAC under k (compared in constant time), else 0. */
int ub_auth_verify(const struct ub_auth_key *k, const uint8_t *msg, size_t n,
		   const uint8_t mac[UB_AUTH_HMAC_LEN]);

#endif
