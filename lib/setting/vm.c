/* setting/vm.c - a virtual machine: nested virtualization is the outer
 * hypervisor's setting, named after the hypervisor's CPUID signature */
#include "advice.h"

#include <stdio.h>
#include <string.h>

static bool applies(const struct advice_context *ctx)
{
	return ctx->virtual_machine;
}

/* A VM whose DMI names neither a cloud (lib/setting/cloud.c answers for
 * those) nor a hypervisor product's own defaults may be a hosted VM whose
 * customer has no outer host: that comes first, the outer host's recipe
 * after it.  VirtualBox and TCG run on the user's own machine. */
static int maybe_hosted(const struct advice_context *ctx, const char *name, struct advice *out)
{
	const char *sig = ctx->hypervisor_signature;

	if (ctx->setting.cloud.owner == VM_OWNER_LOCAL || strcmp(sig, "VBoxVBoxVBox") == 0 ||
	    strcmp(sig, "TCGTCGTCGTCG") == 0)
		return 0;
	return advice_add(out, "This %s names no cloud in its DMI: if it is a cloud or hosted VM, ask the provider for "
			  "nested virtualization or a bare-metal instance; if it is your own, on its host:",
			  name ? name : "virtual machine");
}

static int nested(const struct advice_context *ctx, struct advice *out)
{
	const char *name = ctx->hypervisor_leaf_known ? cpu_hypervisor_name(ctx->hypervisor_signature) : NULL;
	const char *sig = ctx->hypervisor_signature;
	const char *mod = cpu_kvm_module(ctx->vt_kind) ? cpu_kvm_module(ctx->vt_kind) : "kvm_intel";
	char guest[64];

	snprintf(guest, sizeof(guest), "%s guest", name ? name : "");
	maybe_hosted(ctx, name ? guest : NULL, out);
	if (ctx->arch == HOST_ARCH_ARM64)
		return advice_add(out, "Run on bare metal or in a hypervisor that offers nested virtualization to arm64 "
				  "guests (QEMU: -M virt,virtualization=on).");

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
	return q->situation == SITUATION_NO_VT ? nested(q->ctx, out) : 0;
}

const struct setting_advice setting_vm = { "vm", applies, advise_vm };
