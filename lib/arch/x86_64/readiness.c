/* arch/x86_64/readiness.c - readiness that is x86-64's: VT-d / AMD-Vi
 * (ACPI DMAR, IVRS), AMD SEV and Intel TDX, the vendor module's nested */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "readiness.h"
#include "x86_64.h"

static bool cmdline_has(const char *cmdline, const char *param)
{
	size_t len = strlen(param);

	for (const char *p = cmdline; (p = strstr(p, param)) != NULL; p += len)
		if ((p == cmdline || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0' || param[len - 1] == '='))
			return true;
	return false;
}

static void check_iommu(const struct host_facts *f, struct readiness *r)
{
	const struct sysroot *root = &f->root;
	bool intel = f->cpu.vt_kind == CPU_VT_VMX, dmar, ivrs;
	int units = sysroot_count_entries(root, "/sys/class/iommu");
	int groups = sysroot_count_entries(root, "/sys/kernel/iommu_groups");
	char cmdline[4096] = "";
	struct stat st;
	struct ready_check *c;

	sysroot_read_text(root, "/proc/cmdline", cmdline, sizeof(cmdline));
	dmar = sysroot_stat(root, "/sys/firmware/acpi/tables/DMAR", &st) == 0;
	ivrs = sysroot_stat(root, "/sys/firmware/acpi/tables/IVRS", &st) == 0;
	if (groups > 0) {
		readiness_add(r, "iommu", CHECK_PASS, "device assignment ready: %d IOMMU groups, %d IOMMU unit%s (ACPI %s)", groups,
			units, units == 1 ? "" : "s", dmar ? "DMAR" : ivrs ? "IVRS" : "table not seen");
	} else if (!dmar && !ivrs) {
		if (f->cpu.hypervisor_bit) {
			c = readiness_add(r, "iommu", CHECK_WARN, "no IOMMU: this virtual machine has no virtual IOMMU (no ACPI DMAR/IVRS table)");
			readiness_hint(c, "Device assignment (VFIO) in a guest needs a virtual IOMMU from the outer hypervisor "
				"(QEMU: -device intel-iommu or amd-iommu).");
		} else {
			c = readiness_add(r, "iommu", CHECK_WARN, "no IOMMU described: the firmware has no ACPI %s table",
				intel ? "DMAR (VT-d)" : "IVRS (AMD-Vi)");
			readiness_hint(c, "Enable %s in the firmware setup; if it has no such setting, this platform has no IOMMU.",
			     intel ? "\"VT-d\"" : "\"IOMMU\" / AMD-Vi");
		}
	} else if (cmdline_has(cmdline, "intel_iommu=off") || cmdline_has(cmdline, "amd_iommu=off") ||
		   cmdline_has(cmdline, "iommu=off")) {
		c = readiness_add(r, "iommu", CHECK_FAIL, "the firmware describes an IOMMU (ACPI %s) but the kernel command line turns it off",
			dmar ? "DMAR" : "IVRS");
		readiness_hint(c, "Remove intel_iommu=off / amd_iommu=off / iommu=off from GRUB_CMDLINE_LINUX in /etc/default/grub, "
			"then update-grub and reboot.");
	} else if (dmar && !cmdline_has(cmdline, "intel_iommu=on")) {
		c = readiness_add(r, "iommu", CHECK_WARN, "the firmware describes VT-d (ACPI DMAR) but the kernel was not told to use it (no IOMMU groups)");
		readiness_hint(c, "Add intel_iommu=on to GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and reboot.");
	} else {
		c = readiness_add(r, "iommu", CHECK_WARN, "the firmware describes an IOMMU (ACPI %s) and the kernel has no IOMMU groups",
			dmar ? "DMAR" : "IVRS");
		readiness_hint(c, "Look for the kernel's DMAR / AMD-Vi messages: dmesg | grep -iE 'dmar|amd-vi|iommu'");
	}
	if (readiness_module_loaded(root, "vfio_pci"))
		readiness_add(r, "vfio", CHECK_INFO, "vfio-pci is loaded (device assignment driver)");
	else if (!modules_visible(root))
		readiness_add(r, "vfio", CHECK_INFO, "vfio-pci: unknown here (/sys/module is not visible)");
	else
		readiness_add(r, "vfio", CHECK_INFO, "vfio-pci is not loaded (modprobe vfio-pci when assigning devices)");
}

static bool param_on(const struct sysroot *root, const char *module, const char *param, bool *known)
{
	char text[16];

	*known = sysroot_readf_text(root, text, sizeof(text), "/sys/module/%s/parameters/%s", module, param) > 0;
	return *known && (text[0] == 'Y' || text[0] == '1');
}

static void check_confidential(const struct host_facts *f, struct readiness *r)
{
	const struct sysroot *root = &f->root;
	struct stat st;
	bool known;

	if (f->cpu.vt_kind == CPU_VT_SVM) {
		bool sev_on, es_on, snp_on, dev;
		struct ready_check *c;

		if (!f->cpu.sev) {
			readiness_add(r, "sev", CHECK_INFO, "AMD SEV: the CPU has none (CPUID 0x8000001F)");
			return;
		}
		sev_on = param_on(root, "kvm_amd", "sev", &known);
		if (!known) {
			c = readiness_add(r, "sev", CHECK_UNKNOWN, "AMD SEV: the CPU has SEV%s%s; kvm_amd is not loaded, so the kernel's side is unknown",
				f->cpu.sev_es ? ", SEV-ES" : "", f->cpu.sev_snp ? ", SEV-SNP" : "");
			readiness_hint(c, "Load kvm_amd (modload) and run kvm-ok again.");
			return;
		}
		es_on = param_on(root, "kvm_amd", "sev_es", &known);
		snp_on = param_on(root, "kvm_amd", "sev_snp", &known);
		dev = sysroot_stat(root, "/dev/sev", &st) == 0;
		if (!sev_on) {
			c = readiness_add(r, "sev", CHECK_WARN, "AMD SEV: the CPU has it but kvm_amd has sev off");
			readiness_hint(c, "Turn it on: options kvm_amd sev=1 in /etc/modprobe.d/kvm.conf (or kvm_amd.sev=1 on the kernel "
				"command line), then reload kvm_amd.");
		} else if (!dev) {
			c = readiness_add(r, "sev", CHECK_WARN, "AMD SEV: kvm_amd has sev on but /dev/sev is missing: the firmware (PSP) did not enable it");
			readiness_hint(c, "Enable SEV (and the SEV-ES ASID space) in the firmware setup; the ccp module provides /dev/sev.");
		} else {
			readiness_add(r, "sev", CHECK_PASS, "AMD %s usable (CPU, firmware and kvm_amd agree)",
			    f->cpu.sev_snp && snp_on ? "SEV-SNP" : f->cpu.sev_es && es_on ? "SEV-ES" : "SEV");
		}
	} else if (f->cpu.vt_kind == CPU_VT_VMX) {
		if (param_on(root, "kvm_intel", "tdx", &known))
			readiness_add(r, "tdx", CHECK_PASS, "Intel TDX usable (kvm_intel has tdx on)");
		else if (known)
			readiness_add(r, "tdx", CHECK_INFO, "Intel TDX: kvm_intel has tdx off (host support needs Linux 6.16 or later and TDX in firmware)");
		else
			readiness_add(r, "tdx", CHECK_INFO, "Intel TDX: not offered by this kernel's kvm_intel");
	}
}

static void check_nested(const struct host_facts *f, struct readiness *r)
{
	const struct module_info *m = &f->vendor_module;
	struct ready_check *c;

	if (m->state == MODULE_HIDDEN) {
		readiness_add(r, "nested", CHECK_UNKNOWN, "nested virtualization: unknown here: /sys/module is not "
			      "visible (systemd-nspawn shows none); kvm-ok on the host says");
	} else if (!m->name || !module_is_loaded(m)) {
		c = readiness_add(r, "nested", CHECK_UNKNOWN, "nested virtualization: the vendor module is not loaded");
		readiness_hint(c, "Load it (modload) and run kvm-ok again.");
	} else if (m->nested[0] == 'Y' || m->nested[0] == '1') {
		readiness_add(r, "nested", CHECK_PASS, "nested virtualization on: guests may use %s (%s nested=%s)",
		    cpu_vt_name(f->cpu.vt_kind), m->name, m->nested);
	} else {
		c = readiness_add(r, "nested", CHECK_WARN, "nested virtualization off: guests cannot run their own KVM (%s nested=%s)", m->name,
			m->nested[0] ? m->nested : "?");
		readiness_hint(c, "modload --unload; modload --nested, or put \"options %s nested=1\" in /etc/modprobe.d/kvm.conf "
			"and reload %s.", m->name, m->name);
	}
}

void x86_readiness(const struct host_facts *f, struct readiness *r)
{
	check_iommu(f, r);
	check_confidential(f, r);
	check_nested(f, r);
}
