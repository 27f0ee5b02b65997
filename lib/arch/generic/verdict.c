/* arch/generic/verdict.c - the other architectures (ppc64el, s390x,
 * riscv64, armhf...): no CPU or firmware checks, but no refusal either:
 * the device, its API version and KVM_CREATE_VM are checked as everywhere,
 * and the verdict says that the speed is not timed there */
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "json.h"
#include "verdict_build.h"
#include "text_line.h"

/* The module that provides KVM: POWER's kvm_hv (or kvm_pr), else kvm. */
static const char *kvm_module(const struct host_facts *f)
{
	return strncmp(f->arch_name, "ppc", 3) == 0 ? "kvm_hv" : "kvm";
}

static void gather_generic(const struct sysroot *root, struct host_facts *f)
{
	module_probe(root, "kvm", &f->kvm);
	if (strcmp(kvm_module(f), "kvm") != 0)
		module_probe(root, kvm_module(f), &f->vendor_module);
}

static void generic_checks(const struct host_facts *f, struct diagnosis *d)
{
	diag_check(d, CHECK_ID_CPU, CHECK_SKIP, "architecture %s: kvm-ok checks the CPU and firmware on x86-64 and arm64 only",
		   f->arch_name);
	diag_check(d, CHECK_ID_MODULES, CHECK_INFO, "KVM modules: kvm %s%s%s%s", module_state_text(f->kvm.state),
		   f->vendor_module.name ? "; " : "", f->vendor_module.name ? f->vendor_module.name : "",
		   f->vendor_module.name ? (module_is_loaded(&f->vendor_module) ? " loaded" : " not loaded") : "");
}

static bool generic_no(const struct host_facts *f, struct diagnosis *d)
{
	(void)f;
	(void)d;
	return false;
}

/* A 32-bit ARM kernel (armv7l, armv6l...; armv8l is an arm64 kernel's)
 * of Linux 5.7 or later, which has no KVM for those hosts. */
static bool arm32_kernel_without_kvm(const struct host_facts *f)
{
	const struct kernel_release *k = &f->kernel;

	return strncmp(f->arch_name, "arm", 3) == 0 && k->known && (k->major > 5 || (k->major == 5 && k->minor >= 7));
}

static void generic_device_absent(const struct host_facts *f, struct diagnosis *d)
{
	bool loaded = module_is_loaded(&f->kvm) && (!f->vendor_module.name || module_is_loaded(&f->vendor_module));

	if (diag_node_missing_registered(f, d))
		return;
	if (arm32_kernel_without_kvm(f)) {
		diag_conclude(d, VERDICT_UNUSABLE, REASON_UNSUPPORTED_ARCH, "this 32-bit ARM kernel (%s) has no KVM: "
			      "Linux dropped KVM for 32-bit ARM hosts in 5.7", f->arch_name);
		diag_hint(d, "KVM needs a 64-bit kernel: on an ARMv8 CPU install Debian's arm64 kernel "
			  "(linux-image-arm64; 32-bit programs keep running on it where the CPU runs AArch32 code); "
			  "ARMv7 CPUs cannot run KVM with a current kernel");
		return;
	}
	diag_decisive(d, CHECK_ID_MODULES);
	if (loaded) {
		diag_conclude(d, VERDICT_UNUSABLE, REASON_NO_KVM_DEVICE, "KVM is loaded but /dev/kvm does not exist");
		diag_advice(d, f, SITUATION_NODE_MISSING);
		return;
	}
	diag_conclude(d, VERDICT_UNUSABLE, REASON_MODULE_NOT_LOADED, "%s is not loaded, so there is no /dev/kvm",
		      kvm_module(f));
	diag_hint(d, "Load it as root: modprobe %s%s; if that fails, the kernel's messages say why: dmesg | grep -i kvm",
		  kvm_module(f), strncmp(f->arch_name, "ppc", 3) == 0 ? " (or kvm_pr, without hypervisor mode)" : "");
}

static void generic_report_text(FILE *out, const struct host_facts *f, const struct diagnosis *d)
{
	(void)d;
	text_line(out, "CPU: architecture %s, not examined", f->arch_name);
}

static void generic_report_json(FILE *out, const struct host_facts *f, const struct diagnosis *d, bool *first)
{
	(void)d;
	json_kv_string(out, "architecture", f->arch_name, first);
}

const struct arch_ops arch_generic_ops = {
	.qemu = NULL,
	.gather = gather_generic,
	.checks = generic_checks,
	.disabled = generic_no,
	.cannot_run = generic_no,
	.device_absent = generic_device_absent,
	.report_text = generic_report_text,
	.report_json = generic_report_json,
	.readiness = generic_readiness,
};
