/*
 * UDP sockets on 127.0.0.1 for the relay's tests (relay_fixture.h) and its
 * output queue's (test_relayq.c): datagrams that carry a sequence number
 * in their first 4 bytes, sent and received with bounded waits. Include it
 * after cmocka.h. The helpers are inline: not every test uses all of them.
 */
#ifndef UB_TEST_UDP_LOOPBACK_H
#define UB_TEST_UDP_LOOPBACK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Returns a socket bound to 127.0.0.1 on a free port (in *port), or -1. */
static inline int udp_socket_on_loopback(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

/* Connects fd to 127.0.0.1:port; returns connect()'s result. */
static inline int connect_to(int fd, int port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)port);
	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

static inline void send_seq(int fd, uint32_t seq, size_t len)
{
	uint8_t b[64];
	uint32_t n = htonl(seq);

	memset(b, 0xab, sizeof(b));
	memcpy(b, &n, 4);
	assert_int_equal(send(fd, b, len, 0), (ssize_t)len);
}

/* Receives one datagram within 1 s; returns its sequence number (UINT32_MAX: none). */
static inline uint32_t recv_seq(int fd, struct sockaddr_in *from)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	socklen_t fl = sizeof(*from);
	uint8_t b[64];
	uint32_t n;
	ssize_t got;

	assert_int_equal(poll(&p, 1, 1000), 1);
	got = recvfrom(fd, b, sizeof(b), MSG_DONTWAIT, (struct sockaddr *)from, &fl);
	assert_true(got >= 0);
	if (got < 4)
		return UINT32_MAX; /* too short to carry a number */
	memcpy(&n, b, 4);
	return ntohl(n);
}

/* Returns nonzero when no datagram waits on fd. */
static inline int nothing_waiting(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 0;
}

#endif
