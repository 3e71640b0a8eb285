/* Windows build: <sys/uio.h> is answered by lib/plat.h (Winsock, Win32). */
#ifndef UB_W32_SYS_UIO_H
#define UB_W32_SYS_UIO_H
#include "lib/plat.h"
#endif
