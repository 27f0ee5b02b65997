/* host.c - the probe sequence */
#include "host.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "arch.h"

/* Under QEMU's TCG every instruction of this host is emulated, creating a
 * VM included: the probe gets a longer bound there. */
static int probe_deadline(const struct host_facts *f, const struct host_options *opts)
{
	if (opts->probe_deadline_ms > 0)
		return opts->probe_deadline_ms;
	if (f->cpu.hypervisor_leaf_known && strcmp(f->cpu.hypervisor_signature, "TCGTCGTCGTCG") == 0)
		return KVM_PROBE_DEADLINE_TCG_MS;
	/* arm64 has no hypervisor signature: MIDR implementer 0 is QEMU's TCG */
	if (f->arch == HOST_ARCH_ARM64 && f->arm64_cpu.known && f->arm64_cpu.implementer == 0)
		return KVM_PROBE_DEADLINE_TCG_MS;
	return KVM_PROBE_DEADLINE_MS;
}

enum host_arch host_arch_read(const struct sysroot *root, char *name, size_t size)
{
	struct utsname u;

	if (!sysroot_is_live(root)) {
		if (sysroot_read_text(root, "/proc/sys/kernel/arch", name, size) <= 0)
			snprintf(name, size, "x86_64");
	} else if (uname(&u) == 0) {
		snprintf(name, size, "%s", u.machine);
	} else {
		snprintf(name, size, "unknown");
	}
	if (strcmp(name, "x86_64") == 0)
		return HOST_ARCH_X86_64;
	/* armv8l: 32-bit programs (armhf) on an arm64 kernel, whose facts
	 * (EL2, MIDR, the device) are arm64's */
	if (strcmp(name, "aarch64") == 0 || strcmp(name, "arm64") == 0 || strcmp(name, "armv8l") == 0)
		return HOST_ARCH_ARM64;
	return HOST_ARCH_OTHER;
}

/* The CPUs this process may run on (taskset, a container's cpuset). */
static int cpus_to_run_on(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
}

void host_gather(const struct sysroot *root, const struct host_options *opts, struct host_facts *f)
{
	static struct kvm_probe_try probe;
	bool alongside;

	memset(f, 0, sizeof(*f));
	f->root = *root;
	f->arch = host_arch_read(root, f->arch_name, sizeof(f->arch_name));
	f->x86_64 = f->arch == HOST_ARCH_X86_64;
	f->is_root = geteuid() == 0;
	kernel_release_read(root, &f->kernel);
	arch_ops_for(f->arch)->gather(root, f);
	f->probe_requested = opts->probe;
	/* the timed probe of a device runs in a process of its own while the
	 * names of its owner and group and the setting are read here (the CPU
	 * and the device's kind decide its bound, so they come first), where
	 * there is a CPU for each: on a host with one, what is read here would
	 * be timed as the guest's.  A snapshot's stand-in is judged by its
	 * record, read with the names. */
	kvm_node_stat(root, &f->node);
	alongside = opts->probe && f->node.kind == KVM_NODE_CHAR && cpus_to_run_on() > 1;
	if (alongside)
		kvm_probe_begin(root, &f->node, probe_deadline(f, opts), &f->probe, &probe);
	kvm_node_name(root, &f->node);
	setting_detect(root, &f->kernel, &f->setting);
	if (opts->probe && !alongside)
		kvm_probe_begin(root, &f->node, probe_deadline(f, opts), &f->probe, &probe);
	if (opts->probe)
		kvm_probe_end(&f->probe, &probe);
}

bool host_kvm_device_hidden(const struct host_facts *f)
{
	const struct kvm_probe *p = &f->probe;

	if (!f->setting.kvm_registered || (f->setting.runtime == RUNTIME_NONE && f->setting.dev != DEV_MOUNT_NONE))
		return false;
	return f->node.kind == KVM_NODE_ABSENT ||
	       (p->ran && !p->timed_out && p->failed_step == PROBE_OPEN && p->error == EPERM);
}

bool host_is_virtual_machine(const struct host_facts *f)
{
	if (f->arch == HOST_ARCH_ARM64)
		return f->arm64_boot.machine == ARM64_MACHINE_VIRTUAL;
	return f->cpu.known && f->cpu.hypervisor_bit;
}

void host_release(struct host_facts *f)
{
	cpuinfo_free(&f->cpuinfo);
}
