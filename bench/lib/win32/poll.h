/* Windows build: <poll.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_POLL_H
#define UB_W32_POLL_H
#include "lib/plat.h"
#endif
