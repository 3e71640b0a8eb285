/*
 * udpbench: probes as datagrams on one connected UDP socket — kernel send
 * and receive stamps, ICMP errors from the error queue, flood batches as
 * sendmmsg (or UDP GSO trains).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/clock.h"
#include "send/session_int.h"

static int udp_open(struct ub_session *s, struct ub_err *e)
{
	const struct ub_sender_config *c = s->cfg;
	struct ub_addr local;
	int rc;

	s->fd = ub_net_udp_socket(s->peer.ss.ss_family, e);
	if (s->fd < 0)
		return s->fd;
	rc = ub_net_set_dscp_ttl(s->fd, s->peer.ss.ss_family, c->dscp, c->ttl, e);
	if (rc < 0)
		return rc;
	ub_net_set_buffers(s->fd, 1 << 20, &s->rc.socket_rcvbuf, &s->rc.socket_sndbuf, NULL);
	/* Connected: the kernel keeps other hosts' datagrams out and reports ICMP errors. */
	if (connect(s->fd, (struct sockaddr *)&s->peer.ss, s->peer.len) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "cannot reach %s", s->peer_str);
	local.len = sizeof(local.ss);
	if (getsockname(s->fd, (struct sockaddr *)&local.ss, &local.len) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "getsockname");
	s->local_port = ub_net_addr_port(&local);
	/* A probe dropped in this host's own queue is a send error, not a loss on the link. */
	ub_net_report_drops(s->fd, s->peer.ss.ss_family);
	/* A flood measures rates: a send stamp per probe would cost it a third of them. */
	if (!c->flood)
		s->tx_stamps = ub_net_enable_tx_stamps(s->fd);
	/* A capture on loopback would see a train as one big datagram: one by one then. */
	s->gso = c->flood && c->gso && !c->pcap_path;
	return 0;
}

/* Counts a failed send by kind: an ICMP error reported on the socket, or a soft send error. */
static void send_failed(struct ub_session *s, int err)
{
	if (err == ECONNREFUSED)
		ub_session_icmp(s, err);
	else
		s->rc.send_errors++;
}

static int udp_send(struct ub_session *s, const uint8_t *buf, size_t len)
{
	if (send(s->fd, buf, len, 0) >= 0)
		return 0;
	send_failed(s, errno);
	return -1;
}

static int udp_send_batch(struct ub_session *s, int n, int *err)
{
	struct ub_err e;
	int sent = ub_net_send_trains(s->fd, s->flood, n, &s->gso, &e);

	if (sent < 0) {
		send_failed(s, e.sys_errno);
		*err = e.sys_errno;
	}
	return sent;
}

/* Gives the probe the kernel's send stamp, when the stamp is its datagram's. */
static void tx_stamp(struct ub_session *s, const struct ub_errq *t, int64_t mono_minus_real)
{
	uint64_t idx;

	if (!s->txid_idx)
		return;
	idx = s->txid_idx[t->id & s->ring_mask];
	if (ub_session_probe_at(s, idx)->txid == t->id)
		ub_session_tx_stamp(s, idx, t->real_ns, mono_minus_real);
}

/*
 * Reads the socket's error queue: send stamps and ICMP errors. Returns how
 * many ICMP errors it held. Called only while stamps are due or after the
 * socket reported an error, so an idle turn costs no system call.
 */
static int read_errqueue(struct ub_session *s)
{
	int n, i, icmp = 0;

	while ((n = ub_net_errqueue(s->fd, s->errq, UB_RX_BATCH)) > 0) {
		int64_t off = ub_clock_mono_minus_real();

		for (i = 0; i < n; i++) {
			if (s->errq[i].icmp_errno) {
				ub_session_icmp(s, s->errq[i].icmp_errno);
				icmp++;
			} else {
				if (s->stamps_due)
					s->stamps_due--;
				tx_stamp(s, &s->errq[i], off);
			}
		}
	}
	return icmp;
}

static int udp_drain(struct ub_session *s, struct ub_err *e)
{
	int n, i;

	/* Send stamps first: a reply is timed from its probe's stamp. */
	if (s->stamps_due)
		read_errqueue(s);
	for (;;) {
		n = ub_net_recv(s->fd, s->rx, UB_RX_BATCH, e);
		if (n < 0) {
			if (ub_net_soft_error(e->sys_errno)) {
				/* The error queue holds the ICMP message itself (IP_RECVERR). */
				if (read_errqueue(s) == 0)
					ub_session_icmp(s, e->sys_errno);
				continue;
			}
			return n;
		}
		if (n == 0)
			return 0;
		for (i = 0; i < n; i++)
			ub_session_reply(s, &s->rx[i]);
	}
}

static int udp_fd(const struct ub_session *s)
{
	return s->fd;
}

static short udp_events(const struct ub_session *s)
{
	(void)s;
	return POLLIN;
}

static void udp_close(struct ub_session *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

const struct ub_transport ub_transport_udp = {
	.name = "udp",
	.stream = 0,
	.open = udp_open,
	.send = udp_send,
	.send_batch = udp_send_batch,
	.drain = udp_drain,
	.annotate = NULL,
	.fd = udp_fd,
	.events = udp_events,
	.close = udp_close,
};
