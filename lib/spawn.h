/* spawn.h - run a helper program by absolute path, capture its output */
#ifndef KVMHOST_SPAWN_H
#define KVMHOST_SPAWN_H

#include <stddef.h>

/* Runs argv[0] (an absolute path) with argv through fork and execv, no
 * shell, an empty environment and standard input from /dev/null; keeps at
 * most size-1 bytes of its standard output in out (NUL-terminated,
 * trailing newlines removed); kills it after timeout_ms.  Returns its exit
 * status, or -1 with errno when it could not run or was killed. */
int spawn_capture(char *const argv[], char *out, size_t size, int timeout_ms);

#define SPAWN_CAPTURE_STDOUT (-2)

/* The same, with standard output to out_fd (-1: /dev/null) and its
 * standard error kept in out instead (for a tool's own error message);
 * out_fd SPAWN_CAPTURE_STDOUT is spawn_capture.  The child starts with no
 * signal blocked, whatever the caller blocks. */
int spawn_run(char *const argv[], int out_fd, char *out, size_t size, int timeout_ms);

/* spawn_run with standard input from in_fd (-1: /dev/null). */
int spawn_run_input(char *const argv[], int in_fd, int out_fd, char *out, size_t size, int timeout_ms);

#endif
