/*
 * Offline analysis: small captures written with libpcap's dump API (known
 * timestamps, nanosecond precision) into a temporary directory, then read
 * back and analyzed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <jansson.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "clock.h"
#include "proto.h"

#define US 1000LL
#define MS 1000000LL
#define T0 (1700000000LL * UB_NS_PER_S)

struct fixture {
	char dir[64];
	char path[128];
};

/* One capture being written. */
struct cap {
	pcap_t *pd;
	pcap_dumper_t *d;
	int linktype;
};

/* Who talks in a STAMP session, and how the reflector's clock sits. */
struct peer {
	const char *cli, *srv;
	unsigned cport, sport;
	uint16_t ssid, reply_ssid;
	size_t size;
	int64_t refl_off; /* reflector clock minus capture clock */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/ub-test-analyze-XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	struct dirent *de;
	char p[512];
	DIR *d = opendir(fx->dir);

	while (d && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", fx->dir, de->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static const char *tmp_path(struct fixture *fx, const char *name)
{
	snprintf(fx->path, sizeof(fx->path), "%s/%s", fx->dir, name);
	return fx->path;
}

static void cap_open(struct cap *c, const char *path, int linktype)
{
	c->linktype = linktype;
	c->pd = pcap_open_dead_with_tstamp_precision(linktype, 65535, PCAP_TSTAMP_PRECISION_NANO);
	assert_non_null(c->pd);
	c->d = pcap_dump_open(c->pd, path);
	assert_non_null(c->d);
}

static void cap_close(struct cap *c)
{
	pcap_dump_close(c->d);
	pcap_close(c->pd);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Writes one UDP datagram at capture time t; keep is how many payload
 * octets the file holds (SIZE_MAX: all of them, as with a large snap length).
 */
static void cap_udp_cut(struct cap *c, int64_t t, const char *src, unsigned sport,
			const char *dst, unsigned dport, const uint8_t *pl, size_t len, size_t keep)
{
	uint8_t f[2048], *ip;
	struct pcap_pkthdr h;
	size_t l2, l3, n;
	int v6 = strchr(src, ':') != NULL;

	memset(f, 0, sizeof(f));
	if (c->linktype == DLT_LINUX_SLL2) {
		put16(f, v6 ? 0x86DD : 0x0800);
		f[7] = 1;
		put16(f + 8, 772);
		f[11] = 6;
		l2 = 20;
	} else {
		memset(f, 0x02, 12);
		put16(f + 12, v6 ? 0x86DD : 0x0800);
		l2 = 14;
	}
	ip = f + l2;
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, (unsigned)(8 + len));
		ip[6] = 17;
		ip[7] = 64;
		assert_int_equal(inet_pton(AF_INET6, src, ip + 8), 1);
		assert_int_equal(inet_pton(AF_INET6, dst, ip + 24), 1);
		l3 = 40;
	} else {
		ip[0] = 0x45;
		put16(ip + 2, (unsigned)(20 + 8 + len));
		ip[8] = 64;
		ip[9] = 17;
		assert_int_equal(inet_pton(AF_INET, src, ip + 12), 1);
		assert_int_equal(inet_pton(AF_INET, dst, ip + 16), 1);
		l3 = 20;
	}
	put16(ip + l3, sport);
	put16(ip + l3 + 2, dport);
	put16(ip + l3 + 4, (unsigned)(8 + len));
	memcpy(ip + l3 + 8, pl, len);
	n = l2 + l3 + 8 + len;
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = t / UB_NS_PER_S;
	h.ts.tv_usec = t % UB_NS_PER_S; /* nanoseconds in a nanosecond dump */
	h.len = (bpf_u_int32)n;
	h.caplen = (bpf_u_int32)(keep < len ? n - len + keep : n);
	pcap_dump((u_char *)c->d, &h, f);
}

static void cap_udp(struct cap *c, int64_t t, const char *src, unsigned sport, const char *dst,
		    unsigned dport, const uint8_t *pl, size_t len)
{
	cap_udp_cut(c, t, src, sport, dst, dport, pl, len, SIZE_MAX);
}

enum { LOSE_NONE, LOSE_UP, LOSE_DOWN };

/*
 * One STAMP exchange as the capture point beside the sender sees it: the
 * request at t, T2 = t + up and T3 = T2 + proc on the reflector's clock, the
 * reply at t + up + proc + down. keep cuts the reply in the file.
 */
static void stamp_exchange(struct cap *c, const struct peer *p, uint32_t seq, uint32_t refl_seq,
			   int64_t t, int64_t up, int64_t proc, int64_t down, int lose, size_t keep)
{
	struct ub_stamp_req rq = { seq, ub_clock_ns_to_ntp(t - 5 * US), 0x0001, p->ssid };
	struct ub_stamp_reply rp;
	uint8_t b[1500];

	assert_int_equal(ub_proto_encode_req(b, p->size, &rq), 0);
	cap_udp(c, t, p->cli, p->cport, p->srv, p->sport, b, p->size);
	if (lose != LOSE_NONE)
		return;
	memset(&rp, 0, sizeof(rp));
	rp.seq = refl_seq;
	rp.rx_ts = ub_clock_ns_to_ntp(t + up + p->refl_off);
	rp.ts = ub_clock_ns_to_ntp(t + up + proc + p->refl_off);
	rp.err_est = 0x0001;
	rp.ssid = p->reply_ssid;
	rp.sender_seq = seq;
	rp.sender_ts = rq.ts;
	rp.sender_err_est = rq.err_est;
	rp.sender_ttl = 64;
	assert_int_equal(ub_proto_encode_reply(b, p->size, &rp), 0);
	cap_udp_cut(c, t + up + proc + down, p->srv, p->sport, p->cli, p->cport, b, p->size, keep);
}

static struct ub_analysis *analyze_path(const char *path, int port, int64_t timeout_ns)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct ub_analyze_config c;
	struct ub_analysis *a = NULL;
	struct ub_err e;
	pcap_t *p;

	p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	assert_non_null(p);
	ub_analyze_config_init(&c);
	c.path = path;
	c.port = port;
	if (timeout_ns)
		c.timeout_ns = timeout_ns;
	assert_int_equal(ub_analyze_pcap(p, &c, &a, &e), 0);
	pcap_close(p);
	assert_non_null(a);
	return a;
}

static const struct peer BOARD = { "192.168.4.2", "192.168.4.1", 40001, 10000, 0x1234, 0x1234,
				   64, 3500 * MS };

static void test_clean_stamp_exact_rtt(void **state)
{
	struct fixture *fx = *state;
	const struct ub_summary *s;
	const struct ub_params *p;
	struct ub_analysis *a;
	struct cap c;
	uint32_t i;

	cap_open(&c, tmp_path(fx, "clean.pcap"), DLT_EN10MB);
	/* the reflector's time in its stack varies; the wire time does not */
	for (i = 0; i < 10; i++)
		stamp_exchange(&c, &BOARD, i, i, T0 + i * 10 * MS, 100 * US, (20 + i) * US,
			       150 * US, LOSE_NONE, SIZE_MAX);
	cap_close(&c);

	a = analyze_path(fx->path, 0, 0);
	assert_int_equal(ub_analysis_count(a), 1);
	s = ub_analysis_summaries(a);
	p = ub_analysis_params(a);
	assert_int_equal(s->sent, 10);
	assert_int_equal(s->received, 10);
	assert_int_equal(s->lost, 0);
	assert_true(s->has_split);
	assert_int_equal(s->lost_up, 0);
	assert_int_equal(s->lost_down, 0);
	assert_int_equal(s->rtt.n, 10);
	assert_int_equal(s->rtt.min, 250 * US);
	assert_int_equal(s->rtt.max, 250 * US);
	assert_int_equal(s->refl_proc.min, 20 * US);
	assert_int_equal(s->refl_proc.max, 29 * US);
	assert_int_equal(s->sched_late.n, 0);
	assert_string_equal(p->peer, "192.168.4.1:10000");
	assert_string_equal(p->mode, "stamp");
	assert_string_equal(p->proto, "udp");
	assert_string_equal(p->clock, "pcap");
	assert_string_equal(p->source, "pcap");
	assert_string_equal(p->label, "clean.pcap");
	assert_int_equal(p->port, 10000);
	assert_int_equal(p->count, 10);
	assert_int_equal(p->size, 64);
	assert_int_equal(p->interval_ns, 10 * MS);
	assert_int_equal(p->timeout_ns, UB_NS_PER_S);
	assert_int_equal(p->start_real_ns, T0);
	assert_int_equal(p->ssid, 0x1234);
	assert_string_equal(ub_analysis_client(a, 0), "192.168.4.2:40001");
	assert_int_equal(ub_analysis_info(a)->packets, 20);
	assert_int_equal(ub_analysis_info(a)->cut, 0);
	ub_analysis_free(a);
}

static void test_loss_upstream_vs_downstream(void **state)
{
	struct fixture *fx = *state;
	struct peer twamp = BOARD;
	const struct ub_summary *s;
	struct ub_analysis *a;
	uint32_t i, r = 0;
	struct cap c;

	/* a TWAMP-light reflector leaves the SSID zero in its replies (RFC 8972 §3) */
	twamp.reply_ssid = 0;
	cap_open(&c, tmp_path(fx, "loss.pcap"), DLT_EN10MB);
	for (i = 0; i < 20; i++) {
		if (i == 3 || i == 4) {
			/* never reached the reflector: its counter does not move */
			stamp_exchange(&c, &twamp, i, 0, T0 + i * 10 * MS, 0, 0, 0, LOSE_UP, 0);
		} else if (i == 11) {
			/* the reflector counted it, the reply was lost on the way back */
			stamp_exchange(&c, &twamp, i, r++, T0 + i * 10 * MS, 0, 0, 0, LOSE_DOWN, 0);
		} else {
			stamp_exchange(&c, &twamp, i, r++, T0 + i * 10 * MS, 100 * US, 10 * US,
				       100 * US, LOSE_NONE, SIZE_MAX);
		}
	}
	cap_close(&c);

	a = analyze_path(fx->path, 0, 0);
	assert_int_equal(ub_analysis_count(a), 1);
	s = ub_analysis_summaries(a);
	assert_int_equal(s->sent, 20);
	assert_int_equal(s->received, 17);
	assert_int_equal(s->lost, 3);
	assert_true(s->has_split);
	assert_int_equal(s->lost_up, 2);
	assert_int_equal(s->lost_down, 1);
	assert_int_equal(s->burst_count, 2);
	assert_int_equal(s->burst_max_len, 2);
	ub_analysis_free(a);
}

/* The capture starts after the session did: its first request is not seq 0. */
static void test_capture_joins_late(void **state)
{
	struct fixture *fx = *state;
	const struct ub_summary *s;
	struct ub_analysis *a;
	uint32_t i, r = 3;
	struct cap c;

	cap_open(&c, tmp_path(fx, "late-start.pcap"), DLT_EN10MB);
	for (i = 3; i < 13; i++) {
		if (i == 7)
			stamp_exchange(&c, &BOARD, i, 0, T0 + i * MS, 0, 0, 0, LOSE_UP, 0);
		else
			stamp_exchange(&c, &BOARD, i, r++, T0 + i * MS, 50 * US, 5 * US, 50 * US,
				       LOSE_NONE, SIZE_MAX);
	}
	/* and one request the capture saw twice: it counts once, its second reply is a copy */
	stamp_exchange(&c, &BOARD, 12, r++, T0 + 13 * MS, 50 * US, 5 * US, 50 * US, LOSE_NONE,
		       SIZE_MAX);
	cap_close(&c);

	a = analyze_path(fx->path, 0, 0);
	s = ub_analysis_summaries(a);
	assert_int_equal(s->sent, 10);
	assert_int_equal(s->received, 9);
	assert_int_equal(s->duplicates, 1);
	assert_int_equal(ub_analysis_dup_requests(a, 0), 1);
	assert_int_equal(s->lost_up, 1);
	assert_int_equal(s->lost_down, 0);
	ub_analysis_free(a);
}

static void test_late_reply_counts_as_lost(void **state)
{
	struct fixture *fx = *state;
	const struct ub_summary *s;
	struct ub_analysis *a;
	struct cap c;
	uint32_t i;

	cap_open(&c, tmp_path(fx, "late.pcap"), DLT_EN10MB);
	for (i = 0; i < 5; i++)
		stamp_exchange(&c, &BOARD, i, i, T0 + i * 10 * MS, 100 * US,
			       i == 2 ? 1500 * MS : 10 * US, 100 * US, LOSE_NONE, SIZE_MAX);
	cap_close(&c);

	a = analyze_path(fx->path, 0, 0);
	s = ub_analysis_summaries(a);
	assert_int_equal(s->sent, 5);
	assert_int_equal(s->received, 4);
	assert_int_equal(s->late, 1);
	assert_int_equal(s->lost, 1);
	ub_analysis_free(a);
	/* a longer Tmax takes it in; with its stamps it is even a normal round trip */
	a = analyze_path(fx->path, 0, 2 * UB_NS_PER_S);
	s = ub_analysis_summaries(a);
	assert_int_equal(s->received, 5);
	assert_int_equal(s->rtt.max, 200 * US);
	ub_analysis_free(a);
}

static void test_echo_session(void **state)
{
	struct fixture *fx = *state;
	const struct ub_summary *s;
	const struct ub_params *p;
	struct ub_analysis *a;
	uint8_t b[64];
	struct cap c;
	uint32_t i;

	cap_open(&c, tmp_path(fx, "echo.pcap"), DLT_EN10MB);
	for (i = 0; i < 10; i++) {
		memset(b, (int)i, sizeof(b));
		b[0] = 'E';
		cap_udp(&c, T0 + i * 20 * MS, "10.1.1.2", 50000, "10.1.1.1", 7777, b, sizeof(b));
		/* a verbatim echo, on a port the analyzer does not know: found by its shape */
		if (i != 6)
			cap_udp(&c, T0 + i * 20 * MS + 300 * US, "10.1.1.1", 7777, "10.1.1.2", 50000,
				b, sizeof(b));
	}
	cap_close(&c);

	a = analyze_path(fx->path, 0, 0);
	assert_int_equal(ub_analysis_count(a), 1);
	s = ub_analysis_summaries(a);
	p = ub_analysis_params(a);
	assert_string_equal(p->mode, "echo");
	assert_string_equal(p->peer, "10.1.1.1:7777");
	assert_int_equal(s->sent, 10);
	assert_int_equal(s->received, 9);
	assert_false(s->has_split);
	assert_int_equal(s->refl_proc.n, 0);
	assert_int_equal(s->rtt.min, 300 * US);
	assert_int_equal(s->rtt.max, 300 * US);
	ub_analysis_free(a);
}

/* A classroom echo script on port 10000: short text, the same words more than once. */
static void test_small_echo_on_session_port(void **state)
{
	static const char *const words[] = { "hello", "ping", "ping", "UDPBENCH?" };
	struct fixture *fx = *state;
	const struct ub_summary *s;
	struct ub_analysis *a;
	struct cap c;
	unsigned i;

	cap_open(&c, tmp_path(fx, "class.pcap"), DLT_LINUX_SLL2);
	for (i = 0; i < 4; i++) {
		cap_udp(&c, T0 + i * UB_NS_PER_S, "10.2.0.9", 41000, "10.2.0.1", 10000,
			(const uint8_t *)words[i], strlen(words[i]));
		cap_udp(&c, T0 + i * UB_NS_PER_S + 2 * MS, "10.2.0.1", 10000, "10.2.0.9", 41000,
			(const uint8_t *)words[i], strlen(words[i]));
	}
	cap_close(&c);

	a = analyze_path(fx->path, 0, 0);
	assert_int_equal(ub_analysis_count(a), 1);
	s = ub_analysis_summaries(a);
	assert_string_equal(ub_analysis_params(a)->mode, "echo");
	/* "ping" twice, each answered: two probes, not a copy */
	assert_int_equal(s->sent, 4);
	assert_int_equal(s->received, 4);
	assert_int_equal(s->duplicates, 0);
	assert_int_equal(s->rtt.median, 2 * MS);
	ub_analysis_free(a);
}

static void test_text_probes(void **state)
{
	struct fixture *fx = *state;
	struct ub_analysis *a;
	char b[100];
	struct cap c;
	uint32_t i;

	cap_open(&c, tmp_path(fx, "text.pcap"), DLT_EN10MB);
	for (i = 0; i < 3; i++) {
		assert_int_equal(ub_proto_encode_text(b, sizeof(b), i, T0 + i * MS, 'Q' << 8 | '7'), 0);
		cap_udp(&c, T0 + i * MS, "10.3.0.2", 42000, "10.3.0.1", 10000, (uint8_t *)b, sizeof(b));
		cap_udp(&c, T0 + i * MS + 90 * US, "10.3.0.1", 10000, "10.3.0.2", 42000, (uint8_t *)b,
			sizeof(b));
	}
	cap_close(&c);
	a = analyze_path(fx->path, 0, 0);
	assert_int_equal(ub_analysis_count(a), 1);
	assert_string_equal(ub_analysis_params(a)->mode, "text");
	assert_int_equal(ub_analysis_summaries(a)->received, 3);
	ub_analysis_free(a);
}

static json_t *load_json(const char *path)
{
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);

	if (!j)
		fail_msg("%s: %s", path, err.text);
	return j;
}

static void test_several_sessions(void **state)
{
	struct fixture *fx = *state;
	struct peer a1 = BOARD, a2 = BOARD, b = BOARD;
	struct ub_analyze_config cfg;
	const struct ub_summary *s;
	const struct ub_params *p;
	struct ub_analysis *a;
	char json[160], csv[160], each[200];
	json_t *j, *peers;
	struct ub_err e;
	struct cap c;
	uint32_t i;

	/* two SSIDs from one socket, and a second board */
	a1.ssid = a1.reply_ssid = 1;
	a2.ssid = a2.reply_ssid = 2;
	b.cli = "192.168.4.3";
	b.cport = 40003;
	b.ssid = b.reply_ssid = 3;
	cap_open(&c, tmp_path(fx, "class.pcap"), DLT_EN10MB);
	for (i = 0; i < 30; i++) {
		stamp_exchange(&c, &a1, i, i, T0 + i * 10 * MS, 100 * US, 10 * US, 100 * US,
			       LOSE_NONE, SIZE_MAX);
		if (i < 20)
			stamp_exchange(&c, &a2, i, i, T0 + i * 10 * MS + 1 * MS, 200 * US, 10 * US,
				       200 * US, LOSE_NONE, SIZE_MAX);
		if (i >= 5)
			stamp_exchange(&c, &b, i, i - 5, T0 + i * 10 * MS + 2 * MS, 300 * US,
				       10 * US, 300 * US, i == 9 ? LOSE_UP : LOSE_NONE, SIZE_MAX);
	}
	cap_close(&c);

	a = analyze_path(fx->path, 0, 0);
	assert_int_equal(ub_analysis_count(a), 3);
	s = ub_analysis_summaries(a);
	p = ub_analysis_params(a);
	/* in the order their first request was seen */
	assert_int_equal(p[0].ssid, 1);
	assert_int_equal(p[1].ssid, 2);
	assert_int_equal(p[2].ssid, 3);
	assert_int_equal(s[0].sent, 30);
	assert_int_equal(s[1].sent, 20);
	assert_int_equal(s[2].sent, 25);
	assert_int_equal(s[2].received, 24);
	assert_int_equal(s[0].rtt.median, 200 * US);
	assert_int_equal(s[1].rtt.median, 400 * US);
	assert_int_equal(s[2].rtt.median, 600 * US);
	assert_string_equal(ub_analysis_client(a, 2), "192.168.4.3:40003");

	snprintf(json, sizeof(json), "%s/r.json", fx->dir);
	snprintf(csv, sizeof(csv), "%s/r.csv", fx->dir);
	ub_analyze_config_init(&cfg);
	cfg.path = fx->path;
	cfg.json_path = json;
	cfg.csv_path = csv;
	cfg.out = NULL;
	cfg.msg = NULL;
	assert_int_equal(ub_analysis_write(a, &cfg, &e), 0);
	ub_analysis_free(a);

	j = load_json(json);
	peers = json_object_get(j, "peers");
	assert_int_equal(json_array_size(peers), 3);
	for (i = 0; i < 3; i++) {
		json_t *pp = json_object_get(json_array_get(peers, i), "params");

		assert_string_equal(json_string_value(json_object_get(pp, "source")), "pcap");
		assert_string_equal(json_string_value(json_object_get(pp, "clock")), "pcap");
	}
	json_decref(j);
	/* one CSV per session; the second and third to the same server are numbered */
	snprintf(each, sizeof(each), "%s/r-192.168.4.1_10000.csv", fx->dir);
	assert_int_equal(access(each, R_OK), 0);
	snprintf(each, sizeof(each), "%s/r-192.168.4.1_10000-2.csv", fx->dir);
	assert_int_equal(access(each, R_OK), 0);
	snprintf(each, sizeof(each), "%s/r-192.168.4.1_10000-3.csv", fx->dir);
	assert_int_equal(access(each, R_OK), 0);
}

static void test_cut_replies(void **state)
{
	struct fixture *fx = *state;
	const struct ub_capture_info *in;
	const struct ub_summary *s;
	struct ub_analysis *a;
	struct cap c;
	uint32_t i;
	size_t keep;

	cap_open(&c, tmp_path(fx, "cut.pcap"), DLT_EN10MB);
	for (i = 0; i < 6; i++) {
		/* cut before the reply's copy of T1 ends: unusable; after it: still a reply */
		keep = i == 2 ? 20 : i == 4 ? 40 : SIZE_MAX;
		stamp_exchange(&c, &BOARD, i, i, T0 + i * 10 * MS, 100 * US, 10 * US, 100 * US,
			       LOSE_NONE, keep);
	}
	cap_close(&c);

	a = analyze_path(fx->path, 0, 0);
	in = ub_analysis_info(a);
	s = ub_analysis_summaries(a);
	assert_int_equal(in->cut, 2);
	assert_int_equal(in->cut_unused, 1);
	assert_int_equal(s->sent, 6);
	assert_int_equal(s->received, 5);
	assert_int_equal(s->lost, 1);
	assert_int_equal(s->rtt.max, 200 * US);
	ub_analysis_free(a);
}

static void test_ipv6_sll2_on_stamp_port(void **state)
{
	struct fixture *fx = *state;
	struct peer v6 = { "2001:db8::2", "2001:db8::1", 50862, 862, 9, 9, 44, 0 };
	const struct ub_params *p;
	struct ub_analysis *a;
	struct cap c;
	uint32_t i;

	cap_open(&c, tmp_path(fx, "v6.pcap"), DLT_LINUX_SLL2);
	for (i = 0; i < 4; i++)
		stamp_exchange(&c, &v6, i, i, T0 + i * 10 * MS, 30 * US, 10 * US, 40 * US,
			       LOSE_NONE, SIZE_MAX);
	cap_close(&c);
	a = analyze_path(fx->path, 0, 0);
	assert_int_equal(ub_analysis_count(a), 1);
	p = ub_analysis_params(a);
	assert_string_equal(p->peer, "[2001:db8::1]:862");
	assert_int_equal(p->size, 44);
	assert_int_equal(ub_analysis_summaries(a)->rtt.min, 70 * US);
	ub_analysis_free(a);
}

/* Probes to a session port and nothing back: a session that lost everything. */
static void test_no_reply_session(void **state)
{
	struct fixture *fx = *state;
	struct peer p = BOARD;
	const struct ub_summary *s;
	struct ub_analysis *a;
	struct cap c;
	uint32_t i;

	p.sport = 5555;
	cap_open(&c, tmp_path(fx, "silent.pcap"), DLT_EN10MB);
	for (i = 0; i < 5; i++)
		stamp_exchange(&c, &p, i, 0, T0 + i * 10 * MS, 0, 0, 0, LOSE_UP, 0);
	cap_close(&c);
	/* off the session ports there is nothing to go by */
	a = analyze_path(fx->path, 0, 0);
	assert_int_equal(ub_analysis_count(a), 0);
	ub_analysis_free(a);
	a = analyze_path(fx->path, 5555, 0);
	assert_int_equal(ub_analysis_count(a), 1);
	s = ub_analysis_summaries(a);
	assert_string_equal(ub_analysis_params(a)->mode, "stamp");
	assert_int_equal(s->sent, 5);
	assert_int_equal(s->received, 0);
	assert_int_equal(s->rtt.n, 0);
	ub_analysis_free(a);
}

static int run(struct fixture *fx, const char *path, const char *json, FILE *msg, struct ub_err *e)
{
	struct ub_analyze_config cfg;

	(void)fx;
	ub_analyze_config_init(&cfg);
	cfg.path = path;
	cfg.json_path = json;
	cfg.out = NULL;
	cfg.msg = msg;
	ub_err_clear(e);
	return ub_analyze_run(&cfg, e);
}

static void test_truncated_file(void **state)
{
	struct fixture *fx = *state;
	char path[160], json[160], *notes = NULL;
	const struct ub_summary *s;
	struct ub_analysis *a;
	struct ub_err e;
	size_t nlen = 0;
	struct cap c;
	FILE *msg;
	long size;
	uint32_t i;
	json_t *j;

	snprintf(path, sizeof(path), "%s/trunc.pcap", fx->dir);
	snprintf(json, sizeof(json), "%s/trunc.json", fx->dir);
	cap_open(&c, path, DLT_EN10MB);
	for (i = 0; i < 20; i++)
		stamp_exchange(&c, &BOARD, i, i, T0 + i * 10 * MS, 100 * US, 10 * US, 100 * US,
			       LOSE_NONE, SIZE_MAX);
	cap_close(&c);
	/* cut in the middle of the last reply */
	msg = fopen(path, "rb");
	assert_non_null(msg);
	fseek(msg, 0, SEEK_END);
	size = ftell(msg);
	fclose(msg);
	assert_int_equal(truncate(path, size - 30), 0);

	a = analyze_path(path, 0, 0);
	assert_true(ub_analysis_info(a)->truncated);
	assert_int_equal(ub_analysis_info(a)->packets, 39);
	s = ub_analysis_summaries(a);
	assert_int_equal(s->sent, 20);
	assert_int_equal(s->received, 19);
	ub_analysis_free(a);

	msg = open_memstream(&notes, &nlen);
	assert_non_null(msg);
	assert_int_equal(run(fx, path, json, msg, &e), 0);
	fclose(msg);
	assert_non_null(strstr(notes, "trunc.pcap: the capture ends early after 39 packets"));
	free(notes);
	j = load_json(json);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"), "sent")), 20);
	json_decref(j);
}

static void test_errors_name_the_file(void **state)
{
	struct fixture *fx = *state;
	char path[160];
	uint8_t junk[300];
	struct ub_err e;
	struct cap c;
	size_t i;
	FILE *f;

	snprintf(path, sizeof(path), "%s/missing.pcap", fx->dir);
	assert_int_equal(run(fx, path, NULL, NULL, &e), UB_E_IO);
	assert_non_null(strstr(e.msg, "missing.pcap"));
	assert_null(strchr(e.msg, '\n'));

	assert_int_equal(run(fx, fx->dir, NULL, NULL, &e), UB_E_IO);

	snprintf(path, sizeof(path), "%s/junk.pcap", fx->dir);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 7 + 3);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(junk, 1, sizeof(junk), f), sizeof(junk));
	fclose(f);
	assert_int_equal(run(fx, path, NULL, NULL, &e), UB_E_INVAL);
	assert_non_null(strstr(e.msg, "junk.pcap"));

	/* a capture of something else: DNS-sized datagrams, on no session port */
	cap_open(&c, tmp_path(fx, "dns.pcap"), DLT_EN10MB);
	for (i = 0; i < 5; i++) {
		cap_udp(&c, T0 + (int64_t)i * MS, "10.9.0.2", 53000, "10.9.0.1", 53, junk, 30);
		cap_udp(&c, T0 + (int64_t)i * MS + 5 * MS, "10.9.0.1", 53, "10.9.0.2", 53000,
			junk + 1, 30);
	}
	cap_close(&c);
	assert_int_equal(run(fx, fx->path, NULL, NULL, &e), UB_E_NOREPLY);
	assert_non_null(strstr(e.msg, "dns.pcap: no STAMP or echo session among 10 packets"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean_stamp_exact_rtt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loss_upstream_vs_downstream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capture_joins_late, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_reply_counts_as_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_echo_on_session_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_probes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_several_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_sll2_on_stamp_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_reply_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_name_the_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
