#include "capture/capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "capture/pcaplib.h"

#define UB_FILTER_MAX 8192

struct ub_capture {
	const struct ub_pcaplib *L;
	pcap_t *p;
	pcap_dumper_t *dump;
	char *path;
	char iface[IF_NAMESIZE + 8];
	int linktype;
	int nano;
	uint64_t written;
	int write_err;
	ub_capture_fn fn;
	void *ctx;
};

void ub_capture_config_init(struct ub_capture_config *c)
{
	memset(c, 0, sizeof(*c));
	c->snaplen = 256;
}

static int is_loopback(const struct ub_addr *a)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;

	if (a->ss.ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr) >> 24) == 127;
	if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
		return 1;
	return IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && s6->sin6_addr.s6_addr[12] == 127;
}

/* The interface whose address the kernel would send from to reach peer. */
static int route_iface(const struct ub_addr *peer, char *name, size_t len)
{
	struct ub_addr local;
	struct ifaddrs *ifs = NULL, *i;
	int fd, found = 0;

	if (is_loopback(peer)) {
		snprintf(name, len, "lo");
		return 0;
	}
	fd = socket(peer->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	local.len = sizeof(local.ss);
	if (connect(fd, (const struct sockaddr *)&peer->ss, peer->len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&local.ss, &local.len) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	if (getifaddrs(&ifs) < 0)
		return -1;
	for (i = ifs; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != local.ss.ss_family)
			continue;
		if (local.ss.ss_family == AF_INET)
			found = memcmp(&((struct sockaddr_in *)i->ifa_addr)->sin_addr,
				       &((struct sockaddr_in *)&local.ss)->sin_addr, 4) == 0;
		else
			found = memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
				       &((struct sockaddr_in6 *)&local.ss)->sin6_addr, 16) == 0;
		if (found)
			snprintf(name, len, "%s", i->ifa_name);
	}
	freeifaddrs(ifs);
	return found ? 0 : -1;
}

/* One interface for every peer, or "any" when they are reached through several. */
static void choose_iface(const struct ub_addr *peers, unsigned n, char *name, size_t len)
{
	char one[IF_NAMESIZE + 8];
	unsigned k;

	name[0] = '\0';
	for (k = 0; k < n; k++) {
		if (route_iface(&peers[k], one, sizeof(one)) < 0 ||
		    (name[0] && strcmp(name, one) != 0)) {
			snprintf(name, len, "any");
			return;
		}
		snprintf(name, len, "%s", one);
	}
	if (!name[0])
		snprintf(name, len, "any");
}

/* "udp and ((host A and port P) or ...)": only this run's packets reach the file. */
static int build_filter(const struct ub_addr *peers, unsigned n, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	size_t off;
	unsigned k;
	int w;

	off = (size_t)snprintf(buf, len, "udp and (");
	for (k = 0; k < n && off < len; k++) {
		ub_net_host_str(&peers[k], host, sizeof(host));
		w = snprintf(buf + off, len - off, "%s(host %s and port %d)", k ? " or " : "", host,
			     ub_net_addr_port(&peers[k]));
		if (w < 0)
			return -1;
		off += (size_t)w;
	}
	if (off + 2 > len)
		return -1;
	snprintf(buf + off, len - off, ")");
	return 0;
}

struct ub_capture *ub_capture_open(const struct ub_capture_config *c, const struct ub_addr *peers,
				   unsigned n, struct ub_err *e)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "", filter[UB_FILTER_MAX];
	struct bpf_program prog;
	struct ub_capture *cap;
	int rc;

	cap = calloc(1, sizeof(*cap));
	if (!cap || !(cap->path = strdup(c->path))) {
		free(cap);
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	cap->L = ub_pcaplib(e);
	if (!cap->L) {
		free(cap->path);
		free(cap);
		return NULL;
	}
	if (c->iface)
		snprintf(cap->iface, sizeof(cap->iface), "%s", c->iface);
	else
		choose_iface(peers, n, cap->iface, sizeof(cap->iface));
	cap->p = cap->L->create(cap->iface, errbuf);
	if (!cap->p) {
		ub_err_set(e, UB_E_INVAL, 0, "cannot capture on %s: %s", cap->iface, errbuf);
		goto fail;
	}
	cap->L->set_snaplen(cap->p, c->snaplen);
	cap->L->set_promisc(cap->p, 0);
	/* Packets as they pass, not in batches: the sender matches them while it runs. */
	cap->L->set_immediate_mode(cap->p, 1);
	cap->L->set_buffer_size(cap->p, 8 << 20);
	cap->nano = cap->L->set_tstamp_precision(cap->p, PCAP_TSTAMP_PRECISION_NANO) == 0;
	rc = cap->L->activate(cap->p);
	if (rc == PCAP_ERROR_PERM_DENIED || rc == PCAP_ERROR_PROMISC_PERM_DENIED) {
		ub_err_set(e, UB_E_PERM, 0,
			   "capturing needs root or CAP_NET_RAW: run as root or "
			   "setcap cap_net_raw+ep ./udpbench");
		goto fail;
	}
	if (rc == PCAP_ERROR_NO_SUCH_DEVICE) {
		ub_err_set(e, UB_E_INVAL, 0, "--iface: no interface '%s'", cap->iface);
		goto fail;
	}
	if (rc < 0) {
		ub_err_set(e, UB_E_SYS, 0, "cannot capture on %s: %s", cap->iface,
			   cap->L->geterr(cap->p));
		goto fail;
	}
	cap->linktype = cap->L->datalink(cap->p);
	if (build_filter(peers, n, filter, sizeof(filter)) < 0 ||
	    cap->L->compile(cap->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		ub_err_set(e, UB_E_SYS, 0, "capture filter: %s", cap->L->geterr(cap->p));
		goto fail;
	}
	rc = cap->L->setfilter(cap->p, &prog);
	cap->L->freecode(&prog);
	if (rc < 0 || cap->L->setnonblock(cap->p, 1, errbuf) < 0) {
		ub_err_set(e, UB_E_SYS, 0, "capture setup: %s", cap->L->geterr(cap->p));
		goto fail;
	}
	cap->dump = cap->L->dump_open(cap->p, cap->path);
	if (!cap->dump) {
		ub_err_set(e, UB_E_IO, 0, "cannot write %s: %s", cap->path, cap->L->geterr(cap->p));
		goto fail;
	}
	/* The file header goes out now: even a run killed at once leaves a valid capture. */
	cap->L->dump_flush(cap->dump);
	return cap;
fail:
	if (cap->p)
		cap->L->close(cap->p);
	free(cap->path);
	free(cap);
	return NULL;
}

int ub_capture_fd(const struct ub_capture *cap)
{
	return cap->L->get_selectable_fd(cap->p);
}

const char *ub_capture_iface(const struct ub_capture *cap)
{
	return cap->iface;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct ub_capture *cap = (struct ub_capture *)user;
	struct ub_udp_view v;
	int64_t ts;

	cap->L->dump((u_char *)cap->dump, h, bytes);
	cap->written++;
	if (!cap->fn || ub_decode_udp(cap->linktype, bytes, h->caplen, &v) != 1)
		return;
	ts = (int64_t)h->ts.tv_sec * UB_NS_PER_S +
	     (int64_t)h->ts.tv_usec * (cap->nano ? 1 : 1000);
	cap->fn(cap->ctx, &v, ts);
}

int ub_capture_dispatch(struct ub_capture *cap, ub_capture_fn fn, void *ctx, struct ub_err *e)
{
	int n;

	cap->fn = fn;
	cap->ctx = ctx;
	n = cap->L->dispatch(cap->p, -1, on_packet, (u_char *)cap);
	if (n == PCAP_ERROR)
		return ub_err_set(e, UB_E_SYS, 0, "capture: %s", cap->L->geterr(cap->p));
	return n < 0 ? 0 : n;
}

void ub_capture_flush(struct ub_capture *cap)
{
	if (cap && cap->L->dump_flush(cap->dump) < 0 && !cap->write_err)
		cap->write_err = errno ? errno : EIO;
}

void ub_capture_stats(struct ub_capture *cap, struct ub_capture_stats *st)
{
	struct pcap_stat ps;

	memset(st, 0, sizeof(*st));
	if (cap->L->stats(cap->p, &ps) == 0) {
		st->received = ps.ps_recv;
		st->dropped = ps.ps_drop;
		st->if_dropped = ps.ps_ifdrop;
	}
	st->written = cap->written;
}

int ub_capture_close(struct ub_capture *cap, struct ub_err *e)
{
	int rc = 0, err;

	if (!cap)
		return 0;
	ub_capture_flush(cap);
	err = cap->write_err;
	if (!err && ferror(cap->L->dump_file(cap->dump)))
		err = EIO;
	cap->L->dump_close(cap->dump);
	cap->L->close(cap->p);
	if (err)
		rc = ub_err_set(e, UB_E_IO, err, "writing %s", cap->path);
	free(cap->path);
	free(cap);
	return rc;
}
