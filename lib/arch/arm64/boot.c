/* arch/arm64/boot.c - did the kernel get EL2, and does KVM run there?
 *
 * The kernel log says it ("CPU: All CPU(s) started at EL2", "kvm [1]: VHE
 * mode initialized successfully", "kvm [1]: HYP mode not available"...),
 * but Debian lets only root read it; /proc/misc (no 232 entry when KVM did
 * not initialize), the kernel command line (kvm-arm.mode=) and the PSCI
 * conduit in the device tree (hvc: a hypervisor owns EL2) are anyone's.
 */
#include "arm64.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *text;		/* in a kernel log line */
	enum arm64_el2 el2;
} log_signs[] = {
	/* the most telling first: KVM's own word beats the boot CPU's */
	{ "Protected nVHE mode initialized successfully", ARM64_EL2_PROTECTED },
	{ "VHE mode initialized successfully", ARM64_EL2_VHE },
	{ "Hyp mode initialized successfully", ARM64_EL2_NVHE },
	{ "KVM disabled from command line", ARM64_EL2_DISABLED },
	{ "HYP mode not available", ARM64_EL2_NOT_AVAILABLE },
	{ "started at EL1", ARM64_EL2_NOT_AVAILABLE },
	{ "started at EL2", ARM64_EL2_STARTED },
};

const char *arm64_el2_text(enum arm64_el2 el2)
{
	static const char *const text[] = {
		[ARM64_EL2_UNKNOWN] = "unknown", [ARM64_EL2_VHE] = "VHE", [ARM64_EL2_NVHE] = "nVHE",
		[ARM64_EL2_PROTECTED] = "protected nVHE (pKVM)", [ARM64_EL2_STARTED] = "EL2, KVM's mode not logged",
		[ARM64_EL2_NOT_AVAILABLE] = "no EL2 (started at EL1)", [ARM64_EL2_DISABLED] = "disabled (kvm-arm.mode=none)",
	};

	return text[el2];
}

bool arm64_kvm_initialized(const struct arm64_boot *boot)
{
	return boot->el2 == ARM64_EL2_VHE || boot->el2 == ARM64_EL2_NVHE || boot->el2 == ARM64_EL2_PROTECTED;
}

static void from_log(const struct sysroot *root, struct arm64_boot *boot)
{
	struct kmsg_lines log;
	size_t best = sizeof(log_signs) / sizeof(log_signs[0]);

	kmsg_kvm_lines(root, &log);
	boot->log_error = log.error;
	for (int i = 0; i < log.count; i++)
		for (size_t k = 0; k < best; k++)
			if (strstr(log.line[i], log_signs[k].text)) {
				best = k;
				boot->el2 = log_signs[k].el2;
				snprintf(boot->evidence, sizeof(boot->evidence), "kernel log: %s", log.line[i]);
				break;
			}
}

static void from_misc(const struct sysroot *root, struct arm64_boot *boot)
{
	char text[4096];
	unsigned int minor;
	char name[32], *line, *save = NULL;

	boot->misc_kvm = -1;
	if (sysroot_read_text(root, "/proc/misc", text, sizeof(text)) < 0)
		return;
	boot->misc_kvm = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (sscanf(line, "%u %31s", &minor, name) == 2 && minor == 232 && strcmp(name, "kvm") == 0)
			boot->misc_kvm = 1;
}

static void from_cmdline(const struct sysroot *root, struct arm64_boot *boot)
{
	char text[4096];
	const char *p;

	if (sysroot_read_text(root, "/proc/cmdline", text, sizeof(text)) < 0)
		return;
	for (p = strstr(text, "kvm-arm.mode="); p; p = strstr(p + 1, "kvm-arm.mode="))
		if (p == text || p[-1] == ' ')
			sscanf(p + 13, "%23s", boot->cmdline_mode);
	boot->cmdline_none = strcmp(boot->cmdline_mode, "none") == 0;
}

/* Bare metal or a virtual machine: the PSCI conduit (device-tree systems),
 * else what DMI says (ACPI servers and cloud instances). */
static void machine(const struct sysroot *root, struct arm64_boot *boot)
{
	static const char *const guest_vendors[] = {
		"QEMU", "Amazon EC2", "Google", "Microsoft Corporation", "VMware, Inc.", "Xen", "Red Hat",
		"Oracle Corporation", "Alibaba Cloud", "Hetzner", "Scaleway",
	};
	char vendor[96] = "", product[96] = "";

	if (sysroot_read_text(root, "/proc/device-tree/psci/method", boot->psci_method, sizeof(boot->psci_method)) > 0) {
		if (strcmp(boot->psci_method, "hvc") == 0) {
			boot->machine = ARM64_MACHINE_VIRTUAL;
			snprintf(boot->machine_evidence, sizeof(boot->machine_evidence),
				 "PSCI calls go through hvc: a hypervisor owns EL2");
			return;
		}
		if (strcmp(boot->psci_method, "smc") == 0) {
			boot->machine = ARM64_MACHINE_BARE_METAL;
			snprintf(boot->machine_evidence, sizeof(boot->machine_evidence),
				 "PSCI calls go through smc: no hypervisor below the kernel");
			return;
		}
	}
	sysroot_read_text(root, "/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor));
	sysroot_read_text(root, "/sys/class/dmi/id/product_name", product, sizeof(product));
	if (!vendor[0])
		return;
	snprintf(boot->machine_evidence, sizeof(boot->machine_evidence), "DMI: %.40s %.40s", vendor, product);
	if (strstr(product, ".metal")) {
		boot->machine = ARM64_MACHINE_BARE_METAL;
		return;
	}
	for (size_t i = 0; i < sizeof(guest_vendors) / sizeof(guest_vendors[0]); i++)
		if (strcmp(vendor, guest_vendors[i]) == 0)
			boot->machine = ARM64_MACHINE_VIRTUAL;
}

void arm64_boot_read(const struct sysroot *root, struct arm64_boot *boot)
{
	memset(boot, 0, sizeof(*boot));
	from_log(root, boot);
	from_misc(root, boot);
	from_cmdline(root, boot);
	machine(root, boot);
	if (sysroot_read_text(root, "/proc/device-tree/model", boot->model, sizeof(boot->model)) <= 0)
		boot->model[0] = '\0';
	if (boot->el2 == ARM64_EL2_UNKNOWN && boot->cmdline_none) {
		boot->el2 = ARM64_EL2_DISABLED;
		snprintf(boot->evidence, sizeof(boot->evidence), "kernel command line: kvm-arm.mode=none");
	}
}
