/* readiness.c - devices, KVM limits, memory; the IOMMU, confidential guests
 * and nested virtualization are the architecture's (lib/arch/ARCH/readiness.c) */
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
#include "arch.h"
#include "json.h"
#include "text_line.h"

const char *ready_state_name(enum check_state s)
{
	static const char *const names[] = {
		[CHECK_PASS] = "PASS", [CHECK_FAIL] = "FAIL", [CHECK_WARN] = "WARN", [CHECK_INFO] = "INFO",
		[CHECK_UNKNOWN] = "UNKNOWN", [CHECK_SKIP] = "SKIP",
	};

	return names[s];
}

struct ready_check *readiness_add(struct readiness *r, const char *name, enum check_state state, const char *fmt, ...)
{
	struct ready_check *c = &r->checks[r->n < READINESS_MAX ? r->n++ : READINESS_MAX - 1];
	va_list ap;

	memset(c, 0, sizeof(*c));
	va_start(ap, fmt);
	check_vset(&c->check, name, state, fmt, ap);
	va_end(ap);
	return c;
}

void readiness_hint(struct ready_check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->hint, sizeof(c->hint), fmt, ap);
	va_end(ap);
}

bool readiness_module_loaded(const struct sysroot *root, const char *name)
{
	struct module_info m;

	module_probe(root, name, &m);
	return module_is_loaded(&m);
}

/* The first hint of the setting kvm-ok runs in for a node. */
static void hint_for(struct ready_check *c, const struct host_facts *f, enum situation situation, const char *path,
		     const char *module, const struct kvm_node *n)
{
	struct advice_context ctx;
	struct advice_request q = { .situation = situation, .ctx = &ctx, .device = path, .module = module, .node = n,
				    .module_loaded = readiness_module_loaded(&f->root, module) };
	struct advice a;

	advice_context_from_facts(f, &ctx);

	advise(&q, &a);
	if (a.n > 0)
		readiness_hint(c, "%s", a.line[0]);
}

/* A device node: present, a character device, openable read-write. */
static void check_device(const struct host_facts *f, struct readiness *r, const char *name, const char *path,
			 const char *module, const char *what, enum check_state missing)
{
	struct kvm_node n;
	struct ready_check *c;
	int fd;

	dev_node_inspect(&f->root, path, &n);
	if (n.kind == KVM_NODE_ABSENT) {
		c = readiness_add(r, name, missing, "%s does not exist (%s)", path, what);
		hint_for(c, f, SITUATION_AUX_MISSING, path, module, &n);
		return;
	}
	if (!kvm_node_present(&n)) {
		c = readiness_add(r, name, CHECK_FAIL, "%s is not a character device", path);
		readiness_hint(c, "Remove it and let udev recreate it: modprobe %s", module);
		return;
	}
	fd = sysroot_open(&f->root, path, O_RDWR | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		int error = errno;

		c = readiness_add(r, name, error == EACCES || error == EPERM ? CHECK_WARN : CHECK_FAIL,
			"%s: %s (group %s, mode %04o; %s %s a member)", path, strerror(error), n.group,
			(unsigned int)n.mode, n.user, n.in_group ? "is" : "is not");
		if (error == EPERM)
			hint_for(c, f, SITUATION_DENIED_BY_POLICY, path, module, &n);
		else
			readiness_hint(c, "Guests of this user cannot use it: run them as a member of group %s, or through libvirt", n.group);
		return;
	}
	close(fd);
	readiness_add(r, name, CHECK_PASS, "%s: character device, usable by %s (%s)", path, n.user, what);
}

static void check_limits(const struct host_facts *f, struct readiness *r)
{
	const struct kvm_probe *p = &f->probe;

	if (!p->ran || p->failed_step < PROBE_CREATE_VM || p->nr_vcpus <= 0) {
		readiness_add(r, "limits", CHECK_INFO, "KVM limits: not known (the device did not answer KVM_CHECK_EXTENSION)");
		return;
	}
	readiness_add(r, "limits", CHECK_INFO, "KVM limits: %d vCPUs recommended, %d at most; %d memory slots; in-kernel irqchip %s",
	    p->nr_vcpus, p->max_vcpus, p->nr_memslots, p->irqchip > 0 ? "yes" : "no");
}

/* The controllers virt-host-validate wants mounted on a cgroup v1 (or
 * hybrid) host, as libvirt uses them there. */
static const char *const cgroup_v1_wanted[] = { "cpu", "cpuacct", "cpuset", "memory", "devices", "blkio" };

/* A mountinfo line's file system type and super options ("... - TYPE
 * SOURCE OPTIONS"); false for a line without them. */
static bool mount_type_options(char *line, char **type, char **options)
{
	char *dash = strstr(line, " - "), *save = NULL;
	const char *source;

	if (!dash)
		return false;
	*type = strtok_r(dash + 3, " ", &save);
	source = strtok_r(NULL, " ", &save);
	*options = strtok_r(NULL, " ", &save);
	return *type && source && *options;
}

/* Without /sys/fs/cgroup/cgroup.controllers: cgroup v1, hybrid, or none,
 * from the process's mounts. */
static void check_cgroup_v1(const struct sysroot *root, struct readiness *r)
{
	bool mounted[sizeof(cgroup_v1_wanted) / sizeof(cgroup_v1_wanted[0])] = { false };
	char *text, *line, *save = NULL, have[64] = "", missing[64] = "";
	bool any_v1 = false;
	struct ready_check *c;
	size_t len;

	text = sysroot_read_all(root, "/proc/self/mountinfo", 4 << 20, &len);
	if (!text) {
		c = readiness_add(r, "cgroups", CHECK_UNKNOWN, "cgroups: /sys/fs/cgroup/cgroup.controllers is missing "
			      "and /proc/self/mountinfo could not be read");
		readiness_hint(c, "Debian 12 and 13 mount cgroup v2 at /sys/fs/cgroup at boot (systemd); check it is mounted.");
		return;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *type, *options, *opt, *opt_save = NULL;

		if (!mount_type_options(line, &type, &options) || strcmp(type, "cgroup") != 0)
			continue;
		any_v1 = true;
		for (opt = strtok_r(options, ",", &opt_save); opt; opt = strtok_r(NULL, ",", &opt_save))
			for (size_t i = 0; i < sizeof(cgroup_v1_wanted) / sizeof(cgroup_v1_wanted[0]); i++)
				if (strcmp(opt, cgroup_v1_wanted[i]) == 0)
					mounted[i] = true;
	}
	free(text);
	if (!any_v1) {
		c = readiness_add(r, "cgroups", CHECK_UNKNOWN, "cgroups: neither cgroup v2 (/sys/fs/cgroup/cgroup.controllers) "
			      "nor a cgroup v1 controller is mounted");
		readiness_hint(c, "Debian 12 and 13 mount cgroup v2 at /sys/fs/cgroup at boot (systemd); check it is mounted.");
		return;
	}
	for (size_t i = 0; i < sizeof(cgroup_v1_wanted) / sizeof(cgroup_v1_wanted[0]); i++) {
		char *list = mounted[i] ? have : missing;

		snprintf(list + strlen(list), sizeof(have) - strlen(list), "%s%s", list[0] ? " " : "", cgroup_v1_wanted[i]);
	}
	if (missing[0]) {
		c = readiness_add(r, "cgroups", CHECK_WARN, "cgroup v1 controllers mounted: %s; missing: %s",
				  have[0] ? have : "none", missing);
		readiness_hint(c, "libvirt limits guests through these: mount them, or boot with cgroup v2 "
			       "(systemd.unified_cgroup_hierarchy=1, the default of Debian 12 and 13)");
	} else {
		readiness_add(r, "cgroups", CHECK_PASS, "cgroup v1 controllers mounted: %s", have);
	}
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
		const struct dirent *e;

		while ((e = readdir(d)) != NULL) {
			uint64_t nr, fr;

			if (strncmp(e->d_name, "hugepages-", 10) != 0 ||
			    sysroot_readf_u64(root, &nr, "/sys/kernel/mm/hugepages/%.200s/nr_hugepages", e->d_name) < 0 ||
			    sysroot_readf_u64(root, &fr, "/sys/kernel/mm/hugepages/%.200s/free_hugepages", e->d_name) < 0)
				continue;
			any_free |= fr > 0;
			if (used < sizeof(list))
				used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%.20s: %llu free of %llu",
							 used ? ", " : "", e->d_name + 10, (unsigned long long)fr,
							 (unsigned long long)nr);
		}
		closedir(d);
	}
	if (any_free) {
		readiness_add(r, "hugepages", CHECK_PASS, "huge pages: %s", list);
	} else {
		c = readiness_add(r, "hugepages", CHECK_INFO, "huge pages: none free%s%s", list[0] ? " (" : "", list[0] ? list : "");
		if (list[0])
			strncat(c->check.detail, ")", sizeof(c->check.detail) - strlen(c->check.detail) - 1);
		readiness_hint(c, "Guests backed by huge pages (-mem-path /dev/hugepages) need some reserved: sysctl vm.nr_hugepages=N");
	}
	if (sysroot_read_text(root, "/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof(thp)) > 0)
		readiness_add(r, "thp", CHECK_INFO, "transparent huge pages: %s", thp);
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
			c = readiness_add(r, "cgroups", CHECK_WARN, "cgroup v2 controllers: %s; missing: %s", controllers, missing);
			readiness_hint(c, "libvirt limits guests through these; enable them in the kernel or systemd (cgroup_enable=...)");
		} else {
			readiness_add(r, "cgroups", CHECK_PASS, "cgroup v2 controllers: %s", controllers);
		}
	} else {
		check_cgroup_v1(root, r);
	}
}

void readiness_gather(const struct host_facts *f, struct readiness *r)
{
	memset(r, 0, sizeof(*r));
	check_device(f, r, "tun", "/dev/net/tun", "tun", "QEMU's user and tap networking", CHECK_FAIL);
	check_device(f, r, "vhost-net", "/dev/vhost-net", "vhost_net", "in-kernel virtio-net", CHECK_WARN);
	check_device(f, r, "vhost-vsock", "/dev/vhost-vsock", "vhost_vsock", "guest agents over vsock", CHECK_WARN);
	arch_ops_for(f->arch)->readiness(f, r);
	check_limits(f, r);
	check_memory(f, r);
}

void readiness_text(FILE *out, const struct readiness *r)
{
	fprintf(out, "INFO: Host readiness:\n");
	for (int i = 0; i < r->n; i++) {
		const struct ready_check *c = &r->checks[i];

		text_line(out, "INFO:   %-7s %s: %s", ready_state_name(c->check.state), c->check.name, c->check.detail);
		if (c->check.state != CHECK_PASS && c->hint[0])
			text_line(out, "HINT:   %s: %s", c->check.name, c->hint);
	}
}

void readiness_json(FILE *out, const struct readiness *r)
{
	fputc('[', out);
	for (int i = 0; i < r->n; i++) {
		const struct ready_check *c = &r->checks[i];
		bool first = true;

		fputs(i ? ",{" : "{", out);
		json_kv_string(out, "name", c->check.name, &first);
		json_kv_string(out, "state", ready_state_name(c->check.state), &first);
		json_kv_string(out, "detail", c->check.detail, &first);
		json_kv_string(out, "hint", c->check.state != CHECK_PASS && c->hint[0] ? c->hint : NULL, &first);
		fputc('}', out);
	}
	fputc(']', out);
}
