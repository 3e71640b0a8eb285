/* udpbench: process exit codes. Only main() exits. */
#ifndef UB_EXITCODE_H
#define UB_EXITCODE_H

#define UB_EXIT_OK 0      /* measured (loss is a result, not an error) */
#define UB_EXIT_ERROR 1   /* any other failure */
#define UB_EXIT_USAGE 2   /* bad command line */
#define UB_EXIT_NOREPLY 3 /* the peer never answered */

#endif
