/* Windows build: <sys/prctl.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_SYS_PRCTL_H
#define UB_W32_SYS_PRCTL_H
#include "lib/plat.h"
#endif
