/*
 * udpbench: inside the process layer — what proc.c (Linux) and
 * proc_win32.c (Windows) each provide to proc_common.c.
 */
#ifndef UB_PROC_INT_H
#define UB_PROC_INT_H

#include "lib/proc.h"

/*
 * Starts argv as c says (c not NULL, argv[0] set); its pid goes to *pid.
 * Returns 0 or an errno: ENOSYS for a network namespace where there are none.
 */
int ub_proc_start(const char *const argv[], const struct ub_proc_config *c, pid_t *pid);

#endif
