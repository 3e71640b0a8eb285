#include "capture/pcaplib.h"

#include <stddef.h>

#include "lib/dynlib.h"

const struct ub_pcaplib *ub_pcaplib(struct ub_err *e)
{
	/* Debian's soname first, then other systems' */
	static const char *const names[] = { "libpcap.so.0.8", "libpcap.so.1", "libpcap.so", NULL };
	static const struct ub_dynlib_sym syms[] = {
#define UB_PCAPLIB_SYM(ret, name, args) { "pcap_" #name, offsetof(struct ub_pcaplib, name) },
		UB_PCAPLIB_FUNCS(UB_PCAPLIB_SYM)
#undef UB_PCAPLIB_SYM
	};
	static struct ub_pcaplib lib;
	static int loaded;

	if (!loaded && ub_dynlib_load(names, "libpcap0.8", syms, sizeof(syms) / sizeof(syms[0]),
				      &lib, e) < 0)
		return NULL;
	loaded = 1;
	return &lib;
}
