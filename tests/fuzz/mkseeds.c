/*
 * Writes the generated seeds of the fuzz targets under DIR (normally
 * tests/fuzz/corpus; run from the top of the tree, `make fuzz-seeds`):
 *
 *   stamp_req, stamp_reply  packets from the encoders in bench/proto.c,
 *                           unauthenticated and authenticated (FUZZ_KEY)
 *   text                    text probes from ub_proto_encode_text
 *   units                   values as the help text and scenarios write them
 *   impair                  the [link] sections of the shipped scenarios, as read
 *                           by ub_scenario_load, with and without traffic
 *   decode                  every frame of the capture seeds in DIR/analyze
 *   auth_key                key files as `openssl rand` and editors write them
 *
 *   mkseeds DIR
 */
#include <dirent.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/clock.h"
#include "fuzz.h"
#include "stamp/proto.h"
#include "scenarios/scenario.h"

/* 2024-09-01 08:00:00 UTC plus a little: a plausible wall clock for T1. */
#define T1_NS (1725177600LL * 1000000000LL + 123456789LL)
/* Two text characters, as a text probe's SSID. */
#define TEXT_SSID ('Q' << 8 | '7')

static const char *out_dir;
static int failures;

static void seed(const char *target, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "mkseeds: %s: %s\n", path, strerror(errno));
		failures++;
		return;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "mkseeds: cannot write %s\n", path);
		failures++;
	}
}

static void key(struct ub_auth_key *k)
{
	k->len = strlen(FUZZ_KEY);
	memcpy(k->bytes, FUZZ_KEY, k->len);
}

/* The reply bench/reflector.c gives q: its counter, T2 and T3 a few microseconds apart. */
static void reflection(const struct ub_stamp_req *q, uint32_t counter, int ttl,
		       struct ub_stamp_reply *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->seq = counter;
	rep->rx_ts = ub_clock_ns_to_ntp(T1_NS + 1500000);
	rep->ts = ub_clock_ns_to_ntp(T1_NS + 1512000);
	rep->err_est = ub_proto_err_est(0, 2000000);
	rep->ssid = q->ssid;
	rep->sender_seq = q->seq;
	rep->sender_ts = q->ts;
	rep->sender_err_est = q->err_est;
	rep->sender_ttl = (uint8_t)ttl;
}

static void stamp(void)
{
	static const struct {
		const char *name;
		uint32_t seq;
		uint16_t ssid;
		int synced;
		size_t len;
		int auth;
	} pk[] = {
		{ "first-44", 0, 0, 0, 44, 0 },
		{ "ssid-synced-64", 41, 0xbeef, 1, 64, 0 },
		{ "wrap-1472", 0xffffffffu, 1, 0, 1472, 0 },
		{ "auth-112", 7, 0, 1, 112, 1 },
		{ "auth-ssid-200", 1000, 42, 0, 200, 1 },
	};
	uint8_t buf[UB_PKT_MAX];
	char name[64];
	struct ub_stamp_req q;
	struct ub_stamp_reply rep;
	struct ub_auth_key k;
	size_t i;
	int rc;

	key(&k);
	for (i = 0; i < sizeof(pk) / sizeof(pk[0]); i++) {
		q.seq = pk[i].seq;
		q.ts = ub_clock_ns_to_ntp(T1_NS + (int64_t)pk[i].seq * 10000000);
		q.err_est = ub_proto_err_est(pk[i].synced, pk[i].synced ? 12000 : 1000000);
		q.ssid = pk[i].ssid;
		rc = pk[i].auth ? ub_proto_encode_req_auth(buf, pk[i].len, &q, &k)
				: ub_proto_encode_req(buf, pk[i].len, &q);
		if (rc != 0) {
			failures++;
			continue;
		}
		snprintf(name, sizeof(name), "req-%s", pk[i].name);
		seed("stamp_req", name, buf, pk[i].len);
		/* A verbatim echo peer sends the request back as it came. */
		snprintf(name, sizeof(name), "echo-%s", pk[i].name);
		seed("stamp_reply", name, buf, pk[i].len);
		if (i == 0) {
			seed("stamp_req", "req-cut-43", buf, 43);
			seed("stamp_reply", "reply-cut-30", buf, 30);
		}

		reflection(&q, (uint32_t)i * 3, 64 - (int)i, &rep);
		rc = pk[i].auth ? ub_proto_encode_reply_auth(buf, pk[i].len, &rep, &k)
				: ub_proto_encode_reply(buf, pk[i].len, &rep);
		if (rc != 0) {
			failures++;
			continue;
		}
		snprintf(name, sizeof(name), "reply-%s", pk[i].name);
		seed("stamp_reply", name, buf, pk[i].len);
	}
	/* A text-mode sender aimed at a STAMP reflector. */
	if (ub_proto_encode_text((char *)buf, 64, 3, T1_NS, TEXT_SSID) == 0)
		seed("stamp_req", "text-64", buf, 64);
}

static void text(void)
{
	static const struct {
		const char *name;
		uint32_t seq;
		int64_t t1;
		uint16_t ssid;
		size_t len;
		const char *tail; /* what the echo script did to the end */
	} tp[] = {
		{ "first-44", 0, T1_NS, TEXT_SSID, 44, NULL },
		{ "typical-64", 1234, T1_NS, 'A' << 8 | '7', 64, NULL },
		{ "print-crlf-64", 99, T1_NS, TEXT_SSID, 64, "\r\n" },
		{ "strip-newline-64", 100, T1_NS, TEXT_SSID, 64, "" },
		{ "largest-1472", 4000000000u, T1_NS, 'Z' << 8 | 'Z', 1472, NULL },
		{ "extremes-64", 0xffffffffu, INT64_MIN, '0' << 8 | '0', 64, NULL },
		{ "max-t1-64", 1, INT64_MAX, 'Z' << 8 | '0', 64, NULL },
		{ "before-1970-64", 5, -1, '9' << 8 | 'A', 64, NULL },
	};
	char buf[UB_PKT_MAX + 2];
	size_t i, len;

	for (i = 0; i < sizeof(tp) / sizeof(tp[0]); i++) {
		if (ub_proto_encode_text(buf, tp[i].len, tp[i].seq, tp[i].t1, tp[i].ssid) != 0) {
			failures++;
			continue;
		}
		len = tp[i].len;
		if (tp[i].tail) {
			len--;
			memcpy(buf + len, tp[i].tail, strlen(tp[i].tail));
			len += strlen(tp[i].tail);
		}
		seed("text", tp[i].name, buf, len);
	}
}

static void units(void)
{
	static const char *const v[] = {
		/* durations: --interval, --timeout, --duration, [probe] */
		"10ms", "250us", "1.5s", "2s", "1m", "1h", "100ns", "0.001s", "10\xc2\xb5s", "20",
		/* counts and rates: --count, --rate */
		"10000", "1k", "2.5k", "1M", "100/s", "1kpps",
		/* sizes: --size */
		"44", "1472", "1KiB", "1kB", "2M",
		/* impairments: --loss, --loss-burst, --rate, --jitter-dist, --delay-model, --queue */
		"5%", "0.5%", "0", "0.5%,35%", "1%,30%,100%,0%", "1mbit", "256kbit", "10mbit/s",
		"1mbps", "pareto", "normal", "fifo", "1000",
	};
	char name[32];
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(name, sizeof(name), "value-%02zu", i);
		seed("units", name, v[i], strlen(v[i]));
	}
}

/* The [link] lines of each shipped scenario as "name value" lines, then traffic. */
static void impair(void)
{
	/* seed, then per packet: gap in us (2 octets), size (2 octets) */
	static const uint8_t traffic[] = {
		0, 0, 0, 0, 0, 0, 0, 1,
		0x27, 0x10, 0, 72,  0x27, 0x10, 0, 72,  0, 0, 0x05, 0xc0,  0, 0, 0x05, 0xc0,
		0, 1, 0, 44,  0xff, 0xff, 0, 72,  0x27, 0x10, 0, 0,  0, 100, 0x05, 0xdc,
	};
	char text[4096], name[300];
	struct ub_scenario *s;
	struct dirent *de;
	size_t len, n;
	unsigned i;
	DIR *d;

	d = opendir("scenarios");
	if (!d) {
		fprintf(stderr, "mkseeds: run from the top of the tree (no scenarios/)\n");
		failures++;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".ini") != 0)
			continue;
		snprintf(name, sizeof(name), "scenarios/%s", de->d_name);
		if (ub_scenario_load(name, &s, NULL) != 0) {
			failures++;
			continue;
		}
		len = 0;
		for (i = 0; i < s->n_link && len < sizeof(text) - sizeof(traffic) - 1; i++)
			len += (size_t)snprintf(text + len, sizeof(text) - sizeof(traffic) - 1 - len,
						"%s %s\n", s->link[i].key, s->link[i].value);
		if (len >= sizeof(text) - sizeof(traffic) - 1)
			len = sizeof(text) - sizeof(traffic) - 2;
		snprintf(name, sizeof(name), "%s", s->id);
		seed("impair", name, text, len);
		text[len] = '\0';
		memcpy(text + len + 1, traffic, sizeof(traffic));
		snprintf(name, sizeof(name), "%s-traffic", s->id);
		seed("impair", name, text, len + 1 + sizeof(traffic));
		ub_scenario_free(s);
	}
	closedir(d);
	/* The relay's own option forms, with a rate so the queue is used. */
	n = (size_t)snprintf(text, sizeof(text), "rate-up 256kbit\nqueue 4\ndelay-down 5ms\n"
						"duplicate-down 10%%\nreorder 2%%\n");
	text[n] = '\0';
	memcpy(text + n + 1, traffic, sizeof(traffic));
	seed("impair", "rate-queue-traffic", text, n + 1 + sizeof(traffic));
}

/* Every frame of each capture seed, behind the octet that names its link type. */
static void decode(void)
{
	static const int linktypes[] = FUZZ_LINKTYPES;
	char path[4096], errbuf[PCAP_ERRBUF_SIZE], name[300];
	const uint8_t *frame;
	struct pcap_pkthdr *h;
	struct dirent *de;
	uint8_t buf[65536 + 1];
	unsigned idx, count;
	pcap_t *p;
	DIR *d;

	snprintf(path, sizeof(path), "%s/analyze", out_dir);
	d = opendir(path);
	if (!d) {
		failures++;
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/analyze/%s", out_dir, de->d_name);
		p = pcap_open_offline(path, errbuf);
		if (!p)
			continue;
		for (idx = 0; idx < sizeof(linktypes) / sizeof(linktypes[0]); idx++)
			if (linktypes[idx] == pcap_datalink(p))
				break;
		for (count = 0; idx < sizeof(linktypes) / sizeof(linktypes[0]) &&
				pcap_next_ex(p, &h, &frame) == 1 && count < 4;
		     count++) {
			buf[0] = (uint8_t)idx;
			memcpy(buf + 1, frame, h->caplen);
			snprintf(name, sizeof(name), "%.200s-%u", de->d_name, count);
			seed("decode", name, buf, h->caplen + 1);
		}
		pcap_close(p);
	}
	closedir(d);
}

static void auth_key(void)
{
	seed("auth_key", "hex-32", "2b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfe\n",
	     65);
	seed("auth_key", "hex-crlf", "000102030405060708090a0b0c0d0e0f\r\n", 34);
	seed("auth_key", "raw-text", FUZZ_KEY, strlen(FUZZ_KEY));
	seed("auth_key", "raw-binary-16", "\x00\xff\x10\x80\x7f\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b",
	     16);
	seed("auth_key", "short", "secret\n", 7);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	out_dir = argv[1];
	stamp();
	text();
	units();
	impair();
	decode();
	auth_key();
	return failures ? 1 : 0;
}
