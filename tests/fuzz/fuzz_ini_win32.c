/*
 * Fuzz target: the Windows build's INI reader (bench/lib/win32/ini.c)
 * against libinih, the Linux build's, over the same input (NULs and all),
 * through every reader of tests/fuzz/inidiff.h, with a handler that takes
 * every key and one that refuses some. Any difference in what the two do
 * (reader calls, handler calls, return value) is a finding.
 */
#include "fuzz.h"
#include "inidiff.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct inidiff_trace lib, w32;
	int reader, refuse;

	for (reader = 0; reader < INIDIFF_READERS; reader++) {
		for (refuse = 0; refuse < 2; refuse++) {
			if (!inidiff_same((const char *)d, n, reader, refuse, &lib, &w32))
				inidiff_report(stderr, (const char *)d, n, reader, refuse, &lib, &w32);
			FUZZ_CHECK(lib.len == w32.len && memcmp(lib.b, w32.b, lib.len) == 0);
		}
	}
	return 0;
}
