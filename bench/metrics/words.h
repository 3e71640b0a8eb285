/*
 * udpbench: the words people read — one home for the program's bilingual
 * text.
 *
 * Every text for people is written UB_TR(zh, English, Chinese) where it is
 * printed: both languages side by side, both string literals, so the
 * compiler checks each format string in either language. The Chinese terms
 * come from the glossary below, so that a term means one thing in the
 * terminal, the reports and the docs (README.md lists the same glossary);
 * tests/unit/test_words.c holds every Chinese string of the program to it.
 * Terms that were said several ways before have a macro, spliced into the
 * literal ("最小" UB_ZH_RTT) so the format stays one checked literal.
 *
 * Terminal tables pad by display width (ub_words_pad), not bytes: a CJK
 * character takes two columns and three bytes.
 */
#ifndef UB_WORDS_H
#define UB_WORDS_H

#include <stddef.h>
#include <stdio.h>

enum ub_lang { UB_LANG_EN = 0, UB_LANG_ZH = 1 };

/* One text in English or Chinese: both are literals so printf formats stay checked. */
#define UB_TR(zh, en_text, zh_text) ((zh) ? (zh_text) : (en_text))

/*
 * The glossary's contested terms. ub_words_glossary[] (words.c) has all
 * of them with their meaning and the variants they replace.
 */
#define UB_ZH_RTT       "往返时延"     /* round-trip time: (T4 − T1) − (T3 − T2), else T4 − T1 */
#define UB_ZH_REFLECTOR "反射端"       /* whatever answers the probes: STAMP reflector, echo, script, board */
#define UB_ZH_LATE      "迟到"         /* a reply that came after Tmax: counted lost (RFC 7680) */
#define UB_ZH_TMAX      "超时时限"     /* Tmax (--timeout): how long a probe waits for its reply */
#define UB_ZH_SEND_LAG  "发送时刻偏差" /* how much later than its slot this side sent a probe: never the network */
#define UB_ZH_NO_REPLY  "无应答"       /* a board that never answered a probe: shown, never as 0 µs */

/* Colours as the charts draw them (reports/style.gp, the Okabe-Ito palette). */
#define UB_ZH_C_LOST    "朱红色"       /* #D55E00: lost probes, lost on the way there, TCP resends */
#define UB_ZH_C_DOWN    "深棕色"       /* #8C2D04: lost on the way back */
#define UB_ZH_C_REORDER "橙色"         /* #E69F00: out-of-order replies */

/* One glossary entry: the term, what it means, and the words not to use for it. */
struct ub_term {
	const char *zh;
	const char *en;
	const char *meaning;
	const char *avoid[4];  /* NULL-terminated when shorter */
};

/* The glossary, ended by an entry whose zh is NULL. */
extern const struct ub_term ub_words_glossary[];

/* Columns s takes on a terminal: 2 for a wide (CJK) character, 0 for a combining mark, else 1. */
size_t ub_words_width(const char *s);

/*
 * Writes s padded with spaces to width columns, printf-style: width < 0
 * aligns left in -width columns, width > 0 right. Longer text is written
 * whole. Returns the columns written.
 */
size_t ub_words_pad(FILE *f, const char *s, int width);

/* The bytes of s's longest start of whole characters that fits cols columns; its columns in *width. */
size_t ub_words_fit(const char *s, size_t cols, size_t *width);

/* Copies s into out (n bytes), cut at whole characters to fit cols columns with "…" when it did not fit. */
void ub_words_clip(const char *s, size_t cols, char *out, size_t n);

/*
 * Copies s into b (n bytes) with line breaks at spaces or between wide
 * (Chinese) characters, each a word of its own, so that lines stay near w
 * columns; a longer word keeps a line of its own. Returns the lines.
 */
unsigned ub_words_wrap(char *b, size_t n, const char *s, size_t w);

/* The clock a result names ("kernel_tx+kernel_rx", ...) in words for people; unknown names as they are. */
const char *ub_words_clock(const char *clock, enum ub_lang lang);

/*
 * A link's kind as params.link names it ("relay", "nftables", ...) in words
 * for people; NULL (nobody said) as "unknown link"; other names as they are.
 */
const char *ub_words_link(const char *kind, enum ub_lang lang);

/*
 * The language of the text: Chinese when LC_ALL, else LC_MESSAGES, else
 * LANG starts with "zh"; then the last "--lang en|zh" (or --lang=) in argv
 * (NULL-terminated; NULL for none) wins.
 */
enum ub_lang ub_words_lang(char *const *argv);

#endif
