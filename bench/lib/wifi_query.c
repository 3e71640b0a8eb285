/*
 * Asking the kernel: which interface the route to a peer leaves through
 * (rtnetlink RTM_GETROUTE, as `ip route get` does), and what nl80211 says
 * of that interface's link. Every answer's bytes go to ub_wifi_nl_feed.
 * Nothing here needs privileges: nl80211 tells any user about stations,
 * interfaces and scan results.
 */
#include "lib/wifi.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <netinet/in.h>

#ifndef UB_BOARD_BUILD
#include <linux/nl80211.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#endif

/* Answers bigger than this many receives are not what we asked for. */
#define UB_WIFI_RECV_MAX 256

static void why(struct ub_wifi_facts *f, enum ub_wifi_why w, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void why(struct ub_wifi_facts *f, enum ub_wifi_why w, const char *fmt, ...)
{
	va_list ap;

	f->why = w;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

static int is_loopback(const char *iface)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), lo = 0;

	if (fd < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		lo = (ifr.ifr_flags & IFF_LOOPBACK) != 0;
	close(fd);
	return lo;
}

/* Whether the kernel knows iface as a wireless one (cfg80211 or wireless extensions). */
static int sysfs_wireless(const char *iface)
{
	char p[96];

	snprintf(p, sizeof(p), "/sys/class/net/%s/phy80211", iface);
	if (access(p, F_OK) == 0)
		return 1;
	snprintf(p, sizeof(p), "/sys/class/net/%s/wireless", iface);
	return access(p, F_OK) == 0;
}

/* Reads the start of a /proc file into buf; returns its length, 0 when it cannot. */
static size_t proc_read(const char *path, char *buf, size_t cap)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, cap);
	close(fd);
	return n > 0 ? (size_t)n : 0;
}

/* The signal of iface in /proc/net/wireless; 0 with *dbm, or -1. */
static int proc_signal(const char *iface, int *dbm)
{
	char buf[4096];
	size_t n = proc_read("/proc/net/wireless", buf, sizeof(buf));

	return n ? ub_wifi_proc_signal(buf, n, iface, dbm) : -1;
}

#ifndef UB_BOARD_BUILD
/* The address part of peer for a route lookup: family, octets, their length; IPv4-mapped as IPv4. */
static int peer_dst(const struct ub_addr *peer, uint8_t dst[16], int *ifindex)
{
	*ifindex = 0;
	if (peer->ss.ss_family == AF_INET) {
		memcpy(dst, &((const struct sockaddr_in *)(const void *)&peer->ss)->sin_addr, 4);
		return AF_INET;
	}
	if (peer->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)&peer->ss;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
			memcpy(dst, s6->sin6_addr.s6_addr + 12, 4);
			return AF_INET;
		}
		memcpy(dst, s6->sin6_addr.s6_addr, 16);
		*ifindex = (int)s6->sin6_scope_id;
		return AF_INET6;
	}
	return -1;
}

static void recv_timeout(struct nl_sock *sk)
{
	struct timeval tv = { 1, 0 };

	setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* RTM_NEWROUTE's output interface. */
static int route_oif(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[RTA_MAX + 1];
	static struct nla_policy pol[RTA_MAX + 1] = { [RTA_OIF] = { .type = NLA_U32 } };

	if (nlh->nlmsg_type == RTM_NEWROUTE &&
	    nlmsg_parse(nlh, sizeof(struct rtmsg), tb, RTA_MAX, pol) == 0 && tb[RTA_OIF])
		*(int *)arg = (int)nla_get_u32(tb[RTA_OIF]);
	return NL_OK;
}

/* The interface index the kernel routes dst through; 0 when none, -errno when it would not say. */
static int route_lookup(int family, const uint8_t *dst)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = NULL;
	struct rtmsg rtm;
	int oif = 0, alen = family == AF_INET ? 4 : 16, ret;

	if (!sk)
		return -ENOMEM;
	if ((ret = nl_connect(sk, NETLINK_ROUTE)) < 0)
		goto out;
	recv_timeout(sk);
	msg = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_REQUEST);
	memset(&rtm, 0, sizeof(rtm));
	rtm.rtm_family = (unsigned char)family;
	rtm.rtm_dst_len = (unsigned char)(alen * 8);
	if (!msg || nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
	    nla_put(msg, RTA_DST, alen, dst) < 0) {
		ret = -NLE_NOMEM;
		goto out;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, route_oif, &oif);
	if ((ret = nl_send_auto(sk, msg)) >= 0)
		ret = nl_recvmsgs_default(sk);
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	if (ret < 0)
		return -EHOSTUNREACH;
	return oif;
}

/* Sends one nl80211 request about ifindex and feeds the answer to the parser; returns the errno or 0. */
static int nl80211_ask(struct nl_sock *sk, int family, int cmd, int dump, int ifindex,
		       struct ub_wifi_link *l, struct ub_err *e)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct sockaddr_nl from;
	unsigned char *buf = NULL;
	int n, done = 0, kerr = 0, turns;

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, dump ? NLM_F_DUMP : 0,
				 (uint8_t)cmd, 0) ||
	    nla_put_u32(msg, NL80211_ATTR_IFINDEX, (uint32_t)ifindex) < 0 || nl_send_auto(sk, msg) < 0) {
		nlmsg_free(msg);
		return EIO;
	}
	nlmsg_free(msg);
	for (turns = 0; !done && turns < UB_WIFI_RECV_MAX; turns++) {
		n = nl_recv(sk, &from, &buf, NULL);
		if (n <= 0) {
			free(buf);
			return n == -NLE_PERM ? EPERM : EIO;
		}
		if (ub_wifi_nl_feed(buf, (size_t)n, family, l, &done, &kerr, e) < 0) {
			free(buf);
			return EPROTO;
		}
		free(buf);
		buf = NULL;
	}
	return done ? kerr : EIO;
}

/* Sets l to take only the station entry of f's peer: none matches when its address is not known. */
static void peer_station(const struct ub_wifi_facts *f, struct ub_wifi_link *l)
{
	char buf[16384], host[64], *ip;
	size_t n = proc_read("/proc/net/arp", buf, sizeof(buf));

	l->want_station = 1;
	memset(l->station, 0, sizeof(l->station));
	ub_net_host_str(&f->peer, host, sizeof(host));
	/* an IPv4-mapped address: the IPv4 part */
	ip = strrchr(host, ':') && strchr(host, '.') ? strrchr(host, ':') + 1 : host;
	if (n)
		ub_wifi_arp_mac(buf, n, ip, f->iface, l->station);
}

/* Reads f's interface's link into l through nl80211. */
static void read_link(struct ub_wifi_facts *f, struct ub_wifi_link *l, int first)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct ub_err e;
	int family, err;

	memset(l, 0, sizeof(*l));
	ub_err_clear(&e);
	if (!sk || genl_connect(sk) < 0) {
		if (first)
			why(f, UB_WIFI_ERROR, "%s: cannot open a generic netlink socket", f->iface);
		goto out;
	}
	recv_timeout(sk);
	nl_socket_disable_auto_ack(sk);
	nl_socket_enable_msg_peek(sk);
	family = genl_ctrl_resolve(sk, "nl80211");
	if (family < 0) {
		if (!first)
			goto out;
		/* no cfg80211 in this kernel: nothing is wireless unless sysfs says otherwise */
		if (sysfs_wireless(f->iface))
			why(f, UB_WIFI_NO_NL80211, "%s is wireless, but the kernel has no nl80211", f->iface);
		else
			why(f, UB_WIFI_WIRED, "%s is not a wireless interface", f->iface);
		goto out;
	}
	err = nl80211_ask(sk, family, NL80211_CMD_GET_INTERFACE, 0, f->ifindex, l, &e);
	if (err && first) {
		if (err == EPERM || err == EACCES)
			why(f, UB_WIFI_NO_PERMISSION, "%s: nl80211 refused to describe it", f->iface);
		else if (err == EPROTO)
			why(f, UB_WIFI_ERROR, "%s: %s", f->iface, e.msg);
		else if (sysfs_wireless(f->iface))
			why(f, UB_WIFI_ERROR, "%s is wireless, but nl80211 did not describe it: %s", f->iface,
			    strerror(err));
		else
			/* nl80211 knows no such wireless device (ENODEV) */
			why(f, UB_WIFI_WIRED, "%s is not a wireless interface", f->iface);
		goto out;
	}
	/* a hotspot lists its stations: the peer's entry is the one (IPv4: its MAC from the ARP table) */
	if (l->ap)
		peer_station(f, l);
	/* signal and rates from the station entry; BSSID and SSID from the scan when the interface lacks them */
	nl80211_ask(sk, family, NL80211_CMD_GET_STATION, 1, f->ifindex, l, &e);
	nl80211_ask(sk, family, NL80211_CMD_GET_SCAN, 1, f->ifindex, l, &e);
	if (first && !l->has_ssid && !l->has_signal && !l->assoc_seen)
		why(f, UB_WIFI_NOT_CONNECTED, "%s is wireless, but not joined to a network", f->iface);
out:
	if (f->why == UB_WIFI_OK && !l->has_signal && proc_signal(f->iface, &l->signal_dbm) == 0)
		l->has_signal = 1;
	nl_socket_free(sk);
}

/* The interface the route to peer leaves through: 0 with f->iface and f->ifindex set, or -1 with f's reason. */
static int egress(const struct ub_addr *peer, struct ub_wifi_facts *f)
{
	uint8_t dst[16];
	char host[64];
	int family = peer_dst(peer, dst, &f->ifindex);

	ub_net_host_str(peer, host, sizeof(host));
	if (family < 0) {
		why(f, UB_WIFI_NO_ROUTE, "no route to %s", host);
		return -1;
	}
	if (f->ifindex == 0)
		f->ifindex = route_lookup(family, dst);
	if (f->ifindex <= 0 || !if_indextoname((unsigned)f->ifindex, f->iface)) {
		f->iface[0] = '\0';
		why(f, UB_WIFI_NO_ROUTE, "no route to %s", host);
		return -1;
	}
	return 0;
}
#else
/*
 * The board build has no libnl: the interface that holds the source
 * address the kernel picks for peer (a connected UDP socket's own
 * address), and the signal from /proc/net/wireless.
 */
static int egress(const struct ub_addr *peer, struct ub_wifi_facts *f)
{
	struct sockaddr_storage me;
	socklen_t ml = sizeof(me);
	struct ifaddrs *ifa = NULL, *i;
	int fd = socket(peer->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0), found = -1;

	if (fd < 0 || connect(fd, (const struct sockaddr *)&peer->ss, peer->len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&me, &ml) < 0 || getifaddrs(&ifa) < 0)
		goto out;
	/* a dual-stack socket's IPv4 peer: our address is IPv4 too, written mapped */
	if (me.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)(void *)&me)->sin6_addr)) {
		struct sockaddr_in v4;

		memset(&v4, 0, sizeof(v4));
		v4.sin_family = AF_INET;
		memcpy(&v4.sin_addr, ((struct sockaddr_in6 *)(void *)&me)->sin6_addr.s6_addr + 12, 4);
		memcpy(&me, &v4, sizeof(v4));
	}
	for (i = ifa; i && found < 0; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != me.ss_family)
			continue;
		if ((me.ss_family == AF_INET &&
		     memcmp(&((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr,
			    &((struct sockaddr_in *)(void *)&me)->sin_addr, 4) == 0) ||
		    (me.ss_family == AF_INET6 &&
		     memcmp(&((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr,
			    &((struct sockaddr_in6 *)(void *)&me)->sin6_addr, 16) == 0)) {
			snprintf(f->iface, sizeof(f->iface), "%s", i->ifa_name);
			f->ifindex = (int)if_nametoindex(i->ifa_name);
			found = 0;
		}
	}
out:
	if (ifa)
		freeifaddrs(ifa);
	if (fd >= 0)
		close(fd);
	if (found < 0)
		why(f, UB_WIFI_NO_ROUTE, "%s", "no route to the peer");
	return found;
}

static void read_link(struct ub_wifi_facts *f, struct ub_wifi_link *l, int first)
{
	memset(l, 0, sizeof(*l));
	if (proc_signal(f->iface, &l->signal_dbm) == 0) {
		l->has_signal = 1;
		return;
	}
	if (!first)
		return;
	if (sysfs_wireless(f->iface))
		why(f, UB_WIFI_UNAVAILABLE, "%s is wireless; this build reads only its signal, and none was there",
		    f->iface);
	else
		why(f, UB_WIFI_WIRED, "%s is not a wireless interface", f->iface);
}
#endif

int ub_wifi_probe(const struct ub_addr *peer, struct ub_wifi_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->peer = *peer;
	if (egress(peer, f) < 0)
		return 1;
	if (is_loopback(f->iface)) {
		why(f, UB_WIFI_LOOPBACK, "%s is the loopback interface: the route stays on this host",
		    f->iface);
		return 1;
	}
	read_link(f, &f->start, 1);
	return f->why == UB_WIFI_OK ? 0 : 1;
}

void ub_wifi_probe_end(struct ub_wifi_facts *f)
{
	if (f->why != UB_WIFI_OK)
		return;
	read_link(f, &f->end, 0);
	f->has_end = 1;
}

int ub_wifi_signal_towards(const struct ub_addr *peer, int *dbm)
{
	struct ub_wifi_facts f;

	if (ub_wifi_probe(peer, &f) != 0 || !f.start.has_signal || f.start.signal_dbm < -150 ||
	    f.start.signal_dbm > 0)
		return -1;
	*dbm = f.start.signal_dbm;
	return 0;
}
