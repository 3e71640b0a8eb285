/*
 * Fuzz target: the input is a whole capture file (pcap or pcapng) handed to
 * libpcap from memory, then analyzed and summarised as `udpbench analyze`
 * does, without writing any file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

#include "analyze.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static FILE *sink;
	char errbuf[PCAP_ERRBUF_SIZE];
	struct ub_analyze_config c;
	struct ub_analysis *a = NULL;
	struct ub_err e;
	pcap_t *p;
	FILE *f;

	if (n == 0)
		return 0;
	if (!sink)
		sink = fopen("/dev/null", "w");
	/* read-only: fmemopen never writes to the buffer */
	f = fmemopen((void *)(uintptr_t)d, n, "r");
	if (!f)
		return 0;
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		fclose(f);
		return 0;
	}
	ub_analyze_config_init(&c);
	c.path = "fuzz.pcap";
	c.out = sink;
	c.msg = sink;
	if (ub_analyze_pcap(p, &c, &a, &e) == 0) {
		ub_analysis_write(a, &c, &e);
		ub_analysis_free(a);
	}
	pcap_close(p);
	return 0;
}
