/* debian_build.c - one step of the image build: a tool, or a function on the tree
 *
 * Tools run by absolute path through execv (no shell), their output in a
 * log shown when they fail.  A normal user's build runs the steps that
 * touch the tree (owned by the user's subordinate IDs) as root of a user
 * namespace mapped as mmdebstrap's (user_namespace.h).
 */
#include "debian_build.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A held signal that arrived: the build stops at the next step. */
bool interrupted(struct build *b)
{
	if (!b->interrupted && (b->interrupted = signals_pending(&b->held)) != 0)
		sigwaitinfo(&b->held.held, NULL);	/* taken: raised again after the cleanup */
	return b->interrupted != 0;
}

void begin(struct build *b, const char *what)
{
	b->step++;
	fprintf(stderr, "%s: [%d/%d] %s (%.0f s)\n", b->o->prog, b->step, b->steps, what, now_s() - b->start);
}

int fail(const struct build *b, const char *fmt, ...)
{
	va_list ap;

	if (b->interrupted)
		return -1;	/* said once, by make_debian_root */
	fprintf(stderr, "%s: step %d failed: ", b->o->prog, b->step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static void show_log_tail(const struct build *b)
{
	char line[512];
	int fd = b->log_fd >= 0 ? dup(b->log_fd) : -1;
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	long lines = 0, skip;

	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewind(f);
	while (fgets(line, sizeof(line), f))
		lines++;
	rewind(f);
	skip = lines > 20 ? lines - 20 : 0;
	while (fgets(line, sizeof(line), f))
		if (skip-- <= 0)
			fprintf(stderr, "  | %s", line);
	fclose(f);
}

int tool_failed(const struct build *b, const char *what)
{
	if (b->interrupted)
		return -1;	/* its lines are not news: the signal stopped it */
	fail(b, "%s did not succeed; its last lines:", what);
	show_log_tail(b);
	return -1;
}

/* While a step runs: a held signal stops it (SIGTERM, then SIGKILL after
 * 10 s) and is kept in b->interrupted. */
struct stopping {
	struct build *b;
	double since;		/* when SIGTERM was sent; 0: not yet */
};

static void stop_on_signal(void *ctx, const struct child *c)
{
	const struct timespec now = { 0, 0 };
	struct stopping *st = ctx;
	siginfo_t info;
	int sig = sigtimedwait(&st->b->held.held, &info, &now);

	if (sig > 0 && !st->b->interrupted) {
		st->b->interrupted = sig;
		st->since = now_s();
		child_signal(c, SIGTERM);
	}
	if (st->since > 0 && now_s() - st->since > 10)
		child_signal(c, SIGKILL);
}

/* The step's job in the build's namespace: its exit code, or -1. */
static int in_namespace(struct build *b, const struct namespace_job *job)
{
	struct stopping st = { b, 0 };
	const struct child_watch watch = { .on_tick = stop_on_signal, .ctx = &st };
	int code = user_namespace_run(b->ns, job, &watch, b->o->prog);

	return b->interrupted ? -1 : code;
}

/* Runs argv with output to the step's log; 0 when it exited 0.  The tool
 * starts with no signal blocked (a Ctrl-C reaches it as usual). */
int run_tool(struct build *b, char *const argv[], char *const env_add[], bool namespace)
{
	struct stopping st = { b, 0 };
	const struct child_watch watch = { .on_tick = stop_on_signal, .ctx = &st };
	struct child c;

	if (interrupted(b))
		return -1;
	if (ftruncate(b->log_fd, 0) < 0 || lseek(b->log_fd, 0, SEEK_SET) < 0)
		return fail(b, "the build's log %s: %s", b->log, strerror(errno));
	if (namespace && b->ns)
		return in_namespace(b, &(const struct namespace_job){ .argv = argv, .log_fd = b->log_fd }) == 0 ? 0 : -1;
	/* its own process group: a signal stops what it started too (dpkg,
	 * apt, tar), before the tree is removed; as root its own mount
	 * namespace: the bootstrapper's mounts in the tree end with it, even
	 * when it has to be killed (SIGKILL) before it unmounts them */
	if (child_start(&c, &(const struct child_spec){ .argv = argv, .env_add = env_add, .in = CHILD_NULL,
							 .out = b->log_fd, .err = b->log_fd, .own_group = true,
							 .private_mounts = !b->ns }) < 0)
		return fail(b, "could not run %s: %s", argv[0], strerror(errno));
	if (child_reap(&c, &watch) < 0)
		return -1;
	child_kill_group(&c);	/* nothing it started outlives it */
	if (b->interrupted)
		return -1;
	return child_exit_code(&c) == 0 ? 0 : -1;
}

int in_tree(struct build *b, int (*fn)(void *b))
{
	if (interrupted(b))
		return -1;
	if (!b->ns)
		return fn(b);
	return in_namespace(b, &(const struct namespace_job){ .fn = fn, .arg = b, .log_fd = -1 }) == 0 ? 0 : -1;
}
