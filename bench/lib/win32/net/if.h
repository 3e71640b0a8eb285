/* Windows build: <net/if.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_NET_IF_H
#define UB_W32_NET_IF_H
#include "lib/plat.h"
#endif
