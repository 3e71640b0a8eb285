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

/*
 * The link types the decode target picks from with its first input octet
 * (DLT_ values; 14 is OpenBSD's DLT_RAW, 101 the file header's LINKTYPE_RAW).
 * The seed generator writes that octet from the same list.
 */
#define FUZZ_LINKTYPES \
	{ DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, 14, 101, DLT_IPV4, DLT_IPV6, \
	  DLT_NULL, DLT_LOOP, DLT_PPP }

#endif
