/*
 * The nl80211 answers udpbench reads, parsed from the bytes the kernel sent
 * (linux/nl80211.h names every attribute). libnl's attribute parser checks
 * each attribute against a policy — minimum and maximum lengths — and that
 * none runs past its message; this file checks the netlink headers around
 * them, and the information elements inside a scan result.
 */
#ifndef UB_BOARD_BUILD
#include "lib/wifi.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/nl80211.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#define FIXED(t, n) { .type = (t), .minlen = (n), .maxlen = (n) }

static struct nla_policy station_policy[NL80211_ATTR_MAX + 1];
static struct nla_policy sta_info_policy[NL80211_STA_INFO_MAX + 1];
static struct nla_policy rate_policy[NL80211_RATE_INFO_MAX + 1];
static struct nla_policy bss_policy[NL80211_BSS_MAX + 1];

/* Policies are set up on first use: designated initializers of a large array would fill it all. */
static void policies_init(void)
{
	static int done;

	if (done)
		return;
	station_policy[NL80211_ATTR_IFINDEX] = (struct nla_policy)FIXED(NLA_U32, 4);
	station_policy[NL80211_ATTR_MAC] = (struct nla_policy){ .type = NLA_UNSPEC, .minlen = 6,
								 .maxlen = 6 };
	station_policy[NL80211_ATTR_STA_INFO] = (struct nla_policy){ .type = NLA_NESTED };
	station_policy[NL80211_ATTR_SSID] = (struct nla_policy){ .type = NLA_UNSPEC,
								  .maxlen = UB_WIFI_SSID_MAX };
	station_policy[NL80211_ATTR_WIPHY_FREQ] = (struct nla_policy)FIXED(NLA_U32, 4);
	station_policy[NL80211_ATTR_IFTYPE] = (struct nla_policy)FIXED(NLA_U32, 4);
	station_policy[NL80211_ATTR_BSS] = (struct nla_policy){ .type = NLA_NESTED };
	sta_info_policy[NL80211_STA_INFO_SIGNAL] = (struct nla_policy)FIXED(NLA_U8, 1);
	sta_info_policy[NL80211_STA_INFO_SIGNAL_AVG] = (struct nla_policy)FIXED(NLA_U8, 1);
	sta_info_policy[NL80211_STA_INFO_TX_BITRATE] = (struct nla_policy){ .type = NLA_NESTED };
	sta_info_policy[NL80211_STA_INFO_RX_BITRATE] = (struct nla_policy){ .type = NLA_NESTED };
	rate_policy[NL80211_RATE_INFO_BITRATE] = (struct nla_policy)FIXED(NLA_U16, 2);
	rate_policy[NL80211_RATE_INFO_BITRATE32] = (struct nla_policy)FIXED(NLA_U32, 4);
	bss_policy[NL80211_BSS_BSSID] = (struct nla_policy){ .type = NLA_UNSPEC, .minlen = 6,
							      .maxlen = 6 };
	bss_policy[NL80211_BSS_FREQUENCY] = (struct nla_policy)FIXED(NLA_U32, 4);
	bss_policy[NL80211_BSS_STATUS] = (struct nla_policy)FIXED(NLA_U32, 4);
	bss_policy[NL80211_BSS_SIGNAL_MBM] = (struct nla_policy)FIXED(NLA_U32, 4);
	bss_policy[NL80211_BSS_INFORMATION_ELEMENTS] = (struct nla_policy){ .type = NLA_UNSPEC };
	done = 1;
}

/*
 * Whether the attributes in [head, head + len) fill it exactly (the last
 * one's padding may be missing). libnl's parser stops quietly at an
 * attribute that runs past the end; udpbench calls that malformed.
 */
static int attrs_fit(struct nlattr *head, int len)
{
	struct nlattr *a;
	int rem;

	nla_for_each_attr(a, head, len, rem)
		;
	return rem <= 0 && rem > -NLA_ALIGNTO;
}

/* nla_parse_nested, refusing a nest whose attributes do not fill it. */
static int parse_nested(struct nlattr **tb, int max, struct nlattr *nest, struct nla_policy *pol)
{
	if (!attrs_fit(nla_data(nest), nla_len(nest)))
		return -1;
	return nla_parse_nested(tb, max, nest, pol) < 0 ? -1 : 0;
}

/* A rate attribute (nested RATE_INFO) in bit/s; 0 when it says none. */
static int rate_bps(struct nlattr *nest, uint64_t *bps)
{
	struct nlattr *r[NL80211_RATE_INFO_MAX + 1];

	if (parse_nested(r, NL80211_RATE_INFO_MAX, nest, rate_policy) < 0)
		return -1;
	/* both in units of 100 kbit/s; the 32-bit one exists because rates outgrew 16 bits */
	if (r[NL80211_RATE_INFO_BITRATE32])
		*bps = (uint64_t)nla_get_u32(r[NL80211_RATE_INFO_BITRATE32]) * 100000u;
	else if (r[NL80211_RATE_INFO_BITRATE])
		*bps = (uint64_t)nla_get_u16(r[NL80211_RATE_INFO_BITRATE]) * 100000u;
	else
		*bps = 0;
	return 0;
}

/* NEW_STATION: on a station interface its one peer is the access point. */
static int take_station(struct nlattr **tb, struct ub_wifi_link *l, struct ub_err *e)
{
	struct nlattr *si[NL80211_STA_INFO_MAX + 1];
	uint64_t bps;

	if (!tb[NL80211_ATTR_STA_INFO])
		return 0;
	if (parse_nested(si, NL80211_STA_INFO_MAX, tb[NL80211_ATTR_STA_INFO], sta_info_policy) < 0)
		return ub_err_set(e, UB_E_PROTO, 0, "nl80211 station: a STA_INFO attribute has the wrong length");
	/* an access point's interface lists many stations: the peer's entry, else the first */
	if (l->has_signal || l->has_tx)
		return 0;
	if (l->want_station &&
	    (!tb[NL80211_ATTR_MAC] || memcmp(nla_data(tb[NL80211_ATTR_MAC]), l->station, 6) != 0))
		return 0;
	if (tb[NL80211_ATTR_MAC] && !l->has_bssid && !l->ap) {
		memcpy(l->bssid, nla_data(tb[NL80211_ATTR_MAC]), 6);
		l->has_bssid = 1;
	}
	if (si[NL80211_STA_INFO_SIGNAL] || si[NL80211_STA_INFO_SIGNAL_AVG]) {
		struct nlattr *s = si[NL80211_STA_INFO_SIGNAL] ? si[NL80211_STA_INFO_SIGNAL]
							       : si[NL80211_STA_INFO_SIGNAL_AVG];

		l->signal_dbm = (int8_t)nla_get_u8(s);
		l->has_signal = 1;
	}
	if (si[NL80211_STA_INFO_TX_BITRATE]) {
		if (rate_bps(si[NL80211_STA_INFO_TX_BITRATE], &bps) < 0)
			return ub_err_set(e, UB_E_PROTO, 0, "nl80211 station: a TX_BITRATE attribute has the wrong length");
		l->tx_bps = bps;
		l->has_tx = bps > 0;
	}
	if (si[NL80211_STA_INFO_RX_BITRATE]) {
		if (rate_bps(si[NL80211_STA_INFO_RX_BITRATE], &bps) < 0)
			return ub_err_set(e, UB_E_PROTO, 0, "nl80211 station: an RX_BITRATE attribute has the wrong length");
		l->rx_bps = bps;
		l->has_rx = bps > 0;
	}
	return 0;
}

static void take_ssid(struct ub_wifi_link *l, const void *p, size_t n)
{
	memcpy(l->ssid, p, n);
	l->ssid_len = (unsigned)n;
	l->has_ssid = 1;
}

/* NEW_INTERFACE: the SSID and frequency of the network joined or served (kernels since 4.x). */
static int take_interface(struct nlattr **tb, struct ub_wifi_link *l)
{
	if (tb[NL80211_ATTR_IFTYPE]) {
		uint32_t t = nla_get_u32(tb[NL80211_ATTR_IFTYPE]);

		l->ap = t == NL80211_IFTYPE_AP || t == NL80211_IFTYPE_P2P_GO;
	}
	/* a hotspot's BSSID is its own address */
	if (l->ap && tb[NL80211_ATTR_MAC]) {
		memcpy(l->bssid, nla_data(tb[NL80211_ATTR_MAC]), 6);
		l->has_bssid = 1;
	}
	if (tb[NL80211_ATTR_SSID])
		take_ssid(l, nla_data(tb[NL80211_ATTR_SSID]), (size_t)nla_len(tb[NL80211_ATTR_SSID]));
	if (tb[NL80211_ATTR_WIPHY_FREQ]) {
		l->freq_mhz = (int)nla_get_u32(tb[NL80211_ATTR_WIPHY_FREQ]);
		l->has_freq = 1;
	}
	return 0;
}

/* The SSID element (IEEE 802.11 element ID 0) among a beacon's elements; every element must fit. */
static int ies_ssid(const uint8_t *ie, size_t n, struct ub_wifi_link *l, struct ub_err *e)
{
	size_t at = 0;
	int found = 0;

	while (at < n) {
		if (n - at < 2 || (size_t)ie[at + 1] > n - at - 2)
			return ub_err_set(e, UB_E_PROTO, 0,
					  "nl80211 scan result: an information element runs past its attribute");
		if (ie[at] == 0 && !found) {
			if (ie[at + 1] > UB_WIFI_SSID_MAX)
				return ub_err_set(e, UB_E_PROTO, 0,
						  "nl80211 scan result: an SSID element of %u octets (at most 32)",
						  ie[at + 1]);
			if (!l->has_ssid)
				take_ssid(l, ie + at + 2, ie[at + 1]);
			found = 1;
		}
		at += 2 + (size_t)ie[at + 1];
	}
	return 0;
}

/* NEW_SCAN_RESULTS: one BSS each; only the one this interface joined is ours. */
static int take_bss(struct nlattr **tb, struct ub_wifi_link *l, struct ub_err *e)
{
	struct nlattr *b[NL80211_BSS_MAX + 1];
	uint32_t st;

	if (!tb[NL80211_ATTR_BSS])
		return 0;
	if (parse_nested(b, NL80211_BSS_MAX, tb[NL80211_ATTR_BSS], bss_policy) < 0)
		return ub_err_set(e, UB_E_PROTO, 0, "nl80211 scan result: a BSS attribute has the wrong length");
	if (!b[NL80211_BSS_STATUS])
		return 0;
	st = nla_get_u32(b[NL80211_BSS_STATUS]);
	if (st != NL80211_BSS_STATUS_ASSOCIATED && st != NL80211_BSS_STATUS_IBSS_JOINED)
		return 0;
	if (b[NL80211_BSS_INFORMATION_ELEMENTS] &&
	    ies_ssid(nla_data(b[NL80211_BSS_INFORMATION_ELEMENTS]),
		     (size_t)nla_len(b[NL80211_BSS_INFORMATION_ELEMENTS]), l, e) < 0)
		return UB_E_PROTO;
	l->assoc_seen = 1;
	if (b[NL80211_BSS_BSSID]) {
		memcpy(l->bssid, nla_data(b[NL80211_BSS_BSSID]), 6);
		l->has_bssid = 1;
	}
	if (b[NL80211_BSS_FREQUENCY] && !l->has_freq) {
		l->freq_mhz = (int)nla_get_u32(b[NL80211_BSS_FREQUENCY]);
		l->has_freq = 1;
	}
	if (b[NL80211_BSS_SIGNAL_MBM] && !l->has_signal) {
		l->signal_dbm = (int32_t)nla_get_u32(b[NL80211_BSS_SIGNAL_MBM]) / 100;
		l->has_signal = 1;
	}
	return 0;
}

static const char *cmd_name(uint8_t cmd)
{
	switch (cmd) {
	case NL80211_CMD_NEW_STATION:
		return "station";
	case NL80211_CMD_NEW_INTERFACE:
		return "interface";
	case NL80211_CMD_NEW_SCAN_RESULTS:
		return "scan result";
	}
	return "message";
}

/* One nl80211 message (nlmsg_len already checked against the buffer). */
static int take_genl(struct nlmsghdr *nlh, struct ub_wifi_link *l, struct ub_err *e)
{
	struct nlattr *tb[NL80211_ATTR_MAX + 1];
	struct genlmsghdr *g;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return ub_err_set(e, UB_E_PROTO, 0, "nl80211: a message of %u octets has no generic netlink header",
				  nlh->nlmsg_len);
	g = nlmsg_data(nlh);
	if (!attrs_fit(genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0)) ||
	    genlmsg_parse(nlh, 0, tb, NL80211_ATTR_MAX, station_policy) < 0)
		return ub_err_set(e, UB_E_PROTO, 0,
				  "nl80211 %s: an attribute has the wrong length or runs past the message",
				  cmd_name(g->cmd));
	switch (g->cmd) {
	case NL80211_CMD_NEW_STATION:
		return take_station(tb, l, e);
	case NL80211_CMD_NEW_INTERFACE:
		return take_interface(tb, l);
	case NL80211_CMD_NEW_SCAN_RESULTS:
		return take_bss(tb, l, e);
	}
	return 0;
}

int ub_wifi_nl_feed(const uint8_t *buf, size_t len, int family, struct ub_wifi_link *l, int *done,
		    int *kerr, struct ub_err *e)
{
	uint32_t *copy = NULL; /* netlink wants its headers aligned; the bytes may come from anywhere */
	uint8_t *p;
	size_t at = 0;
	int taken = 0, ret = 0;

	policies_init();
	*done = 0;
	*kerr = 0;
	if (len == 0)
		return 0;
	copy = malloc(len + 4);
	if (!copy)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	p = memcpy(copy, buf, len);
	while (at < len && !*done) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(void *)(p + at);

		if (len - at < NLMSG_HDRLEN) {
			ret = ub_err_set(e, UB_E_PROTO, 0, "netlink: %zu octets left after the last message",
					 len - at);
			goto out;
		}
		if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len - at) {
			ret = ub_err_set(e, UB_E_PROTO, 0,
					 "netlink: a message says %u octets where %zu are left",
					 nlh->nlmsg_len, len - at);
			goto out;
		}
		if (nlh->nlmsg_type == NLMSG_DONE) {
			*done = 1;
		} else if (nlh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr err;

			if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(err.error)) {
				ret = ub_err_set(e, UB_E_PROTO, 0, "netlink: an error message without its code");
				goto out;
			}
			memcpy(&err.error, p + at + NLMSG_HDRLEN, sizeof(err.error));
			/* the errno, as a positive number; 0 is an acknowledgement */
			*kerr = err.error < 0 && err.error > -4096 ? -err.error : 0;
			*done = 1;
		} else if (family > 0 && nlh->nlmsg_type == family) {
			ret = take_genl(nlh, l, e);
			if (ret < 0)
				goto out;
			taken++;
			if (!(nlh->nlmsg_flags & NLM_F_MULTI))
				*done = 1;
		}
		at += NLMSG_ALIGN(nlh->nlmsg_len) < len - at ? NLMSG_ALIGN(nlh->nlmsg_len) : len - at;
	}
	ret = taken;
out:
	free(copy);
	return ret;
}
#endif
