/* options.h - the runner's own options, read before QEMU's arguments */
#ifndef RUNNER_OPTIONS_H
#define RUNNER_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "debian_root.h"

/* the longest --append: the rest of Linux's 2048-byte command line (on
 * x86-64 and arm64) holds the fast arguments, tsc_early_khz= and --disk's root= */
#define KERNEL_COMMAND_LINE 2048
#define MAX_APPEND 1536

/* the runner's exit statuses besides QEMU's own (runner(1)) */
enum {
	EXIT_USAGE = 2,
	EXIT_SELFTEST_COMPARISON = 3,	/* --selftest: fine on KVM, the TCG comparison failed */
	EXIT_REFUSED = 4,
	EXIT_ENGINE_NOT_RUNNABLE = 126,
	EXIT_ENGINE_NOT_FOUND = 127,
};

enum accel_mode { MODE_AUTO, MODE_KVM, MODE_TCG };

struct options {
	enum accel_mode mode;
	bool mode_given, quiet, explain, selftest;
	const char *engine, *sysroot, *kernel, *initrd, *append, *disk;
	struct debian_root_options debian;	/* --make-debian-root IMAGE */
	int probe_timeout_ms;
	int qemu_argc;
	char **qemu_argv;
};

/* "runner", or "kvm" when started under that name (messages say which). */
extern const char *prog;

/* Runner options come first, read with getopt_long; the first argument
 * that is not exactly one of them (or "--") starts QEMU's arguments, which
 * are passed on as they are.  -h and -V print and exit.  0, or -1 after
 * saying what is wrong. */
int parse_options(int argc, char **argv, struct options *o);

void usage(FILE *out);

#endif
