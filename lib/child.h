/* child.h - the one way the tools run a child process
 *
 * fork, the child's standard streams (a descriptor, /dev/null, a pipe read
 * here, or left as they are), a program run by absolute path through execv
 * or a function of ours, a deadline on its output and on its exit, a tick
 * for signals meanwhile, and reaping: children not gone when their caller
 * was done are kept in a list and collected before the tool exits or execs.
 * Used by spawn.c (helpers), the timed probe, the plan made in a user
 * namespace, the runner's QEMU and the Debian image build.
 */
#ifndef KVMHOST_CHILD_H
#define KVMHOST_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* what a standard stream of the child is, besides a descriptor of ours */
enum {
	CHILD_NULL = -1,	/* /dev/null */
	CHILD_PIPE = -2,	/* a pipe whose read end child_watch reads */
	CHILD_KEEP = -3,	/* ours, as it is */
};

/* the streams child_watch reads */
enum child_stream { CHILD_STDOUT, CHILD_STDERR, CHILD_REPORT, CHILD_STREAMS };

struct child_spec {
	char *const *argv;	/* execv argv[0] (an absolute path) with argv, or: */
	int (*fn)(void *arg, int report_fd);	/* run fn here and _exit with its value */
	void *arg;
	bool report;		/* fn gets the write end of a pipe child_watch reads */
	bool empty_env;		/* the program starts with no environment */
	char *const *env_add;	/* or ours with these NAME=value strings (NULL-ended) */
	bool default_signals;	/* SIGINT, SIGTERM, SIGHUP at their defaults (not ignored) */
	bool own_group;		/* a process group of its own: child_signal reaches what it starts */
	bool private_mounts;	/* a mount namespace of its own where the kernel allows: its mounts end with it */
	int in, out, err;	/* a descriptor, CHILD_NULL, CHILD_PIPE (out, err) or CHILD_KEEP */
};

struct child {
	pid_t pid;
	int fd[CHILD_STREAMS];	/* read ends of its pipes, -1 when none or closed */
	int status;		/* its wait status, once reaped */
	bool reaped;
	bool group;		/* it leads a process group of its own */
};

/* Starts the child.  0, or -1 with errno (nothing is left open or running).
 * The program starts with no signal blocked, whatever the caller blocks. */
int child_start(struct child *c, const struct child_spec *s);

/* Milliseconds on CLOCK_MONOTONIC, for the deadlines below. */
long long child_now_ms(void);

struct child_watch {
	long long deadline_ms;	/* child_now_ms() value; 0: none */
	/* a chunk of one stream; returning true stops the watch */
	bool (*on_data)(void *ctx, enum child_stream stream, const char *buf, size_t n);
	/* at least every 100 ms and after every signal, while waiting */
	void (*on_tick)(void *ctx, const struct child *c);
	void *ctx;
};

enum child_watched {
	CHILD_END,		/* every pipe reached its end */
	CHILD_STOPPED,		/* on_data asked to stop */
	CHILD_DEADLINE,		/* the deadline passed first (the child is left as it is) */
};

/* An on_data that keeps what fits of the output in buf (ctx: a struct
 * child_output); what does not fit sets overflow. */
struct child_output {
	char *buf;
	size_t size, used;
	bool overflow;
};

bool child_collect(void *ctx, enum child_stream stream, const char *buf, size_t n);

/* Reads the child's pipes until they end, on_data stops, or the deadline
 * (what has arrived by then is read first). */
enum child_watched child_watch(struct child *c, const struct child_watch *w);

/* Waits for the child to exit until w->deadline_ms (0: as long as it takes),
 * with w->on_tick meanwhile; closes its pipes.  0 when reaped, -1 when the
 * deadline came first. */
int child_reap(struct child *c, const struct child_watch *w);

/* Sends sig unless it was reaped (to its whole process group when it
 * has one of its own). */
void child_signal(const struct child *c, int sig);

/* SIGKILL to what is left of its process group once it was reaped (a
 * stopped tool's own children, which could go on writing), and a wait
 * (at most about 2 s) until none of them is left; nothing without a
 * group of its own. */
void child_kill_group(const struct child *c);

/* The exit status, or 128 + the signal that ended it. */
int child_exit_code(const struct child *c);

/* Leaves a child that is still going (a VM being torn down, one killed
 * and stuck in the kernel) to children_reap_left; closes its pipes. */
void child_leave(struct child *c);

/* Reaps the children left, waiting at most wait_ms; returns how many are
 * still there.  Call before exit or exec, so that none is left running or
 * handed to the next program as a zombie. */
int children_reap_left(int wait_ms);

#endif
