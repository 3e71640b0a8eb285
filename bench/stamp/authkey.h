/* udpbench: the key file of STAMP authenticated mode, read the same way by every HMAC backend. */
#ifndef UB_AUTHKEY_H
#define UB_AUTHKEY_H

#include "lib/err.h"
#include "stamp/auth.h"

/*
 * Reads the key in path into k (path and k not NULL). Returns 0, or
 * UB_E_INVAL/UB_E_SYS with e naming the file and what is wrong with it.
 */
int ub_authkey_read(const char *path, struct ub_auth_key *k, struct ub_err *e);

#endif
