/* host.h - every fact the probes gather about one host, in one place */
#ifndef KVMHOST_HOST_H
#define KVMHOST_HOST_H

#include <stdbool.h>

#include "arm64.h"
#include "cpu.h"
#include "cpuinfo.h"
#include "kernel.h"
#include "kvm_device.h"
#include "kvm_probe.h"
#include "modules.h"
#include "msr.h"
#include "setting.h"
#include "sysroot.h"

struct host_options {
	bool probe;		/* run the functional and speed probe */
	int probe_deadline_ms;	/* 0: the default for this host */
};

enum host_arch {
	HOST_ARCH_X86_64,
	HOST_ARCH_ARM64,
	HOST_ARCH_OTHER,	/* ppc64el, s390x, riscv64, armhf... */
};

struct host_facts {
	struct sysroot root;
	enum host_arch arch;		/* the host's, which a snapshot may hold for another */
	char arch_name[32];		/* "x86_64", "aarch64", "ppc64le" ... */
	bool x86_64;			/* arch is x86-64 */
	bool is_root;			/* effective uid 0 */
	struct cpu_identity cpu;
	struct cpuinfo cpuinfo;
	struct kernel_release kernel;
	struct setting setting;		/* a container, WSL2, a CI runner: whose fix it is */
	struct firmware_state firmware;	/* only read when CPUID has VT */
	struct arm64_cpu arm64_cpu;	/* arm64 only */
	struct arm64_boot arm64_boot;
	struct module_info kvm, vendor_module, pvm;
	enum module_availability vendor_availability;
	char vendor_module_file[512], module_tree[512];
	struct kvm_node node;
	bool probe_requested;
	struct kvm_probe probe;
};

/* Gathers the facts in order: kernel, setting, CPU, cpuinfo, firmware,
 * modules, device, probe.  Never fails: each fact carries its own "unknown". */
void host_gather(const struct sysroot *root, const struct host_options *opts, struct host_facts *f);

/* In a container that was not given the host's working KVM device, or a
 * chroot without /dev: /dev/kvm missing or refused (EPERM) here while the
 * kernel has it registered.  What is true here is then not true of the
 * machine. */
bool host_kvm_device_hidden(const struct host_facts *f);

/* Whether this is a virtual machine: x86's CPUID hypervisor bit, arm64's
 * PSCI through HVC or a hypervisor's DMI vendor. */
bool host_is_virtual_machine(const struct host_facts *f);

void host_release(struct host_facts *f);

/* The host's architecture: this machine's (uname), or under a sysroot its
 * /proc/sys/kernel/arch (x86_64 when absent, as in older snapshots); the
 * kernel's, so armv8l (32-bit programs on an arm64 kernel) is arm64. */
enum host_arch host_arch_read(const struct sysroot *root, char *name, size_t size);

#endif
