/* Windows build: <netinet/in.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_NETINET_IN_H
#define UB_W32_NETINET_IN_H
#include "lib/plat.h"
#endif
