/* supervise.h - run QEMU as a child, relay its console, time its output */
#ifndef RUNNER_SUPERVISE_H
#define RUNNER_SUPERVISE_H

#include <stdbool.h>

struct supervised_run {
	double first_output_ms;		/* from start to QEMU's first output; -1: none */
	double loop_start_ms;		/* the micro guest's "loop start" line; -1: none */
	double loop_done_ms;		/* its "loop done" line; -1: none */
	unsigned long loop_iterations;	/* as the guest announced them */
	double elapsed_ms;		/* until QEMU exited */
	int exit_status;		/* QEMU's status, or 128 + signal */
	bool timed_out;			/* killed at the timeout */
	char last_error[256];		/* QEMU's last line on standard error ("" none) */
};

/* Starts argv[0] with argv (execv, no shell), relays its standard output to
 * ours when relay is set (its standard error always, keeping the last line),
 * forwards SIGINT, SIGTERM and SIGHUP to it, and
 * waits; timeout_ms > 0 kills it after that long.  Returns 0, or -1 with
 * errno when it could not be started. */
int supervise(char *const argv[], bool relay, int timeout_ms, struct supervised_run *r);

#endif
