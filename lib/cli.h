/* cli.h - what the three front ends' command lines share
 *
 * Strict numbers (no atoi: "50abc" is an error), arguments echoed in error
 * messages at a bounded length, and standard output checked before a
 * successful exit (a closed or full stdout is an error, as for kvm-ok).
 */
#ifndef KVMHOST_CLI_H
#define KVMHOST_CLI_H

#include <stdbool.h>

/* A whole decimal number (digits only: no space or sign) from min to max: true with *out set, else false. */
bool cli_parse_int(const char *text, long min, long max, long *out);

/* text as an error message shows it: at most 80 bytes, then "...(N bytes)".
 * The result is valid until the fourth call after. */
const char *cli_shown(const char *text);

/* Flushes standard output; on failure says so on stderr ("PROG: writing
 * standard output: ERROR") and returns false. */
bool cli_stdout_ok(const char *prog);

#endif
