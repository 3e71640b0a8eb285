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
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture/analyze.h"
#include "lib/clock.h"
#include "stamp/proto.h"

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

/* Analyzes path, which must hold one session in mode; its summary goes to *s. */
static struct ub_analysis *one_session(const char *path, const char *mode,
				       const struct ub_summary **s)
{
	struct ub_analysis *a = analyze_path(path, 0, 0);

	assert_int_equal(ub_analysis_count(a), 1);
	assert_string_equal(ub_analysis_params(a)->mode, mode);
	*s = ub_analysis_summaries(a);
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

/*
 * Without a CSV to write no reply is kept: the same figures, and a CSV
 * asked for afterwards is refused rather than written with every probe lost.
 */
static void test_no_csv_keeps_no_replies(void **state)
{
	char errbuf[PCAP_ERRBUF_SIZE], csv[160];
	struct fixture *fx = *state;
	struct ub_analyze_config cfg;
	struct ub_analysis *a, *b;
	struct ub_err e;
	struct cap c;
	pcap_t *p;
	uint32_t i;

	cap_open(&c, tmp_path(fx, "nocsv.pcap"), DLT_EN10MB);
	for (i = 0; i < 10; i++)
		stamp_exchange(&c, &BOARD, i, i, T0 + i * 10 * MS, 100 * US, (20 + i) * US,
			       (150 + 7 * i) * US, i == 4 ? LOSE_DOWN : LOSE_NONE, SIZE_MAX);
	cap_close(&c);

	a = analyze_path(fx->path, 0, 0);
	p = pcap_open_offline_with_tstamp_precision(fx->path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	assert_non_null(p);
	ub_analyze_config_init(&cfg);
	cfg.path = fx->path;
	cfg.no_csv = 1;
	assert_int_equal(ub_analyze_pcap(p, &cfg, &b, &e), 0);
	pcap_close(p);
	assert_int_equal(ub_analysis_count(b), 1);
	assert_int_equal(ub_analysis_summaries(b)->received, 9);
	assert_memory_equal(ub_analysis_summaries(a), ub_analysis_summaries(b),
			    sizeof(struct ub_summary));
	assert_int_equal(ub_analysis_params(a)->interval_ns, ub_analysis_params(b)->interval_ns);

	snprintf(csv, sizeof(csv), "%s/nocsv.csv", fx->dir);
	cfg.csv_path = csv;
	cfg.out = NULL;
	cfg.msg = NULL;
	ub_err_clear(&e);
	assert_int_equal(ub_analysis_write(b, &cfg, &e), UB_E_INVAL);
	assert_non_null(strstr(e.msg, "CSV"));
	assert_int_equal(access(csv, F_OK), -1);
	ub_analysis_free(a);
	ub_analysis_free(b);
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

	a = one_session(fx->path, "echo", &s);
	p = ub_analysis_params(a);
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

	a = one_session(fx->path, "echo", &s);
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

/* Writes a's JSON (and CSV when csv is not NULL) beside the capture and loads the JSON into *j. */
static void write_and_load(struct ub_analysis *a, struct fixture *fx, const char *csv, json_t **j)
{
	struct ub_analyze_config cfg;
	char json[160];
	struct ub_err e;

	snprintf(json, sizeof(json), "%s/r.json", fx->dir);
	ub_analyze_config_init(&cfg);
	cfg.path = fx->path;
	cfg.json_path = json;
	cfg.csv_path = csv;
	cfg.out = NULL;
	cfg.msg = NULL;
	assert_int_equal(ub_analysis_write(a, &cfg, &e), 0);
	*j = load_json(json);
}

static void test_several_sessions(void **state)
{
	struct fixture *fx = *state;
	struct peer a1 = BOARD, a2 = BOARD, b = BOARD;
	const struct ub_summary *s;
	const struct ub_params *p;
	struct ub_analysis *a;
	char csv[160], each[200];
	json_t *j, *peers;
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

	snprintf(csv, sizeof(csv), "%s/r.csv", fx->dir);
	write_and_load(a, fx, csv, &j);
	ub_analysis_free(a);

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

/*
 * Packets laid out here octet by octet from the RFC figures, not by
 * udpbench's encoders: big-endian fields at the offsets the figures give.
 */
static void be32_at(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void be64_at(uint8_t *p, uint64_t v)
{
	be32_at(p, (uint32_t)(v >> 32));
	be32_at(p + 4, (uint32_t)v);
}

/* NTP 64-bit time of Unix ns (RFC 5905: seconds since 1900, 2^-32 fraction), rounded down. */
static uint64_t ntp_of(int64_t ns)
{
	uint64_t s = (uint64_t)(ns / UB_NS_PER_S) + 2208988800ULL;
	uint64_t frac = ((uint64_t)(ns % UB_NS_PER_S) << 32) / UB_NS_PER_S;

	return s << 32 | frac;
}

/* Reads a CSV written by analyze: rows[i] gets line i + 1 (after the header). */
static int read_csv(const char *path, char rows[][200], int max)
{
	FILE *f = fopen(path, "r");
	char line[200];
	int n = -1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) && n < max) {
		if (n >= 0)
			snprintf(rows[n], sizeof(rows[n]), "%s", line);
		n++;
	}
	fclose(f);
	return n;
}

/* The n-th (0-based) comma-separated field of row. */
static const char *csv_field(const char *row, int n, char *out, size_t len)
{
	const char *p = row, *e;

	while (n-- > 0 && (p = strchr(p, ',')) != NULL)
		p++;
	assert_non_null(p);
	e = p + strcspn(p, ",\n");
	snprintf(out, len, "%.*s", (int)(e - p), p);
	return out;
}

/*
 * TWAMP-light: 14-octet requests (RFC 5357 §4.1.2), answered with the
 * 41-octet reflector packet (§4.2.1) by one reflector and the 38-octet form
 * without MBZ and TTL by another, one on the STAMP port, one off it.
 */
static void test_twamp_light_replies(void **state)
{
	struct fixture *fx = *state;
	const struct ub_summary *s;
	struct ub_analysis *a;
	char csv[160], rows[10][200], f[40];
	uint8_t q[14], r[41];
	unsigned sport, k;
	uint32_t i;
	size_t rlen;
	struct cap c;
	json_t *j;

	for (k = 0; k < 2; k++) {
		rlen = k == 0 ? 41 : 38;
		sport = k == 0 ? 862 : 7000;
		cap_open(&c, tmp_path(fx, k == 0 ? "twl41.pcap" : "twl38.pcap"), DLT_EN10MB);
		for (i = 0; i < 8; i++) {
			int64_t t = T0 + i * 10 * MS;

			memset(q, 0, sizeof(q));
			be32_at(q, 100 + i);                 /* Sequence Number */
			be64_at(q + 4, ntp_of(t));           /* Timestamp */
			q[12] = 0x00;                        /* Error Estimate: S 0, Z 0, */
			q[13] = 0x01;                        /* Scale 0, Multiplier 1 */
			cap_udp(&c, t, "10.5.0.2", 9000, "10.5.0.1", sport, q, sizeof(q));
			if (i == 5)
				continue;
			memset(r, 0, sizeof(r));
			be32_at(r, i < 5 ? i : i - 1);       /* the reflector's own counter */
			be64_at(r + 4, ntp_of(t + 220 * US)); /* Timestamp (T3) */
			r[13] = 0x01;                        /* Error Estimate */
			be64_at(r + 16, ntp_of(t + 200 * US)); /* Receive Timestamp (T2) */
			memcpy(r + 24, q, 4);                /* Sender Sequence Number */
			memcpy(r + 28, q + 4, 8);            /* Sender Timestamp */
			memcpy(r + 36, q + 12, 2);           /* Sender Error Estimate */
			if (rlen == 41)
				r[40] = 61;                  /* Sender TTL */
			cap_udp(&c, t + 420 * US, "10.5.0.1", sport, "10.5.0.2", 9000, r, rlen);
		}
		cap_close(&c);
		a = one_session(fx->path, "stamp", &s);
		assert_int_equal(s->sent, 8);
		assert_int_equal(s->received, 7);
		/* the reflector's counter skipped it: lost on the way there */
		assert_int_equal(s->lost_up, 1);
		/* 400 us on the wire less 20 us in the reflector, to a few ns of NTP rounding */
		assert_true(s->rtt.min >= 400 * US - 2 && s->rtt.max <= 400 * US + 2);
		/* RFC 5357 makes a reply to a 14-octet request 41 octets: only 38 is another size */
		assert_int_equal(ub_analysis_counters(a)->size_mismatch, k == 0 ? 0 : 7);
		snprintf(csv, sizeof(csv), "%s/twl.csv", fx->dir);
		write_and_load(a, fx, csv, &j);
		json_decref(j);
		ub_analysis_free(a);
		assert_int_equal(read_csv(csv, rows, 10), 8);
		/* the TTL column: 61 from the 41-octet reply, empty (null) from the 38-octet one */
		assert_string_equal(csv_field(rows[0], 9, f, sizeof(f)), k == 0 ? "61" : "");
		assert_string_equal(csv_field(rows[5], 4, f, sizeof(f)), "lost");
	}
}

/* A reflector stamping T2 and T3 in PTP format (Z bit set, RFC 8762 §4.2.1). */
static void test_ptp_reflector(void **state)
{
	struct fixture *fx = *state;
	const struct ub_summary *s;
	struct ub_analysis *a;
	char csv[160], rows[4][200], f[40];
	uint8_t q[44], r[44];
	uint32_t i;
	struct cap c;
	json_t *j;

	cap_open(&c, tmp_path(fx, "ptp.pcap"), DLT_EN10MB);
	for (i = 0; i < 4; i++) {
		int64_t t = T0 + i * 10 * MS, t2 = t + 150 * US, t3 = t2 + 30 * US;

		memset(q, 0, sizeof(q));
		be32_at(q, i);
		be64_at(q + 4, ntp_of(t));
		q[13] = 0x01;
		q[14] = 0x00;
		q[15] = 0x09; /* SSID */
		cap_udp(&c, t, "10.6.0.2", 9100, "10.6.0.1", 10000, q, sizeof(q));
		memset(r, 0, sizeof(r));
		be32_at(r, i);
		/* PTP truncated: seconds since 1970 (TAI, no offset told here), nanoseconds */
		be32_at(r + 4, (uint32_t)(t3 / UB_NS_PER_S));
		be32_at(r + 8, (uint32_t)(t3 % UB_NS_PER_S));
		r[12] = 0x40; /* Z */
		r[13] = 0x01;
		r[15] = 0x09;
		be32_at(r + 16, (uint32_t)(t2 / UB_NS_PER_S));
		be32_at(r + 20, (uint32_t)(t2 % UB_NS_PER_S));
		memcpy(r + 24, q, 4);
		memcpy(r + 28, q + 4, 8);
		memcpy(r + 36, q + 12, 2);
		r[40] = 64;
		cap_udp(&c, t3 + 150 * US, "10.6.0.1", 10000, "10.6.0.2", 9100, r, sizeof(r));
	}
	cap_close(&c);
	a = analyze_path(fx->path, 0, 0);
	s = ub_analysis_summaries(a);
	assert_int_equal(s->received, 4);
	assert_int_equal(s->refl_proc.min, 30 * US);
	assert_int_equal(s->refl_proc.max, 30 * US);
	assert_int_equal(s->rtt.min, 300 * US);
	assert_int_equal(s->rtt.max, 300 * US);
	snprintf(csv, sizeof(csv), "%s/ptp.csv", fx->dir);
	write_and_load(a, fx, csv, &j);
	json_decref(j);
	ub_analysis_free(a);
	assert_int_equal(read_csv(csv, rows, 4), 4);
	/* T2 as Unix ns on the reflector's clock, less TAI - UTC as this kernel knows it */
	assert_true(llabs(strtoll(csv_field(rows[0], 7, f, sizeof(f)), NULL, 10) -
			  (T0 + 150 * US)) <= 40 * UB_NS_PER_S);
	assert_int_equal(strtoll(csv_field(rows[0], 8, f, sizeof(f)), NULL, 10) -
			 strtoll(csv_field(rows[0], 7, f, sizeof(f)), NULL, 10), 30 * US);
}

/* RFC 8762 §4.2.2: an authenticated sender packet, laid out from Figure 4 (SSID per RFC 8972). */
static void auth_request(uint8_t *q, size_t len, uint32_t seq, uint64_t t1, uint16_t ssid,
			 const uint8_t *key, size_t klen)
{
	unsigned mdlen = 0;
	uint8_t md[EVP_MAX_MD_SIZE];

	memset(q, 0, len);
	be32_at(q, seq);          /* @0 Sequence Number, @4..15 MBZ */
	be64_at(q + 16, t1);      /* @16 Timestamp */
	q[24] = 0x00;             /* @24 Error Estimate */
	q[25] = 0x01;
	q[26] = (uint8_t)(ssid >> 8); /* @26 SSID, @28..95 MBZ */
	q[27] = (uint8_t)ssid;
	/* @96 HMAC-SHA-256 over octets 0..95, its first 16 octets (RFC 8762 §4.4) */
	assert_non_null(HMAC(EVP_sha256(), key, (int)klen, q, 96, md, &mdlen));
	memcpy(q + 96, md, 16);
}

/* RFC 8762 §4.3.2: the authenticated reflector packet of Figure 6, answering q. */
static void auth_reply(uint8_t *r, size_t len, const uint8_t *q, uint32_t seq, uint64_t t2,
		       uint64_t t3, const uint8_t *key, size_t klen)
{
	unsigned mdlen = 0;
	uint8_t md[EVP_MAX_MD_SIZE];

	memset(r, 0, len);
	be32_at(r, seq);          /* @0 Sequence Number */
	be64_at(r + 16, t3);      /* @16 Timestamp */
	r[25] = 0x01;             /* @24 Error Estimate */
	memcpy(r + 26, q + 26, 2); /* @26 SSID */
	be64_at(r + 32, t2);      /* @32 Receive Timestamp */
	memcpy(r + 48, q, 4);     /* @48 Session-Sender Sequence Number */
	memcpy(r + 64, q + 16, 8); /* @64 Session-Sender Timestamp */
	memcpy(r + 72, q + 24, 2); /* @72 Session-Sender Error Estimate */
	r[80] = 63;               /* @80 Session-Sender TTL */
	assert_non_null(HMAC(EVP_sha256(), key, (int)klen, r, 96, md, &mdlen));
	memcpy(r + 96, md, 16);
}

static void test_authenticated_sessions(void **state)
{
	static const uint8_t key[] = "a shared key of 32 octets, here!";
	struct ub_auth_key k, wrong;
	struct fixture *fx = *state;
	const struct ub_summary *s;
	struct ub_analyze_config cfg;
	struct ub_analysis *a = NULL;
	uint8_t q[128], r[128];
	char errbuf[PCAP_ERRBUF_SIZE];
	struct ub_err e;
	uint32_t i;
	struct cap c;
	pcap_t *p;
	json_t *j;
	int pass;

	cap_open(&c, tmp_path(fx, "auth.pcap"), DLT_EN10MB);
	for (i = 0; i < 10; i++) {
		int64_t t = T0 + i * 10 * MS;

		auth_request(q, sizeof(q), i, ntp_of(t), 0x0102, key, 32);
		cap_udp(&c, t, "10.7.0.2", 9200, "10.7.0.1", 4444, q, sizeof(q));
		auth_reply(r, sizeof(r), q, i, ntp_of(t + 100 * US), ntp_of(t + 120 * US), key, 32);
		/* one reply forged on the way: its TTL changed after signing */
		if (i == 4)
			r[80] = 1;
		cap_udp(&c, t + 240 * US, "10.7.0.1", 4444, "10.7.0.2", 9200, r, sizeof(r));
	}
	cap_close(&c);

	/* Without the key: read all the same, the timing fields are in the clear. */
	a = one_session(fx->path, "stamp", &s);
	assert_true(ub_analysis_params(a)->authenticated);
	assert_int_equal(ub_analysis_params(a)->ssid, 0x0102);
	assert_int_equal(ub_analysis_params(a)->size, 128);
	assert_int_equal(s->sent, 10);
	assert_int_equal(s->received, 10);
	assert_true(s->rtt.min >= 220 * US - 2 && s->rtt.max <= 220 * US + 2);
	assert_int_equal(ub_analysis_counters(a)->auth_failed, 0);
	ub_analysis_free(a);

	/* With it: the forged reply is left out and counted. */
	memcpy(k.bytes, key, 32);
	k.len = 32;
	wrong = k;
	wrong.bytes[0] ^= 1;
	for (pass = 0; pass < 2; pass++) {
		p = pcap_open_offline_with_tstamp_precision(fx->path, PCAP_TSTAMP_PRECISION_NANO,
							    errbuf);
		assert_non_null(p);
		ub_analyze_config_init(&cfg);
		cfg.path = fx->path;
		cfg.key = pass == 0 ? &k : &wrong;
		assert_int_equal(ub_analyze_pcap(p, &cfg, &a, &e), 0);
		pcap_close(p);
		if (pass == 1) {
			/* every packet fails the wrong key: nothing to report, and it says why */
			assert_int_equal(ub_analysis_count(a), 0);
			assert_int_equal(ub_analysis_info(a)->auth_failed, 20);
			ub_analysis_free(a);
			break;
		}
		assert_int_equal(ub_analysis_count(a), 1);
		s = ub_analysis_summaries(a);
		assert_int_equal(s->sent, 10);
		assert_int_equal(s->received, 9);
		assert_int_equal(s->lost_down, 1);
		assert_int_equal(ub_analysis_counters(a)->auth_failed, 1);
		assert_int_equal(ub_analysis_info(a)->auth_failed, 1);
		write_and_load(a, fx, NULL, &j);
		assert_true(json_is_true(json_object_get(json_object_get(j, "params"),
							 "authenticated")));
		assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"),
								    "auth_failed")), 1);
		json_decref(j);
		ub_analysis_free(a);
	}
	ub_analyze_config_init(&cfg);
	cfg.path = fx->path;
	cfg.key = &wrong;
	cfg.out = NULL;
	cfg.msg = NULL;
	assert_int_equal(ub_analyze_run(&cfg, &e), UB_E_NOREPLY);
	assert_non_null(strstr(e.msg, "20 authenticated packets failed the HMAC check"));
	assert_non_null(strstr(e.msg, "--key"));
}

/*
 * An auto-mode run as the sender makes it: text probes first, then binary
 * STAMP probes of the same SSID and numbering; a STAMP reflector answers
 * both, copying octets 0..11 of each request to 24..35 of its reply.
 */
static void test_text_probes_to_stamp_reflector(void **state)
{
	struct fixture *fx = *state;
	const struct ub_summary *s;
	struct ub_analysis *a;
	const uint16_t ssid = 'K' << 8 | '4';
	uint8_t q[60], r[60];
	uint32_t i;
	struct cap c;

	cap_open(&c, tmp_path(fx, "auto.pcap"), DLT_EN10MB);
	for (i = 0; i < 12; i++) {
		int64_t t = T0 + i * 10 * MS;

		if (i < 4) {
			assert_int_equal(ub_proto_encode_text((char *)q, sizeof(q), i, t, ssid), 0);
		} else {
			memset(q, 0, sizeof(q));
			be32_at(q, i);
			be64_at(q + 4, ntp_of(t));
			q[13] = 1;
			q[14] = (uint8_t)(ssid >> 8);
			q[15] = (uint8_t)ssid;
		}
		cap_udp(&c, t, "10.8.0.2", 9300, "10.8.0.1", 10000, q, sizeof(q));
		if (i == 9)
			continue; /* lost on the way back */
		memset(r, 0, sizeof(r));
		be32_at(r, i);
		be64_at(r + 4, ntp_of(t + 60 * US));
		r[13] = 1;
		memcpy(r + 14, q + 14, 2);
		be64_at(r + 16, ntp_of(t + 50 * US));
		memcpy(r + 24, q, 12);
		memcpy(r + 36, q + 12, 2);
		r[40] = 64;
		cap_udp(&c, t + 110 * US, "10.8.0.1", 10000, "10.8.0.2", 9300, r, sizeof(r));
	}
	cap_close(&c);
	a = one_session(fx->path, "stamp", &s);
	assert_int_equal(ub_analysis_params(a)->ssid, ssid);
	assert_int_equal(s->sent, 12);
	assert_int_equal(s->received, 11);
	assert_int_equal(ub_analysis_dup_requests(a, 0), 0);
	assert_int_equal(s->lost_up, 0);
	assert_int_equal(s->lost_down, 1);
	assert_int_equal(s->refl_proc.n, 11);
	ub_analysis_free(a);
}

/* Classroom scripts that change what they echo: the probe's text inside, any letter case. */
static void test_changed_echoes(void **state)
{
	static const char *const prefix[] = { "\xe6\x94\xb6\xe5\x88\xb0: ", "", "Server got: " };
	struct fixture *fx = *state;
	const struct ub_summary *s;
	struct ub_analysis *a;
	char q[64], r[128];
	size_t k, n, j;
	uint32_t i;
	struct cap c;

	for (k = 0; k < 3; k++) {
		cap_open(&c, tmp_path(fx, "changed.pcap"), DLT_EN10MB);
		for (i = 0; i < 6; i++) {
			int64_t t = T0 + i * 10 * MS;

			assert_int_equal(ub_proto_encode_text(q, sizeof(q), i, t, 'Z' << 8 | '9'), 0);
			cap_udp(&c, t, "10.9.0.2", 9400, "10.9.0.1", 10000, (uint8_t *)q, sizeof(q));
			if (i == 2)
				continue;
			n = (size_t)snprintf(r, sizeof(r), "%s%.*s", prefix[k], (int)sizeof(q), q);
			/* data.lower() for the second script */
			for (j = 0; k == 1 && j < n; j++)
				if (r[j] >= 'A' && r[j] <= 'Z')
					r[j] = (char)(r[j] - 'A' + 'a');
			cap_udp(&c, t + 3 * MS, "10.9.0.1", 10000, "10.9.0.2", 9400, (uint8_t *)r, n);
		}
		cap_close(&c);
		a = one_session(fx->path, "text", &s);
		assert_int_equal(s->sent, 6);
		assert_int_equal(s->received, 5);
		assert_int_equal(s->rtt.median, 3 * MS);
		assert_int_equal(ub_analysis_counters(a)->foreign, 0);
		ub_analysis_free(a);
	}
}

/* A reflector answering 100-octet requests with 44-octet replies: counted, and in the JSON. */
static void test_size_mismatch(void **state)
{
	struct fixture *fx = *state;
	struct peer big = BOARD;
	struct ub_analysis *a;
	struct cap c;
	uint8_t q[100], r[100];
	uint32_t i;
	json_t *j;

	cap_open(&c, tmp_path(fx, "size.pcap"), DLT_EN10MB);
	for (i = 0; i < 5; i++) {
		int64_t t = T0 + i * 10 * MS;

		memset(q, 0, sizeof(q));
		be32_at(q, i);
		be64_at(q + 4, ntp_of(t));
		q[13] = 1;
		cap_udp(&c, t, big.cli, big.cport, big.srv, big.sport, q, sizeof(q));
		memset(r, 0, sizeof(r));
		be32_at(r, i);
		be64_at(r + 4, ntp_of(t + 20 * US));
		r[13] = 1;
		be64_at(r + 16, ntp_of(t + 10 * US));
		memcpy(r + 24, q, 12);
		memcpy(r + 36, q + 12, 2);
		/* 44 octets back for 100, but the last one */
		cap_udp(&c, t + 50 * US, big.srv, big.sport, big.cli, big.cport, r, i == 4 ? 100 : 44);
	}
	cap_close(&c);
	a = analyze_path(fx->path, 0, 0);
	write_and_load(a, fx, NULL, &j);
	ub_analysis_free(a);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"),
							    "size_mismatch")), 4);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"),
							    "received")), 5);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean_stamp_exact_rtt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_csv_keeps_no_replies, setup, teardown),
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
		cmocka_unit_test_setup_teardown(test_twamp_light_replies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ptp_reflector, setup, teardown),
		cmocka_unit_test_setup_teardown(test_authenticated_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_probes_to_stamp_reflector, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_echoes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_mismatch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
