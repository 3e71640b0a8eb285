/*
 * udpbench: starting other programs on Linux (proc.h): posix_spawnp, or a
 * fork that enters a network namespace first, waitpid, and $PATH searched
 * as execvp searches it.
 */
#include "lib/proc.h"
#include "lib/proc_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Adds to fa what makes the child's descriptor target what fd says; returns 0 or an errno. */
static int add_fd(posix_spawn_file_actions_t *fa, int fd, int target)
{
	if (fd == UB_PROC_INHERIT)
		return 0;
	if (fd == UB_PROC_DEVNULL)
		return posix_spawn_file_actions_addopen(fa, target, "/dev/null",
							target == STDIN_FILENO ? O_RDONLY : O_WRONLY, 0);
	return posix_spawn_file_actions_adddup2(fa, fd, target);
}

/* posix_spawnp with c's descriptors and folder; returns 0 or an errno. */
static int spawn(const char *const argv[], const struct ub_proc_config *c, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	int rc;

	if ((rc = posix_spawn_file_actions_init(&fa)))
		return rc;
	rc = c->dir ? posix_spawn_file_actions_addchdir_np(&fa, c->dir) : 0;
	if (!rc)
		rc = add_fd(&fa, c->in, STDIN_FILENO);
	if (!rc)
		rc = add_fd(&fa, c->out, STDOUT_FILENO);
	if (!rc)
		rc = add_fd(&fa, c->err, STDERR_FILENO);
	if (!rc)
		rc = posix_spawnp(pid, argv[0], &fa, NULL, (char *const *)argv,
				  c->envp ? c->envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* In a forked child: makes descriptor target what fd says; returns 0 or -1. */
static int child_fd(int fd, int target)
{
	int n;

	if (fd == UB_PROC_INHERIT)
		return 0;
	if (fd != UB_PROC_DEVNULL)
		return dup2(fd, target) < 0 ? -1 : 0;
	n = open("/dev/null", target == STDIN_FILENO ? O_RDONLY : O_WRONLY);
	if (n < 0)
		return -1;
	if (n != target) {
		if (dup2(n, target) < 0)
			return -1;
		close(n);
	}
	return 0;
}

/* Opens /proc/PID/ns/WHAT; returns the descriptor or -1. */
static int ns_open(pid_t pid, const char *what)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, what);
	return open(path, O_RDONLY | O_CLOEXEC);
}

int ub_proc_enter(pid_t pid, int net)
{
	struct stat theirs, ours;
	int ufd, nfd, rc = -1, err;

	ufd = ns_open(pid, "user");
	nfd = ns_open(pid, "net");
	if (ufd < 0 || nfd < 0 || fstat(ufd, &theirs) < 0 || stat("/proc/self/ns/user", &ours) < 0)
		goto out;
	/* Joining our own user namespace again is refused (EINVAL): only a different one. */
	if ((theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev) &&
	    setns(ufd, CLONE_NEWUSER) < 0)
		goto out;
	rc = net ? setns(nfd, CLONE_NEWNET) : 0;
out:
	err = errno;
	if (ufd >= 0)
		close(ufd);
	if (nfd >= 0)
		close(nfd);
	errno = err;
	return rc;
}

/*
 * Forks a child that enters a network namespace (of its own, or process
 * c->enter's) before it runs argv (posix_spawn cannot); returns 0 or an errno.
 */
static int spawn_netns(const char *const argv[], const struct ub_proc_config *c, pid_t *pid)
{
	pid_t p = fork();

	if (p < 0)
		return errno;
	if (p > 0) {
		*pid = p;
		return 0;
	}
	if (c->enter ? ub_proc_enter(c->enter, 1) < 0 :
	    unshare(CLONE_NEWNET) < 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		_exit(UB_PROC_EXIT_NONETNS);
	if (child_fd(c->in, STDIN_FILENO) || child_fd(c->out, STDOUT_FILENO) ||
	    child_fd(c->err, STDERR_FILENO) || (c->dir && chdir(c->dir) < 0))
		_exit(UB_PROC_EXIT_NOEXEC);
	execvpe(argv[0], (char *const *)argv, c->envp ? c->envp : environ);
	_exit(UB_PROC_EXIT_NOEXEC);
}

int ub_proc_start(const char *const argv[], const struct ub_proc_config *c, pid_t *pid)
{
	return c->netns || c->enter ? spawn_netns(argv, c, pid) : spawn(argv, c, pid);
}

int ub_proc_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	return 128 + (WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
}

int ub_proc_wait(pid_t pid)
{
	int st = 0;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return ub_proc_status(st);
}

int ub_proc_on_path(const char *prog)
{
	const char *path = getenv("PATH"), *p, *colon;
	char buf[PATH_MAX];

	if (strchr(prog, '/'))
		return access(prog, X_OK) == 0;
	for (p = path ? path : "/usr/bin:/bin"; *p; p = *colon ? colon + 1 : colon) {
		colon = strchrnul(p, ':');
		if (snprintf(buf, sizeof(buf), "%.*s/%s", (int)(colon - p), p == colon ? "." : p,
			     prog) < (int)sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return 1;
		if (!*colon)
			break;
	}
	return 0;
}

int ub_proc_self_path(char *path, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", path, len - 1);

	if (n <= 0 || (size_t)n >= len - 1)
		return -1;
	path[n] = '\0';
	return 0;
}

int ub_proc_stop(pid_t pid)
{
	return pid > 0 ? kill(pid, SIGTERM) : -1;
}
