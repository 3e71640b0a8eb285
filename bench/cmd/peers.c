#include "cmd/peers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ub_peers_add(struct ub_peers *p, const char *peer, struct ub_err *e)
{
	const char **grown;
	unsigned cap;

	if (p->n == p->cap) {
		cap = p->cap ? 2 * p->cap : 8;
		grown = realloc(p->list, cap * sizeof(*grown));
		if (!grown)
			return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
		p->list = grown;
		p->cap = cap;
	}
	p->list[p->n++] = peer;
	return 0;
}

/* Keeps a copy of one line's peer, owned by p. */
static int add_owned(struct ub_peers *p, const char *peer, struct ub_err *e)
{
	char *dup = strdup(peer), **grown;

	grown = dup ? realloc(p->owned, (p->n_owned + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(dup);
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	}
	p->owned = grown;
	p->owned[p->n_owned++] = dup;
	return ub_peers_add(p, dup, e);
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
		if (strpbrk(s, " \t")) {
			ret = ub_err_set(e, UB_E_INVAL, 0, "--peers: %s line %d: one HOST[:PORT] per line",
					 path, lineno);
			break;
		}
		ret = add_owned(p, s, e);
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
	p->owned = NULL;
	p->list = NULL;
	p->n_owned = p->n = p->cap = 0;
}
