/*
 * pcap_loop: the floor for reading a capture file, the baseline `udpbench
 * analyze` is measured against. libpcap's own read loop, nothing else:
 * pcap_next_ex over every record, each packet's bytes touched once (summed),
 * so that the read cannot be skipped.
 *
 *   pcap_loop FILE
 *
 * Prints one line to stdout: packets N, bytes N, sum N. Exit 1 when the
 * file cannot be opened or a record is damaged.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t packets = 0, bytes = 0, sum = 0;
	bpf_u_int32 i;
	pcap_t *p;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pcap_loop FILE\n");
		return 2;
	}
	p = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p) {
		fprintf(stderr, "pcap_loop: %s\n", errbuf);
		return 1;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
		packets++;
		bytes += h->caplen;
		for (i = 0; i < h->caplen; i++)
			sum += data[i];
	}
	if (rc != PCAP_ERROR_BREAK) {
		fprintf(stderr, "pcap_loop: %s\n", rc == PCAP_ERROR ? pcap_geterr(p) : "read error");
		pcap_close(p);
		return 1;
	}
	pcap_close(p);
	printf("packets %llu, bytes %llu, sum %llu\n", (unsigned long long)packets,
	       (unsigned long long)bytes, (unsigned long long)sum);
	return 0;
}
