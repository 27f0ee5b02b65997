/* child.c - fork, standard streams, deadline, signals and reaping in one place */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mount_namespace.h"

#define TICK_MS 100

extern char **environ;

long long child_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How long to wait now: TICK_MS, or less when the deadline is nearer; -1
 * when it has passed. */
static int wait_slice(long long deadline_ms)
{
	long long left;

	if (deadline_ms == 0)
		return TICK_MS;
	left = deadline_ms - child_now_ms();
	if (left <= 0)
		return -1;
	return left < TICK_MS ? (int)left : TICK_MS;
}

static void close_pipes(struct child *c)
{
	for (int k = 0; k < CHILD_STREAMS; k++)
		if (c->fd[k] >= 0) {
			close(c->fd[k]);
			c->fd[k] = -1;
		}
}

/* In the child: target becomes what spec says (null is /dev/null, piped
 * the pipe's write end). */
static void place_stream(int spec, int target, int null, int piped)
{
	int from = spec == CHILD_PIPE ? piped : spec == CHILD_NULL ? null : spec;

	if (spec == CHILD_KEEP || from < 0)
		return;
	if (from == target)
		fcntl(target, F_SETFD, 0);	/* keep it across exec */
	else
		dup2(from, target);
}

static _Noreturn void run_child(const struct child_spec *s, int pipes[CHILD_STREAMS][2])
{
	static char *const empty_env[] = { NULL };
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	sigset_t none;

	for (int k = 0; k < CHILD_STREAMS; k++)
		if (pipes[k][0] >= 0)
			close(pipes[k][0]);
	place_stream(s->in, STDIN_FILENO, null, -1);
	place_stream(s->out, STDOUT_FILENO, null, pipes[CHILD_STDOUT][1]);
	place_stream(s->err, STDERR_FILENO, null, pipes[CHILD_STDERR][1]);
	if (s->own_group)
		setpgid(0, 0);
	/* its mounts (a bootstrapper's /proc, /sys, /dev/pts in the tree) are
	 * in this namespace alone, and end with its last process, even one
	 * killed before it could unmount them.  Where the kernel refuses
	 * (EPERM: no CAP_SYS_ADMIN, as in a container) it runs as it would
	 * have without; in a chroot whose root is no mount point (EINVAL) the
	 * namespace is made but its propagation stays as it is */
	if (s->private_mounts)
		(void)mount_namespace_private();
	if (s->fn)
		_exit(s->fn(s->arg, pipes[CHILD_REPORT][1]));
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (s->default_signals) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
	}
	/* this process is the child's alone now: ours changes nothing else */
	for (char *const *v = s->env_add; v && *v; v++)
		if (putenv(*v) != 0) {
			dprintf(STDERR_FILENO, "%s: its environment (%s): %s\n", s->argv[0], *v, strerror(errno));
			_exit(126);
		}
	execve(s->argv[0], s->argv, s->empty_env ? empty_env : environ);
	_exit(errno == ENOENT ? 127 : 126);
}

int child_start(struct child *c, const struct child_spec *s)
{
	int pipes[CHILD_STREAMS][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
	const bool wanted[CHILD_STREAMS] = { s->out == CHILD_PIPE, s->err == CHILD_PIPE, s->fn && s->report };
	int saved;

	c->pid = -1;
	c->reaped = false;
	c->group = false;
	c->status = 0;
	for (int k = 0; k < CHILD_STREAMS; k++)
		c->fd[k] = -1;
	if ((!s->fn && (!s->argv || !s->argv[0] || s->argv[0][0] != '/')) || (s->empty_env && s->env_add)) {
		errno = EINVAL;
		return -1;
	}
	for (int k = 0; k < CHILD_STREAMS; k++)
		if (wanted[k] && pipe2(pipes[k], O_CLOEXEC) < 0)
			goto fail;
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0)
		goto fail;
	if (c->pid == 0)
		run_child(s, pipes);
	c->group = s->own_group;
	if (c->group)
		setpgid(c->pid, c->pid);	/* either side may come first */
	for (int k = 0; k < CHILD_STREAMS; k++)
		if (wanted[k]) {
			close(pipes[k][1]);
			c->fd[k] = pipes[k][0];
		}
	return 0;
fail:
	saved = errno;
	for (int k = 0; k < CHILD_STREAMS; k++)
		for (int e = 0; e < 2; e++)
			if (pipes[k][e] >= 0)
				close(pipes[k][e]);
	errno = saved;
	return -1;
}

/* Reads what one ready pipe has; true when on_data asks to stop. */
static bool read_stream(struct child *c, enum child_stream k, const struct child_watch *w)
{
	char buf[4096];
	ssize_t n = read(c->fd[k], buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return false;
	if (n <= 0) {
		close(c->fd[k]);
		c->fd[k] = -1;
		return false;
	}
	return w->on_data && w->on_data(w->ctx, k, buf, (size_t)n);
}

enum child_watched child_watch(struct child *c, const struct child_watch *w)
{
	for (;;) {
		struct pollfd pfd[CHILD_STREAMS];
		enum child_stream which[CHILD_STREAMS];
		int n = 0, slice = wait_slice(w->deadline_ms), rc;

		for (int k = 0; k < CHILD_STREAMS; k++)
			if (c->fd[k] >= 0) {
				pfd[n] = (struct pollfd){ .fd = c->fd[k], .events = POLLIN };
				which[n++] = (enum child_stream)k;
			}
		if (n == 0)
			return CHILD_END;
		/* past the deadline, what has arrived is still read (the caller
		 * may have been busy meanwhile), without waiting for more */
		rc = poll(pfd, (nfds_t)n, slice < 0 ? 0 : slice);
		if (w->on_tick)
			w->on_tick(w->ctx, c);
		if (rc < 0 && errno != EINTR) {
			close_pipes(c);	/* cannot wait on them: as if they ended */
			return CHILD_END;
		}
		for (int i = 0; rc > 0 && i < n; i++)
			if ((pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) && read_stream(c, which[i], w))
				return CHILD_STOPPED;
		if (slice < 0)	/* one look only: a child that writes on and on cannot hold us */
			return c->fd[CHILD_STDOUT] < 0 && c->fd[CHILD_STDERR] < 0 && c->fd[CHILD_REPORT] < 0
			       ? CHILD_END : CHILD_DEADLINE;
	}
}

bool child_collect(void *ctx, enum child_stream stream, const char *buf, size_t n)
{
	struct child_output *o = ctx;
	size_t room = o->size - o->used;

	(void)stream;
	if (n > room) {
		o->overflow = true;
		n = room;
	}
	if (n > 0)
		memcpy(o->buf + o->used, buf, n);
	o->used += n;
	return false;
}

/* One waitpid without blocking: true when the child is gone (or was
 * reaped by someone else: SIGCHLD ignored). */
static bool reaped_now(struct child *c)
{
	pid_t got;

	if (c->reaped)
		return true;
	got = waitpid(c->pid, &c->status, WNOHANG);
	if (got == c->pid || (got < 0 && errno == ECHILD)) {
		if (got < 0)
			c->status = -1;
		c->reaped = true;
	}
	return c->reaped;
}

int child_reap(struct child *c, const struct child_watch *w)
{
	int pidfd = -1, rc = -1;

	close_pipes(c);
	if (c->pid <= 0)
		return 0;
	for (;;) {
		int slice;

		if (reaped_now(c)) {
			rc = 0;
			break;
		}
		slice = wait_slice(w ? w->deadline_ms : 0);
		if (slice < 0)
			break;
		if (pidfd < 0)
			pidfd = pidfd_open(c->pid, 0);
		if (pidfd >= 0) {
			struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

			poll(&pfd, 1, slice);
		} else {	/* no pidfd (an old kernel, a seccomp filter): look again soon */
			struct timespec pause = { 0, 2 * 1000 * 1000 };

			nanosleep(&pause, NULL);
		}
		if (w && w->on_tick)
			w->on_tick(w->ctx, c);
	}
	if (pidfd >= 0)
		close(pidfd);
	return rc;
}

void child_signal(const struct child *c, int sig)
{
	if (c->pid > 0 && !c->reaped)
		kill(c->group ? -c->pid : c->pid, sig);
}

/* Right after the reap: the kernel does not give the ID to a new process
 * while the group has a member, and nothing runs here in between. */
void child_kill_group(const struct child *c)
{
	if (c->pid <= 0 || !c->group)
		return;
	kill(-c->pid, SIGKILL);
	/* SIGKILL takes a process on its way out of the kernel: one in a
	 * system call (a mkdir, a write) finishes it first.  What the caller
	 * does next (removing what they wrote) waits until none is left, at
	 * most about two seconds */
	for (int naps = 0; naps < 200 && kill(-c->pid, 0) == 0; naps++)
		nanosleep(&(const struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
}

int child_exit_code(const struct child *c)
{
	if (!c->reaped || c->status == -1)
		return -1;
	if (WIFEXITED(c->status))
		return WEXITSTATUS(c->status);
	return WIFSIGNALED(c->status) ? 128 + WTERMSIG(c->status) : -1;
}

static pid_t left_behind[8];

void child_leave(struct child *c)
{
	close_pipes(c);
	if (reaped_now(c))
		return;
	for (size_t i = 0; i < sizeof(left_behind) / sizeof(left_behind[0]); i++)
		if (left_behind[i] == 0) {
			left_behind[i] = c->pid;
			return;
		}
	child_reap(c, NULL);	/* no room: reap it now */
}

int children_reap_left(int wait_ms)
{
	long long until = child_now_ms() + wait_ms;

	for (;;) {
		int left = 0;

		for (size_t i = 0; i < sizeof(left_behind) / sizeof(left_behind[0]); i++) {
			if (left_behind[i] && waitpid(left_behind[i], NULL, WNOHANG) != 0)
				left_behind[i] = 0;
			left += left_behind[i] != 0;
		}
		if (left == 0 || child_now_ms() >= until)
			return left;
		usleep(200);
	}
}
