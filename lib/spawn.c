/* spawn.c - fork/execv with a captured, bounded standard output */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child: standard input from in_fd (or /dev/null when -1); out_fd (or /dev/null when -1)
 * as standard output when the pipe takes standard error, else the pipe as
 * standard output and /dev/null as standard error; the signals the parent
 * may hold blocked are given back their defaults. */
static void child(char *const argv[], int in_fd, int pipe_out, int out_fd)
{
	static char *const empty_env[] = { NULL };
	int null = open("/dev/null", O_RDWR);
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (in_fd >= 0)
		dup2(in_fd, STDIN_FILENO);
	else if (null >= 0)
		dup2(null, STDIN_FILENO);
	if (out_fd == SPAWN_CAPTURE_STDOUT) {
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		dup2(pipe_out, STDOUT_FILENO);
	} else {
		dup2(out_fd >= 0 ? out_fd : null, STDOUT_FILENO);
		dup2(pipe_out, STDERR_FILENO);
	}
	execve(argv[0], argv, empty_env);
	_exit(127);
}

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
	long long deadline = now_ms() + timeout_ms;
	size_t used = 0;
	int pipefd[2], status;
	int killed = 0;
	pid_t pid;

	if (size)
		out[0] = '\0';
	if (argv[0][0] != '/') {
		errno = EINVAL;
		return -1;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0)
		child(argv, in_fd, pipefd[1], out_fd);
	close(pipefd[1]);
	for (;;) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		long long left = deadline - now_ms();
		char buf[4096];
		ssize_t n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (size > 0 && used < size - 1) {
			size_t take = (size_t)n < size - 1 - used ? (size_t)n : size - 1 - used;

			memcpy(out + used, buf, take);
			used += take;
			out[used] = '\0';
		}
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	while (used > 0 && (out[used - 1] == '\n' || out[used - 1] == '\r'))
		out[--used] = '\0';
	if (killed) {
		errno = ETIMEDOUT;
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
