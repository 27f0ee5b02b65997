/* sysroot.h - every path to /proc, /sys and /dev, optionally under another root
 *
 * kvm-ok --sysroot DIR reads DIR/proc/cpuinfo instead of /proc/cpuinfo, and
 * so on, as lscpu --sysroot does.  All probes go through these helpers so
 * that every check can run on a fixture host.
 */
#ifndef KVMHOST_SYSROOT_H
#define KVMHOST_SYSROOT_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct sysroot {
	const char *dir; /* NULL: the live host */
};

static inline bool sysroot_is_live(const struct sysroot *root)
{
	return root->dir == NULL;
}

/* Checks a --sysroot (or other test directory) option: refused in a
 * set-user-ID or set-group-ID run, and it must be a directory.  Returns 0,
 * or -1 with the reason, for "OPTION DIR: reason", in why. */
int sysroot_check_dir(const char *dir, char *why, size_t size);

/* Writes the host path for an absolute path ("/proc/cpuinfo") into buf.
 * Returns buf, or NULL (errno ENAMETOOLONG) when it does not fit. */
char *sysroot_path(const struct sysroot *root, const char *path, char *buf, size_t size);

/* open(2) of an absolute host path under the root; -1 with errno on failure.
 * Under a root, nothing resolves outside it: symlinks are resolved as if
 * the root were "/" (openat2 RESOLVE_IN_ROOT), magic links (/proc/self/...)
 * are refused; where the kernel lacks openat2, a file that resolves
 * outside the root is refused with EXDEV.  The same holds for the
 * functions below. */
int sysroot_open(const struct sysroot *root, const char *path, int flags);

/* lstat(2) and stat(2) of a host path under the root. */
int sysroot_lstat(const struct sysroot *root, const char *path, struct stat *st);
int sysroot_stat(const struct sysroot *root, const char *path, struct stat *st);

/* opendir(3) and readlink(2) (NUL-terminated, at most size-1 bytes) of a
 * host path under the root. */
DIR *sysroot_opendir(const struct sysroot *root, const char *path);
ssize_t sysroot_readlink(const struct sysroot *root, const char *path, char *buf, size_t size);

/* For a path that a library will open by name (libcpuid, libpci, libkmod,
 * dmidecode): 0 when it does not exist or stays beneath the root without
 * any absolute symlink or "..", -1 (errno EXDEV, ELOOP...) when it would
 * leave it.  Always 0 on the live host. */
int sysroot_check_inside(const struct sysroot *root, const char *path);

/* Reads at most size-1 bytes of a small text file (a sysfs attribute, a
 * /proc line) into buf, NUL-terminated, with trailing whitespace removed.
 * Returns the length, or -1 with errno (EINVAL: not a regular file, so a
 * FIFO or a device in a broken host can neither block nor flood us). */
ssize_t sysroot_read_text(const struct sysroot *root, const char *path, char *buf, size_t size);

/* sysroot_read_text of a path made from a printf format ("/sys/module/%s/
 * initstate"); -1 with ENAMETOOLONG when the path does not fit. */
__attribute__((format(printf, 4, 5)))
ssize_t sysroot_readf_text(const struct sysroot *root, char *buf, size_t size, const char *fmt, ...);

/* A file holding one unsigned decimal number (surrounding whitespace
 * allowed), read from a path made from a printf format.  0, or -1 with
 * errno (EINVAL: not such a number; ERANGE: over 64 bits). */
__attribute__((format(printf, 3, 4)))
int sysroot_readf_u64(const struct sysroot *root, uint64_t *value, const char *fmt, ...);

/* The number of entries (but . and ..) of a directory under the root, or
 * -1 when it cannot be read. */
int sysroot_count_entries(const struct sysroot *root, const char *path);

/* Reads a whole file of less than max bytes into a new NUL-terminated buffer.
 * Returns the buffer (free it), with *len set, or NULL with errno
 * (EFBIG when it holds max bytes or more). */
char *sysroot_read_all(const struct sysroot *root, const char *path, size_t max, size_t *len);

#endif
