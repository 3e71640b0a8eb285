/*
 * Datagram I/O in the Windows build: one datagram per call (Winsock has no
 * recvmmsg/sendmmsg, and no UDP GSO), times read from the program's clock
 * as each datagram is taken (Windows gives no kernel receive or send stamps
 * on a socket), so results name the "monotonic" clock. The arriving TTL is
 * read (WSARecvMsg); the local address is not: replies leave from the
 * socket's own address.
 */
#include "lib/net.h"

#include <errno.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/plat.h"

int ub_net_udp_socket(int family, struct ub_err *e)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return ub_err_set(e, UB_E_SYS, errno, "socket");
	/* Best effort: older Windows leave the TTL unread. IPv4 on a dual-stack socket too. */
	setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_HOPLIMIT, &one, sizeof(one));
	return fd;
}

void ub_net_report_drops(int fd, int family)
{
	(void)fd;
	(void)family;
}

int ub_net_enable_tx_stamps(int fd)
{
	(void)fd;
	return 0;
}

int ub_net_enable_stream_stamps(int fd, int connected)
{
	(void)fd;
	(void)connected;
	return 0;
}

int ub_net_errqueue(int fd, struct ub_errq *out, int n)
{
	(void)fd;
	(void)out;
	(void)n;
	return 0;
}

int ub_net_recv(int fd, struct ub_pkt *pkts, int n, struct ub_err *e)
{
	int i;

	for (i = 0; i < n; i++) {
		struct ub_pkt *p = &pkts[i];
		socklen_t sl = sizeof(p->peer.ss);
		int ttl;
		ssize_t r = ub_w32_recv_ttl(fd, p->buf, p->cap, (struct sockaddr *)&p->peer.ss, &sl, &ttl);

		if (r < 0) {
			/* Windows says a datagram was cut with WSAEMSGSIZE: it was read all the same. */
			if (errno == EMSGSIZE) {
				r = (ssize_t)p->cap;
				p->truncated = 1;
			} else if (errno == EAGAIN || errno == EINTR) {
				break;
			} else if (i > 0) {
				break;
			} else {
				return ub_err_set(e, UB_E_SYS, errno, "receive");
			}
		} else {
			p->truncated = 0;
		}
		p->len = (size_t)r;
		p->peer.len = sl;
		p->rx_real_ns = ub_clock_real();
		p->rx_mono_ns = ub_clock_mono();
		p->kernel_ts = 0;
		p->ttl = ttl;
		p->has_local = 0;
		p->ifindex = 0;
	}
	return i;
}

ssize_t ub_net_stream_recv(int fd, uint8_t *buf, size_t len, int64_t *kernel_real)
{
	*kernel_real = 0;
	return recv(fd, buf, len, MSG_DONTWAIT);
}

int ub_net_send(int fd, struct ub_pkt *pkts, int n, struct ub_err *e)
{
	int i;

	for (i = 0; i < n; i++) {
		const struct ub_pkt *p = &pkts[i];
		ssize_t r = p->peer.len ? sendto(fd, p->buf, p->len, 0,
						 (const struct sockaddr *)&p->peer.ss, p->peer.len)
					: send(fd, p->buf, p->len, 0);

		if (r < 0) {
			if (i > 0 && ub_net_soft_error(errno))
				break;
			return ub_err_set(e, UB_E_SYS, errno, "send");
		}
	}
	return i;
}

int ub_net_send_trains(int fd, struct ub_pkt *pkts, int n, int *gso, struct ub_err *e)
{
	*gso = 0;
	return ub_net_send(fd, pkts, n, e);
}
