/* setting.h - where kvm-ok runs: a host, a container (which runtime), WSL2,
 * a CI runner
 *
 * The fix for a missing or refused /dev/kvm depends on the setting: inside
 * a container the device is passed in by the runtime, a chmod or mknod there
 * cannot work.  Every sign is read through the sysroot helper (and written
 * by --collect), but for kvm-ok's own environment, which a snapshot keeps
 * in DIR/environ.
 */
#ifndef KVMHOST_SETTING_H
#define KVMHOST_SETTING_H

#include <stdbool.h>

#include "cloud.h"
#include "kernel.h"
#include "sysroot.h"

enum container_runtime {
	RUNTIME_NONE,		/* no sign of a container */
	RUNTIME_GENERIC,	/* only generic signs: "a container" */
	RUNTIME_DOCKER,
	RUNTIME_PODMAN,
	RUNTIME_LXC,		/* LXC, LXD/Incus, Proxmox containers */
	RUNTIME_KUBERNETES,
	RUNTIME_NSPAWN,
};

enum ci_runner {
	CI_NONE,
	CI_GITHUB_ACTIONS,
	CI_GITLAB,
	CI_GENERIC,		/* CI=true and nothing more */
};

enum dev_mount {
	DEV_MOUNT_UNKNOWN,	/* mountinfo unreadable */
	DEV_MOUNT_DEVTMPFS,	/* what a host has */
	DEV_MOUNT_TMPFS,	/* what container runtimes give */
	DEV_MOUNT_OTHER,
	DEV_MOUNT_NONE,		/* /dev is not a mount point: a chroot, an initramfs without it */
};

/* The files and variables a setting is read from, below the root. */
/* Where the kernel's device controller is, as PID 1's /proc/1/cgroup lists
 * the hierarchies: it decides which key a container's configuration takes. */
enum device_cgroup {
	DEVICE_CGROUP_UNKNOWN,	/* PID 1's cgroup unreadable */
	DEVICE_CGROUP_V1,	/* a "N:devices:PATH" line: the legacy devices controller */
	DEVICE_CGROUP_V2,	/* none: device access is a BPF program of the unified hierarchy */
};

#define SETTING_ENVIRON		"/environ"	/* a snapshot's copy of kvm-ok's own variables */
#define SETTING_MOUNTINFO	"/proc/self/mountinfo"
#define SETTING_UID_MAP		"/proc/self/uid_map"
#define SETTING_PID1_CGROUP	"/proc/1/cgroup"
#define SETTING_PID1_ENVIRON	"/proc/1/environ"
#define SETTING_PID1_MOUNTINFO	"/proc/1/mountinfo"
#define SETTING_MISC_KVM	"/sys/class/misc/kvm/dev"

#define SETTING_SIGNS_MAX 240

struct setting {
	enum container_runtime runtime;
	bool rootless;			/* podman's rootless=1, or a user namespace not mapping host root */
	bool user_namespace;		/* /proc/self/uid_map is not the identity map */
	enum dev_mount dev;
	bool qemu_namespace;		/* /dev is libvirt's private tmpfs for QEMU ("devfs"), not a container's */
	enum device_cgroup device_cgroup;
	bool kvm_registered;		/* the kernel has the KVM misc device (10:232), wherever /dev/kvm is */
	bool kvm_registered_known;
	bool wsl2;
	bool systemd;			/* systemd runs (/run/systemd/system): so does udev */
	enum ci_runner ci;
	struct cloud cloud;		/* the provider whose machine this is, from DMI */
	char signs[SETTING_SIGNS_MAX];	/* what showed it: "/.dockerenv, PID 1's cgroup /docker/..." */
	char marker[24];		/* a marker file without any other sign: not taken as a container */
};

/* Reads the signs under the root; kernel is the release read already. */
void setting_detect(const struct sysroot *root, const struct kernel_release *kernel, struct setting *s);

/* "Docker", "Podman", "LXC", "Kubernetes", "systemd-nspawn", "a container";
 * NULL for RUNTIME_NONE. */
const char *setting_runtime_name(enum container_runtime r);

/* "docker", "podman", ... as in the JSON; NULL for RUNTIME_NONE. */
const char *setting_runtime_code(enum container_runtime r);

/* "v1", "v2" as in the JSON; NULL when unknown. */
const char *setting_device_cgroup_code(enum device_cgroup c);

/* "GitHub Actions", "GitLab CI", "a CI runner"; NULL for CI_NONE. */
const char *setting_ci_name(enum ci_runner c);
const char *setting_ci_code(enum ci_runner c);

const char *setting_dev_mount_name(enum dev_mount m);

/* One line for the "setting" check: "a Docker container (/.dockerenv; ...)". */
void setting_describe(const struct setting *s, bool hypervisor, char *buf, size_t size);

/* Whether a line of mountinfo is a mount on /dev; its type into fstype. */
bool setting_dev_mount_line(const char *line, char *fstype, size_t size);

/* Whether a mountinfo line shows a runtime's storage (Docker's, Podman's). */
bool setting_storage_mount_line(const char *line);

/* Paths whose existence alone is a sign (--collect recreates them empty:
 * a directory where the name ends in '/'), NULL-terminated. */
extern const char *const setting_marker_paths[];

/* The environment variables that tell the setting, as --collect keeps
 * them (NULL-terminated). */
extern const char *const setting_environ_names[];

#endif
