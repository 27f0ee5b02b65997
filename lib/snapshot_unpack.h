/* snapshot_unpack.h - replaying a snapshot archive (a bug attachment)
 *
 * kvm-ok --sysroot host.tar.gz: the archive is listed first and refused
 * when any member is absolute, has a ".." component, or is not a regular
 * file, directory or symlink (no device files, FIFOs or sockets); then it
 * is unpacked without owners or stored permissions into a private (0700)
 * temporary directory, which the caller removes afterwards.
 */
#ifndef KVMHOST_SNAPSHOT_UNPACK_H
#define KVMHOST_SNAPSHOT_UNPACK_H

#include <stdbool.h>
#include <stddef.h>

struct unpacked_snapshot {
	char tmp[64];		/* the private directory ("" when none) */
	char root[320];		/* the host image inside it */
};

/* Whether a --sysroot argument names an archive (NAME.tar.gz, NAME.tgz). */
bool snapshot_is_archive(const char *path);

/* Returns 0 with u->root set, or -1 with why (nothing left behind). */
int snapshot_unpack(const char *archive, struct unpacked_snapshot *u, char *why, size_t why_size);

void snapshot_unpacked_remove(struct unpacked_snapshot *u);

#endif
