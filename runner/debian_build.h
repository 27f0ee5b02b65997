/* debian_build.h - the image build's state and steps, shared by its files
 *
 * debian_root.c runs the steps; debian_build.c runs a tool or a function
 * for a step (as root of the build's user namespace when a normal user
 * builds); debian_tree.c configures the tree and copies its kernel out;
 * debian_outputs.c claims, places and discards the image's files.
 */
#ifndef RUNNER_DEBIAN_BUILD_H
#define RUNNER_DEBIAN_BUILD_H

#include <stdbool.h>

#include "debian_root.h"
#include "held_signals.h"
#include "user_namespace.h"

/* The files a build leaves: IMAGE, IMAGE.vmlinuz, IMAGE.initrd; and the
 * raw image a qcow2 one is converted from (never placed). */
enum { OUT_IMAGE, OUT_KERNEL, OUT_INITRD, OUT_RAW, OUTPUTS };

struct output {
	char final[4200];	/* "" for OUT_RAW */
	char partial[4300];	/* in the private directory */
	bool placed;
};

struct build {
	const struct debian_root_options *o;
	const struct user_namespace *ns;	/* a normal user's build; NULL as root */
	bool mmdebstrap;		/* else debootstrap */
	char root[64];		/* the bootstrapper's target */
	bool root_filled;	/* the bootstrapper ran into it */
	char log[96];		/* the current step's output, */
	int log_fd;		/* created with O_EXCL, emptied for each step */
	char private_dir[4200];	/* beside IMAGE, 0700: the partial files */
	struct output out[OUTPUTS];
	double start;
	int step, steps;
	struct held_signals held;	/* SIGINT/SIGTERM/SIGHUP, acted on after the cleanup */
	int interrupted;		/* the signal that stopped the build, or 0 */
};

/* debian_build.c */
double now_s(void);
bool interrupted(struct build *b);
void begin(struct build *b, const char *what);
__attribute__((format(printf, 2, 3)))
int fail(const struct build *b, const char *fmt, ...);
/* Runs argv with its output in the step's log (in the build's namespace
 * when in_namespace and a normal user builds; else with env_add, NAME=value
 * strings or NULL, added to its environment); 0 when it exited 0. */
int run_tool(struct build *b, char *const argv[], char *const env_add[], bool in_namespace);
/* The tool failed: says so with the log's last lines; -1. */
int tool_failed(const struct build *b, const char *what);
/* fn(b) here as root, or as root of the build's namespace; 0 or -1. */
int in_tree(struct build *b, int (*fn)(void *b));

/* debian_tree.c: steps run through in_tree */
int configure_tree(void *b);
int copy_boot_files(void *b);
int remove_root_tree(void *b);

/* debian_outputs.c */
int claim_outputs(struct build *b, bool qcow2);
int place_outputs(struct build *b);
void discard_outputs(struct build *b, bool failed);

#endif
