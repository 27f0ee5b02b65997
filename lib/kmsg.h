/* kmsg.h - the kernel's own log lines about KVM, from /dev/kmsg */
#ifndef KVMHOST_KMSG_H
#define KVMHOST_KMSG_H

#include "sysroot.h"

#define KMSG_MAX_LINES 16
#define KMSG_LINE_MAX 200
#define KMSG_ERROR_RECORD "/dev/kmsg.error"	/* a snapshot's: why the log could not be read */

struct kmsg_lines {
	int count;			/* the last matching lines, oldest first */
	char line[KMSG_MAX_LINES][KMSG_LINE_MAX];
	int error;			/* errno when the log could not be read */
};

/* Reads /dev/kmsg under the root without blocking (a regular file under a
 * sysroot is read as one record a line) and keeps the last lines that
 * mention kvm, SVM or VMX, or arm64's exception level. */
void kmsg_kvm_lines(const struct sysroot *root, struct kmsg_lines *out);

/* Whether one message is about KVM (exposed for tests and fuzzing). */
int kmsg_is_about_kvm(const char *message);

#endif
