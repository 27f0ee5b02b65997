/* setting.c - the signs of a container, WSL2 or a CI runner */
#include "setting.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const setting_environ_names[] = {
	"container", "GITHUB_ACTIONS", "GITLAB_CI", "CI", "KUBERNETES_SERVICE_HOST", NULL,
};

const char *const setting_marker_paths[] = {
	"/.dockerenv", "/dev/.lxc/", "/var/run/secrets/kubernetes.io/serviceaccount/",
	"/run/secrets/kubernetes.io/serviceaccount/", "/run/systemd/system/", "/home/runner/work/",
	"/opt/hostedtoolcache/", "/sys/class/misc/", NULL,
};

static void add_sign(struct setting *s, const char *fmt, const char *arg)
{
	size_t len = strlen(s->signs);
	char text[120];

	snprintf(text, sizeof(text), fmt, arg);
	if (strstr(s->signs, text))
		return;
	snprintf(s->signs + len, sizeof(s->signs) - len, "%s%s", len ? ", " : "", text);
}

/* A runtime named by a stronger sign wins over one named by a weaker sign:
 * Kubernetes runs its pods through Docker or containerd, so it goes first. */
static void name_runtime(struct setting *s, enum container_runtime r)
{
	static const int rank[] = {
		[RUNTIME_NONE] = 0, [RUNTIME_GENERIC] = 1, [RUNTIME_NSPAWN] = 2, [RUNTIME_LXC] = 3,
		[RUNTIME_DOCKER] = 4, [RUNTIME_PODMAN] = 5, [RUNTIME_KUBERNETES] = 6,
	};

	if (rank[r] > rank[s->runtime])
		s->runtime = r;
}

static bool exists(const struct sysroot *root, const char *path)
{
	struct stat st;

	return sysroot_stat(root, path, &st) == 0;
}

/* The value of a variable of kvm-ok's own environment, or of the one a
 * snapshot recorded; NULL when not set. */
static const char *own_variable(const struct sysroot *root, const char *name, char *buf, size_t size)
{
	char text[2048], *line, *save = NULL;
	size_t len = strlen(name);

	if (sysroot_is_live(root))
		return getenv(name);
	if (sysroot_read_text(root, SETTING_ENVIRON, text, sizeof(text)) < 0)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, name, len) == 0 && line[len] == '=') {
			snprintf(buf, size, "%s", line + len + 1);
			return buf;
		}
	return NULL;
}

static enum container_runtime runtime_of_name(const char *value)
{
	if (strcmp(value, "docker") == 0)
		return RUNTIME_DOCKER;
	if (strcmp(value, "podman") == 0)
		return RUNTIME_PODMAN;
	if (strncmp(value, "lxc", 3) == 0)	/* lxc, lxc-libvirt */
		return RUNTIME_LXC;
	if (strcmp(value, "systemd-nspawn") == 0)
		return RUNTIME_NSPAWN;
	return RUNTIME_GENERIC;
}

/* container= in PID 1's environment (readable by root only) and in ours. */
static void container_variable(const struct sysroot *root, struct setting *s)
{
	char buf[64];
	size_t len;
	char *env = sysroot_read_all(root, SETTING_PID1_ENVIRON, 1 << 20, &len);
	const char *own = own_variable(root, "container", buf, sizeof(buf));

	if (env) {
		for (size_t i = 0; i < len; i += strlen(env + i) + 1)
			if (strncmp(env + i, "container=", 10) == 0 && env[i + 10]) {
				name_runtime(s, runtime_of_name(env + i + 10));
				add_sign(s, "container=%.40s in PID 1's environment", env + i + 10);
			}
		free(env);
	}
	if (own && *own) {
		name_runtime(s, runtime_of_name(own));
		add_sign(s, "container=%.40s", own);
	}
}

/* Docker's and Podman's marker files name the runtime, but a file alone
 * is no proof: images made into virtual machines keep their /.dockerenv
 * (the build machines of this project do).  Returns the runtime they name;
 * says_rootless: /run/.containerenv says rootless=1, for when it is taken. */
static enum container_runtime marker_files(const struct sysroot *root, struct setting *s, bool *says_rootless)
{
	enum container_runtime named = RUNTIME_NONE;
	char text[1024];

	if (exists(root, "/.dockerenv")) {
		named = RUNTIME_DOCKER;
		snprintf(s->marker, sizeof(s->marker), "/.dockerenv");
	}
	if (sysroot_read_text(root, "/run/.containerenv", text, sizeof(text)) >= 0) {
		named = RUNTIME_PODMAN;
		snprintf(s->marker, sizeof(s->marker), "/run/.containerenv");
		*says_rootless = strstr(text, "rootless=1") != NULL;
	}
	return named;
}

/* Signs that only a running container shows. */
static void container_signs(const struct sysroot *root, struct setting *s)
{
	char text[1024];

	if (sysroot_read_text(root, "/run/systemd/container", text, sizeof(text)) > 0) {
		name_runtime(s, runtime_of_name(text));
		add_sign(s, "/run/systemd/container says %.40s", text);
	}
	if (exists(root, "/dev/.lxc")) {
		name_runtime(s, RUNTIME_LXC);
		add_sign(s, "%s", "/dev/.lxc");
	}
	if (exists(root, "/var/run/secrets/kubernetes.io/serviceaccount") ||
	    exists(root, "/run/secrets/kubernetes.io/serviceaccount")) {
		name_runtime(s, RUNTIME_KUBERNETES);
		add_sign(s, "%s", "a Kubernetes service account");
	}
	if (own_variable(root, "KUBERNETES_SERVICE_HOST", text, sizeof(text))) {
		name_runtime(s, RUNTIME_KUBERNETES);
		add_sign(s, "%s", "KUBERNETES_SERVICE_HOST");
	}
}

/* path with each container ID (a run of 32 or more hex digits) cut to its
 * first 12, as docker ps and podman ps show them, into out (at most 80
 * characters, never cut in the middle of an ID). */
static const char *short_ids(const char *path, char *out, size_t size)
{
	size_t used = 0;

	for (const char *p = path; *p && used + 1 < size && used < 80; ) {
		size_t hex = strspn(p, "0123456789abcdef");

		if (hex >= 32) {
			if (used + 12 + 1 >= size)
				break;
			memcpy(out + used, p, 12);
			used += 12;
			p += hex;
		} else {
			out[used++] = *p++;
		}
	}
	out[used] = '\0';
	return out;
}

/* Whether the controller list [list, end) of a /proc/PID/cgroup line
 * ("devices", "cpu,cpuacct", "name=systemd") holds "devices". */
static bool is_devices_controller(const char *list, const char *end)
{
	const char *p = list;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t len = (size_t)((comma ? comma : end) - p);

		if (len == 7 && memcmp(p, "devices", 7) == 0)
			return true;
		p += len + 1;
	}
	return false;
}

/* PID 1's cgroup path names the runtime (without a cgroup namespace); its
 * hierarchies say where the devices controller is. */
static void pid1_cgroup(const struct sysroot *root, struct setting *s)
{
	static const struct {
		const char *part;
		enum container_runtime runtime;
	} known[] = {
		{ "kubepods", RUNTIME_KUBERNETES }, { "/libpod-", RUNTIME_PODMAN }, { "/docker/", RUNTIME_DOCKER },
		{ "/docker-", RUNTIME_DOCKER }, { "lxc.payload", RUNTIME_LXC }, { "/lxc/", RUNTIME_LXC },
		{ "machine.slice/systemd-nspawn", RUNTIME_NSPAWN },
	};
	char text[4096], shown[96], *line, *save = NULL;

	if (sysroot_read_text(root, SETTING_PID1_CGROUP, text, sizeof(text)) < 0)
		return;
	s->device_cgroup = DEVICE_CGROUP_V2;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *path = strrchr(line, ':');
		const char *controllers = strchr(line, ':');

		if (controllers && path > controllers && is_devices_controller(controllers + 1, path))
			s->device_cgroup = DEVICE_CGROUP_V1;

		for (size_t i = 0; path && i < sizeof(known) / sizeof(known[0]); i++)
			if (strstr(path, known[i].part)) {
				name_runtime(s, known[i].runtime);
				add_sign(s, "PID 1's cgroup %s", short_ids(path + 1, shown, sizeof(shown)));
			}
	}
}

/* A mountinfo line ("ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS
 * [OPTIONAL...] - FSTYPE SOURCE ...") of a mount on /dev: its type. */
bool setting_dev_mount_line(const char *line, char *fstype, size_t size)
{
	char point[256], type[64];
	const char *sep = strstr(line, " - ");

	if (!sep || sscanf(line, "%*s %*s %*s %*s %255s", point) != 1 || strcmp(point, "/dev") != 0 ||
	    sscanf(sep + 3, "%63s", type) != 1)
		return false;
	snprintf(fstype, size, "%s", type);
	return true;
}

/* A mountinfo line's file system on /dev (and its source), or
 * DEV_MOUNT_UNKNOWN when the line is not of a mount on /dev. */
static enum dev_mount dev_mount_line_kind(const char *line, char *source, size_t size)
{
	char fstype[64], src[64] = "";

	if (!setting_dev_mount_line(line, fstype, sizeof(fstype)))
		return DEV_MOUNT_UNKNOWN;
	sscanf(strstr(line, " - ") + 3, "%*s %63s", src);
	snprintf(source, size, "%s", src);
	return strcmp(fstype, "devtmpfs") == 0 ? DEV_MOUNT_DEVTMPFS
	       : strcmp(fstype, "tmpfs") == 0 ? DEV_MOUNT_TMPFS : DEV_MOUNT_OTHER;
}

/* The file system of the last mount on /dev in PID 1's mountinfo. */
static enum dev_mount pid1_dev_mount(const struct sysroot *root)
{
	size_t len;
	char *text = sysroot_read_all(root, SETTING_PID1_MOUNTINFO, 4 << 20, &len), *line, *save = NULL;
	enum dev_mount dev = text ? DEV_MOUNT_NONE : DEV_MOUNT_UNKNOWN;
	char source[64];

	for (line = text ? strtok_r(text, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
		enum dev_mount kind = dev_mount_line_kind(line, source, sizeof(source));

		if (kind != DEV_MOUNT_UNKNOWN)
			dev = kind;
	}
	free(text);
	return dev;
}

/* Where a runtime keeps its containers, as the container's own mounts
 * show it (its root's overlay layers, the bind-mounted /etc/hostname and
 * resolv.conf): a sign of that runtime, cgroup namespace or not. */
static const struct {
	const char *part;
	enum container_runtime runtime;
	const char *sign;
} storage_paths[] = {
	{ "/docker/overlay2/", RUNTIME_DOCKER, "Docker's storage in the mounts" },
	{ "/docker/containers/", RUNTIME_DOCKER, "Docker's storage in the mounts" },
	{ "/containers/storage/", RUNTIME_PODMAN, "Podman's storage in the mounts" },
};

bool setting_storage_mount_line(const char *line)
{
	for (size_t i = 0; i < sizeof(storage_paths) / sizeof(storage_paths[0]); i++)
		if (strstr(line, storage_paths[i].part))
			return true;
	return false;
}

/* The process's own mounts, read once: a runtime's storage among them, and
 * the file system on /dev.  A tmpfs on /dev is what container runtimes
 * give, and also what libvirt gives the QEMU it starts (its namespace
 * feature: a tmpfs it names "devfs", in a mount namespace of QEMU's own,
 * PID 1 outside it). */
static void own_mounts(const struct sysroot *root, struct setting *s)
{
	size_t len;
	char *text = sysroot_read_all(root, SETTING_MOUNTINFO, 4 << 20, &len), *line, *save = NULL;
	char source[64] = "", line_source[64];

	if (!text)
		return;
	s->dev = DEV_MOUNT_NONE;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		enum dev_mount kind = dev_mount_line_kind(line, line_source, sizeof(line_source));

		if (kind != DEV_MOUNT_UNKNOWN) {
			s->dev = kind;
			snprintf(source, sizeof(source), "%s", line_source);
		}
		for (size_t i = 0; i < sizeof(storage_paths) / sizeof(storage_paths[0]); i++)
			if (strstr(line, storage_paths[i].part)) {
				name_runtime(s, storage_paths[i].runtime);
				add_sign(s, "%s", storage_paths[i].sign);
			}
	}
	free(text);
	if (s->dev != DEV_MOUNT_TMPFS)
		return;
	if (strcmp(source, "devfs") == 0 && pid1_dev_mount(root) != DEV_MOUNT_TMPFS) {
		s->qemu_namespace = true;
		return;
	}
	name_runtime(s, RUNTIME_GENERIC);
	add_sign(s, "%s", "/dev is a tmpfs");
}

/* Not "0 0 4294967295": a user namespace; root inside is not host root
 * when inside 0 maps to another host ID. */
static void user_namespace(const struct sysroot *root, struct setting *s)
{
	char text[1024];
	unsigned long inside, outside, count;

	if (sysroot_read_text(root, SETTING_UID_MAP, text, sizeof(text)) < 0)
		return;
	if (sscanf(text, "%lu %lu %lu", &inside, &outside, &count) != 3)
		return;
	if (inside == 0 && outside == 0 && count == 4294967295UL && !strchr(text, '\n'))
		return;
	s->user_namespace = true;
	if (inside == 0 && outside != 0)
		s->rootless = true;
	name_runtime(s, RUNTIME_GENERIC);
	add_sign(s, "%s", "a user namespace");
}

static void kvm_registered(const struct sysroot *root, struct setting *s)
{
	char text[32];

	if (sysroot_read_text(root, SETTING_MISC_KVM, text, sizeof(text)) >= 0) {
		s->kvm_registered_known = true;
		s->kvm_registered = strcmp(text, "10:232") == 0;
	} else if (exists(root, "/sys/class/misc")) {
		s->kvm_registered_known = true;
	}
}

static void ci_runner(const struct sysroot *root, struct setting *s)
{
	char buf[16];
	const char *v;

	if (((v = own_variable(root, "GITHUB_ACTIONS", buf, sizeof(buf))) && strcmp(v, "true") == 0) ||
	    (exists(root, "/home/runner/work") && exists(root, "/opt/hostedtoolcache")))
		s->ci = CI_GITHUB_ACTIONS;
	else if ((v = own_variable(root, "GITLAB_CI", buf, sizeof(buf))) && strcmp(v, "true") == 0)
		s->ci = CI_GITLAB;
	else if ((v = own_variable(root, "CI", buf, sizeof(buf))) && strcmp(v, "true") == 0)
		s->ci = CI_GENERIC;
}

void setting_detect(const struct sysroot *root, const struct kernel_release *kernel, struct setting *s)
{
	enum container_runtime named;
	bool marker_rootless = false;

	memset(s, 0, sizeof(*s));
	named = marker_files(root, s, &marker_rootless);
	container_variable(root, s);
	container_signs(root, s);
	pid1_cgroup(root, s);
	own_mounts(root, s);
	user_namespace(root, s);
	if (s->runtime != RUNTIME_NONE && named != RUNTIME_NONE) {
		/* A marker file is left behind where an image or a root directory
		 * was used by its runtime (podman run --rootfs writes its
		 * /run/.containerenv into the directory): it never outranks a sign
		 * that names another runtime (container=lxc), and /.dockerenv names
		 * Docker only beside a sign of Docker's own (its cgroup,
		 * container=docker): a namespace of another kind on a machine that
		 * kept the file is "a container" */
		if (s->runtime == named || (named == RUNTIME_PODMAN && s->runtime == RUNTIME_GENERIC)) {
			name_runtime(s, named);
			s->rootless |= marker_rootless;	/* .containerenv's word, taken with the file */
		}
		add_sign(s, "%s", s->marker);
		s->marker[0] = '\0';
	}
	kvm_registered(root, s);
	s->wsl2 = kernel->known && strcasestr(kernel->release, "microsoft") && strstr(kernel->release, "WSL2");
	s->systemd = exists(root, "/run/systemd/system");
	ci_runner(root, s);
	cloud_detect(root, &s->cloud);
}

const char *setting_device_cgroup_code(enum device_cgroup c)
{
	return c == DEVICE_CGROUP_V1 ? "v1" : c == DEVICE_CGROUP_V2 ? "v2" : NULL;
}

const char *setting_runtime_name(enum container_runtime r)
{
	static const char *const names[] = {
		[RUNTIME_NONE] = NULL, [RUNTIME_GENERIC] = "a container", [RUNTIME_DOCKER] = "Docker",
		[RUNTIME_PODMAN] = "Podman", [RUNTIME_LXC] = "LXC", [RUNTIME_KUBERNETES] = "Kubernetes",
		[RUNTIME_NSPAWN] = "systemd-nspawn",
	};

	return names[r];
}

const char *setting_runtime_code(enum container_runtime r)
{
	static const char *const codes[] = {
		[RUNTIME_NONE] = NULL, [RUNTIME_GENERIC] = "container", [RUNTIME_DOCKER] = "docker",
		[RUNTIME_PODMAN] = "podman", [RUNTIME_LXC] = "lxc", [RUNTIME_KUBERNETES] = "kubernetes",
		[RUNTIME_NSPAWN] = "systemd-nspawn",
	};

	return codes[r];
}

const char *setting_ci_name(enum ci_runner c)
{
	static const char *const names[] = { NULL, "GitHub Actions", "GitLab CI", "a CI runner" };

	return names[c];
}

const char *setting_ci_code(enum ci_runner c)
{
	static const char *const codes[] = { NULL, "github-actions", "gitlab-ci", "ci" };

	return codes[c];
}

const char *setting_dev_mount_name(enum dev_mount m)
{
	static const char *const names[] = { NULL, "devtmpfs", "tmpfs", "other", "none" };

	return names[m];
}

void setting_describe(const struct setting *s, bool hypervisor, char *buf, size_t size)
{
	static const char *const in[] = {
		[RUNTIME_NONE] = NULL, [RUNTIME_GENERIC] = "in a container", [RUNTIME_DOCKER] = "in a Docker container",
		[RUNTIME_PODMAN] = "in a Podman container", [RUNTIME_LXC] = "in an LXC container",
		[RUNTIME_KUBERNETES] = "in a Kubernetes pod", [RUNTIME_NSPAWN] = "in a systemd-nspawn container",
	};
	int n;

	if (in[s->runtime])
		n = snprintf(buf, size, "%s%s (%s)", in[s->runtime], s->rootless ? ", rootless" : "", s->signs);
	else if (s->qemu_namespace)
		n = snprintf(buf, size, "not in a container (QEMU's own namespace under libvirt: a private /dev)");
	else if (s->marker[0])
		n = snprintf(buf, size, "not in a container (%s exists, but nothing else shows a container: "
			     "an image made into a machine?)", s->marker);
	else
		n = snprintf(buf, size, "not in a container (no sign of one)");
	if (n < 0 || (size_t)n >= size)
		return;
	if (s->wsl2)
		n += snprintf(buf + n, size - (size_t)n, "; WSL2%s", s->systemd ? " with systemd" : " without systemd (no udev)");
	else if (hypervisor && s->runtime == RUNTIME_NONE)
		n += snprintf(buf + n, size - (size_t)n, "; a virtual machine%s%s", s->cloud.provider ? " on " : "",
			      s->cloud.provider ? cloud_name(s->cloud.provider) : "");
	else if (s->cloud.provider && s->runtime == RUNTIME_NONE)
		n += snprintf(buf + n, size - (size_t)n, "; %s%s", cloud_name(s->cloud.provider),
			      s->cloud.bare_metal ? ", bare metal" : "");
	if (n > 0 && (size_t)n < size && s->cloud.provider && s->runtime == RUNTIME_NONE && !s->wsl2)
		n += snprintf(buf + n, size - (size_t)n, " (%s%s%s)", s->cloud.instance_type,
			      s->cloud.instance_type[0] ? "; " : "", s->cloud.evidence);
	if (n > 0 && (size_t)n < size && s->ci)
		n += snprintf(buf + n, size - (size_t)n, "; %s", setting_ci_name(s->ci));
	if (n > 0 && (size_t)n < size && s->runtime != RUNTIME_NONE && s->kvm_registered_known)
		snprintf(buf + n, size - (size_t)n, "; the kernel %s the KVM device (10:232)",
			 s->kvm_registered ? "has" : "does not have");
}
