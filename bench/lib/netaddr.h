/*
 * udpbench: addresses — HOST:PORT as people write it, resolving and
 * printing, and the keys and hash tables file peers under. The sockets
 * that use them are in net.h.
 */
#ifndef UB_NETADDR_H
#define UB_NETADDR_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "lib/err.h"

#define UB_DEFAULT_PORT 10000
#define UB_ADDRSTR_MAX (INET6_ADDRSTRLEN + 10)
#define UB_ADDR_KEY_MAX 18          /* an IPv6 address and a port */
#define UB_NET_HASH_INIT 2166136261u /* FNV-1a's 32-bit offset basis: ub_net_hash's first h */

struct ub_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/*
 * Splits "host", "host:port", "[v6]:port", "[v6]" or a bare IPv6 literal.
 * host gets the name (without brackets); *port keeps its value when none is
 * given; a port is 1..65535. Returns 0, UB_E_INVAL or UB_E_RANGE, e naming
 * the text at fault.
 */
int ub_net_split_hostport(const char *s, char *host, size_t hostlen, int *port, struct ub_err *e);

/*
 * Splits a listening address "[ADDR:]PORT": "9000", ":9000",
 * "127.0.0.1:9000", "[::1]:9000"; the port 0..65535 (0: the kernel picks
 * one). host gets the address, "" for every address. Returns 0 or
 * UB_E_INVAL, the message starting with opt (the option, "--listen").
 */
int ub_net_split_listen(const char *opt, const char *s, char *host, size_t hostlen, int *port,
			struct ub_err *e);

/* Resolves host for UDP; family AF_UNSPEC, AF_INET or AF_INET6. */
int ub_net_resolve(const char *host, int port, int family, int passive, struct ub_addr *out,
		   struct ub_err *e);

/* "1.2.3.4:10000" or "[::1]:10000" (IPv4-mapped shown as IPv4); returns buf. */
const char *ub_net_addr_str(const struct ub_addr *a, char *buf, size_t len);
/* Address only, without the port; returns buf. */
const char *ub_net_host_str(const struct ub_addr *a, char *buf, size_t len);
int ub_net_addr_port(const struct ub_addr *a);
/* Sets a's port (host order). */
void ub_net_addr_set_port(struct ub_addr *a, int port);

/*
 * Writes a's address bytes and port (network order) into key, for hashing
 * and comparing peers: sockaddr padding, the IPv6 flow label and scope are
 * left out. Returns the key's length: 6 for IPv4, 18 for IPv6 (an
 * IPv4-mapped address too; compare families as well as keys).
 */
size_t ub_net_addr_key(const struct ub_addr *a, uint8_t key[UB_ADDR_KEY_MAX]);

/* FNV-1a over p[0..n), continuing from h (UB_NET_HASH_INIT to start); returns the new hash. */
uint32_t ub_net_hash(const void *p, size_t n, uint32_t h);

#endif
