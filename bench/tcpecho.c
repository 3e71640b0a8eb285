#include "tcpecho.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UB_TCPECHO_BUF 65536

struct conn {
	int fd;
	uint8_t *buf;   /* bytes read but not yet written back */
	size_t len;
};

struct ub_tcpecho {
	int lfd;
	struct conn conns[UB_TCPECHO_MAX_CONNS];
	int n;
	struct ub_tcpecho_counters cnt;
};

struct ub_tcpecho *ub_tcpecho_new(const struct ub_addr *addr, struct ub_err *e)
{
	struct ub_tcpecho *t;
	int one = 1, zero = 0;

	t = calloc(1, sizeof(*t));
	if (!t) {
		ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		return NULL;
	}
	t->lfd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->lfd < 0) {
		ub_err_set(e, UB_E_SYS, errno, "TCP socket");
		goto fail;
	}
	setsockopt(t->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->ss.ss_family == AF_INET6)
		setsockopt(t->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(t->lfd, (const struct sockaddr *)&addr->ss, addr->len) < 0 ||
	    listen(t->lfd, 64) < 0) {
		char s[UB_ADDRSTR_MAX];

		ub_err_set(e, UB_E_SYS, errno, "TCP echo cannot listen on %s",
			   ub_net_addr_str(addr, s, sizeof(s)));
		goto fail;
	}
	return t;
fail:
	if (t->lfd >= 0)
		close(t->lfd);
	free(t);
	return NULL;
}

static void conn_close(struct ub_tcpecho *t, int i)
{
	close(t->conns[i].fd);
	free(t->conns[i].buf);
	t->conns[i] = t->conns[--t->n];
	t->cnt.open--;
}

void ub_tcpecho_free(struct ub_tcpecho *t)
{
	if (!t)
		return;
	while (t->n)
		conn_close(t, t->n - 1);
	close(t->lfd);
	free(t);
}

int ub_tcpecho_pollfds(const struct ub_tcpecho *t, struct pollfd *pfd)
{
	int i;

	pfd[0].fd = t->lfd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	for (i = 0; i < t->n; i++) {
		pfd[1 + i].fd = t->conns[i].fd;
		/* Backpressure: read more only once what was read went back out. */
		pfd[1 + i].events = t->conns[i].len ? POLLOUT : POLLIN;
		pfd[1 + i].revents = 0;
	}
	return 1 + t->n;
}

static void accept_all(struct ub_tcpecho *t)
{
	int fd, one = 1;

	while ((fd = accept4(t->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (t->n == UB_TCPECHO_MAX_CONNS) {
			close(fd);
			t->cnt.refused++;
			continue;
		}
		/* Each echo leaves at once: the sender measures TCP, not Nagle. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		t->conns[t->n].fd = fd;
		t->conns[t->n].buf = NULL;
		t->conns[t->n].len = 0;
		t->n++;
		t->cnt.open++;
		t->cnt.connections++;
	}
}

/* Reads what is there and writes it straight back; returns -1 when the connection is done. */
static int echo(struct ub_tcpecho *t, struct conn *c)
{
	ssize_t r, w;

	if (!c->buf) {
		c->buf = malloc(UB_TCPECHO_BUF);
		if (!c->buf)
			return -1;
	}
	if (c->len == 0) {
		r = read(c->fd, c->buf, UB_TCPECHO_BUF);
		if (r == 0)
			return -1;
		if (r < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->len = (size_t)r;
	}
	w = write(c->fd, c->buf, c->len);
	if (w < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	t->cnt.bytes += (uint64_t)w;
	memmove(c->buf, c->buf + w, c->len - (size_t)w);
	c->len -= (size_t)w;
	return 0;
}

void ub_tcpecho_serve(struct ub_tcpecho *t, const struct pollfd *pfd, int n)
{
	int i, k;

	if (n > 0 && (pfd[0].revents & POLLIN))
		accept_all(t);
	/* Walk backwards: closing moves the last connection into the freed slot. */
	for (k = n - 1; k >= 1; k--) {
		if (!pfd[k].revents)
			continue;
		for (i = 0; i < t->n && t->conns[i].fd != pfd[k].fd; i++)
			;
		if (i == t->n)
			continue;
		if ((pfd[k].revents & (POLLERR | POLLNVAL)) || echo(t, &t->conns[i]) < 0)
			conn_close(t, i);
	}
}

void ub_tcpecho_counters(const struct ub_tcpecho *t, struct ub_tcpecho_counters *out)
{
	*out = t->cnt;
}
