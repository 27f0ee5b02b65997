/* verdict.c - checks, verdict, reason and hints from the gathered facts */
#include "verdict.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "errno_name.h"
#include "verdict_build.h"

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
	[REASON_DISABLED_BY_KERNEL] = "disabled-by-kernel",
	[REASON_PROCESS_LIMIT] = "process-limit",
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

const char *check_id_name(enum check_id id)
{
	static const char *const names[CHECK_ID_COUNT] = {
		[CHECK_ID_CPU] = "cpu", [CHECK_ID_CPUID_VT] = "cpuid-vt", [CHECK_ID_CPUINFO_VT] = "cpuinfo-vt",
		[CHECK_ID_HYPERVISOR] = "hypervisor", [CHECK_ID_KERNEL] = "kernel", [CHECK_ID_FIRMWARE] = "firmware",
		[CHECK_ID_EL2] = "el2", [CHECK_ID_MODULES] = "modules", [CHECK_ID_SETTING] = "setting",
		[CHECK_ID_DEVICE] = "device", [CHECK_ID_MISC] = "misc", [CHECK_ID_PROBE] = "probe",
		[CHECK_ID_DEVICE_ACCESS] = "device-access", [CHECK_ID_API_VERSION] = "api-version",
		[CHECK_ID_CREATE_VM] = "create-vm", [CHECK_ID_ACCELERATION] = "acceleration",
	};

	return (unsigned int)id < CHECK_ID_COUNT ? names[id] : "unknown";
}

static struct check *find_check(struct diagnosis *d, enum check_id id)
{
	for (int i = 0; i < d->nchecks; i++)
		if (d->checks[i].id == id)
			return &d->checks[i];
	return NULL;
}

const struct check *diag_find(const struct diagnosis *d, enum check_id id)
{
	return find_check((struct diagnosis *)d, id);	/* it changes nothing */
}

/* A check is made once: made again, it replaces the first in its place
 * (so the list never holds more than CHECK_ID_COUNT). */
struct check *diag_check(struct diagnosis *d, enum check_id id, enum check_state state, const char *fmt, ...)
{
	struct check *c = find_check(d, id);
	va_list ap;

	if (!c)
		c = &d->checks[d->nchecks++];
	va_start(ap, fmt);
	check_vset(c, check_id_name(id), state, fmt, ap);
	va_end(ap);
	c->id = id;
	return c;
}

void check_vset(struct check *c, const char *name, enum check_state state, const char *fmt, va_list ap)
{
	c->id = CHECK_ID_COUNT;
	c->name = name;
	c->state = state;
	c->decisive = false;
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
}

/* Marks the check about id as one that decided the verdict (shown without
 * --verbose); no such check: nothing to mark. */
void diag_decisive(struct diagnosis *d, enum check_id id)
{
	struct check *c = find_check(d, id);

	if (c)
		c->decisive = true;
}

void diag_hint(struct diagnosis *d, const char *fmt, ...)
{
	va_list ap;

	if (d->nhints == DIAGNOSIS_MAX_HINTS)
		return;
	va_start(ap, fmt);
	vsnprintf(d->hints[d->nhints++], CHECK_DETAIL_MAX, fmt, ap);
	va_end(ap);
}

void diag_advice(struct diagnosis *d, const struct host_facts *f, enum situation situation)
{
	struct advice_context ctx;
	struct advice_request q = { .situation = situation, .ctx = &ctx };
	struct advice a;

	advice_context_from_facts(f, &ctx);

	advise(&q, &a);
	for (int i = 0; i < a.n; i++)
		diag_hint(d, "%s", a.line[i]);
}

void diag_conclude(struct diagnosis *d, enum verdict v, enum reason r, const char *fmt, ...)
{
	va_list ap;

	d->verdict = v;
	d->reason = r;
	va_start(ap, fmt);
	vsnprintf(d->summary, sizeof(d->summary), fmt, ap);
	va_end(ap);
}

/* ---- facts as checks ---------------------------------------------------- */

static void check_setting(const struct host_facts *f, struct diagnosis *d)
{
	char text[CHECK_DETAIL_MAX - 16];

	setting_describe(&f->setting, host_is_virtual_machine(f), text, sizeof(text));
	diag_check(d, CHECK_ID_SETTING, CHECK_INFO, "setting: %s", text);
}

/* Where the fix depends on the setting, the setting is part of the why. */
static bool setting_matters(const struct host_facts *f)
{
	return f->setting.runtime != RUNTIME_NONE || f->setting.wsl2 || f->setting.ci != CI_NONE;
}

static void check_device(const struct host_facts *f, struct diagnosis *d)
{
	const struct kvm_node *n = &f->node;
	char desc[200];

	switch (n->kind) {
	case KVM_NODE_ABSENT:
		diag_check(d, CHECK_ID_DEVICE, CHECK_FAIL, "/dev/kvm does not exist");
		return;
	case KVM_NODE_DANGLING:
		diag_check(d, CHECK_ID_DEVICE, CHECK_FAIL, "/dev/kvm is a symlink to \"%s\", which does not exist", n->target);
		return;
	case KVM_NODE_LOOP:
		diag_check(d, CHECK_ID_DEVICE, CHECK_FAIL, "/dev/kvm is a symlink loop (\"%s\")", n->target);
		return;
	case KVM_NODE_WRONG_TYPE:
		diag_check(d, CHECK_ID_DEVICE, CHECK_FAIL, "/dev/kvm is a %s, not a character device", n->type);
		return;
	case KVM_NODE_ERROR:
		diag_check(d, CHECK_ID_DEVICE, CHECK_UNKNOWN, "/dev/kvm: %s", strerror(n->error));
		return;
	case KVM_NODE_CHAR:
	case KVM_NODE_STANDIN:
		break;
	}
	kvm_node_describe(n, desc, sizeof(desc));
	if (n->kind == KVM_NODE_CHAR && (n->major != KVM_DEVICE_MAJOR || n->minor != KVM_DEVICE_MINOR))
		diag_check(d, CHECK_ID_DEVICE, CHECK_WARN, "/dev/kvm: %s, device %u:%u (KVM is %d:%d)%s%s", desc,
			  n->major, n->minor, KVM_DEVICE_MAJOR, KVM_DEVICE_MINOR,
			  n->is_symlink ? ", symlink to " : "", n->is_symlink ? n->target : "");
	else
		diag_check(d, CHECK_ID_DEVICE, CHECK_PASS, "/dev/kvm exists: %s%s%s", desc,
			  n->is_symlink ? ", symlink to " : "", n->is_symlink ? n->target : "");
}

/* The check that shows each step of the probe. */
static const enum check_id probe_step_check[] = {
	[PROBE_OPEN] = CHECK_ID_DEVICE_ACCESS,
	[PROBE_API_VERSION] = CHECK_ID_API_VERSION,
	[PROBE_CREATE_VM] = CHECK_ID_CREATE_VM,
	[PROBE_GUEST] = CHECK_ID_ACCELERATION,
	[PROBE_COMPLETE] = CHECK_ID_ACCELERATION,
};

/* The line of the step that failed. */
static void check_failed_step(const struct host_facts *f, struct diagnosis *d)
{
	const struct kvm_probe *p = &f->probe;
	const enum check_id check = probe_step_check[p->failed_step];
	const char *src = p->from_record ? " (recorded)" : "";
	char measured[48] = "";

	switch (p->failed_step) {
	case PROBE_OPEN:
		if (p->error == EPERM)
			diag_check(d, check, CHECK_FAIL,
				  "/dev/kvm: cannot open read-write: %s (EPERM: a device cgroup, seccomp or a security "
				  "module refuses it, not the mode; %s:%s %04o)",
				  strerror(p->error), f->node.owner, f->node.group, (unsigned int)f->node.mode);
		else if (p->error == EACCES)
			diag_check(d, check, CHECK_FAIL,
				  "/dev/kvm: cannot open read-write: %s (group %s, mode %04o; %s %s a member)",
				  strerror(p->error), f->node.group, (unsigned int)f->node.mode,
				  f->node.user, f->node.in_group ? "is" : "is not");
		else
			diag_check(d, check, CHECK_FAIL, "/dev/kvm: cannot open read-write: %s%s",
				  strerror(p->error), src);
		return;
	case PROBE_API_VERSION:
		if (p->api_version < 0)
			diag_check(d, check, CHECK_FAIL, "KVM_GET_API_VERSION failed: %s (%s)%s",
				  strerror(p->error), errno_name(p->error), src);
		else
			diag_check(d, check, CHECK_FAIL, "KVM_GET_API_VERSION answered %d, expected %d%s",
				  p->api_version, KVM_API_VERSION_EXPECTED, src);
		return;
	case PROBE_CREATE_VM:
		diag_check(d, check, CHECK_FAIL, "KVM_CREATE_VM failed: %s (%s)%s", strerror(p->error),
			  errno_name(p->error), src);
		return;
	case PROBE_GUEST:
		if (p->error == ENOSYS)
			diag_check(d, check, CHECK_SKIP, "the speed is not timed on %s: kvm-ok has no test guest for it%s",
				   f->arch_name, src);
		else
			diag_check(d, check, CHECK_FAIL, "the test guest failed: %s: %s%s", p->detail,
				   p->error ? strerror(p->error) : "error", src);
		return;
	case PROBE_COMPLETE:
		if (p->guest.measurements > 1)
			snprintf(measured, sizeof(measured), " (the fastest of %u measurements)", p->guest.measurements);
		diag_check(d, check, kvm_probe_accelerated(p) ? CHECK_PASS : CHECK_FAIL,
			  "test loop: %s%.*f ns per iteration in a KVM guest%s, %.2f ns natively: %s%.*fx%s%s",
			  p->guest.finished ? "" : "more than ", p->guest.ns_per_iteration >= 100 ? 0 : 2,
			  p->guest.ns_per_iteration, measured, p->native.ns_per_iteration,
			  p->guest.finished ? "" : "over ", p->slowdown >= 100 ? 0 : 1, p->slowdown,
			  kvm_probe_accelerated(p) ? " (accelerated)" : " slower than native: NOT accelerated", src);
		return;
	}
}

/* The probe's steps in order: each one passed, then the one that failed
 * (or the timed loop, when all passed). */
static void check_probe(const struct host_facts *f, struct diagnosis *d)
{
	const struct kvm_probe *p = &f->probe;

	if (!p->ran) {
		if (p->record_error[0])
			diag_check(d, CHECK_ID_PROBE, CHECK_UNKNOWN, "no probe outcome: %s", p->record_error);
		else if (!f->probe_requested)
			diag_check(d, CHECK_ID_PROBE, CHECK_SKIP, "functional and speed probe not run (--no-probe)");
		return;
	}
	if (p->timed_out) {
		diag_check(d, CHECK_ID_PROBE, p->host_busy ? CHECK_UNKNOWN : CHECK_FAIL, "/dev/kvm %s: %s",
			   p->host_busy ? "not proven" : "hangs", p->detail);
		return;
	}
	if (p->failed_step > PROBE_OPEN)
		diag_check(d, probe_step_check[PROBE_OPEN], CHECK_PASS, "/dev/kvm opened read-write");
	if (p->failed_step > PROBE_API_VERSION)
		diag_check(d, probe_step_check[PROBE_API_VERSION], CHECK_PASS, "KVM_GET_API_VERSION: %d",
			   p->api_version);
	if (p->failed_step > PROBE_CREATE_VM)
		diag_check(d, probe_step_check[PROBE_CREATE_VM], CHECK_PASS, "KVM_CREATE_VM succeeded");
	check_failed_step(f, d);
}

/* ---- hints ---------------------------------------------------------------- */

void diag_hint_tcg(struct diagnosis *d)
{
	diag_hint(d, "Guests can still run without KVM under QEMU's TCG emulation (-accel tcg), much more slowly.");
}

/* ---- the decision ------------------------------------------------------------ */

/* The probe gave no answer about the device: the host was busy, the
 * device hung, or this process ran out of descriptors or memory.  True when
 * concluded. */
static bool decide_probe_unanswered(const struct host_facts *f, struct diagnosis *d)
{
	const struct kvm_probe *p = &f->probe;

	if (p->timed_out && p->host_busy) {
		diag_decisive(d, CHECK_ID_PROBE);
		diag_conclude(d, VERDICT_UNKNOWN, REASON_HOST_BUSY, "the probe could not finish on this busy host: %s",
			 p->detail);
		diag_hint(d, "Run kvm-ok again when the host is less busy, or give the probe more time: kvm-ok --probe-timeout 2000");
	} else if (p->timed_out) {
		diag_decisive(d, CHECK_ID_PROBE);
		diag_conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_BROKEN, "/dev/kvm does not answer: %s", p->detail);
		diag_hint(d, "Look for the kernel's messages about kvm (dmesg | grep -i kvm); a hung KVM module needs a reboot.");
		diag_hint(d, "On a host that is itself slow or emulated, give the probe more time: kvm-ok --probe-timeout 2000");
	} else if (p->error == EMFILE || p->error == ENFILE || p->error == ENOMEM) {
		/* this process's limits (descriptors, memory), not the device's */
		diag_decisive(d, probe_step_check[p->failed_step]);
		diag_conclude(d, VERDICT_UNKNOWN, REASON_PROCESS_LIMIT,
			      "the probe ran out of %s at %s (%s): that says nothing about /dev/kvm",
			      p->error == ENOMEM ? "memory" : p->error == EMFILE ? "this process's file descriptors"
								     : "the system's open files",
			      probe_step_text(p->failed_step), errno_name(p->error));
		diag_hint(d, p->error == ENOMEM ? "Free memory (or raise this process's memory limit) and run kvm-ok again."
			  : "Raise the limit on open files (ulimit -n 1024) and run kvm-ok again.");
	} else {
		return false;
	}
	return true;
}

/* The open of /dev/kvm failed: policy, mode, no driver, or broken. */
static void decide_open_failure(const struct host_facts *f, struct diagnosis *d)
{
	const struct kvm_probe *p = &f->probe;

	diag_decisive(d, probe_step_check[PROBE_OPEN]);
	if (p->error == EPERM) {
		diag_decisive(d, CHECK_ID_SETTING);
		diag_conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_PERMISSION,
			 "/dev/kvm: the open is refused (EPERM) by a device cgroup, seccomp or a security module, not by its mode");
		diag_advice(d, f, SITUATION_DENIED_BY_POLICY);
	} else if (p->error == EACCES) {
		diag_conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_PERMISSION,
			 "/dev/kvm: permission denied (group %s; %s is %sa member)",
			 f->node.group, f->node.user, f->node.in_group ? "" : "not ");
		diag_advice(d, f, SITUATION_DENIED_BY_MODE);
		if (host_may_have_pvm(f)) {
			diag_decisive(d, CHECK_ID_MODULES);
			/* root in a user namespace (rootless) is not the host's root */
			diag_hint(d, "/dev/kvm here comes from kvm_pvm: even once you may open it, ordinary guests "
				"will be emulated, not accelerated (%s).", f->setting.user_namespace
				? "kvm-ok measures it once the device opens" : "kvm-ok as root measures it");
		}
	} else if (p->error == ENXIO || p->error == ENODEV || p->error == ENOENT) {
		diag_decisive(d, CHECK_ID_MODULES);
		diag_conclude(d, VERDICT_UNUSABLE, REASON_NO_KVM_DEVICE,
			 "/dev/kvm exists but no driver answers behind it (%s)", errno_name(p->error));
		diag_advice(d, f, SITUATION_MODULE_NOT_LOADED);
	} else {
		diag_conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_BROKEN, "/dev/kvm cannot be opened: %s",
			 strerror(p->error));
		diag_hint(d, "%s", DIAG_HINT_KERNEL_MESSAGES);
	}
}

/* A /dev/kvm that is not the KVM device: udev makes the right one. */
static void hint_stray_node(const struct host_facts *f, struct diagnosis *d)
{
	diag_hint(d, "Remove the stray /dev/kvm (as root: rm /dev/kvm) and let udev recreate it: modprobe %s or udevadm trigger --subsystem-match=misc",
		  f->vendor_module.name ? f->vendor_module.name : "kvm");
}

/* A step after the open failed. */
static void decide_step_failure(const struct host_facts *f, struct diagnosis *d)
{
	const struct kvm_probe *p = &f->probe;

	diag_decisive(d, probe_step_check[p->failed_step]);
	if (p->error == EPERM && (p->failed_step == PROBE_API_VERSION || p->failed_step == PROBE_CREATE_VM)) {
		/* the device answered the open: a seccomp filter or a security
		 * module refuses its ioctls, as EPERM on the open would be */
		diag_decisive(d, CHECK_ID_SETTING);
		diag_conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_PERMISSION,
			      "/dev/kvm opened, but %s is refused (EPERM) by a seccomp filter or a security module",
			      probe_step_text(p->failed_step));
		diag_advice(d, f, SITUATION_DENIED_BY_POLICY);
	} else if (p->failed_step == PROBE_API_VERSION) {
		diag_decisive(d, CHECK_ID_DEVICE);
		diag_conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_NOT_KVM, "/dev/kvm is not a working KVM device (%s)",
			 p->api_version < 0 ? "KVM_GET_API_VERSION failed" : "wrong KVM API version");
		hint_stray_node(f, d);
	} else if (p->failed_step == PROBE_GUEST && p->error == ENOSYS) {
		diag_decisive(d, probe_step_check[PROBE_CREATE_VM]);
		diag_conclude(d, VERDICT_UNKNOWN, REASON_NOT_PROBED,
			      "/dev/kvm works (KVM_GET_API_VERSION %d, KVM_CREATE_VM), but its speed is not timed on %s",
			      p->api_version, f->arch_name);
		diag_hint(d, "Whether guests really run at speed shows in a guest's boot time under QEMU's -accel kvm.");
	} else if (p->failed_step == PROBE_CREATE_VM) {
		diag_conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_BROKEN, "KVM_CREATE_VM failed: %s", strerror(p->error));
		if (p->error == EBUSY)
			diag_hint(d, "Another hypervisor holds %s (VirtualBox, VMware): stop its VMs or unload its kernel module (vboxdrv, vmmon).",
				  f->arch == HOST_ARCH_X86_64 ? cpu_vt_name(f->cpu.vt_kind) : "the virtualization extension");
		diag_hint(d, "%s", DIAG_HINT_KERNEL_MESSAGES);
	} else {
		diag_conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_BROKEN, "a test guest could not run: %s", p->detail);
		diag_hint(d, "%s", DIAG_HINT_KERNEL_MESSAGES);
	}
}

static void decide_device_failure(const struct host_facts *f, struct diagnosis *d)
{
	if (decide_probe_unanswered(f, d))
		return;
	if (f->probe.failed_step == PROBE_OPEN)
		decide_open_failure(f, d);
	else
		decide_step_failure(f, d);
}

static void decide_not_accelerated(const struct host_facts *f, struct diagnosis *d)
{
	const struct kvm_probe *p = &f->probe;

	diag_decisive(d, CHECK_ID_CPUID_VT);
	diag_decisive(d, CHECK_ID_MODULES);
	diag_decisive(d, CHECK_ID_DEVICE);
	diag_decisive(d, CHECK_ID_CREATE_VM);
	diag_decisive(d, CHECK_ID_ACCELERATION);
	diag_conclude(d, VERDICT_UNUSABLE, REASON_NOT_ACCELERATED,
		 "/dev/kvm works but guest code runs %s%.0fx slower than native: it is emulated, not accelerated",
		 p->guest.finished ? "" : "over ", p->slowdown);
	if (host_may_have_pvm(f))
		diag_hint(d, "/dev/kvm here comes from kvm_pvm, which runs only PVM-aware guest kernels at speed; "
			"ordinary guests are emulated (a stock Linux kernel hangs). Use QEMU's TCG (-accel tcg) for them.");
	if (f->arch == HOST_ARCH_X86_64 && f->cpu.known && !f->cpu.has_vt)
		diag_advice(d, f, SITUATION_NO_VT);
	if (!host_may_have_pvm(f))
		diag_hint(d, "Look for the kernel's messages about kvm (dmesg | grep -i kvm) and check the host's load.");
	diag_hint_tcg(d);
}

bool host_may_have_pvm(const struct host_facts *f)
{
	if (f->pvm.state == MODULE_HIDDEN)
		return f->arch == HOST_ARCH_X86_64 && f->cpu.known && !f->cpu.has_vt;
	return f->pvm.state != MODULE_ABSENT;
}

bool diag_node_missing_registered(const struct host_facts *f, struct diagnosis *d)
{
	if (!f->setting.kvm_registered)
		return false;
	diag_decisive(d, CHECK_ID_SETTING);
	diag_conclude(d, VERDICT_UNUSABLE, REASON_NO_KVM_DEVICE,
		      "the kernel has the KVM device (10:232) but /dev/kvm does not exist here");
	diag_advice(d, f, SITUATION_NODE_MISSING);
	return true;
}

static void decide(const struct host_facts *f, const struct arch_ops *arch, struct diagnosis *d)
{
	const struct kvm_probe *p = &f->probe;
	bool device_present = kvm_node_present(&f->node);
	bool probe_complete = p->ran && !p->timed_out && p->failed_step == PROBE_COMPLETE;

	diag_decisive(d, CHECK_ID_CPU);
	if (probe_complete && kvm_probe_accelerated(p)) {
		diag_decisive(d, CHECK_ID_DEVICE);
		diag_decisive(d, CHECK_ID_ACCELERATION);
		diag_conclude(d, VERDICT_USABLE, REASON_USABLE, "/dev/kvm works and guest code runs at %.1fx native speed",
			 p->slowdown);
		return;
	}
	/* the kernel registered the device (10:232): only the node is missing
	 * here (a container, a chroot), whatever the CPU shows; passing it in
	 * gives the host's own verdict */
	if (f->node.kind == KVM_NODE_ABSENT && f->setting.kvm_registered) {
		diag_decisive(d, CHECK_ID_DEVICE);
		arch->device_absent(f, d);
		if (host_may_have_pvm(f))
			diag_hint(d, "The kernel's device comes from kvm_pvm: once passed in, it runs only PVM-aware "
				  "guest kernels at speed; ordinary guests are emulated there, not accelerated.");
		return;
	}
	if (arch->disabled(f, d))
		return;
	if (probe_complete) {
		decide_not_accelerated(f, d);
		return;
	}
	if (arch->cannot_run(f, d))
		return;
	if (f->node.kind == KVM_NODE_ABSENT) {
		diag_decisive(d, CHECK_ID_DEVICE);
		arch->device_absent(f, d);
		return;
	}
	diag_decisive(d, CHECK_ID_DEVICE);
	if (!device_present) {
		diag_conclude(d, VERDICT_UNUSABLE, REASON_DEVICE_NOT_KVM, "/dev/kvm is not a KVM device node");
		hint_stray_node(f, d);
		return;
	}
	if (!p->ran) {
		diag_decisive(d, CHECK_ID_PROBE);
		diag_conclude(d, VERDICT_UNKNOWN, REASON_NOT_PROBED,
			 "/dev/kvm exists but was not probed, so acceleration is not proven");
		if (p->record_error[0])
			diag_hint(d, "Give the fixture host a probe record (%s) as described in kvm-ok(1), FILES.", &KVM_PROBE_RECORD[1]);
		else
			diag_hint(d, "Run kvm-ok without --no-probe to test the device with a tiny guest.");
		return;
	}
	decide_device_failure(f, d);
}

void diagnose(const struct host_facts *f, struct diagnosis *d)
{
	const struct arch_ops *arch = arch_ops_for(f->arch);

	memset(d, 0, sizeof(*d));
	arch->checks(f, d);
	check_setting(f, d);
	check_device(f, d);
	check_probe(f, d);
	decide(f, arch, d);
	if (d->verdict != VERDICT_USABLE && setting_matters(f))
		diag_decisive(d, CHECK_ID_SETTING);
}

void diagnose_host(const struct sysroot *root, const struct host_options *opts, struct diagnosis *d)
{
	struct host_facts facts;

	host_gather(root, opts, &facts);
	diagnose(&facts, d);
	host_release(&facts);
}
