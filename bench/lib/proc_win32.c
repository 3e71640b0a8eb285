/*
 * udpbench: starting other programs in the Windows build (proc.h):
 * CreateProcessW with the UTF-8 words joined into one command line
 * (ub_proc_cmdline) and turned into UTF-16, the program found as
 * CreateProcess finds it (SearchPathW, .exe added to a bare name), the
 * standard handles from the descriptors (NUL for UB_PROC_DEVNULL). A pid is
 * the process id; the process handle waits in a small table until
 * ub_proc_wait. Network namespaces are Linux's: refused with ENOSYS.
 */
#include "lib/proc.h"
#include "lib/proc_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/plat.h"

/* Children started and not yet waited for: a report runs eight gnuplots at once. */
#define UB_PROC_SLOTS 64
/* How long one wait for a child lasts before it waits again. */
#define UB_PROC_WAIT_SLICE_MS 50
static struct {
	DWORD pid;
	HANDLE h;
} kids[UB_PROC_SLOTS];

/* errno for Windows' last error after a process or file call. */
static int errno_of(DWORD err)
{
	switch (err) {
	case ERROR_FILE_NOT_FOUND:
	case ERROR_PATH_NOT_FOUND:
	case ERROR_INVALID_DRIVE:
		return ENOENT;
	case ERROR_ACCESS_DENIED:
	case ERROR_SHARING_VIOLATION:
		return EACCES;
	case ERROR_BAD_EXE_FORMAT:
	case ERROR_EXE_MACHINE_TYPE_MISMATCH:
		return ENOEXEC;
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		return ENOMEM;
	case ERROR_FILENAME_EXCED_RANGE:
		return ENAMETOOLONG;
	case ERROR_DIRECTORY:
		return ENOTDIR;
	case ERROR_TOO_MANY_OPEN_FILES:
		return EMFILE;
	case ERROR_NO_SYSTEM_RESOURCES:
	case ERROR_COMMITMENT_LIMIT:
		return EAGAIN;
	default:
		return EINVAL;
	}
}

/* s (UTF-8) as a malloc'd UTF-16 string; NULL when it is not UTF-8 or memory ran out. */
static wchar_t *wide(const char *s)
{
	int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
	wchar_t *w;

	if (n <= 0 || !(w = malloc((size_t)n * sizeof(*w))))
		return NULL;
	MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
	return w;
}

/*
 * The program's full name into path (MAX_PATH wide characters), looked for
 * as CreateProcess looks: a name with a folder in it as it stands, else
 * this program's folder, the working folder, the system folders and %PATH%;
 * .exe added when the name has no extension. Returns 0 or an errno.
 */
static int find_program(const char *prog, wchar_t *path)
{
	wchar_t *w = wide(prog);
	DWORD n;

	if (!w)
		return EINVAL;
	n = SearchPathW(NULL, w, L".exe", MAX_PATH, path, NULL);
	free(w);
	if (n == 0)
		return errno_of(GetLastError());
	return n < MAX_PATH ? 0 : ENAMETOOLONG;
}

int ub_proc_on_path(const char *prog)
{
	wchar_t path[MAX_PATH];
	DWORD attr;

	if (find_program(prog, path))
		return 0;
	attr = GetFileAttributesW(path);
	return attr != INVALID_FILE_ATTRIBUTES && !(attr & FILE_ATTRIBUTE_DIRECTORY);
}

int ub_proc_self_path(char *path, size_t len)
{
	wchar_t exe[MAX_PATH];
	DWORD n = GetModuleFileNameW(NULL, exe, MAX_PATH);
	char *p;

	if (n == 0 || n >= MAX_PATH || len > INT_MAX ||
	    WideCharToMultiByte(CP_UTF8, 0, exe, -1, path, (int)len, NULL, NULL) <= 0)
		return -1;
	for (p = path; *p; p++)
		if (*p == '\\')
			*p = '/';
	return 0;
}

/*
 * An inheritable handle for the child's standard handle which (STD_*_HANDLE)
 * from fd as proc.h says; NULL when ours has none. Returns 0 or an errno.
 */
static int child_handle(int fd, DWORD which, HANDLE *out)
{
	SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };
	HANDLE from, self = GetCurrentProcess();

	*out = NULL;
	if (fd == UB_PROC_DEVNULL) {
		*out = CreateFileW(L"NUL", which == STD_INPUT_HANDLE ? GENERIC_READ : GENERIC_WRITE,
				   FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
		return *out == INVALID_HANDLE_VALUE ? (*out = NULL, errno_of(GetLastError())) : 0;
	}
	from = fd == UB_PROC_INHERIT ? GetStdHandle(which) : (HANDLE)_get_osfhandle(fd);
	if (from == INVALID_HANDLE_VALUE && fd != UB_PROC_INHERIT)
		return EBADF;
	if (!from || from == INVALID_HANDLE_VALUE)
		return 0;
	if (!DuplicateHandle(self, from, self, out, 0, TRUE, DUPLICATE_SAME_ACCESS)) {
		*out = NULL;
		/* a console of ours the child cannot share: it gets none */
		return fd == UB_PROC_INHERIT ? 0 : errno_of(GetLastError());
	}
	return 0;
}

/* The environment block of envp ("K=V" words, UTF-8) in UTF-16; NULL when out of memory or not UTF-8. */
static wchar_t *env_block(char *const *envp)
{
	size_t total = 1, at = 0, i;
	wchar_t *b;
	int n;

	for (i = 0; envp[i]; i++) {
		n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, envp[i], -1, NULL, 0);
		if (n <= 0)
			return NULL;
		total += (size_t)n;
	}
	b = malloc((total + 1) * sizeof(*b));
	if (!b)
		return NULL;
	for (i = 0; envp[i]; i++)
		at += (size_t)MultiByteToWideChar(CP_UTF8, 0, envp[i], -1, b + at, (int)(total - at));
	b[at++] = L'\0';
	b[at] = L'\0';
	return b;
}

/* Starts argv as c says; its process id into *pid. Returns 0 or an errno. */
static int spawn(const char *const argv[], const struct ub_proc_config *c, pid_t *pid)
{
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	wchar_t prog[MAX_PATH], *cmd = NULL, *dir = NULL, *env = NULL;
	char *line = NULL;
	size_t len;
	int slot, rc, i;

	for (slot = 0; slot < UB_PROC_SLOTS && kids[slot].h; slot++)
		;
	if (slot == UB_PROC_SLOTS)
		return EAGAIN;
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	si.dwFlags = STARTF_USESTDHANDLES;
	if ((rc = find_program(argv[0], prog)))
		return rc;
	len = ub_proc_cmdline(argv, NULL, 0);
	/* CreateProcessW takes a command line of up to 32767 characters */
	if (len >= 32767)
		return E2BIG;
	line = malloc(len + 1);
	rc = line ? 0 : ENOMEM;
	if (!rc) {
		ub_proc_cmdline(argv, line, len + 1);
		cmd = wide(line);
		dir = c->dir ? wide(c->dir) : NULL;
		env = c->envp ? env_block(c->envp) : NULL;
		if (!cmd || (c->dir && !dir) || (c->envp && !env))
			rc = EINVAL;
	}
	if (!rc)
		rc = child_handle(c->in, STD_INPUT_HANDLE, &si.hStdInput);
	if (!rc)
		rc = child_handle(c->out, STD_OUTPUT_HANDLE, &si.hStdOutput);
	if (!rc)
		rc = child_handle(c->err, STD_ERROR_HANDLE, &si.hStdError);
	if (!rc && !CreateProcessW(prog, cmd, NULL, NULL, TRUE, CREATE_UNICODE_ENVIRONMENT, env,
				   dir, &si, &pi))
		rc = errno_of(GetLastError());
	if (!rc) {
		CloseHandle(pi.hThread);
		kids[slot].pid = pi.dwProcessId;
		kids[slot].h = pi.hProcess;
		*pid = (pid_t)pi.dwProcessId;
	}
	for (i = 0; i < 3; i++) {
		HANDLE h = i == 0 ? si.hStdInput : i == 1 ? si.hStdOutput : si.hStdError;

		if (h)
			CloseHandle(h);
	}
	free(line);
	free(cmd);
	free(dir);
	free(env);
	return rc;
}

int ub_proc_start(const char *const argv[], const struct ub_proc_config *c, pid_t *pid)
{
	return c->netns || c->enter ? ENOSYS : spawn(argv, c, pid);
}

int ub_proc_enter(pid_t pid, int net)
{
	(void)pid;
	(void)net;
	errno = ENOSYS;
	return -1;
}

int ub_proc_status(int wstatus)
{
	return (unsigned)wstatus > 255 ? 255 : wstatus;
}

/* The slot of child pid, or -1. */
static int kid_slot(pid_t pid)
{
	int slot;

	for (slot = 0; slot < UB_PROC_SLOTS; slot++)
		if (kids[slot].h && kids[slot].pid == (DWORD)pid)
			return slot;
	return -1;
}

int ub_proc_stop(pid_t pid)
{
	char name[64];
	HANDLE ev;
	int slot = kid_slot(pid);

	if (slot < 0)
		return -1;
	snprintf(name, sizeof(name), UB_W32_STOP_EVENT, (unsigned long)pid);
	ev = OpenEventA(EVENT_MODIFY_STATE, FALSE, name);
	if (ev) {
		BOOL ok = SetEvent(ev);

		CloseHandle(ev);
		if (ok)
			return 0;
	}
	/* not a udpbench, or one that has already ended: as SIGTERM ends a program */
	return TerminateProcess(kids[slot].h, 128 + 15) || WaitForSingleObject(kids[slot].h, 0) == WAIT_OBJECT_0
		       ? 0 : -1;
}

int ub_proc_wait(pid_t pid)
{
	DWORD code = 0;
	int slot = kid_slot(pid);

	if (slot < 0)
		return -1;
	/* in slices: under wine a thread in an endless wait holds up the Ctrl-C handler */
	while (WaitForSingleObject(kids[slot].h, UB_PROC_WAIT_SLICE_MS) == WAIT_TIMEOUT)
		;
	if (WaitForSingleObject(kids[slot].h, 0) != WAIT_OBJECT_0 ||
	    !GetExitCodeProcess(kids[slot].h, &code))
		code = 255;
	CloseHandle(kids[slot].h);
	kids[slot].h = NULL;
	kids[slot].pid = 0;
	return ub_proc_status(code > 255 ? 256 : (int)code);
}
