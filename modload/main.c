/* modload - load the KVM module that fits this CPU, through libkmod
 *
 * modload [-n] [--nested] [--msr] [-q]      load kvm_intel or kvm_amd
 * modload -r                                unload it (and kvm)
 * modload --status [--json]                 what is loaded, /dev/kvm
 * Exit status: 0 loaded (or already there), 1 could not, 2 usage,
 * 3 (--status) not loaded, 4 this host cannot run KVM (nothing to load).
 * See modload(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "advice.h"
#include "cli.h"
#include "cpu.h"
#include "cpuinfo.h"
#include "errno_name.h"
#include "host.h"
#include "kernel.h"
#include "kvm_device.h"
#include "module_load.h"
#include "modules.h"
#include "modload.h"
#include "verdict.h"

#define DEVICE_WAIT_MS 2000

/* The vendor module for this CPU: from CPUID (kept in cpu), or the cpuinfo
 * vendor when CPUID cannot be read.  NULL, with the vendor named, when none
 * fits. */
static const char *vendor_module(const struct sysroot *root, struct cpu_identity *cpu, char *vendor, size_t size)
{
	struct cpuinfo ci;
	const char *mod;

	cpu_identify_host(root, cpu);
	if (cpu->known) {
		snprintf(vendor, size, "%s", cpu->vendor);
		return cpu_kvm_module(cpu->vt_kind);
	}
	cpuinfo_read(root, &ci);
	snprintf(vendor, size, "%s", ci.vendor[0] ? ci.vendor : "unknown");
	mod = cpu_kvm_module(cpu_vt_kind_of_vendor(ci.vendor));
	cpuinfo_free(&ci);
	return mod;
}

/* ---- the actions ----------------------------------------------------------------- */

/* The setting's advice for a situation, for one line of modload's. */
static void setting_advice(const struct sysroot *root, enum situation situation, const char *mod,
			   struct advice_context *ctx, struct advice *a)
{
	struct advice_request q = { .situation = situation, .ctx = ctx, .module = mod };

	advice_context_read(root, ctx);
	advise(&q, a);
}

/* Modules belong to the host's kernel: from a container, say so in one
 * line (not "install linux-image-...", which the host would need).  Where
 * the host's kernel has the KVM device already (10:232 registered, kvm_pvm
 * on a CPU without VT included), there is nothing to load anywhere: only
 * the device is to be passed in, exit 0 as for a module already loaded.
 * -1 when not in a container, else modload's exit status. */
static int in_container(const struct sysroot *root, const char *mod)
{
	struct module_info pvm;
	struct advice_context ctx;
	struct advice a;

	setting_advice(root, SITUATION_CANNOT_LOAD, mod, &ctx, &a);
	if (ctx.setting.runtime == RUNTIME_NONE)
		return -1;
	if (!ctx.setting.kvm_registered) {
		complain("cannot load %s here: %s", mod, a.n ? a.line[0] : "this is a container");
		return EXIT_NOT_LOADED;
	}
	module_probe(root, "kvm_pvm", &pvm);
	if (ctx.node.kind != KVM_NODE_ABSENT) {
		say("nothing to load: the host's kernel has KVM (its device 10:232 is registered%s) and /dev/kvm is here",
		    module_is_loaded(&pvm) ? ", from kvm_pvm" : "");
		return EXIT_LOADED;
	}
	setting_advice(root, SITUATION_NODE_MISSING, mod, &ctx, &a);
	say("nothing to load: the host's kernel has KVM already (its device 10:232 is registered%s); only /dev/kvm "
	    "is to be passed in. %s", module_is_loaded(&pvm) ? ", from kvm_pvm" : "",
	    a.n ? a.line[0] : "Pass /dev/kvm into the container.");
	return EXIT_LOADED;
}

static void wait_for_device(const struct sysroot *root, struct kvm_node *node)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	for (int waited = 0;; waited += 10) {
		kvm_node_inspect(root, node);
		if (node->kind != KVM_NODE_ABSENT || waited >= DEVICE_WAIT_MS)
			return;
		nanosleep(&pause, NULL);
	}
}

static void report_device(const struct sysroot *root, const char *mod)
{
	struct kvm_node node;
	struct advice_context ctx;
	struct advice a;

	setting_advice(root, SITUATION_NODE_MISSING, mod, &ctx, &a);
	if (ctx.setting.runtime != RUNTIME_NONE)
		node = ctx.node;	/* no udev adds a node to a container's /dev: no wait */
	else
		wait_for_device(root, &node);
	if (kvm_node_present(&node)) {
		char desc[200];

		kvm_node_describe(&node, desc, sizeof(desc));
		say("/dev/kvm: %s", desc);
	} else if (node.kind == KVM_NODE_ABSENT && ctx.setting.runtime != RUNTIME_NONE) {
		complain("warning: /dev/kvm is not in this container: %s", a.n ? a.line[0] : "");
	} else if (node.kind == KVM_NODE_ABSENT) {
		complain("warning: /dev/kvm did not appear within %d ms after %s: is devtmpfs mounted on /dev "
			 "and udev running?", DEVICE_WAIT_MS, mod);
	} else {
		complain("warning: /dev/kvm exists but is not a character device");
	}
}

static void print_steps(const struct load_result *r)
{
	for (int i = 0; i < r->nsteps; i++) {
		const struct load_step *s = &r->steps[i];

		if (s->install_command)
			printf("install %s (an install command in modprobe.d: modload will not run it)\n", s->module);
		else
			printf("insmod %s%s%s\n", s->path, s->options[0] ? " " : "", s->options);
	}
}

static void list_inserted(const struct load_result *r, const char *target, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (int i = 0; i < r->nsteps; i++)
		if (strcmp(r->steps[i].module, target) != 0 && used < size)
			used += (size_t)snprintf(out + used, size - used, "%s%s", used ? ", " : "", r->steps[i].module);
}

static int load_one(struct module_loader *l, const struct sysroot *root, const char *release,
		    const char *name, const char *options, bool dry_run, const char *vendor_mod)
{
	struct load_result r;
	char deps[256];
	int status;

	module_load(l, name, options, dry_run, &r);
	if (l->note[0]) {
		complain("note: %s", l->note);
		l->note[0] = '\0';	/* once */
	}
	switch (r.outcome) {
	case LOAD_BUILTIN:
		say("%s is built into the kernel", name);
		return EXIT_LOADED;
	case LOAD_ALREADY_LIVE:
		say("%s is already loaded%s", name, options ? " (its options cannot change until it is unloaded)" : "");
		return EXIT_LOADED;
	case LOAD_DRY_RUN:
		print_steps(&r);
		return EXIT_LOADED;
	case LOAD_INSERTED:
		list_inserted(&r, name, deps, sizeof(deps));
		say("%s loaded%s%s%s%s%s", name, deps[0] ? " with " : "", deps, options ? " (" : "",
		    options ? options : "", options ? ")" : "");
		return EXIT_LOADED;
	default:
		status = explain_failure(root, release, vendor_mod, &r, l->tree);
		if (r.rolled_back[0])
			complain("removed again what this attempt had loaded: %s", r.rolled_back);
		if (r.rollback_error[0])
			complain("could not remove again: %s (rmmod them by hand)", r.rollback_error);
		return status;
	}
}

/* Already in the kernel (loaded, or built in): nothing to load, whatever the
 * module tree says.  Returns true when that is so. */
static bool already_in_kernel(const struct sysroot *root, const char *mod, const char *options)
{
	struct module_info info;

	module_probe(root, mod, &info);
	if (!module_is_loaded(&info))
		return false;
	if (info.state == MODULE_BUILTIN)
		say("%s is built into the kernel", mod);
	else
		say("%s is already loaded%s", mod, options ? " (its options cannot change until it is unloaded)" : "");
	return true;
}

/* A CPU whose CPUID lacks the extension cannot run KVM: the kernel would
 * refuse the module (ENODEV), so say so without needing a module tree. */
static bool cpu_cannot_run_kvm(const struct sysroot *root, const struct cpu_identity *cpu, const char *mod)
{
	struct module_info pvm;

	if (!cpu->known || cpu->has_vt)
		return false;
	module_probe(root, "kvm_pvm", &pvm);
	complain("%s cannot load: the CPU does not report %s (CPUID): this host cannot run KVM, nothing to load%s",
		 mod, vt_words(mod), module_is_loaded(&pvm) ?
		 " (its /dev/kvm comes from kvm_pvm, which runs only PVM-aware guest kernels at speed)" : "");
	if (!quiet) {	/* --quiet (the boot): that one line */
		struct diagnosis d;
		bool cause = kvm_ok_finds_cause(root, &d);

		print_findings(&d, cause, true);
	}
	return true;
}

static int release_unknown(void)
{
	complain("cannot tell the running kernel's release (/proc/sys/kernel/osrelease, uname); give --moddir");
	return EXIT_NOT_LOADED;
}

/* libkmod on the module tree, for loading mod; says why not. */
static int open_loader(struct module_loader *l, const struct sysroot *root, const struct options *o,
		       const char *release, const char *mod)
{
	if (module_loader_open(l, root, o->moddir, release) < 0) {
		complain("cannot load %s: %s", mod, l->error);
		return -1;
	}
	return 0;
}

static int do_load(const struct options *o, const struct sysroot *root, const struct cpu_identity *cpu,
		   const char *release, const char *mod)
{
	struct module_loader l;
	int status;

	if (already_in_kernel(root, mod, o->nested ? "nested=1" : NULL)) {
		status = EXIT_LOADED;
		if (o->msr && !already_in_kernel(root, "msr", NULL)) {
			if (!release[0] && !o->moddir)
				return release_unknown();
			if (open_loader(&l, root, o, release, "msr") < 0)
				return EXIT_NOT_LOADED;
			status = load_one(&l, root, release, "msr", NULL, o->dry_run, mod);
			module_loader_close(&l);
		}
		if (status == EXIT_LOADED && !o->dry_run)
			report_device(root, mod);
		return status;
	}
	if ((status = in_container(root, mod)) >= 0)
		return status;
	if (cpu_cannot_run_kvm(root, cpu, mod))
		return EXIT_NOT_POSSIBLE;
	if (!release[0] && !o->moddir)
		return release_unknown();
	if (open_loader(&l, root, o, release, mod) < 0)
		return EXIT_NOT_LOADED;
	status = load_one(&l, root, release, mod, o->nested ? "nested=1" : NULL, o->dry_run, mod);
	if (status == EXIT_LOADED && o->msr)
		status = load_one(&l, root, release, "msr", NULL, o->dry_run, mod);
	module_loader_close(&l);
	if (status == EXIT_LOADED && !o->dry_run)
		report_device(root, mod);
	return status;
}

static int do_unload(const struct options *o, const struct sysroot *root, const char *release, const char *mod)
{
	struct module_loader l;
	struct unload_result r;

	if (module_loader_open(&l, root, o->moddir, release) < 0) {
		complain("cannot unload %s: %s", mod, l.error);
		return EXIT_NOT_LOADED;
	}
	module_unload(&l, mod, &r);
	module_loader_close(&l);
	switch (r.outcome) {
	case UNLOAD_REMOVED:
		say("removed %s", r.removed);
		return EXIT_LOADED;
	case UNLOAD_NOT_LOADED:
		say("%s is not loaded", mod);
		return EXIT_LOADED;
	case UNLOAD_BUILTIN:
		complain("%s is built into the kernel and cannot be unloaded", mod);
		return EXIT_NOT_LOADED;
	case UNLOAD_IN_USE:
		complain("%s is in use (%d user%s%s%s): stop the virtual machines that use it (pgrep -a qemu; virsh list), "
			 "then try again", mod, r.refcount, r.refcount == 1 ? "" : "s",
			 r.holders[0] ? "; held by " : "", r.holders);
		return EXIT_NOT_LOADED;
	case UNLOAD_FAILED:
		break;
	}
	complain("cannot unload %s: %s (%s)", mod, strerror(r.error), errno_name(r.error));
	return EXIT_NOT_LOADED;
}

/* KVM built into the kernel (Debian's arm64, and the other architectures):
 * nothing to load or unload; the device says whether it works, and
 * kvm-ok's diagnosis why not. */
static int built_in_kvm(const struct options *o, const struct sysroot *root, bool arm64, const char *arch)
{
	char what[96];
	struct module_info kvm;
	struct kvm_node node;
	struct diagnosis d;
	bool device;
	int open_error = ENOENT;

	/* Debian's arm64 kernel has KVM built in; elsewhere modprobe loads it */
	snprintf(what, sizeof(what), arm64 ? "kvm is built into the kernel on %s" : "modload picks no module on %s", arch);
	module_probe(root, "kvm", &kvm);
	kvm_node_inspect(root, &node);
	device = kvm_node_present(&node);
	if (device)
		open_error = device_open_error(root, &node);
	switch (o->action) {
	case ACTION_STATUS:
		return built_in_status(o, &kvm, &node, device, open_error);
	case ACTION_UNLOAD:
		complain("%s: there is nothing to unload", what);
		return EXIT_NOT_LOADED;
	case ACTION_LOAD:
		break;
	}
	if (device && open_error == 0) {
		say("%s and /dev/kvm works: nothing to load", what);
		return EXIT_LOADED;
	}
	kvm_ok_finds_cause(root, &d);
	complain("%s, so nothing can be loaded, and KVM is not usable: %s (%s)", what, d.summary, reason_name(d.reason));
	if (!quiet)
		for (int h = 0; h < d.nhints; h++)
			fprintf(stderr, "HINT: %s\n", d.hints[h]);
	return EXIT_NOT_LOADED;
}

int main(int argc, char **argv)
{
	struct options o;
	struct sysroot root = { NULL };
	struct kernel_release kernel;
	struct cpu_identity cpu;
	char vendor[32], arch[32];
	enum host_arch host_arch;
	const char *mod;

	if (parse_options(argc, argv, &o) < 0)
		return EXIT_USAGE;
	quiet = o.quiet;
	root.dir = o.sysroot;

	host_arch = host_arch_read(&root, arch, sizeof(arch));
	if (host_arch != HOST_ARCH_X86_64)
		return built_in_kvm(&o, &root, host_arch == HOST_ARCH_ARM64, arch);
	mod = vendor_module(&root, &cpu, vendor, sizeof(vendor));
	if (!mod) {
		complain("no KVM module fits CPU vendor \"%s\": KVM supports Intel, AMD, Hygon, Centaur and Zhaoxin", vendor);
		return o.action == ACTION_STATUS ? EXIT_STATUS_NOT_LOADED :
		       o.action == ACTION_LOAD ? EXIT_NOT_POSSIBLE : EXIT_NOT_LOADED;
	}
	kernel_release_read(&root, &kernel);
	/* loading decides "nothing to load" (the CPU, a container) first */
	if (!kernel.known && o.action == ACTION_UNLOAD && !o.moddir)
		return release_unknown();

	switch (o.action) {
	case ACTION_STATUS:
		return do_status(&o, &root, mod);
	case ACTION_UNLOAD:
		return do_unload(&o, &root, kernel.release, mod);
	case ACTION_LOAD:
		break;
	}
	return do_load(&o, &root, &cpu, kernel.release, mod);
}
