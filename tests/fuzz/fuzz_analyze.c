/*
 * Fuzz target: the input is a whole capture file (pcap or pcapng) handed to
 * libpcap from memory, then analyzed and summarised as `udpbench analyze`
 * does, without writing any file: once as it is, once with a key
 * (FUZZ_KEY), so authenticated packets are checked and left out too, and
 * once keeping only the summaries (--summary-only).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

#include "capture/analyze.h"
#include "fuzz.h"

/* Analyzes the capture in d[0..n) with key k (NULL: none) and writes its summaries to sink. */
static void analyze(const uint8_t *d, size_t n, const struct ub_auth_key *k, int summary_only,
		    FILE *sink)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct ub_analyze_config c;
	struct ub_analysis *a = NULL;
	struct ub_err e;
	pcap_t *p;
	FILE *f;

	/* read-only: fmemopen never writes to the buffer */
	f = fmemopen((void *)(uintptr_t)d, n, "r");
	if (!f)
		return;
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		fclose(f);
		return;
	}
	ub_analyze_config_init(&c);
	c.path = "fuzz.pcap";
	c.out = sink;
	c.msg = sink;
	c.key = k;
	c.summary_only = summary_only;
	if (ub_analyze_pcap(p, &c, &a, &e) == 0) {
		ub_analysis_write(a, &c, &e);
		ub_analysis_free(a);
	}
	pcap_close(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static FILE *sink;
	struct ub_auth_key k, wrong;

	if (n == 0)
		return 0;
	if (!sink)
		sink = fopen("/dev/null", "w");
	fuzz_keys(&k, &wrong);
	analyze(d, n, NULL, 0, sink);
	analyze(d, n, &k, 0, sink);
	analyze(d, n, NULL, 1, sink);
	return 0;
}
