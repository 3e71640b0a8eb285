/*
 * udpbench: starting other programs and waiting for them — gnuplot and
 * fc-list for reports, ip, nft and tc for scenarios, and udpbench itself
 * for a scenario's pieces. posix_spawn (proc.c), or CreateProcessW in the
 * Windows build (proc_win32.c: no network namespaces there), with the
 * standard descriptors the caller names, a wait retried through signals,
 * and one reading of how a child ended.
 */
#ifndef UB_PROC_H
#define UB_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/err.h"

#define UB_PROC_INHERIT (-1) /* the child shares ours */
#define UB_PROC_DEVNULL (-2) /* /dev/null */

/* The exit status of a child that could not enter a network namespace (config netns). */
#define UB_PROC_EXIT_NONETNS 125
/* The exit status of a child whose program could not run (config netns; a shell's 127). */
#define UB_PROC_EXIT_NOEXEC 127

struct ub_proc_config {
	int in, out, err;    /* descriptors 0, 1, 2: an open fd, UB_PROC_INHERIT or UB_PROC_DEVNULL */
	const char *dir;     /* the child's working folder; NULL: ours */
	char *const *envp;   /* its environment; NULL: ours */
	/*
	 * Nonzero: the child runs in a throwaway network namespace of its own
	 * (in a user namespace too when that is what this user may have), so
	 * nothing of the host's network changes. It then ends with
	 * UB_PROC_EXIT_NONETNS when it gets none, UB_PROC_EXIT_NOEXEC when the
	 * program cannot run.
	 */
	int netns;
	/*
	 * Nonzero: the child enters the network namespace of process enter (and
	 * its user namespace first, when that is not ours) before it runs argv,
	 * and ends with UB_PROC_EXIT_NONETNS when it cannot.
	 */
	pid_t enter;
};

/*
 * Makes this process (single-threaded: a child just forked) enter the user
 * namespace of process pid when it differs from ours, then, when net is
 * nonzero, its network namespace. Returns 0, or -1 with errno set (ENOSYS
 * on Windows).
 */
int ub_proc_enter(pid_t pid, int net);

/* Sets c to inherit every descriptor, our folder and environment, no namespace. */
void ub_proc_config_init(struct ub_proc_config *c);

/*
 * Starts argv (argv[0] looked up on $PATH) as c says (NULL: all inherited);
 * its pid goes to *pid. Returns 0, or UB_E_SYS "cannot start ARGV0" with
 * sys_errno set (the program is missing, say). The caller waits for it.
 * The Windows build refuses c->netns and c->enter (UB_E_SYS, ENOSYS).
 */
int ub_proc_spawn(const char *const argv[], const struct ub_proc_config *c, pid_t *pid,
		  struct ub_err *e);

/*
 * Waits for child pid to end, whatever signals interrupt the wait. Returns
 * its status as ub_proc_status reads it, or -1 when pid is not our child.
 */
int ub_proc_wait(pid_t pid);

/*
 * The exit code in a waitpid status, or 128 + the signal that ended the
 * child (a shell's $?). On Windows the status is the exit code, and one
 * past 255 (an exception's NTSTATUS) reads as 255.
 */
int ub_proc_status(int wstatus);

/* Starts argv as c says and waits for it; returns its status (ub_proc_status) or -1 when it did not start. */
int ub_proc_run(const char *const argv[], const struct ub_proc_config *c);

/* Runs argv with its output (stdout, stderr) thrown away; returns as ub_proc_run. */
int ub_proc_run_quiet(const char *const argv[]);

/*
 * Returns 1 when prog can be started: a path to a program, or a name found
 * where ub_proc_spawn looks ($PATH; on Windows as CreateProcess looks, with
 * .exe added); else 0.
 */
int ub_proc_on_path(const char *prog);

/* Writes this program's full file name into path (len bytes, '/' between names); returns 0 or -1. */
int ub_proc_self_path(char *path, size_t len);

/* Writes the folder of this program into dir (len bytes, '/' between names); returns 0 or -1. */
int ub_proc_self_dir(char *dir, size_t len);

/*
 * Asks child pid to finish, as SIGTERM does: a udpbench child stops as on
 * Ctrl-C (it writes its results and logs first), another program ends. On
 * Linux that is SIGTERM; on Windows, where there are no signals, the stop
 * event every udpbench process waits on (lib/signals.h), and for a program
 * without one, TerminateProcess. Returns 0, or -1 when pid is not a child
 * still running.
 */
int ub_proc_stop(pid_t pid);

/*
 * Writes argv into out (len bytes, cut short and ended with a NUL when it
 * does not fit) as one Windows command line that a program's C runtime and
 * CommandLineToArgvW split back into the same words: a word with a blank
 * or a quote is quoted, its quotes written \" and the backslashes before a
 * quote or the word's end doubled. The bytes of each word (UTF-8) are kept.
 * Returns the length of the whole line, as snprintf does. argv[0] is
 * written by the same rules, which read it back alike as long as it holds
 * no quote (no Windows file name does).
 */
size_t ub_proc_cmdline(const char *const argv[], char *out, size_t len);

/* A command line built a word at a time; the words are the caller's and must outlive it. */
#define UB_ARGV_MAX 96
struct ub_argv {
	const char *v[UB_ARGV_MAX]; /* NULL-terminated */
	int n;
};

/* Empties a. */
void ub_argv_init(struct ub_argv *a);

/* Appends the words up to a NULL; past UB_ARGV_MAX - 1 words the rest are left out. */
void ub_argv_add(struct ub_argv *a, ...) __attribute__((sentinel));

#endif
