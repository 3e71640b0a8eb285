/* udpbench: the signals every command answers to. */
#ifndef UB_SIGNALS_H
#define UB_SIGNALS_H

#include <signal.h>

/* SIGINT/SIGTERM so far (1: finish what is in flight, 2: stop now); set by the handler. */
extern volatile sig_atomic_t ub_signal_stop;
/* Set by SIGUSR1: print the counters. */
extern volatile sig_atomic_t ub_signal_dump;

/* Installs the handlers (no SA_RESTART, so poll returns) and ignores SIGPIPE. */
void ub_signals_install(void);

#endif
