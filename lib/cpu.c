/* cpu.c - what the x86 CPU vendors offer: the extension (VMX or SVM), its
 * /proc/cpuinfo flag and KVM module, and the hypervisors' CPUID signatures.
 * Reading CPUID is the target's own (lib/arch/x86_64/native/cpuid.c).
 */
#include "cpu.h"

#include <string.h>

static const struct {
	const char *vendor;
	enum cpu_vt_kind kind;
} vendors[] = {
	{ "GenuineIntel", CPU_VT_VMX },
	{ "CentaurHauls", CPU_VT_VMX },
	{ "  Shanghai  ", CPU_VT_VMX },
	{ "AuthenticAMD", CPU_VT_SVM },
	{ "HygonGenuine", CPU_VT_SVM },
};

static const struct {
	const char *signature;
	const char *name;
} hypervisors[] = {
	{ "KVMKVMKVM", "KVM" },
	{ "Linux KVM Hv", "KVM (Hyper-V emulation)" },
	{ "Microsoft Hv", "Microsoft Hyper-V" },
	{ "VMwareVMware", "VMware" },
	{ "XenVMMXenVMM", "Xen" },
	{ "TCGTCGTCGTCG", "QEMU TCG" },
	{ "bhyve bhyve ", "bhyve" },
	{ "ACRNACRNACRN", "ACRN" },
	{ "QNXQVMBSQG", "QNX hypervisor" },
	{ "Apple VZ", "Apple Virtualization" },
	{ "VBoxVBoxVBox", "VirtualBox" },
	{ " lrpepyh  vr", "Parallels" },
};

enum cpu_vt_kind cpu_vt_kind_of_vendor(const char *vendor)
{
	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++)
		if (strcmp(vendor, vendors[i].vendor) == 0)
			return vendors[i].kind;
	return CPU_VT_NONE;
}

const char *cpu_vt_name(enum cpu_vt_kind kind)
{
	return kind == CPU_VT_VMX ? "VMX" : kind == CPU_VT_SVM ? "SVM" : "VT";
}

const char *cpu_vt_flag(enum cpu_vt_kind kind)
{
	return kind == CPU_VT_VMX ? "vmx" : kind == CPU_VT_SVM ? "svm" : NULL;
}

const char *cpu_kvm_module(enum cpu_vt_kind kind)
{
	return kind == CPU_VT_VMX ? "kvm_intel" : kind == CPU_VT_SVM ? "kvm_amd" : NULL;
}

const char *cpu_hypervisor_name(const char *signature)
{
	for (size_t i = 0; i < sizeof(hypervisors) / sizeof(hypervisors[0]); i++)
		if (strcmp(signature, hypervisors[i].signature) == 0)
			return hypervisors[i].name;
	return NULL;
}
