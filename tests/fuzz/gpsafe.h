/*
 * What a line of a chart's settings (NAME.set.gp) may be, checked by the
 * report fuzz target and the gnuplot unit test. udpbench writes only:
 *
 *     # a comment                      (its own header lines)
 *     NAME = NUMBER
 *     NAME = 'text' [ . "\n" . 'text' | . "\047" . 'text' ]...
 *     NAME[DIGITS] = the same
 *     array NAME[NAME or DIGITS]
 *
 * Anything else (a backquote, system(), an @macro or a $ outside a single
 * quoted string, a string left open, a second command on the line) could
 * make gnuplot do more than set a value.
 */
#ifndef UB_GPSAFE_H
#define UB_GPSAFE_H

#include <ctype.h>
#include <string.h>

/* Skips a name [A-Za-z_][A-Za-z0-9_]*; returns the end, or NULL when p holds none. */
static inline const char *gpsafe_name(const char *p)
{
	if (!isalpha((unsigned char)*p) && *p != '_')
		return NULL;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	return p;
}

/* Skips "[DIGITS]" (or "[NAME]" when names is set); returns the end, or NULL. */
static inline const char *gpsafe_index(const char *p, int names)
{
	const char *q;

	if (*p++ != '[')
		return NULL;
	q = p;
	while (isdigit((unsigned char)*q))
		q++;
	if (q == p && names)
		q = gpsafe_name(p);
	if (!q || q == p || *q != ']')
		return NULL;
	return q + 1;
}

/*
 * Skips one single-quoted string; returns the end, or NULL when it never
 * closes or ends in a doubled quote, which gnuplot would take in as text.
 */
static inline const char *gpsafe_quoted(const char *p)
{
	if (*p++ != '\'')
		return NULL;
	for (; *p && *p != '\n'; p++)
		if (*p == '\'')
			return p[1] == '\'' && p[-1] != '\'' ? NULL : p + 1;
	return NULL;
}

/* Skips a number as ub_gnuplot_num and printf("%u") write them; returns the end, or NULL. */
static inline const char *gpsafe_number(const char *p)
{
	const char *q;

	if (*p == '-')
		p++;
	q = p;
	while (isdigit((unsigned char)*q))
		q++;
	if (q == p)
		return NULL;
	if (*q == '.') {
		p = ++q;
		while (isdigit((unsigned char)*q))
			q++;
		if (q == p)
			return NULL;
	}
	return q;
}

/* Returns NULL when line (without its '\n') is one udpbench may write, else what is wrong. */
static inline const char *gpsafe_line(const char *line)
{
	const char *p = line;

	if (*p == '#')
		return strchr(p, '\n') ? "a comment spans lines" : NULL;
	if (strncmp(p, "array ", 6) == 0) {
		p = gpsafe_name(p + 6);
		p = p ? gpsafe_index(p, 1) : NULL;
		return p && !*p ? NULL : "not an array declaration";
	}
	p = gpsafe_name(p);
	if (!p)
		return "does not start with a name";
	if (*p == '[' && !(p = gpsafe_index(p, 0)))
		return "a bad index";
	if (strncmp(p, " = ", 3) != 0)
		return "not an assignment";
	p += 3;
	if (*p != '\'') {
		p = gpsafe_number(p);
		return p && !*p ? NULL : "a value that is neither a number nor a string";
	}
	for (;;) {
		p = gpsafe_quoted(p);
		if (!p)
			return "a string left open";
		if (!*p)
			return NULL;
		if (strncmp(p, ".\"\\n\".", 6) == 0)
			p += 6;
		else if (strncmp(p, ".\"\\047\".", 8) == 0)
			p += 8;
		else
			return "something after a string";
	}
}

#endif
