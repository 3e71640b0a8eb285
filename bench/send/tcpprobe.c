#include "send/tcpprobe.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/clock.h"

/* Room for the largest frame a 16-bit length can announce. */
#define UB_TCP_FRAME_MAX (2 + 65535)

struct ub_tcpprobe {
	int fd;
	int stamps;         /* the kernel stamps what is sent and received */
	uint64_t written;   /* bytes queued so far: where the next message begins */
	uint8_t *out;       /* framed messages TCP has not taken yet */
	size_t out_len, out_cap;
	uint8_t rx[UB_TCP_FRAME_MAX];
	size_t rx_len;      /* bytes of the message being read */
	int rx_done;        /* rx holds a whole message already handed out */
};

struct ub_tcpprobe *ub_tcpprobe_connect(const struct ub_addr *peer, int dscp, int ttl,
					int64_t timeout_ns, struct ub_err *e)
{
	struct ub_tcpprobe *t;
	struct pollfd pfd;
	char where[UB_ADDRSTR_MAX];
	int one = 1, err = 0, rc;
	socklen_t sl = sizeof(err);

	ub_net_addr_str(peer, where, sizeof(where));
	t = calloc(1, sizeof(*t));
	if (!t) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	t->fd = socket(peer->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0) {
		ub_err_set(e, UB_E_SYS, errno, "TCP socket");
		goto fail;
	}
	/* Each probe leaves when its slot comes, not when Nagle lets it. */
	setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ub_net_set_dscp_ttl(t->fd, peer->ss.ss_family, dscp, ttl, e) < 0)
		goto fail;
	/*
	 * Receive stamps asked before connecting: the kernel turns stamping on
	 * for the whole host a moment after the first socket asks, and the
	 * connection's first echoes should not come in that moment unstamped.
	 */
	ub_net_enable_stream_stamps(t->fd, 0);
	rc = connect(t->fd, (const struct sockaddr *)&peer->ss, peer->len);
	if (rc < 0 && errno != EINPROGRESS) {
		err = errno;
	} else if (rc < 0) {
		pfd.fd = t->fd;
		pfd.events = POLLOUT;
		rc = poll(&pfd, 1, (int)(timeout_ns / 1000000));
		if (rc == 0)
			err = ETIMEDOUT;
		else if (rc < 0 || getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
			err = errno;
	}
	if (err) {
		ub_err_set(e, err == ECONNREFUSED || err == ETIMEDOUT ? UB_E_NOREPLY : UB_E_SYS, 0,
			   "no TCP echo at %s (%s) — is udpbench reflect running there?", where,
			   strerror(err));
		goto fail;
	}
	/* Only a connected socket takes stamps numbered by byte (OPT_ID). */
	t->stamps = ub_net_enable_stream_stamps(t->fd, 1);
	return t;
fail:
	ub_tcpprobe_free(t);
	return NULL;
}

void ub_tcpprobe_free(struct ub_tcpprobe *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	free(t->out);
	free(t);
}

int ub_tcpprobe_fd(const struct ub_tcpprobe *t)
{
	return t->fd;
}

int ub_tcpprobe_pending(const struct ub_tcpprobe *t)
{
	return t->out_len > 0;
}

static int flush_out(struct ub_tcpprobe *t)
{
	ssize_t w;

	while (t->out_len) {
		w = send(t->fd, t->out, t->out_len, MSG_NOSIGNAL);
		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		memmove(t->out, t->out + w, t->out_len - (size_t)w);
		t->out_len -= (size_t)w;
	}
	return 0;
}

int ub_tcpprobe_stamps(const struct ub_tcpprobe *t)
{
	return t->stamps;
}

uint64_t ub_tcpprobe_written(const struct ub_tcpprobe *t)
{
	return t->written;
}

int ub_tcpprobe_send(struct ub_tcpprobe *t, const uint8_t *msg, size_t len)
{
	size_t need = t->out_len + 2 + len, cap;
	int behind = t->out_len > 0;
	uint8_t *grown;

	if (need > t->out_cap) {
		cap = t->out_cap ? t->out_cap : 4096;
		while (cap < need)
			cap *= 2;
		grown = realloc(t->out, cap);
		if (!grown)
			return UB_E_NOMEM;
		t->out = grown;
		t->out_cap = cap;
	}
	t->out[t->out_len] = (uint8_t)(len >> 8);
	t->out[t->out_len + 1] = (uint8_t)len;
	memcpy(t->out + t->out_len + 2, msg, len);
	t->out_len = need;
	t->written += 2 + len;
	/* A broken connection shows in the next ub_tcpprobe_io. */
	flush_out(t);
	return !behind && t->out_len == 0;
}

int ub_tcpprobe_io(struct ub_tcpprobe *t, struct ub_err *e)
{
	int rc = flush_out(t);

	return rc < 0 ? ub_err_set(e, UB_E_SYS, -rc, "the TCP connection broke") : 0;
}

/*
 * Each read stops at the end of the message being read, so the stamp that
 * comes with the read that completes a message is the stamp of the segment
 * that brought its last byte: two reads a message (length, then the rest).
 * The kernel stamps each segment as it arrives, but when it merges segments
 * waiting in the receive queue into one buffer (the program was not reading)
 * the merged buffer keeps only the stamp of the newest of them; a message
 * completed inside it then gets that later time, never an earlier one.
 */
int ub_tcpprobe_next(struct ub_tcpprobe *t, const uint8_t **msg, size_t *len,
		     int64_t *kernel_real, struct ub_err *e)
{
	size_t want;
	ssize_t r;

	if (t->rx_done) {
		t->rx_len = 0;
		t->rx_done = 0;
	}
	*kernel_real = 0;
	for (;;) {
		want = t->rx_len < 2 ? 2 : 2 + (((size_t)t->rx[0] << 8) | t->rx[1]);
		if (t->rx_len >= 2 && t->rx_len == want)
			break;
		r = ub_net_stream_recv(t->fd, t->rx + t->rx_len, want - t->rx_len, kernel_real);
		if (r == 0)
			return ub_err_set(e, UB_E_SYS, 0, "the TCP connection was closed by the peer");
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
				       ? 0
				       : ub_err_set(e, UB_E_SYS, errno, "the TCP connection broke");
		t->rx_len += (size_t)r;
	}
	t->rx_done = 1;
	*msg = t->rx + 2;
	*len = t->rx_len - 2;
	return 1;
}

int ub_tcpprobe_info(const struct ub_tcpprobe *t, struct ub_tcpinfo *out)
{
	struct tcp_info ti;
	socklen_t sl = sizeof(ti);

	memset(out, 0, sizeof(*out));
	if (getsockopt(t->fd, IPPROTO_TCP, TCP_INFO, &ti, &sl) < 0)
		return -1;
	out->retransmits = ti.tcpi_total_retrans;
	out->rto_ns = (int64_t)ti.tcpi_rto * 1000;
	return 0;
}
