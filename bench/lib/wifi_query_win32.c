/*
 * Wi-Fi facts in the Windows build: not asked for (that would be the WLAN
 * API, wlanapi.dll); a result says so, as a Linux build without nl80211 does.
 */
#include "lib/wifi.h"

#include <stdio.h>
#include <string.h>

int ub_wifi_probe(const struct ub_addr *peer, struct ub_wifi_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->peer = *peer;
	f->why = UB_WIFI_UNAVAILABLE;
	snprintf(f->text, sizeof(f->text), "%s", "the Windows build does not read Wi-Fi facts");
	return 1;
}

void ub_wifi_probe_end(struct ub_wifi_facts *f)
{
	(void)f;
}

int ub_wifi_signal_towards(const struct ub_addr *peer, int *dbm)
{
	(void)peer;
	(void)dbm;
	return -1;
}
