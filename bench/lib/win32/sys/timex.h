/* Windows build: <sys/timex.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_SYS_TIMEX_H
#define UB_W32_SYS_TIMEX_H
#include "lib/plat.h"
#endif
