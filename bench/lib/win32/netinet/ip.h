/* Windows build: <netinet/ip.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_NETINET_IP_H
#define UB_W32_NETINET_IP_H
#include "lib/plat.h"
#endif
