/* Windows build: <netinet/udp.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_NETINET_UDP_H
#define UB_W32_NETINET_UDP_H
#include "lib/plat.h"
#endif
