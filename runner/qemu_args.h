/* qemu_args.h - what the user's QEMU arguments already choose, and the
 * command line the runner builds around them */
#ifndef RUNNER_QEMU_ARGS_H
#define RUNNER_QEMU_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum user_accel {
	USER_ACCEL_NONE,	/* no -accel, -enable-kvm or -machine accel= */
	USER_ACCEL_KVM,		/* KVM first (-enable-kvm, -accel kvm, accel=kvm:tcg) */
	USER_ACCEL_TCG,
	USER_ACCEL_OTHER,	/* xen, hvf, whpx, nvmm, qtest... */
};

struct qemu_choice {
	enum user_accel accel;	/* the accelerator QEMU tries first */
	bool accel_allows_tcg;	/* KVM first, and tcg named after it (accel=kvm:tcg,
				   -accel kvm -accel tcg): QEMU's own fallback */
	char accel_text[96];	/* the option as given, for messages */
	bool no_guest;		/* runs no guest code: -machine none, -version,
				   -help, a "help" or "?" listing */
	char no_guest_text[64];	/* which, for --explain */
	bool no_kvm;		/* -no-kvm (QEMU no longer has it): TCG */
	bool cpu;		/* -cpu given */
	bool cpu_host;		/* -cpu host: the host's CPU model, which needs KVM */
	bool machine;		/* -machine / -M given */
	bool memory;		/* -m given */
	bool kernel;		/* -kernel given */
	bool display;		/* -display or -nographic given */
	bool serial;		/* -serial given */
};

/* Scans QEMU's arguments as QEMU would read them: "-opt" or "--opt", an
 * option's value is the next argument (except for the options that take
 * none), so a value is never taken for an option. */
void qemu_args_scan(int argc, char *const argv[], struct qemu_choice *c);

/* A growing argument vector (NULL-terminated, strings not copied). */
struct argv_builder {
	char **argv;
	int argc, capacity;
	char *owned[8];		/* the arguments argv_add_copy made */
	int nowned;
};

int argv_add(struct argv_builder *b, const char *arg);
/* argv_add of a copy of arg, freed by argv_free. */
int argv_add_copy(struct argv_builder *b, const char *arg);
void argv_free(struct argv_builder *b);

/* Adds the user's QEMU arguments to b as they are, but for -no-kvm
 * (QEMU no longer has it: left out); with tcg_only, the accelerator
 * choice narrowed to TCG: -accel and -enable-kvm options for other
 * accelerators left out, -machine's accel=LIST made accel=tcg.  0, or -1
 * when out of memory. */
int qemu_args_add(struct argv_builder *b, int argc, char *const argv[], bool tcg_only);

/* Writes argv as a shell-quoted line (for --explain: display only). */
void argv_print_quoted(char *const argv[], FILE *out);

#endif
