/*
 * udpbench: a shared library loaded when a feature first needs it (dlopen),
 * not when udpbench starts. libpcap (captures) and libcrypto (--key) bring
 * a dozen libraries with them; a run that uses neither starts without them,
 * in about a millisecond, with its Ctrl-C handler in place almost at once.
 */
#ifndef UB_DYNLIB_H
#define UB_DYNLIB_H

#include <stddef.h>

#include "lib/err.h"

/* A function to look up: its name in the library and where in the caller's table it goes. */
struct ub_dynlib_sym {
	const char *name;
	size_t offset; /* offsetof() a function pointer in the table */
};

/*
 * Opens the first library of names (NULL-terminated sonames) that loads
 * and fills every function pointer syms[0..n) names in table. Returns 0, or
 * UB_E_SYS with e naming what is missing and the Debian package that has
 * it. Nothing is unloaded: the table stays valid until exit.
 */
int ub_dynlib_load(const char *const *names, const char *package,
		   const struct ub_dynlib_sym *syms, size_t n, void *table, struct ub_err *e);

#endif
