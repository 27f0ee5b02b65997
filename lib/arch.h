/* arch.h - what each architecture knows, behind one interface
 *
 * lib/arch/ARCH/ reads a host's data and judges it: it is built into every
 * tool whatever the target, so that a snapshot of an arm64 host replays on
 * amd64.  What must run on the host itself (CPUID, the timed guest) is in
 * lib/arch/ARCH/native/, built for that target only.
 */
#ifndef KVMHOST_ARCH_H
#define KVMHOST_ARCH_H

#include <stdbool.h>
#include <stdio.h>

#include "host.h"
#include "readiness.h"
#include "verdict.h"

/* Debian's QEMU system emulators: the one kvm-ok reports for a host's
 * architecture, and the one the runner built for it drives */
#define QEMU_SYSTEM_X86_64	"/usr/bin/qemu-system-x86_64"
#define QEMU_SYSTEM_AARCH64	"/usr/bin/qemu-system-aarch64"

struct arch_ops {
	const char *qemu;	/* the host's QEMU system emulator, or NULL */
	/* Reads the CPU, what lets it run KVM, and its modules. */
	void (*gather)(const struct sysroot *root, struct host_facts *f);
	/* The same as checks of a diagnosis. */
	void (*checks)(const struct host_facts *f, struct diagnosis *d);
	/* Concludes (returns true) when the firmware or the kernel keeps KVM
	 * off, before the probe's speed is judged. */
	bool (*disabled)(const struct host_facts *f, struct diagnosis *d);
	/* Concludes when this CPU or boot cannot run KVM at all. */
	bool (*cannot_run)(const struct host_facts *f, struct diagnosis *d);
	/* Concludes why there is no /dev/kvm. */
	void (*device_absent)(const struct host_facts *f, struct diagnosis *d);
	/* The bug report's lines about the CPU and what lets it run KVM, and
	 * the same as JSON members. */
	void (*report_text)(FILE *out, const struct host_facts *f, const struct diagnosis *d);
	void (*report_json)(FILE *out, const struct host_facts *f, const struct diagnosis *d, bool *first);
	/* kvm-ok --json's member for this architecture's CPU ("cpu", "arm64"), or NULL. */
	void (*json_facts)(FILE *out, const struct host_facts *f, bool *first);
	/* kvm-ok --all: the IOMMU, confidential guests, nested virtualization. */
	void (*readiness)(const struct host_facts *f, struct readiness *r);
};

extern const struct arch_ops arch_x86_64_ops, arch_arm64_ops, arch_generic_ops;

/* The architecture's operations (the generic ones for the others). */
const struct arch_ops *arch_ops_for(enum host_arch arch);

#endif
