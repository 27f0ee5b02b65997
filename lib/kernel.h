/* kernel.h - the running kernel's release and what it implies */
#ifndef KVMHOST_KERNEL_H
#define KVMHOST_KERNEL_H

#include <stdbool.h>

#include "cpu.h"
#include "sysroot.h"

struct kernel_release {
	bool known;
	char release[96];	/* "6.1.0-27-amd64" */
	int major, minor;
};

/* Reads /proc/sys/kernel/osrelease under the root. */
void kernel_release_read(const struct sysroot *root, struct kernel_release *k);

/* Parses "6.1.0-27-amd64"; false when it does not start with N.N. */
bool kernel_release_parse(const char *text, struct kernel_release *k);

/* Does this kernel remove the vmx/svm flag from /proc/cpuinfo when the
 * firmware disabled the extension?  VMX since 5.6, SVM since 6.7. */
bool kernel_hides_disabled_vt(const struct kernel_release *k, enum cpu_vt_kind kind);

#endif
