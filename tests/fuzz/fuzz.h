/*
 * Shared by the fuzz targets. A target checks what the code under test
 * promises (round trips, ranges, "nothing changed on failure"); a promise
 * that does not hold aborts, which libFuzzer and the gcc driver both
 * report as a finding, with the input that caused it.
 */
#ifndef UB_FUZZ_H
#define UB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include "stamp/auth.h"
#include "stamp/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

#define FUZZ_CHECK(cond)                                                              \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: invariant does not hold: %s\n", __FILE__, \
				__LINE__, #cond);                                     \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* The fixed keys of the authenticated-mode targets: the right one and a wrong one. */
#define FUZZ_KEY "udpbench-fuzz-key-0123456789abcdef"
#define FUZZ_KEY_WRONG "udpbench-fuzz-key-0123456789abcdeF"

/* Fills k with FUZZ_KEY and wrong with FUZZ_KEY_WRONG. */
static inline void fuzz_keys(struct ub_auth_key *k, struct ub_auth_key *wrong)
{
	k->len = strlen(FUZZ_KEY);
	memcpy(k->bytes, FUZZ_KEY, k->len);
	wrong->len = strlen(FUZZ_KEY_WRONG);
	memcpy(wrong->bytes, FUZZ_KEY_WRONG, wrong->len);
}

/* Whether octet i of an authenticated reflector packet carries no field (RFC 8762 §4.3.2). */
static inline int fuzz_reply_auth_mbz(size_t i)
{
	return (i >= 4 && i < 16) || (i >= 28 && i < 32) || (i >= 40 && i < 48) ||
	       (i >= 52 && i < 64) || (i >= 74 && i < 80) || (i >= 81 && i < 96) ||
	       i >= UB_STAMP_AUTH_LEN;
}

/*
 * The link types the decode target picks from with its first input octet
 * (DLT_ values; 14 is OpenBSD's DLT_RAW, 101 the file header's LINKTYPE_RAW).
 * The seed generator writes that octet from the same list.
 */
#define FUZZ_LINKTYPES \
	{ DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, 14, 101, DLT_IPV4, DLT_IPV6, \
	  DLT_NULL, DLT_LOOP, DLT_PPP }

/*
 * Holds one input as a file for code that reads files: an anonymous memory
 * file named name, made on first use and rewritten each time. Returns its
 * path (/proc/self/fd/N, valid for the whole run) or NULL.
 */
static inline const char *fuzz_as_file(const char *name, const uint8_t *d, size_t n)
{
	static int fd = -1;
	static char path[64];
	size_t done = 0;
	ssize_t w;

	if (fd < 0) {
		fd = memfd_create(name, 0);
		if (fd < 0)
			return NULL;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) != 0)
		return NULL;
	while (done < n) {
		w = pwrite(fd, d + done, n - done, (off_t)done);
		if (w <= 0)
			return NULL;
		done += (size_t)w;
	}
	return path;
}

#endif
