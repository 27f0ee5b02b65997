/* snapshot_unpack.c - see snapshot_unpack.h */
#include "snapshot_unpack.h"

#include <dirent.h>
#include <errno.h>
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

/* One line of GNU tar's verbose listing: "TYPEPERMS OWNER SIZE DATE TIME NAME",
 * NAME followed by " -> TARGET" (symlink) or " link to TARGET" (hard link). */
static int check_member(const char *line, size_t len, char *why, size_t why_size)
{
	const char *name = line, *end = line + len, *arrow;
	char type = line[0];

	for (int field = 0; field < 5 && name < end; field++) {
		while (name < end && *name != ' ')
			name++;
		while (name < end && *name == ' ')
			name++;
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

static int check_listing(const char *archive, char *why, size_t why_size)
{
	char *tar[] = { TAR_PATH, "--quoting-style=escape", "-tvzf", (char *)archive, NULL };
	char *listing = malloc(LISTING_MAX);
	int status, rc = 0;
	size_t used;

	if (!listing) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	status = spawn_capture(tar, listing, LISTING_MAX, TAR_TIMEOUT_MS);
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

		if (len && check_member(line, len, why, why_size) < 0)
			rc = -1;
		line += len + (line[len] == '\n');
	}
	free(listing);
	return rc;
}

/* The host image: the archive's one top directory (kvm-ok --collect
 * writes "snapshot/"), or the whole of it. */
static void find_root(struct unpacked_snapshot *u)
{
	char only[256] = "";
	const struct dirent *e;
	int count = 0;
	DIR *d = opendir(u->tmp);

	snprintf(u->root, sizeof(u->root), "%s", u->tmp);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 && count++ == 0)
			snprintf(only, sizeof(only), "%s", e->d_name);
	closedir(d);
	if (count == 1) {
		char path[sizeof(u->root)];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%.200s", u->tmp, only);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			snprintf(u->root, sizeof(u->root), "%s", path);
	}
}

int snapshot_unpack(const char *archive, struct unpacked_snapshot *u, char *why, size_t why_size)
{
	char err[400];
	char *tar[] = { TAR_PATH, "-xzf", (char *)archive, "-C", u->tmp, "--no-same-owner", "--no-same-permissions",
			"--no-overwrite-dir", NULL };
	int status;

	memset(u, 0, sizeof(*u));
	if (access(archive, R_OK) < 0) {
		snprintf(why, why_size, "%s", strerror(errno));
		return -1;
	}
	if (check_listing(archive, why, why_size) < 0)
		return -1;
	snprintf(u->tmp, sizeof(u->tmp), "/tmp/kvm-ok-replay.XXXXXX");
	if (!mkdtemp(u->tmp)) {
		snprintf(why, why_size, "a temporary directory in /tmp: %s", strerror(errno));
		u->tmp[0] = '\0';
		return -1;
	}
	status = spawn_run(tar, -1, err, sizeof(err), TAR_TIMEOUT_MS);
	if (status != 0) {
		snprintf(why, why_size, "%s -xzf failed%s%.300s", TAR_PATH, err[0] ? ": " : "", err);
		snapshot_unpacked_remove(u);
		return -1;
	}
	find_root(u);
	return 0;
}

void snapshot_unpacked_remove(struct unpacked_snapshot *u)
{
	if (u->tmp[0])
		remove_tree(u->tmp, false);
	u->tmp[0] = '\0';
}
