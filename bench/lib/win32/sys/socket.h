/* Windows build: <sys/socket.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_SYS_SOCKET_H
#define UB_W32_SYS_SOCKET_H
#include "lib/plat.h"
#endif
