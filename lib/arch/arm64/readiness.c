/* arch/arm64/readiness.c - readiness that is arm64's: the SMMU for device
 * assignment (ACPI IORT or the device tree), the interrupt controller */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "readiness.h"

static void check_smmu(const struct host_facts *f, struct readiness *r)
{
	const struct sysroot *root = &f->root;
	int units = sysroot_count_entries(root, "/sys/class/iommu");
	int groups = sysroot_count_entries(root, "/sys/kernel/iommu_groups");
	struct stat st;
	bool iort = sysroot_stat(root, "/sys/firmware/acpi/tables/IORT", &st) == 0;
	struct ready_check *c;

	if (groups > 0) {
		readiness_add(r, "iommu", READY_PASS, "device assignment ready: %d IOMMU groups, %d SMMU unit%s%s", groups,
			      units > 0 ? units : 0, units == 1 ? "" : "s", iort ? " (ACPI IORT)" : "");
	} else if (f->arm64_boot.machine == ARM64_MACHINE_VIRTUAL) {
		c = readiness_add(r, "iommu", READY_WARN, "no IOMMU groups: this virtual machine has no virtual SMMU");
		readiness_hint(c, "Device assignment (VFIO) in a guest needs a virtual SMMU from the outer hypervisor "
			       "(QEMU: -M virt,iommu=smmuv3).");
	} else {
		c = readiness_add(r, "iommu", READY_WARN, "no IOMMU groups: no SMMU is in use%s",
				  iort ? " although the firmware describes one (ACPI IORT)" : "");
		readiness_hint(c, "Look for the kernel's SMMU messages: dmesg | grep -i smmu; boards without an SMMU cannot "
			       "assign devices to guests.");
	}
	readiness_add(r, "vfio", READY_INFO, "vfio-pci is %sloaded%s", readiness_module_loaded(root, "vfio_pci") ? "" : "not ",
		      readiness_module_loaded(root, "vfio_pci") ? " (device assignment driver)" : " (modprobe vfio-pci when assigning devices)");
}

/* The GIC, as /proc/interrupts names it: KVM's virtual GIC follows it. */
static void check_gic(const struct host_facts *f, struct readiness *r)
{
	static const char *const gics[] = { "GICv4", "GICv3", "GICv2", "GIC-" };
	char text[8192];

	if (sysroot_read_text(&f->root, "/proc/interrupts", text, sizeof(text)) < 0) {
		readiness_add(r, "gic", READY_UNKNOWN, "interrupt controller: /proc/interrupts unreadable");
		return;
	}
	for (size_t i = 0; i < sizeof(gics) / sizeof(gics[0]); i++)
		if (strstr(text, gics[i])) {
			readiness_add(r, "gic", READY_INFO, "interrupt controller: %s%s (guests get a virtual GIC of that kind)",
				      strcmp(gics[i], "GIC-") == 0 ? "GICv2" : gics[i],
				      strcmp(gics[i], "GIC-") == 0 ? " (as GIC-0)" : "");
			return;
		}
	readiness_add(r, "gic", READY_INFO, "interrupt controller: not a GIC named in /proc/interrupts");
}

void arm64_readiness(const struct host_facts *f, struct readiness *r)
{
	check_smmu(f, r);
	check_gic(f, r);
}
