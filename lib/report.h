/* report.h - the bug-report block: firmware, model, CPU, kernel, KVM, PCI, QEMU */
#ifndef KVMHOST_REPORT_H
#define KVMHOST_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "dmi.h"
#include "host.h"
#include "pci_list.h"
#include "verdict.h"

#define QEMU_VERSION_RECORD "/qemu-version"	/* under --sysroot */
#define REPORT_MODULES 5

struct module_params {
	const char *name;
	struct module_info info;
	char params[2048];	/* "halt_poll_ns=200000 nx_huge_pages=N ..." sorted by name */
};

struct report_facts {
	char qemu_path[64];		/* the host architecture's QEMU, or "" where none is known */
	struct dmi_info dmi;
	struct pci_list pci;
	struct iommu_info iommu;
	char cmdline_kvm[1024];	/* the kernel parameters that matter to KVM */
	struct module_params modules[REPORT_MODULES];	/* kvm, kvm_intel, kvm_amd, kvm_pvm, msr */
	char qemu[200];		/* "QEMU emulator version ..." or why not */
	bool qemu_installed;
};

void report_gather(const struct sysroot *root, bool include_serials, struct report_facts *r);

/* Stable "Key: value" lines, ready to paste into a bug report. */
void report_text(FILE *out, const struct host_facts *f, const struct diagnosis *d, const struct report_facts *r,
		 const char *version);

/* The same as one JSON object. */
void report_json(FILE *out, const struct host_facts *f, const struct diagnosis *d, const struct report_facts *r,
		 const char *version);

/* Reads a module's parameters directory into "name=value ..." (exposed for collect). */
void module_params_read(const struct sysroot *root, const char *module, char *out, size_t size);

/* The detail of a diagnosis's named check, or "not checked". */
const char *report_check_detail(const struct diagnosis *d, enum check_id id);

#endif
