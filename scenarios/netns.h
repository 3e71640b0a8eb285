/*
 * udpbench: the network namespaces a scenario sets up for the UDP-vs-TCP
 * pair (root, iproute2, nftables): two namespaces joined by a veth pair,
 * the sender's at 198.18.0.1 and the reflector's at 198.18.0.2 (RFC 2544's
 * benchmarking range, never routed), and nftables rules that drop a share
 * of what arrives, UDP and TCP alike. Also whether this kernel offers
 * netem, asked in a throwaway namespace.
 */
#ifndef UB_NETNS_H
#define UB_NETNS_H

#include "lib/err.h"
#include "lib/proc.h"

#define UB_NETNS_SENDER_ADDR "198.18.0.1"
#define UB_NETNS_REFLECTOR_ADDR "198.18.0.2"

/* Two namespaces joined by a veth pair, named after this process. */
struct ub_netns_pair {
	char sender[32], reflector[32]; /* namespace names */
	char veth_s[16], veth_r[16];    /* the pair's ends, one in each */
};

/*
 * Names p's namespaces and links after this process and brings them up,
 * addressed and with loopback. Returns 0, or UB_E_SYS naming the step that
 * failed; ub_netns_pair_down cleans up either way.
 */
int ub_netns_pair_up(struct ub_netns_pair *p, struct ub_err *e);

/* Deletes p's namespaces (and with them the veth pair); best effort. */
void ub_netns_pair_down(const struct ub_netns_pair *p);

/* Appends "ip netns exec NS" to a when ns is not NULL: what follows runs inside ns. */
void ub_netns_exec(struct ub_argv *a, const char *ns);

/*
 * Drops share (0..1) of the packets with th dport|sport (dir_kw) port that
 * arrive in namespace ns, counted, by nftables' random numbers. Returns 0,
 * or -1 when nft would not take the table, the chain or the rule.
 */
int ub_netns_drop(const char *ns, const char *dir_kw, int port, double share);

/* What asking for netem found (ub_netns_netem). */
enum ub_netem {
	UB_NETEM_OK,
	UB_NETEM_NO_START,  /* the probe could not be started */
	UB_NETEM_NO_NETNS,  /* no network namespace for this user */
	UB_NETEM_NO_TC,     /* tc is not installed */
	UB_NETEM_NO_QDISC   /* this kernel has no netem qdisc */
};

/* Whether this kernel offers netem: tc adds a netem qdisc in a throwaway namespace. */
enum ub_netem ub_netns_netem(void);

#endif
