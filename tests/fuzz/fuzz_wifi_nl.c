/*
 * Fuzz target: the octets of one netlink receive as the nl80211 parser
 * reads them (seeds: the recordings in tests/data/wifi as binary). The
 * parser either takes whole messages or says the input is malformed; an
 * SSID it keeps is at most 32 octets and its text holds no control
 * character; a kernel error is an errno. The same octets go to the
 * readers of /proc/net/wireless and /proc/net/arp.
 */
#include "fuzz.h"
#include "lib/wifi.h"

#define FAMILY 0x1c

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct ub_wifi_link l;
	struct ub_err e;
	char text[UB_WIFI_SSID_TEXT_MAX];
	uint8_t mac[6];
	const char *p;
	int done, kerr, r;

	memset(&l, 0, sizeof(l));
	ub_err_clear(&e);
	r = ub_wifi_nl_feed(d, n, FAMILY, &l, &done, &kerr, &e);
	FUZZ_CHECK(r >= 0 || (r == UB_E_PROTO && e.msg[0]));
	FUZZ_CHECK(kerr >= 0 && kerr < 4096);
	FUZZ_CHECK(l.ssid_len <= UB_WIFI_SSID_MAX);
	FUZZ_CHECK(!l.has_ssid || l.ssid_len <= UB_WIFI_SSID_MAX);
	ub_wifi_ssid_text(l.ssid, l.ssid_len, text, sizeof(text));
	for (p = text; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	FUZZ_CHECK(strlen(text) <= 4 * l.ssid_len);
	if (l.has_freq)
		FUZZ_CHECK(ub_wifi_channel(l.freq_mhz) >= -1);
	/* the input read as /proc/net/wireless and /proc/net/arp text too */
	if (ub_wifi_proc_signal((const char *)d, n, "wlan0", &r) == 0)
		FUZZ_CHECK(r >= -150 && r < 0);
	ub_wifi_arp_mac((const char *)d, n, "192.168.4.2", "wlan0", mac);
	return 0;
}
