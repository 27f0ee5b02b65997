/* sysroot.c - host paths under an optional root directory */
#include "sysroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	char buf[4096];

	if (!sysroot_path(root, path, buf, sizeof(buf)))
		return -1;
	return open(buf, flags | O_CLOEXEC);
}

int sysroot_lstat(const struct sysroot *root, const char *path, struct stat *st)
{
	char buf[4096];

	if (!sysroot_path(root, path, buf, sizeof(buf)))
		return -1;
	return lstat(buf, st);
}

int sysroot_stat(const struct sysroot *root, const char *path, struct stat *st)
{
	char buf[4096];

	if (!sysroot_path(root, path, buf, sizeof(buf)))
		return -1;
	return stat(buf, st);
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

static ssize_t read_full(int fd, char *buf, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
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
	n = read_full(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	return n;
}

int sysroot_count_entries(const struct sysroot *root, const char *path)
{
	char full[4096];
	struct dirent *e;
	int n = 0;
	DIR *dir;

	if (!sysroot_path(root, path, full, sizeof(full)) || !(dir = opendir(full)))
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
		n = read_full(fd, buf + used, cap - used);
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
