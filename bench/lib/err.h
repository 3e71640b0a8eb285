/* udpbench: error reporting shared by every module. */
#ifndef UB_ERR_H
#define UB_ERR_H

/* Return codes: 0 on success, one of these (negative) on failure. */
enum {
	UB_OK = 0,
	UB_E_INVAL = -1,  /* bad argument or malformed input */
	UB_E_RANGE = -2,  /* value outside the allowed range */
	UB_E_SYS = -3,    /* a system call failed; errno in ub_err.sys_errno */
	UB_E_NOMEM = -4,  /* allocation failed */
	UB_E_PROTO = -5,  /* packet does not decode */
	UB_E_IO = -6,     /* writing an output file failed */
	UB_E_NOREPLY = -7, /* the peer never answered */
	UB_E_PERM = -8,    /* not allowed (capturing without CAP_NET_RAW) */
	UB_E_AUTH = -9     /* an authenticated packet's HMAC does not match */
};

#define UB_ERR_MSG_MAX 256

/* Filled by a failing function, the way libpcap fills an errbuf. */
struct ub_err {
	int code;
	int sys_errno;
	char msg[UB_ERR_MSG_MAX];
};

/* Clears e (NULL is accepted). */
void ub_err_clear(struct ub_err *e);

/* Records code, errno and a printf-style message in e (may be NULL); returns code. */
int ub_err_set(struct ub_err *e, int code, int sys_errno, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Puts "prefix: " before e's message (the option a parser's message is about); returns code. */
int ub_err_prefix(struct ub_err *e, int code, const char *prefix);

#endif
