#include "reports/wifinote.h"

#include <stdio.h>
#include <string.h>

#include "lib/wifi.h"

#define TX UB_REPORT_TX

/* Columns of an SSID in a note before it is cut short. */
#define SSID_COLS 20

/* A reading's signal in dBm, or 1 (never a signal) when it has none that makes sense. */
static int signal_of(json_t *reading)
{
	int64_t v = ub_results_int(reading, "signal_dbm", 1);

	return v >= -150 && v < 0 ? (int)v : 1;
}

/*
 * Copies the SSID s (a string from a result file: hostile) into out as a
 * single line: a character that would not print becomes '?', and a long
 * name is cut at SSID_COLS columns with "…".
 */
static void ssid_line(const char *s, char *out, size_t n)
{
	char clean[UB_WIFI_SSID_TEXT_MAX + 8];
	size_t i;

	snprintf(clean, sizeof(clean), "%s", s);
	for (i = 0; clean[i]; i++)
		if ((unsigned char)clean[i] < 0x20 || clean[i] == 0x7f)
			clean[i] = '?';
	ub_words_clip(clean, SSID_COLS, out, n);
}

size_t ub_wifinote(const struct ub_report_ctx *R, const struct ub_result *r, enum ub_wifinote_form form,
		   char *out, size_t n)
{
	json_t *wifi = json_object_get(r->params, "wifi");
	json_t *start = json_object_get(wifi, "start"), *end = json_object_get(wifi, "end");
	const char *ssid = ub_results_str(start, "ssid");
	char name[96] = "", ch[32] = "", sig[48] = "";
	int64_t channel = ub_results_int(start, "channel", 0);
	int s0 = signal_of(start), s1 = signal_of(end);
	size_t len;

	if (!json_is_object(wifi) || !json_is_object(start) || n == 0)
		return 0;
	if (ssid && form == UB_WIFINOTE_FULL)
		ssid_line(ssid, name, sizeof(name));
	if (channel > 0 && channel <= 233)
		snprintf(ch, sizeof(ch), TX(R, "ch %d", "信道 %d"), (int)channel);
	/* the signal as the run began, and where it ended when that was another */
	if (s0 < 0 && s1 < 0 && (s1 - s0 >= 3 || s0 - s1 >= 3))
		snprintf(sig, sizeof(sig), "%d→%d dBm", s0, s1);
	else if (s0 < 0)
		snprintf(sig, sizeof(sig), "%d dBm", s0);
	snprintf(out, n, "%s%s%s%s%s", name, name[0] && (ch[0] || sig[0]) ? " · " : "", ch,
		 ch[0] && sig[0] ? " · " : "", sig);
	len = strlen(out);
	return len;
}
