/* Windows build: mingw-w64's <sched.h>, with what lib/plat.h adds. */
#ifndef UB_W32_SCHED_H
#define UB_W32_SCHED_H
#include_next <sched.h>
#include "lib/plat.h"
#endif
