/*
 * Fuzz target: a scenario file (scenarios/NAME.ini) read by ub_scenario_load,
 * the way `udpbench scenario run FILE.ini` reads it. The loader takes a
 * path, so the input goes into a memory file (memfd) that is opened
 * through /proc/self/fd; nothing touches the disk.
 *
 * A scenario that loads is held against a second reading of the same text
 * (libinih's ini_parse_string with a handler here that only keeps the last
 * value of each key): the names, the peer, every [link] line in order and
 * every [probe] value must be what that reading gives. A scenario that does
 * not load comes back as NULL with a message; when the message names a
 * line, that line alone (under its section) must fail to load too, with the
 * same message, so the line and the message are about the same mistake.
 */
#include <ctype.h>
#include <ini.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "relay/impair.h"
#include "stamp/proto.h"
#include "scenarios/scenario.h"
#include "lib/units.h"

#define NS_PER_S 1000000000LL
#define LINK_MAX 256

/* The input, as a file: the code under test reads files. */
static const char *path;

/* ---- the second reading --------------------------------------------- */

enum { K_NAME_ZH, K_NAME_EN, K_DESC_ZH, K_DESC_EN, K_HOST, K_COUNT, K_INTERVAL, K_SIZE,
       K_TIMEOUT, K_PROTOCOLS, K_N };

static const struct {
	const char *section, *key;
} keys[K_N] = {
	{ "scenario", "name_zh" }, { "scenario", "name_en" }, { "scenario", "description_zh" },
	{ "scenario", "description_en" }, { "peer", "host" }, { "probe", "count" },
	{ "probe", "interval" }, { "probe", "size" }, { "probe", "timeout" },
	{ "probe", "protocols" },
};

struct reading {
	char *last[K_N];
	char *link_key[LINK_MAX], *link_value[LINK_MAX];
	unsigned n_link;
	int overflow; /* more [link] lines than kept: no comparison */
};

static int keep(void *user, const char *section, const char *k, const char *v)
{
	struct reading *r = user;
	int i;

	if (strcmp(section, "link") == 0) {
		if (r->n_link == LINK_MAX) {
			r->overflow = 1;
			return 1;
		}
		r->link_key[r->n_link] = strdup(k);
		r->link_value[r->n_link] = strdup(v);
		r->n_link++;
		return 1;
	}
	for (i = 0; i < K_N; i++) {
		if (strcmp(section, keys[i].section) == 0 && strcmp(k, keys[i].key) == 0) {
			free(r->last[i]);
			r->last[i] = strdup(v);
		}
	}
	return 1;
}

static void reading_free(struct reading *r)
{
	unsigned i;

	for (i = 0; i < K_N; i++)
		free(r->last[i]);
	for (i = 0; i < r->n_link; i++) {
		free(r->link_key[i]);
		free(r->link_value[i]);
	}
}

static int same_str(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* udp and tcp from a protocols value: tokens split on commas and spaces. */
static int protocols(const char *v, int *udp, int *tcp)
{
	size_t n;

	*udp = *tcp = 0;
	for (;;) {
		v += strspn(v, ", ");
		if (!*v)
			break;
		n = strcspn(v, ", ");
		if (n == 3 && strncmp(v, "udp", 3) == 0)
			*udp = 1;
		else if (n == 3 && strncmp(v, "tcp", 3) == 0)
			*tcp = 1;
		else
			return -1;
		v += n;
	}
	return *udp || *tcp ? 0 : -1;
}

static void check_loaded(const struct ub_scenario *s, const uint8_t *d, size_t n)
{
	struct ub_impair_config up, down;
	struct reading r;
	char *text;
	uint64_t u;
	int64_t ns;
	unsigned i;
	int udp, tcp;

	FUZZ_CHECK(s->path && strcmp(s->path, path) == 0 && s->id);
	FUZZ_CHECK(s->name_en && s->name_zh);
	FUZZ_CHECK(s->count >= 1 && s->count <= UINT32_MAX);
	FUZZ_CHECK(s->interval_ns >= 1000 && s->interval_ns <= 3600 * NS_PER_S);
	FUZZ_CHECK(s->size >= UB_STAMP_LEN && s->size <= UB_PKT_MAX);
	FUZZ_CHECK(s->timeout_ns >= 1000000 && s->timeout_ns <= 3600 * NS_PER_S);
	FUZZ_CHECK(s->udp || s->tcp);
	FUZZ_CHECK(s->n_link == 0 || s->link);
	/* The runner hands [link] to the relay line by line: each must still be accepted. */
	ub_impair_config_init(&up);
	ub_impair_config_init(&down);
	for (i = 0; i < s->n_link; i++) {
		FUZZ_CHECK(s->link[i].key && s->link[i].value);
		FUZZ_CHECK(ub_impair_set(&up, &down, s->link[i].key, s->link[i].value, NULL) == 0);
	}

	/* A file read stops at nothing, a string at its first NUL: compare only without one. */
	if (memchr(d, '\0', n))
		return;
	text = malloc(n + 1);
	if (!text)
		return;
	memcpy(text, d, n);
	text[n] = '\0';
	memset(&r, 0, sizeof(r));
	FUZZ_CHECK(ini_parse_string(text, keep, &r) == 0);
	FUZZ_CHECK(same_str(s->name_zh, r.last[K_NAME_ZH]) && same_str(s->name_en, r.last[K_NAME_EN]));
	FUZZ_CHECK(r.last[K_DESC_ZH] ? same_str(s->desc_zh, r.last[K_DESC_ZH]) : !s->desc_zh);
	FUZZ_CHECK(r.last[K_DESC_EN] ? same_str(s->desc_en, r.last[K_DESC_EN]) : !s->desc_en);
	FUZZ_CHECK(r.last[K_HOST] ? same_str(s->peer, r.last[K_HOST]) : !s->peer);
	if (!r.overflow) {
		FUZZ_CHECK(s->n_link == r.n_link);
		for (i = 0; i < r.n_link; i++)
			FUZZ_CHECK(same_str(s->link[i].key, r.link_key[i]) &&
				   same_str(s->link[i].value, r.link_value[i]));
	}
	/* [probe]: the last value of each key, through the same parsers and ranges, else the default. */
	if (r.last[K_COUNT])
		FUZZ_CHECK(ub_units_count(r.last[K_COUNT], 1, UINT32_MAX, &u, NULL) == 0 &&
			   u == s->count);
	else
		FUZZ_CHECK(s->count == 1000);
	if (r.last[K_INTERVAL])
		FUZZ_CHECK(ub_units_duration(r.last[K_INTERVAL], 1000, 3600 * NS_PER_S, &ns, NULL) == 0 &&
			   ns == s->interval_ns);
	else
		FUZZ_CHECK(s->interval_ns == 10000000);
	if (r.last[K_SIZE])
		FUZZ_CHECK(ub_units_size(r.last[K_SIZE], UB_STAMP_LEN, UB_PKT_MAX, &u, NULL) == 0 &&
			   u == s->size);
	else
		FUZZ_CHECK(s->size == UB_STAMP_LEN);
	if (r.last[K_TIMEOUT])
		FUZZ_CHECK(ub_units_duration(r.last[K_TIMEOUT], 1000000, 3600 * NS_PER_S, &ns, NULL) == 0 &&
			   ns == s->timeout_ns);
	else
		FUZZ_CHECK(s->timeout_ns == NS_PER_S);
	if (r.last[K_PROTOCOLS])
		FUZZ_CHECK(protocols(r.last[K_PROTOCOLS], &udp, &tcp) == 0 && udp == s->udp &&
			   tcp == s->tcp);
	else
		FUZZ_CHECK(s->udp == 1 && s->tcp == 0);
	reading_free(&r);
	free(text);
}

/* ---- the line an error names ---------------------------------------- */

/* A line libinih reads one way only: empty, a comment, "[name]", or a key line. */
static int plain_line(const uint8_t *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i] == '\0' || l[i] == '\r' || l[i] == '\t')
			return 0;
	if (n == 0 || l[0] == ';' || l[0] == '#')
		return 1;
	if (l[0] == '[') {
		for (i = 1; i + 1 < n; i++)
			if (!isalnum(l[i]) && l[i] != '_' && l[i] != '-')
				return 0;
		return n >= 2 && l[n - 1] == ']';
	}
	return isalpha(l[0]);
}

/*
 * When the message names line L of a file made only of plain lines, that
 * line under the section it was in (after a valid [scenario]) must fail to
 * load on its own, with the same message.
 */
static void check_error_line(const char *msg, const uint8_t *d, size_t n)
{
	static const char head[] = "[scenario]\nname_zh = z\nname_en = e\n";
	const uint8_t *line = d, *end = d + n, *nl, *section = NULL, *at = NULL;
	size_t plen = strlen(path), section_len = 2, at_len = 0;
	struct ub_scenario *s = NULL;
	struct ub_err e;
	const char *tail, *mini_tail;
	char *mini;
	long want;
	long no;
	int rc;

	if (strncmp(msg, path, plen) != 0 || msg[plen] != ':' || !isdigit((unsigned char)msg[plen + 1]))
		return;
	want = strtol(msg + plen + 1, NULL, 10);
	FUZZ_CHECK(want >= 1);
	for (no = 1; line <= end; no++) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		if (!plain_line(line, (size_t)(nl - line)))
			return;
		if (no < want && nl > line && line[0] == '[') {
			section = line;
			section_len = (size_t)(nl - line);
		}
		if (no == want) {
			at = line;
			at_len = (size_t)(nl - line);
		}
		if (nl == end)
			break;
		line = nl + 1;
	}
	/* The line must be in the file (a final line without '\n' counts). */
	FUZZ_CHECK(at != NULL);
	mini = malloc(sizeof(head) + section_len + at_len + 2);
	if (!mini)
		return;
	memcpy(mini, head, sizeof(head) - 1);
	memcpy(mini + sizeof(head) - 1, section ? (const char *)section : "[]", section_len);
	mini[sizeof(head) - 1 + section_len] = '\n';
	memcpy(mini + sizeof(head) + section_len, at, at_len);
	mini[sizeof(head) + section_len + at_len] = '\n';
	/* The same memory file, so path stays the same and the messages compare. */
	if (fuzz_as_file("fuzz-scenario", (const uint8_t *)mini,
			 sizeof(head) + section_len + at_len + 1)) {
		ub_err_clear(&e);
		rc = ub_scenario_load(path, &s, &e);
		ub_scenario_free(s);
		FUZZ_CHECK(rc != 0);
		/* The same mistake: the same words, now about line 5 of the small file. */
		FUZZ_CHECK(strncmp(e.msg, path, plen) == 0 && strncmp(e.msg + plen, ":5:", 3) == 0);
		tail = strchr(msg + plen + 1, ':');
		mini_tail = e.msg + plen + 2;
		/* A message cut at UB_ERR_MSG_MAX ends elsewhere when the line number is longer. */
		if (strlen(msg) == UB_ERR_MSG_MAX - 1 || strlen(e.msg) == UB_ERR_MSG_MAX - 1)
			FUZZ_CHECK(strncmp(mini_tail, tail, strlen(tail) < strlen(mini_tail) ?
							     strlen(tail) : strlen(mini_tail)) == 0);
		else
			FUZZ_CHECK(strcmp(mini_tail, tail) == 0);
	}
	free(mini);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct ub_scenario *s = (struct ub_scenario *)&s;
	struct ub_err e;
	int rc;

	path = fuzz_as_file("fuzz-scenario", d, n);
	if (!path)
		return 0;
	ub_err_clear(&e);
	rc = ub_scenario_load(path, &s, &e);
	if (rc != 0) {
		FUZZ_CHECK(rc < 0 && e.code == rc && e.msg[0] && s == NULL);
		check_error_line(e.msg, d, n);
		return 0;
	}
	FUZZ_CHECK(s != NULL);
	check_loaded(s, d, n);
	ub_scenario_free(s);
	return 0;
}
