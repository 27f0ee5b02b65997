/* debian_root.h - build a bootable Debian disk image (qemu-make-debian-root's job) */
#ifndef RUNNER_DEBIAN_ROOT_H
#define RUNNER_DEBIAN_ROOT_H

#define MMDEBSTRAP_PATH	 "/usr/bin/mmdebstrap"
#define DEBOOTSTRAP_PATH "/usr/sbin/debootstrap"
#define MKFS_EXT4_PATH	 "/sbin/mkfs.ext4"
#define QEMU_IMG_PATH	 "/usr/bin/qemu-img"

struct debian_root_options {
	const char *image;		/* IMAGE (raw), or IMAGE.qcow2 */
	const char *suite;		/* bookworm */
	const char *size;		/* 2G */
	const char *packages;		/* a,b,c: more packages */
	const char *mirror;		/* NULL: the bootstrapper's default */
	const char *root_password_file;	/* NULL: root locked */
	const char *first_boot;		/* a script run once at first boot, or NULL */
	const char *bootstrap;		/* "mmdebstrap", "debootstrap"; NULL: mmdebstrap where installed */
	const char *kernel_package;	/* linux-image-amd64, linux-image-arm64 */
	const char *debian_arch;	/* amd64, arm64: the bootstrapper's architecture */
	const char *prog;		/* for messages */
};

/* Builds the image; IMAGE.vmlinuz and IMAGE.initrd are written beside it.
 * As root, or as a normal user with mmdebstrap --mode=unshare.  Returns 0,
 * or 1 after saying which step failed and why (nothing partial is left
 * behind). */
int make_debian_root(const struct debian_root_options *o);

#endif
