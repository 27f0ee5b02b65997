/* arch/x86_64/verdict.c - what decides on an x86-64 host: CPUID's VMX or
 * SVM, /proc/cpuinfo, the firmware's lock MSRs, the vendor module, checked
 * and decided; its struct arch_ops (gathered in gather.c, printed in
 * report.c)
 *
 * It reads a host's data only (a snapshot of an x86 host replays on any
 * build that reads its CPUID dump).
 */
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "verdict_build.h"
#include "x86_64.h"

static const char *vt_name(const struct host_facts *f)
{
	return cpu_vt_name(f->cpu.vt_kind);
}

static void check_cpu(const struct host_facts *f, struct diagnosis *d)
{
	const struct cpu_identity *c = &f->cpu;

	if (!c->known) {
		diag_check(d, CHECK_ID_CPU, CHECK_UNKNOWN, "CPUID could not be read: %s", c->error);
		diag_check(d, CHECK_ID_CPUID_VT, CHECK_UNKNOWN, "CPUID unknown: VMX/SVM support not known");
		return;
	}
	diag_check(d, CHECK_ID_CPU, CHECK_INFO, "CPU: %s (%s, family %d, model %d, stepping %d)",
		  c->brand[0] ? c->brand : "unnamed", c->vendor, c->family, c->model, c->stepping);
	if (c->vt_kind == CPU_VT_NONE)
		diag_check(d, CHECK_ID_CPUID_VT, CHECK_FAIL,
			  "CPU vendor \"%s\" has no KVM support (KVM knows Intel, AMD, Hygon, Centaur and Zhaoxin)",
			  c->vendor);
	else if (c->has_vt)
		diag_check(d, CHECK_ID_CPUID_VT, CHECK_PASS, "CPUID: the CPU supports %s%s", vt_name(f),
			  c->vt_kind == CPU_VT_SVM ? (c->has_npt ? ", with nested paging (NPT)" : ", without nested paging (NPT)") : "");
	else
		diag_check(d, CHECK_ID_CPUID_VT, CHECK_FAIL, "CPUID: the CPU does not report %s", vt_name(f));
}

static void check_cpuinfo(const struct host_facts *f, struct diagnosis *d)
{
	const struct cpuinfo *ci = &f->cpuinfo;
	const char *flag = cpu_vt_flag(f->cpu.vt_kind);
	int with;

	if (!ci->readable || ci->cpus == 0) {
		diag_check(d, CHECK_ID_CPUINFO_VT, CHECK_UNKNOWN, "%s", ci->error);
		return;
	}
	if (!flag) {
		diag_check(d, CHECK_ID_CPUINFO_VT, CHECK_SKIP, "/proc/cpuinfo: %d CPUs, vmx on %d, svm on %d",
			  ci->cpus, ci->with_vmx, ci->with_svm);
		return;
	}
	if (ci->cpus_with_flags == 0) {
		diag_check(d, CHECK_ID_CPUINFO_VT, CHECK_UNKNOWN, "/proc/cpuinfo: %d CPUs but no flags line", ci->cpus);
		return;
	}
	with = f->cpu.vt_kind == CPU_VT_VMX ? ci->with_vmx : ci->with_svm;
	if (with == ci->cpus)
		diag_check(d, CHECK_ID_CPUINFO_VT, CHECK_PASS, "/proc/cpuinfo: %s flag on all %d CPU%s", flag, ci->cpus,
			  ci->cpus == 1 ? "" : "s");
	else if (with == 0)
		diag_check(d, CHECK_ID_CPUINFO_VT, CHECK_FAIL, "/proc/cpuinfo: no %s flag on any of %d CPU%s", flag, ci->cpus,
			  ci->cpus == 1 ? "" : "s");
	else
		diag_check(d, CHECK_ID_CPUINFO_VT, CHECK_WARN, "/proc/cpuinfo: %s flag on %d of %d CPUs (%s)", flag, with,
			  ci->cpus, ci->mixed);
}

static bool cpuinfo_hides_vt(const struct host_facts *f)
{
	const struct cpuinfo *ci = &f->cpuinfo;
	int with = f->cpu.vt_kind == CPU_VT_VMX ? ci->with_vmx : ci->with_svm;

	return ci->readable && ci->cpus_with_flags > 0 && with < ci->cpus_with_flags;
}

static bool cpuinfo_shows_vt(const struct host_facts *f)
{
	const struct cpuinfo *ci = &f->cpuinfo;
	int with = f->cpu.vt_kind == CPU_VT_VMX ? ci->with_vmx : ci->with_svm;

	return ci->readable && ci->cpus_with_flags > 0 && with == ci->cpus_with_flags;
}

static void check_kernel(const struct host_facts *f, struct diagnosis *d)
{
	if (!f->kernel.known) {
		diag_check(d, CHECK_ID_KERNEL, CHECK_UNKNOWN, "/proc/sys/kernel/osrelease: unreadable or malformed");
		return;
	}
	if (f->cpu.vt_kind == CPU_VT_NONE) {
		diag_check(d, CHECK_ID_KERNEL, CHECK_INFO, "kernel %s", f->kernel.release);
		return;
	}
	diag_check(d, CHECK_ID_KERNEL, CHECK_INFO, "kernel %s %s the %s flag from /proc/cpuinfo when firmware disables %s",
		  f->kernel.release, kernel_hides_disabled_vt(&f->kernel, f->cpu.vt_kind) ? "removes" : "does not remove",
		  cpu_vt_flag(f->cpu.vt_kind), vt_name(f));
}

static const char *firmware_text(enum firmware_vt fw, enum cpu_vt_kind kind)
{
	switch (fw) {
	case FIRMWARE_VT_ENABLED:
		return "locked, enabled";
	case FIRMWARE_VT_UNLOCKED:
		return kind == CPU_VT_VMX ? "not locked (the kernel enables and locks it)" : "not locked, enabled";
	case FIRMWARE_VT_DISABLED:
		return "DISABLED by firmware";
	case FIRMWARE_VT_TXT_ONLY:
		return "enabled only inside SMX (TXT measured launch), disabled otherwise";
	case FIRMWARE_VT_UNKNOWN:
		break;
	}
	return "unknown";
}

static void check_firmware(const struct host_facts *f, struct diagnosis *d)
{
	const struct firmware_state *fw = &f->firmware;
	const char *msr_name = f->cpu.vt_kind == CPU_VT_VMX ? "IA32_FEATURE_CONTROL" : "VM_CR";

	if (!f->cpu.known) {
		diag_check(d, CHECK_ID_FIRMWARE, CHECK_UNKNOWN, "firmware lock bits not read: CPUID is unknown");
		return;
	}
	if (!f->cpu.has_vt) {
		diag_check(d, CHECK_ID_FIRMWARE, CHECK_SKIP, "firmware lock bits not read: the CPU reports no VMX/SVM");
		return;
	}
	if (fw->cpus_read == 0) {
		diag_check(d, CHECK_ID_FIRMWARE, CHECK_UNKNOWN, "%s (MSR %#x) not read: /dev/cpu/%d/msr: %s",
			  msr_name, fw->msr, fw->first.cpu, msr_status_text(fw->first.status, fw->first.error));
		return;
	}
	if (fw->cpus_disabled > 0)
		diag_check(d, CHECK_ID_FIRMWARE, CHECK_FAIL, "%s (MSR %#x) = %#llx on CPU %d: %s%s (%d of %d CPUs read)",
			  msr_name, fw->msr, (unsigned long long)fw->first.value, fw->first_disabled_cpu,
			  firmware_text(fw->verdict, f->cpu.vt_kind), fw->tboot ? ", tboot active" : "",
			  fw->cpus_disabled, fw->cpus_read);
	else
		diag_check(d, CHECK_ID_FIRMWARE, CHECK_PASS, "%s (MSR %#x) = %#llx on CPU %d: %s%s (%d CPUs read)",
			  msr_name, fw->msr, (unsigned long long)fw->first.value, fw->first.cpu,
			  firmware_text(fw->verdict, f->cpu.vt_kind), fw->tboot ? ", tboot active" : "",
			  fw->cpus_read);
}

static void check_hypervisor(const struct host_facts *f, struct diagnosis *d)
{
	const struct cpu_identity *c = &f->cpu;
	const char *name;

	if (!c->known)
		return;
	if (!c->hypervisor_bit) {
		diag_check(d, CHECK_ID_HYPERVISOR, CHECK_INFO, "not running under a hypervisor (CPUID)");
		return;
	}
	if (!c->hypervisor_leaf_known) {
		diag_check(d, CHECK_ID_HYPERVISOR, CHECK_INFO, "running under a hypervisor (signature not recorded)");
		return;
	}
	name = cpu_hypervisor_name(c->hypervisor_signature);
	diag_check(d, CHECK_ID_HYPERVISOR, CHECK_INFO, "running under a hypervisor: %s (signature \"%s\")",
		  name ? name : "unknown", c->hypervisor_signature);
}


static void describe_module(const struct module_info *m, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s %s", m->name, module_state_text(m->state));

	if (m->nested[0] && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " (nested=%s)", m->nested);
}

static void check_modules(const struct host_facts *f, struct diagnosis *d)
{
	char kvm[80], vendor[80] = "", pvm[120] = "";

	if (f->kvm.state == MODULE_HIDDEN) {
		diag_check(d, CHECK_ID_MODULES, CHECK_INFO, "KVM modules: unknown: /sys/module is not visible here "
			   "(systemd-nspawn shows none); the device decides");
		return;
	}
	describe_module(&f->kvm, kvm, sizeof(kvm));
	if (f->vendor_module.name)
		describe_module(&f->vendor_module, vendor, sizeof(vendor));
	if (f->pvm.state != MODULE_ABSENT)
		snprintf(pvm, sizeof(pvm), "; kvm_pvm %s (PVM: /dev/kvm without VMX/SVM)",
			 module_state_text(f->pvm.state));
	diag_check(d, CHECK_ID_MODULES, f->vendor_module.name && !module_is_loaded(&f->vendor_module) &&
		  f->pvm.state == MODULE_ABSENT ? CHECK_FAIL : CHECK_INFO,
		  "KVM modules: %s%s%s%s", kvm, vendor[0] ? "; " : "", vendor, pvm);
}


static void hint_firmware(const struct host_facts *f, struct diagnosis *d)
{
	if (f->firmware.verdict == FIRMWARE_VT_TXT_ONLY)
		diag_hint(d, "The firmware enabled VT-x only for TXT (trusted execution): in firmware setup enable "
			"\"Intel Virtualization Technology\" itself, or boot through tboot; then power the machine off and on.");
	else
		diag_hint(d, "Enter the firmware (BIOS/UEFI) setup, enable %s, save, then power the machine off and on "
			"again (the setting is locked until a full power cycle).",
		     f->cpu.vt_kind == CPU_VT_VMX ? "\"Intel Virtualization Technology\" (VT-x)"
						  : "\"SVM Mode\" (AMD-V)");
}


static bool firmware_disabled(const struct host_facts *f)
{
	if (!f->cpu.known || !f->cpu.has_vt)
		return false;
	if (f->firmware.verdict == FIRMWARE_VT_DISABLED || f->firmware.verdict == FIRMWARE_VT_TXT_ONLY)
		return true;
	/* a kernel that hides the flag when firmware disabled VT, and hid it */
	return f->firmware.cpus_read == 0 && kernel_hides_disabled_vt(&f->kernel, f->cpu.vt_kind) &&
	       cpuinfo_hides_vt(f);
}

/* The lock bits could not be read and nothing else tells whether the
 * firmware disabled VT. */
static bool firmware_unknown(const struct host_facts *f)
{
	if (!f->cpu.known || !f->cpu.has_vt || f->firmware.cpus_read > 0)
		return false;
	return !(cpuinfo_shows_vt(f) && kernel_hides_disabled_vt(&f->kernel, f->cpu.vt_kind));
}

static void decide_device_absent(const struct host_facts *f, struct diagnosis *d)
{
	const char *mod = f->vendor_module.name;

	if ((mod && module_is_loaded(&f->vendor_module)) || module_is_loaded(&f->pvm)) {
		diag_decisive(d, CHECK_ID_MODULES);
		diag_conclude(d, VERDICT_UNUSABLE, REASON_NO_KVM_DEVICE, "%s is loaded but /dev/kvm does not exist",
			 mod && module_is_loaded(&f->vendor_module) ? mod : "kvm_pvm");
		diag_advice(d, f, SITUATION_NODE_MISSING);
		return;
	}
	if (diag_node_missing_registered(f, d))
		return;
	diag_decisive(d, CHECK_ID_MODULES);
	diag_decisive(d, CHECK_ID_FIRMWARE);
	if (firmware_unknown(f) && f->firmware.first.status == MSR_NO_PERMISSION) {
		diag_conclude(d, VERDICT_UNKNOWN, REASON_NEEDS_ROOT,
			 "%s is not loaded, and whether the firmware disabled %s can only be read as root",
			 mod, vt_name(f));
		diag_hint(d, "Run kvm-ok as root (sudo kvm-ok) to read the firmware lock bits.");
		diag_advice(d, f, SITUATION_MODULE_NOT_LOADED);
		return;
	}
	diag_conclude(d, VERDICT_UNUSABLE, REASON_MODULE_NOT_LOADED, "%s is not loaded, so there is no /dev/kvm",
		 mod ? mod : "the KVM module");
	diag_advice(d, f, SITUATION_MODULE_NOT_LOADED);
	if (firmware_unknown(f) && f->firmware.first.status == MSR_NO_DEVICE)
		diag_advice(d, f, SITUATION_FIRMWARE_UNREAD);
}


/* CPUID, cpuinfo, the firmware's lock MSRs, the vendor module. */

static void x86_checks(const struct host_facts *f, struct diagnosis *d)
{
	check_cpu(f, d);
	check_cpuinfo(f, d);
	check_hypervisor(f, d);
	check_kernel(f, d);
	check_firmware(f, d);
	check_modules(f, d);
}

static bool x86_disabled(const struct host_facts *f, struct diagnosis *d)
{
	if (!firmware_disabled(f))
		return false;
	diag_decisive(d, CHECK_ID_CPUID_VT);
	diag_decisive(d, CHECK_ID_CPUINFO_VT);
	diag_decisive(d, CHECK_ID_FIRMWARE);
	diag_conclude(d, VERDICT_UNUSABLE, REASON_DISABLED_BY_FIRMWARE,
		      "the CPU supports %s but the firmware disabled it", vt_name(f));
	hint_firmware(f, d);
	return true;
}

static bool x86_cannot_run(const struct host_facts *f, struct diagnosis *d)
{
	bool device_present = kvm_node_present(&f->node);

	if (!f->cpu.known || f->cpu.has_vt || (device_present && host_may_have_pvm(f)))
		return false;
	diag_decisive(d, CHECK_ID_CPUID_VT);
	diag_decisive(d, CHECK_ID_CPUINFO_VT);
	diag_decisive(d, CHECK_ID_HYPERVISOR);
	if (host_is_virtual_machine(f))
		diag_decisive(d, CHECK_ID_SETTING);	/* whose VM: a cloud's, or the user's own */
	diag_conclude(d, VERDICT_UNUSABLE, REASON_NO_CPU_SUPPORT, "the CPU has no %s%s", vt_name(f),
		      f->cpu.hypervisor_bit ? " (this is a virtual machine without nested virtualization)" : "");
	diag_advice(d, f, SITUATION_NO_VT);
	diag_hint_tcg(d);
	return true;
}

const struct arch_ops arch_x86_64_ops = {
	.qemu = QEMU_SYSTEM_X86_64,
	.gather = x86_64_gather,
	.checks = x86_checks,
	.disabled = x86_disabled,
	.cannot_run = x86_cannot_run,
	.device_absent = decide_device_absent,
	.report_text = x86_64_report_text,
	.report_json = x86_64_report_json,
	.json_facts = x86_64_json_facts,
	.readiness = x86_readiness,
};
