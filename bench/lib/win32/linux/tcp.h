/* Windows build: <linux/tcp.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_LINUX_TCP_H
#define UB_W32_LINUX_TCP_H
#include "lib/plat.h"
#endif
