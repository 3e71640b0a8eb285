/*
 * Windows build: <ini.h>, libinih's interface for what the project calls
 * (ini_parse_stream), answered by bench/lib/win32/ini.c. The Linux build
 * links libinih itself.
 */
#ifndef UB_W32_INI_H
#define UB_W32_INI_H

/* Takes one key line (or one continuation line of it); returns 0 to mark that line an error. */
typedef int (*ini_handler)(void *user, const char *section, const char *name, const char *value);

/* Reads one line into str, fgets-like (at most num - 1 bytes, then a NUL); returns str, or NULL at the end. */
typedef char *(*ini_reader)(char *str, int num, void *stream);

/*
 * Reads the lines reader gives until it returns NULL, calling handler per
 * key. Returns 0, or the number of the first line that was not understood
 * or that handler refused (reading goes on after it).
 */
int ini_parse_stream(ini_reader reader, void *stream, ini_handler handler, void *user);

#endif
