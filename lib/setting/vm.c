/* setting/vm.c - a virtual machine: nested virtualization is the outer
 * hypervisor's setting, named after the hypervisor's CPUID signature */
#include "advice.h"

#include <string.h>

static bool applies(const struct host_facts *f)
{
	return f->cpu.known && f->cpu.hypervisor_bit;
}

static int nested(const struct host_facts *f, struct advice *out)
{
	const char *name = f->cpu.hypervisor_leaf_known ? cpu_hypervisor_name(f->cpu.hypervisor_signature) : NULL;
	const char *sig = f->cpu.hypervisor_signature;
	const char *mod = cpu_kvm_module(f->cpu.vt_kind) ? cpu_kvm_module(f->cpu.vt_kind) : "kvm_intel";

	if (!name)
		return advice_add(out, "This is a virtual machine: enable nested virtualization (VT-x/AMD-V passthrough) for it in the outer hypervisor.");
	if (strcmp(sig, "KVMKVMKVM") == 0 || strcmp(sig, "Linux KVM Hv") == 0)
		return advice_add(out, "This is a KVM guest: on the outer host, load %s with nested=1 "
				  "(echo 'options %s nested=1' > /etc/modprobe.d/kvm-nested.conf, then reload it) and start this guest with -cpu host.",
				  mod, mod);
	if (strcmp(sig, "Microsoft Hv") == 0)
		return advice_add(out, "This is a Hyper-V guest: with the VM off, run on the Windows host: Set-VMProcessor -VMName NAME -ExposeVirtualizationExtensions $true");
	if (strcmp(sig, "VMwareVMware") == 0)
		return advice_add(out, "This is a VMware guest: with the VM off, tick 'Virtualize Intel VT-x/EPT or AMD-V/RVI' in its processor settings (vhv.enable = \"TRUE\").");
	if (strcmp(sig, "XenVMMXenVMM") == 0)
		return advice_add(out, "This is a Xen guest: set nestedhvm=1 in its domain configuration and restart it.");
	if (strcmp(sig, "VBoxVBoxVBox") == 0)
		return advice_add(out, "This is a VirtualBox guest: with the VM off, run VBoxManage modifyvm NAME --nested-hw-virt on");
	if (strcmp(sig, "TCGTCGTCGTCG") == 0)
		return advice_add(out, "This guest runs under QEMU's TCG emulator, which has no hardware acceleration to pass on; "
				  "-cpu max emulates SVM, but nested guests are then emulated too.");
	return advice_add(out, "This is a %s guest: enable nested virtualization for it in %s.", name, name);
}

static int advise_vm(const struct advice_request *q, struct advice *out)
{
	return q->situation == SITUATION_NO_VT ? nested(q->f, out) : 0;
}

const struct setting_advice setting_vm = { "vm", applies, advise_vm };
