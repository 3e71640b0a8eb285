/*
 * Unit tests for bench/cmd/: the command table (cli.c), the sender's and the
 * reflector's parse (cmd_send.c, cmd_reflect.c, through opt.c): defaults,
 * every option, subcommands, help and version, and one usage error per way a
 * command line can be wrong; every command's help against its option table.
 * cmd_send.c is included to reach its parsed command line (struct send_cmd).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/cmd_analyze.h"
#include "cmd/cmd_reflect.h"
#include "cmd/cmd_relay.h"
#include "cmd/cmd_report.h"
#include "cmd/cmd_scenario.h"
#include "cmd/cmd_send.c"
#include "reflect/reflector.h"

#define MAXARGS 32
#define US 1000LL
#define MSEC (1000 * US)
#define SEC (1000 * MSEC)

/* The parsed command line of the last parse, as its command keeps it. */
#define SEND(fx) ((struct send_cmd *)(fx)->cli.state)
#define REFLECT(fx) ((struct ub_reflector_config *)(fx)->cli.state)

/* getopt_long permutes argv in place and the result points into it: keep both here. */
struct fixture {
	struct ub_cli cli;
	struct ub_err e;
	char store[4096];
	char *argv[MAXARGS + 1];
	int argc;
	char dir[64];   /* for --peers files; empty when none was made */
	char path[128]; /* the last file written by peers_file() */
};

static const char *const lang_vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };

static void clear_lang_env(void)
{
	size_t i;

	for (i = 0; i < sizeof(lang_vars) / sizeof(lang_vars[0]); i++)
		unsetenv(lang_vars[i]);
}

static int group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	/* the default language follows the environment: start from none */
	clear_lang_env();
	*state = fx;
	return 0;
}

static int group_teardown(void **state)
{
	free(*state);
	return 0;
}

static int setup(void **state)
{
	struct fixture *fx = *state;

	memset(fx, 0, sizeof(*fx));
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	ub_cli_free(&fx->cli);
	return 0;
}

static int teardown_env(void **state)
{
	clear_lang_env();
	return teardown(state);
}

static int setup_dir(void **state)
{
	struct fixture *fx = *state;

	setup(state);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/ub-cli-XXXXXX");
	return mkdtemp(fx->dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	struct fixture *fx = *state;
	char path[sizeof(fx->dir) + 264];
	struct dirent *d;
	DIR *dir;

	teardown(state);
	dir = opendir(fx->dir);
	if (!dir)
		return -1;
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", fx->dir, d->d_name);
		unlink(path);
	}
	closedir(dir);
	return rmdir(fx->dir);
}

/* Writes text to a file named name in the test directory; its path goes to fx->path. */
static const char *peers_file(struct fixture *fx, const char *name, const char *text)
{
	FILE *f;

	snprintf(fx->path, sizeof(fx->path), "%s/%s", fx->dir, name);
	f = fopen(fx->path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) < 0, 0);
	assert_int_equal(fclose(f), 0);
	return fx->path;
}

/*
 * glibc's getopt keeps a pointer into the previous argv (its nextchar) that
 * only optind = 0 clears, so a parse whose argv reuses earlier storage could
 * resume inside an old word. Clear it here, then leave optind wrong on
 * purpose: the parser must still reset that.
 */
static void reset_getopt(void)
{
	char prog[] = "reset";
	char *argv[] = { prog, NULL };

	optind = 0;
	while (getopt(1, argv, "") != -1)
		;
	optind = 7;
}

/* Copies "udpbench" and args (NULL-terminated) into writable storage and parses them. */
static int parse_v(struct fixture *fx, const char *const *args)
{
	size_t used = 0, n;
	const char *a = NULL;
	int i;

	fx->argc = 0;
	for (i = -1; i < MAXARGS - 1; i++) {
		a = i < 0 ? "udpbench" : args[i];
		if (!a)
			break;
		n = strlen(a) + 1;
		assert_true(used + n <= sizeof(fx->store));
		memcpy(fx->store + used, a, n);
		fx->argv[fx->argc++] = fx->store + used;
		used += n;
	}
	assert_null(a);
	fx->argv[fx->argc] = NULL;
	/* a failed parse may have kept peers too */
	ub_cli_free(&fx->cli);
	/* garbage in the output, so every default has to be set by the parser */
	memset(&fx->cli, 0x5a, sizeof(fx->cli));
	ub_err_clear(&fx->e);
	reset_getopt();
	return ub_cli_parse(fx->argc, fx->argv, &fx->cli, &fx->e);
}

#define PARSE(fx, ...) parse_v((fx), (const char *const[]){ __VA_ARGS__, NULL })
#define PARSE_NONE(fx) parse_v((fx), (const char *const[]){ NULL })

static void parse_ok_v(struct fixture *fx, const char *const *args)
{
	if (parse_v(fx, args) != 0)
		fail_msg("refused: %s", fx->e.msg);
	assert_int_equal(fx->e.code, 0);
}

#define PARSE_OK(fx, ...) parse_ok_v((fx), (const char *const[]){ __VA_ARGS__, NULL })

/* The peers, in order, as both the sender config and the send command hold them. */
static void check_peers_v(const struct fixture *fx, const char *const *want)
{
	const struct send_cmd *s = SEND(fx);
	unsigned n;

	assert_ptr_equal(fx->cli.command, &ub_cmd_send);
	for (n = 0; want[n]; n++) {
		assert_true(n < s->c.n_peers);
		assert_string_equal(s->c.peers[n], want[n]);
	}
	assert_int_equal(s->c.n_peers, n);
	assert_int_equal(s->peers.n, n);
	assert_ptr_equal(s->c.peers, s->peers.list);
}

#define CHECK_PEERS(fx, ...) check_peers_v((fx), (const char *const[]){ __VA_ARGS__, NULL })

static void test_defaults(void **state)
{
	struct fixture *fx = *state;
	const struct ub_sender_config *s;

	PARSE_OK(fx, "--peer", "192.0.2.1");
	s = &SEND(fx)->c;
	assert_ptr_equal(fx->cli.command, &ub_cmd_send);
	assert_int_equal(fx->cli.action, UB_CMD_RUN);
	assert_int_equal(SEND(fx)->quiet, 0);
	CHECK_PEERS(fx, "192.0.2.1");
	assert_int_equal(s->port, 10000);
	assert_int_equal(s->family, AF_UNSPEC);
	assert_int_equal(s->count, 0);
	/* neither -c nor -d: ten seconds */
	assert_int_equal(s->duration_ns, 10 * SEC);
	assert_int_equal(s->interval_ns, 10 * MSEC);
	assert_int_equal(s->size, 44);
	assert_int_equal(s->timeout_ns, 1 * SEC);
	assert_int_equal(s->mode, UB_MODE_AUTO);
	assert_int_equal(s->dscp, -1);
	assert_int_equal(s->ttl, -1);
	assert_null(s->json_path);
	assert_null(s->csv_path);
	assert_null(s->label);
	assert_int_equal(s->lang, UB_LANG_EN);
	assert_null(s->summary);
	assert_null(s->live);
	assert_null(s->stop);
}

static void test_positional_peer(void **state)
{
	struct fixture *fx = *state;

	PARSE_OK(fx, "192.0.2.1");
	assert_ptr_equal(fx->cli.command, &ub_cmd_send);
	CHECK_PEERS(fx, "192.0.2.1");

	/* options may come before the host */
	PARSE_OK(fx, "-c", "5", "[2001:db8::1]:9");
	CHECK_PEERS(fx, "[2001:db8::1]:9");
	assert_int_equal(SEND(fx)->c.count, 5);

	PARSE_OK(fx, "send", "192.0.2.9", "--count", "3");
	assert_ptr_equal(fx->cli.command, &ub_cmd_send);
	CHECK_PEERS(fx, "192.0.2.9");
	assert_int_equal(SEND(fx)->c.count, 3);
}

/* Results point into argv rather than into copies. */
static void test_strings_point_into_argv(void **state)
{
	struct fixture *fx = *state;

	PARSE_OK(fx, "--peer", "h", "--json", "r.json", "--csv", "r.csv", "--label", "x");
	assert_ptr_equal(SEND(fx)->c.peers[0], fx->argv[2]);
	assert_ptr_equal(SEND(fx)->c.json_path, fx->argv[4]);
	assert_ptr_equal(SEND(fx)->c.csv_path, fx->argv[6]);
	assert_ptr_equal(SEND(fx)->c.label, fx->argv[8]);
}

/* --peer may repeat, and every word left over is a peer too. */
static void test_several_peers(void **state)
{
	struct fixture *fx = *state;

	PARSE_OK(fx, "--peer", "a", "--peer", "b:9");
	CHECK_PEERS(fx, "a", "b:9");
	PARSE_OK(fx, "h1", "h2", "[::1]:7");
	CHECK_PEERS(fx, "h1", "h2", "[::1]:7");
	/* options first, then the words getopt moved past them */
	PARSE_OK(fx, "x", "-P", "a", "--count", "3", "y", "--peer", "b");
	CHECK_PEERS(fx, "a", "b", "x", "y");
	assert_int_equal(SEND(fx)->c.count, 3);
	/* the same peer twice is the caller's business */
	PARSE_OK(fx, "-P", "a", "-P", "a");
	CHECK_PEERS(fx, "a", "a");
}

/* A --peers file: comments, blank lines, CRLF and surrounding blanks are dropped. */
static void test_peers_file(void **state)
{
	struct fixture *fx = *state;
	char arg[160];
	const char *path = peers_file(fx, "lab",
				      "# lab boards\n"
				      "\n"
				      "  192.0.2.1\n"
				      "192.0.2.2:9   # the second one\r\n"
				      "\t[2001:db8::1]:7 \t\r\n"
				      "   # indented comment\n"
				      "last.example");

	PARSE_OK(fx, "--peer", "first", "--peers", path, "tail");
	CHECK_PEERS(fx, "first", "192.0.2.1", "192.0.2.2:9", "[2001:db8::1]:7", "last.example",
		    "tail");
	/* the file's lines are the command's to free, not argv's */
	assert_int_equal(SEND(fx)->peers.n_owned, 4);
	assert_ptr_equal(SEND(fx)->c.peers[1], SEND(fx)->peers.owned[0]);

	snprintf(arg, sizeof(arg), "--peers=%s", path);
	PARSE_OK(fx, arg);
	CHECK_PEERS(fx, "192.0.2.1", "192.0.2.2:9", "[2001:db8::1]:7", "last.example");
}

/* A --peers line's words after the first are the board's name; runs of blanks become one space. */
static void test_peers_file_names(void **state)
{
	struct fixture *fx = *state;
	const char *path = peers_file(fx, "named",
				      "192.0.2.1 小明\n"
				      "192.0.2.2:9\tBoard \t  two   # the second one\r\n"
				      "192.0.2.3\n"
				      "[2001:db8::1]:7 <b>\"x\"</b> `id` $(id)\n");
	struct send_cmd *s;

	PARSE_OK(fx, "--peers", path, "tail");
	CHECK_PEERS(fx, "192.0.2.1", "192.0.2.2:9", "192.0.2.3", "[2001:db8::1]:7", "tail");
	s = SEND(fx);
	assert_ptr_equal(s->c.names, s->peers.names);
	assert_string_equal(s->c.names[0], "小明");
	assert_string_equal(s->c.names[1], "Board two");
	assert_null(s->c.names[2]);
	assert_string_equal(s->c.names[3], "<b>\"x\"</b> `id` $(id)");
	assert_null(s->c.names[4]);
}

static void test_peers_file_errors(void **state)
{
	struct fixture *fx = *state;
	char missing[160];
	const char *path;

	snprintf(missing, sizeof(missing), "%s/nothing-here", fx->dir);
	assert_int_equal(PARSE(fx, "--peers", missing), UB_E_INVAL);
	assert_non_null(strstr(fx->e.msg, "--peers"));
	assert_non_null(strstr(fx->e.msg, missing));

	path = peers_file(fx, "same-name", "192.0.2.1 小明\n192.0.2.2  小明 # again\n");
	assert_int_equal(PARSE(fx, "--peers", path), UB_E_INVAL);
	assert_non_null(strstr(fx->e.msg, "--peers"));
	assert_non_null(strstr(fx->e.msg, path));
	assert_non_null(strstr(fx->e.msg, "line 2"));
	assert_non_null(strstr(fx->e.msg, "another board"));
	assert_non_null(strstr(fx->e.msg, "192.0.2.1"));

	path = peers_file(fx, "control", "192.0.2.1 bad\033[2Jname\n");
	assert_int_equal(PARSE(fx, "--peers", path), UB_E_INVAL);
	assert_non_null(strstr(fx->e.msg, "line 1"));
	assert_non_null(strstr(fx->e.msg, "control character"));

	path = peers_file(fx, "long", "192.0.2.1 "
				      "0123456789012345678901234567890123456789012345678901234567890123\n");
	assert_int_equal(PARSE(fx, "--peers", path), UB_E_INVAL);
	assert_non_null(strstr(fx->e.msg, "longer than 63"));

	path = peers_file(fx, "latin1", "192.0.2.1 caf\xe9\n");
	assert_int_equal(PARSE(fx, "--peers", path), UB_E_INVAL);
	assert_non_null(strstr(fx->e.msg, "not UTF-8"));

	path = peers_file(fx, "empty", "");
	assert_int_equal(PARSE(fx, "--peers", path), UB_E_INVAL);
	assert_non_null(strstr(fx->e.msg, path));
	assert_non_null(strstr(fx->e.msg, "empty"));

	/* only comments: no peer at all, and the message says so */
	path = peers_file(fx, "comments", "# nobody yet\n\n");
	assert_int_equal(PARSE(fx, "--peers", path), UB_E_INVAL);
	assert_non_null(strstr(fx->e.msg, "--peer"));
	assert_int_equal(SEND(fx)->peers.n, 0);
}

static void test_send_subcommand(void **state)
{
	struct fixture *fx = *state;

	PARSE_OK(fx, "send", "--peer", "h", "-c", "3");
	assert_ptr_equal(fx->cli.command, &ub_cmd_send);
	CHECK_PEERS(fx, "h");
	assert_int_equal(SEND(fx)->c.count, 3);
	/* a count bounds the run: no default duration */
	assert_int_equal(SEND(fx)->c.duration_ns, 0);
}

static void test_long_options(void **state)
{
	struct fixture *fx = *state;
	const struct ub_sender_config *s;

	PARSE_OK(fx, "--peer", "[::1]:7", "--port", "9", "--count", "1k", "--duration", "1m",
		 "--interval", "250us", "--size", "1472", "--timeout", "2s", "--mode", "stamp",
		 "--json", "out.json", "--csv", "-", "--label", "run 1", "--lang", "zh", "--dscp",
		 "46", "--ttl", "17", "--quiet", "-6");
	s = &SEND(fx)->c;
	assert_ptr_equal(fx->cli.command, &ub_cmd_send);
	CHECK_PEERS(fx, "[::1]:7");
	assert_int_equal(s->port, 9);
	assert_int_equal(s->count, 1000);
	assert_int_equal(s->duration_ns, 60 * SEC);
	assert_int_equal(s->interval_ns, 250 * US);
	assert_int_equal(s->size, 1472);
	assert_int_equal(s->timeout_ns, 2 * SEC);
	assert_int_equal(s->mode, UB_MODE_STAMP);
	assert_string_equal(s->json_path, "out.json");
	assert_string_equal(s->csv_path, "-");
	assert_string_equal(s->label, "run 1");
	assert_int_equal(s->lang, UB_LANG_ZH);
	assert_int_equal(s->dscp, 46);
	assert_int_equal(s->ttl, 17);
	assert_int_equal(SEND(fx)->quiet, 1);
	assert_int_equal(s->family, AF_INET6);
}

static void test_short_options(void **state)
{
	struct fixture *fx = *state;
	const struct ub_sender_config *s;

	PARSE_OK(fx, "-P", "h", "-p", "9", "-c", "2", "-d", "1.5s", "-i", "20ms", "-s", "1k",
		 "-q4");
	s = &SEND(fx)->c;
	CHECK_PEERS(fx, "h");
	assert_int_equal(s->port, 9);
	assert_int_equal(s->count, 2);
	assert_int_equal(s->duration_ns, 1500 * MSEC);
	assert_int_equal(s->interval_ns, 20 * MSEC);
	assert_int_equal(s->size, 1024);
	assert_int_equal(SEND(fx)->quiet, 1);
	assert_int_equal(s->family, AF_INET);

	/* the last of -4 / -6 wins */
	PARSE_OK(fx, "-4", "-6", "h");
	assert_int_equal(SEND(fx)->c.family, AF_INET6);
}

static void test_equals_form(void **state)
{
	struct fixture *fx = *state;

	PARSE_OK(fx, "--peer=h:5", "--count=5", "--mode=echo", "--interval=1.5ms");
	CHECK_PEERS(fx, "h:5");
	assert_int_equal(SEND(fx)->c.count, 5);
	assert_int_equal(SEND(fx)->c.mode, UB_MODE_ECHO);
	assert_int_equal(SEND(fx)->c.interval_ns, 1500 * US);
}

static void test_units(void **state)
{
	struct fixture *fx = *state;

	PARSE_OK(fx, "h", "--interval", "250us");
	assert_int_equal(SEND(fx)->c.interval_ns, 250 * US);
	PARSE_OK(fx, "h", "--count", "1k");
	assert_int_equal(SEND(fx)->c.count, 1000);
	PARSE_OK(fx, "h", "--count", "2.5k");
	assert_int_equal(SEND(fx)->c.count, 2500);
	PARSE_OK(fx, "h", "--size", "1kB");
	assert_int_equal(SEND(fx)->c.size, 1000);
	PARSE_OK(fx, "h", "--duration", "2s");
	assert_int_equal(SEND(fx)->c.duration_ns, 2 * SEC);
	assert_int_equal(SEND(fx)->c.count, 0);
	/* a bare duration is seconds */
	PARSE_OK(fx, "h", "--timeout", "3");
	assert_int_equal(SEND(fx)->c.timeout_ns, 3 * SEC);
}

static void test_rate(void **state)
{
	struct fixture *fx = *state;

	PARSE_OK(fx, "h", "--rate", "2k");
	assert_int_equal(SEND(fx)->c.interval_ns, 500 * US);
	PARSE_OK(fx, "h", "--rate", "100pps");
	assert_int_equal(SEND(fx)->c.interval_ns, 10 * MSEC);
	PARSE_OK(fx, "h", "--rate", "50/s");
	assert_int_equal(SEND(fx)->c.interval_ns, 20 * MSEC);
	PARSE_OK(fx, "h", "--rate", "1");
	assert_int_equal(SEND(fx)->c.interval_ns, 1 * SEC);
	PARSE_OK(fx, "h", "--rate", "1M");
	assert_int_equal(SEND(fx)->c.interval_ns, 1 * US);
}

static void test_modes(void **state)
{
	static const struct {
		const char *name;
		enum ub_mode mode;
	} modes[] = { { "auto", UB_MODE_AUTO },
		      { "stamp", UB_MODE_STAMP },
		      { "echo", UB_MODE_ECHO },
		      { "text", UB_MODE_TEXT } };
	struct fixture *fx = *state;
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		PARSE_OK(fx, "h", "--mode", modes[i].name);
		assert_int_equal(SEND(fx)->c.mode, modes[i].mode);
		assert_int_equal(SEND(fx)->c.size, 44);
	}
}

/* Both ends of every range are accepted. */
static void test_range_edges(void **state)
{
	struct fixture *fx = *state;

	PARSE_OK(fx, "h", "--size", "44", "--port", "1", "--dscp", "0", "--ttl", "1", "-c", "1");
	assert_int_equal(SEND(fx)->c.size, 44);
	assert_int_equal(SEND(fx)->c.port, 1);
	assert_int_equal(SEND(fx)->c.dscp, 0);
	assert_int_equal(SEND(fx)->c.ttl, 1);
	assert_int_equal(SEND(fx)->c.count, 1);
	PARSE_OK(fx, "h", "--size", "1472", "--port", "65535", "--dscp", "63", "--ttl", "255",
		 "-c", "4294967295");
	assert_int_equal(SEND(fx)->c.size, 1472);
	assert_int_equal(SEND(fx)->c.port, 65535);
	assert_int_equal(SEND(fx)->c.dscp, 63);
	assert_int_equal(SEND(fx)->c.ttl, 255);
	assert_true(SEND(fx)->c.count == UINT32_MAX);
	PARSE_OK(fx, "h", "--interval", "1us", "--duration", "1ms", "--timeout", "1ms");
	assert_int_equal(SEND(fx)->c.interval_ns, 1 * US);
	assert_int_equal(SEND(fx)->c.duration_ns, 1 * MSEC);
	assert_int_equal(SEND(fx)->c.timeout_ns, 1 * MSEC);
	PARSE_OK(fx, "h", "--interval", "1h", "--timeout", "1h");
	assert_int_equal(SEND(fx)->c.interval_ns, 3600 * SEC);
	assert_int_equal(SEND(fx)->c.timeout_ns, 3600 * SEC);
}

static void test_lang_from_env(void **state)
{
	struct fixture *fx = *state;

	setenv("LANG", "zh_CN.UTF-8", 1);
	PARSE_OK(fx, "h");
	assert_int_equal(SEND(fx)->c.lang, UB_LANG_ZH);
	/* LC_MESSAGES before LANG, LC_ALL before both */
	setenv("LC_MESSAGES", "en_US.UTF-8", 1);
	PARSE_OK(fx, "h");
	assert_int_equal(SEND(fx)->c.lang, UB_LANG_EN);
	setenv("LC_ALL", "zh_TW.UTF-8", 1);
	PARSE_OK(fx, "h");
	assert_int_equal(SEND(fx)->c.lang, UB_LANG_ZH);
	/* an empty variable counts as unset */
	setenv("LC_ALL", "", 1);
	PARSE_OK(fx, "h");
	assert_int_equal(SEND(fx)->c.lang, UB_LANG_EN);
	/* the option beats the environment */
	setenv("LC_ALL", "zh_CN.UTF-8", 1);
	PARSE_OK(fx, "h", "--lang", "en");
	assert_int_equal(SEND(fx)->c.lang, UB_LANG_EN);
}

static void test_help(void **state)
{
	static const struct {
		const char *a, *b;
		const struct ub_command *help_for;
	} cases[] = {
		{ "--help", NULL, &ub_cmd_send },    { "-h", NULL, &ub_cmd_send },
		{ "help", NULL, &ub_cmd_send },      { "help", "reflect", &ub_cmd_reflect },
		{ "help", "send", &ub_cmd_send },    { "send", "--help", &ub_cmd_send },
		{ "reflect", "--help", &ub_cmd_reflect }, { "reflect", "-h", &ub_cmd_reflect },
		{ "help", "relay", &ub_cmd_relay },  { "help", "analyze", &ub_cmd_analyze },
		{ "help", "report", &ub_cmd_report }, { "help", "scenario", &ub_cmd_scenario },
		{ "help", "bogus", &ub_cmd_send },   { "scenario", "--help", &ub_cmd_scenario },
	};
	struct fixture *fx = *state;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = cases[i].b ? PARSE(fx, cases[i].a, cases[i].b) : PARSE(fx, cases[i].a);
		if (rc != 0 || fx->cli.action != UB_CMD_HELP || fx->cli.command != cases[i].help_for)
			fail_msg("'%s %s': rc %d action %d help for %s", cases[i].a,
				 cases[i].b ? cases[i].b : "", rc, fx->cli.action,
				 fx->cli.command ? fx->cli.command->name : "nothing");
	}
	/* help needs no peer, and wins over the options before it */
	PARSE_OK(fx, "--count", "5", "--help");
	assert_int_equal(fx->cli.action, UB_CMD_HELP);
	assert_ptr_equal(fx->cli.command, &ub_cmd_send);
}

static void test_version(void **state)
{
	struct fixture *fx = *state;

	PARSE_OK(fx, "--version");
	assert_int_equal(fx->cli.action, UB_CMD_VERSION);
	PARSE_OK(fx, "-V");
	assert_int_equal(fx->cli.action, UB_CMD_VERSION);
}

static void test_reflect(void **state)
{
	struct fixture *fx = *state;
	const struct ub_reflector_config *r;

	PARSE_OK(fx, "reflect");
	r = REFLECT(fx);
	assert_ptr_equal(fx->cli.command, &ub_cmd_reflect);
	assert_int_equal(fx->cli.action, UB_CMD_RUN);
	assert_null(r->bind_addr);
	assert_int_equal(r->port, 10000);
	assert_int_equal(r->family, AF_UNSPEC);
	assert_int_equal(r->session_idle_ns, 60 * SEC);
	assert_int_equal(r->quiet, 0);

	PARSE_OK(fx, "reflect", "--bind", "127.0.0.1", "--port", "0", "--session-timeout", "5s",
		 "-6", "--quiet");
	r = REFLECT(fx);
	assert_ptr_equal(fx->cli.command, &ub_cmd_reflect);
	assert_string_equal(r->bind_addr, "127.0.0.1");
	assert_int_equal(r->port, 0);
	assert_int_equal(r->session_idle_ns, 5 * SEC);
	assert_int_equal(r->family, AF_INET6);
	assert_int_equal(r->quiet, 1);

	PARSE_OK(fx, "reflect", "-b", "::1", "-p", "65535", "-4", "-q");
	r = REFLECT(fx);
	assert_string_equal(r->bind_addr, "::1");
	assert_int_equal(r->port, 65535);
	assert_int_equal(r->family, AF_INET);
	assert_int_equal(r->quiet, 1);
}

struct usage_case {
	const char *args[10];
	const char *says[3];
};

static const struct usage_case usage_cases[] = {
	{ { "--peer", "h", "--count", "banana" }, { "--count", "banana" } },
	{ { "--peer", "h", "--count", "0" }, { "--count", "'0'" } },
	{ { "--peer", "h", "--count", "1.5" }, { "--count", "1.5" } },
	{ { "--peer", "h", "--count", "4294967296" }, { "--count", "4294967296" } },
	{ { "--peer", "h", "--size", "43" }, { "--size", "43" } },
	{ { "--peer", "h", "--size", "1473" }, { "--size", "1473" } },
	{ { "--peer", "h", "--mode", "bogus" }, { "--mode", "bogus" } },
	{ { "--peer", "h", "--lang", "fr" }, { "--lang", "fr" } },
	{ { "--peer", "h", "--interval", "1ms", "--rate", "5" }, { "--interval", "--rate" } },
	{ { "--peer", "h", "--rate", "5", "--interval", "1ms" }, { "--interval", "--rate" } },
	{ { "--peer", "h", "--interval", "999ns" }, { "--interval", "999ns" } },
	{ { "--peer", "h", "--interval", "soon" }, { "--interval", "soon" } },
	{ { "--peer", "h", "--rate", "0" }, { "--rate", "'0'" } },
	{ { "--peer", "h", "--rate", "1000001" }, { "--rate", "1000001" } },
	{ { "--peer", "h", "--duration", "999us" }, { "--duration", "999us" } },
	{ { "--peer", "h", "--timeout", "0" }, { "--timeout", "'0'" } },
	{ { "--peer", "h", "--port", "0" }, { "--port", "'0'" } },
	{ { "--peer", "h", "--port", "65536" }, { "--port", "65536" } },
	{ { "--peer", "h", "--dscp", "64" }, { "--dscp", "64" } },
	{ { "--peer", "h", "--ttl", "0" }, { "--ttl", "'0'" } },
	{ { "--peer", "h", "--ttl", "256" }, { "--ttl", "256" } },
	{ { "--count", "5" }, { "--peer" } },
	{ { "send" }, { "--peer" } },
	{ { "--peer", "h", "--bogus" }, { "unknown option", "--bogus" } },
	{ { "--peer", "h", "-x" }, { "unknown option", "-x" } },
	{ { "--peer", "h", "--count" }, { "--count", "needs a value" } },
	{ { "--peer", "h", "-c" }, { "-c", "needs a value" } },
	{ { "send", "--count", "x", "h" }, { "--count", "'x'" } },
	{ { "reflect", "--port", "65536" }, { "--port", "65536" } },
	{ { "reflect", "--session-timeout", "soon" }, { "--session-timeout", "soon" } },
	{ { "reflect", "--peer", "h" }, { "unknown option", "--peer" } },
	{ { "reflect", "--bind" }, { "--bind", "needs a value" } },
	{ { "reflect", "extra" }, { "unexpected argument", "extra" } },
};

static void check_usage_error(struct fixture *fx, const struct usage_case *c)
{
	int rc = parse_v(fx, c->args);
	size_t i;

	if (rc != UB_E_INVAL)
		fail_msg("'%s %s ...' gave %d, not a usage error", c->args[0],
			 c->args[1] ? c->args[1] : "", rc);
	assert_int_equal(fx->e.code, UB_E_INVAL);
	/* one line, naming the option and the bad value */
	assert_null(strchr(fx->e.msg, '\n'));
	for (i = 0; i < 3 && c->says[i]; i++)
		if (!strstr(fx->e.msg, c->says[i]))
			fail_msg("'%s %s ...': message '%s' lacks '%s'", c->args[0],
				 c->args[1] ? c->args[1] : "", fx->e.msg, c->says[i]);
}

static void test_usage_errors(void **state)
{
	struct fixture *fx = *state;
	size_t i;

	for (i = 0; i < sizeof(usage_cases) / sizeof(usage_cases[0]); i++)
		check_usage_error(fx, &usage_cases[i]);
}

static void test_no_arguments(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(PARSE_NONE(fx), UB_E_INVAL);
	assert_non_null(strstr(fx->e.msg, "--peer"));
}

/* getopt keeps its place in globals: a second parse must start over. */
static void test_parse_twice(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(PARSE(fx, "--quiet", "--count", "banana", "--peer", "a"), UB_E_INVAL);
	PARSE_OK(fx, "--peer", "b", "--count", "7");
	CHECK_PEERS(fx, "b");
	assert_int_equal(SEND(fx)->c.count, 7);
	assert_int_equal(SEND(fx)->quiet, 0);

	PARSE_OK(fx, "reflect", "--port", "9", "-q");
	PARSE_OK(fx, "h");
	assert_ptr_equal(fx->cli.command, &ub_cmd_send);
	assert_int_equal(SEND(fx)->quiet, 0);
	PARSE_OK(fx, "reflect");
	assert_int_equal(REFLECT(fx)->port, 10000);
	assert_int_equal(REFLECT(fx)->quiet, 0);
}

/*
 * Every --NAME of opts appears in the help; an impairment's -up and -down
 * forms (the relay's --loss-up ...) are described once, by its base name.
 */
static void check_usage_lists(const char *text, const struct option *opts)
{
	char want[64];
	size_t n;

	for (; opts->name; opts++) {
		n = strlen(opts->name);
		if (n > 3 && strcmp(opts->name + n - 3, "-up") == 0)
			n -= 3;
		else if (n > 5 && strcmp(opts->name + n - 5, "-down") == 0)
			n -= 5;
		snprintf(want, sizeof(want), "--%.*s", (int)n, opts->name);
		if (!strstr(text, want))
			fail_msg("the help text does not mention %s", want);
	}
}

/* The help names every option the parser takes, for every command. */
static void test_usage_text(void **state)
{
	static const char *const names[] = { "send", "reflect", "relay", "analyze", "report",
					     "scenario" };
	const struct ub_command *cmd;
	size_t i;

	(void)state;
	assert_non_null(strstr(ub_cmd_send.usage, "Usage: udpbench [send]"));
	assert_non_null(strstr(ub_cmd_reflect.usage, "Usage: udpbench reflect"));
	assert_null(strstr(ub_cmd_send.usage, "--session-timeout"));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		cmd = ub_cli_find(names[i]);
		assert_non_null(cmd);
		assert_string_equal(cmd->name, names[i]);
		check_usage_lists(cmd->usage, cmd->options);
	}
	assert_null(ub_cli_find("help"));
	assert_null(ub_cli_find("192.0.2.1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_positional_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strings_point_into_argv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_several_peers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peers_file, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_peers_file_names, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_peers_file_errors, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_send_subcommand, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_equals_form, setup, teardown),
		cmocka_unit_test_setup_teardown(test_units, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lang_from_env, setup, teardown_env),
		cmocka_unit_test_setup_teardown(test_help, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reflect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usage_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_twice, setup, teardown),
		cmocka_unit_test(test_usage_text),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
