/* Windows build: <sys/resource.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_SYS_RESOURCE_H
#define UB_W32_SYS_RESOURCE_H
#include "lib/plat.h"
#endif
