/*
 * Unit tests for bench/lib/wifi*.c: nl80211 answers as the kernel sends
 * them (the .hex files in tests/data/wifi, written octet by octet from
 * linux/nl80211.h) parsed into facts, hostile ones refused with a line
 * saying what was wrong and nothing taken from them, SSIDs made safe to
 * print, frequencies mapped to the IEEE 802.11 channel numbers,
 * /proc/net/wireless read, and the loopback route named as such.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "lib/wifi.h"
#include "metrics/output.h"

#define FAMILY 0x1c /* the generic netlink id the recordings carry */
#define DATA "tests/data/wifi/"

/* Reads an annotated hex file ('#' starts a comment) into buf; returns its length. */
static size_t load(const char *name, uint8_t *buf, size_t cap)
{
	char path[256], line[512], *p;
	size_t n = 0;
	unsigned v;
	int used;
	FILE *f;

	snprintf(path, sizeof(path), DATA "%s.hex", name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s (run from the top of the tree)", path);
	while (fgets(line, sizeof(line), f)) {
		if ((p = strchr(line, '#')))
			*p = '\0';
		for (p = line; sscanf(p, " %2x%n", &v, &used) == 1; p += used) {
			assert_true(n < cap);
			buf[n++] = (uint8_t)v;
		}
	}
	fclose(f);
	return n;
}

/* Feeds the recording name into l; returns the feed's result, with done, kerr and e. */
static int feed(const char *name, struct ub_wifi_link *l, int *done, int *kerr, struct ub_err *e)
{
	uint8_t buf[1024];
	size_t n = load(name, buf, sizeof(buf));

	ub_err_clear(e);
	return ub_wifi_nl_feed(buf, n, FAMILY, l, done, kerr, e);
}

static void test_station(void **state)
{
	struct ub_wifi_link l;
	struct ub_err e;
	char b[18];
	int done, kerr;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(feed("station", &l, &done, &kerr, &e), 1);
	assert_int_equal(done, 1);
	assert_int_equal(kerr, 0);
	assert_true(l.has_signal);
	assert_int_equal(l.signal_dbm, -52);
	assert_true(l.has_tx && l.has_rx);
	assert_int_equal(l.tx_bps, 130000000);
	assert_int_equal(l.rx_bps, 58500000);
	assert_true(l.has_bssid);
	assert_string_equal(ub_wifi_bssid_text(l.bssid, b, sizeof(b)), "a0:b1:c2:d3:e4:f5");
	assert_false(l.has_ssid);
	assert_false(l.has_freq);
}

static void test_interface(void **state)
{
	struct ub_wifi_link l;
	struct ub_err e;
	char s[UB_WIFI_SSID_TEXT_MAX];
	int done, kerr;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(feed("interface", &l, &done, &kerr, &e), 1);
	/* not a dump: the one message is the whole answer */
	assert_int_equal(done, 1);
	assert_true(l.has_ssid);
	assert_int_equal(l.ssid_len, 9);
	assert_string_equal(ub_wifi_ssid_text(l.ssid, l.ssid_len, s, sizeof(s)), "教室-5G");
	assert_true(l.has_freq);
	assert_int_equal(l.freq_mhz, 5180);
	assert_int_equal(ub_wifi_channel(l.freq_mhz), 36);
	assert_false(l.has_signal);
	/* the interface's own MAC is no BSSID */
	assert_false(l.has_bssid);
}

static void test_scan_takes_the_joined_bss(void **state)
{
	struct ub_wifi_link l;
	struct ub_err e;
	char b[18], s[UB_WIFI_SSID_TEXT_MAX];
	int done, kerr;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(feed("scan", &l, &done, &kerr, &e), 2);
	assert_int_equal(done, 1);
	assert_true(l.assoc_seen);
	assert_string_equal(ub_wifi_bssid_text(l.bssid, b, sizeof(b)), "a0:b1:c2:d3:e4:f5");
	assert_int_equal(l.freq_mhz, 5180);
	assert_string_equal(ub_wifi_ssid_text(l.ssid, l.ssid_len, s, sizeof(s)), "教室-5G");
	/* from BSS_SIGNAL_MBM, -5300 mBm, when no station entry said better */
	assert_true(l.has_signal);
	assert_int_equal(l.signal_dbm, -53);
}

static void test_all_three(void **state)
{
	struct ub_wifi_link l;
	struct ub_err e;
	int done, kerr;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(feed("interface", &l, &done, &kerr, &e), 1);
	assert_int_equal(feed("station", &l, &done, &kerr, &e), 1);
	assert_int_equal(feed("scan", &l, &done, &kerr, &e), 2);
	/* the station entry's signal stays; the scan's BSS agrees on the rest */
	assert_int_equal(l.signal_dbm, -52);
	assert_int_equal(l.freq_mhz, 5180);
	assert_int_equal(l.ssid_len, 9);
	assert_int_equal(l.tx_bps, 130000000);
}

/* A hotspot: its own address is the BSSID, and the peer's station entry gives signal and rate. */
static void test_hotspot_takes_the_peers_station(void **state)
{
	static const uint8_t board_b[6] = { 0x24, 0x0a, 0xc4, 0x11, 0xb2, 0x08 };
	struct ub_wifi_link l;
	struct ub_err e;
	char b[18], s[UB_WIFI_SSID_TEXT_MAX];
	int done, kerr;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(feed("interface-ap", &l, &done, &kerr, &e), 1);
	assert_true(l.ap);
	assert_string_equal(ub_wifi_bssid_text(l.bssid, b, sizeof(b)), "02:aa:bb:cc:dd:ee");
	assert_string_equal(ub_wifi_ssid_text(l.ssid, l.ssid_len, s, sizeof(s)), "udpbench");
	assert_int_equal(ub_wifi_channel(l.freq_mhz), 6);
	l.want_station = 1;
	memcpy(l.station, board_b, 6);
	assert_int_equal(feed("stations-ap", &l, &done, &kerr, &e), 2);
	assert_int_equal(l.signal_dbm, -67);
	assert_int_equal(l.tx_bps, 1100000);
	/* still the hotspot's own address, not the station's */
	assert_string_equal(ub_wifi_bssid_text(l.bssid, b, sizeof(b)), "02:aa:bb:cc:dd:ee");
	/* a peer whose address is not known: no station's figures are taken for it */
	memset(l.station, 0, 6);
	l.has_signal = l.has_tx = 0;
	assert_int_equal(feed("stations-ap", &l, &done, &kerr, &e), 2);
	assert_false(l.has_signal);
	assert_false(l.has_tx);
}

static void test_arp_table(void **state)
{
	static const char arp[] =
		"IP address       HW type     Flags       HW address            Mask     Device\n"
		"192.168.4.2      0x1         0x2         24:0a:c4:11:a1:07     *        wlp2s0\n"
		"192.168.4.3      0x1         0x0         00:00:00:00:00:00     *        wlp2s0\n"
		"192.168.4.4      0x1         0x2         24:0a:c4:11:b2:08     *        eth0\n"
		"192.168.4.4      0x1         0x2         24:0a:c4:11:b2:09     *        wlp2s0\n";
	uint8_t mac[6];
	char b[18];

	(void)state;
	assert_int_equal(ub_wifi_arp_mac(arp, sizeof(arp) - 1, "192.168.4.2", "wlp2s0", mac), 0);
	assert_string_equal(ub_wifi_bssid_text(mac, b, sizeof(b)), "24:0a:c4:11:a1:07");
	/* incomplete entries and other interfaces do not count */
	assert_int_equal(ub_wifi_arp_mac(arp, sizeof(arp) - 1, "192.168.4.3", "wlp2s0", mac), -1);
	assert_int_equal(ub_wifi_arp_mac(arp, sizeof(arp) - 1, "192.168.4.4", "wlp2s0", mac), 0);
	assert_string_equal(ub_wifi_bssid_text(mac, b, sizeof(b)), "24:0a:c4:11:b2:09");
	assert_int_equal(ub_wifi_arp_mac(arp, sizeof(arp) - 1, "192.168.4.22", "wlp2s0", mac), -1);
}

/* A hostile recording: refused with a message containing what, and nothing taken. */
static void refused(const char *name, const char *what)
{
	struct ub_wifi_link l, zero;
	struct ub_err e;
	int done, kerr;

	memset(&l, 0, sizeof(l));
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(feed(name, &l, &done, &kerr, &e), UB_E_PROTO);
	if (!strstr(e.msg, what))
		fail_msg("%s: \"%s\" does not say \"%s\"", name, e.msg, what);
	assert_memory_equal(&l, &zero, sizeof(l));
}

static void test_hostile_refused(void **state)
{
	(void)state;
	refused("hostile-truncated", "says 128 octets where 92 are left");
	refused("hostile-signal-u32", "STA_INFO attribute has the wrong length");
	refused("hostile-nest-overrun", "station");
	refused("hostile-ssid-33", "wrong length");
	refused("hostile-ie-overrun", "information element runs past");
	refused("hostile-ie-ssid-33", "an SSID element of 33 octets");
	refused("hostile-short-header", "says 8 octets");
}

static void test_every_prefix(void **state)
{
	static const char *const good[] = { "station", "interface", "scan", "interface-ap", "stations-ap" };
	uint8_t buf[1024];
	struct ub_wifi_link l;
	struct ub_err e;
	size_t n, cut;
	unsigned i;
	int done, kerr, r;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		n = load(good[i], buf, sizeof(buf));
		for (cut = 1; cut < n; cut++) {
			memset(&l, 0, sizeof(l));
			r = ub_wifi_nl_feed(buf, cut, FAMILY, &l, &done, &kerr, &e);
			/* only whole messages count; a cut inside one is malformed */
			assert_true(r == UB_E_PROTO || r >= 0);
		}
	}
}

static void test_kernel_error(void **state)
{
	struct ub_wifi_link l;
	struct ub_err e;
	int done, kerr;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(feed("error-eperm", &l, &done, &kerr, &e), 0);
	assert_int_equal(done, 1);
	assert_int_equal(kerr, 1);
}

static void test_ssid_text(void **state)
{
	struct ub_wifi_link l;
	struct ub_err e;
	char s[UB_WIFI_SSID_TEXT_MAX];
	uint8_t ff[UB_WIFI_SSID_MAX];
	const char *p;
	int done, kerr;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(feed("hostile-ssid-bytes", &l, &done, &kerr, &e), 1);
	assert_int_equal(l.ssid_len, 17);
	ub_wifi_ssid_text(l.ssid, l.ssid_len, s, sizeof(s));
	assert_string_equal(s, "\\x1b[2J`rm`\"\\xff\\xc3(\\xe2\\x80\\xae\\x5c\\x0a");
	for (p = s; *p; p++)
		assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
	/* the longest escape fits the declared size */
	memset(ff, 0xff, sizeof(ff));
	ub_wifi_ssid_text(ff, sizeof(ff), s, sizeof(s));
	assert_int_equal(strlen(s), 4 * UB_WIFI_SSID_MAX);
	/* a hidden network's empty SSID; an overlong encoding of '/'; a surrogate */
	assert_string_equal(ub_wifi_ssid_text(ff, 0, s, sizeof(s)), "");
	assert_string_equal(ub_wifi_ssid_text((const uint8_t *)"\xc0\xaf", 2, s, sizeof(s)),
			    "\\xc0\\xaf");
	assert_string_equal(ub_wifi_ssid_text((const uint8_t *)"\xed\xa0\x80", 3, s, sizeof(s)),
			    "\\xed\\xa0\\x80");
	/* a small buffer gets whole characters only */
	assert_string_equal(ub_wifi_ssid_text((const uint8_t *)"ab\x01", 3, s, 5), "ab");
}

/* IEEE 802.11-2020 Annex E figures: centre frequency in MHz and channel number. */
static void test_channels(void **state)
{
	static const int table[][2] = {
		{ 2412, 1 },    { 2437, 6 },    { 2462, 11 },   { 2472, 13 },  { 2484, 14 },
		{ 4920, 184 },  { 4980, 196 },  { 5180, 36 },   { 5240, 48 },  { 5260, 52 },
		{ 5500, 100 },  { 5720, 144 },  { 5745, 149 },  { 5825, 165 }, { 5885, 177 },
		{ 5935, 2 },    { 5955, 1 },    { 6115, 33 },   { 6415, 93 },  { 7115, 233 },
		{ 58320, 1 },   { 60480, 2 },   { 64800, 4 },   { 69120, 6 },
		{ 2413, -1 },   { 2400, -1 },   { 2485, -1 },   { 5000, -1 },  { 5957, -1 },
		{ 0, -1 },      { -2412, -1 },  { 7120, -1 },  { 70200, -1 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (ub_wifi_channel(table[i][0]) != table[i][1])
			fail_msg("%d MHz: channel %d, want %d", table[i][0],
				 ub_wifi_channel(table[i][0]), table[i][1]);
	assert_string_equal(ub_wifi_band(2437), "2.4GHz");
	assert_string_equal(ub_wifi_band(5180), "5GHz");
	assert_string_equal(ub_wifi_band(5955), "6GHz");
	assert_string_equal(ub_wifi_band(5935), "6GHz");
	assert_null(ub_wifi_band(900));
}

static void test_proc_wireless(void **state)
{
	static const char now[] =
		"Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE\n"
		" face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22\n"
		"wlan01: 0000   30.  -80.  -256        0      0      0      0      0        0\n"
		" wlan0: 0000   70.  -40.  -256        0      0      0      0      0        0\n";
	static const char old[] = " eth1: 0000   45  216  161  0 0 0 0 0 0\n";
	int dbm = 0;

	(void)state;
	assert_int_equal(ub_wifi_proc_signal(now, sizeof(now) - 1, "wlan0", &dbm), 0);
	assert_int_equal(dbm, -40);
	assert_int_equal(ub_wifi_proc_signal(now, sizeof(now) - 1, "wlan01", &dbm), 0);
	assert_int_equal(dbm, -80);
	/* older drivers: an unsigned octet, dBm + 256 */
	assert_int_equal(ub_wifi_proc_signal(old, sizeof(old) - 1, "eth1", &dbm), 0);
	assert_int_equal(dbm, -40);
	assert_int_equal(ub_wifi_proc_signal(now, sizeof(now) - 1, "wlan", &dbm), -1);
	assert_int_equal(ub_wifi_proc_signal(now, sizeof(now) - 1, "", &dbm), -1);
	assert_int_equal(ub_wifi_proc_signal(" wlan0: zz\n", 11, "wlan0", &dbm), -1);
}

static void test_loopback_route(void **state)
{
	struct ub_addr a;
	struct ub_wifi_facts f;
	struct ub_err e;
	int dbm;

	(void)state;
	assert_int_equal(ub_net_resolve("127.0.0.1", 10000, 0, 0, &a, &e), 0);
	assert_int_equal(ub_wifi_probe(&a, &f), 1);
	assert_int_equal(f.why, UB_WIFI_LOOPBACK);
	assert_string_equal(ub_wifi_why_word(f.why), "loopback");
	assert_string_equal(f.iface, "lo");
	assert_non_null(strstr(f.text, "lo"));
	assert_int_equal(ub_wifi_signal_towards(&a, &dbm), -1);
	if (ub_net_resolve("::1", 10000, 0, 0, &a, &e) == 0) {
		assert_int_equal(ub_wifi_probe(&a, &f), 1);
		assert_int_equal(f.why, UB_WIFI_LOOPBACK);
		assert_string_equal(f.iface, "lo");
	}
}

/* The summary's line, from facts the recordings give, in English and Chinese; none without facts. */
static void test_summary_line(void **state)
{
	struct ub_wifi_facts f;
	struct ub_err e;
	char *text = NULL;
	size_t n = 0;
	FILE *m;
	int done, kerr;

	(void)state;
	memset(&f, 0, sizeof(f));
	snprintf(f.iface, sizeof(f.iface), "wlan0");
	assert_int_equal(feed("interface", &f.start, &done, &kerr, &e), 1);
	assert_int_equal(feed("station", &f.start, &done, &kerr, &e), 1);
	f.end = f.start;
	f.end.signal_dbm = -61;
	f.has_end = 1;
	m = open_memstream(&text, &n);
	assert_non_null(m);
	ub_output_wifi_line(m, UB_LANG_EN, &f);
	ub_output_wifi_line(m, UB_LANG_ZH, &f);
	f.why = UB_WIFI_LOOPBACK;
	ub_output_wifi_line(m, UB_LANG_EN, &f);
	ub_output_wifi_line(m, UB_LANG_EN, NULL);
	fclose(m);
	assert_string_equal(text,
			    "Wi-Fi 教室-5G (wlan0): channel 36 (5180 MHz), signal -52 → -61 dBm, "
			    "bit rate out 130 Mbit/s, back 58.5 Mbit/s\n"
			    "Wi-Fi 教室-5G (wlan0)：信道 36（5180 兆赫），信号 -52 → -61 dBm，"
			    "发送速率 130 Mbit/s，接收速率 58.5 Mbit/s\n");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_station),
		cmocka_unit_test(test_interface),
		cmocka_unit_test(test_scan_takes_the_joined_bss),
		cmocka_unit_test(test_all_three),
		cmocka_unit_test(test_hotspot_takes_the_peers_station),
		cmocka_unit_test(test_arp_table),
		cmocka_unit_test(test_hostile_refused),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_kernel_error),
		cmocka_unit_test(test_ssid_text),
		cmocka_unit_test(test_channels),
		cmocka_unit_test(test_proc_wireless),
		cmocka_unit_test(test_loopback_route),
		cmocka_unit_test(test_summary_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
