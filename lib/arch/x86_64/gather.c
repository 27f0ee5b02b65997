/* arch/x86_64/gather.c - an x86-64 host's facts: CPUID (libcpuid), /proc/cpuinfo,
 * the firmware's lock MSRs, the kvm and vendor modules */
#include "arch.h"
#include "x86_64.h"

void x86_64_gather(const struct sysroot *root, struct host_facts *f)
{
	const char *vendor_module;

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
}
