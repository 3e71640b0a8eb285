/*
 * The signals every command answers to, in the Windows build: Ctrl-C and
 * Ctrl-Break (SetConsoleCtrlHandler) as SIGINT, closing the console window
 * or logging off as SIGTERM. The handler runs in a thread of its own, so it
 * also wakes a poll in progress (lib/plat.h), as a signal would. A parent
 * stops a udpbench child through a named event (ub_proc_stop), where Linux
 * sends SIGTERM: a thread waits on it. Windows has no SIGUSR1: the
 * reflector's counters come at exit.
 */
#include "lib/signals.h"

#include <stdio.h>
#include <stdlib.h>

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

static HANDLE stop_event, stop_thread;
static volatile LONG exiting;

/* Waits for the stop event, then stops the process as SIGTERM would (unless it is exiting anyway). */
static DWORD WINAPI stop_waiter(LPVOID unused)
{
	(void)unused;
	if (WaitForSingleObject(stop_event, INFINITE) == WAIT_OBJECT_0 &&
	    !InterlockedCompareExchange(&exiting, 0, 0))
		on_ctrl(CTRL_BREAK_EVENT);
	return 0;
}

/* Ends the waiting thread before the process ends: no thread is left in a wait as it goes. */
static void stop_waiter_end(void)
{
	InterlockedExchange(&exiting, 1);
	SetEvent(stop_event);
	WaitForSingleObject(stop_thread, 1000);
}

void ub_signals_install(void)
{
	static int done;
	char name[64];

	if (done++)
		return;
	SetConsoleCtrlHandler(on_ctrl, TRUE);
	snprintf(name, sizeof(name), UB_W32_STOP_EVENT, (unsigned long)GetCurrentProcessId());
	/* Without the event (out of handles) a parent's stop ends the process instead. */
	stop_event = CreateEventA(NULL, TRUE, FALSE, name);
	if (!stop_event)
		return;
	stop_thread = CreateThread(NULL, 64 * 1024, stop_waiter, NULL, STACK_SIZE_PARAM_IS_A_RESERVATION,
				   NULL);
	if (stop_thread)
		atexit(stop_waiter_end);
}
