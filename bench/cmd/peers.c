#include "cmd/peers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/output.h"

/* Grows both arrays to hold one more peer. */
static int grow(struct ub_peers *p, struct ub_err *e)
{
	const char **list, **names;
	unsigned cap;

	if (p->n < p->cap)
		return 0;
	cap = p->cap ? 2 * p->cap : 8;
	list = realloc(p->list, cap * sizeof(*list));
	if (list)
		p->list = list;
	names = list ? realloc(p->names, cap * sizeof(*names)) : NULL;
	if (!names)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	p->names = names;
	p->cap = cap;
	return 0;
}

/* Appends peer with its name (NULL: none); both are kept as pointers. */
static int add_named(struct ub_peers *p, const char *peer, const char *name, struct ub_err *e)
{
	if (grow(p, e) < 0)
		return UB_E_NOMEM;
	p->list[p->n] = peer;
	p->names[p->n] = name;
	p->n++;
	return 0;
}

int ub_peers_add(struct ub_peers *p, const char *peer, struct ub_err *e)
{
	return add_named(p, peer, NULL, e);
}

/* Keeps a copy of one line (peer, NUL, name), owned by p. */
static int add_owned(struct ub_peers *p, const char *peer, const char *name, struct ub_err *e)
{
	size_t lp = strlen(peer) + 1, ln = name ? strlen(name) + 1 : 0;
	char *dup = malloc(lp + ln), **grown;

	grown = dup ? realloc(p->owned, (p->n_owned + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(dup);
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	}
	memcpy(dup, peer, lp);
	if (name)
		memcpy(dup + lp, name, ln);
	p->owned = grown;
	p->owned[p->n_owned++] = dup;
	return add_named(p, dup, name ? dup + lp : NULL, e);
}

/*
 * The name part of a line, its runs of spaces and tabs made one space, in
 * place. Returns NULL when it is fine, else what is wrong with it.
 */
static const char *tidy_name(char *name, const struct ub_peers *p, unsigned *dup_of)
{
	char *r = name, *w = name;
	unsigned i;

	for (; *r; r++) {
		if (*r == '\t')
			*r = ' ';
		if ((unsigned char)*r < 0x20 || *r == 0x7F)
			return "holds a control character";
		if (*r == ' ' && w > name && w[-1] == ' ')
			continue;
		*w++ = *r;
	}
	*w = '\0';
	if (strlen(name) >= UB_NAME_MAX)
		return "is longer than 63 bytes";
	if (!ub_output_text_ok(name))
		return "is not UTF-8";
	for (i = 0; i < p->n; i++)
		if (p->names[i] && strcmp(p->names[i], name) == 0) {
			*dup_of = i + 1;
			return "is given to another board too";
		}
	return NULL;
}

/* One line (comment, spaces and newline already cut): its peer, and its name when it has one. */
static int read_line(struct ub_peers *p, char *s, const char *path, int lineno, struct ub_err *e)
{
	char *name = strpbrk(s, " \t");
	const char *bad;
	unsigned dup_of = 0;

	if (!name)
		return add_owned(p, s, NULL, e);
	*name++ = '\0';
	name += strspn(name, " \t");
	bad = tidy_name(name, p, &dup_of);
	if (bad && dup_of)
		return ub_err_set(e, UB_E_INVAL, 0, "--peers: %s line %d: the name of %s %s (%s)",
				  path, lineno, s, bad, p->list[dup_of - 1]);
	if (bad)
		return ub_err_set(e, UB_E_INVAL, 0, "--peers: %s line %d: the name of %s %s", path,
				  lineno, s, bad);
	return add_owned(p, s, name, e);
}

int ub_peers_read(struct ub_peers *p, const char *path, struct ub_err *e)
{
	char line[512], *s, *end;
	FILE *f = fopen(path, "r");
	int ret = 0, lineno = 0;

	if (!f)
		return ub_err_set(e, UB_E_INVAL, errno, "--peers: cannot read %s", path);
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			ret = ub_err_set(e, UB_E_INVAL, 0, "--peers: %s line %d is too long", path,
					 lineno);
			break;
		}
		if ((s = strchr(line, '#')))
			*s = '\0';
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		for (end = s + strlen(s); end > s && (end[-1] == '\n' || end[-1] == '\r' ||
						     end[-1] == ' ' || end[-1] == '\t');)
			*--end = '\0';
		if (!*s)
			continue;
		ret = read_line(p, s, path, lineno, e);
		if (ret < 0)
			break;
	}
	fclose(f);
	if (!ret && lineno == 0)
		ret = ub_err_set(e, UB_E_INVAL, 0, "--peers: %s is empty", path);
	return ret;
}

void ub_peers_free(struct ub_peers *p)
{
	unsigned i;

	if (!p)
		return;
	for (i = 0; i < p->n_owned; i++)
		free(p->owned[i]);
	free(p->owned);
	free(p->list);
	free(p->names);
	p->owned = NULL;
	p->list = NULL;
	p->names = NULL;
	p->n_owned = p->n = p->cap = 0;
}
