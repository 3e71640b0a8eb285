/*
 * udpbench: datagram I/O (addresses: netaddr.h, included here). One way
 * to listen for every server, and batch receive and send
 * (recvmmsg/sendmmsg) behind one small interface, with kernel receive
 * timestamps, the arriving TTL and the local address each datagram was sent to.
 */
#ifndef UB_NET_H
#define UB_NET_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "lib/err.h"
#include "lib/netaddr.h"

/* One datagram with what the kernel told about it. */
struct ub_pkt {
	uint8_t *buf;         /* caller-owned */
	size_t cap;           /* size of buf */
	size_t len;           /* bytes received / to send */
	int truncated;        /* larger than cap */
	struct ub_addr peer;  /* source on receive, destination on send */
	int64_t rx_mono_ns;   /* arrival, monotonic (from the kernel stamp when there is one) */
	int64_t rx_real_ns;   /* arrival, wall clock */
	int kernel_ts;        /* rx times come from SO_TIMESTAMPNS */
	int ttl;              /* IPv4 TTL / IPv6 hop limit as it arrived; -1 unknown */
	int has_local;        /* local holds the address the datagram was sent to */
	struct ub_addr local; /* used as the source address when replying */
	int ifindex;
};

/* A nonblocking UDP socket for family, with receive metadata enabled. Returns fd or negative code. */
int ub_net_udp_socket(int family, struct ub_err *e);

/* Where and how ub_net_listen listens. */
struct ub_net_listen_config {
	const char *host;           /* the address to bind; NULL: every address */
	const struct ub_addr *addr; /* or this one as it stands, port and all (host then unused) */
	int port;                   /* with host: 0 lets the kernel pick */
	int family;                 /* AF_UNSPEC: dual-stack; AF_INET6 alone sets IPV6_V6ONLY */
	int stream;                 /* TCP (listening, SO_REUSEADDR) instead of UDP */
	int sockbuf;                /* > 0: both socket buffers asked for this size */
	const char *opt;            /* the option host came from: put before its resolve errors */
	const char *who;            /* NULL, or who listens, named in a bind error ("TCP echo") */
};

/* Sets c to every address, a port the kernel picks, dual-stack UDP, default buffers. */
void ub_net_listen_config_init(struct ub_net_listen_config *c);

/*
 * Opens a nonblocking, close-on-exec socket bound as c says. Every address
 * (no host, no addr) is one IPv6 socket that takes IPv4 too (IPV6_V6ONLY
 * only with AF_INET6), or an IPv4 one when the kernel has no IPv6. Returns
 * the socket, its address (the port the kernel picked too) in *bound and
 * the receive buffer granted in *rcvbuf (either may be NULL); or a negative
 * code: a resolve error (after "OPT: " when host was given), or UB_E_SYS
 * "[WHO ]cannot listen on ADDR" with sys_errno set (EADDRINUSE: taken).
 */
int ub_net_listen(const struct ub_net_listen_config *c, struct ub_addr *bound, int *rcvbuf,
		  struct ub_err *e);

/*
 * Raises this process's soft limit on open files toward want, never past
 * the hard limit (a program that holds a socket per peer needs more than
 * the usual 1024). Returns the soft limit in force afterwards, and the hard
 * one in *hard (may be NULL); UINT64_MAX stands for no limit.
 */
uint64_t ub_net_raise_fd_limit(uint64_t want, uint64_t *hard);

/*
 * Asks the kernel to say when it drops an outgoing datagram in this host
 * (a full interface queue): send then fails with ENOBUFS instead of
 * succeeding silently. Best effort.
 */
void ub_net_report_drops(int fd, int family);

/* What the socket's error queue holds: a send stamp, or an ICMP error. */
struct ub_errq {
	int icmp_errno;  /* nonzero: an ICMP error (ECONNREFUSED, EHOSTUNREACH, ...) */
	uint32_t id;     /* send stamp: the socket's datagram counter, from 0 when enabled */
	int64_t real_ns; /* send stamp: wall clock, taken by the kernel as it sent */
};

/*
 * Asks the kernel for software send stamps on the error queue, numbered per
 * datagram and taken as each enters the interface's queue (so time spent in
 * a queue on this host counts), and software receive stamps. Returns 1 when
 * it agreed, else 0.
 */
int ub_net_enable_tx_stamps(int fd);

/*
 * The same stamps on a TCP socket, asked once it is connected (connected
 * 1): a send stamp is numbered by the offset of the last byte of a send()
 * from the first byte written after this call. Before connecting
 * (connected 0) only receive stamps can be asked. Returns 1 when the
 * kernel agreed, else 0.
 */
int ub_net_enable_stream_stamps(int fd, int connected);

/*
 * recv() on a stream socket, nonblocking, with the kernel's receive stamp
 * of the data read (wall clock) in *kernel_real, 0 when there is none.
 * Returns what recv returns.
 */
ssize_t ub_net_stream_recv(int fd, uint8_t *buf, size_t len, int64_t *kernel_real);

/* Reads up to n entries from fd's error queue; returns how many (0 when it is empty). */
int ub_net_errqueue(int fd, struct ub_errq *out, int n);

/* Sets IP_TOS/IPV6_TCLASS from dscp (0..63) and TTL/hop limit (1..255); -1 leaves either alone. */
int ub_net_set_dscp_ttl(int fd, int family, int dscp, int ttl, struct ub_err *e);

/* Sets SO_RCVBUF/SO_SNDBUF to bytes and reads back what the kernel granted. */
int ub_net_set_buffers(int fd, int bytes, int *rcv, int *snd, struct ub_err *e);

/*
 * Receives up to n datagrams into pkts[]. Returns how many (0 when none is
 * waiting), or a negative code; ECONNREFUSED (an ICMP port unreachable on a
 * connected socket) comes back as UB_E_SYS with e->sys_errno set.
 */
int ub_net_recv(int fd, struct ub_pkt *pkts, int n, struct ub_err *e);

/*
 * Sends pkts[0..n) to their peer, from their local address when has_local.
 * Returns how many left (soft errors stop the batch early), or a negative code.
 */
int ub_net_send(int fd, struct ub_pkt *pkts, int n, struct ub_err *e);

/*
 * Like ub_net_send, but datagrams of one size in a row to one peer from one
 * source leave as one UDP GSO train (UDP_SEGMENT, up to 64): one pass through
 * the stack for all of them. *gso starts at 1 and is cleared for good when
 * the path cannot segment; the datagrams then go one by one.
 */
int ub_net_send_trains(int fd, struct ub_pkt *pkts, int n, int *gso, struct ub_err *e);

/* Whether err is a soft network error (counted, never fatal). */
int ub_net_soft_error(int err);

#endif
