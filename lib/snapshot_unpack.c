/* snapshot_unpack.c - see snapshot_unpack.h */
#include "snapshot_unpack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect.h"
#include "remove_tree.h"
#include "spawn.h"

#define LISTING_MAX (4 << 20)	/* a snapshot lists a few hundred members */
#define TAR_TIMEOUT_MS 60000

/* A snapshot is a few hundred KB; these bound what a hostile one can cost
 * (a gzip bomb, a sparse member that claims gigabytes): */
#define ARCHIVE_MAX	(64ull << 20)	/* the archive itself */
#define MEMBER_MAX	SNAPSHOT_MEMBER_MAX
#define UNPACKED_MAX	SNAPSHOT_UNPACKED_MAX

bool snapshot_is_archive(const char *path)
{
	size_t n = strlen(path);

	return (n > 7 && strcmp(path + n - 7, ".tar.gz") == 0) || (n > 4 && strcmp(path + n - 4, ".tgz") == 0);
}

/* A member name is safe when it is relative and has no ".." component. */
static bool name_is_safe(const char *name, size_t len)
{
	if (len == 0 || name[0] == '/')
		return false;
	for (size_t i = 0; i < len;) {
		size_t n = 0;

		while (i + n < len && name[i + n] != '/')
			n++;
		if (n == 2 && name[i] == '.' && name[i + 1] == '.')
			return false;
		i += n + 1;
	}
	return true;
}

int snapshot_member_check(const char *line, size_t len, unsigned long long *total, char *why, size_t why_size)
{
	const char *name = line, *end = line + len, *arrow;
	unsigned long long size = 0;
	char type = line[0];

	for (int field = 0; field < 5 && name < end; field++) {
		while (name < end && *name != ' ')
			name++;
		while (name < end && *name == ' ')
			name++;
		if (field == 1)	/* the size: digits (a sparse member lists its full size) */
			for (const char *d = name; d < end && *d >= '0' && *d <= '9'; d++)
				size = size > MEMBER_MAX ? size : size * 10 + (unsigned long long)(*d - '0');
	}
	if (size > MEMBER_MAX || (*total += size) > UNPACKED_MAX) {
		snprintf(why, why_size, "the archive holds %s (more than %llu MiB): not a kvm-ok snapshot: %.*s",
			 size > MEMBER_MAX ? "a member too large to be one" : "more data than a snapshot",
			 (size > MEMBER_MAX ? MEMBER_MAX : UNPACKED_MAX) >> 20, (int)(len > 120 ? 120 : len), line);
		return -1;
	}
	if (name >= end || !strchr("-dlh", type)) {
		snprintf(why, why_size, "the archive holds a member that is not a file, directory or symlink "
			 "(a device, FIFO or socket?): %.*s", (int)(len > 120 ? 120 : len), line);
		return -1;
	}
	arrow = type == 'l' ? strstr(name, " -> ") : type == 'h' ? strstr(name, " link to ") : NULL;
	if (arrow && arrow < end) {
		const char *target = arrow + (type == 'l' ? 4 : 9);

		if (type == 'h' && !name_is_safe(target, (size_t)(end - target))) {
			snprintf(why, why_size, "the archive holds a hard link that leads outside it: %.*s",
				 (int)(len > 120 ? 120 : len), line);
			return -1;
		}
		end = arrow;
	}
	if (!name_is_safe(name, (size_t)(end - name))) {
		snprintf(why, why_size, "the archive holds an absolute member or one with \"..\": %.*s",
			 (int)(len > 120 ? 120 : len), line);
		return -1;
	}
	return 0;
}

/* Lists the archive (standard input from fd) and checks every member. */
static int check_listing(int fd, char *why, size_t why_size)
{
	char *tar[] = { TAR_PATH, "--quoting-style=escape", "-tvzf", "-", NULL };
	char *listing = malloc(LISTING_MAX);
	unsigned long long total = 0;
	int status, rc = 0;
	size_t used;

	if (!listing) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	status = spawn_run_input(tar, fd, SPAWN_CAPTURE_STDOUT, listing, LISTING_MAX, TAR_TIMEOUT_MS);
	used = strlen(listing);
	if (status != 0) {
		snprintf(why, why_size, "%s cannot list it: not a gzip-compressed tar archive, or unreadable", TAR_PATH);
		rc = -1;
	} else if (used >= LISTING_MAX - 1) {
		snprintf(why, why_size, "the archive lists more than %d MiB of members: not a kvm-ok snapshot",
			 LISTING_MAX >> 20);
		rc = -1;
	}
	for (const char *line = listing; rc == 0 && *line;) {
		size_t len = strcspn(line, "\n");

		if (len && snapshot_member_check(line, len, &total, why, why_size) < 0)
			rc = -1;
		line += len + (line[len] == '\n');
	}
	free(listing);
	return rc;
}

/* The archive, opened once (never through a symbolic link, never a FIFO or
 * device) and copied whole into the private directory: both of tar's
 * passes read that copy, which nobody else can change in between.  The
 * copy's descriptor, or -1 with why. */
static int private_copy(const char *archive, const char *dir, char *why, size_t why_size)
{
	char copy[128], buf[1 << 16];
	unsigned long long copied = 0;
	int in, out;
	struct stat st;
	ssize_t n;

	in = open(archive, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (in < 0) {
		snprintf(why, why_size, "%s", errno == ELOOP ? "it is a symbolic link: give the archive itself"
							      : strerror(errno));
		return -1;
	}
	if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode) || (unsigned long long)st.st_size > ARCHIVE_MAX) {
		snprintf(why, why_size, "%s", !S_ISREG(st.st_mode) ? "not a regular file"
					      : "larger than a snapshot can be (64 MiB)");
		close(in);
		return -1;
	}
	snprintf(copy, sizeof(copy), "%s/archive", dir);
	out = open(copy, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		snprintf(why, why_size, "%s: %s", copy, strerror(errno));
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (copied += (unsigned long long)n) > ARCHIVE_MAX ||
		    write(out, buf, (size_t)n) != n) {
			snprintf(why, why_size, "copying it: %s", n < 0 || copied <= ARCHIVE_MAX ? strerror(errno)
											: "it grew past 64 MiB");
			close(in);
			close(out);
			return -1;
		}
	}
	close(in);
	if (lseek(out, 0, SEEK_SET) < 0) {
		snprintf(why, why_size, "%s: %s", copy, strerror(errno));
		close(out);
		return -1;
	}
	unlink(copy);	/* the descriptor keeps it */
	return out;
}

/* What tar made is what it listed: files, directories, symlinks. */
static int unexpected_member(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)type;
	(void)ftw;
	return S_ISREG(st->st_mode) || S_ISDIR(st->st_mode) || S_ISLNK(st->st_mode) ? 0 : 1;
}

/* The host image: the archive's one top directory (kvm-ok --collect
 * writes "snapshot/"), or the whole of it (u->root on entry). */
static void find_root(struct unpacked_snapshot *u)
{
	char only[256] = "", image[sizeof(u->root)];
	const struct dirent *e;
	int count = 0;
	DIR *d = opendir(u->root);

	snprintf(image, sizeof(image), "%s", u->root);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 && count++ == 0)
			snprintf(only, sizeof(only), "%s", e->d_name);
	closedir(d);
	if (count == 1) {
		char path[sizeof(u->root)];
		struct stat st;

		snprintf(path, sizeof(path), "%.80s/%.200s", image, only);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			snprintf(u->root, sizeof(u->root), "%s", path);
	}
}

int snapshot_unpack(const char *archive, struct unpacked_snapshot *u, char *why, size_t why_size)
{
	char err[1024], image[sizeof(u->tmp) + 8];
	char *tar[] = { TAR_PATH, "-xzf", "-", "-C", image, "--no-same-owner", "--no-same-permissions",
			"--no-overwrite-dir", NULL };
	int status, fd;

	memset(u, 0, sizeof(*u));
	snprintf(u->tmp, sizeof(u->tmp), "/tmp/kvm-ok-replay.XXXXXX");
	if (!mkdtemp(u->tmp)) {
		snprintf(why, why_size, "a temporary directory in /tmp: %s", strerror(errno));
		u->tmp[0] = '\0';
		return -1;
	}
	snprintf(image, sizeof(image), "%s/image", u->tmp);
	fd = private_copy(archive, u->tmp, why, why_size);
	if (fd < 0 || check_listing(fd, why, why_size) < 0 || lseek(fd, 0, SEEK_SET) < 0 || mkdir(image, 0700) < 0)
		goto fail;
	status = spawn_run_input(tar, fd, -1, err, sizeof(err), TAR_TIMEOUT_MS);
	if (status != 0) {
		/* tar's last line says why (the first ones may be long paths) */
		const char *last = strrchr(err, '\n');

		snprintf(why, why_size, "%s -xzf failed%s%.300s", TAR_PATH, err[0] ? ": " : "", last ? last + 1 : err);
		goto fail;
	}
	status = nftw(image, unexpected_member, 1, FTW_PHYS);
	if (status != 0) {
		snprintf(why, why_size, status > 0 ? "the archive unpacked to something other than files, directories "
			 "and symlinks" : "checking what it unpacked: %s", strerror(errno));
		goto fail;
	}
	close(fd);
	snprintf(u->root, sizeof(u->root), "%s", image);
	find_root(u);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	snapshot_unpacked_remove(u);
	return -1;
}

void snapshot_unpacked_remove(struct unpacked_snapshot *u)
{
	if (u->tmp[0])
		remove_tree(u->tmp, false);
	u->tmp[0] = '\0';
}
