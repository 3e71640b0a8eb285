#include "relay/pktlink.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/lru.h"
#include "lib/net.h"
#include "lib/units.h"
#include "relay/relayq.h"
#include "relay/truth.h"

#define LINK_BATCH 32
#define LINK_RECV_ROUNDS 8        /* batches per port per turn: neither port starves the other */
#define LINK_TICK_NS UB_NS_PER_S  /* longest wait: the stop flags are checked */
#define LINK_IDLE_NS UB_NS_PER_S  /* a flow this silent with nothing in flight may make room */

/*
 * Ethernet, then IPv4 (RFC 791 §3.1) or IPv6 (RFC 8200 §3), then the ports
 * of UDP (RFC 768) or TCP (RFC 9293 §3.1) in the first 4 bytes after the IP
 * header. These are the only offsets this file knows.
 */
#define ETH_HDR 14
#define ETH_TYPE 12
#define ETHERTYPE_V4 0x0800
#define ETHERTYPE_V6 0x86DD
#define V4_HDR_MIN 20
#define V4_TOTLEN 2
#define V4_FRAG 6
#define V4_PROTO 9
#define V4_SRC 12
#define V4_DST 16
#define V6_HDR 40
#define V6_PLEN 4
#define V6_NEXT 6
#define V6_SRC 8
#define V6_DST 24
#define UDP_HDR 8
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58
#define ND_FIRST 133 /* router solicitation .. redirect (RFC 4861 §4) */
#define ND_LAST 137

/* One flow: both directions of (protocol, addresses, ports). */
struct lflow {
	struct ub_relayq_flow q;
	struct ub_impair *model[2];
	uint32_t index;
	uint64_t arrivals[2];
	int64_t last_ns;
	int used;
};

/* What parse() found in a frame. */
struct view {
	uint8_t key[UB_LRU_KEY_MAX];
	size_t klen;
	size_t num_off; /* where the truth log reads a number: the UDP payload, else the end */
	size_t wire;    /* the IP packet's length */
};

struct ub_pktlink {
	struct ub_relay_config cfg;
	int port[2];           /* [0] faces the sender: arrivals there go up; [1] the reflector */
	char name[2][IF_NAMESIZE + 1];
	uint64_t seed;
	int64_t t0;

	struct ub_lru *lru;    /* flow key -> slot in flows */
	struct lflow *flows;   /* UB_PKTLINK_FLOWS_MAX of them */
	struct lflow overflow; /* for packets no slot could take */
	uint32_t nflows;
	uint64_t evicted;
	struct ub_pktlink_counters c;

	struct ub_impair_link *wire[2]; /* --rate: each direction's one bottleneck, every flow in it */
	struct ub_relayq *q;
	struct ub_truth *truth;
	uint8_t *rxbuf;
	struct ub_pkt rx[LINK_BATCH];
};

static int64_t link_now(const struct ub_pktlink *l)
{
	return l->cfg.clock ? l->cfg.clock(l->cfg.clock_ctx) : ub_clock_mono();
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* FNV-1a over n bytes, continuing from h: IPv6 addresses folded into a key that fits. */
static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * Reads frame f[0..len) that arrived going dir. Returns 1 for an IP packet
 * the engine carries (v filled, the key the same for both directions), 0
 * for a frame to pass at once, -1 for one cut short.
 */
static int parse(const uint8_t *f, size_t len, enum ub_dir dir, struct view *v)
{
	const uint8_t *ip = f + ETH_HDR, *a, *b, *l4;
	size_t iplen, hl, tot, alen;
	unsigned type, proto;
	int frag = 0;
	uint64_t h;

	if (len < ETH_HDR)
		return -1;
	type = get16(f + ETH_TYPE);
	iplen = len - ETH_HDR;
	if (type == ETHERTYPE_V4) {
		if (iplen < V4_HDR_MIN || ip[0] >> 4 != 4)
			return -1;
		hl = (size_t)(ip[0] & 15) * 4;
		tot = get16(ip + V4_TOTLEN);
		if (hl < V4_HDR_MIN || tot < hl || tot > iplen)
			return -1;
		proto = ip[V4_PROTO];
		frag = (get16(ip + V4_FRAG) & 0x1fff) != 0;
		a = ip + V4_SRC;
		b = ip + V4_DST;
		alen = 4;
	} else if (type == ETHERTYPE_V6) {
		if (iplen < V6_HDR || ip[0] >> 4 != 6)
			return -1;
		hl = V6_HDR;
		tot = V6_HDR + (size_t)get16(ip + V6_PLEN);
		if (tot > iplen)
			return -1;
		proto = ip[V6_NEXT];
		if (proto == PROTO_ICMPV6 && tot > hl && ip[hl] >= ND_FIRST && ip[hl] <= ND_LAST)
			return 0;
		a = ip + V6_SRC;
		b = ip + V6_DST;
		alen = 16;
	} else {
		return 0;
	}
	if (dir == UB_DIR_DOWN) {
		const uint8_t *t = a;

		a = b;
		b = t;
	}
	l4 = ip + hl;
	memset(v, 0, sizeof(*v));
	v->key[0] = (uint8_t)(alen == 4 ? 4 : 6);
	v->key[1] = (uint8_t)proto;
	if (alen == 4) {
		memcpy(v->key + 2, a, 4);
		memcpy(v->key + 6, b, 4);
	} else {
		h = fnv(fnv(0xcbf29ce484222325ULL, a, 16), b, 16);
		memcpy(v->key + 2, &h, 8);
	}
	v->klen = 14;
	if ((proto == PROTO_UDP || proto == PROTO_TCP) && !frag && tot - hl >= 4) {
		/* The sender's port first, whichever way the packet goes. */
		memcpy(v->key + 10, dir == UB_DIR_UP ? l4 : l4 + 2, 2);
		memcpy(v->key + 12, dir == UB_DIR_UP ? l4 + 2 : l4, 2);
	}
	v->wire = tot;
	v->num_off = proto == PROTO_UDP && !frag && tot - hl >= UDP_HDR ? ETH_HDR + hl + UDP_HDR : len;
	return 1;
}

/* ---- flows -------------------------------------------------------------- */

static void flow_clear(struct lflow *f)
{
	int d;

	if (!f->used)
		return;
	for (d = 0; d < 2; d++) {
		ub_impair_free(f->model[d]);
		ub_truth_order_free(f->q.out_order[d]);
	}
	memset(f, 0, sizeof(*f));
}

/* Makes f the next flow; returns 0 or -1 when out of memory. */
static int flow_init(struct ub_pktlink *l, struct lflow *f)
{
	int d;

	memset(f, 0, sizeof(*f));
	f->used = 1;
	f->index = l->nflows;
	f->q.fd[UB_DIR_UP] = l->port[1];
	f->q.fd[UB_DIR_DOWN] = l->port[0];
	for (d = 0; d < 2; d++) {
		f->model[d] = ub_impair_new(d == UB_DIR_UP ? &l->cfg.up : &l->cfg.down, l->seed,
					    f->index, (enum ub_dir)d);
		f->q.out_order[d] = ub_truth_order_new();
		if (!f->model[d] || !f->q.out_order[d]) {
			flow_clear(f);
			return -1;
		}
		ub_impair_share(f->model[d], l->wire[d]);
	}
	l->nflows++;
	l->c.flows++;
	return 0;
}

/* The flow of key, made on its first packet; the overflow flow when no slot can be had. */
static struct lflow *flow_get(struct ub_pktlink *l, const struct view *v, int64_t now)
{
	struct lflow *f;
	int slot;

	slot = ub_lru_find(l->lru, v->key, v->klen);
	if (slot >= 0)
		return &l->flows[slot];
	slot = ub_lru_add(l->lru, v->key, v->klen);
	if (slot < 0) {
		int old = ub_lru_oldest(l->lru);

		/* Only a silent flow with nothing in flight makes room: busy ones keep their fate. */
		if (old >= 0 && l->flows[old].q.inflight == 0 &&
		    now - l->flows[old].last_ns >= LINK_IDLE_NS) {
			flow_clear(&l->flows[old]);
			ub_lru_remove(l->lru, old);
			l->evicted++;
			slot = ub_lru_add(l->lru, v->key, v->klen);
		}
	}
	if (slot < 0) {
		f = &l->overflow;
		if (!f->used && flow_init(l, f) < 0)
			return NULL;
		l->c.overflowed++;
		return f;
	}
	f = &l->flows[slot];
	if (flow_init(l, f) < 0) {
		ub_lru_remove(l->lru, slot);
		return NULL;
	}
	return f;
}

/* ---- carrying ----------------------------------------------------------- */

/* Whether p is a copy of a frame this host sent (an AF_PACKET socket sees its own). */
static int outgoing(const struct ub_pkt *p)
{
	const struct sockaddr_ll *sll = (const struct sockaddr_ll *)&p->peer.ss;

	return p->peer.len >= sizeof(*sll) && sll->sll_family == AF_PACKET &&
	       sll->sll_pkttype == PACKET_OUTGOING;
}

static void carry(struct ub_pktlink *l, enum ub_dir dir, const struct ub_pkt *p)
{
	struct view v;
	struct lflow *f;
	int64_t at = l->cfg.clock ? link_now(l) : p->rx_mono_ns;
	int k;

	if (outgoing(p))
		return;
	k = p->truncated ? -1 : parse(p->buf, p->len, dir, &v);
	if (k < 0) {
		l->c.malformed++;
		return;
	}
	if (k == 0) {
		/* ARP and neighbour discovery: the link is there at once, and says nothing. */
		l->c.passed++;
		if (send(l->port[dir == UB_DIR_UP ? 1 : 0], p->buf, p->len, MSG_DONTWAIT) < 0)
			l->c.send_errors++;
		return;
	}
	f = flow_get(l, &v, at);
	if (!f) {
		l->c.malformed++;
		return;
	}
	f->last_ns = at;
	{
		struct ub_relayq_arrival a = {
			.flow = &f->q,
			.model = f->model[dir],
			.cfg = dir == UB_DIR_UP ? &l->cfg.up : &l->cfg.down,
			.index = f->index,
			.dir = dir,
			.idx = ++f->arrivals[dir],
			.buf = p->buf,
			.len = p->len,
			.num_off = v.num_off,
			.wire = v.wire,
			.at = at,
			.t_ns = at - l->t0,
		};

		ub_relayq_admit(l->q, &a);
	}
}

static int recv_port(struct ub_pktlink *l, enum ub_dir dir, struct ub_err *e)
{
	int round, n, i;

	for (round = 0; round < LINK_RECV_ROUNDS; round++) {
		n = ub_net_recv(l->port[dir == UB_DIR_UP ? 0 : 1], l->rx, LINK_BATCH, e);
		if (n < 0)
			return ub_net_soft_error(e->sys_errno) ? 0 : n;
		for (i = 0; i < n; i++)
			carry(l, dir, &l->rx[i]);
		if (n < LINK_BATCH)
			break;
	}
	return 0;
}

int ub_pktlink_turn(struct ub_pktlink *l, int64_t max_wait_ns, struct ub_err *e)
{
	struct pollfd pfd[2] = { { .fd = l->port[0], .events = POLLIN },
				 { .fd = l->port[1], .events = POLLIN } };
	struct timespec ts;
	int64_t now, wait;
	int rc, d;

	now = link_now(l);
	ub_relayq_emit_due(l->q, now);
	wait = ub_relayq_wait(l->q, now, LINK_TICK_NS, max_wait_ns);
	ts = ub_clock_ns_to_ts(wait);
	rc = ppoll(pfd, 2, &ts, NULL);
	if (rc < 0)
		return errno == EINTR ? 0 : ub_err_set(e, UB_E_SYS, errno, "poll");
	for (d = 0; d < 2 && rc > 0; d++) {
		if (pfd[d].revents & (POLLERR | POLLNVAL))
			return ub_err_set(e, UB_E_SYS, 0, "packet port %s failed", l->name[d]);
		if (pfd[d].revents && (rc = recv_port(l, d == 0 ? UB_DIR_UP : UB_DIR_DOWN, e)) < 0)
			return rc;
		rc = 1;
	}
	ub_relayq_emit_due(l->q, link_now(l));
	return 0;
}

/* ---- ports -------------------------------------------------------------- */

int ub_pktlink_plain_offloads(const char *ifname, struct ub_err *e)
{
	static const uint32_t off[] = { ETHTOOL_SGRO, ETHTOOL_SGSO, ETHTOOL_STSO, ETHTOOL_SSG,
					ETHTOOL_STXCSUM };
	struct ethtool_value ev;
	struct ifreq ifr;
	unsigned i;
	int fd, rc = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ub_err_set(e, UB_E_SYS, errno, "socket for %s's offloads", ifname);
	for (i = 0; i < sizeof(off) / sizeof(off[0]) && rc == 0; i++) {
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		ev.cmd = off[i];
		ev.data = 0;
		ifr.ifr_data = (char *)&ev;
		/* A device without the feature has nothing to turn off. */
		if (ioctl(fd, SIOCETHTOOL, &ifr) < 0 && errno != EOPNOTSUPP)
			rc = ub_err_set(e, UB_E_SYS, errno, "cannot turn off the offloads of %s", ifname);
	}
	close(fd);
	return rc;
}

/* An AF_PACKET socket that reads and writes every frame of ifname. */
static int open_port(const char *ifname, struct ub_err *e)
{
	struct sockaddr_ll sll;
	struct packet_mreq mr;
	unsigned idx = if_nametoindex(ifname);
	int fd, one = 1, buf = 4 << 20;

	if (!idx)
		return ub_err_set(e, UB_E_INVAL, errno, "--between: no interface %s here", ifname);
	if (ub_pktlink_plain_offloads(ifname, e) < 0)
		return e->code;
	/* Protocol 0 until bound: no frame of another interface slips in. */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ub_err_set(e, UB_E_SYS, errno,
				  "--between: cannot open a packet socket on %s (needs CAP_NET_RAW here)",
				  ifname);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		ub_err_set(e, UB_E_SYS, errno, "--between: cannot bind to %s", ifname);
		close(fd);
		return e->code;
	}
	/* Frames for the far side's address, not only ours; never our own output. */
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = (int)idx;
	mr.mr_type = PACKET_MR_PROMISC;
	setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr));
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	return fd;
}

static int open_ports(struct ub_pktlink *l, struct ub_err *e)
{
	const char *comma = strchr(l->cfg.between, ',');
	size_t n = comma ? (size_t)(comma - l->cfg.between) : 0;
	int d, fd;

	if (!comma || n == 0 || n > IF_NAMESIZE - 1 || !comma[1] ||
	    strlen(comma + 1) > IF_NAMESIZE - 1 || strchr(comma + 1, ','))
		return ub_err_set(e, UB_E_INVAL, 0,
				  "--between: give two interfaces as IFACE_A,IFACE_B, not \"%s\"",
				  l->cfg.between);
	memcpy(l->name[0], l->cfg.between, n);
	snprintf(l->name[1], sizeof(l->name[1]), "%s", comma + 1);
	if (strcmp(l->name[0], l->name[1]) == 0)
		return ub_err_set(e, UB_E_INVAL, 0, "--between: two different interfaces, please");
	for (d = 0; d < 2; d++) {
		fd = open_port(l->name[d], e);
		if (fd < 0)
			return fd;
		l->port[d] = fd;
	}
	return 0;
}

/* ---- public ------------------------------------------------------------- */

struct ub_pktlink *ub_pktlink_new(const struct ub_relay_config *c, struct ub_err *e)
{
	struct ub_relayq_config qc;
	struct ub_truth_config tc;
	struct ub_pktlink *l;
	int i;

	l = calloc(1, sizeof(*l));
	if (!l) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		if (c->have_ports) {
			close(c->ports[0]);
			close(c->ports[1]);
		}
		return NULL;
	}
	l->cfg = *c;
	l->port[0] = l->port[1] = -1;
	if (c->have_ports) {
		l->port[0] = c->ports[0];
		l->port[1] = c->ports[1];
		snprintf(l->name[0], sizeof(l->name[0]), "port0");
		snprintf(l->name[1], sizeof(l->name[1]), "port1");
	} else if (!c->between || open_ports(l, e) < 0) {
		if (!c->between)
			ub_err_set(e, UB_E_INVAL, 0, "--between: give two interfaces as IFACE_A,IFACE_B");
		goto fail;
	}
	if (!l->cfg.log)
		l->cfg.quiet = 1;
	l->seed = c->seed_set ? c->seed : ub_relay_random_seed();
	ub_truth_config_init(&tc);
	tc.max_events = c->max_events;
	l->truth = ub_truth_new(&tc, e);
	if (!l->truth)
		goto fail;
	ub_relayq_config_init(&qc);
	qc.hold_max_ns = c->hold_max_ns;
	qc.truth = l->truth;
	l->q = ub_relayq_new(&qc, e);
	if (!l->q)
		goto fail;
	for (i = 0; i < 2; i++) {
		const struct ub_impair_config *ic = i == UB_DIR_UP ? &c->up : &c->down;

		l->wire[i] = ub_impair_link_new(ic);
		if (ic->rate_bps && !l->wire[i]) {
			ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
			goto fail;
		}
	}
	l->lru = ub_lru_new(UB_PKTLINK_FLOWS_MAX, ub_lru_random_seed(), e);
	l->flows = calloc(UB_PKTLINK_FLOWS_MAX, sizeof(*l->flows));
	l->rxbuf = malloc((size_t)LINK_BATCH * UB_PKTLINK_FRAME_MAX);
	if (!l->lru || !l->flows || !l->rxbuf) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		goto fail;
	}
	for (i = 0; i < LINK_BATCH; i++) {
		l->rx[i].buf = l->rxbuf + (size_t)i * UB_PKTLINK_FRAME_MAX;
		l->rx[i].cap = UB_PKTLINK_FRAME_MAX;
	}
	l->t0 = link_now(l);
	if (!l->cfg.quiet) {
		fprintf(l->cfg.log, "udpbench relay carrying every packet between %s and %s, seed %llu\n",
			l->name[0], l->name[1], (unsigned long long)l->seed);
		fflush(l->cfg.log);
	}
	return l;
fail:
	ub_pktlink_free(l);
	return NULL;
}

void ub_pktlink_free(struct ub_pktlink *l)
{
	uint32_t i;
	int d;

	if (!l)
		return;
	/* The queue first: its packets point at the flows. */
	ub_relayq_free(l->q);
	if (l->flows)
		for (i = 0; i < UB_PKTLINK_FLOWS_MAX; i++)
			flow_clear(&l->flows[i]);
	flow_clear(&l->overflow);
	free(l->flows);
	ub_lru_free(l->lru);
	ub_truth_free(l->truth);
	free(l->rxbuf);
	for (d = 0; d < 2; d++) {
		ub_impair_link_free(l->wire[d]);
		if (l->port[d] >= 0)
			close(l->port[d]);
	}
	free(l);
}

uint64_t ub_pktlink_seed(const struct ub_pktlink *l)
{
	return l->seed;
}

void ub_pktlink_counters(const struct ub_pktlink *l, struct ub_truth_dir_counters dir[2],
			 struct ub_pktlink_counters *out)
{
	int d;

	for (d = 0; d < 2; d++)
		ub_truth_counters(l->truth, (enum ub_dir)d, &dir[d]);
	*out = l->c;
}

void ub_pktlink_print_counters(const struct ub_pktlink *l, FILE *f)
{
	ub_truth_print_counters(l->truth, f);
	fprintf(f, "udpbench relay: flows %llu (evicted %llu, overflowed %llu), passed %llu, malformed %llu\n",
		(unsigned long long)l->c.flows, (unsigned long long)l->evicted,
		(unsigned long long)l->c.overflowed, (unsigned long long)l->c.passed,
		(unsigned long long)l->c.malformed);
	fflush(f);
}

int ub_pktlink_write_truth(const struct ub_pktlink *l, const char *path, struct ub_err *e)
{
	struct ub_truth_header h = {
		.seed = l->seed,
		.listen_name = l->name[0],
		.target_name = l->name[1],
		.elapsed_ns = link_now(l) - l->t0,
		.up = &l->cfg.up,
		.down = &l->cfg.down,
		.pending = { ub_relayq_pending_dir(l->q, UB_DIR_UP),
			     ub_relayq_pending_dir(l->q, UB_DIR_DOWN) },
		.flows = l->c.flows,
		.max_flows = UB_PKTLINK_FLOWS_MAX,
		.flows_evicted = l->evicted,
		.unrouted = l->c.malformed,
	};

	return ub_truth_write(l->truth, &h, path, e);
}
