/*
 * udpbench: params.wifi and params.wifi_why — the radio conditions of the
 * route to a peer (lib/wifi.h) as the JSON result states them:
 *
 *   "wifi": {"iface", "role", "start": READING, "end": READING or null} or null
 *   role: "station" (joined to an access point) or "access-point" (a
 *   hotspot: then the signal and rates are those of the peer's station)
 *   READING: {"ssid", "bssid", "freq_mhz", "channel", "band", "signal_dbm",
 *             "tx_bitrate_bps", "rx_bitrate_bps"}, each null when unknown
 *   "wifi_why": null with facts, else {"reason", "iface", "text"}
 *
 * The reflector's sessions (--sessions-json) state the reading made when
 * the file is written: "wifi": {"iface", "role", READING's fields} or null.
 *
 * The SSID is text with its unsafe octets written "\xNN" (ub_wifi_ssid_text).
 * The summary on the terminal gets one line of the same facts.
 */
#include "metrics/output.h"

#include <inttypes.h>

#define TR UB_TR

/* A bit rate for people: "130 Mbit/s", "58.5 Mbit/s". */
static void rate_text(char *b, size_t n, uint64_t bps)
{
	if (bps % 1000000 == 0)
		snprintf(b, n, "%" PRIu64 " Mbit/s", bps / 1000000);
	else
		snprintf(b, n, "%.1f Mbit/s", (double)bps / 1e6);
}

void ub_output_wifi_line(FILE *f, enum ub_lang lang, const struct ub_wifi_facts *w)
{
	int zh = lang == UB_LANG_ZH, ch;
	char ssid[UB_WIFI_SSID_TEXT_MAX], tx[32] = "-", rx[32] = "-", sig[64] = "-";
	const struct ub_wifi_link *a, *z;

	if (!w || w->why != UB_WIFI_OK)
		return;
	a = &w->start;
	z = w->has_end ? &w->end : &w->start;
	ub_wifi_ssid_text(a->ssid, a->ssid_len, ssid, sizeof(ssid));
	if (a->has_signal && z->has_signal && z->signal_dbm != a->signal_dbm)
		snprintf(sig, sizeof(sig), "%d → %d dBm", a->signal_dbm, z->signal_dbm);
	else if (a->has_signal)
		snprintf(sig, sizeof(sig), "%d dBm", a->signal_dbm);
	if (a->has_tx)
		rate_text(tx, sizeof(tx), a->tx_bps);
	if (a->has_rx)
		rate_text(rx, sizeof(rx), a->rx_bps);
	fprintf(f, "Wi-Fi %s (%s)", a->has_ssid ? ssid : "?", w->iface);
	ch = a->has_freq ? ub_wifi_channel(a->freq_mhz) : -1;
	if (ch > 0)
		fprintf(f, TR(zh, ": channel %d (%d MHz)", "：信道 %d（%d 兆赫）"), ch, a->freq_mhz);
	fprintf(f, TR(zh, ", signal %s, bit rate out %s, back %s\n", "，信号 %s，发送速率 %s，接收速率 %s\n"),
		sig, tx, rx);
}

#ifndef UB_BOARD_BUILD

static json_t *int_or_null(int has, json_int_t v)
{
	return has ? json_integer(v) : json_null();
}

static json_t *reading_json(const struct ub_wifi_link *l)
{
	char ssid[UB_WIFI_SSID_TEXT_MAX], bssid[18];
	const char *band = l->has_freq ? ub_wifi_band(l->freq_mhz) : NULL;
	int ch = l->has_freq ? ub_wifi_channel(l->freq_mhz) : -1;

	ub_wifi_ssid_text(l->ssid, l->ssid_len, ssid, sizeof(ssid));
	ub_wifi_bssid_text(l->bssid, bssid, sizeof(bssid));
	return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "ssid",
			 l->has_ssid ? json_string(ssid) : json_null(), "bssid",
			 l->has_bssid ? json_string(bssid) : json_null(), "freq_mhz",
			 int_or_null(l->has_freq, l->freq_mhz), "channel", int_or_null(ch > 0, ch), "band",
			 band ? json_string(band) : json_null(), "signal_dbm",
			 int_or_null(l->has_signal, l->signal_dbm), "tx_bitrate_bps",
			 int_or_null(l->has_tx, (json_int_t)l->tx_bps), "rx_bitrate_bps",
			 int_or_null(l->has_rx, (json_int_t)l->rx_bps));
}

static json_t *why_json(const struct ub_wifi_facts *f)
{
	return json_pack("{s:s,s:o,s:s}", "reason", ub_wifi_why_word(f->why), "iface",
			 f->iface[0] ? json_string(f->iface) : json_null(), "text", f->text);
}

int ub_output_wifi_now_json(json_t *obj, const struct ub_wifi_facts *f)
{
	json_t *wifi = json_null(), *why = json_null();

	if (f->why == UB_WIFI_OK) {
		wifi = reading_json(&f->start);
		if (wifi && (json_object_set_new(wifi, "iface", json_string(f->iface)) < 0 ||
			     json_object_set_new(wifi, "role",
						 json_string(f->start.ap ? "access-point" : "station")) < 0))
			return -1;
	} else {
		why = why_json(f);
	}
	if (json_object_set_new(obj, "wifi", wifi) < 0 || json_object_set_new(obj, "wifi_why", why) < 0)
		return -1;
	return 0;
}

int ub_output_wifi_json(json_t *params, const struct ub_wifi_facts *f)
{
	json_t *wifi, *why;

	if (!f) {
		wifi = json_null();
		why = json_pack("{s:s,s:n,s:s}", "reason", "unknown", "iface", "text",
				"not measured here: the radio conditions were not recorded");
	} else if (f->why == UB_WIFI_OK) {
		wifi = json_pack("{s:s,s:s,s:o,s:o}", "iface", f->iface, "role",
				 f->start.ap ? "access-point" : "station", "start", reading_json(&f->start),
				 "end", f->has_end ? reading_json(&f->end) : json_null());
		why = json_null();
	} else {
		wifi = json_null();
		why = why_json(f);
	}
	if (json_object_set_new(params, "wifi", wifi) < 0 ||
	    json_object_set_new(params, "wifi_why", why) < 0)
		return -1;
	return 0;
}
#endif
