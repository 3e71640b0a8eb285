/*
 * Datagram I/O on Linux: recvmmsg/sendmmsg with a one-packet fallback, UDP
 * GSO trains, kernel receive and send stamps (SO_TIMESTAMPNS,
 * SO_TIMESTAMPING), the arriving TTL and local address, the error queue.
 */
#include "lib/net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <netinet/udp.h>
#include <linux/net_tstamp.h>

#include "lib/clock.h"

#define UB_BATCH_MAX 64
#define UB_GSO_SEGS_MAX 64     /* the kernel's UDP_MAX_SEGMENTS */
#define UB_GSO_BYTES_MAX 65000 /* one train fits in one UDP datagram of the stack */
/* Room for both kinds of timestamp, a TTL and both kinds of pktinfo. */
#define UB_CMSG_SPACE                                                                    \
	(CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(struct scm_timestamping)) + \
	 2 * CMSG_SPACE(sizeof(int)) +                                                   \
	 CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo)))

int ub_net_udp_socket(int family, struct ub_err *e)
{
	int fd, one = 1;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ub_err_set(e, UB_E_SYS, errno, "socket");
	/* Best effort: each only adds metadata; a kernel without one still works. */
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	if (family == AF_INET6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	}
	return fd;
}

void ub_net_report_drops(int fd, int family)
{
	int one = 1;

	setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one));
}

int ub_net_enable_tx_stamps(int fd)
{
	/*
	 * TX_SCHED: stamped as the datagram enters the interface's queue. The
	 * driver's stamp (TX_SOFTWARE) comes after that queue, so a shaper or a
	 * full uplink on this host would wait outside the round trip it measures.
	 */
	int flags = SOF_TIMESTAMPING_TX_SCHED | SOF_TIMESTAMPING_RX_SOFTWARE |
		    SOF_TIMESTAMPING_SOFTWARE | SOF_TIMESTAMPING_OPT_ID |
		    SOF_TIMESTAMPING_OPT_TSONLY;

	return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) == 0;
}

#ifndef SOF_TIMESTAMPING_OPT_ID_TCP
#define SOF_TIMESTAMPING_OPT_ID_TCP (1 << 16)
#endif

int ub_net_enable_stream_stamps(int fd, int connected)
{
	int rx = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
	int flags = rx | SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_OPT_ID |
		    SOF_TIMESTAMPING_OPT_TSONLY;
	int with_tcp = flags | SOF_TIMESTAMPING_OPT_ID_TCP;

	if (!connected)
		return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &rx, sizeof(rx)) == 0;

	/*
	 * OPT_ID_TCP (Linux 6.2) counts from the next byte written rather than
	 * the first unacknowledged one; on a connection with nothing sent yet
	 * the two agree, so an older kernel's plain OPT_ID does as well.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &with_tcp, sizeof(with_tcp)) == 0)
		return 1;
	return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof(flags)) == 0;
}

/* Reads one error-queue message: a send stamp, an ICMP error, or neither (returns 0). */
static int parse_errqueue(struct msghdr *mh, struct ub_errq *out)
{
	struct sock_extended_err ee;
	struct scm_timestamping st;
	struct cmsghdr *c;
	int have_ts = 0, have_id = 0;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING) {
			memcpy(&st, CMSG_DATA(c), sizeof(st));
			have_ts = st.ts[0].tv_sec || st.ts[0].tv_nsec;
		} else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
			   (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
			have_id = 1;
		}
	}
	if (!have_id)
		return 0;
	if (ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6) {
		/* With IP_RECVERR the ICMP error comes here, and reading it clears the socket's. */
		out->icmp_errno = (int)ee.ee_errno;
		return 1;
	}
	/* a socket asks for one kind: datagrams at the queue, streams at the driver */
	if (!have_ts || ee.ee_origin != SO_EE_ORIGIN_TIMESTAMPING ||
	    (ee.ee_info != SCM_TSTAMP_SCHED && ee.ee_info != SCM_TSTAMP_SND))
		return 0;
	out->icmp_errno = 0;
	out->id = ee.ee_data;
	out->real_ns = ub_clock_ts_to_ns(&st.ts[0]);
	return 1;
}

int ub_net_errqueue(int fd, struct ub_errq *out, int n)
{
	struct mmsghdr mm[UB_BATCH_MAX];
	union {
		/* Both kinds of stamp, the error with its offender's address, the pktinfo. */
		char buf[UB_CMSG_SPACE + CMSG_SPACE(sizeof(struct sock_extended_err) +
						    sizeof(struct sockaddr_in6))];
		struct cmsghdr align;
	} ctl[UB_BATCH_MAX];
	/* An ICMP error carries the offending datagram's headers: room for them, discarded. */
	uint8_t junk[UB_BATCH_MAX][128];
	struct iovec iov[UB_BATCH_MAX];
	int i, got, k = 0;

	if (n > UB_BATCH_MAX)
		n = UB_BATCH_MAX;
	/* Until something is parsed or the queue is empty: other messages are skipped. */
	do {
		for (i = 0; i < n; i++) {
			memset(&mm[i], 0, sizeof(mm[i]));
			mm[i].msg_hdr.msg_control = ctl[i].buf;
			mm[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
			iov[i].iov_base = junk[i];
			iov[i].iov_len = sizeof(junk[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		got = recvmmsg(fd, mm, (unsigned)n, MSG_ERRQUEUE | MSG_DONTWAIT, NULL);
		if (got < 0 && errno == ENOSYS) {
			ssize_t r = recvmsg(fd, &mm[0].msg_hdr, MSG_ERRQUEUE | MSG_DONTWAIT);
			got = r < 0 ? -1 : 1;
		}
		for (i = 0; i < got; i++)
			k += parse_errqueue(&mm[i].msg_hdr, &out[k]);
	} while (got > 0 && k == 0);
	return k;
}

static void parse_cmsgs(struct msghdr *mh, struct ub_pkt *p, int64_t *kernel_real)
{
	struct cmsghdr *c;
	struct in_pktinfo pi4;
	struct in6_pktinfo pi6;
	struct sockaddr_in *l4;
	struct sockaddr_in6 *l6;
	struct timespec ts;
	int v;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			*kernel_real = ub_clock_ts_to_ns(&ts);
		} else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPING) {
			struct scm_timestamping st;

			/* ts[0] is the software stamp; the others are hardware ones. */
			memcpy(&st, CMSG_DATA(c), sizeof(st));
			if (st.ts[0].tv_sec || st.ts[0].tv_nsec)
				*kernel_real = ub_clock_ts_to_ns(&st.ts[0]);
		} else if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) ||
			   (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			p->ttl = v;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			memset(&p->local, 0, sizeof(p->local));
			l6 = (struct sockaddr_in6 *)&p->local.ss;
			l6->sin6_family = AF_INET6;
			l6->sin6_addr = pi6.ipi6_addr;
			p->local.len = sizeof(*l6);
			p->ifindex = (int)pi6.ipi6_ifindex;
			p->has_local = 1;
		} else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
			   !p->has_local) {
			memcpy(&pi4, CMSG_DATA(c), sizeof(pi4));
			memset(&p->local, 0, sizeof(p->local));
			l4 = (struct sockaddr_in *)&p->local.ss;
			l4->sin_family = AF_INET;
			l4->sin_addr = pi4.ipi_addr;
			p->local.len = sizeof(*l4);
			p->ifindex = pi4.ipi_ifindex;
			p->has_local = 1;
		}
	}
}

/* A stamp from before a clock step would be nonsense: keep it only when plausible. */
static int plausible_stamp(int64_t kreal, int64_t real)
{
	return kreal > 0 && real - kreal >= 0 && real - kreal < 60 * UB_NS_PER_S;
}

int ub_net_recv(int fd, struct ub_pkt *pkts, int n, struct ub_err *e)
{
	struct mmsghdr mm[UB_BATCH_MAX];
	struct iovec iov[UB_BATCH_MAX];
	union {
		char buf[UB_CMSG_SPACE];
		struct cmsghdr align;
	} ctl[UB_BATCH_MAX];
	int64_t mono, real, kreal, off;
	int i, got;

	if (n > UB_BATCH_MAX)
		n = UB_BATCH_MAX;
	for (i = 0; i < n; i++) {
		iov[i].iov_base = pkts[i].buf;
		iov[i].iov_len = pkts[i].cap;
		memset(&mm[i], 0, sizeof(mm[i]));
		mm[i].msg_hdr.msg_name = &pkts[i].peer.ss;
		mm[i].msg_hdr.msg_namelen = sizeof(pkts[i].peer.ss);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_control = ctl[i].buf;
		mm[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
	}
	got = recvmmsg(fd, mm, (unsigned)n, MSG_DONTWAIT, NULL);
	if (got < 0 && errno == ENOSYS) {
		/* One-packet fallback for kernels without recvmmsg. */
		ssize_t r = recvmsg(fd, &mm[0].msg_hdr, MSG_DONTWAIT);
		if (r >= 0)
			mm[0].msg_len = (unsigned)r;
		got = r < 0 ? -1 : 1;
	}
	if (got < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return 0;
		return ub_err_set(e, UB_E_SYS, errno, "receive");
	}
	/* One reading of both clocks maps the kernel's wall-clock stamps to monotonic. */
	off = ub_clock_mono_minus_real();
	real = ub_clock_real();
	mono = real + off;
	for (i = 0; i < got; i++) {
		struct ub_pkt *p = &pkts[i];

		p->len = mm[i].msg_len;
		p->truncated = (mm[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
		p->peer.len = mm[i].msg_hdr.msg_namelen;
		p->ttl = -1;
		p->has_local = 0;
		p->ifindex = 0;
		kreal = 0;
		parse_cmsgs(&mm[i].msg_hdr, p, &kreal);
		if (plausible_stamp(kreal, real)) {
			p->kernel_ts = 1;
			p->rx_real_ns = kreal;
			p->rx_mono_ns = kreal + off;
		} else {
			p->kernel_ts = 0;
			p->rx_real_ns = real;
			p->rx_mono_ns = mono;
		}
	}
	return got;
}


ssize_t ub_net_stream_recv(int fd, uint8_t *buf, size_t len, int64_t *kernel_real)
{
	union {
		char buf[UB_CMSG_SPACE];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh;
	struct ub_pkt unused;
	int64_t kreal = 0, real;
	ssize_t r;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.buf;
	mh.msg_controllen = sizeof(ctl.buf);
	*kernel_real = 0;
	r = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (r <= 0)
		return r;
	memset(&unused, 0, sizeof(unused));
	parse_cmsgs(&mh, &unused, &kreal);
	real = ub_clock_real();
	if (plausible_stamp(kreal, real))
		*kernel_real = kreal;
	return r;
}

/* Whether b may ride in the same GSO train as a: one peer, one source, one size. */
static int same_train(const struct ub_pkt *a, const struct ub_pkt *b)
{
	uint8_t ka[UB_ADDR_KEY_MAX], kb[UB_ADDR_KEY_MAX];
	size_t la, lb;

	if (a->len != b->len || a->has_local != b->has_local ||
	    a->peer.ss.ss_family != b->peer.ss.ss_family || a->peer.len != b->peer.len)
		return 0;
	if (a->peer.len) {
		la = ub_net_addr_key(&a->peer, ka);
		lb = ub_net_addr_key(&b->peer, kb);
		if (la != lb || memcmp(ka, kb, la) != 0)
			return 0;
	}
	if (a->has_local) {
		la = ub_net_addr_key(&a->local, ka);
		lb = ub_net_addr_key(&b->local, kb);
		if (a->local.ss.ss_family != b->local.ss.ss_family || la != lb ||
		    memcmp(ka, kb, la) != 0)
			return 0;
	}
	return 1;
}

/* Writes the source-address cmsg of p at c; returns its space. */
static size_t put_pktinfo(struct cmsghdr *c, const struct ub_pkt *p)
{
	if (p->local.ss.ss_family == AF_INET6) {
		struct in6_pktinfo pi6;

		memset(&pi6, 0, sizeof(pi6));
		pi6.ipi6_addr = ((const struct sockaddr_in6 *)&p->local.ss)->sin6_addr;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi6));
		memcpy(CMSG_DATA(c), &pi6, sizeof(pi6));
		return CMSG_SPACE(sizeof(pi6));
	} else {
		struct in_pktinfo pi4;

		memset(&pi4, 0, sizeof(pi4));
		pi4.ipi_spec_dst = ((const struct sockaddr_in *)&p->local.ss)->sin_addr;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi4));
		memcpy(CMSG_DATA(c), &pi4, sizeof(pi4));
		return CMSG_SPACE(sizeof(pi4));
	}
}

/*
 * Sends pkts[0..n) with sendmmsg, runs of up to train_max datagrams that
 * same_train() allows leaving as one GSO train (train_max 1: one by one).
 * Returns how many datagrams left, or a negative code with e filled.
 */
static int send_groups(int fd, struct ub_pkt *pkts, int n, int train_max, struct ub_err *e)
{
	struct mmsghdr mm[UB_BATCH_MAX];
	struct iovec iov[UB_BATCH_MAX];
	int segs[UB_BATCH_MAX];
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr align;
	} ctl[UB_BATCH_MAX];
	struct cmsghdr *c;
	int i, j, k, g = 0, sent, done = 0;
	uint16_t seg;

	if (n > UB_BATCH_MAX)
		n = UB_BATCH_MAX;
	for (i = 0; i < n; i = k) {
		for (k = i + 1; k < n && k - i < train_max &&
				(size_t)(k - i + 1) * pkts[i].len <= UB_GSO_BYTES_MAX &&
				same_train(&pkts[i], &pkts[k]);
		     k++)
			;
		memset(&mm[g], 0, sizeof(mm[g]));
		memset(&ctl[g], 0, sizeof(ctl[g]));
		mm[g].msg_hdr.msg_name = pkts[i].peer.len ? &pkts[i].peer.ss : NULL;
		mm[g].msg_hdr.msg_namelen = pkts[i].peer.len;
		mm[g].msg_hdr.msg_iov = &iov[i];
		mm[g].msg_hdr.msg_iovlen = (size_t)(k - i);
		for (j = i; j < k; j++) {
			iov[j].iov_base = pkts[j].buf;
			iov[j].iov_len = pkts[j].len;
		}
		mm[g].msg_hdr.msg_control = ctl[g].buf;
		c = (struct cmsghdr *)ctl[g].buf;
		/* Answer from the address the request was sent to (multi-homed hosts). */
		if (pkts[i].has_local) {
			mm[g].msg_hdr.msg_controllen += put_pktinfo(c, &pkts[i]);
			c = (struct cmsghdr *)(ctl[g].buf + mm[g].msg_hdr.msg_controllen);
		}
		if (k - i > 1) {
			/* The kernel cuts the train into datagrams of this size. */
			seg = (uint16_t)pkts[i].len;
			c->cmsg_level = SOL_UDP;
			c->cmsg_type = UDP_SEGMENT;
			c->cmsg_len = CMSG_LEN(sizeof(seg));
			memcpy(CMSG_DATA(c), &seg, sizeof(seg));
			mm[g].msg_hdr.msg_controllen += CMSG_SPACE(sizeof(seg));
		}
		if (!mm[g].msg_hdr.msg_controllen)
			mm[g].msg_hdr.msg_control = NULL;
		segs[g++] = k - i;
	}
	sent = sendmmsg(fd, mm, (unsigned)g, 0);
	if (sent < 0 && errno == ENOSYS) {
		/* One-packet fallback for kernels without sendmmsg. */
		ssize_t r = sendmsg(fd, &mm[0].msg_hdr, 0);
		sent = r < 0 ? -1 : 1;
	}
	if (sent < 0)
		return ub_err_set(e, UB_E_SYS, errno, "send");
	for (i = 0; i < sent; i++)
		done += segs[i];
	return done;
}

int ub_net_send(int fd, struct ub_pkt *pkts, int n, struct ub_err *e)
{
	return send_groups(fd, pkts, n, 1, e);
}

int ub_net_send_trains(int fd, struct ub_pkt *pkts, int n, int *gso, struct ub_err *e)
{
	int rc;

	if (!*gso)
		return send_groups(fd, pkts, n, 1, e);
	rc = send_groups(fd, pkts, n, UB_GSO_SEGS_MAX, e);
	if (rc < 0 && (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT)) {
		/* This path cannot cut trains (no checksum offload, say): one by one from now on. */
		*gso = 0;
		return send_groups(fd, pkts, n, 1, e);
	}
	return rc;
}
