/* Windows build: mingw-w64's <unistd.h>, with what lib/plat.h adds. */
#ifndef UB_W32_UNISTD_H
#define UB_W32_UNISTD_H
#include_next <unistd.h>
#include "lib/plat.h"
#endif
