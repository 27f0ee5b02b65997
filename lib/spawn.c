/* spawn.c - a helper program run through child.c, its output captured and bounded */
#include "spawn.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>

#include "child.h"

int spawn_capture(char *const argv[], char *out, size_t size, int timeout_ms)
{
	return spawn_run(argv, SPAWN_CAPTURE_STDOUT, out, size, timeout_ms);
}

int spawn_run(char *const argv[], int out_fd, char *out, size_t size, int timeout_ms)
{
	return spawn_run_input(argv, -1, out_fd, out, size, timeout_ms);
}

int spawn_run_input(char *const argv[], int in_fd, int out_fd, char *out, size_t size, int timeout_ms)
{
	const bool capture_stdout = out_fd == SPAWN_CAPTURE_STDOUT;
	const struct child_spec spec = {
		.argv = argv, .empty_env = true,
		.in = in_fd >= 0 ? in_fd : CHILD_NULL,
		.out = capture_stdout ? CHILD_PIPE : out_fd >= 0 ? out_fd : CHILD_NULL,
		.err = capture_stdout ? CHILD_NULL : CHILD_PIPE,
	};
	struct child_output cap = { out, size > 0 ? size - 1 : 0, 0, false };
	struct child_watch watch = { .deadline_ms = child_now_ms() + timeout_ms, .on_data = child_collect,
				     .ctx = &cap };
	struct child c;
	bool killed = false;

	if (size)
		out[0] = '\0';
	if (child_start(&c, &spec) < 0)
		return -1;
	if (child_watch(&c, &watch) == CHILD_DEADLINE || child_reap(&c, &watch) < 0) {
		child_signal(&c, SIGKILL);
		killed = true;
		child_reap(&c, NULL);
	}
	if (size)
		out[cap.used] = '\0';
	while (cap.used > 0 && (out[cap.used - 1] == '\n' || out[cap.used - 1] == '\r'))
		out[--cap.used] = '\0';
	if (killed) {
		errno = ETIMEDOUT;
		return -1;
	}
	return c.status != -1 && WIFEXITED(c.status) ? WEXITSTATUS(c.status) : -1;
}
