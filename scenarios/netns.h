/*
 * udpbench: the network namespaces a scenario sets up for the packet-level
 * link (iproute2; root, or a user namespace of our own), addressed in RFC
 * 2544's benchmarking range (198.18.0.0/15, never routed). Also whether
 * this kernel offers netem, asked in a throwaway namespace.
 */
#ifndef UB_NETNS_H
#define UB_NETNS_H

#include "lib/err.h"
#include "lib/proc.h"

/*
 * The packet-level link's three network namespaces: S (the sender, its
 * veth end at UB_LINK_SENDER_ADDR), L (the link: the other two ends, no
 * addresses, where `udpbench relay --between` carries every frame) and R
 * (the reflector). As root they are made in our own user namespace; for
 * anyone else in a user namespace made for them (our uid as its root).
 * Each namespace is held by a small child process that ends, and takes
 * its namespace with it, when ub_netns_link_down closes its pipe or this
 * process ends: nothing is left behind, and nothing is named globally,
 * so runs side by side do not meet. Children enter a namespace with
 * ub_proc_config's enter (the holder's pid). Frames carry IPv4 only: IPv6
 * is off in all three.
 */
#define UB_LINK_SENDER_ADDR "198.18.1.1"
#define UB_LINK_REFLECTOR_ADDR "198.18.1.2"
#define UB_LINK_IF_S "ub-s"   /* in S */
#define UB_LINK_IF_LS "ub-ls" /* in L, facing S */
#define UB_LINK_IF_LR "ub-lr" /* in L, facing R */
#define UB_LINK_IF_R "ub-r"   /* in R */

enum { UB_LINK_S, UB_LINK_L, UB_LINK_R };

struct ub_netns_link {
	pid_t user;    /* holder of the user namespace; 0 when we are root and need none */
	pid_t ns[3];   /* holders of S, L and R; 0 when not started */
	int keep[4];   /* our ends of their pipes (user, S, L, R); -1 when closed */
};

/*
 * Sets up S, L and R with their veth pairs, addressed, up, offloads off.
 * Returns 0, or UB_E_SYS with a one-line message saying why it cannot be
 * done here and what would make it work; ub_netns_link_down cleans up
 * either way.
 */
int ub_netns_link_up(struct ub_netns_link *k, struct ub_err *e);

/* Ends the holders (by pid) and with them the namespaces; best effort, safe to repeat. */
void ub_netns_link_down(struct ub_netns_link *k);

/* What asking for netem found (ub_netns_netem). */
enum ub_netem {
	UB_NETEM_OK,
	UB_NETEM_NO_START,  /* the probe could not be started */
	UB_NETEM_NO_NETNS,  /* no network namespace for this user */
	UB_NETEM_NO_TC,     /* tc is not installed */
	UB_NETEM_NO_QDISC,  /* this kernel has no netem qdisc */
	UB_NETEM_NO_SYSTEM  /* not Linux: no netem at all */
};

/* Whether this kernel offers netem: tc adds a netem qdisc in a throwaway namespace. */
enum ub_netem ub_netns_netem(void);

#endif
