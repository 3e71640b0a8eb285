/*
 * Sockets that need nothing but POSIX: listening, buffer sizes, DSCP and
 * TTL, the soft errors. The datagram I/O itself is in net_io.c (Linux:
 * recvmmsg, kernel stamps) and net_io_win32.c.
 */
#include "lib/net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

void ub_net_listen_config_init(struct ub_net_listen_config *c)
{
	memset(c, 0, sizeof(*c));
	c->family = AF_UNSPEC;
}

/* A nonblocking socket for family: UDP with receive metadata, or TCP that may reuse a port. */
static int listen_socket(int family, int stream, struct ub_err *e)
{
	int fd, one = 1;

	if (!stream)
		return ub_net_udp_socket(family, e);
	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ub_err_set(e, UB_E_SYS, errno, "TCP socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return fd;
}

/* Resolves the address c names (host, or every address of family); returns 0 or a code. */
static int listen_addr(const struct ub_net_listen_config *c, int family, struct ub_addr *a,
		       struct ub_err *e)
{
	int rc;

	if (c->addr) {
		*a = *c->addr;
		return 0;
	}
	rc = ub_net_resolve(c->host, c->port, family, 1, a, e);
	if (rc < 0 && c->host && c->opt)
		return ub_err_prefix(e, rc, c->opt);
	return rc;
}

int ub_net_listen(const struct ub_net_listen_config *c, struct ub_addr *bound, int *rcvbuf,
		  struct ub_err *e)
{
	int wild = !c->addr && !c->host, v6only = c->family == AF_INET6;
	struct ub_addr a;
	int fd, rc;

	/* Every address: one dual-stack IPv6 socket where the kernel has IPv6, else IPv4 alone. */
	rc = listen_addr(c, wild && c->family == AF_UNSPEC ? AF_INET6 : c->family, &a, e);
	if (rc < 0 && wild && c->family == AF_UNSPEC)
		rc = listen_addr(c, AF_INET, &a, e);
	if (rc < 0)
		return rc;
	fd = listen_socket(a.ss.ss_family, c->stream, e);
	if (fd < 0 && wild && c->family == AF_UNSPEC && a.ss.ss_family == AF_INET6) {
		/* No IPv6 in this kernel: listen on IPv4 only. */
		rc = listen_addr(c, AF_INET, &a, e);
		if (rc < 0)
			return rc;
		fd = listen_socket(AF_INET, c->stream, e);
	}
	if (fd < 0)
		return fd;
	if (a.ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	/* Best effort: the kernel caps it at net.core.rmem_max; *rcvbuf says what it granted. */
	if (c->sockbuf > 0)
		ub_net_set_buffers(fd, c->sockbuf, rcvbuf, NULL, NULL);
	if (bind(fd, (const struct sockaddr *)&a.ss, a.len) < 0 ||
	    (c->stream && listen(fd, 64) < 0)) {
		char s[UB_ADDRSTR_MAX];

		rc = ub_err_set(e, UB_E_SYS, errno, "%s%scannot listen on %s", c->who ? c->who : "",
				c->who ? " " : "", ub_net_addr_str(&a, s, sizeof(s)));
		close(fd);
		return rc;
	}
	if (bound) {
		a.len = sizeof(a.ss);
		getsockname(fd, (struct sockaddr *)&a.ss, &a.len);
		*bound = a;
	}
	return fd;
}

uint64_t ub_net_raise_fd_limit(uint64_t want, uint64_t *hard)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		if (hard)
			*hard = 0;
		return 0;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		struct rlimit up = rl;

		up.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	if (hard)
		*hard = rl.rlim_max == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_max;
	return rl.rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl.rlim_cur;
}

int ub_net_set_dscp_ttl(int fd, int family, int dscp, int ttl, struct ub_err *e)
{
	int tos;

	/* An IPv6 socket may carry IPv4 (mapped addresses): set both, the IPv4 one best effort. */
	tos = dscp >= 0 ? dscp << 2 : 0;
	if (family == AF_INET6) {
		if (dscp >= 0)
			setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
		if (ttl >= 0)
			setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	}
	if (dscp >= 0) {
		if (family == AF_INET6) {
			if (setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos)) < 0)
				return ub_err_set(e, UB_E_SYS, errno, "setting DSCP %d", dscp);
		} else if (setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos)) < 0) {
			return ub_err_set(e, UB_E_SYS, errno, "setting DSCP %d", dscp);
		}
	}
	if (ttl >= 0) {
		if (family == AF_INET6) {
			if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl)) < 0)
				return ub_err_set(e, UB_E_SYS, errno, "setting hop limit %d", ttl);
		} else if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) < 0) {
			return ub_err_set(e, UB_E_SYS, errno, "setting TTL %d", ttl);
		}
	}
	return 0;
}

int ub_net_set_buffers(int fd, int bytes, int *rcv, int *snd, struct ub_err *e)
{
	socklen_t sl = sizeof(int);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes)) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "setting socket buffers");
	/* The kernel may grant less (net.core.rmem_max): report what it really is. */
	if (rcv && getsockopt(fd, SOL_SOCKET, SO_RCVBUF, rcv, &sl) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "reading SO_RCVBUF");
	sl = sizeof(int);
	if (snd && getsockopt(fd, SOL_SOCKET, SO_SNDBUF, snd, &sl) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "reading SO_SNDBUF");
	return 0;
}

int ub_net_soft_error(int err)
{
	return err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS || err == ECONNREFUSED ||
	       err == EHOSTUNREACH || err == ENETUNREACH || err == EINTR || err == EMSGSIZE ||
	       err == EPERM || err == EHOSTDOWN || err == ENETDOWN;
}
