/* cpuinfo.h - what the kernel shows in /proc/cpuinfo */
#ifndef KVMHOST_CPUINFO_H
#define KVMHOST_CPUINFO_H

#include <stdbool.h>

#include "sysroot.h"

#define CPUINFO_MAX_BYTES (64u << 20) /* refuse a /proc/cpuinfo larger than this */

struct cpuinfo {
	bool readable;		/* false: see error */
	char error[160];
	int cpus;		/* "processor" entries */
	int cpus_with_flags;	/* entries that had a "flags" line */
	int with_vmx;		/* entries whose flags list vmx */
	int with_svm;		/* ... svm */
	int with_hypervisor;	/* ... hypervisor */
	int *numbers;		/* the "processor" numbers, cpus of them */
	char vendor[16];	/* vendor_id of the first entry ("" if none) */
	char microcode[24];	/* microcode of the first entry ("" if none) */
	char mixed[160];	/* when entries disagree on vmx/svm: which CPUs lack it */
};

/* Parses /proc/cpuinfo under the root.  Never fails: look at readable. */
void cpuinfo_read(const struct sysroot *root, struct cpuinfo *info);

/* Parses cpuinfo text (exposed for the fuzzer and the tests). */
void cpuinfo_parse(const char *text, struct cpuinfo *info);

void cpuinfo_free(struct cpuinfo *info);

#endif
