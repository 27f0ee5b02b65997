/* snapshot_unpack.h - replaying a snapshot archive (a bug attachment)
 *
 * kvm-ok --sysroot host.tar.gz: the archive is opened once (a regular file
 * of at most 64 MiB, never through a symbolic link) and copied into a
 * private (0700) temporary directory; tar reads that copy from its
 * standard input (no file name: "host:x.tar.gz" is no remote archive), so
 * what is checked is what is unpacked.  The listing is refused when any
 * member is absolute, has a ".." component, is not a regular file,
 * directory or symlink (no device files, FIFOs or sockets), is larger than
 * 64 MiB, or when all together exceed 128 MiB (a gzip bomb, a sparse member
 * claiming gigabytes); then it is unpacked without owners or stored
 * permissions, the result checked again, and the caller removes it
 * afterwards.
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

/* One line (len bytes) of GNU tar's verbose listing, "TYPEPERMS OWNER SIZE
 * DATE TIME NAME", NAME followed by " -> TARGET" (symlink) or " link to
 * TARGET" (hard link): 0 when the member may be unpacked (its size added
 * to *total, which must stay within the bound), or -1 with why. */
int snapshot_member_check(const char *line, size_t len, unsigned long long *total, char *why, size_t why_size);

#define SNAPSHOT_MEMBER_MAX	(64ull << 20)	/* one member: /proc/cpuinfo's own bound */
#define SNAPSHOT_UNPACKED_MAX	(128ull << 20)	/* all members together */

#endif
