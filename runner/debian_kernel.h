/* debian_kernel.h - the guest's kernel installed apart, by mmdebstrap's customize hook
 *
 * Installed in the apt run that installs udev, kmod and klibc-utils, the
 * kernel's initramfs is made twice: by the kernel's own configuration,
 * then again by initramfs-tools' trigger, which those packages activated
 * when they were unpacked.  mmdebstrap therefore installs everything the
 * kernel's configuration needs first, and the kernel after it, in a second
 * apt run: the runner itself, run by mmdebstrap as its --customize-hook
 * (directly, no shell), chroots into the tree and runs apt-get there.  The
 * tree is the one a single run makes; its initramfs is made once.
 */
#ifndef RUNNER_DEBIAN_KERNEL_H
#define RUNNER_DEBIAN_KERNEL_H

#include <stdbool.h>
#include <stddef.h>

/* What the kernel's configuration runs, installed with the rest: with it
 * come kmod, udev and klibc-utils, whose unpacking sets off its trigger.
 * What else the kernel needs (linux-base on Debian 12) sets off nothing
 * and comes with it. */
#define KERNEL_FIRST "initramfs-tools"

/* The variable that tells this program it runs as the hook; the build
 * sets it for mmdebstrap only while mmdebstrap runs. */
#define KERNEL_HOOK_ENV "RUNNER_MMDEBSTRAP_HOOK"
#define KERNEL_HOOK_VALUE "kernel"

/* This program's own path, for --customize-hook: 0; or -1 with why it
 * cannot be the hook.  For mmdebstrap --mode=unshare (others) the program
 * and every directory to it must be open to others: that namespace's root
 * is not the user who started the build. */
int kernel_hook_path(bool others, char *path, size_t size, char *why, size_t why_size);

/* Started by mmdebstrap as the hook: the variable, MMDEBSTRAP_HOOK=customize
 * and one argument (argc 2), the tree, an absolute path. */
bool kernel_hook_called(int argc, const char *tree);

/* chroot ROOT; apt-get install --yes --no-install-recommends PACKAGE;
 * then apt-mark auto KERNEL_FIRST in this process's place.  Returns (1)
 * only when a step failed, after saying which. */
int kernel_hook_run(const char *prog, const char *root, const char *package);

#endif
