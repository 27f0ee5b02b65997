/* arch/arm64/verdict.c - what decides on an arm64 host: whether the kernel
 * got EL2 and KVM initialized there (VHE, nVHE, protected), or why not
 *
 * KVM is built into Debian's arm64 kernel, so /sys/module/kvm is there in
 * every case and proves nothing.  It reads a host's data only: a snapshot
 * of an arm64 host replays on amd64.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "arm64_ops.h"
#include "verdict_build.h"

static void gather_arm64(const struct sysroot *root, struct host_facts *f)
{
	arm64_cpu_read(root, &f->arm64_cpu);
	arm64_boot_read(root, &f->arm64_boot);
	module_probe(root, "kvm", &f->kvm);
}

static void check_cpu(const struct host_facts *f, struct diagnosis *d)
{
	const struct arm64_cpu *c = &f->arm64_cpu;

	if (!c->known) {
		diag_check(d, CHECK_ID_CPU, CHECK_UNKNOWN, "CPU: %s", c->error);
		return;
	}
	diag_check(d, CHECK_ID_CPU, CHECK_INFO, "CPU: %s (%s; MIDR implementer 0x%02x, part 0x%03x, variant %u, revision %u)",
		   c->core_name ? c->core_name : "unnamed core",
		   c->implementer_name ? c->implementer_name : "unknown implementer", c->implementer, c->part,
		   c->variant, c->revision);
}

static void check_el2(const struct host_facts *f, struct diagnosis *d)
{
	const struct arm64_boot *b = &f->arm64_boot;

	if (arm64_kvm_initialized(b))	/* the mode KVM runs in: always worth a line */
		diag_check(d, CHECK_ID_EL2, CHECK_PASS, "KVM runs at EL2 in %s mode (%s)", arm64_el2_text(b->el2),
			   b->evidence)->decisive = true;
	else if (b->el2 == ARM64_EL2_STARTED)
		diag_check(d, CHECK_ID_EL2, CHECK_PASS, "the CPUs started at EL2 (%s)", b->evidence);
	else if (b->el2 == ARM64_EL2_NOT_AVAILABLE)
		diag_check(d, CHECK_ID_EL2, CHECK_FAIL, "no EL2 for KVM: the kernel started at EL1 (%s)", b->evidence);
	else if (b->el2 == ARM64_EL2_DISABLED)
		diag_check(d, CHECK_ID_EL2, CHECK_FAIL, "KVM is disabled (%s)", b->evidence);
	else
		diag_check(d, CHECK_ID_EL2, CHECK_UNKNOWN, "whether the kernel got EL2 is not known: the kernel log %s%s",
			   b->log_error ? "could not be read: " : "does not say",
			   b->log_error ? strerror(b->log_error) : "");
	if (b->misc_kvm >= 0)
		diag_check(d, CHECK_ID_MISC, b->misc_kvm ? CHECK_PASS : CHECK_FAIL, "/proc/misc %s kvm (10:232)%s",
			   b->misc_kvm ? "lists" : "does not list",
			   b->misc_kvm ? "" : ": KVM did not initialize");
	if (b->machine != ARM64_MACHINE_UNKNOWN)
		diag_check(d, CHECK_ID_HYPERVISOR, CHECK_INFO, "%s: %s", b->machine == ARM64_MACHINE_VIRTUAL ?
			   "a virtual machine" : "bare metal", b->machine_evidence);
	diag_check(d, CHECK_ID_MODULES, CHECK_INFO, "KVM module: kvm %s", module_state_text(f->kvm.state));
}

static void arm64_checks(const struct host_facts *f, struct diagnosis *d)
{
	check_cpu(f, d);
	check_el2(f, d);
}

static bool arm64_disabled(const struct host_facts *f, struct diagnosis *d)
{
	const struct arm64_boot *b = &f->arm64_boot;

	if (b->el2 != ARM64_EL2_DISABLED)
		return false;
	diag_decisive(d, CHECK_ID_EL2);
	diag_conclude(d, VERDICT_UNUSABLE, REASON_DISABLED_BY_KERNEL,
		      "KVM is turned off on the kernel command line (kvm-arm.mode=none)");
	diag_hint(d, "Remove kvm-arm.mode=none from the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, "
		  "then update-grub) and reboot.");
	return true;
}

/* Without EL2 KVM cannot run: a virtual machine without nested
 * virtualization, or firmware that starts Linux at EL1. */
static bool arm64_cannot_run(const struct host_facts *f, struct diagnosis *d)
{
	const struct arm64_boot *b = &f->arm64_boot;
	bool no_el2 = b->el2 == ARM64_EL2_NOT_AVAILABLE ||
		      (b->el2 == ARM64_EL2_UNKNOWN && b->misc_kvm == 0 && b->machine == ARM64_MACHINE_VIRTUAL);

	if (!no_el2 || f->node.kind != KVM_NODE_ABSENT)
		return false;
	diag_decisive(d, CHECK_ID_EL2);
	diag_decisive(d, CHECK_ID_MISC);
	diag_decisive(d, CHECK_ID_HYPERVISOR);
	if (b->machine == ARM64_MACHINE_VIRTUAL) {
		diag_decisive(d, CHECK_ID_SETTING);
		diag_conclude(d, VERDICT_UNUSABLE, REASON_NO_CPU_SUPPORT,
			      "the kernel has no EL2: this is a virtual machine without nested virtualization");
		diag_advice(d, f, SITUATION_NO_VT);
	} else {
		diag_conclude(d, VERDICT_UNUSABLE, REASON_DISABLED_BY_FIRMWARE,
			      "the firmware or boot loader started the kernel at EL1, so KVM has no EL2");
		diag_hint(d, "Have the firmware or boot loader start Linux at EL2 (UEFI firmware and U-Boot normally do; "
			  "on some boards it is a setting, or needs a firmware update), then reboot.");
	}
	diag_hint_tcg(d);
	return true;
}

static void arm64_device_absent(const struct host_facts *f, struct diagnosis *d)
{
	const struct arm64_boot *b = &f->arm64_boot;

	if (diag_node_missing_registered(f, d))
		return;
	if (b->misc_kvm == 1 || arm64_kvm_initialized(b)) {
		diag_decisive(d, CHECK_ID_EL2);
		diag_conclude(d, VERDICT_UNUSABLE, REASON_NO_KVM_DEVICE, "KVM initialized (%s) but /dev/kvm does not exist",
			      b->misc_kvm == 1 ? "/proc/misc lists it" : arm64_el2_text(b->el2));
		diag_advice(d, f, SITUATION_NODE_MISSING);
		return;
	}
	diag_decisive(d, CHECK_ID_EL2);
	diag_decisive(d, CHECK_ID_MISC);
	if (b->el2 == ARM64_EL2_UNKNOWN && (b->log_error == EPERM || b->log_error == EACCES)) {
		diag_conclude(d, VERDICT_UNKNOWN, REASON_NEEDS_ROOT,
			      "KVM did not initialize, and why is in the kernel log, which only root may read");
		diag_hint(d, "Run kvm-ok as root (sudo kvm-ok) to read the kernel log.");
		return;
	}
	diag_conclude(d, VERDICT_UNUSABLE, REASON_NO_KVM_DEVICE, "KVM did not initialize, and the kernel log does not say why");
	diag_hint(d, "Look for the kernel's messages: dmesg | grep -i -e kvm -e EL2");
}

const struct arch_ops arch_arm64_ops = {
	.qemu = QEMU_SYSTEM_AARCH64,
	.gather = gather_arm64,
	.checks = arm64_checks,
	.disabled = arm64_disabled,
	.cannot_run = arm64_cannot_run,
	.device_absent = arm64_device_absent,
	.report_text = arm64_report_text,
	.report_json = arm64_report_json,
	.json_facts = arm64_json_facts,
	.readiness = arm64_readiness,
};
