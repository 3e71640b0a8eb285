/*
 * The signals every command answers to, in the Windows build: Ctrl-C and
 * Ctrl-Break (SetConsoleCtrlHandler) as SIGINT, closing the console window
 * or logging off as SIGTERM. The handler runs in a thread of its own, so it
 * also wakes a poll in progress (lib/plat.h), as a signal would. Windows has
 * no SIGUSR1: the reflector's counters come at exit.
 */
#include "lib/signals.h"

#include "lib/plat.h"

volatile sig_atomic_t ub_signal_stop;
volatile sig_atomic_t ub_signal_dump;

/* How long Windows lets a closing console's program finish (it ends it after 5 s). */
#define UB_CLOSE_GRACE_MS 4500

static BOOL WINAPI on_ctrl(DWORD what)
{
	if (ub_signal_stop < 2)
		ub_signal_stop++;
	ub_plat_interrupt();
	/*
	 * A closed window, a logoff or a shutdown ends the process as soon as
	 * this returns: wait here instead, so that the main thread can write
	 * the summary, JSON and CSV; its exit ends this thread too.
	 */
	if (what == CTRL_CLOSE_EVENT || what == CTRL_LOGOFF_EVENT || what == CTRL_SHUTDOWN_EVENT)
		Sleep(UB_CLOSE_GRACE_MS);
	/* Handled: Windows would end the process at once otherwise. */
	return TRUE;
}

void ub_signals_install(void)
{
	SetConsoleCtrlHandler(on_ctrl, TRUE);
}
