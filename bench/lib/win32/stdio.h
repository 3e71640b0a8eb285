/* Windows build: mingw-w64's <stdio.h>, with asprintf, vasprintf and getline, which it lacks. */
#ifndef UB_W32_STDIO_H
#define UB_W32_STDIO_H
#include_next <stdio.h>
#include <stdarg.h>
#include <sys/types.h>

/* As glibc's: a malloc'd string in *out; returns its length, or -1 (*out then undefined). */
int ub_w32_vasprintf(char **out, const char *fmt, va_list ap);
int ub_w32_asprintf(char **out, const char *fmt, ...);
/* As POSIX's: the next line of f, newline kept, into *line (grown as needed); -1 at the end. */
ssize_t ub_w32_getline(char **line, size_t *cap, FILE *f);
#define vasprintf ub_w32_vasprintf
#define asprintf ub_w32_asprintf
#define getline ub_w32_getline
#endif
