/* supervise.c - QEMU as a child process, its console read line by line */
#include "supervise.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "fd_io.h"

static volatile sig_atomic_t pending_signal;

static void remember_signal(int sig)
{
	pending_signal = sig;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void forward_signals(bool on)
{
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on ? remember_signal : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		sigaction(signals[i], &sa, NULL);
}

/* The micro guest's progress lines. */
static void read_marker(const char *line, double at, struct supervised_run *r)
{
	static const char start[] = "microguest: loop start ", done[] = "microguest: loop done";

	if (strncmp(line, start, sizeof(start) - 1) == 0) {
		r->loop_start_ms = at;
		r->loop_iterations = strtoul(line + sizeof(start) - 1, NULL, 10);
	} else if (strncmp(line, done, sizeof(done) - 1) == 0) {
		r->loop_done_ms = at;
	}
}

/* Splits what arrived into lines: markers from standard output, the last
 * non-empty line of standard error. */
struct line_reader {
	char line[256];
	size_t len;
};

static void take_lines(struct line_reader *lr, const char *buf, ssize_t n, double at, bool is_err,
		       struct supervised_run *r)
{
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n' || buf[i] == '\r') {
			lr->line[lr->len] = '\0';
			if (is_err && lr->len > 0)
				snprintf(r->last_error, sizeof(r->last_error), "%.250s", lr->line);
			else if (!is_err)
				read_marker(lr->line, at, r);
			lr->len = 0;
		} else if (lr->len < sizeof(lr->line) - 1) {
			lr->line[lr->len++] = buf[i];
		}
	}
}

/* What a chunk of QEMU's output does: standard error always relayed,
 * standard output when asked; both split into lines. */
struct supervision {
	struct line_reader readers[2];
	struct supervised_run *r;
	double start;
	bool relay;
};

static bool take_output(void *ctx, enum child_stream stream, const char *buf, size_t n)
{
	struct supervision *s = ctx;
	double at = now_ms() - s->start;
	bool is_err = stream == CHILD_STDERR;

	if (!is_err && s->r->first_output_ms < 0)
		s->r->first_output_ms = at;
	if (is_err)
		(void)fd_write_all(STDERR_FILENO, buf, n);
	else if (s->relay)
		(void)fd_write_all(STDOUT_FILENO, buf, n);
	take_lines(&s->readers[is_err], buf, (ssize_t)n, at, is_err, s->r);
	return false;
}

static void pass_signal_on(void *ctx, const struct child *c)
{
	(void)ctx;
	if (pending_signal) {
		child_signal(c, pending_signal);
		pending_signal = 0;
	}
}

int supervise(char *const argv[], bool relay, int timeout_ms, struct supervised_run *r)
{
	/* QEMU gets the signals the runner forwards, whatever the runner
	 * inherited (a background job starts with SIGINT ignored) */
	const struct child_spec spec = { .argv = argv, .default_signals = true,
					 .in = CHILD_KEEP, .out = CHILD_PIPE, .err = CHILD_PIPE };
	struct supervision s = { .r = r, .relay = relay };
	struct child_watch watch = { .on_data = take_output, .on_tick = pass_signal_on, .ctx = &s };
	struct child c;

	memset(r, 0, sizeof(*r));
	r->first_output_ms = r->loop_start_ms = r->loop_done_ms = -1;
	s.start = now_ms();
	if (timeout_ms > 0)
		watch.deadline_ms = child_now_ms() + timeout_ms;
	if (child_start(&c, &spec) < 0)
		return -1;
	forward_signals(true);
	if (child_watch(&c, &watch) == CHILD_DEADLINE) {
		r->timed_out = true;
		child_signal(&c, SIGKILL);
		watch.deadline_ms = 0;
		child_watch(&c, &watch);
	}
	watch.deadline_ms = 0;
	child_reap(&c, &watch);
	forward_signals(false);
	r->elapsed_ms = now_ms() - s.start;
	r->exit_status = child_exit_code(&c);
	return 0;
}
