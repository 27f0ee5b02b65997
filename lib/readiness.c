/* readiness.c - devices, IOMMU, confidential guests, nested, KVM limits, memory */
#include "readiness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "advice.h"
#include "json.h"

const char *ready_state_name(enum ready_state s)
{
	static const char *const names[] = { "PASS", "WARN", "FAIL", "UNKNOWN", "INFO" };

	return names[s];
}

__attribute__((format(printf, 4, 5)))
static struct ready_check *add(struct readiness *r, const char *name, enum ready_state state, const char *fmt, ...)
{
	struct ready_check *c = &r->checks[r->n < READINESS_MAX ? r->n++ : READINESS_MAX - 1];
	va_list ap;

	memset(c, 0, sizeof(*c));
	c->name = name;
	c->state = state;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	return c;
}

__attribute__((format(printf, 2, 3)))
static void hint(struct ready_check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->hint, sizeof(c->hint), fmt, ap);
	va_end(ap);
}

static bool module_loaded(const struct sysroot *root, const char *name)
{
	struct module_info m;

	module_probe(root, name, &m);
	return module_is_loaded(&m);
}

/* The first hint of the setting kvm-ok runs in for a node. */
static void hint_for(struct ready_check *c, const struct host_facts *f, enum situation situation, const char *path,
		     const char *module, const struct kvm_node *n)
{
	struct advice_request q = { .situation = situation, .f = f, .device = path, .module = module, .node = n };
	struct advice a;

	advise(&q, &a);
	if (a.n > 0)
		hint(c, "%s", a.line[0]);
}

/* A device node: present, a character device, openable read-write. */
static void check_device(const struct host_facts *f, struct readiness *r, const char *name, const char *path,
			 const char *module, const char *what, enum ready_state missing)
{
	struct kvm_node n;
	struct ready_check *c;
	int fd;

	dev_node_inspect(&f->root, path, &n);
	if (n.kind == KVM_NODE_ABSENT) {
		c = add(r, name, missing, "%s does not exist (%s)", path, what);
		hint_for(c, f, SITUATION_AUX_MISSING, path, module, &n);
		return;
	}
	if (n.kind != KVM_NODE_CHAR && n.kind != KVM_NODE_STANDIN) {
		c = add(r, name, READY_FAIL, "%s is not a character device", path);
		hint(c, "Remove it and let udev recreate it: modprobe %s", module);
		return;
	}
	fd = sysroot_open(&f->root, path, O_RDWR | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		int error = errno;

		c = add(r, name, error == EACCES || error == EPERM ? READY_WARN : READY_FAIL,
			"%s: %s (group %s, mode %04o; %s %s a member)", path, strerror(error), n.group,
			(unsigned int)n.mode, n.user, n.in_group ? "is" : "is not");
		if (error == EPERM)
			hint_for(c, f, SITUATION_DENIED_BY_POLICY, path, module, &n);
		else
			hint(c, "Guests of this user cannot use it: run them as a member of group %s, or through libvirt", n.group);
		return;
	}
	close(fd);
	add(r, name, READY_PASS, "%s: character device, usable by %s (%s)", path, n.user, what);
}

static bool cmdline_has(const char *cmdline, const char *param)
{
	size_t len = strlen(param);

	for (const char *p = cmdline; (p = strstr(p, param)) != NULL; p += len)
		if ((p == cmdline || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0' || param[len - 1] == '='))
			return true;
	return false;
}

static void check_iommu(const struct host_facts *f, struct readiness *r)
{
	const struct sysroot *root = &f->root;
	bool intel = f->cpu.vt_kind == CPU_VT_VMX, dmar, ivrs;
	int units = sysroot_count_entries(root, "/sys/class/iommu");
	int groups = sysroot_count_entries(root, "/sys/kernel/iommu_groups");
	char cmdline[4096] = "";
	struct stat st;
	struct ready_check *c;

	sysroot_read_text(root, "/proc/cmdline", cmdline, sizeof(cmdline));
	dmar = sysroot_stat(root, "/sys/firmware/acpi/tables/DMAR", &st) == 0;
	ivrs = sysroot_stat(root, "/sys/firmware/acpi/tables/IVRS", &st) == 0;
	if (groups > 0) {
		add(r, "iommu", READY_PASS, "device assignment ready: %d IOMMU groups, %d IOMMU unit%s (ACPI %s)", groups,
			units, units == 1 ? "" : "s", dmar ? "DMAR" : ivrs ? "IVRS" : "table not seen");
	} else if (!dmar && !ivrs) {
		if (f->cpu.hypervisor_bit) {
			c = add(r, "iommu", READY_WARN, "no IOMMU: this virtual machine has no virtual IOMMU (no ACPI DMAR/IVRS table)");
			hint(c, "Device assignment (VFIO) in a guest needs a virtual IOMMU from the outer hypervisor "
				"(QEMU: -device intel-iommu or amd-iommu).");
		} else {
			c = add(r, "iommu", READY_WARN, "no IOMMU described: the firmware has no ACPI %s table",
				intel ? "DMAR (VT-d)" : "IVRS (AMD-Vi)");
			hint(c, "Enable %s in the firmware setup; if it has no such setting, this platform has no IOMMU.",
			     intel ? "\"VT-d\"" : "\"IOMMU\" / AMD-Vi");
		}
	} else if (cmdline_has(cmdline, "intel_iommu=off") || cmdline_has(cmdline, "amd_iommu=off") ||
		   cmdline_has(cmdline, "iommu=off")) {
		c = add(r, "iommu", READY_FAIL, "the firmware describes an IOMMU (ACPI %s) but the kernel command line turns it off",
			dmar ? "DMAR" : "IVRS");
		hint(c, "Remove intel_iommu=off / amd_iommu=off / iommu=off from GRUB_CMDLINE_LINUX in /etc/default/grub, "
			"then update-grub and reboot.");
	} else if (dmar && !cmdline_has(cmdline, "intel_iommu=on")) {
		c = add(r, "iommu", READY_WARN, "the firmware describes VT-d (ACPI DMAR) but the kernel was not told to use it (no IOMMU groups)");
		hint(c, "Add intel_iommu=on to GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub and reboot.");
	} else {
		c = add(r, "iommu", READY_WARN, "the firmware describes an IOMMU (ACPI %s) and the kernel has no IOMMU groups",
			dmar ? "DMAR" : "IVRS");
		hint(c, "Look for the kernel's DMAR / AMD-Vi messages: dmesg | grep -iE 'dmar|amd-vi|iommu'");
	}
	if (module_loaded(root, "vfio_pci"))
		add(r, "vfio", READY_INFO, "vfio-pci is loaded (device assignment driver)");
	else
		add(r, "vfio", READY_INFO, "vfio-pci is not loaded (modprobe vfio-pci when assigning devices)");
}

static bool param_on(const struct sysroot *root, const char *module, const char *param, bool *known)
{
	char path[160], text[16];

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", module, param);
	*known = sysroot_read_text(root, path, text, sizeof(text)) > 0;
	return *known && (text[0] == 'Y' || text[0] == '1');
}

static void check_confidential(const struct host_facts *f, struct readiness *r)
{
	const struct sysroot *root = &f->root;
	struct stat st;
	bool known;

	if (f->cpu.vt_kind == CPU_VT_SVM) {
		bool sev_on, es_on, snp_on, dev;
		struct ready_check *c;

		if (!f->cpu.sev) {
			add(r, "sev", READY_INFO, "AMD SEV: the CPU has none (CPUID 0x8000001F)");
			return;
		}
		sev_on = param_on(root, "kvm_amd", "sev", &known);
		if (!known) {
			c = add(r, "sev", READY_UNKNOWN, "AMD SEV: the CPU has SEV%s%s; kvm_amd is not loaded, so the kernel's side is unknown",
				f->cpu.sev_es ? ", SEV-ES" : "", f->cpu.sev_snp ? ", SEV-SNP" : "");
			hint(c, "Load kvm_amd (modload) and run kvm-ok again.");
			return;
		}
		es_on = param_on(root, "kvm_amd", "sev_es", &known);
		snp_on = param_on(root, "kvm_amd", "sev_snp", &known);
		dev = sysroot_stat(root, "/dev/sev", &st) == 0;
		if (!sev_on) {
			c = add(r, "sev", READY_WARN, "AMD SEV: the CPU has it but kvm_amd has sev off");
			hint(c, "Turn it on: options kvm_amd sev=1 in /etc/modprobe.d/kvm.conf (or kvm_amd.sev=1 on the kernel "
				"command line), then reload kvm_amd.");
		} else if (!dev) {
			c = add(r, "sev", READY_WARN, "AMD SEV: kvm_amd has sev on but /dev/sev is missing: the firmware (PSP) did not enable it");
			hint(c, "Enable SEV (and the SEV-ES ASID space) in the firmware setup; the ccp module provides /dev/sev.");
		} else {
			add(r, "sev", READY_PASS, "AMD %s usable (CPU, firmware and kvm_amd agree)",
			    f->cpu.sev_snp && snp_on ? "SEV-SNP" : f->cpu.sev_es && es_on ? "SEV-ES" : "SEV");
		}
	} else if (f->cpu.vt_kind == CPU_VT_VMX) {
		if (param_on(root, "kvm_intel", "tdx", &known))
			add(r, "tdx", READY_PASS, "Intel TDX usable (kvm_intel has tdx on)");
		else if (known)
			add(r, "tdx", READY_INFO, "Intel TDX: kvm_intel has tdx off (host support needs Linux 6.16 or later and TDX in firmware)");
		else
			add(r, "tdx", READY_INFO, "Intel TDX: not offered by this kernel's kvm_intel");
	}
}

static void check_nested(const struct host_facts *f, struct readiness *r)
{
	const struct module_info *m = &f->vendor_module;
	struct ready_check *c;

	if (!m->name || !module_is_loaded(m)) {
		c = add(r, "nested", READY_UNKNOWN, "nested virtualization: the vendor module is not loaded");
		hint(c, "Load it (modload) and run kvm-ok again.");
	} else if (m->nested[0] == 'Y' || m->nested[0] == '1') {
		add(r, "nested", READY_PASS, "nested virtualization on: guests may use %s (%s nested=%s)",
		    cpu_vt_name(f->cpu.vt_kind), m->name, m->nested);
	} else {
		c = add(r, "nested", READY_WARN, "nested virtualization off: guests cannot run their own KVM (%s nested=%s)", m->name,
			m->nested[0] ? m->nested : "?");
		hint(c, "modload --unload; modload --nested, or put \"options %s nested=1\" in /etc/modprobe.d/kvm.conf "
			"and reload %s.", m->name, m->name);
	}
}

static void check_limits(const struct host_facts *f, struct readiness *r)
{
	const struct kvm_probe *p = &f->probe;

	if (!p->ran || p->failed_step < PROBE_CREATE_VM || p->nr_vcpus <= 0) {
		add(r, "limits", READY_INFO, "KVM limits: not known (the device did not answer KVM_CHECK_EXTENSION)");
		return;
	}
	add(r, "limits", READY_INFO, "KVM limits: %d vCPUs recommended, %d at most; %d memory slots; in-kernel irqchip %s",
	    p->nr_vcpus, p->max_vcpus, p->nr_memslots, p->irqchip > 0 ? "yes" : "no");
}

static void check_memory(const struct host_facts *f, struct readiness *r)
{
	const struct sysroot *root = &f->root;
	char list[256] = "", thp[128], controllers[512];
	struct ready_check *c;
	bool any_free = false;
	DIR *d;

	if ((d = sysroot_opendir(root, "/sys/kernel/mm/hugepages")) != NULL) {
		size_t used = 0;
		struct dirent *e;

		while ((e = readdir(d)) != NULL) {
			char path[512], nr[32], fr[32];

			if (strncmp(e->d_name, "hugepages-", 10) != 0)
				continue;
			snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%.200s/nr_hugepages", e->d_name);
			if (sysroot_read_text(root, path, nr, sizeof(nr)) < 0)
				continue;
			snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%.200s/free_hugepages", e->d_name);
			if (sysroot_read_text(root, path, fr, sizeof(fr)) < 0)
				continue;
			any_free |= atol(fr) > 0;
			if (used < sizeof(list))
				used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%.20s: %.12s free of %.12s",
							 used ? ", " : "", e->d_name + 10, fr, nr);
		}
		closedir(d);
	}
	if (any_free) {
		add(r, "hugepages", READY_PASS, "huge pages: %s", list);
	} else {
		c = add(r, "hugepages", READY_INFO, "huge pages: none free%s%s", list[0] ? " (" : "", list[0] ? list : "");
		if (list[0])
			strncat(c->detail, ")", sizeof(c->detail) - strlen(c->detail) - 1);
		hint(c, "Guests backed by huge pages (-mem-path /dev/hugepages) need some reserved: sysctl vm.nr_hugepages=N");
	}
	if (sysroot_read_text(root, "/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof(thp)) > 0)
		add(r, "thp", READY_INFO, "transparent huge pages: %s", thp);
	if (sysroot_read_text(root, "/sys/fs/cgroup/cgroup.controllers", controllers, sizeof(controllers)) >= 0) {
		static const char *const wanted[] = { "cpu", "memory", "io", "cpuset" };
		char missing[64] = "";

		for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
			char padded[520], word[16];

			snprintf(padded, sizeof(padded), " %s ", controllers);
			snprintf(word, sizeof(word), " %s ", wanted[i]);
			if (!strstr(padded, word))
				snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
					 missing[0] ? " " : "", wanted[i]);
		}
		if (missing[0]) {
			c = add(r, "cgroups", READY_WARN, "cgroup v2 controllers: %s; missing: %s", controllers, missing);
			hint(c, "libvirt limits guests through these; enable them in the kernel or systemd (cgroup_enable=...)");
		} else {
			add(r, "cgroups", READY_PASS, "cgroup v2 controllers: %s", controllers);
		}
	} else {
		c = add(r, "cgroups", READY_UNKNOWN, "cgroup v2: /sys/fs/cgroup/cgroup.controllers is missing (cgroup v1 or not mounted)");
		hint(c, "Debian 12 uses cgroup v2 by default; check /sys/fs/cgroup is mounted.");
	}
}

void readiness_gather(const struct host_facts *f, struct readiness *r)
{
	memset(r, 0, sizeof(*r));
	check_device(f, r, "tun", "/dev/net/tun", "tun", "QEMU's user and tap networking", READY_FAIL);
	check_device(f, r, "vhost-net", "/dev/vhost-net", "vhost_net", "in-kernel virtio-net", READY_WARN);
	check_device(f, r, "vhost-vsock", "/dev/vhost-vsock", "vhost_vsock", "guest agents over vsock", READY_WARN);
	if (f->arch == HOST_ARCH_X86_64) {
		check_iommu(f, r);
		check_confidential(f, r);
		check_nested(f, r);
	} else {
		/* the SMMU, the GIC and nested EL2 are arm64's, not checked yet */
		add(r, "platform", READY_INFO, "IOMMU, confidential guests and nested virtualization are checked on x86-64 only");
	}
	check_limits(f, r);
	check_memory(f, r);
}

void readiness_text(FILE *out, const struct readiness *r)
{
	fprintf(out, "INFO: Host readiness:\n");
	for (int i = 0; i < r->n; i++) {
		const struct ready_check *c = &r->checks[i];

		fprintf(out, "INFO:   %-7s %s: %s\n", ready_state_name(c->state), c->name, c->detail);
		if (c->state != READY_PASS && c->hint[0])
			fprintf(out, "HINT:   %s: %s\n", c->name, c->hint);
	}
}

void readiness_json(FILE *out, const struct readiness *r)
{
	fputc('[', out);
	for (int i = 0; i < r->n; i++) {
		const struct ready_check *c = &r->checks[i];
		bool first = true;

		fputs(i ? ",{" : "{", out);
		json_kv_string(out, "name", c->name, &first);
		json_kv_string(out, "state", ready_state_name(c->state), &first);
		json_kv_string(out, "detail", c->detail, &first);
		json_kv_string(out, "hint", c->state != READY_PASS && c->hint[0] ? c->hint : NULL, &first);
		fputc('}', out);
	}
	fputc(']', out);
}
