/* kmod_confined.h - what libkmod may read of a host image
 *
 * libkmod opens its module tree and the modprobe.d files by plain path,
 * following any link, and logs the lines it cannot parse.  On the live
 * host that is what modprobe does; for a host image (--sysroot, a
 * snapshot from a bug report) it would read outside the image and print
 * what it found there.  So for an image:
 *   - the modprobe.d files are copied, one by one, into a private (0700)
 *     directory: only regular files named *.conf of at most 1 MiB, read
 *     through the sysroot helper, so never outside the image, never a FIFO
 *     or device; libkmod gets those copies;
 *   - the module tree's index files (modules.dep, modules.*.bin,
 *     modules.softdep, modules.builtin...) must be regular files of at most
 *     64 MiB, reached through no link at all, or the tree is not used;
 *   - nothing libkmod logs while it reads that configuration is shown;
 *   - libkmod takes module options and blacklists from /proc/cmdline, a
 *     path it opens itself: the image's own proc/cmdline (a private copy,
 *     empty when the image has none) is bind-mounted there, in a mount
 *     namespace of this process's own, for as long as kmod_new() reads.
 *     That needs CAP_SYS_ADMIN; without it modload makes its plan in a
 *     child process in a user namespace of its own (module_load.c), and
 *     where even that cannot be, libkmod reads the running kernel's and
 *     cmdline_note says so (modload prints it with a plan).
 * On the live host nothing changes.
 */
#ifndef KVMHOST_KMOD_CONFINED_H
#define KVMHOST_KMOD_CONFINED_H

#include <stdbool.h>
#include <stddef.h>

#include "sysroot.h"

/* The modprobe.d directories, in libkmod's own order. */
#define MODPROBE_CONFIG_DIRS 5

struct kmod_confined {
	char tmp[64];			/* the private copies ("" when none) */
	char dir[MODPROBE_CONFIG_DIRS][96];
	const char *paths[MODPROBE_CONFIG_DIRS + 1];
	char cmdline[96];		/* the image's proc/cmdline, copied */
	bool cmdline_bound;		/* ... and mounted on /proc/cmdline */
	char cmdline_note[320];		/* why the running kernel's is read ("" when not) */
};

/* The configuration list for kmod_new() in *paths: NULL on the live host
 * (libkmod's defaults), else the private copies of the image's modprobe.d
 * files, with the image's kernel command line in place of the running
 * kernel's.  0, or -1 with why.  Release with kmod_confined_release once
 * kmod_new() has returned (libkmod reads its configuration there). */
int kmod_confined_config(const struct sysroot *root, struct kmod_confined *k, const char *const **paths,
			 char *why, size_t why_size);
void kmod_confined_release(struct kmod_confined *k);

/* For a process without CAP_SYS_ADMIN (a forked child, never the tool
 * itself: its file owners would change): a user namespace of its own in
 * which its IDs map to themselves, after which kmod_confined_config can
 * put the image's command line in place.  0, or -1 with errno (user
 * namespaces not allowed to unprivileged users here). */
int kmod_confined_user_namespace(void);

/* Whether the module tree rel ("/lib/modules/RELEASE") of an image may be
 * handed to libkmod: its index files regular, bounded, reached without a
 * link.  0, or -1 with why.  Always 0 on the live host. */
int kmod_confined_tree(const struct sysroot *root, const char *rel, char *why, size_t why_size);

/* Sets KMOD_LOG so that a kmod_new() that follows logs nothing while it
 * parses an image's configuration (the previous value kept in saved);
 * kmod_confined_quiet_end puts it back.  No-ops on the live host. */
void kmod_confined_quiet_begin(const struct sysroot *root, char *saved, size_t size);
void kmod_confined_quiet_end(const struct sysroot *root, const char *saved);

#endif
