/* collect.c - writing a replayable snapshot, whole or not at all, never
 * through a symlink
 *
 * The snapshot is written below a temporary directory this run creates
 * beside DEST (.BASE.XXXXXX, mode 0700), with mkdirat/openat relative to
 * it, O_EXCL and O_NOFOLLOW: nothing planted there can redirect a write.  A
 * .tar.gz goes to .BASE.XXXXXX.part first.  Only a complete snapshot is
 * renamed to DEST (RENAME_NOREPLACE); a failure or SIGINT/SIGTERM/SIGHUP
 * removes the temporaries.  Every file is 0600 and every directory 0700
 * (the archive too), whatever the umask: a snapshot holds the host's
 * details, with --include-serials its serial numbers and UUID.
 */
#include "collect.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cloud.h"
#include "errno_name.h"
#include "held_signals.h"
#include "kmsg.h"
#include "kvm_probe.h"
#include "msr.h"
#include "remove_tree.h"
#include "setting.h"
#include "snapshot_unpack.h"
#include "spawn.h"

struct snapshot {
	const struct sysroot *src;	/* what is snapshot: the live host, or a sysroot */
	int dir;		/* the snapshot's top directory */
	char path[4600];	/* its path, for libcpuid */
	int error;		/* the first errno met */
	char failed[256];	/* and where */
};

static void note_first_error(struct snapshot *s, const char *what)
{
	if (!s->error) {
		s->error = errno ? errno : EIO;
		snprintf(s->failed, sizeof(s->failed), "%.200s", what);
	}
}

/* mkdir -p of rel's parent directories (rel is relative, '/'-separated). */
static void make_parents(struct snapshot *s, const char *rel)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", rel);
	for (char *p = strchr(buf, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdirat(s->dir, buf, 0700) < 0 && errno != EEXIST)
			note_first_error(s, buf);
		*p = '/';
	}
}

static void make_dir(struct snapshot *s, const char *rel)
{
	make_parents(s, rel);
	if (mkdirat(s->dir, rel, 0700) < 0 && errno != EEXIST)
		note_first_error(s, rel);
}

/* Creates rel with data at offset (a sparse file when offset is large). */
static void put_at(struct snapshot *s, const char *rel, const void *data, size_t len, off_t offset, mode_t mode)
{
	int fd;

	make_parents(s, rel);
	fd = openat(s->dir, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		note_first_error(s, rel);
		return;
	}
	if (len && pwrite(fd, data, len, offset) != (ssize_t)len)
		note_first_error(s, rel);
	if (close(fd) < 0)
		note_first_error(s, rel);
}

__attribute__((format(printf, 3, 4)))
static void put_text(struct snapshot *s, const char *rel, const char *fmt, ...)
{
	char text[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	put_at(s, rel, text, n < 0 ? 0 : (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1, 0, 0600);
}

static void copy_file(struct snapshot *s, const char *abs, size_t max)
{
	size_t len;
	char *data = sysroot_read_all(s->src, abs, max, &len);

	if (data) {
		put_at(s, abs + 1, data, len, 0, 0600);
		free(data);
	}
}

static void collect_cpu(struct snapshot *s, const struct host_facts *f)
{
	if (!sysroot_is_live(s->src)) {
		copy_file(s, "/cpuid.raw", 1 << 20);
	} else if (f->x86_64) {
		char path[4700], why[200];
		/* made private here first: libcpuid's fopen would make it 0666 less the umask */
		int fd = openat(s->dir, "cpuid.raw", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

		snprintf(path, sizeof(path), "%s/cpuid.raw", s->path);
		if (fd < 0 || close(fd) < 0 || cpu_raw_dump(path, why, sizeof(why)) < 0)
			note_first_error(s, "cpuid.raw");
	}
	if (f->cpu.hypervisor_leaf_known) {
		const uint32_t *hv = f->cpu.hypervisor_leaf;

		put_text(s, "cpuid.hypervisor", "hypervisor_cpuid[0]=%08x %08x %08x %08x\n", hv[0], hv[1], hv[2], hv[3]);
	}
	copy_file(s, "/proc/cpuinfo", CPUINFO_MAX_BYTES);
	copy_file(s, "/proc/sys/kernel/osrelease", 4096);
	put_text(s, "proc/sys/kernel/arch", "%s\n", f->arch_name);
	if (f->arch == HOST_ARCH_ARM64) {
		copy_file(s, ARM64_MIDR_PATH, 64);
		copy_file(s, "/proc/misc", 4096);
		copy_file(s, "/proc/device-tree/psci/method", 64);
		copy_file(s, "/proc/device-tree/model", 256);
	}
}

/* The kernel's log lines about KVM, as records of a recorded log, or why
 * the log could not be read. */
static void collect_kernel_log(struct snapshot *s)
{
	struct kmsg_lines log;
	char text[KMSG_MAX_LINES * (KMSG_LINE_MAX + 16)];
	size_t used = 0;

	kmsg_kvm_lines(s->src, &log);
	if (log.error) {
		put_text(s, &KMSG_ERROR_RECORD[1], "%s\n", errno_name(log.error));
		return;
	}
	for (int i = 0; i < log.count && used < sizeof(text); i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "6,%d,0,-;%s\n", i, log.line[i]);
	put_at(s, "dev/kmsg", text, used < sizeof(text) ? used : sizeof(text) - 1, 0, 0600);
}

/* The lock MSR of each CPU as text, "ADDRESS VALUE" (a file with the value
 * at its address would be sparse: gigabytes to tar, for AMD's VM_CR at
 * 0xc0010114); a read that failed is kept as its errno, so the replay
 * fails the same way. */
static void collect_msrs(struct snapshot *s, const struct host_facts *f)
{
	uint32_t msr = f->firmware.msr;
	char rel[64];

	if (!msr)
		return;
	for (int i = 0; i < (f->cpuinfo.cpus > 0 ? f->cpuinfo.cpus : 1); i++) {
		int cpu = f->cpuinfo.cpus > 0 ? f->cpuinfo.numbers[i] : 0, error;
		uint64_t value;
		enum msr_read_status st = msr_read(s->src, cpu, msr, &value, &error);

		if (st == MSR_OK) {
			snprintf(rel, sizeof(rel), "dev/cpu/%d/" MSR_RECORD_NAME, cpu);
			put_text(s, rel, "%#x %#018llx\n", msr, (unsigned long long)value);
		} else {
			snprintf(rel, sizeof(rel), "dev/cpu/%d/msr.error", cpu);
			put_text(s, rel, "%s\n", st == MSR_SHORT_READ ? "short" : errno_name(error ? error : EIO));
		}
	}
}

/* One module parameter, as the image holds it. */
static void put_param(void *ctx, const char *path, const char *name, const char *value)
{
	(void)name;
	put_text(ctx, path + 1, "%s\n", value);
}

static void collect_modules(struct snapshot *s, const struct report_facts *r)
{
	for (int i = 0; i < REPORT_MODULES; i++) {
		const struct module_params *m = &r->modules[i];
		char rel[256];

		if (m->info.state == MODULE_ABSENT)
			continue;
		snprintf(rel, sizeof(rel), "sys/module/%s", m->name);
		make_dir(s, rel);
		if (m->info.state == MODULE_LIVE || m->info.state == MODULE_COMING || m->info.state == MODULE_GOING) {
			snprintf(rel, sizeof(rel), "sys/module/%s/initstate", m->name);
			put_text(s, rel, "%s\n", m->info.state == MODULE_LIVE ? "live" :
				 m->info.state == MODULE_COMING ? "coming" : "going");
		}
		module_params_each(s->src, m->name, put_param, s);
	}
}

static void collect_dmi(struct snapshot *s, const struct report_facts *r, bool include_serials)
{
	if (!r->dmi.present)
		return;
	make_dir(s, "sys/class/dmi/id");
	for (int i = 0; i < DMI_FIELDS; i++) {
		char rel[128];

		if ((i >= DMI_FIRST_SERIAL && !include_serials) || !r->dmi.value[i][0])
			continue;
		snprintf(rel, sizeof(rel), "sys/class/dmi/id/%s", dmi_sysfs_name(i));
		put_text(s, rel, "%s\n", r->dmi.value[i]);
	}
}

/* What names a cloud beyond the DMI fields above: a provider's fixed asset
 * tag (never another: an asset tag may be an inventory number), and Xen's
 * UUID, which starts with "ec2" on EC2: cut to that prefix unless serials
 * are asked for. */
static void collect_cloud(struct snapshot *s, const struct sysroot *root, bool include_serials)
{
	static const char *const tags[] = { "chassis_asset_tag", "board_asset_tag" };
	char path[96], value[128];

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", CLOUD_DMI_DIR, tags[i]);
		if (sysroot_read_text(root, path, value, sizeof(value)) > 0 && cloud_asset_tag_known(value)) {
			make_dir(s, "sys/class/dmi/id");
			put_text(s, path + 1, "%s\n", value);
		}
	}
	if (sysroot_read_text(root, CLOUD_XEN_UUID, value, sizeof(value)) > 0) {
		make_dir(s, "sys/hypervisor");
		put_text(s, &CLOUD_XEN_UUID[1], "%s\n", include_serials ? value :
			 strncasecmp(value, "ec2", 3) == 0 ? "ec2 (the rest omitted)" : "(omitted)");
	}
}

static void collect_device(struct snapshot *s, const struct host_facts *f)
{
	const struct kvm_node *n = &f->node;
	char record[2048];
	int len;

	switch (n->kind) {
	case KVM_NODE_ABSENT:
	case KVM_NODE_ERROR:
		return;
	case KVM_NODE_DANGLING:
	case KVM_NODE_LOOP:
		make_parents(s, "dev/kvm");
		if (symlinkat(n->target, s->dir, "dev/kvm") < 0)
			note_first_error(s, "dev/kvm");
		return;
	case KVM_NODE_WRONG_TYPE:
		if (strcmp(n->type, "directory") == 0)
			make_dir(s, "dev/kvm");
		else if (strcmp(n->type, "FIFO") == 0 && (make_parents(s, "dev/kvm"), mkfifoat(s->dir, "dev/kvm", 0600) < 0))
			note_first_error(s, "dev/kvm");
		return;
	case KVM_NODE_CHAR:
	case KVM_NODE_STANDIN:
		break;
	}
	/* a stand-in anyone may open; who could open the real one is in the record */
	put_at(s, "dev/kvm", "", 0, 0, 0666);
	put_text(s, "dev/kvm.node", "type=%s\nowner=%s\ngroup=%s\nuid=%u\ngid=%u\nmode=%04o\nuser=%s\neuid=%u\n"
		 "in_group=%s\nmajor=%u\nminor=%u\n",
		 n->kind == KVM_NODE_CHAR || n->recorded ? "char" : "standin", n->owner, n->group, (unsigned int)n->uid,
		 (unsigned int)n->gid, (unsigned int)n->mode, n->user, (unsigned int)n->euid, n->in_group ? "yes" : "no",
		 n->major, n->minor);
	if (!f->probe.ran)
		return;
	len = kvm_probe_format_record(&f->probe, record, sizeof(record));
	put_at(s, "kvm-probe", record, (size_t)len, 0, 0600);
}

static void copy_dir_names(struct snapshot *s, const char *abs)
{
	const struct dirent *e;
	DIR *d;

	if (!(d = sysroot_opendir(s->src, abs)))
		return;
	make_dir(s, abs + 1);
	while ((e = readdir(d)) != NULL) {
		char rel[512];

		if (e->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "%s/%s", abs + 1, e->d_name);
		make_dir(s, rel);
	}
	closedir(d);
}

static void collect_pci_iommu(struct snapshot *s, const struct report_facts *r)
{
	static const char *const files[] = { "vendor", "device", "class", "revision", "subsystem_vendor",
					     "subsystem_device" };
	struct stat st;

	for (int i = 0; i < r->pci.count; i++) {
		const struct pci_entry *e = &r->pci.dev[i];

		for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
			char abs[160];

			snprintf(abs, sizeof(abs), "/sys/bus/pci/devices/%04x:%02x:%02x.%u/%s", e->domain, e->bus, e->dev,
				 e->func, files[k]);
			copy_file(s, abs, 64);
		}
	}
	copy_dir_names(s, "/sys/class/iommu");
	copy_dir_names(s, "/sys/kernel/iommu_groups");
	if (r->iommu.dmar)
		put_text(s, "sys/firmware/acpi/tables/DMAR", "%s", "");
	if (r->iommu.ivrs)
		put_text(s, "sys/firmware/acpi/tables/IVRS", "%s", "");
	if (sysroot_stat(s->src, "/sys/kernel/debug/tboot_log", &st) == 0)
		put_text(s, "sys/kernel/debug/tboot_log", "%s", "");
}

/* The signs of a container, WSL2 or CI runner (setting.h), but nothing
 * private: of PID 1's environment only container=, of the mounts only
 * /dev's, of a Kubernetes service account only that it exists. */
/* The environment variables that name a setting: the image's file, or
 * this process's own. */
static void collect_environment(struct snapshot *s)
{
	char env[2048] = "";
	size_t used = 0;

	if (!sysroot_is_live(s->src)) {
		copy_file(s, SETTING_ENVIRON, 4096);
		return;
	}
	for (int i = 0; setting_environ_names[i]; i++) {
		const char *v = getenv(setting_environ_names[i]);

		if (v && used < sizeof(env))
			used += (size_t)snprintf(env + used, sizeof(env) - used, "%s=%.200s\n",
						 setting_environ_names[i], v);
	}
	if (used)
		put_text(s, &SETTING_ENVIRON[1], "%s", env);
}

/* The marker files and directories that are there, empty. */
static void collect_markers(struct snapshot *s)
{
	for (int i = 0; setting_marker_paths[i]; i++) {
		const char *p = setting_marker_paths[i];
		size_t plen = strlen(p);
		struct stat st;

		if (sysroot_stat(s->src, p, &st) < 0)
			continue;
		if (p[plen - 1] == '/') {
			char rel[256];

			snprintf(rel, sizeof(rel), "%.*s", (int)plen - 2, p + 1);
			make_dir(s, rel);
		} else {
			put_text(s, p + 1, "%s", "");
		}
	}
}

/* A mountinfo line the setting reads: /dev's mount and a runtime's
 * storage; the cgroup mounts (readiness) too when cgroups is set. */
static bool setting_mount(const char *line, bool cgroups)
{
	char fstype[64];

	return setting_dev_mount_line(line, fstype, sizeof(fstype)) ||
	       (cgroups && (strstr(line, " - cgroup ") || strstr(line, " - cgroup2 ") ||
			    setting_storage_mount_line(line)));
}

/* The lines of a mountinfo file the setting reads, at most size bytes. */
static void collect_mount_lines(struct snapshot *s, const char *abs, size_t size, bool cgroups)
{
	char *text, *lines;
	size_t len;

	if (!(text = sysroot_read_all(s->src, abs, 4 << 20, &len)))
		return;
	if ((lines = calloc(1, size)) != NULL) {
		char *line, *save = NULL;
		size_t used = 0;

		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (setting_mount(line, cgroups) && used < size)
				used += (size_t)snprintf(lines + used, size - used, "%.500s\n", line);
		put_text(s, abs + 1, "%s", lines);
		free(lines);
	}
	free(text);
}

static void collect_setting(struct snapshot *s)
{
	char *text;
	size_t len;

	collect_environment(s);
	collect_markers(s);
	copy_file(s, "/run/.containerenv", 65536);
	copy_file(s, "/run/systemd/container", 4096);
	copy_file(s, SETTING_PID1_CGROUP, 65536);
	copy_file(s, SETTING_UID_MAP, 4096);
	copy_file(s, SETTING_MISC_KVM, 64);
	if ((text = sysroot_read_all(s->src, SETTING_PID1_ENVIRON, 1 << 20, &len))) {
		for (size_t i = 0; i < len; i += strlen(text + i) + 1)
			if (strncmp(text + i, "container=", 10) == 0) {
				put_at(s, &SETTING_PID1_ENVIRON[1], text + i, strlen(text + i) + 1, 0, 0600);
				break;
			}
		free(text);
	}
	collect_mount_lines(s, SETTING_MOUNTINFO, 4096, true);
	/* PID 1's /dev: whether a tmpfs /dev is a container's or QEMU's own under libvirt */
	collect_mount_lines(s, SETTING_PID1_MOUNTINFO, 1024, false);
}

/* Writes the snapshot into the new, empty directory dirfd (at path). */
static int write_snapshot(int dirfd, const char *path, const struct host_facts *f, const struct report_facts *r,
			  bool include_serials, char *why, size_t why_size)
{
	struct snapshot s = { .src = &f->root, .dir = dirfd };

	snprintf(s.path, sizeof(s.path), "%s", path);
	put_text(&s, "SNAPSHOT", "kvm-ok host snapshot: replay with kvm-ok --sysroot DIR\nversion: %s\nserials: %s\n"
		 "modules: %s\n", KVMHOST_VERSION_STRING, include_serials ? "included" : "omitted",
		 modules_visible(&f->root) ? "visible" : "hidden");
	collect_cpu(&s, f);
	put_text(&s, "proc/cmdline", "%s\n", r->cmdline_kvm);
	collect_msrs(&s, f);
	collect_modules(&s, r);
	collect_dmi(&s, r, include_serials);
	collect_cloud(&s, &f->root, include_serials);
	collect_device(&s, f);
	collect_kernel_log(&s);
	collect_setting(&s);
	collect_pci_iommu(&s, r);
	put_text(&s, "qemu-version", "%s\n", r->qemu);
	if (s.error) {
		snprintf(why, why_size, "writing %s: %s", s.failed, strerror(s.error));
		return -1;
	}
	return 0;
}

/* ---- whole or not at all ------------------------------------------------------ */

/* Where the snapshot goes: DEST's directory (opened once: every name below
 * is relative to it) and the temporary names beside DEST. */
struct destination {
	int parent;			/* DEST's directory */
	char parent_path[4096];
	const char *base;		/* DEST's last component */
	char staging[300];		/* .BASE.XXXXXX: the snapshot being written */
	char staging_path[4400];
	char part[320];			/* .BASE.XXXXXX.part: the archive being written */
	bool have_staging, have_part;
};

/* Removes what this run left beside DEST and closes DEST's directory
 * first, so that the removal has a descriptor to work with even where the
 * process is at its limit.  0, or -1 with why naming what is left. */
static int remove_temporaries(struct destination *d, char *why, size_t why_size)
{
	int rc = 0;

	if (d->have_part && unlinkat(d->parent, d->part, 0) < 0 && errno != ENOENT) {
		snprintf(why, why_size, "%s/%s could not be removed (%s): remove it by hand", d->parent_path, d->part,
			 strerror(errno));
		rc = -1;
	}
	close(d->parent);
	d->parent = -1;
	if (d->have_staging && remove_tree(d->staging_path, false) < 0) {
		snprintf(why, why_size, "the temporary %s could not be removed (%s): remove it by hand",
			 d->staging_path, strerror(errno));
		rc = -1;
	}
	d->have_part = d->have_staging = false;
	return rc;
}

/* Opens DEST's directory and refuses a DEST that exists in any form (a
 * dangling symlink included). */
static int open_destination(const char *dest, struct destination *d, char *why, size_t why_size)
{
	const char *slash = strrchr(dest, '/');
	struct stat st;

	memset(d, 0, sizeof(*d));
	d->base = slash ? slash + 1 : dest;
	if (slash == dest)
		snprintf(d->parent_path, sizeof(d->parent_path), "/");
	else if (slash)
		snprintf(d->parent_path, sizeof(d->parent_path), "%.*s", (int)(slash - dest), dest);
	else
		snprintf(d->parent_path, sizeof(d->parent_path), ".");
	if (!d->base[0] || strcmp(d->base, ".") == 0 || strcmp(d->base, "..") == 0 || strlen(d->base) > 200) {
		snprintf(why, why_size, "give the name of a new directory or .tar.gz file (at most 200 bytes)");
		return -1;
	}
	d->parent = open(d->parent_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->parent < 0) {
		int e = errno;

		snprintf(why, why_size, "its directory %s: %s (%s)%s", d->parent_path, strerror(e), errno_name(e),
			 e == ENOENT ? ": create it first" : e == EACCES ? ": choose a directory you may write to" : "");
		return -1;
	}
	if (fstatat(d->parent, d->base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		snprintf(why, why_size, "%s exists already%s; give a new name (kvm-ok never writes over or through "
			 "what is there)", dest, S_ISLNK(st.st_mode) ? " (a symbolic link)" : "");
		close(d->parent);
		return -1;
	}
	return 0;
}

/* mkdtemp beside DEST, relative to its directory: .BASE.XXXXXX, mode 0700
 * while it holds host data. */
static int make_staging(struct destination *d, char *why, size_t why_size)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	for (unsigned int seed = (unsigned int)(ts.tv_nsec ^ getpid()), tries = 0; tries < 100; tries++) {
		char suffix[7];

		for (int i = 0; i < 6; i++)
			suffix[i] = letters[rand_r(&seed) % (sizeof(letters) - 1)];
		suffix[6] = '\0';
		snprintf(d->staging, sizeof(d->staging), ".%s.%s", d->base, suffix);
		snprintf(d->part, sizeof(d->part), "%s.part", d->staging);
		if (mkdirat(d->parent, d->staging, 0700) == 0) {
			d->have_staging = true;
			snprintf(d->staging_path, sizeof(d->staging_path), "%s/%s", d->parent_path, d->staging);
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	snprintf(why, why_size, "creating a temporary directory in %s: %s (%s)%s", d->parent_path, strerror(errno),
		 errno_name(errno), errno == EACCES || errno == EPERM || errno == EROFS ?
		 ": choose a directory you may write to" : "");
	return -1;
}

/* The archive: tar's output into .BASE.XXXXXX.part (O_EXCL, O_NOFOLLOW),
 * flushed to disk; tar's own message when it fails. */
static int write_archive(struct destination *d, char *why, size_t why_size)
{
	char *tar[] = { TAR_PATH, "-czf", "-", "-C", d->staging_path, "snapshot", NULL };
	char err[400];
	int fd, status;

	fd = openat(d->parent, d->part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(why, why_size, "creating %s/%s: %s", d->parent_path, d->part, strerror(errno));
		return -1;
	}
	d->have_part = true;
	status = spawn_run(tar, fd, err, sizeof(err), 60000);
	if (status != 0) {
		const char *what = status > 0 ? "failed" : errno == ETIMEDOUT ? "took more than 60 s" : "could not run";

		snprintf(why, why_size, "%s -czf %s", TAR_PATH, what);
		if (err[0])
			snprintf(why + strlen(why), why_size - strlen(why), ": %s", err);
		close(fd);
		return -1;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		snprintf(why, why_size, "writing %s/%s: %s", d->parent_path, d->part, strerror(errno));
		return -1;
	}
	return 0;
}

/* Renames the finished snapshot into place, never over something that
 * appeared meanwhile. */
static int publish(struct destination *d, const char *from, const char *dest, char *why, size_t why_size)
{
	if (renameat2(d->parent, from, d->parent, d->base, RENAME_NOREPLACE) < 0) {
		snprintf(why, why_size, "renaming it to %s: %s%s", dest, strerror(errno),
			 errno == EEXIST ? " (it appeared meanwhile; nothing was replaced)" : "");
		return -1;
	}
	return 0;
}

#ifdef KVMHOST_TESTING
/* Test builds only (build/test/): KVMHOST_TEST_COLLECT_PAUSE_MS=N waits N ms
 * once the snapshot is staged, so a test can signal a run in that window. */
static void pause_if_asked(void)
{
	const char *ms = getenv("KVMHOST_TEST_COLLECT_PAUSE_MS");
	struct timespec t;

	if (!ms)
		return;
	t.tv_sec = atoi(ms) / 1000;
	t.tv_nsec = (long)(atoi(ms) % 1000) * 1000000L;
	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}
#else
static void pause_if_asked(void)
{
}
#endif

static int write_all_or_nothing(const char *dest, struct destination *d, const struct held_signals *sig,
				const struct host_facts *f, const struct report_facts *r, bool include_serials,
				char *why, size_t why_size)
{
	bool archive = snapshot_is_archive(dest);	/* the names --sysroot replays as archives */
	char top[4500];
	int dirfd, rc;

	if (make_staging(d, why, why_size) < 0)
		return -1;
	snprintf(top, sizeof(top), "%s%s", d->staging_path, archive ? "/snapshot" : "");
	if (archive && mkdir(top, 0700) < 0) {
		snprintf(why, why_size, "creating %s: %s", top, strerror(errno));
		return -1;
	}
	dirfd = open(top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		snprintf(why, why_size, "opening %s: %s", top, strerror(errno));
		return -1;
	}
	rc = write_snapshot(dirfd, top, f, r, include_serials, why, why_size);
	pause_if_asked();
	if (rc == 0 && !archive && fchmod(dirfd, 0700) < 0) {
		snprintf(why, why_size, "%s: %s", top, strerror(errno));
		rc = -1;
	}
	close(dirfd);
	if (rc < 0 || signals_pending(sig))
		return -1;
	if (archive)
		return write_archive(d, why, why_size) < 0 || signals_pending(sig) ? -1 :
		       publish(d, d->part, dest, why, why_size) < 0 ? -1 : (d->have_part = false, 0);
	if (publish(d, d->staging, dest, why, why_size) < 0)
		return -1;
	d->have_staging = false;
	return 0;
}

int collect_snapshot(const char *dest, const struct host_facts *f, const struct report_facts *r,
		     bool include_serials, char *why, size_t why_size)
{
	struct destination d;
	struct held_signals held;
	int rc, sig;

	if (open_destination(dest, &d, why, why_size) < 0)
		return -1;
	signals_hold(&held);
	rc = write_all_or_nothing(dest, &d, &held, f, r, include_serials, why, why_size);
	if (rc == 0)
		rc = remove_temporaries(&d, why, why_size);
	else	/* the first failure's message stays */
		remove_temporaries(&d, (char[256]){ 0 }, 256);
	sig = signals_pending(&held);
	if (sig) {
		snprintf(why, why_size, "interrupted by signal %d: nothing written", sig);
		rc = -1;
	}
	signals_release(&held);	/* a held signal ends the run here, as it would have */
	return rc;
}
