/*
 * udpbench: Wi-Fi facts — the radio conditions a run was measured under.
 * When the route to a peer leaves through a wireless interface, what the
 * kernel says of that interface's link (nl80211): SSID, BSSID, frequency,
 * signal and bit rates, read at the start and at the end of a run.
 * Otherwise a short reason (wired, loopback, ...) naming the interface.
 *
 * Three parts, so that each can be tested alone:
 *   wifi.c          the model: channels, escaping, reasons, /proc/net/wireless
 *   wifi_nl80211.c  the nl80211 message parser: bytes in, facts out (libnl's
 *                   attribute parser; no socket)
 *   wifi_query.c    the sockets: the route to the peer (rtnetlink) and the
 *                   nl80211 requests whose answers go to the parser
 * The static board build has no libnl: it takes the route from the kernel's
 * choice of source address and the signal from /proc/net/wireless.
 */
#ifndef UB_WIFI_H
#define UB_WIFI_H

#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include "lib/err.h"
#include "lib/netaddr.h"

#define UB_WIFI_SSID_MAX 32        /* octets, IEEE 802.11 */
/* An SSID escaped for text: every octet at most 4 characters ("\xNN"), and a NUL. */
#define UB_WIFI_SSID_TEXT_MAX (UB_WIFI_SSID_MAX * 4 + 1)

/* One reading of a wireless link. A field is unknown while its has_ flag is 0. */
struct ub_wifi_link {
	int has_ssid, has_bssid, has_freq, has_signal, has_tx, has_rx;
	uint8_t ssid[UB_WIFI_SSID_MAX];
	unsigned ssid_len;
	uint8_t bssid[6];
	int freq_mhz;
	int signal_dbm;
	uint64_t tx_bps, rx_bps;   /* the last frames' bit rates */
	int assoc_seen;            /* a scan result marked this BSS as the one joined */
	int ap;                    /* this interface is the access point (a hotspot) */
	/* the station whose entry counts (an access point lists many); 0: the first */
	int want_station;
	uint8_t station[6];
};

/* Why a result carries no Wi-Fi facts. */
enum ub_wifi_why {
	UB_WIFI_OK = 0,         /* facts present */
	UB_WIFI_LOOPBACK,       /* the route stays on this host */
	UB_WIFI_WIRED,          /* the interface is not a wireless one */
	UB_WIFI_NOT_CONNECTED,  /* wireless, but not joined to a network */
	UB_WIFI_NO_NL80211,     /* wireless, but nl80211 does not answer */
	UB_WIFI_NO_PERMISSION,  /* the kernel refused to tell */
	UB_WIFI_NO_ROUTE,       /* no route to the peer */
	UB_WIFI_UNAVAILABLE,    /* this build cannot ask */
	UB_WIFI_ERROR,          /* asking failed otherwise (text says how) */
};

/* The facts of one peer's route: the reading at start and end, or why there are none. */
struct ub_wifi_facts {
	enum ub_wifi_why why;
	char iface[IF_NAMESIZE];   /* "" when no interface is known */
	int ifindex;
	char text[UB_ERR_MSG_MAX + IF_NAMESIZE + 4]; /* why, for people (English); "" with UB_WIFI_OK */
	struct ub_addr peer;       /* whose route it is */
	struct ub_wifi_link start, end;
	int has_end;
};

/* Returns the reason's machine-readable word ("wired", "loopback", ...). */
const char *ub_wifi_why_word(enum ub_wifi_why w);

/* Returns the IEEE 802.11 channel number of a centre frequency in MHz, or -1 when none. */
int ub_wifi_channel(int freq_mhz);

/* Returns the band of a frequency: "2.4GHz", "5GHz", "6GHz", "60GHz", or NULL. */
const char *ub_wifi_band(int freq_mhz);

/*
 * Writes an SSID's octets as printable text: valid UTF-8 stays, every other
 * octet (C0 and C1 control characters, DEL, bidirectional overrides,
 * invalid UTF-8, and '\\' itself) becomes "\xNN", so two SSIDs never read
 * the same. Quotes stay: each writer (JSON, gnuplot, HTML) escapes its own.
 * out needs UB_WIFI_SSID_TEXT_MAX; returns out.
 */
char *ub_wifi_ssid_text(const uint8_t *ssid, size_t len, char *out, size_t cap);

/* Writes "aa:bb:cc:dd:ee:ff" into out (18 octets); returns out. */
char *ub_wifi_bssid_text(const uint8_t bssid[6], char *out, size_t cap);

/*
 * Reads the signal level of iface from the text of /proc/net/wireless
 * (the whole file in buf). Returns 0 with *dbm set, or -1 when the file
 * has no usable line for iface.
 */
int ub_wifi_proc_signal(const char *buf, size_t len, const char *iface, int *dbm);

/*
 * Finds the hardware address of ip (dotted IPv4 text) on iface in the text
 * of /proc/net/arp (the whole file in buf). Returns 0 with mac set, or -1
 * when no complete entry is there.
 */
int ub_wifi_arp_mac(const char *buf, size_t len, const char *ip, const char *iface, uint8_t mac[6]);

/*
 * Feeds a buffer of netlink messages as the kernel sent them (one recv) to
 * the parser: nl80211 messages of family (its generic netlink id) fill l —
 * NEW_STATION (signal, bit rates, the AP's address; on an access point the
 * entry of l->station), NEW_INTERFACE (SSID, frequency, whether it is an
 * access point, then its own address as BSSID), NEW_SCAN_RESULTS (the
 * associated BSS: BSSID, frequency, SSID).
 * Sets *done at NLMSG_DONE or a message that is not part of a dump, and
 * *kerr to the errno of an NLMSG_ERROR (0 none). Returns the number of
 * nl80211 messages taken, or UB_E_PROTO with e naming what was malformed
 * (what came before it stays in l).
 */
int ub_wifi_nl_feed(const uint8_t *buf, size_t len, int family, struct ub_wifi_link *l, int *done,
		    int *kerr, struct ub_err *e);

/*
 * Finds the interface the route to peer leaves through and reads its link.
 * Always fills f: the facts, or why there are none. Returns 0 when facts are
 * there, 1 when not.
 */
int ub_wifi_probe(const struct ub_addr *peer, struct ub_wifi_facts *f);

/* Reads the link of f's interface again into f->end (when f has facts). */
void ub_wifi_probe_end(struct ub_wifi_facts *f);

/*
 * The signal of this host's interface towards peer, in dBm; returns 0 with
 * *dbm set, or -1 (a wired or unknown route). For answers that carry it.
 */
int ub_wifi_signal_towards(const struct ub_addr *peer, int *dbm);

#endif
