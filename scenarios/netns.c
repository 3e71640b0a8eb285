#include "scenarios/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "relay/pktlink.h"

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

/* ---- the packet-level link's namespaces -------------------------------- */

/* The ip program: root's PATH has it, another user's may not. */
static const char *ip_prog(void)
{
	static const char *const at[] = { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" };
	unsigned i;

	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		if (access(at[i], X_OK) == 0)
			return at[i];
	return "ip";
}

/* Writes s into file path; returns 0 or -1. */
static int put_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return rc;
}

/* Reads the first number in file path; -1 when there is none. */
static long get_number(const char *path)
{
	char b[32] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	return n > 0 ? strtol(b, NULL, 10) : -1;
}

/* Why no user namespace could be made (err from unshare), and what would make one. */
static int why_no_userns(int err, struct ub_err *e)
{
	if (get_number("/proc/sys/user/max_user_namespaces") == 0)
		return ub_err_set(e, UB_E_SYS, err,
				  "user namespaces are off (user.max_user_namespaces = 0): set it above 0 "
				  "with sysctl, or run as root");
	if (get_number("/proc/sys/kernel/unprivileged_userns_clone") == 0)
		return ub_err_set(e, UB_E_SYS, err,
				  "this kernel keeps user namespaces from unprivileged users "
				  "(kernel.unprivileged_userns_clone = 0): set it to 1 with sysctl, or run as root");
	if (get_number("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
		return ub_err_set(e, UB_E_SYS, err,
				  "AppArmor keeps user namespaces from unprivileged programs "
				  "(kernel.apparmor_restrict_unprivileged_userns = 1): allow udpbench in a "
				  "profile, or run as root");
	return ub_err_set(e, UB_E_SYS, err, "cannot make a user namespace: run as root");
}

/*
 * Starts a holder: a child that makes a user namespace (userns) or enters
 * process in's user namespace and makes a network namespace, says so on a
 * pipe, and waits until *keep (our end of another pipe) closes. Returns
 * its pid, or -1 with errno set (the child's, when it failed).
 */
static pid_t holder(int userns, pid_t in, int *keep)
{
	int ready[2], hold[2], err = 0;
	pid_t pid;
	char c;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(hold, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		/* Only these two descriptors: a pipe of another holder kept open here would hold it forever. */
		if (dup2(ready[1], 3) < 0 || dup2(hold[0], 4) < 0)
			_exit(1);
		close_range(5, ~0U, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGINT, SIG_IGN);
		if (userns)
			err = unshare(CLONE_NEWUSER) < 0 ? errno : 0;
		else if ((in && ub_proc_enter(in, 0) < 0) || unshare(CLONE_NEWNET) < 0)
			err = errno;
		if (!err && !userns) {
			/* IPv4 only: no router solicitations or neighbour discovery on the link. */
			put_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
			put_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
		}
		c = (char)(err > 255 ? 255 : err);
		if (write(3, &c, 1) != 1 || err)
			_exit(1);
		close(3);
		while (read(4, &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (pid < 0) {
		err = errno;
		close(ready[0]);
		close(hold[1]);
		errno = err;
		return -1;
	}
	*keep = hold[1];
	if (read(ready[0], &c, 1) != 1)
		c = EIO;
	close(ready[0]);
	if (c) {
		close(hold[1]);
		*keep = -1;
		ub_proc_wait(pid);
		errno = (unsigned char)c;
		return -1;
	}
	return pid;
}

/* Runs argv inside the namespace of holder pid, output thrown away; returns its status. */
static int run_in(pid_t pid, const char *const argv[])
{
	struct ub_proc_config pc;

	ub_proc_config_init(&pc);
	pc.out = pc.err = UB_PROC_DEVNULL;
	pc.enter = pid;
	return ub_proc_run(argv, &pc);
}

/* Turns off ifname's offloads inside the namespace of holder pid; returns 0 or -1. */
static int plain_offloads_in(pid_t pid, const char *ifname)
{
	struct ub_err e;
	pid_t c = fork();

	if (c < 0)
		return -1;
	if (c == 0)
		_exit(ub_proc_enter(pid, 1) < 0 || ub_pktlink_plain_offloads(ifname, &e) < 0);
	return ub_proc_wait(c) == 0 ? 0 : -1;
}

/* Enters a user namespace of our own (held by k->user), root inside it by our uid's map. */
static int user_ns(struct ub_netns_link *k, struct ub_err *e)
{
	char map[64], path[64];

	k->user = holder(1, 0, &k->keep[0]);
	if (k->user < 0) {
		k->user = 0;
		return why_no_userns(errno, e);
	}
	/* Our uid is root inside; setgroups must be denied before an unprivileged gid map. */
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)k->user);
	put_file(path, "deny");
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)k->user);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)geteuid());
	if (put_file(path, map) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "cannot map our uid into the user namespace");
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)k->user);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)getegid());
	if (put_file(path, map) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "cannot map our gid into the user namespace");
	return 0;
}

/* The two veth pairs S-L and L-R, addressed and up, each step run by ip inside its namespace. */
static int wire_up(const struct ub_netns_link *k, struct ub_err *e)
{
	const char *ip = ip_prog();
	pid_t s = k->ns[UB_LINK_S], l = k->ns[UB_LINK_L], r = k->ns[UB_LINK_R];
	char lpid[16];
	const char *const veth_s[] = { ip, "link", "add", UB_LINK_IF_S, "type", "veth", "peer",
				       "name", UB_LINK_IF_LS, "netns", lpid, NULL };
	const char *const veth_r[] = { ip, "link", "add", UB_LINK_IF_R, "type", "veth", "peer",
				       "name", UB_LINK_IF_LR, "netns", lpid, NULL };
	const char *const addr_s[] = { ip, "addr", "add", UB_LINK_SENDER_ADDR "/24", "dev",
				       UB_LINK_IF_S, NULL };
	const char *const addr_r[] = { ip, "addr", "add", UB_LINK_REFLECTOR_ADDR "/24", "dev",
				       UB_LINK_IF_R, NULL };
	const char *const up_s[] = { ip, "link", "set", UB_LINK_IF_S, "up", NULL };
	const char *const up_r[] = { ip, "link", "set", UB_LINK_IF_R, "up", NULL };
	const char *const up_ls[] = { ip, "link", "set", UB_LINK_IF_LS, "up", NULL };
	const char *const up_lr[] = { ip, "link", "set", UB_LINK_IF_LR, "up", NULL };
	const char *const lo[] = { ip, "link", "set", "lo", "up", NULL };
	const struct {
		pid_t in;
		const char *const *argv;
	} steps[] = {
		{ s, veth_s }, { r, veth_r }, { s, addr_s }, { r, addr_r }, { s, up_s },
		{ r, up_r },   { l, up_ls },  { l, up_lr },  { s, lo },     { r, lo },
	};
	unsigned j;
	int st;

	snprintf(lpid, sizeof(lpid), "%d", (int)l);
	for (j = 0; j < sizeof(steps) / sizeof(steps[0]); j++) {
		st = run_in(steps[j].in, steps[j].argv);
		if (st == UB_PROC_EXIT_NOEXEC)
			return ub_err_set(e, UB_E_SYS, 0, "needs ip (Debian package iproute2)");
		if (st != 0 && j < 2)
			return ub_err_set(e, UB_E_SYS, 0,
					  "cannot make a veth pair: this kernel needs the veth "
					  "module (modprobe veth as root)");
		if (st != 0)
			return ub_err_set(e, UB_E_SYS, 0, "ip %s %s %s failed in a link namespace",
					  steps[j].argv[1], steps[j].argv[2], steps[j].argv[3]);
	}
	return 0;
}

int ub_netns_link_up(struct ub_netns_link *k, struct ub_err *e)
{
	int i, rc;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < 4; i++)
		k->keep[i] = -1;
	if (geteuid() != 0 && (rc = user_ns(k, e)) < 0)
		return rc;
	for (i = 0; i < 3; i++) {
		k->ns[i] = holder(0, k->user, &k->keep[1 + i]);
		if (k->ns[i] < 0) {
			k->ns[i] = 0;
			return ub_err_set(e, UB_E_SYS, errno,
					  geteuid() == 0 ? "cannot make a network namespace"
							 : "cannot make a network namespace in our user namespace");
		}
	}
	rc = wire_up(k, e);
	if (rc < 0)
		return rc;
	/* Each frame one wire-size packet with its checksums, so every impairment applies per packet. */
	if (plain_offloads_in(k->ns[UB_LINK_S], UB_LINK_IF_S) < 0 ||
	    plain_offloads_in(k->ns[UB_LINK_R], UB_LINK_IF_R) < 0)
		return ub_err_set(e, UB_E_SYS, 0, "cannot turn off the veth offloads");
	return 0;
}

void ub_netns_link_down(struct ub_netns_link *k)
{
	pid_t *p[4] = { &k->user, &k->ns[0], &k->ns[1], &k->ns[2] };
	int i;

	for (i = 0; i < 4; i++) {
		if (k->keep[i] >= 0) {
			close(k->keep[i]);
			k->keep[i] = -1;
		}
		if (*p[i] > 0) {
			kill(*p[i], SIGKILL);
			ub_proc_wait(*p[i]);
			*p[i] = 0;
		}
	}
}
