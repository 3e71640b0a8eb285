#include "lib/wifi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ub_wifi_why_word(enum ub_wifi_why w)
{
	switch (w) {
	case UB_WIFI_OK:
		return "wifi";
	case UB_WIFI_LOOPBACK:
		return "loopback";
	case UB_WIFI_WIRED:
		return "wired";
	case UB_WIFI_NOT_CONNECTED:
		return "not-connected";
	case UB_WIFI_NO_NL80211:
		return "no-nl80211";
	case UB_WIFI_NO_PERMISSION:
		return "no-permission";
	case UB_WIFI_NO_ROUTE:
		return "no-route";
	case UB_WIFI_UNAVAILABLE:
		return "unavailable";
	case UB_WIFI_ERROR:
		break;
	}
	return "error";
}

/*
 * IEEE 802.11-2020 channel numbering (Annex E): 2.4 GHz channels 1..13 at
 * 2407 + 5n MHz and 14 at 2484; 5 GHz at 5000 + 5n (4.9 GHz: 4000 + 5n,
 * channels 182..196); 6 GHz (802.11ax) at 5950 + 5n, and channel 2 at
 * 5935; 60 GHz (DMG) at 56160 + 2160n.
 */
int ub_wifi_channel(int f)
{
	if (f == 2484)
		return 14;
	if (f >= 2412 && f <= 2472)
		return (f - 2407) % 5 ? -1 : (f - 2407) / 5;
	if (f >= 4910 && f <= 4980)
		return (f - 4000) % 5 ? -1 : (f - 4000) / 5;
	if (f >= 5160 && f <= 5895)
		return (f - 5000) % 5 ? -1 : (f - 5000) / 5;
	if (f == 5935)
		return 2;
	if (f >= 5955 && f <= 7115)
		return (f - 5950) % 5 ? -1 : (f - 5950) / 5;
	if (f >= 58320 && f <= 69120)
		return (f - 56160) % 2160 ? -1 : (f - 56160) / 2160;
	return -1;
}

const char *ub_wifi_band(int f)
{
	if (f >= 2400 && f < 2500)
		return "2.4GHz";
	if (f >= 4900 && f < 5925)
		return "5GHz";
	if (f >= 5925 && f <= 7125)
		return "6GHz";
	if (f >= 57000 && f <= 71000)
		return "60GHz";
	return NULL;
}

/* Length of the valid UTF-8 sequence at s (n octets left), 0 when invalid; *cp gets its code point. */
static size_t utf8_seq(const uint8_t *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, c = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, c = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and beyond U+10FFFF are not UTF-8 */
	if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	*cp = c;
	return len;
}

/* Code points that must not reach a reader as themselves: controls and direction overrides. */
static int unsafe_cp(uint32_t c)
{
	return c < 0x20 || c == 0x7f || c == '\\' || (c >= 0x80 && c <= 0x9f) ||
	       (c >= 0x200e && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}

char *ub_wifi_ssid_text(const uint8_t *ssid, size_t len, char *out, size_t cap)
{
	size_t i = 0, at = 0, n, k;
	uint32_t cp;

	if (cap == 0)
		return out;
	while (i < len) {
		n = utf8_seq(ssid + i, len - i, &cp);
		if (n && !unsafe_cp(cp)) {
			if (at + n >= cap)
				break;
			memcpy(out + at, ssid + i, n);
			at += n;
			i += n;
			continue;
		}
		/* an invalid octet alone, or every octet of an unsafe character */
		for (k = 0; k < (n ? n : 1); k++) {
			if (at + 4 >= cap)
				goto done;
			snprintf(out + at, cap - at, "\\x%02x", ssid[i + k]);
			at += 4;
		}
		i += n ? n : 1;
	}
done:
	out[at] = '\0';
	return out;
}

char *ub_wifi_bssid_text(const uint8_t b[6], char *out, size_t cap)
{
	snprintf(out, cap, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
	return out;
}

/*
 * Copies the next line of buf (from *at, moving it on) into line without
 * its newline; a line too long for line is skipped. Returns 0 at the end.
 */
static int next_line(const char *buf, size_t len, size_t *at, char *line, size_t cap)
{
	while (*at < len) {
		const char *s = buf + *at;
		const char *eol = memchr(s, '\n', len - *at);
		size_t nl = eol ? (size_t)(eol - s) : len - *at;

		*at += nl + 1;
		if (nl >= cap)
			continue;
		memcpy(line, s, nl);
		line[nl] = '\0';
		return 1;
	}
	return 0;
}

/*
 * /proc/net/wireless (wireless extensions, kept by cfg80211): two header
 * lines, then "  IFACE: STATUS LINK LEVEL NOISE ..." with a '.' after a
 * figure that was updated since the last read. LEVEL is in dBm, or on old
 * drivers an unsigned octet that wraps (dBm + 256).
 */
int ub_wifi_proc_signal(const char *buf, size_t len, const char *iface, int *dbm)
{
	size_t at = 0, il = strlen(iface);
	char line[256], *p, *end;
	long level;

	while (next_line(buf, len, &at, line, sizeof(line))) {
		p = line + strspn(line, " \t");
		if (il == 0 || strncmp(p, iface, il) != 0 || p[il] != ':')
			continue;
		p += il + 1;
		strtoul(p, &end, 16); /* status */
		if (end == p)
			return -1;
		p = end;
		strtod(p, &end); /* link quality */
		if (end == p)
			return -1;
		p = end + (*end == '.');
		level = strtol(p, &end, 10);
		if (end == p || (*end != '.' && *end != ' ' && *end != '\t'))
			return -1;
		if (level > 0 && level < 256)
			level -= 256;
		if (level < -150 || level >= 0)
			return -1;
		*dbm = (int)level;
		return 0;
	}
	return -1;
}

/*
 * /proc/net/arp: a header line, then "IP HWTYPE FLAGS HWADDR MASK DEVICE"
 * per entry; flag 0x2 (ATF_COM) marks a complete one.
 */
int ub_wifi_arp_mac(const char *buf, size_t len, const char *ip, const char *iface, uint8_t mac[6])
{
	size_t at = 0;
	char line[256], a[64], hw[64], dev[64];
	unsigned type, flags, m[6];

	while (next_line(buf, len, &at, line, sizeof(line))) {
		if (sscanf(line, "%63s %x %x %63s %*s %63s", a, &type, &flags, hw, dev) != 5 ||
		    strcmp(a, ip) != 0 || strcmp(dev, iface) != 0 || !(flags & 0x2))
			continue;
		if (sscanf(hw, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
			continue;
		for (type = 0; type < 6; type++)
			mac[type] = (uint8_t)m[type];
		return 0;
	}
	return -1;
}
