/* atomic_file.h - a file written whole or not at all
 *
 * For outputs that other programs read while they are rewritten (the
 * node_exporter textfile collector reads its *.prom files at any moment):
 * the text goes into a new file beside the destination (.NAME.XXXXXX,
 * O_EXCL|O_NOFOLLOW, so nothing planted there can redirect it), is flushed
 * to disk, and is renamed over NAME only when every byte was written.  A
 * failure, or SIGINT/SIGTERM/SIGHUP/SIGPIPE meanwhile (held, see
 * held_signals.h), removes it and leaves NAME as it was.  NAME itself is
 * replaced, never followed: a symbolic link there is replaced by the file.
 */
#ifndef KVMHOST_ATOMIC_FILE_H
#define KVMHOST_ATOMIC_FILE_H

#include <stdio.h>
#include <sys/types.h>

#include "held_signals.h"

struct atomic_file {
	int dirfd;
	char base[256];		/* NAME, in dirfd */
	char temp[300];		/* .NAME.XXXXXX, in dirfd */
	FILE *out;
	struct held_signals held;
};

/* Starts path with the given mode (whatever the umask).  The stream to
 * write to, or NULL with why. */
FILE *atomic_file_begin(struct atomic_file *a, const char *path, mode_t mode, char *why, size_t why_size);

/* Flushes, syncs and renames: 0, or -1 with why (the temporary removed,
 * path untouched).  Either way the held signals are released. */
int atomic_file_commit(struct atomic_file *a, char *why, size_t why_size);

#endif
