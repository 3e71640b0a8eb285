/*
 * LD_PRELOAD shim for the integration tests: strdup fails, as it does when
 * memory runs out, for a string ending in UB_TEST_FAIL_STRDUP (".ini", say).
 * Every other copy goes through untouched.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef char *(*strdup_fn)(const char *);

char *strdup(const char *s)
{
	static strdup_fn real;
	const char *end = getenv("UB_TEST_FAIL_STRDUP");
	size_t n = strlen(s), m = end ? strlen(end) : 0;

	if (!real)
		real = (strdup_fn)dlsym(RTLD_NEXT, "strdup");
	if (end && m && n >= m && strcmp(s + n - m, end) == 0) {
		errno = ENOMEM;
		return NULL;
	}
	return real(s);
}
