/* sysroot.c - host paths under an optional root directory */
#include "sysroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd_io.h"

/* ---- confinement: nothing under a sysroot resolves outside it ------------------
 *
 * A snapshot may come from anyone (a bug attachment): a symlink in it that
 * points at /etc/shadow or /proc/self/... must not make kvm-ok read the
 * machine it runs on.  With openat2(2) (Linux 5.6) every path is resolved
 * with RESOLVE_IN_ROOT, as if the sysroot were "/", and magic links are
 * refused; where openat2 is missing or filtered, the resolved path must lie
 * inside the root. */

static int cached_root_fd = -1;
static char cached_root[4096];
static char cached_real_root[4096];

static int root_fd(const struct sysroot *root)
{
	if (cached_root_fd >= 0 && strcmp(cached_root, root->dir) == 0)
		return cached_root_fd;
	if (cached_root_fd >= 0)
		close(cached_root_fd);
	cached_root_fd = open(root->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(cached_root, sizeof(cached_root), "%s", root->dir);
	if (!realpath(root->dir, cached_real_root))
		cached_real_root[0] = '\0';
	return cached_root_fd;
}

/* Without openat2: is the file fd refers to inside the root? */
static bool fd_inside_root(int fd)
{
	char link[64], real[4096];
	size_t n = strlen(cached_real_root);
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, real, sizeof(real) - 1);
	if (len < 0 || n == 0)
		return false;
	real[len] = '\0';
	return strncmp(real, cached_real_root, n) == 0 && (real[n] == '/' || real[n] == '\0' || n == 1);
}

#ifdef KVMHOST_TESTING
/* Test builds only: KVMHOST_TEST_NO_OPENAT2 makes openat2 look missing, so
 * that the fallback check runs. */
static long openat2_unless_testing(int dir, const char *rel, struct open_how *how)
{
	if (getenv("KVMHOST_TEST_NO_OPENAT2")) {
		errno = ENOSYS;
		return -1;
	}
	return syscall(SYS_openat2, dir, rel, how, sizeof(*how));
}
#else
static long openat2_unless_testing(int dir, const char *rel, struct open_how *how)
{
	return syscall(SYS_openat2, dir, rel, how, sizeof(*how));
}
#endif

/* open(2) of path (absolute, a host path) inside the root; resolve adds
 * RESOLVE_* flags (RESOLVE_BENEATH: no absolute symlink at all, for paths
 * that a library will open again by name). */
static int open_confined(const struct sysroot *root, const char *path, int flags, unsigned long long resolve)
{
	struct open_how how = { .flags = (unsigned long long)(flags | O_CLOEXEC),
				.resolve = resolve | RESOLVE_NO_MAGICLINKS };
	const char *rel = path;
	int dir = root_fd(root), fd, path_fd, saved;
	char link[64];
	long rc;

	if (dir < 0)
		return -1;
	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	rc = openat2_unless_testing(dir, rel, &how);
	/* ENOSYS: before Linux 5.6; EPERM: a seccomp filter that does not know
	 * openat2 (older container runtimes' default profiles) */
	if (rc >= 0 || (errno != ENOSYS && errno != EPERM))
		return (int)rc;
	/* where it leads is checked on an O_PATH descriptor, which opens
	 * nothing (no device's open, no FIFO's wait), and only a file inside
	 * the root is then opened, through that descriptor: not resolved again */
	path_fd = openat(dir, rel, O_PATH | (flags & O_NOFOLLOW) | O_CLOEXEC);
	if (path_fd < 0)
		return -1;
	if (!fd_inside_root(path_fd)) {
		close(path_fd);
		errno = EXDEV;
		return -1;
	}
	if (flags & O_PATH)
		return path_fd;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", path_fd);
	fd = open(link, (flags & ~O_NOFOLLOW) | O_CLOEXEC);
	saved = errno;
	close(path_fd);
	errno = saved;
	return fd;
}

int sysroot_check_inside(const struct sysroot *root, const char *path)
{
	int fd;

	if (sysroot_is_live(root))
		return 0;
	fd = open_confined(root, path, O_PATH, RESOLVE_BENEATH);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	close(fd);
	return 0;
}

int sysroot_check_dir(const char *dir, char *why, size_t size)
{
	struct stat st;

	if (getuid() != geteuid() || getgid() != getegid()) {
		snprintf(why, size, "refused in a set-user-ID or set-group-ID run");
		return -1;
	}
	if (stat(dir, &st) < 0) {
		snprintf(why, size, "%s", strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, size, "not a directory");
		return -1;
	}
	return 0;
}

char *sysroot_path(const struct sysroot *root, const char *path, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s%s", root->dir ? root->dir : "", path);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return buf;
}

int sysroot_open(const struct sysroot *root, const char *path, int flags)
{
	if (sysroot_is_live(root))
		return open(path, flags | O_CLOEXEC);
	return open_confined(root, path, flags, RESOLVE_IN_ROOT);
}

static int stat_confined(const struct sysroot *root, const char *path, struct stat *st, int flags)
{
	int fd = open_confined(root, path, O_PATH | flags, RESOLVE_IN_ROOT), rc;

	if (fd < 0)
		return -1;
	rc = fstat(fd, st);
	close(fd);
	return rc;
}

int sysroot_lstat(const struct sysroot *root, const char *path, struct stat *st)
{
	if (sysroot_is_live(root))
		return lstat(path, st);
	return stat_confined(root, path, st, O_NOFOLLOW);
}

int sysroot_stat(const struct sysroot *root, const char *path, struct stat *st)
{
	if (sysroot_is_live(root))
		return stat(path, st);
	return stat_confined(root, path, st, 0);
}

DIR *sysroot_opendir(const struct sysroot *root, const char *path)
{
	int fd = sysroot_open(root, path, O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

ssize_t sysroot_readlink(const struct sysroot *root, const char *path, char *buf, size_t size)
{
	ssize_t n;

	if (size == 0)
		return -1;
	if (sysroot_is_live(root)) {
		n = readlink(path, buf, size - 1);
	} else {
		int fd = open_confined(root, path, O_PATH | O_NOFOLLOW, RESOLVE_IN_ROOT);
		if (fd < 0)
			return -1;
		n = readlinkat(fd, "", buf, size - 1);
		close(fd);
	}
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Opens a file for reading only if it is a regular file (sysfs and procfs
 * attributes are), so that a FIFO or a device planted in a broken host
 * cannot block or feed endless data. */
static int open_regular(const struct sysroot *root, const char *path)
{
	struct stat st;
	int fd = sysroot_open(root, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

ssize_t sysroot_read_text(const struct sysroot *root, const char *path, char *buf, size_t size)
{
	int fd = open_regular(root, path);
	ssize_t n;

	if (size == 0) {
		errno = EINVAL;
		return -1;
	}
	if (fd < 0)
		return -1;
	n = fd_read_full(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	return n;
}

/* The path a format makes, or -1 with ENAMETOOLONG. */
static int format_path(char *path, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(path, size, fmt, ap);

	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

ssize_t sysroot_readf_text(const struct sysroot *root, char *buf, size_t size, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = format_path(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (rc < 0) {
		if (size)
			buf[0] = '\0';
		return -1;
	}
	return sysroot_read_text(root, path, buf, size);
}

int sysroot_readf_u64(const struct sysroot *root, uint64_t *value, const char *fmt, ...)
{
	char path[PATH_MAX], text[32], *end;
	const char *digits;
	unsigned long long v;
	va_list ap;
	ssize_t n;
	int rc;

	va_start(ap, fmt);
	rc = format_path(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (rc < 0 || (n = sysroot_read_text(root, path, text, sizeof(text))) < 0)
		return -1;
	if ((size_t)n == sizeof(text) - 1) {	/* cut: more digits than 64 bits hold */
		errno = ERANGE;
		return -1;
	}
	digits = text + strspn(text, " \t\n");
	if (*digits < '0' || *digits > '9') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtoull(digits, &end, 10);
	if (errno == ERANGE)
		return -1;
	if (*end) {
		errno = EINVAL;
		return -1;
	}
	*value = v;
	return 0;
}

int sysroot_count_entries(const struct sysroot *root, const char *path)
{
	const struct dirent *e;
	int n = 0;
	DIR *dir = sysroot_opendir(root, path);

	if (!dir)
		return -1;
	while ((e = readdir(dir)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(dir);
	return n;
}

char *sysroot_read_all(const struct sysroot *root, const char *path, size_t max, size_t *len)
{
	int fd = open_regular(root, path);
	size_t cap = 65536, used = 0;
	char *buf;

	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	while (buf) {
		ssize_t n;

		if (used == cap) {
			char *bigger;

			if (cap >= max) {
				free(buf);
				close(fd);
				errno = EFBIG;
				return NULL;
			}
			cap = cap * 2 > max ? max : cap * 2;
			bigger = realloc(buf, cap + 1);
			if (!bigger) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = bigger;
		}
		n = fd_read_full(fd, buf + used, cap - used);
		if (n < 0) {
			int saved = errno;

			free(buf);
			close(fd);
			errno = saved;
			return NULL;
		}
		used += (size_t)n;
		if (used < cap)
			break;
	}
	close(fd);
	if (!buf) {
		errno = ENOMEM;
		return NULL;
	}
	buf[used] = '\0';
	*len = used;
	return buf;
}
