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

#define UB_TCP_RX_BUF (1 << 16)

struct ub_tcpprobe {
	int fd;
	uint8_t *out;       /* framed messages TCP has not taken yet */
	size_t out_len, out_cap;
	uint8_t rx[UB_TCP_RX_BUF];
	size_t rx_len, rx_off;
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

int ub_tcpprobe_send(struct ub_tcpprobe *t, const uint8_t *msg, size_t len)
{
	size_t need = t->out_len + 2 + len, cap;
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
	/* A broken connection shows in the next ub_tcpprobe_io. */
	flush_out(t);
	return 0;
}

int ub_tcpprobe_io(struct ub_tcpprobe *t, struct ub_err *e)
{
	ssize_t r;
	int rc;

	rc = flush_out(t);
	if (rc < 0)
		return ub_err_set(e, UB_E_SYS, -rc, "the TCP connection broke");
	/* Keep what is not a whole message yet at the front, then read behind it. */
	if (t->rx_off) {
		memmove(t->rx, t->rx + t->rx_off, t->rx_len - t->rx_off);
		t->rx_len -= t->rx_off;
		t->rx_off = 0;
	}
	if (t->rx_len == sizeof(t->rx))
		return 0;
	r = recv(t->fd, t->rx + t->rx_len, sizeof(t->rx) - t->rx_len, MSG_DONTWAIT);
	if (r == 0)
		return ub_err_set(e, UB_E_SYS, 0, "the TCP connection was closed by the peer");
	if (r < 0)
		return errno == EAGAIN || errno == EINTR
			       ? 0
			       : ub_err_set(e, UB_E_SYS, errno, "the TCP connection broke");
	t->rx_len += (size_t)r;
	return 0;
}

const uint8_t *ub_tcpprobe_next(struct ub_tcpprobe *t, size_t *len)
{
	size_t avail = t->rx_len - t->rx_off, n;
	const uint8_t *p = t->rx + t->rx_off;

	if (avail < 2)
		return NULL;
	n = ((size_t)p[0] << 8) | p[1];
	if (avail < 2 + n)
		return NULL;
	t->rx_off += 2 + n;
	*len = n;
	return p + 2;
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
