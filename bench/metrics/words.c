#include "metrics/words.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * The glossary. A Chinese text takes its terms from here; the avoided
 * words are what the same thing was called elsewhere before, and
 * tests/unit/test_words.c finds them in any string of the program. A
 * word avoided for one term may still appear inside another term
 * (超时 inside 超时时限, 红色 inside 朱红色).
 */
const struct ub_term ub_words_glossary[] = {
	{ UB_ZH_RTT, "round-trip time (rtt)",
	  "(T4 - T1) - (T3 - T2) when a STAMP reflector reports T2 and T3, else T4 - T1: "
	  "the network's share of the round trip",
	  { "往返时间", "延迟" } },
	{ "时延", "delay", "time on the way, one way (单向时延) or both (" UB_ZH_RTT ")", { "延时" } },
	{ "时延变化", "packet delay variation (pdv)", "p99 - min of the round-trip times (RFC 5481)",
	  { NULL } },
	{ "抖动", "jitter", "the RFC 3550 running estimate of how much consecutive round trips differ",
	  { NULL } },
	{ UB_ZH_REFLECTOR, "reflector, peer",
	  "whatever answers the probes: a STAMP reflector, an echo, a pupil's script, a board "
	  "(STAMP 反射端 when the kind matters)",
	  { "反射器", "对端", "对方" } },
	{ "发送端", "sender", "this side: the machine that sends the probes (本机)", { "发送方", "发送器" } },
	{ "探测包", "probe", "a packet sent to be answered", { "探针", "测试包" } },
	{ "回复", "reply", "the reflector's answer to one probe", { "回包", "响应包" } },
	{ "丢失", "lost", "a probe without its reply within Tmax (late replies included); 丢包率: lost / sent",
	  { NULL } },
	{ UB_ZH_LATE, "late",
	  "a reply that came after Tmax: counted lost (RFC 7680), shown so that a slow link is told "
	  "from a broken one",
	  { "超时" } },
	{ UB_ZH_TMAX, "Tmax (--timeout)", "how long a probe waits for its reply (1 s by default)",
	  { "超时时间", "等待时间" } },
	{ "去程", "on the way there (up)", "from this side to the reflector; 上行 in tables",
	  { "上游" } },
	{ "回程", "on the way back (down)", "from the reflector to this side; 下行 in tables",
	  { "下游" } },
	{ UB_ZH_NO_REPLY, "no reply",
	  "a board that answered no probe at all: listed in every table and chart, never with a time",
	  { "无响应", "没有应答" } },
	{ "乱序", "reordered", "a reply that arrived after one sent later (RFC 4737)", { "失序", "错序" } },
	{ "重复", "duplicate", "an extra copy of a reply (RFC 5560), never counted as received twice",
	  { NULL } },
	{ "连续丢包", "loss burst", "a run of consecutive losses (RFC 3357), counted in 段",
	  { "突发丢包" } },
	{ "发送计划", "schedule", "the timetable: one probe every interval, each at its slot (发送时刻)",
	  { NULL } },
	{ UB_ZH_SEND_LAG, "lateness (schedule)",
	  "how much later than its slot this side sent a probe: the sender's own precision, "
	  "not the network's",
	  { "发送延迟", "发送时延" } },
	{ "链路模拟器", "link emulator",
	  "udpbench relay or two network namespaces: loses, delays and reorders on purpose and logs it",
	  { "仿真器" } },
	{ "重传", "retransmission (TCP)", "TCP sent a segment again", { "重发" } },
	{ "负载", "load (--load)",
	  "bulk TCP beside the probes that fills the link; 负载时 / 空闲时: while it runs / not",
	  { "加载" } },
	{ "吞吐量", "throughput", "the load's octets that arrived, per second (Mbit/s)", { "吞吐率" } },
	{ UB_ZH_C_LOST, "orange-red (vermilion, #D55E00)",
	  "lost probes, lost on the way there, TCP resends", { "红色" } },
	{ UB_ZH_C_DOWN, "dark brown (#8C2D04)", "lost on the way back", { "褐色" } },
	{ UB_ZH_C_REORDER, "orange (#E69F00)", "out-of-order replies", { "黄色" } },
	{ NULL, NULL, NULL, { NULL } },
};

/* Decodes one UTF-8 character at s (n bytes left) into *cp; returns its length (1 for a bad byte, cp U+FFFD). */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		len = 2;
		c = s[0] & 0x1F;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3;
		c = s[0] & 0x0F;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	if (len > n)
		goto bad;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		c = c << 6 | (s[i] & 0x3F);
	}
	*cp = c;
	return len;
bad:
	*cp = 0xFFFD;
	return 1;
}

/* East Asian Wide and Fullwidth ranges (Unicode UAX #11) that Chinese text uses. */
static int is_wide(uint32_t c)
{
	return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
	       (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
	       (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
	       (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
	       (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
	       (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
	       (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
}

static int is_zero_width(uint32_t c)
{
	return (c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) ||
	       (c >= 0xFE00 && c <= 0xFE0F);
}

size_t ub_words_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = s ? strlen(s) : 0, w = 0, k;
	uint32_t c;

	while (n) {
		k = utf8_next(p, n, &c);
		p += k;
		n -= k;
		w += is_wide(c) ? 2 : is_zero_width(c) ? 0 : 1;
	}
	return w;
}

size_t ub_words_pad(FILE *f, const char *s, int width)
{
	size_t w = ub_words_width(s), cols = (size_t)(width < 0 ? -width : width), i;

	if (width > 0)
		for (i = w; i < cols; i++)
			fputc(' ', f);
	fputs(s ? s : "", f);
	if (width < 0)
		for (i = w; i < cols; i++)
			fputc(' ', f);
	return w > cols ? w : cols;
}

/* The columns of the word at s: one wide character, or a run up to a space or a wide one. */
static size_t word_at(const unsigned char *s, size_t n, size_t *cols)
{
	size_t k = 0, len;
	uint32_t c;

	*cols = 0;
	while (k < n && s[k] != ' ') {
		len = utf8_next(s + k, n - k, &c);
		if (is_wide(c) && k > 0)
			break;
		k += len;
		*cols += is_wide(c) ? 2 : is_zero_width(c) ? 0 : 1;
		if (is_wide(c))
			break;
	}
	return k;
}

size_t ub_words_fit(const char *s, size_t cols, size_t *width)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), k = 0, w = 0, len, cw;
	uint32_t c;

	while (k < n) {
		len = utf8_next(p + k, n - k, &c);
		cw = is_wide(c) ? 2 : is_zero_width(c) ? 0 : 1;
		if (w + cw > cols)
			break;
		w += cw;
		k += len;
	}
	if (width)
		*width = w;
	return k;
}

void ub_words_clip(const char *s, size_t cols, char *out, size_t n)
{
	size_t w, a;

	s = s ? s : "";
	a = ub_words_fit(s, cols, &w);
	snprintf(out, n, "%.*s%s", (int)a, s, s[a] ? "…" : "");
}

unsigned ub_words_wrap(char *b, size_t n, const char *s, size_t w)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t rest = strlen((const char *)p), k = 0, col = 0, wl, cols;
	unsigned lines = 1;
	int space;

	if (!n)
		return 0;
	for (;;) {
		for (space = 0; rest && *p == ' '; p++, rest--)
			space = 1;
		if (!rest)
			break;
		wl = word_at(p, rest, &cols);
		if (k + wl + 2 >= n)
			break;
		if (col > 0 && col + (size_t)space + cols > w) {
			b[k++] = '\n';
			col = 0;
			lines++;
		} else if (col > 0 && space) {
			b[k++] = ' ';
			col++;
		}
		memcpy(b + k, p, wl);
		k += wl;
		col += cols;
		p += wl;
		rest -= wl;
	}
	b[k] = '\0';
	return lines;
}

const char *ub_words_clock(const char *clock, enum ub_lang lang)
{
	static const char *const names[][2] = {
		{ "kernel_tx+kernel_rx", "内核时间戳（发送和接收）" },
		{ "monotonic+kernel_rx", "发送用单调时钟，接收用内核时间戳" },
		{ "monotonic", "单调时钟（程序自己读取）" },
		{ "pcap", "抓包文件里的时间戳" },
	};
	size_t i;

	if (!clock || lang != UB_LANG_ZH)
		return clock;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(clock, names[i][0]) == 0)
			return names[i][1];
	return clock;
}

const char *ub_words_link(const char *kind, enum ub_lang lang)
{
	static const char *const names[][3] = {
		{ "tun", "packet-level emulator", "数据包级链路模拟器" },
		{ "relay", "udpbench relay emulator", "udpbench relay 链路模拟器" },
		{ "netem", "netem emulator", "netem 链路模拟" },
		{ "nftables", "nftables drops, no delay", "nftables 随机丢包（无时延）" },
		{ "real", "real link", "真实链路" },
	};
	int zh = lang == UB_LANG_ZH;
	size_t i;

	if (!kind)
		return UB_TR(zh, "unknown link", "未知链路");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(kind, names[i][0]) == 0)
			return names[i][1 + zh];
	return kind;
}

/* Chinese for "zh...", English for any other named language, dflt when there is none. */
static enum ub_lang lang_of(const char *name, enum ub_lang dflt)
{
	if (!name || !*name)
		return dflt;
	return strncmp(name, "zh", 2) == 0 ? UB_LANG_ZH : UB_LANG_EN;
}

enum ub_lang ub_words_lang(char *const *argv)
{
	const char *l = getenv("LC_ALL");
	enum ub_lang lang;

	if (!l || !*l)
		l = getenv("LC_MESSAGES");
	if (!l || !*l)
		l = getenv("LANG");
	lang = lang_of(l, UB_LANG_EN);
	for (; argv && *argv; argv++) {
		if (strcmp(*argv, "--") == 0)
			break;
		if (strcmp(*argv, "--lang") == 0 && argv[1])
			lang = lang_of(*++argv, lang);
		else if (strncmp(*argv, "--lang=", 7) == 0)
			lang = lang_of(*argv + 7, lang);
	}
	return lang;
}
