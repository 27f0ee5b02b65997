/* arch/arm64/readiness.c - readiness that is arm64's: the SMMU for device
 * assignment (ACPI IORT or the device tree), the interrupt controller, and
 * what KVM offers arm64 guests (address space, EL2 for nested guests) */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "readiness.h"
#include "arm64_ops.h"

static void check_smmu(const struct host_facts *f, struct readiness *r)
{
	const struct sysroot *root = &f->root;
	int units = sysroot_count_entries(root, "/sys/class/iommu");
	int groups = sysroot_count_entries(root, "/sys/kernel/iommu_groups");
	struct stat st;
	bool iort = sysroot_stat(root, "/sys/firmware/acpi/tables/IORT", &st) == 0;
	struct ready_check *c;

	if (groups > 0) {
		readiness_add(r, "iommu", CHECK_PASS, "device assignment ready: %d IOMMU groups, %d SMMU unit%s%s", groups,
			      units > 0 ? units : 0, units == 1 ? "" : "s", iort ? " (ACPI IORT)" : "");
	} else if (f->arm64_boot.machine == ARM64_MACHINE_VIRTUAL) {
		c = readiness_add(r, "iommu", CHECK_WARN, "no IOMMU groups: this virtual machine has no virtual SMMU");
		readiness_hint(c, "Device assignment (VFIO) in a guest needs a virtual SMMU from the outer hypervisor "
			       "(QEMU: -M virt,iommu=smmuv3).");
	} else {
		c = readiness_add(r, "iommu", CHECK_WARN, "no IOMMU groups: no SMMU is in use%s",
				  iort ? " although the firmware describes one (ACPI IORT)" : "");
		readiness_hint(c, "Look for the kernel's SMMU messages: dmesg | grep -i smmu; boards without an SMMU cannot "
			       "assign devices to guests.");
	}
	readiness_add(r, "vfio", CHECK_INFO, "vfio-pci is %sloaded%s", readiness_module_loaded(root, "vfio_pci") ? "" : "not ",
		      readiness_module_loaded(root, "vfio_pci") ? " (device assignment driver)" : " (modprobe vfio-pci when assigning devices)");
}

/* The GIC, as /proc/interrupts names it: KVM's virtual GIC follows it. */
static void check_gic(const struct host_facts *f, struct readiness *r)
{
	static const char *const gics[] = { "GICv4", "GICv3", "GICv2", "GIC-" };
	char text[8192];

	if (sysroot_read_text(&f->root, "/proc/interrupts", text, sizeof(text)) < 0) {
		readiness_add(r, "gic", CHECK_UNKNOWN, "interrupt controller: /proc/interrupts unreadable");
		return;
	}
	for (size_t i = 0; i < sizeof(gics) / sizeof(gics[0]); i++)
		if (strstr(text, gics[i])) {
			readiness_add(r, "gic", CHECK_INFO, "interrupt controller: %s%s (guests get a virtual GIC of that kind)",
				      strcmp(gics[i], "GIC-") == 0 ? "GICv2" : gics[i],
				      strcmp(gics[i], "GIC-") == 0 ? " (as GIC-0)" : "");
			return;
		}
	readiness_add(r, "gic", CHECK_INFO, "interrupt controller: not a GIC named in /proc/interrupts");
}

/* KVM_CAP_ARM_VM_IPA_SIZE and KVM_CAP_ARM_EL2, as the probe asked them
 * (nothing when the device did not answer: the limits line says so). */
static void check_guest_limits(const struct host_facts *f, struct readiness *r)
{
	const struct kvm_probe *p = &f->probe;

	if (!p->ran || p->failed_step < PROBE_CREATE_VM || p->nr_vcpus <= 0)
		return;
	if (p->ipa_bits > 0)
		readiness_add(r, "ipa", CHECK_INFO, "guest physical address space: up to %d bits (%llu GiB; "
			      "KVM_CAP_ARM_VM_IPA_SIZE)", p->ipa_bits,
			      p->ipa_bits < 64 ? (1ull << p->ipa_bits) >> 30 : 0ull);
	else
		readiness_add(r, "ipa", CHECK_INFO, "guest physical address space: 40 bits (1024 GiB), the default "
			      "(the kernel does not report KVM_CAP_ARM_VM_IPA_SIZE)");
	if (p->arm_el2 > 0)
		readiness_add(r, "nested", CHECK_INFO, "nested virtualization: guests can have EL2 (KVM_CAP_ARM_EL2; "
			      "QEMU: -M virt,virtualization=on)");
	else
		readiness_add(r, "nested", CHECK_INFO, "nested virtualization: not offered to guests (KVM_CAP_ARM_EL2 "
			      "needs Linux 6.16 or later booted with kvm-arm.mode=nested, on a CPU with FEAT_NV2)");
}

void arm64_readiness(const struct host_facts *f, struct readiness *r)
{
	check_smmu(f, r);
	check_gic(f, r);
	check_guest_limits(f, r);
}
