/* verdict.c - checks, verdict, reason and hints from the gathered facts */
#include "verdict.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "advice.h"
#include "errno_name.h"

static const char *const reason_names[] = {
	[REASON_USABLE] = "usable",
	[REASON_NO_CPU_SUPPORT] = "no-cpu-support",
	[REASON_DISABLED_BY_FIRMWARE] = "disabled-by-firmware",
	[REASON_NO_KVM_DEVICE] = "no-kvm-device",
	[REASON_MODULE_NOT_LOADED] = "module-not-loaded",
	[REASON_DEVICE_PERMISSION] = "device-permission",
	[REASON_DEVICE_NOT_KVM] = "device-not-kvm",
	[REASON_DEVICE_BROKEN] = "device-broken",
	[REASON_NOT_ACCELERATED] = "not-accelerated",
	[REASON_NEEDS_ROOT] = "needs-root",
	[REASON_UNSUPPORTED_ARCH] = "unsupported-arch",
	[REASON_NOT_PROBED] = "not-probed",
	[REASON_HOST_BUSY] = "host-busy",
};

const char *reason_name(enum reason r)
{
	return reason_names[r];
}

const char *verdict_name(enum verdict v)
{
	return v == VERDICT_USABLE ? "usable" : v == VERDICT_UNUSABLE ? "unusable" : "unknown";
}

const char *check_state_name(enum check_state s)
{
	static const char *const names[] = { "pass", "fail", "warn", "info", "unknown", "skip" };

	return names[s];
}

int verdict_exit_status(enum verdict v)
{
	return v == VERDICT_USABLE ? 0 : v == VERDICT_UNUSABLE ? 1 : 2;
}

__attribute__((format(printf, 4, 5)))
static struct check *add_check(struct diagnosis *d, const char *name, enum check_state state,
			       const char *fmt, ...)
{
	struct check *c = &d->checks[d->nchecks < DIAGNOSIS_MAX_CHECKS ? d->nchecks++ : DIAGNOSIS_MAX_CHECKS - 1];
	va_list ap;

	c->name = name;
	c->state = state;
	c->decisive = false;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	return c;
}

static struct check *find_check(struct diagnosis *d, const char *name)
{
	for (int i = 0; i < d->nchecks; i++)
		if (strcmp(d->checks[i].name, name) == 0)
			return &d->checks[i];
	return NULL;
}

static void show(struct diagnosis *d, const char *name)
{
	struct check *c = find_check(d, name);

	if (c)
		c->decisive = true;
}

__attribute__((format(printf, 2, 3)))
static void hint(struct diagnosis *d, const char *fmt, ...)
{
	va_list ap;

	if (d->nhints == DIAGNOSIS_MAX_HINTS)
		return;
	va_start(ap, fmt);
	vsnprintf(d->hints[d->nhints++], CHECK_DETAIL_MAX, fmt, ap);
	va_end(ap);
}

/* The hints of the setting kvm-ok runs in (lib/setting/) for a situation. */
static void hint_for(struct diagnosis *d, const struct host_facts *f, enum situation situation)
{
	struct advice_request q = { .situation = situation, .f = f };
	struct advice a;

	advise(&q, &a);
	for (int i = 0; i < a.n; i++)
		hint(d, "%s", a.line[i]);
}

__attribute__((format(printf, 4, 5)))
static void conclude(struct diagnosis *d, enum verdict v, enum reason r, const char *fmt, ...)
{
	va_list ap;

	d->verdict = v;
	d->reason = r;
	va_start(ap, fmt);
	vsnprintf(d->summary, sizeof(d->summary), fmt, ap);
	va_end(ap);
}

/* ---- facts as checks ---------------------------------------------------- */

static const char *vt_name(const struct host_facts *f)
{
	return cpu_vt_name(f->cpu.vt_kind);
}

static void check_cpu(const struct host_facts *f, struct diagnosis *d)
{
	const struct cpu_identity *c = &f->cpu;

	if (!c->known) {
		add_check(d, "cpu", CHECK_UNKNOWN, "CPUID could not be read: %s", c->error);
		add_check(d, "cpuid-vt", CHECK_UNKNOWN, "CPUID unknown: VMX/SVM support not known");
		return;
	}
	add_check(d, "cpu", CHECK_INFO, "CPU: %s (%s, family %d, model %d, stepping %d)",
		  c->brand[0] ? c->brand : "unnamed", c->vendor, c->family, c->model, c->stepping);
	if (c->vt_kind == CPU_VT_NONE)
		add_check(d, "cpuid-vt", CHECK_FAIL,
			  "CPU vendor \"%s\" has no KVM support (KVM knows Intel, AMD, Hygon, Centaur and Zhaoxin)",
			  c->vendor);
	else if (c->has_vt)
		add_check(d, "cpuid-vt", CHECK_PASS, "CPUID: the CPU supports %s%s", vt_name(f),
			  c->vt_kind == CPU_VT_SVM ? (c->has_npt ? ", with nested paging (NPT)" : ", without nested paging (NPT)") : "");
	else
		add_check(d, "cpuid-vt", CHECK_FAIL, "CPUID: the CPU does not report %s", vt_name(f));
}

static void check_cpuinfo(const struct host_facts *f, struct diagnosis *d)
{
	const struct cpuinfo *ci = &f->cpuinfo;
	const char *flag = cpu_vt_flag(f->cpu.vt_kind);
	int with;

	if (!ci->readable || ci->cpus == 0) {
		add_check(d, "cpuinfo-vt", CHECK_UNKNOWN, "%s", ci->error);
		return;
	}
	if (!flag) {
		add_check(d, "cpuinfo-vt", CHECK_SKIP, "/proc/cpuinfo: %d CPUs, vmx on %d, svm on %d",
			  ci->cpus, ci->with_vmx, ci->with_svm);
		return;
	}
	if (ci->cpus_with_flags == 0) {
		add_check(d, "cpuinfo-vt", CHECK_UNKNOWN, "/proc/cpuinfo: %d CPUs but no flags line", ci->cpus);
		return;
	}
	with = f->cpu.vt_kind == CPU_VT_VMX ? ci->with_vmx : ci->with_svm;
	if (with == ci->cpus)
		add_check(d, "cpuinfo-vt", CHECK_PASS, "/proc/cpuinfo: %s flag on all %d CPU%s", flag, ci->cpus,
			  ci->cpus == 1 ? "" : "s");
	else if (with == 0)
		add_check(d, "cpuinfo-vt", CHECK_FAIL, "/proc/cpuinfo: no %s flag on any of %d CPU%s", flag, ci->cpus,
			  ci->cpus == 1 ? "" : "s");
	else
		add_check(d, "cpuinfo-vt", CHECK_WARN, "/proc/cpuinfo: %s flag on %d of %d CPUs (%s)", flag, with,
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
		add_check(d, "kernel", CHECK_UNKNOWN, "/proc/sys/kernel/osrelease: unreadable or malformed");
		return;
	}
	if (f->cpu.vt_kind == CPU_VT_NONE) {
		add_check(d, "kernel", CHECK_INFO, "kernel %s", f->kernel.release);
		return;
	}
	add_check(d, "kernel", CHECK_INFO, "kernel %s %s the %s flag from /proc/cpuinfo when firmware disables %s",
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
		add_check(d, "firmware", CHECK_UNKNOWN, "firmware lock bits not read: CPUID is unknown");
		return;
	}
	if (!f->cpu.has_vt) {
		add_check(d, "firmware", CHECK_SKIP, "firmware lock bits not read: the CPU reports no VMX/SVM");
		return;
	}
	if (fw->cpus_read == 0) {
		add_check(d, "firmware", CHECK_UNKNOWN, "%s (MSR %#x) not read: /dev/cpu/%d/msr: %s",
			  msr_name, fw->msr, fw->first.cpu, msr_status_text(fw->first.status, fw->first.error));
		return;
	}
	if (fw->cpus_disabled > 0)
		add_check(d, "firmware", CHECK_FAIL, "%s (MSR %#x) = %#llx on CPU %d: %s%s (%d of %d CPUs read)",
			  msr_name, fw->msr, (unsigned long long)fw->first.value, fw->first_disabled_cpu,
			  firmware_text(fw->verdict, f->cpu.vt_kind), fw->tboot ? ", tboot active" : "",
			  fw->cpus_disabled, fw->cpus_read);
	else
		add_check(d, "firmware", CHECK_PASS, "%s (MSR %#x) = %#llx on CPU %d: %s%s (%d CPUs read)",
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
		add_check(d, "hypervisor", CHECK_INFO, "not running under a hypervisor (CPUID)");
		return;
	}
	if (!c->hypervisor_leaf_known) {
		add_check(d, "hypervisor", CHECK_INFO, "running under a hypervisor (signature not recorded)");
		return;
	}
	name = cpu_hypervisor_name(c->hypervisor_signature);
	add_check(d, "hypervisor", CHECK_INFO, "running under a hypervisor: %s (signature \"%s\")",
		  name ? name : "unknown", c->hypervisor_signature);
}

static void check_setting(const struct host_facts *f, struct diagnosis *d)
{
	char text[CHECK_DETAIL_MAX - 16];

	setting_describe(&f->setting, f->cpu.known && f->cpu.hypervisor_bit, text, sizeof(text));
	add_check(d, "setting", CHECK_INFO, "setting: %s", text);
}

/* Where the fix depends on the setting, the setting is part of the why. */
static bool setting_matters(const struct host_facts *f)
{
	return f->setting.runtime != RUNTIME_NONE || f->setting.wsl2 || f->setting.ci != CI_NONE;
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

	describe_module(&f->kvm, kvm, sizeof(kvm));
	if (f->vendor_module.name)
		describe_module(&f->vendor_module, vendor, sizeof(vendor));
	if (f->pvm.state != MODULE_ABSENT)
		snprintf(pvm, sizeof(pvm), "; kvm_pvm %s (PVM: /dev/kvm without VMX/SVM)",
			 module_state_text(f->pvm.state));
	add_check(d, "modules", f->vendor_module.name && !module_is_loaded(&f->vendor_module) &&
		  f->pvm.state == MODULE_ABSENT ? CHECK_FAIL : CHECK_INFO,
		  "KVM modules: %s%s%s%s", kvm, vendor[0] ? "; " : "", vendor, pvm);
}

static void check_device(const struct host_facts *f, struct diagnosis *d)
{
	const struct kvm_node *n = &f->node;
	char desc[200];

	switch (n->kind) {
	case KVM_NODE_ABSENT:
		add_check(d, "device", CHECK_FAIL, "/dev/kvm does not exist");
		return;
	case KVM_NODE_DANGLING:
		add_check(d, "device", CHECK_FAIL, "/dev/kvm is a symlink to \"%s\", which does not exist", n->target);
		return;
	case KVM_NODE_LOOP:
		add_check(d, "device", CHECK_FAIL, "/dev/kvm is a symlink loop (\"%s\")", n->target);
		return;
	case KVM_NODE_WRONG_TYPE:
		add_check(d, "device", CHECK_FAIL, "/dev/kvm is a %s, not a character device", n->type);
		return;
	case KVM_NODE_ERROR:
		add_check(d, "device", CHECK_UNKNOWN, "/dev/kvm: %s", strerror(n->error));
		return;
	case KVM_NODE_CHAR:
	case KVM_NODE_STANDIN:
		break;
	}
	kvm_node_describe(n, desc, sizeof(desc));
	if (n->kind == KVM_NODE_CHAR && (n->major != KVM_DEVICE_MAJOR || n->minor != KVM_DEVICE_MINOR))
		add_check(d, "device", CHECK_WARN, "/dev/kvm: %s, device %u:%u (KVM is %d:%d)%s%s", desc,
			  n->major, n->minor, KVM_DEVICE_MAJOR, KVM_DEVICE_MINOR,
			  n->is_symlink ? ", symlink to " : "", n->is_symlink ? n->target : "");
	else
		add_check(d, "device", CHECK_PASS, "/dev/kvm exists: %s%s%s", desc,
			  n->is_symlink ? ", symlink to " : "", n->is_symlink ? n->target : "");
}

static void check_probe(const struct host_facts *f, struct diagnosis *d)
{
	const struct kvm_probe *p = &f->probe;
	const char *src = p->from_record ? " (recorded)" : "";

	if (!p->ran) {
		if (p->record_error[0])
			add_check(d, "probe", CHECK_UNKNOWN, "no probe outcome: %s", p->record_error);
		else if (!f->probe_requested)
			add_check(d, "probe", CHECK_SKIP, "functional and speed probe not run (--no-probe)");
		return;
	}
	if (p->timed_out && p->host_busy) {
		add_check(d, "probe", CHECK_UNKNOWN, "/dev/kvm not proven: %s", p->detail);
		return;
	}
	if (p->timed_out) {
		add_check(d, "probe", CHECK_FAIL, "/dev/kvm hangs: %s", p->detail);
		return;
	}
	if (p->failed_step == PROBE_OPEN) {
		if (p->error == EPERM)
			add_check(d, "device-access", CHECK_FAIL,
				  "/dev/kvm: cannot open read-write: %s (EPERM: a device cgroup, seccomp or a security "
				  "module refuses it, not the mode; %s:%s %04o)",
				  strerror(p->error), f->node.owner, f->node.group, (unsigned int)f->node.mode);
		else if (p->error == EACCES)
			add_check(d, "device-access", CHECK_FAIL,
				  "/dev/kvm: cannot open read-write: %s (group %s, mode %04o; %s %s a member)",
				  strerror(p->error), f->node.group, (unsigned int)f->node.mode,
				  f->node.user, f->node.in_group ? "is" : "is not");
		else
			add_check(d, "device-access", CHECK_FAIL, "/dev/kvm: cannot open read-write: %s%s",
				  strerror(p->error), src);
		return;
	}
	add_check(d, "device-access", CHECK_PASS, "/dev/kvm opened read-write");
	if (p->failed_step == PROBE_API_VERSION) {
		if (p->api_version < 0)
			add_check(d, "api-version", CHECK_FAIL, "KVM_GET_API_VERSION failed: %s (%s)%s",
				  strerror(p->error), errno_name(p->error), src);
		else
			add_check(d, "api-version", CHECK_FAIL, "KVM_GET_API_VERSION answered %d, expected %d%s",
				  p->api_version, KVM_API_VERSION_EXPECTED, src);
		return;
	}
	add_check(d, "api-version", CHECK_PASS, "KVM_GET_API_VERSION: %d", p->api_version);
	if (p->failed_step == PROBE_CREATE_VM) {
		add_check(d, "create-vm", CHECK_FAIL, "KVM_CREATE_VM failed: %s (%s)%s", strerror(p->error),
			  errno_name(p->error), src);
		return;
	}
	add_check(d, "create-vm", CHECK_PASS, "KVM_CREATE_VM succeeded");
	if (p->failed_step == PROBE_GUEST) {
		add_check(d, "acceleration", CHECK_FAIL, "the test guest failed: %s: %s%s", p->detail,
			  p->error ? strerror(p->error) : "error", src);
		return;
	}
	add_check(d, "acceleration", kvm_probe_accelerated(p) ? CHECK_PASS : CHECK_FAIL,
		  "test loop: %s%.*f ns per iteration in a KVM guest, %.2f ns natively: %s%.*fx%s%s",
		  p->guest.finished ? "" : "more than ", p->guest.ns_per_iteration >= 100 ? 0 : 2,
		  p->guest.ns_per_iteration, p->native.ns_per_iteration,
		  p->guest.finished ? "" : "over ", p->slowdown >= 100 ? 0 : 1, p->slowdown,
		  kvm_probe_accelerated(p) ? " (accelerated)" : " slower than native: NOT accelerated", src);
}

/* ---- hints ---------------------------------------------------------------- */

static void hint_tcg(struct diagnosis *d)
{
	hint(d, "Guests can still run without KVM under QEMU's TCG emulation (-accel tcg), much more slowly.");
}

static void hint_firmware(const struct host_facts *f, struct diagnosis *d)
{
	if (f->firmware.verdict == FIRMWARE_VT_TXT_ONLY)
		hint(d, "The firmware enabled VT-x only for TXT (trusted execution): in firmware setup enable "
			"\"Intel Virtualization Technology\" itself, or boot through tboot; then power the machine off and on.");
	else
		hint(d, "Enter the firmware (BIOS/UEFI) setup, enable %s, save, then power the machine off and on "
			"again (the setting is locked until a full power cycle).",
		     f->cpu.vt_kind == CPU_VT_VMX ? "\"Intel Virtualization Technology\" (VT-x)"
						  : "\"SVM Mode\" (AMD-V)");
}

/* ---- the decision ------------------------------------------------------------ */

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
		show(d, "modules");
		conclude(d, VERDICT_UNUSABLE, REASON_NO_KVM_DEVICE, "%s is loaded but /dev/kvm does not exist",
			 mod && module_is_loaded(&f->vendor_module) ? mod : "kvm_pvm");
		hint_for(d, f, SITUATION_NODE_MISSING);
		return;
	}
	if (f->setting.kvm_registered) {
		show(d, "setting");
		conclude(d, VERDICT_UNUSABLE, REASON_NO_KVM_DEVICE,
			 "the kernel has the KVM device (10:232) but /dev/kvm does not exist here");
		hint_for(d, f, SITUATION_NODE_MISSING);
		return;
	}
	show(d, "modules");
	show(d, "firmware");
	if (firmware_unknown(f) && f->firmware.first.status == MSR_NO_PERMISSION) {
		conclude(d, VERDICT_UNKNOWN, REASON_NEEDS_ROOT,
			 "%s is not loaded, and whether the firmware disabled %s can only be read as root",
			 mod, vt_name(f));
		hint(d, "Run kvm-ok as root (sudo kvm-ok) to read the firmware lock bits.");
		hint_for(d, f, SITUATION_MODULE_NOT_LOADED);
		return;
	}
	conclude(d, VERDICT_UNUSABLE, REASON_MODULE_NOT_LOADED, "%s is not loaded, so there is no /dev/kvm",
		 mod ? mod : "the KVM module");
	hint_for(d, f, SITUATION_MODULE_NOT_LOADED);
	if (firmware_unknown(f) && f->firmware.first.status == MSR_NO_DEVICE)
		hint_for(d, f, SITUATION_FIRMWARE_UNREAD);
}

static void decide_device_failure(const struct host_facts *f, struct diagnosis *d)
{
	const struct kvm_probe *p = &f->probe;

	if (p->timed_out && p->host_busy) {
		show(d, "probe");
		conclude(d, VERDICT_UNKNOWN, REASON_HOST_BUSY, "the probe could not finish on this busy host: %s",
			 p->detail);
		hint(d, "Run kvm-ok again when the host is less busy, or give the probe more time: kvm-ok --probe-timeout 2000");
		return;
	}
	if (p->timed_out) {
		show(d, "probe");
		conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_BROKEN, "/dev/kvm does not answer: %s", p->detail);
		hint(d, "Look for the kernel's messages about kvm (dmesg | grep -i kvm); a hung KVM module needs a reboot.");
		hint(d, "On a host that is itself slow or emulated, give the probe more time: kvm-ok --probe-timeout 2000");
		return;
	}
	if (p->failed_step == PROBE_OPEN) {
		show(d, "device-access");
		if (p->error == EPERM) {
			show(d, "setting");
			conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_PERMISSION,
				 "/dev/kvm: the open is refused (EPERM) by a device cgroup, seccomp or a security module, not by its mode");
			hint_for(d, f, SITUATION_DENIED_BY_POLICY);
		} else if (p->error == EACCES) {
			conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_PERMISSION,
				 "/dev/kvm: permission denied (group %s; %s is %sa member)",
				 f->node.group, f->node.user, f->node.in_group ? "" : "not ");
			hint_for(d, f, SITUATION_DENIED_BY_MODE);
			if (f->pvm.state != MODULE_ABSENT) {
				show(d, "modules");
				hint(d, "/dev/kvm here comes from kvm_pvm: even once you may open it, ordinary guests "
					"will be emulated, not accelerated (kvm-ok as root measures it).");
			}
		} else if (p->error == ENXIO || p->error == ENODEV || p->error == ENOENT) {
			show(d, "modules");
			conclude(d, VERDICT_UNUSABLE, REASON_NO_KVM_DEVICE,
				 "/dev/kvm exists but no driver answers behind it (%s)", errno_name(p->error));
			hint_for(d, f, SITUATION_MODULE_NOT_LOADED);
		} else {
			conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_BROKEN, "/dev/kvm cannot be opened: %s",
				 strerror(p->error));
			hint(d, "Look for the kernel's messages about kvm: dmesg | grep -i kvm");
		}
		return;
	}
	if (p->failed_step == PROBE_API_VERSION) {
		show(d, "api-version");
		show(d, "device");
		conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_NOT_KVM, "/dev/kvm is not a working KVM device (%s)",
			 p->api_version < 0 ? "KVM_GET_API_VERSION failed" : "wrong KVM API version");
		hint(d, "Remove the stray /dev/kvm (as root: rm /dev/kvm) and let udev recreate it: modprobe %s or udevadm trigger --subsystem-match=misc",
		     f->vendor_module.name ? f->vendor_module.name : "kvm");
		return;
	}
	if (p->failed_step == PROBE_CREATE_VM) {
		show(d, "create-vm");
		conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_BROKEN, "KVM_CREATE_VM failed: %s", strerror(p->error));
		if (p->error == EBUSY)
			hint(d, "Another hypervisor holds %s (VirtualBox, VMware): stop its VMs or unload its kernel module (vboxdrv, vmmon).",
			     vt_name(f));
		else if (p->error == ENOMEM)
			hint(d, "The kernel is out of memory for a VM: free memory and try again.");
		hint(d, "Look for the kernel's messages about kvm: dmesg | grep -i kvm");
		return;
	}
	show(d, "acceleration");
	conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_BROKEN, "a test guest could not run: %s", p->detail);
	hint(d, "Look for the kernel's messages about kvm: dmesg | grep -i kvm");
}

static void decide_not_accelerated(const struct host_facts *f, struct diagnosis *d)
{
	const struct kvm_probe *p = &f->probe;

	show(d, "cpuid-vt");
	show(d, "modules");
	show(d, "device");
	show(d, "create-vm");
	show(d, "acceleration");
	conclude(d, VERDICT_UNUSABLE, REASON_NOT_ACCELERATED,
		 "/dev/kvm works but guest code runs %s%.0fx slower than native: it is emulated, not accelerated",
		 p->guest.finished ? "" : "over ", p->slowdown);
	if (f->pvm.state != MODULE_ABSENT)
		hint(d, "/dev/kvm here comes from kvm_pvm, which runs only PVM-aware guest kernels at speed; "
			"ordinary guests are emulated (a stock Linux kernel hangs). Use QEMU's TCG (-accel tcg) for them.");
	if (f->cpu.known && !f->cpu.has_vt)
		hint_for(d, f, SITUATION_NO_VT);
	if (f->pvm.state == MODULE_ABSENT)
		hint(d, "Look for the kernel's messages about kvm (dmesg | grep -i kvm) and check the host's load.");
	hint_tcg(d);
}

static void decide(const struct host_facts *f, struct diagnosis *d)
{
	const struct kvm_probe *p = &f->probe;
	bool device_present = f->node.kind == KVM_NODE_CHAR || f->node.kind == KVM_NODE_STANDIN;
	bool probe_complete = p->ran && !p->timed_out && p->failed_step == PROBE_COMPLETE;

	show(d, "cpu");
	if (probe_complete && kvm_probe_accelerated(p)) {
		show(d, "device");
		show(d, "acceleration");
		conclude(d, VERDICT_USABLE, REASON_USABLE, "/dev/kvm works and guest code runs at %.1fx native speed",
			 p->slowdown);
		return;
	}
	if (firmware_disabled(f)) {
		show(d, "cpuid-vt");
		show(d, "cpuinfo-vt");
		show(d, "firmware");
		conclude(d, VERDICT_UNUSABLE, REASON_DISABLED_BY_FIRMWARE,
			 "the CPU supports %s but the firmware disabled it", vt_name(f));
		hint_firmware(f, d);
		return;
	}
	if (probe_complete) {
		decide_not_accelerated(f, d);
		return;
	}
	if (f->cpu.known && !f->cpu.has_vt && !(device_present && f->pvm.state != MODULE_ABSENT)) {
		show(d, "cpuid-vt");
		show(d, "cpuinfo-vt");
		show(d, "hypervisor");
		conclude(d, VERDICT_UNUSABLE, REASON_NO_CPU_SUPPORT, "the CPU has no %s%s", vt_name(f),
			 f->cpu.hypervisor_bit ? " (this is a virtual machine without nested virtualization)" : "");
		hint_for(d, f, SITUATION_NO_VT);
		hint_tcg(d);
		return;
	}
	if (f->node.kind == KVM_NODE_ABSENT) {
		show(d, "device");
		decide_device_absent(f, d);
		return;
	}
	show(d, "device");
	if (!device_present) {
		conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_NOT_KVM, "/dev/kvm is not a KVM device node");
		hint(d, "Remove the stray /dev/kvm (as root: rm /dev/kvm) and let udev recreate it: modprobe %s or udevadm trigger --subsystem-match=misc",
		     f->vendor_module.name ? f->vendor_module.name : "kvm");
		return;
	}
	if (!p->ran) {
		show(d, "probe");
		conclude(d, VERDICT_UNKNOWN, REASON_NOT_PROBED,
			 "/dev/kvm exists but was not probed, so acceleration is not proven");
		if (p->record_error[0])
			hint(d, "Give the fixture host a probe record (%s) as described in kvm-ok(1), FILES.", &KVM_PROBE_RECORD[1]);
		else
			hint(d, "Run kvm-ok without --no-probe to test the device with a tiny guest.");
		return;
	}
	decide_device_failure(f, d);
}

void diagnose(const struct host_facts *f, struct diagnosis *d)
{
	memset(d, 0, sizeof(*d));
	if (!f->x86_64) {
		add_check(d, "cpu", CHECK_SKIP, "not an x86-64 host: the CPU, firmware and device checks are not done here");
		show(d, "cpu");
		conclude(d, VERDICT_UNKNOWN, REASON_UNSUPPORTED_ARCH, "kvm-ok checks x86-64 hosts only");
		hint(d, "On this architecture, check that /dev/kvm exists and that your user may open it.");
		return;
	}
	check_cpu(f, d);
	check_cpuinfo(f, d);
	check_hypervisor(f, d);
	check_kernel(f, d);
	check_firmware(f, d);
	check_setting(f, d);
	check_modules(f, d);
	check_device(f, d);
	check_probe(f, d);
	decide(f, d);
	if (d->verdict != VERDICT_USABLE && setting_matters(f))
		show(d, "setting");
}
