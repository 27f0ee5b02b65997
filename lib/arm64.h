/* arm64.h - what an arm64 host shows about its CPU and about EL2, where
 * KVM runs (lib/arch/arm64/): read from a host's files, so that a
 * snapshot of an arm64 host replays on any build
 *
 * /proc/cpuinfo cannot tell whether KVM can work on arm64: it is the same
 * either way.  What tells is whether the kernel got EL2, which the kernel
 * log says (root only on Debian), /proc/misc shows (no "232 kvm" when KVM
 * did not initialize), and the PSCI conduit hints at (hvc: a hypervisor
 * owns EL2).
 */
#ifndef KVMHOST_ARM64_H
#define KVMHOST_ARM64_H

#include <stdbool.h>

#include "kmsg.h"
#include "sysroot.h"

#define ARM64_MIDR_PATH "/sys/devices/system/cpu/cpu0/regs/identification/midr_el1"

struct arm64_cpu {
	bool known;
	char error[160];		/* why not, when !known */
	unsigned int implementer, variant, part, revision;
	const char *implementer_name;	/* "Arm", "Ampere", "Apple", ... or NULL */
	const char *core_name;		/* "Neoverse-N1", "Cortex-A72", ... or NULL */
};

enum arm64_el2 {
	ARM64_EL2_UNKNOWN,		/* nothing tells */
	ARM64_EL2_VHE,			/* KVM initialized, the host kernel runs at EL2 */
	ARM64_EL2_NVHE,			/* KVM initialized, a small hypervisor at EL2 */
	ARM64_EL2_PROTECTED,		/* KVM initialized, protected nVHE (pKVM) */
	ARM64_EL2_STARTED,		/* the CPUs started at EL2; KVM's own line not seen */
	ARM64_EL2_NOT_AVAILABLE,	/* started at EL1: no EL2 for KVM */
	ARM64_EL2_DISABLED,		/* kvm-arm.mode=none */
};

enum arm64_machine {
	ARM64_MACHINE_UNKNOWN,
	ARM64_MACHINE_BARE_METAL,	/* PSCI through smc, or a *.metal instance */
	ARM64_MACHINE_VIRTUAL,		/* PSCI through hvc, or a hypervisor's DMI vendor */
};

struct arm64_boot {
	enum arm64_el2 el2;
	char evidence[KMSG_LINE_MAX + 40];	/* the line or file that says so */
	int log_error;			/* errno when the kernel log could not be read */
	int misc_kvm;			/* /proc/misc lists kvm: 1, does not: 0, unreadable: -1 */
	char psci_method[8];		/* "hvc", "smc" or "" */
	bool cmdline_none;		/* kvm-arm.mode=none on the command line */
	char cmdline_mode[24];		/* the kvm-arm.mode= value, or "" */
	enum arm64_machine machine;
	char machine_evidence[96];
	char model[128];		/* /proc/device-tree/model, or "" */
};

/* Reads MIDR_EL1 (sysfs, else /proc/cpuinfo's CPU implementer/part lines). */
void arm64_cpu_read(const struct sysroot *root, struct arm64_cpu *cpu);

/* Reads the kernel log, /proc/misc, the command line, the PSCI conduit and
 * DMI. */
void arm64_boot_read(const struct sysroot *root, struct arm64_boot *boot);

/* "VHE", "nVHE", "protected nVHE (pKVM)", ... */
const char *arm64_el2_text(enum arm64_el2 el2);

/* Whether KVM initialized at EL2 as far as the signs go. */
bool arm64_kvm_initialized(const struct arm64_boot *boot);

#endif
