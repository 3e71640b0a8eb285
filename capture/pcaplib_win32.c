/*
 * libpcap's functions in the Windows build: Debian's libpcap source built
 * without live capture and linked in (the Makefile's cross-windows);
 * capture_none.c refuses --pcap before any of that is asked for.
 */
#include "capture/pcaplib.h"

#include <io.h>
#include <windows.h>

/* Live capture's descriptor to poll: Windows' libpcap has none. */
static int no_selectable_fd(pcap_t *p)
{
	(void)p;
	return -1;
}

/*
 * libpcap for Windows reads from a file handle of its own (its FILE could
 * belong to another C runtime): it gets a duplicate of f's, and f, no
 * longer needed, is closed, as libpcap closes a FILE it was given.
 */
static pcap_t *fopen_offline(FILE *f, u_int precision, char *errbuf)
{
	HANDLE h = (HANDLE)_get_osfhandle(_fileno(f)), dup;
	pcap_t *p;

	if (h == INVALID_HANDLE_VALUE ||
	    !DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, FALSE,
			     DUPLICATE_SAME_ACCESS)) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "the file has no handle to read from");
		return NULL;
	}
	p = pcap_hopen_offline_with_tstamp_precision((intptr_t)dup, precision, errbuf);
	if (p && f != stdin)
		fclose(f);
	return p;
}

/* In the table, the functions above (pcap.h makes pcap_fopen_offline_* a macro over pcap_hopen_*). */
#undef pcap_fopen_offline_with_tstamp_precision
#define pcap_fopen_offline_with_tstamp_precision fopen_offline
#define pcap_get_selectable_fd no_selectable_fd

const struct ub_pcaplib *ub_pcaplib(struct ub_err *e)
{
	static const struct ub_pcaplib lib = {
#define UB_PCAPLIB_ADDR(ret, name, args) .name = pcap_##name,
		UB_PCAPLIB_FUNCS(UB_PCAPLIB_ADDR)
#undef UB_PCAPLIB_ADDR
	};

	(void)e;
	return &lib;
}
