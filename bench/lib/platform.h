/*
 * udpbench: what the system needs before a command runs, and what main
 * says of the build. On Linux nothing (platform.c); the Windows build's
 * platform_win32.c starts Winsock and the console there (lib/plat.h).
 */
#ifndef UB_PLATFORM_H
#define UB_PLATFORM_H

#include <stddef.h>

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

/*
 * The separator a path in folder dir is written with: '/'; on Windows the
 * one dir is written with (its last), '\\' when it has none.
 */
char ub_path_sep(const char *dir);

/*
 * Writes into out (n bytes) dir, the separator ub_path_sep gives, and the
 * name printf-style fmt makes, its own separators written the same way; no
 * separator is doubled where dir ends in one. Returns 0, or -1 when it does
 * not fit (out then holds as much as fits).
 */
int ub_path_join(char *out, size_t n, const char *dir, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
