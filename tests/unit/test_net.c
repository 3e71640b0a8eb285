/*
 * Unit tests for bench/lib/net.c: address parsing and printing, listening
 * sockets, and real datagrams over loopback (IPv4, IPv6 and IPv4 on a
 * dual-stack socket). net.c is included so that a kernel without IPv6 can
 * be played: socket() is routed through fake_socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/err.h"
#include "lib/net.h"
#include "stamp/proto.h"

static int no_ipv6; /* nonzero: fake_socket refuses AF_INET6, as a kernel without IPv6 does */

static int fake_socket(int domain, int type, int protocol)
{
	if (no_ipv6 && domain == AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	return socket(domain, type, protocol);
}

#define socket fake_socket
#include "lib/net.c"
#include "lib/net_io.c"
#undef socket

#define KEEP_PORT 4242 /* a port value split_hostport must leave alone */
#define NPKT 4
#define WAIT_MS 2000   /* upper bound on waiting for loopback delivery */

struct fixture {
	int family;               /* of the receiving socket */
	int rx, tx;               /* -1 when not open */
	struct ub_addr rx_addr;   /* where tx sends to */
	struct ub_addr tx_addr;   /* tx's bound address, as rx should see it */
	const char *rx_local;     /* the local address rx should report */
	const char *skip_why;     /* set when the setup could not get the family */
	uint8_t rxbuf[NPKT][UB_PKT_MAX + 64];
	struct ub_pkt pkts[NPKT];
};

static int group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->rx = fx->tx = -1;
	*state = fx;
	return 0;
}

static int group_teardown(void **state)
{
	free(*state);
	return 0;
}

static void loopback_addr(int family, int any, int port, struct ub_addr *a)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		s4->sin_addr.s_addr = htonl(any ? INADDR_ANY : INADDR_LOOPBACK);
		a->len = sizeof(*s4);
	} else {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		s6->sin6_addr = any ? in6addr_any : in6addr_loopback;
		a->len = sizeof(*s6);
	}
}

/* Binds fd to loopback (or any address) on a free port; *out gets the bound address. */
static int bind_free(int fd, int family, int any, struct ub_addr *out)
{
	struct ub_addr a;

	loopback_addr(family, any, 0, &a);
	if (bind(fd, (struct sockaddr *)&a.ss, a.len) < 0)
		return -1;
	out->len = sizeof(out->ss);
	return getsockname(fd, (struct sockaddr *)&out->ss, &out->len);
}

static int ipv6_loopback_works(void)
{
	struct ub_addr a;
	int fd = socket(AF_INET6, SOCK_DGRAM, 0), ok;

	if (fd < 0)
		return 0;
	ok = bind_free(fd, AF_INET6, 0, &a) == 0;
	close(fd);
	return ok;
}

static void close_pair(struct fixture *fx)
{
	if (fx->rx >= 0)
		close(fx->rx);
	if (fx->tx >= 0)
		close(fx->tx);
	fx->rx = fx->tx = -1;
}

static int open_pair(struct fixture *fx, int rx_family, int rx_any, int tx_family)
{
	struct ub_err e;

	fx->family = rx_family;
	fx->skip_why = NULL;
	fx->rx = ub_net_udp_socket(rx_family, &e);
	fx->tx = ub_net_udp_socket(tx_family, &e);
	if (fx->rx < 0 || fx->tx < 0 || bind_free(fx->rx, rx_family, rx_any, &fx->rx_addr) < 0 ||
	    bind_free(fx->tx, tx_family, 0, &fx->tx_addr) < 0) {
		close_pair(fx);
		return -1;
	}
	fx->rx_local = tx_family == AF_INET ? "127.0.0.1" : "::1";
	if (rx_any) {
		/*
		 * Bound to every address: send to 127.0.0.2, which is not where a
		 * reply would come from by default, so the reply shows whether the
		 * source address was really taken from the request.
		 */
		struct sockaddr_in *s4 = (struct sockaddr_in *)&fx->rx_addr.ss;

		loopback_addr(AF_INET, 0, ub_net_addr_port(&fx->rx_addr), &fx->rx_addr);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1);
		fx->rx_local = "127.0.0.2";
	}
	return 0;
}

static int setup_v4(void **state)
{
	return open_pair(*state, AF_INET, 0, AF_INET);
}

static int setup_v4_any(void **state)
{
	return open_pair(*state, AF_INET, 1, AF_INET);
}

static int setup_v6(void **state)
{
	struct fixture *fx = *state;

	if (!ipv6_loopback_works()) {
		fx->skip_why = "no IPv6 on loopback: cannot bind ::1";
		return 0;
	}
	return open_pair(fx, AF_INET6, 0, AF_INET6);
}

/* The reflector's default: one IPv6 socket on every address, an IPv4 client. */
static int setup_dual(void **state)
{
	struct fixture *fx = *state;

	if (!ipv6_loopback_works()) {
		fx->skip_why = "no IPv6 on loopback: cannot open a dual-stack socket";
		return 0;
	}
	return open_pair(fx, AF_INET6, 1, AF_INET);
}

static int teardown(void **state)
{
	close_pair(*state);
	return 0;
}

static void need_family(const struct fixture *fx)
{
	if (fx->skip_why) {
		print_message("SKIP: %s\n", fx->skip_why);
		skip();
	}
}

/* Receive slots with every reported field poisoned, so each must be written. */
static void prepare_rx(struct fixture *fx, size_t cap)
{
	int i;

	memset(fx->pkts, 0, sizeof(fx->pkts));
	for (i = 0; i < NPKT; i++) {
		memset(fx->rxbuf[i], 0xee, sizeof(fx->rxbuf[i]));
		fx->pkts[i].buf = fx->rxbuf[i];
		fx->pkts[i].cap = cap;
		fx->pkts[i].len = 99999;
		fx->pkts[i].truncated = -1;
		fx->pkts[i].rx_mono_ns = -1;
		fx->pkts[i].rx_real_ns = -1;
		fx->pkts[i].kernel_ts = -1;
		fx->pkts[i].ttl = -7;
		fx->pkts[i].has_local = -1;
		fx->pkts[i].ifindex = -1;
	}
}

static int wait_readable(int fd, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int64_t left;
	int rc;

	for (;;) {
		left = (deadline - ub_clock_mono()) / 1000000;
		if (left < 0)
			return 0;
		rc = poll(&pfd, 1, (int)left + 1);
		if (rc > 0)
			return 1;
		if (rc < 0 && errno != EINTR)
			return 0;
	}
}

/*
 * Receives until want datagrams are in pkts[0..slots) or WAIT_MS pass; every
 * free slot is offered, so an extra datagram in the queue would show.
 * Loopback normally queues a whole batch before sendmmsg returns, but
 * softirq work can be deferred to ksoftirqd, so a late datagram is waited
 * for rather than assumed. *first gets what the first ub_net_recv returned.
 */
static int recv_n(int fd, struct ub_pkt *pkts, int slots, int want, int *first)
{
	int64_t deadline = ub_clock_mono() + (int64_t)WAIT_MS * 1000000;
	struct ub_err e;
	int got = 0, rc;

	*first = -1;
	while (got < want && wait_readable(fd, deadline)) {
		ub_err_clear(&e);
		rc = ub_net_recv(fd, pkts + got, slots - got, &e);
		assert_true(rc >= 0);
		if (*first < 0)
			*first = rc;
		got += rc;
	}
	return got;
}

static void fill(uint8_t *buf, size_t n, int salt)
{
	size_t j;

	for (j = 0; j < n; j++)
		buf[j] = (uint8_t)(j * 7 + (size_t)salt * 53 + 1);
}

static int sock_ttl(int fd, int family)
{
	int v = -1;
	socklen_t l = sizeof(v);

	if (family == AF_INET6)
		assert_int_equal(getsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &l), 0);
	else
		assert_int_equal(getsockopt(fd, IPPROTO_IP, IP_TTL, &v, &l), 0);
	return v;
}

static const char *addr_str(const struct ub_addr *a, char *buf)
{
	return ub_net_addr_str(a, buf, UB_ADDRSTR_MAX);
}

/*
 * Sends three datagrams of different sizes from tx to rx in one batch and
 * checks everything ub_net_recv reports about each.
 */
static void batch_roundtrip(struct fixture *fx, int expect_ttl)
{
	static const size_t sizes[3] = { 1, 300, UB_PKT_MAX };
	uint8_t txbuf[3][UB_PKT_MAX];
	char want_peer[UB_ADDRSTR_MAX], got_peer[UB_ADDRSTR_MAX], host[UB_ADDRSTR_MAX];
	struct ub_pkt out[3];
	struct ub_err e;
	int64_t mono, real;
	int i, first;

	memset(out, 0, sizeof(out));
	for (i = 0; i < 3; i++) {
		fill(txbuf[i], sizes[i], i);
		out[i].buf = txbuf[i];
		out[i].len = sizes[i];
		out[i].peer = fx->rx_addr;
	}
	prepare_rx(fx, sizeof(fx->rxbuf[0]));
	ub_err_clear(&e);
	assert_int_equal(ub_net_send(fx->tx, out, 3, &e), 3);
	assert_int_equal(recv_n(fx->rx, fx->pkts, NPKT, 3, &first), 3);
	assert_true(first >= 1);
	mono = ub_clock_mono();
	real = ub_clock_real();

	addr_str(&fx->tx_addr, want_peer);
	for (i = 0; i < 3; i++) {
		const struct ub_pkt *p = &fx->pkts[i];

		assert_int_equal(p->len, sizes[i]);
		assert_memory_equal(p->buf, txbuf[i], sizes[i]);
		assert_int_equal(p->truncated, 0);
		assert_int_equal(p->peer.ss.ss_family, fx->family);
		assert_int_equal(p->peer.len, fx->tx_addr.len);
		assert_string_equal(addr_str(&p->peer, got_peer), want_peer);
		assert_int_equal(p->ttl, expect_ttl);
		assert_int_equal(p->has_local, 1);
		assert_int_equal(p->local.ss.ss_family, fx->family);
		assert_string_equal(ub_net_host_str(&p->local, host, sizeof(host)), fx->rx_local);
		assert_int_equal(p->ifindex, (int)if_nametoindex("lo"));
		assert_int_equal(p->kernel_ts, 1);
		assert_true(p->rx_mono_ns <= mono);
		assert_true(mono - p->rx_mono_ns < UB_NS_PER_S);
		assert_true(p->rx_real_ns <= real);
		assert_true(real - p->rx_real_ns < UB_NS_PER_S);
	}
	/* the fourth slot was offered but nothing was there to fill it */
	assert_int_equal(fx->pkts[3].len, 99999);
}

/*
 * Forty datagrams of one size, then two of another, as GSO trains: each
 * arrives as its own datagram, whole and in order, and the path keeps GSO.
 */
static void test_gso_trains_v4(void **state)
{
	enum { N = 42 };
	struct fixture *fx = *state;
	static uint8_t txbuf[N][200], rxbuf[N][UB_PKT_MAX + 1];
	struct ub_pkt out[N], in[N];
	struct ub_err e;
	int i, gso = 1, first;

	memset(out, 0, sizeof(out));
	memset(in, 0, sizeof(in));
	for (i = 0; i < N; i++) {
		out[i].len = i < 40 ? 100 : 50;
		fill(txbuf[i], out[i].len, i);
		out[i].buf = txbuf[i];
		out[i].peer = fx->rx_addr;
		in[i].buf = rxbuf[i];
		in[i].cap = sizeof(rxbuf[i]);
	}
	ub_err_clear(&e);
	assert_int_equal(ub_net_send_trains(fx->tx, out, N, &gso, &e), N);
	assert_int_equal(gso, 1);
	assert_int_equal(recv_n(fx->rx, in, N, N, &first), N);
	for (i = 0; i < N; i++) {
		assert_int_equal(in[i].len, out[i].len);
		assert_memory_equal(in[i].buf, txbuf[i], out[i].len);
	}
}

static void test_batch_v4(void **state)
{
	struct fixture *fx = *state;

	batch_roundtrip(fx, sock_ttl(fx->tx, AF_INET));
}

static void test_batch_v6(void **state)
{
	struct fixture *fx = *state;

	need_family(fx);
	batch_roundtrip(fx, sock_ttl(fx->tx, AF_INET6));
}

static void check_dscp_ttl(struct fixture *fx)
{
	struct ub_err e;
	int tos = -1;
	socklen_t l = sizeof(tos);

	ub_err_clear(&e);
	assert_int_equal(ub_net_set_dscp_ttl(fx->tx, fx->family, 46, 17, &e), 0);
	if (fx->family == AF_INET6)
		assert_int_equal(getsockopt(fx->tx, IPPROTO_IPV6, IPV6_TCLASS, &tos, &l), 0);
	else
		assert_int_equal(getsockopt(fx->tx, IPPROTO_IP, IP_TOS, &tos, &l), 0);
	assert_int_equal(tos, 46 << 2);
	batch_roundtrip(fx, 17);
}

static void test_dscp_ttl_v4(void **state)
{
	check_dscp_ttl(*state);
}

static void test_dscp_ttl_v6(void **state)
{
	struct fixture *fx = *state;

	need_family(fx);
	check_dscp_ttl(fx);
}

/* -1 leaves a setting alone; values outside the kernel's range are errors naming them. */
static void test_dscp_ttl_leave_and_reject(void **state)
{
	struct fixture *fx = *state;
	struct ub_err e;

	assert_int_equal(ub_net_set_dscp_ttl(fx->tx, AF_INET, -1, 33, &e), 0);
	assert_int_equal(ub_net_set_dscp_ttl(fx->tx, AF_INET, -1, -1, &e), 0);
	assert_int_equal(sock_ttl(fx->tx, AF_INET), 33);
	ub_err_clear(&e);
	assert_int_equal(ub_net_set_dscp_ttl(fx->tx, AF_INET, -1, 256, &e), UB_E_SYS);
	assert_int_equal(e.sys_errno, EINVAL);
	assert_non_null(strstr(e.msg, "256"));
	assert_int_equal(sock_ttl(fx->tx, AF_INET), 33);
}

/* Answering with has_local set (IP_PKTINFO / IPV6_PKTINFO) reaches the sender. */
static void reply_from_local(struct fixture *fx)
{
	uint8_t msg[64], back[64];
	char want[UB_ADDRSTR_MAX], got[UB_ADDRSTR_MAX];
	struct ub_pkt out, in;
	struct ub_err e;
	int first;

	memset(&out, 0, sizeof(out));
	fill(msg, sizeof(msg), 9);
	out.buf = msg;
	out.len = sizeof(msg);
	out.peer = fx->rx_addr;
	prepare_rx(fx, sizeof(fx->rxbuf[0]));
	assert_int_equal(ub_net_send(fx->tx, &out, 1, &e), 1);
	assert_int_equal(recv_n(fx->rx, fx->pkts, NPKT, 1, &first), 1);
	assert_int_equal(fx->pkts[0].has_local, 1);
	assert_string_equal(ub_net_host_str(&fx->pkts[0].local, got, sizeof(got)), fx->rx_local);

	/* the reflector's move: same packet back to its source, from where it arrived */
	assert_int_equal(ub_net_send(fx->rx, fx->pkts, 1, &e), 1);

	memset(&in, 0, sizeof(in));
	memset(back, 0, sizeof(back));
	in.buf = back;
	in.cap = sizeof(back);
	assert_int_equal(recv_n(fx->tx, &in, 1, 1, &first), 1);
	assert_int_equal(in.len, sizeof(msg));
	assert_memory_equal(back, msg, sizeof(msg));
	assert_string_equal(addr_str(&in.peer, got), addr_str(&fx->rx_addr, want));
}

static void test_reply_from_local_v4(void **state)
{
	reply_from_local(*state);
}

/* A socket on every address answers from the one the request was sent to. */
static void test_reply_from_second_address_v4(void **state)
{
	reply_from_local(*state);
}

static void test_reply_from_local_v6(void **state)
{
	struct fixture *fx = *state;

	need_family(fx);
	reply_from_local(fx);
}

/*
 * IPv4 arriving on a dual-stack IPv6 socket: the peer and local addresses
 * are IPv4-mapped and print as IPv4, the TTL comes from the IPv4 header,
 * and the reply goes back from the address the request was sent to.
 */
static void test_dual_stack_v4_mapped(void **state)
{
	struct fixture *fx = *state;
	char s[UB_ADDRSTR_MAX], want[UB_ADDRSTR_MAX];
	const struct sockaddr_in6 *peer6;
	struct ub_err e;
	struct ub_pkt out;
	uint8_t msg[48];
	int first;

	need_family(fx);
	memset(&out, 0, sizeof(out));
	fill(msg, sizeof(msg), 3);
	out.buf = msg;
	out.len = sizeof(msg);
	out.peer = fx->rx_addr;
	prepare_rx(fx, sizeof(fx->rxbuf[0]));
	assert_int_equal(ub_net_send(fx->tx, &out, 1, &e), 1);
	assert_int_equal(recv_n(fx->rx, fx->pkts, NPKT, 1, &first), 1);

	peer6 = (const struct sockaddr_in6 *)&fx->pkts[0].peer.ss;
	assert_int_equal(peer6->sin6_family, AF_INET6);
	assert_true(IN6_IS_ADDR_V4MAPPED(&peer6->sin6_addr));
	assert_string_equal(addr_str(&fx->pkts[0].peer, s), addr_str(&fx->tx_addr, want));
	assert_int_equal(fx->pkts[0].ttl, sock_ttl(fx->tx, AF_INET));
	assert_int_equal(fx->pkts[0].has_local, 1);
	assert_string_equal(ub_net_host_str(&fx->pkts[0].local, s, sizeof(s)), fx->rx_local);
	assert_int_equal(fx->pkts[0].kernel_ts, 1);

	assert_int_equal(ub_net_send(fx->rx, fx->pkts, 1, &e), 1);
	prepare_rx(fx, sizeof(fx->rxbuf[0]));
	assert_int_equal(recv_n(fx->tx, fx->pkts, NPKT, 1, &first), 1);
	assert_int_equal(fx->pkts[0].len, sizeof(msg));
	assert_string_equal(addr_str(&fx->pkts[0].peer, s), addr_str(&fx->rx_addr, want));
}

/* A datagram larger than its slot is cut to the slot and flagged; one that fits exactly is not. */
static void test_truncated(void **state)
{
	struct fixture *fx = *state;
	uint8_t big[100], exact[10];
	struct ub_pkt out[2];
	struct ub_err e;
	int first;

	memset(out, 0, sizeof(out));
	fill(big, sizeof(big), 5);
	fill(exact, sizeof(exact), 6);
	out[0].buf = big;
	out[0].len = sizeof(big);
	out[0].peer = fx->rx_addr;
	out[1].buf = exact;
	out[1].len = sizeof(exact);
	out[1].peer = fx->rx_addr;
	prepare_rx(fx, 10);
	assert_int_equal(ub_net_send(fx->tx, out, 2, &e), 2);
	assert_int_equal(recv_n(fx->rx, fx->pkts, NPKT, 2, &first), 2);

	assert_int_equal(fx->pkts[0].truncated, 1);
	assert_int_equal(fx->pkts[0].len, 10);
	assert_memory_equal(fx->pkts[0].buf, big, 10);
	/* nothing written past the slot */
	assert_int_equal(fx->rxbuf[0][10], 0xee);

	assert_int_equal(fx->pkts[1].truncated, 0);
	assert_int_equal(fx->pkts[1].len, 10);
	assert_memory_equal(fx->pkts[1].buf, exact, 10);
}

static void test_recv_nothing_waiting(void **state)
{
	struct fixture *fx = *state;
	struct ub_err e;

	prepare_rx(fx, sizeof(fx->rxbuf[0]));
	ub_err_clear(&e);
	assert_int_equal(ub_net_recv(fx->rx, fx->pkts, NPKT, &e), 0);
	assert_int_equal(e.code, 0);
	assert_int_equal(fx->pkts[0].len, 99999);
	assert_int_equal(fx->pkts[0].ttl, -7);
}

/* An ICMP port unreachable on a connected socket comes back as a soft ECONNREFUSED. */
static void test_recv_connection_refused(void **state)
{
	struct fixture *fx = *state;
	struct pollfd pfd;
	struct ub_pkt out;
	struct ub_err e;
	uint8_t msg[8] = { 0 };

	assert_int_equal(connect(fx->tx, (struct sockaddr *)&fx->rx_addr.ss, fx->rx_addr.len), 0);
	close(fx->rx);
	fx->rx = -1;
	memset(&out, 0, sizeof(out));
	out.buf = msg;
	out.len = sizeof(msg);
	assert_int_equal(ub_net_send(fx->tx, &out, 1, &e), 1);

	pfd.fd = fx->tx;
	pfd.events = POLLIN;
	pfd.revents = 0;
	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	assert_true(pfd.revents & POLLERR);

	prepare_rx(fx, sizeof(fx->rxbuf[0]));
	ub_err_clear(&e);
	assert_int_equal(ub_net_recv(fx->tx, fx->pkts, NPKT, &e), UB_E_SYS);
	assert_int_equal(e.code, UB_E_SYS);
	assert_int_equal(e.sys_errno, ECONNREFUSED);
	assert_true(ub_net_soft_error(e.sys_errno));
}

static void test_bad_fd(void **state)
{
	uint8_t buf[16] = { 0 };
	struct ub_pkt p;
	struct ub_err e;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.buf = buf;
	p.cap = sizeof(buf);
	p.len = sizeof(buf);
	loopback_addr(AF_INET, 0, 9, &p.peer);

	ub_err_clear(&e);
	assert_int_equal(ub_net_recv(-1, &p, 1, &e), UB_E_SYS);
	assert_int_equal(e.sys_errno, EBADF);
	assert_false(ub_net_soft_error(e.sys_errno));

	ub_err_clear(&e);
	assert_int_equal(ub_net_send(-1, &p, 1, &e), UB_E_SYS);
	assert_int_equal(e.sys_errno, EBADF);

	ub_err_clear(&e);
	assert_int_equal(ub_net_udp_socket(-12345, &e), UB_E_SYS);
	assert_int_equal(e.code, UB_E_SYS);
	assert_int_not_equal(e.sys_errno, 0);
}

static void test_set_buffers(void **state)
{
	struct fixture *fx = *state;
	struct ub_err e;
	int rcv = -1, snd = -1;

	ub_err_clear(&e);
	assert_int_equal(ub_net_set_buffers(fx->rx, 65536, &rcv, &snd, &e), 0);
	assert_true(rcv > 0);
	assert_true(snd > 0);
	/* either pointer may be left out */
	rcv = -1;
	assert_int_equal(ub_net_set_buffers(fx->rx, 65536, &rcv, NULL, &e), 0);
	assert_true(rcv > 0);
}

/* ---- host:port ---- */

struct split_ok {
	const char *in;
	const char *host;
	int port;
};

static void test_split_hostport(void **state)
{
	static const struct split_ok cases[] = {
		{ "example.net", "example.net", KEEP_PORT },
		{ "example.net:443", "example.net", 443 },
		{ "192.0.2.1:1", "192.0.2.1", 1 },
		{ "192.0.2.1:65535", "192.0.2.1", 65535 },
		{ "[2001:db8::1]:5000", "2001:db8::1", 5000 },
		{ "[::1]", "::1", KEEP_PORT },
		{ "::1", "::1", KEEP_PORT },
		{ "2001:db8::7", "2001:db8::7", KEEP_PORT },
		/* a zone index stays part of the host, for getaddrinfo */
		{ "fe80::1%eth0", "fe80::1%eth0", KEEP_PORT },
		{ "[fe80::1%eth0]:8000", "fe80::1%eth0", 8000 },
	};
	char host[64];
	struct ub_err e;
	size_t i;
	int port;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		port = KEEP_PORT;
		memset(host, 'Z', sizeof(host));
		ub_err_clear(&e);
		if (ub_net_split_hostport(cases[i].in, host, sizeof(host), &port, &e) != 0)
			fail_msg("'%s' refused: %s", cases[i].in, e.msg);
		assert_string_equal(host, cases[i].host);
		assert_int_equal(port, cases[i].port);
	}
}

struct split_bad {
	const char *in;
	int code;
	const char *says; /* a piece of the message */
};

static void test_split_hostport_errors(void **state)
{
	static const struct split_bad cases[] = {
		{ "", UB_E_INVAL, "empty" },
		{ "[::1", UB_E_INVAL, "missing ']'" },
		{ "[::1]x", UB_E_INVAL, "junk after ']'" },
		{ "[::1]:", UB_E_INVAL, "must be a number" },
		{ "[::1]:0", UB_E_RANGE, "'0'" },
		{ "h:0", UB_E_RANGE, "'0'" },
		{ "h:65536", UB_E_RANGE, "'65536'" },
		{ "h:abc", UB_E_INVAL, "'abc'" },
		{ "h: 80", UB_E_INVAL, "must be a number" },
		{ "h:+80", UB_E_INVAL, "must be a number" },
		{ "h:80x", UB_E_RANGE, "'80x'" },
		{ "h:-1", UB_E_INVAL, "'-1'" },
		{ "h:", UB_E_INVAL, "must be a number" },
		{ ":80", UB_E_INVAL, "bad host" },
		{ "[]:80", UB_E_INVAL, "'[]:80': bad host" },
	};
	char host[64];
	struct ub_err e;
	size_t i;
	int port, rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		port = KEEP_PORT;
		ub_err_clear(&e);
		rc = ub_net_split_hostport(cases[i].in, host, sizeof(host), &port, &e);
		if (rc != cases[i].code || !strstr(e.msg, cases[i].says))
			fail_msg("'%s': got %d '%s', want %d and '%s'", cases[i].in, rc, e.msg,
				 cases[i].code, cases[i].says);
		assert_int_equal(e.code, rc);
		assert_int_equal(port, KEEP_PORT);
	}
	assert_int_equal(ub_net_split_hostport(NULL, host, sizeof(host), &port, &e), UB_E_INVAL);
	/* no error record is fine too */
	assert_int_equal(ub_net_split_hostport("h:0", host, sizeof(host), &port, NULL),
			 UB_E_RANGE);
}

/* hostlen counts the terminating NUL; nothing is written past it. */
static void test_split_hostport_host_length(void **state)
{
	char host[16];
	struct ub_err e;
	int port = KEEP_PORT;

	(void)state;
	memset(host, 'Z', sizeof(host));
	assert_int_equal(ub_net_split_hostport("abcdefg:9", host, 8, &port, &e), 0);
	assert_string_equal(host, "abcdefg");
	assert_int_equal(port, 9);
	assert_int_equal(host[8], 'Z');

	memset(host, 'Z', sizeof(host));
	assert_int_equal(ub_net_split_hostport("[abcdefg]", host, 8, &port, &e), 0);
	assert_string_equal(host, "abcdefg");
	assert_int_equal(host[8], 'Z');

	port = KEEP_PORT;
	memset(host, 'Z', sizeof(host));
	ub_err_clear(&e);
	assert_int_equal(ub_net_split_hostport("abcdefgh:9", host, 8, &port, &e), UB_E_INVAL);
	assert_non_null(strstr(e.msg, "bad host"));
	assert_int_equal(port, KEEP_PORT);
	assert_int_equal(host[0], 'Z');
	assert_int_equal(ub_net_split_hostport("abcdefgh", host, 8, &port, &e), UB_E_INVAL);
	assert_int_equal(ub_net_split_hostport("[abcdefgh]:9", host, 8, &port, &e), UB_E_INVAL);
	assert_int_equal(port, KEEP_PORT);
}

/* ---- listening addresses ([ADDR:]PORT) ---- */

static void test_split_listen(void **state)
{
	static const struct split_ok cases[] = {
		{ "9000", "", 9000 },
		{ ":0", "", 0 },
		{ "0", "", 0 },
		{ "127.0.0.1:7", "127.0.0.1", 7 },
		{ "[::1]:0", "::1", 0 },
		{ "[2001:db8::1]:65535", "2001:db8::1", 65535 },
		{ "localhost:862", "localhost", 862 },
	};
	char host[64];
	struct ub_err e;
	size_t i;
	int port;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		port = KEEP_PORT;
		memset(host, 'Z', sizeof(host));
		ub_err_clear(&e);
		if (ub_net_split_listen("--listen", cases[i].in, host, sizeof(host), &port, &e) != 0)
			fail_msg("'%s' refused: %s", cases[i].in, e.msg);
		assert_string_equal(host, cases[i].host);
		assert_int_equal(port, cases[i].port);
	}
}

static void test_split_listen_errors(void **state)
{
	static const struct {
		const char *in, *msg; /* the whole message */
	} cases[] = {
		{ "", "--live: give [ADDR:]PORT" },
		{ "::1", "--live '::1': write an IPv6 address as [ADDR]:PORT" },
		{ "[::1]", "--live '[::1]': expected [ADDR]:PORT" },
		{ "[::1", "--live '[::1': expected [ADDR]:PORT" },
		{ "[::1]x", "--live '[::1]x': expected [ADDR]:PORT" },
		{ "[]:80", "--live '[]:80': bad address" },
		{ "abcdefgh:80", "--live 'abcdefgh:80': bad address" },
		{ "host:", "--live 'host:': port must be 0..65535" },
		{ "host:70000", "--live 'host:70000': port must be 0..65535" },
		{ "host:-1", "--live 'host:-1': port must be 0..65535" },
		{ "host:80x", "--live 'host:80x': port must be 0..65535" },
		{ "http", "--live 'http': port must be 0..65535" },
	};
	char host[8];
	struct ub_err e;
	size_t i;
	int port, rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		port = KEEP_PORT;
		ub_err_clear(&e);
		rc = ub_net_split_listen("--live", cases[i].in, host, sizeof(host), &port, &e);
		if (rc != UB_E_INVAL || strcmp(e.msg, cases[i].msg) != 0)
			fail_msg("'%s': got %d '%s', want '%s'", cases[i].in, rc, e.msg, cases[i].msg);
		assert_int_equal(port, KEEP_PORT);
	}
	assert_int_equal(ub_net_split_listen("--live", NULL, host, sizeof(host), &port, NULL),
			 UB_E_INVAL);
}

/* ---- listening sockets ---- */

static int v6only_of(int fd)
{
	socklen_t sl = sizeof(int);
	int v = -1;

	assert_int_equal(getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &sl), 0);
	return v;
}

/* Sends one datagram from a new IPv4 socket to 127.0.0.1:port and reads it back on fd. */
static void v4_reaches(int fd, int port)
{
	uint8_t buf[64];
	struct ub_pkt p = { .buf = buf, .cap = sizeof(buf) };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct ub_addr to;
	struct ub_err e;
	int tx = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(tx >= 0);
	loopback_addr(AF_INET, 0, port, &to);
	assert_int_equal(sendto(tx, "hello", 5, 0, (struct sockaddr *)&to.ss, to.len), 5);
	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	assert_int_equal(ub_net_recv(fd, &p, 1, &e), 1);
	assert_int_equal(p.len, 5);
	assert_memory_equal(buf, "hello", 5);
	close(tx);
}

/* Every address, no family asked: one IPv6 socket that takes IPv4 too. */
static void test_listen_dual_stack(void **state)
{
	struct ub_net_listen_config c;
	char s[UB_ADDRSTR_MAX], want[32];
	struct ub_addr a;
	struct ub_err e;
	int fd, rcv = 0;

	(void)state;
	if (!ipv6_loopback_works())
		skip();
	ub_net_listen_config_init(&c);
	c.sockbuf = 1 << 16;
	fd = ub_net_listen(&c, &a, &rcv, &e);
	if (fd < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(a.ss.ss_family, AF_INET6);
	assert_true(ub_net_addr_port(&a) > 0);
	snprintf(want, sizeof(want), "[::]:%d", ub_net_addr_port(&a));
	assert_string_equal(addr_str(&a, s), want);
	assert_int_equal(v6only_of(fd), 0);
	assert_true(rcv >= 1 << 16);
	v4_reaches(fd, ub_net_addr_port(&a));
	close(fd);

	/* -6: IPv6 alone */
	c.family = AF_INET6;
	c.sockbuf = 0;
	fd = ub_net_listen(&c, &a, NULL, &e);
	assert_true(fd >= 0);
	assert_int_equal(v6only_of(fd), 1);
	close(fd);
}

/* A kernel without IPv6: every address is IPv4's; asked for IPv6 alone, the error says so. */
static void test_listen_without_ipv6(void **state)
{
	struct ub_net_listen_config c;
	char s[UB_ADDRSTR_MAX], want[32];
	struct ub_addr a;
	struct ub_err e;
	int fd;

	(void)state;
	no_ipv6 = 1;
	ub_net_listen_config_init(&c);
	fd = ub_net_listen(&c, &a, NULL, &e);
	if (fd < 0) {
		no_ipv6 = 0;
		fail_msg("%s", e.msg);
	}
	assert_int_equal(a.ss.ss_family, AF_INET);
	snprintf(want, sizeof(want), "0.0.0.0:%d", ub_net_addr_port(&a));
	assert_string_equal(addr_str(&a, s), want);
	v4_reaches(fd, ub_net_addr_port(&a));
	close(fd);

	c.family = AF_INET6;
	ub_err_clear(&e);
	fd = ub_net_listen(&c, &a, NULL, &e);
	no_ipv6 = 0;
	assert_int_equal(fd, UB_E_SYS);
	assert_int_equal(e.sys_errno, EAFNOSUPPORT);
}

/* One address: the port taken, a name that does not resolve, who listens named. */
static void test_listen_errors(void **state)
{
	struct ub_net_listen_config c;
	char want[UB_ERR_MSG_MAX];
	struct ub_addr a, b;
	struct ub_err e;
	int fd, fd2, tfd, tfd2;

	(void)state;
	ub_net_listen_config_init(&c);
	c.host = "127.0.0.1";
	c.opt = "--bind";
	fd = ub_net_listen(&c, &a, NULL, &e);
	assert_true(fd >= 0);
	assert_int_equal(a.ss.ss_family, AF_INET);
	c.port = ub_net_addr_port(&a);

	/* UDP again on its port: taken */
	ub_err_clear(&e);
	assert_int_equal(ub_net_listen(&c, &b, NULL, &e), UB_E_SYS);
	assert_int_equal(e.sys_errno, EADDRINUSE);
	snprintf(want, sizeof(want), "cannot listen on 127.0.0.1:%d: %s", c.port, strerror(EADDRINUSE));
	assert_string_equal(e.msg, want);

	/* TCP on the same port number is another socket; a second one is refused, named */
	c.stream = 1;
	c.who = "TCP echo";
	tfd = ub_net_listen(&c, &b, NULL, &e);
	assert_true(tfd >= 0);
	assert_int_equal(ub_net_addr_port(&b), c.port);
	ub_err_clear(&e);
	c.host = NULL;
	c.addr = &a;
	tfd2 = ub_net_listen(&c, NULL, NULL, &e);
	assert_int_equal(tfd2, UB_E_SYS);
	snprintf(want, sizeof(want), "TCP echo cannot listen on 127.0.0.1:%d: %s", c.port,
		 strerror(EADDRINUSE));
	assert_string_equal(e.msg, want);

	/* a name the C library refuses to look up: the message starts with the option */
	ub_net_listen_config_init(&c);
	c.host = "no such host!";
	c.opt = "--bind";
	ub_err_clear(&e);
	fd2 = ub_net_listen(&c, NULL, NULL, &e);
	assert_int_equal(fd2, UB_E_INVAL);
	assert_true(strncmp(e.msg, "--bind: cannot resolve 'no such host!'", 38) == 0);
	c.opt = NULL;
	ub_net_listen(&c, NULL, NULL, &e);
	assert_true(strncmp(e.msg, "cannot resolve", 14) == 0);
	close(tfd);
	close(fd);
}

/* A TCP listener on an address as it stands: it accepts. */
static void test_listen_stream_accepts(void **state)
{
	struct ub_net_listen_config c;
	struct pollfd pfd;
	struct ub_addr a;
	struct ub_err e;
	int lfd, cfd, afd;

	(void)state;
	loopback_addr(AF_INET, 0, 0, &a);
	ub_net_listen_config_init(&c);
	c.addr = &a;
	c.stream = 1;
	lfd = ub_net_listen(&c, &a, NULL, &e);
	assert_true(lfd >= 0);
	assert_true(ub_net_addr_port(&a) > 0);
	/* nonblocking: nothing to accept yet */
	assert_int_equal(accept(lfd, NULL, NULL), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(cfd, (struct sockaddr *)&a.ss, a.len), 0);
	pfd.fd = lfd;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	afd = accept(lfd, NULL, NULL);
	assert_true(afd >= 0);
	close(afd);
	close(cfd);
	close(lfd);
}

/* ---- resolving (numeric hosts only: no name service is asked) ---- */

static void resolve_ok(const char *host, int port, int family, int passive, int want_family,
		       const char *want)
{
	char s[UB_ADDRSTR_MAX];
	struct ub_addr a;
	struct ub_err e;

	memset(&a, 0xab, sizeof(a));
	ub_err_clear(&e);
	if (ub_net_resolve(host, port, family, passive, &a, &e) != 0)
		fail_msg("'%s' did not resolve: %s", host ? host : "(passive)", e.msg);
	assert_int_equal(a.ss.ss_family, want_family);
	assert_int_equal(a.len, want_family == AF_INET ? sizeof(struct sockaddr_in)
						      : sizeof(struct sockaddr_in6));
	assert_string_equal(addr_str(&a, s), want);
	assert_int_equal(ub_net_addr_port(&a), port);
}

static void test_resolve(void **state)
{
	(void)state;
	resolve_ok("127.0.0.1", 9, AF_UNSPEC, 0, AF_INET, "127.0.0.1:9");
	resolve_ok("127.0.0.1", 10000, AF_INET, 0, AF_INET, "127.0.0.1:10000");
	resolve_ok("::1", 10000, AF_UNSPEC, 0, AF_INET6, "[::1]:10000");
	resolve_ok("::1", 65535, AF_INET6, 0, AF_INET6, "[::1]:65535");
	resolve_ok("::ffff:192.0.2.1", 7, AF_UNSPEC, 0, AF_INET6, "192.0.2.1:7");
	resolve_ok(NULL, 5, AF_INET, 1, AF_INET, "0.0.0.0:5");
	resolve_ok(NULL, 5, AF_INET6, 1, AF_INET6, "[::]:5");
}

static void resolve_fails(const char *host, int family)
{
	struct ub_addr a;
	struct ub_err e;

	memset(&a, 0xab, sizeof(a));
	ub_err_clear(&e);
	assert_int_equal(ub_net_resolve(host, 10000, family, 0, &a, &e), UB_E_INVAL);
	assert_int_equal(e.code, UB_E_INVAL);
	if (!strstr(e.msg, host))
		fail_msg("message '%s' does not name '%s'", e.msg, host);
	/* the output is left alone */
	assert_int_equal(a.len, 0xabababab);
}

static void test_resolve_wrong_family(void **state)
{
	(void)state;
	resolve_fails("::1", AF_INET);
	resolve_fails("127.0.0.1", AF_INET6);
}

/* ---- printing addresses ---- */

static void make_v4(struct ub_addr *a, const char *ip, int port)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;

	memset(a, 0, sizeof(*a));
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	assert_int_equal(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
	a->len = sizeof(*s4);
}

static void make_v6(struct ub_addr *a, const char *ip, int port)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof(*a));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)port);
	assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
	a->len = sizeof(*s6);
}

static void test_addr_str(void **state)
{
	char s[UB_ADDRSTR_MAX];
	struct ub_addr a;

	(void)state;
	make_v4(&a, "192.0.2.7", 10000);
	assert_string_equal(addr_str(&a, s), "192.0.2.7:10000");
	assert_string_equal(ub_net_host_str(&a, s, sizeof(s)), "192.0.2.7");
	assert_int_equal(ub_net_addr_port(&a), 10000);

	make_v6(&a, "2001:db8::1", 443);
	assert_string_equal(addr_str(&a, s), "[2001:db8::1]:443");
	assert_string_equal(ub_net_host_str(&a, s, sizeof(s)), "2001:db8::1");
	assert_int_equal(ub_net_addr_port(&a), 443);

	make_v6(&a, "::ffff:198.51.100.3", 53);
	assert_string_equal(addr_str(&a, s), "198.51.100.3:53");
	assert_string_equal(ub_net_host_str(&a, s, sizeof(s)), "198.51.100.3");

	/* the longest text form still fits UB_ADDRSTR_MAX */
	make_v6(&a, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 65535);
	assert_string_equal(addr_str(&a, s), "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe]:65535");

	/* a short buffer is cut, and still terminated */
	make_v6(&a, "2001:db8::1", 443);
	memset(s, 'Z', sizeof(s));
	ub_net_addr_str(&a, s, 8);
	assert_string_equal(s, "[2001:d");

	/* no address at all */
	memset(&a, 0, sizeof(a));
	memset(s, 'Z', sizeof(s));
	assert_string_equal(ub_net_host_str(&a, s, sizeof(s)), "");
	assert_int_equal(ub_net_addr_port(&a), 0);
}

/* Returns the length of a's key, written over a key full of junk. */
static size_t key_of(const struct ub_addr *a, uint8_t key[UB_ADDR_KEY_MAX])
{
	memset(key, 0xee, UB_ADDR_KEY_MAX);
	return ub_net_addr_key(a, key);
}

static void test_addr_key(void **state)
{
	uint8_t k4[UB_ADDR_KEY_MAX], k6[UB_ADDR_KEY_MAX], km[UB_ADDR_KEY_MAX], kx[UB_ADDR_KEY_MAX];
	struct ub_addr v4, v6, mapped, x;
	struct sockaddr_in *s4;
	struct sockaddr_in6 *s6;

	(void)state;
	make_v4(&v4, "192.0.2.7", 10000);
	make_v6(&v6, "2001:db8::7", 10000);
	make_v6(&mapped, "::ffff:192.0.2.7", 10000);
	assert_int_equal(key_of(&v4, k4), 6);
	assert_memory_equal(k4, "\xc0\x00\x02\x07\x27\x10", 6); /* address, then port, network order */
	assert_int_equal(key_of(&v6, k6), UB_ADDR_KEY_MAX);
	assert_memory_not_equal(k6, k4, 6);
	/*
	 * The IPv4 peer as a dual-stack socket sees it: a key of another length
	 * (flows and sessions compare families too), ::ffff: and the IPv4 key.
	 */
	assert_int_equal(key_of(&mapped, km), UB_ADDR_KEY_MAX);
	assert_memory_equal(km, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
	assert_memory_equal(km + 12, k4, 6);
	assert_memory_not_equal(km, k6, UB_ADDR_KEY_MAX);

	/* Another port is another key. */
	make_v4(&x, "192.0.2.7", 10001);
	key_of(&x, kx);
	assert_memory_not_equal(k4, kx, 6);
	make_v6(&x, "2001:db8::7", 10001);
	key_of(&x, kx);
	assert_memory_not_equal(k6, kx, 18);

	/* The same peer with other padding, length, flow label or scope: the same key. */
	x = v4;
	memset((uint8_t *)&x.ss + sizeof(struct sockaddr_in), 0x5a,
	       sizeof(x.ss) - sizeof(struct sockaddr_in));
	s4 = (struct sockaddr_in *)&x.ss;
	memset(s4->sin_zero, 0xa5, sizeof(s4->sin_zero));
	x.len = sizeof(x.ss);
	assert_int_equal(key_of(&x, kx), 6);
	assert_memory_equal(k4, kx, 6);
	x = v6;
	memset((uint8_t *)&x.ss + sizeof(struct sockaddr_in6), 0x5a,
	       sizeof(x.ss) - sizeof(struct sockaddr_in6));
	s6 = (struct sockaddr_in6 *)&x.ss;
	s6->sin6_flowinfo = htonl(0x12345);
	s6->sin6_scope_id = 3;
	assert_int_equal(key_of(&x, kx), 18);
	assert_memory_equal(k6, kx, 18);
}

static void test_hash(void **state)
{
	(void)state;
	/* FNV-1a 32-bit test vectors. */
	assert_int_equal(ub_net_hash("", 0, UB_NET_HASH_INIT), 0x811c9dc5u);
	assert_int_equal(ub_net_hash("a", 1, UB_NET_HASH_INIT), 0xe40c292cu);
	assert_int_equal(ub_net_hash("foobar", 6, UB_NET_HASH_INIT), 0xbf9cf968u);
	/* Continuing from h is hashing the concatenation. */
	assert_int_equal(ub_net_hash("bar", 3, ub_net_hash("foo", 3, UB_NET_HASH_INIT)),
			 ub_net_hash("foobar", 6, UB_NET_HASH_INIT));
	assert_int_not_equal(ub_net_hash("foobar", 6, 0), ub_net_hash("foobar", 6, UB_NET_HASH_INIT));
}

static void test_soft_error(void **state)
{
	static const int soft[] = { EAGAIN,	  EWOULDBLOCK, ENOBUFS, ECONNREFUSED,
				    EHOSTUNREACH, ENETUNREACH, EINTR };
	static const int hard[] = { 0, EBADF, ENOTSOCK, EINVAL, EFAULT, ENOMEM, EAFNOSUPPORT };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(soft) / sizeof(soft[0]); i++)
		if (!ub_net_soft_error(soft[i]))
			fail_msg("%s should be soft", strerror(soft[i]));
	for (i = 0; i < sizeof(hard) / sizeof(hard[0]); i++)
		if (ub_net_soft_error(hard[i]))
			fail_msg("%s should be hard", strerror(hard[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_hostport),
		cmocka_unit_test(test_split_hostport_errors),
		cmocka_unit_test(test_split_hostport_host_length),
		cmocka_unit_test(test_split_listen),
		cmocka_unit_test(test_split_listen_errors),
		cmocka_unit_test(test_listen_dual_stack),
		cmocka_unit_test(test_listen_without_ipv6),
		cmocka_unit_test(test_listen_errors),
		cmocka_unit_test(test_listen_stream_accepts),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_wrong_family),
		cmocka_unit_test(test_addr_str),
		cmocka_unit_test(test_addr_key),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_soft_error),
		cmocka_unit_test(test_bad_fd),
		cmocka_unit_test_setup_teardown(test_batch_v4, setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_gso_trains_v4, setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_batch_v6, setup_v6, teardown),
		cmocka_unit_test_setup_teardown(test_dscp_ttl_v4, setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_dscp_ttl_v6, setup_v6, teardown),
		cmocka_unit_test_setup_teardown(test_dscp_ttl_leave_and_reject, setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_reply_from_local_v4, setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_reply_from_second_address_v4, setup_v4_any,
						teardown),
		cmocka_unit_test_setup_teardown(test_reply_from_local_v6, setup_v6, teardown),
		cmocka_unit_test_setup_teardown(test_dual_stack_v4_mapped, setup_dual, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_recv_nothing_waiting, setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_recv_connection_refused, setup_v4, teardown),
		cmocka_unit_test_setup_teardown(test_set_buffers, setup_v4, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
