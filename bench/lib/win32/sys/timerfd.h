/* Windows build: <sys/timerfd.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_SYS_TIMERFD_H
#define UB_W32_SYS_TIMERFD_H
#include "lib/plat.h"
#endif
