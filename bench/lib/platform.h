/*
 * udpbench: what the system needs before a command runs, and what main
 * says of the build. On Linux nothing (platform.c); the Windows build's
 * platform_win32.c starts Winsock and the console there (lib/plat.h).
 */
#ifndef UB_PLATFORM_H
#define UB_PLATFORM_H

#include "lib/err.h"

/* Makes the system ready for a command. Returns 0, or UB_E_SYS saying why. */
int ub_platform_start(struct ub_err *e);

/*
 * What the version line adds after the version ("" for the full build),
 * and what --help says before a command's usage about what this build
 * leaves out ("" for the full build).
 */
extern const char ub_platform_version[];
extern const char ub_platform_note[];

/* Whether c separates folders in a path ('/'; on Windows '\\' too). */
int ub_path_is_sep(char c);

/* The last folder separator in path ('/'; on Windows '\\' too), or NULL. */
const char *ub_path_last_sep(const char *path);

#endif
