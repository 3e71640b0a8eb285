/* Windows build: <netdb.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_NETDB_H
#define UB_W32_NETDB_H
#include "lib/plat.h"
#endif
