#include "scenarios/netns.h"

#include <stdio.h>
#include <unistd.h>

int ub_netns_pair_up(struct ub_netns_pair *p, struct ub_err *e)
{
	const char *ns_s = p->sender, *ns_r = p->reflector, *va = p->veth_s, *vb = p->veth_r;
	const char *const setup[][12] = {
		{ "ip", "netns", "add", ns_s, NULL },
		{ "ip", "netns", "add", ns_r, NULL },
		{ "ip", "link", "add", va, "type", "veth", "peer", "name", vb, NULL },
		{ "ip", "link", "set", va, "netns", ns_s, NULL },
		{ "ip", "link", "set", vb, "netns", ns_r, NULL },
		{ "ip", "-n", ns_s, "addr", "add", UB_NETNS_SENDER_ADDR "/24", "dev", va, NULL },
		{ "ip", "-n", ns_r, "addr", "add", UB_NETNS_REFLECTOR_ADDR "/24", "dev", vb, NULL },
		{ "ip", "-n", ns_s, "link", "set", va, "up", NULL },
		{ "ip", "-n", ns_r, "link", "set", vb, "up", NULL },
		{ "ip", "-n", ns_s, "link", "set", "lo", "up", NULL },
		{ "ip", "-n", ns_r, "link", "set", "lo", "up", NULL },
	};
	unsigned i;

	snprintf(p->sender, sizeof(p->sender), "ubsc%ds", (int)getpid());
	snprintf(p->reflector, sizeof(p->reflector), "ubsc%dr", (int)getpid());
	snprintf(p->veth_s, sizeof(p->veth_s), "ubsc%da", (int)getpid());
	snprintf(p->veth_r, sizeof(p->veth_r), "ubsc%db", (int)getpid());
	for (i = 0; i < sizeof(setup) / sizeof(setup[0]); i++)
		if (ub_proc_run_quiet(setup[i]) != 0)
			return ub_err_set(e, UB_E_SYS, 0, "cannot set up the namespaces for TCP (%s %s)",
					  setup[i][1], setup[i][2]);
	return 0;
}

void ub_netns_pair_down(const struct ub_netns_pair *p)
{
	const char *const del_s[] = { "ip", "netns", "del", p->sender, NULL };
	const char *const del_r[] = { "ip", "netns", "del", p->reflector, NULL };

	ub_proc_run_quiet(del_s);
	ub_proc_run_quiet(del_r);
}

void ub_netns_exec(struct ub_argv *a, const char *ns)
{
	if (ns)
		ub_argv_add(a, "ip", "netns", "exec", ns, NULL);
}

int ub_netns_drop(const char *ns, const char *dir_kw, int port, double share)
{
	char rule[160];
	struct ub_argv table, chain, add;

	ub_argv_init(&table);
	ub_netns_exec(&table, ns);
	chain = add = table;
	ub_argv_add(&table, "nft", "add", "table", "inet", "udpbench", NULL);
	ub_argv_add(&chain, "nft", "add", "chain", "inet", "udpbench", "in",
		    "{ type filter hook input priority 0 ; }", NULL);
	snprintf(rule, sizeof(rule),
		 "add rule inet udpbench in th %s %d numgen random mod 10000 < %d counter drop",
		 dir_kw, port, (int)(share * 10000 + 0.5));
	ub_argv_add(&add, "nft", rule, NULL);
	if (ub_proc_run_quiet(table.v) != 0 || ub_proc_run_quiet(chain.v) != 0)
		return -1;
	return share > 0 ? ub_proc_run_quiet(add.v) : 0;
}

enum ub_netem ub_netns_netem(void)
{
	const char *const argv[] = { "tc", "qdisc", "add", "dev", "lo", "root", "netem", "delay",
				     "1ms", NULL };
	struct ub_proc_config pc;
	pid_t pid;
	int st;

	ub_proc_config_init(&pc);
	pc.out = pc.err = UB_PROC_DEVNULL;
	pc.netns = 1;
	if (ub_proc_spawn(argv, &pc, &pid, NULL) < 0)
		return UB_NETEM_NO_START;
	st = ub_proc_wait(pid);
	return st == 0 ? UB_NETEM_OK
	       : st == UB_PROC_EXIT_NONETNS ? UB_NETEM_NO_NETNS
	       : st == UB_PROC_EXIT_NOEXEC  ? UB_NETEM_NO_TC
					    : UB_NETEM_NO_QDISC;
}
