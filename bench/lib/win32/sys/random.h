/* Windows build: <sys/random.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_SYS_RANDOM_H
#define UB_W32_SYS_RANDOM_H
#include "lib/plat.h"
#endif
