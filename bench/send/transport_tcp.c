/*
 * udpbench: probes as framed messages on one TCP connection to the
 * reflector's echo (send/tcpprobe.h frames them). TCP loses nothing while
 * the connection lives, it only makes a message wait; the result records
 * its retransmissions from TCP_INFO beside each message. Timed like UDP:
 * the kernel's send stamp (found by byte offset, send/txkeys.h) and receive
 * stamp of each message, so that a sender the scheduler held up does not
 * look like a slow link.
 */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "send/session_int.h"

static int tcp_open(struct ub_session *s, struct ub_err *e)
{
	const struct ub_sender_config *c = s->cfg;

	/* Room for SYN retransmissions (1 s, then 2 s more) on a lossy link. */
	s->tcp = ub_tcpprobe_connect(&s->peer, c->dscp, c->ttl, 10 * UB_NS_PER_S, e);
	if (s->tcp) {
		s->tx_stamps = ub_tcpprobe_stamps(s->tcp);
		return 0;
	}
	if (e->code != UB_E_NOREPLY)
		return e->code;
	/* Refused or unanswered: a result all the same (nothing sent), and why. */
	s->refused = 1;
	s->rc.tcp_broken = 1;
	snprintf(s->rc.tcp_error, sizeof(s->rc.tcp_error), "%s", e->msg);
	return 0;
}

/*
 * After a break the schedule goes on, each probe lost. A probe TCP took
 * whole at once waits for its send stamp; one that queued behind others
 * keeps the program's clock, so that TCP's own wait stays in its latency.
 */
static int tcp_send(struct ub_session *s, const uint8_t *buf, size_t len)
{
	int rc;

	if (s->broken)
		return 0;
	rc = ub_tcpprobe_send(s->tcp, buf, len);
	if (rc < 0) {
		s->rc.send_errors++;
		return -1;
	}
	if (rc > 0 && s->tx_stamps)
		ub_txkeys_add(&s->txkeys, ub_tcpprobe_written(s->tcp), s->next);
	return 0;
}

/* Send stamps from the error queue, each given to the probe whose last byte it carries. */
static void read_tx_stamps(struct ub_session *s)
{
	uint64_t idx;
	int n, i;

	while ((n = ub_net_errqueue(ub_tcpprobe_fd(s->tcp), s->errq, UB_RX_BATCH)) > 0) {
		int64_t off = ub_clock_mono_minus_real();

		for (i = 0; i < n; i++)
			if (!s->errq[i].icmp_errno &&
			    ub_txkeys_match(&s->txkeys, s->errq[i].id, &idx))
				ub_session_tx_stamp(s, idx, s->errq[i].real_ns, off);
	}
}

/* Messages one drain takes at most, so that a flood of echoes cannot hold up the schedule. */
#define UB_TCP_DRAIN_MAX 4096

/* Echoed messages: each is one probe come back byte for byte, taken as a reply. */
static int tcp_drain(struct ub_session *s, struct ub_err *e)
{
	struct ub_pkt pk;
	struct ub_err te;
	const uint8_t *msg;
	int64_t kreal;
	size_t len;
	int rc = 0, n;
	uint64_t at;

	(void)e;
	if (!s->tcp || s->broken)
		return 0;
	/* Send stamps first: a reply is timed from its probe's stamp. */
	if (s->tx_stamps)
		read_tx_stamps(s);
	s->tcpinfo_ok = -1; /* sampled when the first message of this turn is taken */
	for (n = 0; n < UB_TCP_DRAIN_MAX; n++) {
		rc = ub_tcpprobe_io(s->tcp, &te);
		if (rc == 0)
			rc = ub_tcpprobe_next(s->tcp, &msg, &len, &kreal, &te);
		if (rc <= 0)
			break;
		memset(&pk, 0, sizeof(pk));
		pk.rx_real_ns = ub_clock_real();
		pk.rx_mono_ns = pk.rx_real_ns + ub_clock_mono_minus_real();
		if (kreal) {
			pk.kernel_ts = 1;
			pk.rx_mono_ns += kreal - pk.rx_real_ns;
			pk.rx_real_ns = kreal;
		}
		pk.ttl = -1;
		pk.buf = (uint8_t *)msg;
		pk.len = pk.cap = len;
		ub_session_reply(s, &pk);
	}
	if (rc < 0) {
		/* Everything not echoed yet is lost; the result says where it broke. */
		s->broken = 1;
		s->rc.tcp_broken = 1;
		/* the first probe without its echo (replies since the last expiry are decided) */
		at = s->decide;
		while (at < s->next && ub_session_probe_at(s, at)->decided)
			at++;
		s->rc.tcp_broken_at = at;
		snprintf(s->rc.tcp_error, sizeof(s->rc.tcp_error), "%s", te.msg);
	}
	return 0;
}

/* TCP_INFO beside each echo: how much TCP resent to deliver it (sampled once a turn). */
static void tcp_annotate(struct ub_session *s, struct ub_csv_row *row)
{
	if (s->tcpinfo_ok < 0) {
		s->tcpinfo_ok = ub_tcpprobe_info(s->tcp, &s->tcpinfo) == 0;
		if (s->tcpinfo_ok) {
			s->rc.tcp_retransmits = s->tcpinfo.retransmits;
			if (s->tcpinfo.rto_ns > s->rc.tcp_rto_max_ns)
				s->rc.tcp_rto_max_ns = s->tcpinfo.rto_ns;
		}
	}
	row->has_tcp = s->tcpinfo_ok;
	row->tcp_retransmits = s->tcpinfo_ok ? s->tcpinfo.retransmits : 0;
	row->tcp_rto_ns = s->tcpinfo_ok ? s->tcpinfo.rto_ns : 0;
}

static int tcp_fd(const struct ub_session *s)
{
	return s->tcp ? ub_tcpprobe_fd(s->tcp) : -1;
}

static short tcp_events(const struct ub_session *s)
{
	return (short)(POLLIN | (s->tcp && ub_tcpprobe_pending(s->tcp) ? POLLOUT : 0));
}

static void tcp_close(struct ub_session *s)
{
	ub_tcpprobe_free(s->tcp);
	s->tcp = NULL;
}

const struct ub_transport ub_transport_tcp = {
	.name = "tcp",
	.stream = 1,
	.open = tcp_open,
	.send = tcp_send,
	.send_batch = NULL,
	.drain = tcp_drain,
	.annotate = tcp_annotate,
	.fd = tcp_fd,
	.events = tcp_events,
	.close = tcp_close,
};
