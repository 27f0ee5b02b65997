/* debian_root.c - mmdebstrap or debootstrap, configure, mkfs.ext4 -d, qemu-img convert
 *
 * The steps of --make-debian-root, each shown with the time elapsed; a
 * failed one says which and leaves nothing behind (debian_outputs.c keeps
 * the image's files private until they are whole).  As root the tools run
 * as they are; a normal user's build runs mmdebstrap --mode=unshare and
 * the steps on its tree in a user namespace mapped the same way
 * (user_namespace.h), so the image file is the user's.
 */
#include "debian_root.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"
#include "debian_build.h"
#include "debian_kernel.h"
#include "remove_tree.h"

/* Installed with the kernel, either way: systemd as init, udev, and zstd,
 * which initramfs.conf's COMPRESS=zstd asks for (initramfs-tools-core
 * recommends it; neither bootstrapper installs recommendations): without
 * it every update-initramfs warns "No zstd" and falls back to gzip, which
 * is slower to make (9.4 s against 5.4 here), to boot and larger (36 MB
 * against 30). */
#define WITH_THE_KERNEL "systemd-sysv,udev,zstd"

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The words of step 1: which bootstrapper, and how the kernel comes. */
static void say_bootstrap(struct build *b, const char *kernel_how)
{
	char what[PATH_MAX + 1024];

	if (b->ns)
		snprintf(what, sizeof(what), "mmdebstrap --mode=unshare, as %s in a user namespace of IDs %lu-%lu: "
			 "a minimal Debian with systemd%s", b->ns->name, b->ns->subuid.start,
			 b->ns->subuid.start + b->ns->subuid.count - 1, kernel_how);
	else
		snprintf(what, sizeof(what), "%s%s: a minimal Debian with systemd%s",
			 b->mmdebstrap ? "mmdebstrap --mode=root" : "debootstrap",
			 b->mmdebstrap || b->o->bootstrap ? "" : " (mmdebstrap is not installed)", kernel_how);
	begin(b, what);
}

/* Step 1: the Debian tree in b->root.  mmdebstrap installs the kernel
 * apart, in its customize hook (debian_kernel.h), where it can run this
 * program; debootstrap, which has no hooks, with the rest. */
static int bootstrap(struct build *b)
{
	const struct debian_root_options *o = b->o;
	char include[1024], arch[48], hook[PATH_MAX + 32], self[PATH_MAX], why[PATH_MAX + 64], how[PATH_MAX + 160];
	char *argv[12] = { NULL }, *hook_env[] = { KERNEL_HOOK_ENV "=" KERNEL_HOOK_VALUE, NULL };
	bool apart;
	int n = 0;

	apart = b->mmdebstrap && kernel_hook_path(b->ns != NULL, self, sizeof(self), why, sizeof(why)) == 0;
	snprintf(include, sizeof(include), "--include=%s," WITH_THE_KERNEL "%s%s",
		 apart ? KERNEL_FIRST : o->kernel_package, o->packages ? "," : "", o->packages ? o->packages : "");
	/* the guest's architecture, said outright (with binfmt_misc and
	 * qemu-user-static either can then make it on another host) */
	if (b->mmdebstrap) {
		snprintf(arch, sizeof(arch), "--architectures=%s", o->debian_arch);
		argv[n++] = MMDEBSTRAP_PATH;
		argv[n++] = b->ns ? "--mode=unshare" : "--mode=root";
	} else {
		snprintf(arch, sizeof(arch), "--arch=%s", o->debian_arch);
		argv[n++] = DEBOOTSTRAP_PATH;
	}
	argv[n++] = "--variant=minbase";
	argv[n++] = arch;
	argv[n++] = include;
	if (apart) {
		snprintf(hook, sizeof(hook), "--customize-hook=%s", self);
		argv[n++] = hook;
	}
	argv[n++] = (char *)o->suite;
	argv[n++] = b->root;
	if (o->mirror)
		argv[n++] = (char *)o->mirror;
	if (apart)
		snprintf(how, sizeof(how), ", then its kernel apart (its initramfs made once)");
	else if (b->mmdebstrap)
		snprintf(how, sizeof(how), " and its kernel in one pass (its initramfs made twice: %s)", why);
	else
		snprintf(how, sizeof(how), " and its kernel");
	say_bootstrap(b, how);
	b->root_filled = true;
	/* for mmdebstrap's hook: in mmdebstrap's environment only */
	if (run_tool(b, argv, apart ? hook_env : NULL, false) < 0) {
		char tool[64];

		snprintf(tool, sizeof(tool), "%s of %s", b->mmdebstrap ? "mmdebstrap" : "debootstrap", o->suite);
		return tool_failed(b, tool);
	}
	return 0;
}

static int build_image(struct build *b, bool qcow2)
{
	char root_dir_arg[80];
	char *mkfs[] = { MKFS_EXT4_PATH, "-q", "-F", "-L", "debian-root", "-d", root_dir_arg,
			 b->out[qcow2 ? OUT_RAW : OUT_IMAGE].partial, (char *)b->o->size, NULL };

	snprintf(root_dir_arg, sizeof(root_dir_arg), "%s", b->root);
	if (bootstrap(b) < 0)
		return -1;
	begin(b, "configuration: hostname, fstab, root password, serial console");
	if (in_tree(b, configure_tree) < 0)
		return -1;
	begin(b, "the kernel and initramfs beside the image");
	if (in_tree(b, copy_boot_files) < 0)
		return -1;
	begin(b, "mkfs.ext4 -d: the file system, populated without mounting");
	if (run_tool(b, mkfs, NULL, true) < 0)
		return tool_failed(b, "mkfs.ext4");
	if (qcow2) {
		char *convert[] = { QEMU_IMG_PATH, "convert", "-q", "-O", "qcow2", b->out[OUT_RAW].partial,
				    b->out[OUT_IMAGE].partial, NULL };

		begin(b, "qemu-img convert: to qcow2");
		if (run_tool(b, convert, NULL, false) < 0)
			return tool_failed(b, "qemu-img convert");
	}
	if (interrupted(b))
		return -1;	/* the last moment to stop: after the rename the image is whole */
	begin(b, "the image in place");
	return place_outputs(b);
}

/* The work directory and log in /var/tmp, the image's private files:
 * whether the work directory is gone. */
static bool clean_up(struct build *b, bool failed)
{
	const struct child_watch no_watch = { 0 };
	bool removed = true;

	/* a normal user cannot remove what the namespace's IDs own */
	if (b->ns && b->root_filled)
		user_namespace_run(b->ns, &(const struct namespace_job){ .fn = remove_root_tree, .arg = b, .log_fd = -1 },
				   &no_watch, b->o->prog);
	if (b->root[0] && remove_tree(b->root, true) < 0 && errno != ENOENT) {
		fprintf(stderr, "%s: could not remove the work directory %s: %s; as root, unmount what is still "
			"mounted in it (findmnt -R %s; umount -R), then rm -r it\n", b->o->prog, b->root, strerror(errno),
			b->root);
		removed = false;
	}
	if (b->log_fd >= 0) {
		close(b->log_fd);
		unlink(b->log);
	}
	discard_outputs(b, failed);
	return removed;
}

static int nothing(void *arg)
{
	(void)arg;
	return 0;
}

/* Which bootstrapper, and whether this user can run it: 0, or -1 after
 * saying what to install or change. */
static int choose_bootstrapper(struct build *b, struct user_namespace *ns, bool qcow2)
{
	const struct debian_root_options *o = b->o;
	bool root = geteuid() == 0;

	b->mmdebstrap = o->bootstrap ? strcmp(o->bootstrap, "mmdebstrap") == 0 : access(MMDEBSTRAP_PATH, X_OK) == 0;
	if (!b->mmdebstrap && !root) {
		fprintf(stderr, "%s: --make-debian-root %s: debootstrap needs root: sudo %s --make-debian-root ...; "
			"or, as a normal user, mmdebstrap --mode=unshare: apt-get install mmdebstrap uidmap\n",
			o->prog, o->image, o->prog);
		return -1;
	}
	if (access(b->mmdebstrap ? MMDEBSTRAP_PATH : DEBOOTSTRAP_PATH, X_OK) < 0 || access(MKFS_EXT4_PATH, X_OK) < 0 ||
	    (qcow2 && access(QEMU_IMG_PATH, X_OK) < 0)) {
		fprintf(stderr, "%s: --make-debian-root needs %s, %s%s: apt-get install %s e2fsprogs%s\n", o->prog,
			b->mmdebstrap ? MMDEBSTRAP_PATH : DEBOOTSTRAP_PATH, MKFS_EXT4_PATH,
			qcow2 ? " and " QEMU_IMG_PATH : "", b->mmdebstrap ? "mmdebstrap" : "debootstrap",
			qcow2 ? " qemu-utils" : "");
		return -1;
	}
	if (root)
		return 0;
	/* a normal user: the namespace the later steps need, tried now */
	if (user_namespace_for_caller(ns, o->prog) < 0 ||
	    user_namespace_run(ns, &(const struct namespace_job){ .fn = nothing, .log_fd = -1 },
			       &(const struct child_watch){ 0 }, o->prog) != 0)
		return -1;
	b->ns = ns;
	return 0;
}

/* The work directory for the tree and the build's log, in /var/tmp. */
static int make_work_dir(struct build *b)
{
	snprintf(b->root, sizeof(b->root), "/var/tmp/runner-debian-root.XXXXXX");
	if (!mkdtemp(b->root)) {
		fprintf(stderr, "%s: a work directory in /var/tmp: %s\n", b->o->prog, strerror(errno));
		b->root[0] = '\0';
		return -1;
	}
	chmod(b->root, 0755);
	snprintf(b->log, sizeof(b->log), "%s.log", b->root);
	b->log_fd = open(b->log, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (b->log_fd < 0) {
		fprintf(stderr, "%s: the build's log %s: %s\n", b->o->prog, b->log, strerror(errno));
		return -1;
	}
	return 0;
}

int make_debian_root(const struct debian_root_options *o)
{
	struct build b = { .o = o, .start = now_s(), .log_fd = -1 };
	struct user_namespace ns;
	bool qcow2 = ends_with(o->image, ".qcow2");
	int rc = -1;
	bool removed;

	b.steps = qcow2 ? 6 : 5;
	if (choose_bootstrapper(&b, &ns, qcow2) < 0)
		return 1;
	signals_hold(&b.held);
	if (claim_outputs(&b, qcow2) == 0 && make_work_dir(&b) == 0)
		rc = build_image(&b, qcow2);
	removed = clean_up(&b, rc < 0);
	signals_release(&b.held);
	if (b.interrupted) {
		fprintf(stderr, "%s: stopped by signal %d at step %d; %s\n", o->prog, b.interrupted, b.step,
			removed ? "its work directory and partial files are removed" : "its partial files are removed");
		signal(b.interrupted, SIG_DFL);
		raise(b.interrupted);	/* end as the signal would have */
		return 1;
	}
	if (rc == 0)
		fprintf(stderr, "%s: %s made in %.0f s; boot it with: %s --disk %s\n", o->prog, o->image,
			now_s() - b.start, o->prog, o->image);
	return rc < 0 ? 1 : 0;
}
