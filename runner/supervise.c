/* supervise.c - QEMU as a child process, its console read line by line */
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

int supervise(char *const argv[], bool relay, int timeout_ms, struct supervised_run *r)
{
	struct line_reader readers[2] = { 0 };
	char buf[4096];
	int out[2], err[2], status;
	double start;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->first_output_ms = r->loop_start_ms = r->loop_done_ms = -1;
	if (pipe2(out, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return -1;
	}
	fflush(NULL);
	start = now_ms();
	pid = fork();
	if (pid < 0) {
		close(out[0]);
		close(out[1]);
		close(err[0]);
		close(err[1]);
		return -1;
	}
	if (pid == 0) {
		/* QEMU gets the signals the runner forwards, whatever the runner
		 * inherited (a background job starts with SIGINT ignored) */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		execv(argv[0], argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(out[1]);
	close(err[1]);
	forward_signals(true);

	for (int open_fds = 2; open_fds > 0;) {
		struct pollfd pfd[2] = { { .fd = out[0], .events = POLLIN }, { .fd = err[0], .events = POLLIN } };
		double at = now_ms();

		if (pending_signal) {
			kill(pid, pending_signal);
			pending_signal = 0;
		}
		if (timeout_ms > 0 && at - start > timeout_ms && !r->timed_out) {
			r->timed_out = true;
			kill(pid, SIGKILL);
		}
		if (poll(pfd, 2, 100) <= 0)
			continue;
		for (int k = 0; k < 2; k++) {
			ssize_t n;

			if (pfd[k].fd < 0 || !(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pfd[k].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(k == 0 ? out[0] : err[0]);
				*(k == 0 ? &out[0] : &err[0]) = -1;
				open_fds--;
				continue;
			}
			at = now_ms() - start;
			if (k == 0 && r->first_output_ms < 0)
				r->first_output_ms = at;
			if (k == 1)
				(void)fd_write_all(STDERR_FILENO, buf, (size_t)n);
			else if (relay)
				(void)fd_write_all(STDOUT_FILENO, buf, (size_t)n);
			take_lines(&readers[k], buf, n, at, k == 1, r);
		}
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			break;
		if (pending_signal) {
			kill(pid, pending_signal);
			pending_signal = 0;
		}
	}
	forward_signals(false);
	r->elapsed_ms = now_ms() - start;
	r->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}
