/* The Windows build: Winsock, the console and the timer (ub_plat_init), and what it leaves out. */
#include "lib/platform.h"

#include <string.h>

#include "lib/plat.h"

const char ub_platform_version[] = " (Windows build)";
const char ub_platform_note[] =
	"This is the Windows build of udpbench. Not in it: relay --between (and with it\n"
	"a scenario's TCP runs and load: scenarios run UDP through the socket relay),\n"
	"--pcap, --live, --metrics and Wi-Fi facts; use the Linux build for them (under\n"
	"WSL on this PC).\n\n";

int ub_platform_start(struct ub_err *e)
{
	return ub_plat_init(e);
}

int ub_path_is_sep(char c)
{
	return c == '/' || c == '\\';
}

const char *ub_path_last_sep(const char *path)
{
	const char *a = strrchr(path, '/'), *b = strrchr(path, '\\');

	return a > b ? a : b;
}

char ub_path_sep(const char *dir)
{
	const char *last = ub_path_last_sep(dir);

	return last ? *last : '\\';
}
