/* Windows build: <arpa/inet.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_ARPA_INET_H
#define UB_W32_ARPA_INET_H
#include "lib/plat.h"
#endif
