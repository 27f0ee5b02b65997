/* kmod_confined.c - see kmod_confined.h */
#include "kmod_confined.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd_io.h"
#include "mount_namespace.h"
#include "remove_tree.h"

#define CONFIG_FILE_MAX	(1u << 20)
#define INDEX_FILE_MAX	(64ull << 20)
#define CMDLINE_MAX	4096	/* libkmod reads no more of /proc/cmdline */

static const char *const config_dirs[MODPROBE_CONFIG_DIRS] = {
	"/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/usr/lib/modprobe.d",
	"/lib/modprobe.d",
};

/* What libkmod reads in a module tree (kmod's index files and the
 * configuration it keeps beside them). */
static const char *const index_files[] = {
	"modules.dep", "modules.dep.bin", "modules.alias", "modules.alias.bin", "modules.symbols",
	"modules.symbols.bin", "modules.builtin", "modules.builtin.bin", "modules.builtin.alias.bin",
	"modules.builtin.modinfo", "modules.softdep", "modules.weakdep", "modules.devname", "modules.order",
};

static bool is_conf_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0 && !strchr(name, '/');
}

/* Writes len bytes of text to a new private file path (0600). */
static int write_private(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len) {
		int saved = errno ? errno : EIO;

		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

/* The image's dir (an absolute path in it) into the private out (made):
 * each *.conf read through the sysroot helper (regular, bounded). */
static int copy_config_dir(const struct sysroot *root, const char *dir, const char *out, char *why, size_t why_size)
{
	const struct dirent *e;
	DIR *d;

	if (mkdir(out, 0700) < 0) {
		snprintf(why, why_size, "%s: %s", out, strerror(errno));
		return -1;
	}
	d = sysroot_opendir(root, dir);
	if (!d)
		return 0;	/* missing, or leading outside the image: nothing from it */
	while ((e = readdir(d)) != NULL) {
		char from[512], to[512];
		size_t len;
		char *text;

		if (!is_conf_name(e->d_name) || strlen(e->d_name) > 200)
			continue;
		snprintf(from, sizeof(from), "%s/%s", dir, e->d_name);
		text = sysroot_read_all(root, from, CONFIG_FILE_MAX, &len);
		if (!text)
			continue;	/* not a regular file of the image, or too large: as modprobe skips bad files */
		snprintf(to, sizeof(to), "%s/%s", out, e->d_name);
		if (write_private(to, text, len) < 0) {
			snprintf(why, why_size, "copying %s: %s", from, strerror(errno));
			free(text);
			closedir(d);
			return -1;
		}
		free(text);
	}
	closedir(d);
	return 0;
}

static int mount_ns_state;	/* this process's own mount namespace: 0 not yet, 1 made, else -errno */

/* This process's own mount namespace, made once, with private propagation
 * so that nothing mounted in it reaches the host's.  0, or -1 with errno. */
static int own_mount_namespace(void)
{
	if (mount_ns_state == 0)
		mount_ns_state = mount_namespace_private() == 0 ? 1 : -errno;
	if (mount_ns_state < 0) {
		errno = -mount_ns_state;
		return -1;
	}
	return 0;
}

/* The image's proc/cmdline (empty when it has none that can be read) in
 * place of the running kernel's, for libkmod, which opens /proc/cmdline
 * itself.  Where that cannot be done, cmdline_note says why. */
static int image_cmdline_in_place(const struct sysroot *root, struct kmod_confined *k, char *why, size_t why_size)
{
	size_t len = 0;
	char *text = sysroot_read_all(root, "/proc/cmdline", CMDLINE_MAX, &len);
	int rc;

	snprintf(k->cmdline, sizeof(k->cmdline), "%s/cmdline", k->tmp);
	rc = write_private(k->cmdline, text ? text : "", text ? len : 0);
	free(text);
	if (rc < 0) {
		snprintf(why, why_size, "copying the image's proc/cmdline to %s: %s", k->cmdline, strerror(errno));
		return -1;
	}
	if (own_mount_namespace() < 0)
		snprintf(k->cmdline_note, sizeof(k->cmdline_note),
			 "module options and blacklists from the running kernel's command line are in this plan, not "
			 "the image's: libkmod reads /proc/cmdline itself, and a mount namespace to give it the "
			 "image's could not be made (%s), nor a user namespace; run as root for the image's own",
			 strerror(errno));
	else if (mount(k->cmdline, "/proc/cmdline", NULL, MS_BIND, NULL) == 0)
		k->cmdline_bound = true;
	else if (errno != ENOENT)	/* no /proc/cmdline: libkmod reads none */
		snprintf(k->cmdline_note, sizeof(k->cmdline_note),
			 "module options and blacklists from the running kernel's command line are in this plan, not "
			 "the image's: the image's proc/cmdline could not be mounted on /proc/cmdline (%s)",
			 strerror(errno));
	return 0;
}

/* Writes text to a /proc/self file of the user namespace's maps. */
static int write_proc_self(const char *name, const char *text)
{
	char path[64];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fd_write_all(fd, text, strlen(text)) < 0)
		rc = -1;
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

int kmod_confined_user_namespace(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER) < 0)
		return -1;
	/* the caller's own IDs map to themselves: files, and what the caller
	 * may open, look as they did; the supplementary groups are kept but
	 * can no longer be changed (setgroups denied, as an unprivileged map
	 * requires) */
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned int)uid, (unsigned int)uid);
	if (write_proc_self("uid_map", map) < 0 || write_proc_self("setgroups", "deny") < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned int)gid, (unsigned int)gid);
	if (write_proc_self("gid_map", map) < 0)
		return -1;
	mount_ns_state = 0;	/* a mount namespace may now be made: this namespace owns it */
	return 0;
}

int kmod_confined_config(const struct sysroot *root, struct kmod_confined *k, const char *const **paths,
			 char *why, size_t why_size)
{
	memset(k, 0, sizeof(*k));
	*paths = NULL;
	if (sysroot_is_live(root))
		return 0;
	snprintf(k->tmp, sizeof(k->tmp), "/tmp/kvmhost-modprobe.XXXXXX");
	if (!mkdtemp(k->tmp)) {
		snprintf(why, why_size, "a private directory for the image's modprobe.d: %s", strerror(errno));
		k->tmp[0] = '\0';
		return -1;
	}
	for (int i = 0; i < MODPROBE_CONFIG_DIRS; i++) {
		snprintf(k->dir[i], sizeof(k->dir[i]), "%s/%d", k->tmp, i);
		if (copy_config_dir(root, config_dirs[i], k->dir[i], why, why_size) < 0) {
			kmod_confined_release(k);
			return -1;
		}
		k->paths[i] = k->dir[i];
	}
	k->paths[MODPROBE_CONFIG_DIRS] = NULL;
	if (image_cmdline_in_place(root, k, why, why_size) < 0) {
		kmod_confined_release(k);
		return -1;
	}
	*paths = k->paths;
	return 0;
}

void kmod_confined_release(struct kmod_confined *k)
{
	if (k->cmdline_bound)
		umount2("/proc/cmdline", MNT_DETACH);
	k->cmdline_bound = false;
	if (k->tmp[0])
		remove_tree(k->tmp, false);
	k->tmp[0] = '\0';
}

int kmod_confined_tree(const struct sysroot *root, const char *rel, char *why, size_t why_size)
{
	if (sysroot_is_live(root))
		return 0;
	for (size_t i = 0; i < sizeof(index_files) / sizeof(index_files[0]); i++) {
		char path[512];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", rel, index_files[i]);
		if (sysroot_lstat(root, path, &st) < 0) {
			if (errno == ENOENT)
				continue;
			snprintf(why, why_size, "%s: %s", path, strerror(errno));
			return -1;
		}
		if (!S_ISREG(st.st_mode) || (unsigned long long)st.st_size > INDEX_FILE_MAX) {
			snprintf(why, why_size, "%s is %s: the module tree is not read", path,
				 S_ISLNK(st.st_mode) ? "a symbolic link" : !S_ISREG(st.st_mode) ? "not a regular file"
				 : "larger than a module index can be (64 MiB)");
			return -1;
		}
		/* libkmod opens it by plain path: it must be this very file */
		if (sysroot_check_inside(root, path) < 0) {
			snprintf(why, why_size, "%s leads outside the host image: the module tree is not read", path);
			return -1;
		}
	}
	return 0;
}

void kmod_confined_quiet_begin(const struct sysroot *root, char *saved, size_t size)
{
	const char *old = getenv("KMOD_LOG");

	saved[0] = '\0';
	if (sysroot_is_live(root))
		return;
	if (old)
		snprintf(saved, size, "%s", old);
	setenv("KMOD_LOG", "0", 1);	/* LOG_EMERG: libkmod logs nothing it reads */
}

void kmod_confined_quiet_end(const struct sysroot *root, const char *saved)
{
	if (sysroot_is_live(root))
		return;
	if (saved[0])
		setenv("KMOD_LOG", saved, 1);
	else
		unsetenv("KMOD_LOG");
}
