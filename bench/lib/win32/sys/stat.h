/* Windows build: mingw-w64's <sys/stat.h>, with POSIX's mkdir(path, mode) (Windows has no modes). */
#ifndef UB_W32_SYS_STAT_H
#define UB_W32_SYS_STAT_H
#include_next <sys/stat.h>
#include <direct.h>
#include <io.h>

#define mkdir(path, mode) ((void)(mode), _mkdir(path))
#endif
