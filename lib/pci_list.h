/* pci_list.h - the PCI devices, through libpci, and the IOMMU state */
#ifndef KVMHOST_PCI_LIST_H
#define KVMHOST_PCI_LIST_H

#include <stdbool.h>

#include "sysroot.h"

#define PCI_LIST_MAX 256

struct pci_entry {
	unsigned int domain, bus, dev, func;
	unsigned int vendor, device, class_code;	/* class_code: base and subclass */
	char name[160];					/* "Red Hat, Inc. Virtio 1.0 block device" */
	char class_name[80];				/* "Mass storage controller" */
};

struct pci_list {
	bool readable;
	char error[200];
	int count;		/* entries kept (at most PCI_LIST_MAX) */
	int total;		/* devices found */
	bool names;		/* names came from the PCI ID database */
	int skipped;		/* broken entries of a host image, not listed */
	char skip_why[160];	/* the first one's fault */
	struct pci_entry dev[PCI_LIST_MAX];
};

struct iommu_info {
	int units;		/* entries in /sys/class/iommu */
	int groups;		/* entries in /sys/kernel/iommu_groups */
	bool dmar, ivrs;	/* ACPI tables describing VT-d / AMD-Vi */
};

/* Lists the devices under ROOT/sys/bus/pci through libpci's sysfs access,
 * sorted by address. */
void pci_list_read(const struct sysroot *root, struct pci_list *list);

void iommu_read(const struct sysroot *root, struct iommu_info *io);

#endif
