/* cpu.h - what CPUID says about an x86 processor (decoded by libcpuid where
 * the build targets x86-64: lib/arch/x86_64/native/cpuid.c) */
#ifndef KVMHOST_CPU_H
#define KVMHOST_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sysroot.h"

/* Which hardware virtualization extension a vendor implements. */
enum cpu_vt_kind {
	CPU_VT_NONE,	/* vendor unknown: no KVM vendor module fits */
	CPU_VT_VMX,	/* Intel VT-x: Intel, Centaur, Zhaoxin -> kvm_intel */
	CPU_VT_SVM,	/* AMD-V: AMD, Hygon -> kvm_amd */
};

struct cpu_identity {
	bool known;			/* false: CPUID could not be read */
	char error[320];		/* why, when !known */
	char vendor[16];		/* "GenuineIntel", "  Shanghai  ", ... */
	char brand[64];			/* trimmed brand string */
	int family, model, stepping;	/* display family and model */
	enum cpu_vt_kind vt_kind;	/* what this vendor would offer */
	bool has_vt;			/* the VMX or SVM bit is set */
	bool has_npt;			/* AMD nested paging (0x8000000A EDX 0) */
	bool sev, sev_es, sev_snp;	/* AMD 0x8000001F EAX bits 1, 3, 4 */
	bool hypervisor_bit;		/* leaf 1 ECX bit 31 */
	bool hypervisor_leaf_known;	/* leaf 0x40000000 was read */
	char hypervisor_signature[13];	/* "KVMKVMKVM", "Microsoft Hv", ... */
	uint32_t hypervisor_leaf[4];	/* EAX..EDX of leaf 0x40000000 */
};

/* Reads CPUID: from the CPU itself on the live host, from DIR/cpuid.raw
 * (libcpuid's raw dump) and DIR/cpuid.hypervisor under a sysroot. */
void cpu_identify_host(const struct sysroot *root, struct cpu_identity *cpu);

/* Writes this CPU's raw CPUID dump (libcpuid's format) to path, for a
 * snapshot.  Returns 0; 1 when there is none to write (CPUID unreadable, or
 * a build for another architecture), -1 when it could not be written; the
 * reason in why. */
int cpu_raw_dump(const char *path, char *why, size_t size);

/* "VMX", "SVM" or "VT" */
const char *cpu_vt_name(enum cpu_vt_kind kind);

/* The /proc/cpuinfo flag for the extension: "vmx", "svm" or NULL. */
const char *cpu_vt_flag(enum cpu_vt_kind kind);

/* kvm_intel, kvm_amd, or NULL for an unknown vendor. */
const char *cpu_kvm_module(enum cpu_vt_kind kind);

/* The vendor's extension for a CPUID vendor string. */
enum cpu_vt_kind cpu_vt_kind_of_vendor(const char *vendor);

/* A readable name for a hypervisor signature ("KVM", "Hyper-V", ...),
 * or NULL when the signature is not one we know. */
const char *cpu_hypervisor_name(const char *signature);

#endif
