/* host.c - the probe sequence */
#include "host.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Under QEMU's TCG every instruction of this host is emulated, creating a
 * VM included: the probe gets a longer bound there. */
static int probe_deadline(const struct host_facts *f, const struct host_options *opts)
{
	if (opts->probe_deadline_ms > 0)
		return opts->probe_deadline_ms;
	if (f->cpu.hypervisor_leaf_known && strcmp(f->cpu.hypervisor_signature, "TCGTCGTCGTCG") == 0)
		return KVM_PROBE_DEADLINE_TCG_MS;
	return KVM_PROBE_DEADLINE_MS;
}

void host_gather(const struct sysroot *root, const struct host_options *opts, struct host_facts *f)
{
	const char *vendor_module;

	memset(f, 0, sizeof(*f));
	f->root = *root;
#if defined(__x86_64__)
	f->x86_64 = true;
#endif
	f->is_root = geteuid() == 0;
	kernel_release_read(root, &f->kernel);
	setting_detect(root, &f->kernel, &f->setting);
	if (!f->x86_64)
		return;

	cpu_identify_host(root, &f->cpu);
	cpuinfo_read(root, &f->cpuinfo);
	if (f->cpu.known && f->cpu.has_vt)
		msr_firmware_state(root, f->cpu.vt_kind, f->cpuinfo.numbers, f->cpuinfo.cpus, &f->firmware);

	module_probe(root, "kvm", &f->kvm);
	module_probe(root, "kvm_pvm", &f->pvm);
	/* without CPUID, the vendor in /proc/cpuinfo still names the module */
	vendor_module = cpu_kvm_module(f->cpu.known ? f->cpu.vt_kind : cpu_vt_kind_of_vendor(f->cpuinfo.vendor));
	if (vendor_module) {
		module_probe(root, vendor_module, &f->vendor_module);
		if (f->kernel.known)
			f->vendor_availability = module_availability(root, f->kernel.release, vendor_module,
					f->vendor_module_file, sizeof(f->vendor_module_file),
					f->module_tree, sizeof(f->module_tree));
	}

	kvm_node_inspect(root, &f->node);
	f->probe_requested = opts->probe;
	if (opts->probe)
		kvm_probe_run(root, &f->node, probe_deadline(f, opts), &f->probe);
}

bool host_kvm_hidden_from_container(const struct host_facts *f)
{
	const struct kvm_probe *p = &f->probe;

	if (f->setting.runtime == RUNTIME_NONE || !f->setting.kvm_registered)
		return false;
	return f->node.kind == KVM_NODE_ABSENT ||
	       (p->ran && !p->timed_out && p->failed_step == PROBE_OPEN && p->error == EPERM);
}

void host_release(struct host_facts *f)
{
	cpuinfo_free(&f->cpuinfo);
}
