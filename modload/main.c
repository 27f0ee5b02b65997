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
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cpu.h"
#include "cpuinfo.h"
#include "advice.h"
#include "errno_name.h"
#include "host.h"
#include "json.h"
#include "kernel.h"
#include "kmsg.h"
#include "kvm_device.h"
#include "module_load.h"
#include "modules.h"
#include "verdict.h"

#ifndef KVMHOST_VERSION
#define KVMHOST_VERSION "unknown"
#endif

enum {
	EXIT_LOADED = 0,
	EXIT_NOT_LOADED = 1,
	EXIT_USAGE = 2,
	EXIT_STATUS_NOT_LOADED = 3,	/* LSB: "program is not running" */
	EXIT_NOT_POSSIBLE = 4,		/* the CPU or firmware cannot run KVM here */
};

#define DEVICE_WAIT_MS 2000

enum action { ACTION_LOAD, ACTION_UNLOAD, ACTION_STATUS };

struct options {
	enum action action;
	bool dry_run, nested, msr, quiet, json;
	const char *sysroot, *moddir;
};

static bool quiet;

__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	fputs("modload: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
}

__attribute__((format(printf, 1, 2)))
static void complain(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("modload: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void usage(FILE *out)
{
	fputs("Usage: modload [OPTION]...\n"
	      "Load the KVM module that fits this CPU (kvm_intel or kvm_amd) with its dependencies.\n\n"
	      "  -n, --dry-run        show the modules that would be inserted, load nothing\n"
	      "      --nested         load the vendor module with nested=1\n"
	      "      --msr            also load the msr module (kvm-ok reads the firmware lock bits through it)\n"
	      "  -r, --unload         remove the vendor module, then kvm and what nothing else uses\n"
	      "      --status         show what is loaded and /dev/kvm (exit 0 loaded, 3 not)\n"
	      "      --json           with --status: print one JSON object\n"
	      "  -q, --quiet          print only errors (for init scripts)\n"
	      "      --sysroot DIR    read /proc, /sys, /dev and CPUID of the host image under DIR\n"
	      "  -d, --moddir DIR     take modules from DIR instead of /lib/modules/RELEASE\n"
	      "  -h, --help           show this help\n"
	      "  -V, --version        show the version\n\n"
	      "Exit status: 0 loaded or already there, 1 could not load (or unload), 2 usage,\n"
	      "3 --status: not loaded, 4 this host cannot run KVM (the CPU or firmware lacks it).\n"
	      "See modload(8).\n", out);
}

static int check_dir(const char *option, const char *dir)
{
	char why[128];

	if (dir && sysroot_check_dir(dir, why, sizeof(why)) < 0) {
		complain("%s %s: %s", option, cli_shown(dir), why);
		return -1;
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	enum { OPT_NESTED = 256, OPT_MSR, OPT_STATUS, OPT_JSON, OPT_SYSROOT };
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "nested", no_argument, NULL, OPT_NESTED },
		{ "msr", no_argument, NULL, OPT_MSR },
		{ "unload", no_argument, NULL, 'r' },
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "moddir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool unload = false, status = false;
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "nrqd:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o->dry_run = true;
			break;
		case OPT_NESTED:
			o->nested = true;
			break;
		case OPT_MSR:
			o->msr = true;
			break;
		case 'r':
			unload = true;
			break;
		case OPT_STATUS:
			status = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case OPT_SYSROOT:
			o->sysroot = optarg;
			break;
		case 'd':
			o->moddir = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(cli_stdout_ok("modload") ? EXIT_LOADED : EXIT_USAGE);
		case 'V':
			printf("modload %s\n", KVMHOST_VERSION);
			exit(cli_stdout_ok("modload") ? EXIT_LOADED : EXIT_USAGE);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		complain("unexpected argument \"%s\": modload picks the module itself (see modload --help)",
			 cli_shown(argv[optind]));
		return -1;
	}
	if (unload && status) {
		complain("--unload and --status exclude each other");
		return -1;
	}
	if (o->json && !status) {
		complain("--json goes with --status");
		return -1;
	}
	if ((unload || status) && (o->dry_run || o->nested || o->msr)) {
		complain("--dry-run, --nested and --msr go with loading, not with --%s", unload ? "unload" : "status");
		return -1;
	}
	o->action = unload ? ACTION_UNLOAD : status ? ACTION_STATUS : ACTION_LOAD;
	return check_dir("--sysroot", o->sysroot) < 0 || check_dir("--moddir", o->moddir) < 0 ? -1 : 0;
}

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

/* ---- after a failure: what kvm-ok finds, and what the kernel said ---------- */

/* kvm-ok's diagnosis without the probe; whether it finds that the CPU or
 * firmware cannot run KVM. */
static bool kvm_ok_finds_cause(const struct sysroot *root, struct diagnosis *d)
{
	struct host_options opts = { .probe = false, .probe_deadline_ms = 0 };
	struct host_facts facts;

	host_gather(root, &opts, &facts);
	diagnose(&facts, d);
	host_release(&facts);
	return d->reason == REASON_NO_CPU_SUPPORT || d->reason == REASON_DISABLED_BY_FIRMWARE;
}

/* Its CPU and firmware findings; cause_known: the caller has named the
 * cause already. */
static void print_findings(const struct diagnosis *d, bool cause, bool cause_known)
{
	static const enum check_id relevant[] = { CHECK_ID_CPU, CHECK_ID_CPUID_VT, CHECK_ID_CPUINFO_VT,
						   CHECK_ID_HYPERVISOR, CHECK_ID_FIRMWARE };

	fprintf(stderr, "modload: what kvm-ok finds:\n");
	for (size_t i = 0; i < sizeof(relevant) / sizeof(relevant[0]); i++)
		if (diag_find(d, relevant[i]))
			fprintf(stderr, "INFO: %s\n", diag_find(d, relevant[i])->detail);
	if (cause) {
		fprintf(stderr, "INFO: reason %s: %s\n", reason_name(d->reason), d->summary);
		for (int h = 0; h < d->nhints; h++)
			fprintf(stderr, "HINT: %s\n", d->hints[h]);
	} else if (!cause_known) {
		fprintf(stderr, "INFO: kvm-ok finds no CPU or firmware cause; the kernel's log may say more.\n");
	}
}

static void print_kernel_log(const struct sysroot *root)
{
	struct kmsg_lines log;

	kmsg_kvm_lines(root, &log);
	if (log.error) {
		fprintf(stderr, "modload: the kernel log (/dev/kmsg) could not be read: %s\n", strerror(log.error));
		return;
	}
	if (log.count == 0) {
		fprintf(stderr, "modload: the kernel log has no lines about kvm\n");
		return;
	}
	fprintf(stderr, "modload: the kernel's last lines about kvm:\n");
	for (int i = 0; i < log.count; i++)
		fprintf(stderr, "  %s\n", log.line[i]);
}

static bool modules_disabled(const struct sysroot *root)
{
	char text[8];

	return sysroot_read_text(root, "/proc/sys/kernel/modules_disabled", text, sizeof(text)) > 0 &&
	       strcmp(text, "1") == 0;
}

static bool blacklisted_on_cmdline(const struct sysroot *root, const char *name)
{
	char cmdline[4096], *p = cmdline;

	if (sysroot_read_text(root, "/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
		return false;
	while ((p = strstr(p, "module_blacklist=")) != NULL) {
		char *list = p + strlen("module_blacklist=");
		size_t len = strcspn(list, " \t");

		for (char *item = list; item < list + len;) {
			size_t n = strcspn(item, ", \t");

			if (n == strlen(name) && strncmp(item, name, n) == 0)
				return true;
			item += n + 1;
		}
		p = list;
	}
	return false;
}

static const char *vt_words(const char *module)
{
	return strcmp(module, "kvm_amd") == 0 ? "AMD-V (SVM)" : "Intel VT-x (VMX)";
}

/* Says why the load failed; returns EXIT_NOT_POSSIBLE when the kernel's
 * answer means the CPU or firmware cannot run KVM, else EXIT_NOT_LOADED. */
static int explain_failure(const struct sysroot *root, const char *release, const char *vendor_mod,
			   const struct load_result *r, const char *tree)
{
	const char *mod = r->failed_module;
	int e = r->error;

	switch (r->outcome) {
	case LOAD_NOT_FOUND:
		if (strcmp(mod, r->requested) != 0) {
			complain("%s is an alias for %s (modprobe.d), which is not installed for kernel %s "
				 "(not in %s): remove the alias line, or install the module it names",
				 r->requested, mod, release, tree);
			return EXIT_NOT_LOADED;
		}
		complain("%s is not installed for kernel %s (not in %s): install the package that ships "
			 "the running kernel's modules (linux-image-%s), or boot a kernel that has it",
			 mod, release, tree, release);
		return EXIT_NOT_LOADED;
	case LOAD_BLACKLISTED:
		complain("%s is blacklisted in modprobe.d (a \"blacklist %s\" line): remove that line to let modload load it",
			 mod, mod);
		return EXIT_NOT_LOADED;
	case LOAD_INSTALL_COMMAND:
		complain("modprobe.d has an \"install\" command for %s; modload runs no shell commands: "
			 "remove the line, or load it with modprobe %s", r->failed_module, r->failed_module);
		return EXIT_NOT_LOADED;

	case LOAD_DEPENDENCY_CYCLE:
		complain("the module index of kernel %s is damaged: its dependencies of %s go round in a cycle "
			 "(%s), so no order can load them; nothing was loaded: rebuild the index with depmod %s, "
			 "or reinstall the kernel's package (linux-image-%s)", release, r->failed_module, r->cycle,
			 release, release);
		return EXIT_NOT_LOADED;

	default:
		break;
	}
	if (e == EOPNOTSUPP || e == ENODEV) {
		struct diagnosis d;
		bool cause;

		complain("cannot load %s: %s (%s): the CPU lacks %s or the firmware disabled it",
			 mod, strerror(e), errno_name(e), vt_words(vendor_mod));
		cause = kvm_ok_finds_cause(root, &d);
		/* the boot (--quiet) gets that one line when kvm-ok confirms the cause */
		if (!quiet || !cause)
			print_findings(&d, cause, false);
		if (cause) {
			if (!quiet)
				print_kernel_log(root);
			return EXIT_NOT_POSSIBLE;
		}
	} else if (e == EPERM || e == EACCES) {
		if (geteuid() != 0)
			complain("cannot load %s: %s (%s): loading modules needs root: sudo modload", mod, strerror(e),
				 errno_name(e));
		else if (modules_disabled(root))
			complain("cannot load %s: %s (%s): module loading is disabled (kernel.modules_disabled=1) "
				 "until the next boot", mod, strerror(e), errno_name(e));
		else if (blacklisted_on_cmdline(root, mod))
			complain("cannot load %s: %s (%s): the kernel command line blacklists it (module_blacklist=%s): "
				 "remove that from GRUB_CMDLINE_LINUX in /etc/default/grub, update-grub, reboot",
				 mod, strerror(e), errno_name(e), mod);
		else
			complain("cannot load %s: %s (%s): the kernel refuses module loading "
				 "(lockdown or an unsigned module under Secure Boot?)", mod, strerror(e), errno_name(e));
	} else if (e == ENOEXEC) {
		complain("cannot load %s: %s (%s): the module was built for another kernel than %s: reinstall "
			 "linux-image-%s, or boot the kernel its modules belong to", mod, strerror(e), errno_name(e),
			 release, release);
	} else if (e == ENOENT) {
		complain("cannot load %s: %s (%s): the module does not fit kernel %s (unknown symbol or parameter): "
			 "reinstall linux-image-%s", mod, strerror(e), errno_name(e), release, release);
	} else {
		complain("cannot load %s: %s (%s)", mod, strerror(e), errno_name(e));
	}
	print_kernel_log(root);
	return EXIT_NOT_LOADED;
}

/* ---- the actions ----------------------------------------------------------------- */

/* The setting's advice for a situation, for one line of modload's. */
static void setting_advice(const struct sysroot *root, enum situation situation, const char *mod,
			   struct host_facts *f, struct advice *a)
{
	struct advice_request q = { .situation = situation, .f = f, .module = mod };

	memset(f, 0, sizeof(*f));
	f->root = *root;
	kernel_release_read(root, &f->kernel);
	setting_detect(root, &f->kernel, &f->setting);
	kvm_node_inspect(root, &f->node);
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
	struct host_facts f;
	struct advice a;

	setting_advice(root, SITUATION_CANNOT_LOAD, mod, &f, &a);
	if (f.setting.runtime == RUNTIME_NONE)
		return -1;
	if (!f.setting.kvm_registered) {
		complain("cannot load %s here: %s", mod, a.n ? a.line[0] : "this is a container");
		return EXIT_NOT_LOADED;
	}
	module_probe(root, "kvm_pvm", &pvm);
	if (f.node.kind != KVM_NODE_ABSENT) {
		say("nothing to load: the host's kernel has KVM (its device 10:232 is registered%s) and /dev/kvm is here",
		    module_is_loaded(&pvm) ? ", from kvm_pvm" : "");
		return EXIT_LOADED;
	}
	setting_advice(root, SITUATION_NODE_MISSING, mod, &f, &a);
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
	struct host_facts f;
	struct advice a;

	setting_advice(root, SITUATION_NODE_MISSING, mod, &f, &a);
	if (f.setting.runtime != RUNTIME_NONE)
		node = f.node;	/* no udev adds a node to a container's /dev: no wait */
	else
		wait_for_device(root, &node);
	if (node.kind == KVM_NODE_CHAR || node.kind == KVM_NODE_STANDIN) {
		char desc[200];

		kvm_node_describe(&node, desc, sizeof(desc));
		say("/dev/kvm: %s", desc);
	} else if (node.kind == KVM_NODE_ABSENT && f.setting.runtime != RUNTIME_NONE) {
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

#define STATUS_MODULES 4

static void status_json(const char *const names[], const struct module_info info[], int count,
			const struct kvm_node *node, bool loaded, bool device, int open_error)
{
	bool first = true, dfirst = true;

	fputc('{', stdout);
	json_kv_string(stdout, "vendor_module", count > 1 ? names[1] : NULL, &first);
	json_key(stdout, "modules", &first);
	fputc('{', stdout);
	for (int i = 0; i < count; i++) {
		bool mfirst = true;

		if (i)
			fputc(',', stdout);
		json_string(stdout, names[i]);
		fputs(":{", stdout);
		json_kv_string(stdout, "state", module_state_code(info[i].state), &mfirst);
		json_kv_string(stdout, "nested", info[i].nested[0] ? info[i].nested : NULL, &mfirst);
		fputc('}', stdout);
	}
	fputc('}', stdout);
	json_key(stdout, "device", &first);
	fputc('{', stdout);
	json_kv_bool(stdout, "exists", device, &dfirst);
	if (device) {
		char mode[8];

		snprintf(mode, sizeof(mode), "%04o", (unsigned int)node->mode);
		json_kv_string(stdout, "owner", node->owner, &dfirst);
		json_kv_string(stdout, "group", node->group, &dfirst);
		json_kv_string(stdout, "mode", mode, &dfirst);
		json_kv_bool(stdout, "openable", open_error == 0, &dfirst);
		json_kv_string(stdout, "open_error", open_error ? errno_name(open_error) : NULL, &dfirst);
	}
	fputc('}', stdout);
	json_kv_bool(stdout, "loaded", loaded && device && open_error == 0, &first);
	fputs("}\n", stdout);
}

static void status_device(const struct kvm_node *node, bool device, int open_error)
{
	if (device) {
		char desc[200];

		kvm_node_describe(node, desc, sizeof(desc));
		printf("/dev/kvm: %s\n", desc);
		if (open_error)
			printf("/dev/kvm: cannot be opened read-write: %s (%s)\n", strerror(open_error),
			       open_error == EPERM ? "EPERM: a device cgroup, seccomp or a security module refuses it, not the mode"
			       : errno_name(open_error));
	} else {
		printf("/dev/kvm: absent\n");
	}
}

static void status_text(const char *const names[], const struct module_info info[], const struct kvm_node *node,
			bool device, int open_error)
{
	for (int i = 0; i < STATUS_MODULES; i++) {
		if (i == 2 && info[i].state == MODULE_ABSENT)
			continue;	/* kvm_pvm: only where it exists */
		printf("%s: %s%s%s\n", names[i], module_state_text(info[i].state),
		       info[i].nested[0] ? ", nested=" : "", info[i].nested);
	}
	status_device(node, device, open_error);
}

/* Whether the caller may open the device read-write: 0, or the errno.  A
 * snapshot's device answers as its record says. */
static int device_open_error(const struct sysroot *root, const struct kvm_node *node)
{
	int fd;

	if (node->kind == KVM_NODE_STANDIN) {
		struct kvm_probe p;

		kvm_probe_run(root, node, 0, &p);
		return p.ran && !p.timed_out && p.failed_step == PROBE_OPEN ? p.error : 0;
	}
	fd = sysroot_open(root, KVM_DEVICE_PATH, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int do_status(const struct options *o, const struct sysroot *root, const char *mod)
{
	const char *const names[STATUS_MODULES] = { "kvm", mod, "kvm_pvm", "msr" };
	struct module_info info[STATUS_MODULES];
	struct kvm_node node;
	bool loaded, device;
	int open_error = 0;

	for (int i = 0; i < STATUS_MODULES; i++)
		module_probe(root, names[i], &info[i]);
	kvm_node_inspect(root, &node);
	loaded = module_is_loaded(&info[1]) || module_is_loaded(&info[2]);
	device = node.kind == KVM_NODE_CHAR || node.kind == KVM_NODE_STANDIN;
	if (device)
		open_error = device_open_error(root, &node);
	if (o->json)
		status_json(names, info, STATUS_MODULES, &node, loaded, device, open_error);
	else if (!o->quiet)
		status_text(names, info, &node, device, open_error);
	if (!cli_stdout_ok("modload"))
		return EXIT_NOT_LOADED;
	/* "loaded" only where the device can be used: not behind a device
	 * cgroup; a device that opens is a module at work, whatever /sys/module
	 * shows (systemd-nspawn shows none) */
	return device && open_error == 0 && (loaded || !modules_visible(root)) ? EXIT_LOADED : EXIT_STATUS_NOT_LOADED;
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
	device = node.kind == KVM_NODE_CHAR || node.kind == KVM_NODE_STANDIN;
	if (device)
		open_error = device_open_error(root, &node);
	switch (o->action) {
	case ACTION_STATUS:
		if (o->json) {
			const char *const names[] = { "kvm" };

			status_json(names, &kvm, 1, &node, true, device, open_error);
		} else if (!o->quiet) {
			printf("kvm: %s\n", module_state_text(kvm.state));
			status_device(&node, device, open_error);
		}
		if (!cli_stdout_ok("modload"))
			return EXIT_NOT_LOADED;
		return device && open_error == 0 ? EXIT_LOADED : EXIT_STATUS_NOT_LOADED;
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
