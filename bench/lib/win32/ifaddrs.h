/* Windows build: <ifaddrs.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_IFADDRS_H
#define UB_W32_IFADDRS_H
#include "lib/plat.h"
#endif
