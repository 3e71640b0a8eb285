/*
 * pcap_gen: writes the STAMP capture of tests/perf/bench.py's
 * write_stamp_pcap() to standard output, byte for byte, fast enough for
 * captures of ten million packets: one session on 127.0.0.1 (port 40000 to
 * 10000), a 44-octet request every 100 us, each answered 20 us later by a
 * stateful reflector (T2 = T1 + 8 us, T3 = T1 + 12 us), except one reply in
 * every LOSE_EVERY (0: none), never the last.
 *
 *   pcap_gen REQUESTS LOSE_EVERY > FILE.pcap
 *
 * Prints nothing else; exit 1 when writing fails, 2 for bad arguments.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS 1000000000ULL
#define NTP_UNIX 2208988800ULL
#define SIZE 44
#define HDR (14 + 20 + 8)

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return p + 4;
}

static uint8_t *put64(uint8_t *p, uint64_t v)
{
	return put32(put32(p, (uint32_t)(v >> 32)), (uint32_t)v);
}

static uint8_t *put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
	return p + 4;
}

static uint64_t ntp64(uint64_t ns)
{
	uint64_t s = ns / NS, frac = ns % NS;

	return (s + NTP_UNIX) << 32 | (frac << 32) / NS;
}

/* Ethernet, IPv4 (no checksum, as the Python writer) and UDP headers from sport to dport. */
static void headers(uint8_t *h, unsigned sport, unsigned dport)
{
	static const uint8_t lo[4] = { 127, 0, 0, 1 };

	memset(h, 0, HDR);
	h[12] = 0x08;
	h[14] = 0x45;
	h[16] = (uint8_t)((20 + 8 + SIZE) >> 8);
	h[17] = (uint8_t)(20 + 8 + SIZE);
	h[20] = 0x40;
	h[22] = 64;
	h[23] = 17;
	memcpy(h + 26, lo, 4);
	memcpy(h + 30, lo, 4);
	h[34] = (uint8_t)(sport >> 8);
	h[35] = (uint8_t)sport;
	h[36] = (uint8_t)(dport >> 8);
	h[37] = (uint8_t)dport;
	h[38] = 0;
	h[39] = 8 + SIZE;
}

/* One record: its pcap header (nanoseconds) at t, the frame headers h and the payload pl. */
static uint8_t *record(uint8_t *p, uint64_t t, const uint8_t *h, const uint8_t *pl)
{
	p = put32le(p, (uint32_t)(t / NS));
	p = put32le(p, (uint32_t)(t % NS));
	p = put32le(p, HDR + SIZE);
	p = put32le(p, HDR + SIZE);
	memcpy(p, h, HDR);
	memcpy(p + HDR, pl, SIZE);
	return p + HDR + SIZE;
}

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 20];
	uint8_t req_h[HDR], rep_h[HDR], req[SIZE], rep[SIZE], *p = buf, *q;
	uint64_t n, lose, i, t0 = 1700000000ULL * NS, t1, n1;
	char *end;

	if (argc != 3)
		goto usage;
	n = strtoull(argv[1], &end, 10);
	if (*end || !n || n > UINT32_MAX)
		goto usage;
	lose = strtoull(argv[2], &end, 10);
	if (*end)
		goto usage;
	headers(req_h, 40000, 10000);
	headers(rep_h, 10000, 40000);
	p = put32le(p, 0xa1b23c4d); /* nanosecond pcap */
	*p++ = 2;
	*p++ = 0;
	*p++ = 4;
	*p++ = 0;
	p = put32le(p, 0);
	p = put32le(p, 0);
	p = put32le(p, 65535);
	p = put32le(p, 1); /* Ethernet */
	memset(req, 0, sizeof(req));
	memset(rep, 0, sizeof(rep));
	req[14] = rep[14] = 0x00;
	req[15] = rep[15] = 0x51; /* SSID */
	rep[43 - 3] = 64;         /* the request's TTL, after two octets of padding */
	for (i = 0; i < n; i++) {
		t1 = t0 + i * 100000;
		n1 = ntp64(t1);
		q = put32(req, (uint32_t)i);
		put64(q, n1);
		p = record(p, t1, req_h, req);
		if (!(lose && i % lose == lose / 2)) {
			q = put32(rep, (uint32_t)i);
			q = put64(q, ntp64(t1 + 12000));
			q += 4; /* error estimate 0, SSID */
			q = put64(q, ntp64(t1 + 8000));
			q = put32(q, (uint32_t)i);
			put64(q, n1);
			p = record(p, t1 + 20000, rep_h, rep);
		}
		if (p - buf > (long)sizeof(buf) - 4 * (16 + HDR + SIZE)) {
			if (fwrite(buf, 1, (size_t)(p - buf), stdout) != (size_t)(p - buf))
				return 1;
			p = buf;
		}
	}
	if (fwrite(buf, 1, (size_t)(p - buf), stdout) != (size_t)(p - buf) || fflush(stdout))
		return 1;
	return 0;
usage:
	fprintf(stderr, "usage: pcap_gen REQUESTS LOSE_EVERY > FILE.pcap\n");
	return 2;
}
