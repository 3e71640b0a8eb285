#include "lib/signals.h"

#include <string.h>

volatile sig_atomic_t ub_signal_stop;
volatile sig_atomic_t ub_signal_dump;

static void on_stop(int sig)
{
	(void)sig;
	if (ub_signal_stop < 2)
		ub_signal_stop++;
}

static void on_usr1(int sig)
{
	(void)sig;
	ub_signal_dump = 1;
}

void ub_signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	/* No SA_RESTART: poll() must return so the loops see the flags. */
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
