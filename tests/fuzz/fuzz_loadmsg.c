/*
 * Fuzz target: the first octets of a connection to the reflector's TCP
 * port, as the load side reads them (stamp/loadmsg.h), and the answer the
 * sender reads back: both from anyone, hostile. A frame that decodes
 * encodes again to the same octets; one that does not is never taken for
 * a load message. The reflector's answer to a decoded ask is itself a
 * well-formed answer, never longer than the ask, and grants nothing when
 * load is not allowed.
 */
#include <string.h>

#include "fuzz.h"
#include "reflect/loadsrv.h"
#include "stamp/loadmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct ub_loadsrv_config c;
	struct ub_loadsrv *off, *on;
	struct ub_loadmsg m, a;
	struct ub_loadconn lc;
	uint8_t buf[UB_LOADMSG_FRAME], reply[UB_LOADMSG_FRAME];
	int st;

	if (ub_loadmsg_decode(d, n, &m) < 0) {
		/* the length field alone never makes a load message */
		FUZZ_CHECK(n < UB_LOADMSG_FRAME || !ub_loadmsg_length_is(d, n) ||
			   memcmp(d + 2, "UBLOAD", 6) != 0 || (d[9] != 'Q' && d[9] != 'A'));
		return 0;
	}
	FUZZ_CHECK(ub_loadmsg_length_is(d, n));
	ub_loadmsg_encode(&m, buf);
	/* reserved octets (9 of the body) are not kept: compare what is */
	FUZZ_CHECK(memcmp(buf, d, 11) == 0 && memcmp(buf + 12, d + 12, UB_LOADMSG_FRAME - 12) == 0);
	if (m.answer)
		return 0;
	ub_loadsrv_config_init(&c);
	off = ub_loadsrv_new(&c);
	c.allow = 1;
	c.max_ns = 2000000000LL;
	on = ub_loadsrv_new(&c);
	FUZZ_CHECK(off && on);
	st = ub_loadsrv_answer(off, &m, &lc, reply);
	FUZZ_CHECK(st == UB_LOAD_NOT_ALLOWED && lc.grant_ns == 0);
	FUZZ_CHECK(ub_loadmsg_decode(reply, sizeof(reply), &a) == 0 && a.answer &&
		   a.status == UB_LOAD_NOT_ALLOWED && a.ms == 0);
	st = ub_loadsrv_answer(on, &m, &lc, reply);
	FUZZ_CHECK(ub_loadmsg_decode(reply, sizeof(reply), &a) == 0 && a.answer && a.status == st);
	if (st == UB_LOAD_OK) {
		FUZZ_CHECK(m.version == UB_LOADMSG_VERSION);
		FUZZ_CHECK(m.dir == UB_LOAD_UP || m.dir == UB_LOAD_DOWN);
		FUZZ_CHECK(lc.grant_ns > 0 && lc.grant_ns <= c.max_ns && a.ms <= 2000);
		ub_loadsrv_closed(on, &lc, 0);
	} else {
		FUZZ_CHECK(st == UB_LOAD_BAD && a.ms == 0);
	}
	ub_loadsrv_free(off);
	ub_loadsrv_free(on);
	return 0;
}
