/* Windows build: <netinet/tcp.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_NETINET_TCP_H
#define UB_W32_NETINET_TCP_H
#include "lib/plat.h"
#endif
