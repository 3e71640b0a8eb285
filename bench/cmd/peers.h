/* udpbench: the peers of `udpbench send` — --peer values, --peers files and bare HOST words. */
#ifndef UB_PEERS_H
#define UB_PEERS_H

#include "lib/err.h"

struct ub_peers {
	const char **list; /* HOST[:PORT] each, in the order given */
	const char **names;/* each one's name (NULL: none), beside list */
	unsigned n, cap;
	char **owned;      /* the lines read from --peers files, which list points into */
	unsigned n_owned;
};

/* Appends peer (kept as a pointer: argv's). Returns 0 or UB_E_NOMEM. */
int ub_peers_add(struct ub_peers *p, const char *peer, struct ub_err *e);

/*
 * Appends the peers of a --peers file: one `HOST[:PORT] [NAME...]` per line
 * (the rest of the line, spaces between words kept as one, is the board's
 * name), blank lines and # comments skipped. Returns 0, or UB_E_INVAL
 * naming the file and the line when it cannot be read, is empty, or a name
 * is too long, not UTF-8, holds a control character or is used twice.
 */
int ub_peers_read(struct ub_peers *p, const char *path, struct ub_err *e);

/* Frees the list and the lines read; p is empty after (NULL accepted). */
void ub_peers_free(struct ub_peers *p);

#endif
