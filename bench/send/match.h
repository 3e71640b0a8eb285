/*
 * udpbench: what a probe looks like and what answers it. The matcher
 * writes the probes (binary STAMP requests, or text probes a script
 * survives) and takes each reply to the probe it answers: a STAMP or
 * TWAMP-light reply (it copies the request's octets 0..11 to 24..35), a
 * verbatim echo, a changed echo (the text probe's fields inside, any letter
 * case), or, in ping-pong (any) mode, whatever comes while one probe waits.
 * In auto mode it settles on the first of these that matches. It also
 * keeps what the replies showed of the peer: a stateful or stateless
 * reflector, an echo, a script.
 *
 * The matcher holds no probes: the session answers its questions about
 * them through struct ub_match_probes.
 */
#ifndef UB_MATCH_H
#define UB_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "metrics/result.h"
#include "send/sender.h"
#include "stamp/proto.h"

/* What the matcher needs of a probe to write its bytes again. */
struct ub_match_probe {
	int64_t t1_real;  /* wall clock on the wire (T1) */
	uint32_t seq;     /* its number (the session's index) */
	uint8_t text;     /* it left as a text probe */
};                        /* 16 octets: the session keeps one per probe in flight */

/* The session's probes, as the matcher asks for them. */
struct ub_match_probes {
	/* the probe numbered seq while it is remembered, else NULL */
	const struct ub_match_probe *(*by_seq)(void *ctx, uint32_t seq);
	/* the oldest probe still waiting for its reply, else NULL */
	const struct ub_match_probe *(*oldest)(void *ctx);
	void *ctx;
};

struct ub_matcher {
	const struct ub_sender_config *cfg;
	uint16_t ssid;          /* two text characters (ub_proto_text_ssid) */
	uint16_t err_est;       /* ours: S bit, Z bit, error */
	enum ub_mode mode;      /* as asked, then settled (auto until the first match) */
	int text;               /* probes leave as text probes (auto: until a STAMP reply) */
	/* what the replies showed of the peer */
	uint64_t refl_copy;     /* STAMP replies whose counter is the number they answer */
	uint64_t refl_own;      /* STAMP replies whose counter is the reflector's own */
	int refl_text;          /* a STAMP reflector answered a text probe */
	int refl_ptp;           /* its T2/T3 are PTP (the Z bit of its error estimate) */
	uint8_t cmpbuf[UB_PKT_MAX];
};

enum ub_match_kind {
	UB_MATCH_NONE = 0,    /* nothing of this session's */
	UB_MATCH_STAMP,       /* a STAMP or TWAMP-light reply: out->rep holds its fields */
	UB_MATCH_ECHO,        /* the probe's bytes */
	UB_MATCH_TEXT,        /* the probe's text inside another answer */
	UB_MATCH_ANY,         /* ping-pong: taken as the answer to the probe waiting */
	UB_MATCH_AUTH_FAILED, /* keyed: its HMAC does not verify */
};

struct ub_match {
	enum ub_match_kind kind;
	const struct ub_match_probe *probe; /* the probe it answers */
	struct ub_stamp_reply rep;          /* kind STAMP: the reflector's fields */
};

/* Sets m up for the probes of c with SSID ssid and our error estimate err_est. */
void ub_match_init(struct ub_matcher *m, const struct ub_sender_config *c, uint16_t ssid,
		   uint16_t err_est);

/* Writes probe (seq, T1) into buf (cfg->size octets), as text or binary; returns its length. */
size_t ub_match_encode(struct ub_matcher *m, uint8_t *buf, uint32_t seq, int64_t t1_real, int text);

/* Matches the reply buf[0..len) to a probe of ps; returns out->kind (UB_MATCH_NONE: none). */
enum ub_match_kind ub_match_reply(struct ub_matcher *m, const struct ub_match_probes *ps,
				  const uint8_t *buf, size_t len, struct ub_match *out);

/* Auto mode settles on mode (a STAMP reflector, an echo, a script, ping-pong); other modes stay. */
void ub_match_settle(struct ub_matcher *m, enum ub_mode mode);

/*
 * Fills p->reflector, p->split_why and p->refl_ts from what the replies
 * showed; tcp says the probes went to a TCP echo, answered how many probes
 * got their reply.
 */
void ub_match_describe(const struct ub_matcher *m, int tcp, uint64_t answered, struct ub_params *p);

#endif
