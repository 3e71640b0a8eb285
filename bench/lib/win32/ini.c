/*
 * libinih's INI format, read the same way (as Debian's libinih 55 reads it),
 * for the Windows build: a scenario file means the same on both systems.
 * The rules, line by line:
 *
 * - The reader is asked for 199 bytes at most (num 200); the rest of a
 *   longer line comes back as a line of its own, with its own number.
 * - A UTF-8 BOM opening the first line is skipped. White space is the six
 *   ASCII ones (space, \t \n \v \f \r); other bytes, UTF-8 or not, are
 *   text, and a NUL ends the line.
 * - A line is trimmed at both ends; empty, ';' and '#' lines are skipped.
 * - A line that began with white space continues the last key line, across
 *   skipped lines and errors: the handler gets that key again with the
 *   trimmed line as value, inline ';' and all. A section header, or a key
 *   with an empty name, leaves nothing to continue.
 * - "[name]" starts a section (text after ']' is ignored, the name is kept
 *   as written); no ']' is an error and the section stays. Before the first
 *   header the section is "".
 * - Otherwise the line is "name = value" or "name : value", split at the
 *   first '=' or ':', both sides trimmed; no '=' or ':' is an error.
 * - ';' after white space starts a comment, in a name, a value or a header.
 * - The section, and a key's name as continuation lines repeat it, keep
 *   their first 49 bytes.
 * - A handler's 0 makes its line an error; reading goes on, and the first
 *   error's line number is returned.
 */
#include <string.h>

#include "ini.h"

#define INI_LINE 200 /* the reader's buffer, NUL included */
#define INI_NAME 50  /* a kept section or key name, NUL included */

/* Whether c is ASCII white space: the same bytes on every system and in every locale. */
static int is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Returns s past its leading white space. */
static char *skip_space(char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

/* Returns s with its trailing white space cut off. */
static char *trim_end(char *s)
{
	char *e = s + strlen(s);

	while (e > s && is_space(e[-1]))
		e--;
	*e = '\0';
	return s;
}

/* Returns the first byte of s that is in stop (NULL: none), starts an inline comment, or ends s. */
static char *find_end(char *s, const char *stop)
{
	int after_space = 0;

	for (; *s; s++) {
		if ((stop && strchr(stop, *s)) || (after_space && *s == ';'))
			break;
		after_space = is_space(*s);
	}
	return s;
}

/* Copies src's first INI_NAME - 1 bytes into dst. */
static void keep(char *dst, const char *src)
{
	size_t n = strlen(src);

	if (n > INI_NAME - 1)
		n = INI_NAME - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int ini_parse_stream(ini_reader reader, void *stream, ini_handler handler, void *user)
{
	char line[INI_LINE], section[INI_NAME] = "", last[INI_NAME] = "";
	char *start, *end, *value;
	int lineno = 0, error = 0, ok;

	while (reader(line, INI_LINE, stream)) {
		lineno++;
		start = line;
		if (lineno == 1 && strncmp(start, "\xEF\xBB\xBF", 3) == 0)
			start += 3;
		start = skip_space(trim_end(start));
		if (*start == '\0' || *start == ';' || *start == '#')
			continue;
		ok = 1;
		if (last[0] && start > line) {
			ok = handler(user, section, last, start);
		} else if (*start == '[') {
			end = find_end(start + 1, "]");
			if (*end == ']') {
				*end = '\0';
				keep(section, start + 1);
				last[0] = '\0';
			} else {
				ok = 0;
			}
		} else {
			end = find_end(start, "=:");
			if (*end == '=' || *end == ':') {
				*end = '\0';
				value = end + 1;
				*find_end(value, NULL) = '\0';
				value = trim_end(skip_space(value));
				trim_end(start);
				keep(last, start);
				ok = handler(user, section, start, value);
			} else {
				ok = 0;
			}
		}
		if (!ok && !error)
			error = lineno;
	}
	return error;
}
