/* explain.c - after a failed load: what the kernel answered, what kvm-ok
 * finds about the CPU and firmware, and the kernel's own lines */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "errno_name.h"
#include "host.h"
#include "kmsg.h"
#include "modload.h"
#include "verdict.h"

/* kvm-ok's diagnosis without the probe; whether it finds that the CPU or
 * firmware cannot run KVM. */
bool kvm_ok_finds_cause(const struct sysroot *root, struct diagnosis *d)
{
	struct host_options opts = { .probe = false, .probe_deadline_ms = 0 };

	diagnose_host(root, &opts, d);
	return d->reason == REASON_NO_CPU_SUPPORT || d->reason == REASON_DISABLED_BY_FIRMWARE;
}

/* Its CPU and firmware findings; cause_known: the caller has named the
 * cause already. */
void print_findings(const struct diagnosis *d, bool cause, bool cause_known)
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

const char *vt_words(const char *module)
{
	return strcmp(module, "kvm_amd") == 0 ? "AMD-V (SVM)" : "Intel VT-x (VMX)";
}

/* The plan failed before the kernel was asked (not installed, blacklisted,
 * an install command, a dependency cycle): says why and returns true. */
static bool explain_plan_failure(const char *release, const struct load_result *r, const char *tree)
{
	const char *mod = r->failed_module;

	switch (r->outcome) {
	case LOAD_NOT_FOUND:
		if (strcmp(mod, r->requested) != 0) {
			complain("%s is an alias for %s (modprobe.d), which is not installed for kernel %s "
				 "(not in %s): remove the alias line, or install the module it names",
				 r->requested, mod, release, tree);
			return true;
		}
		complain("%s is not installed for kernel %s (not in %s): install the package that ships "
			 "the running kernel's modules (linux-image-%s), or boot a kernel that has it",
			 mod, release, tree, release);
		return true;
	case LOAD_BLACKLISTED:
		complain("%s is blacklisted in modprobe.d (a \"blacklist %s\" line): remove that line to let modload load it",
			 mod, mod);
		return true;
	case LOAD_INSTALL_COMMAND:
		complain("modprobe.d has an \"install\" command for %s; modload runs no shell commands: "
			 "remove the line, or load it with modprobe %s", r->failed_module, r->failed_module);
		return true;

	case LOAD_DEPENDENCY_CYCLE:
		complain("the module index of kernel %s is damaged: its dependencies of %s go round in a cycle "
			 "(%s), so no order can load them; nothing was loaded: rebuild the index with depmod %s, "
			 "or reinstall the kernel's package (linux-image-%s)", release, r->failed_module, r->cycle,
			 release, release);
		return true;

	default:
		return false;
	}
}

int explain_failure(const struct sysroot *root, const char *release, const char *vendor_mod,
		    const struct load_result *r, const char *tree)
{
	const char *mod = r->failed_module;
	int e = r->error;

	if (explain_plan_failure(release, r, tree))
		return EXIT_NOT_LOADED;
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

