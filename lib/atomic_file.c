/* atomic_file.c - see atomic_file.h */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static void clean_up(struct atomic_file *a)
{
	if (a->out)
		fclose(a->out);
	a->out = NULL;
	unlinkat(a->dirfd, a->temp, 0);
	close(a->dirfd);
	a->dirfd = -1;
}

/* A new .BASE.XXXXXX in dirfd, opened for writing: the descriptor, or -1. */
static int open_temporary(struct atomic_file *a, mode_t mode)
{
	for (int attempt = 0; attempt < 100; attempt++) {
		uint32_t r = 0;
		int fd;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r ^= (uint32_t)getpid() * 2654435761u + (uint32_t)attempt;
		snprintf(a->temp, sizeof(a->temp), ".%s.%06x", a->base, r & 0xffffff);
		fd = openat(a->dirfd, a->temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

FILE *atomic_file_begin(struct atomic_file *a, const char *path, mode_t mode, char *why, size_t why_size)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int fd;

	memset(a, 0, sizeof(*a));
	a->dirfd = -1;
	if (slash)
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	if ((size_t)snprintf(a->base, sizeof(a->base), "%s", slash ? slash + 1 : path) >= sizeof(a->base) ||
	    !a->base[0] || strcmp(a->base, ".") == 0 || strcmp(a->base, "..") == 0) {
		snprintf(why, why_size, "not a file name");
		return NULL;
	}
	a->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (a->dirfd < 0) {
		snprintf(why, why_size, "its directory %s: %s", dir, strerror(errno));
		return NULL;
	}
	signals_hold(&a->held);
	fd = open_temporary(a, mode);
	if (fd < 0 || fchmod(fd, mode) < 0 || !(a->out = fdopen(fd, "w"))) {
		snprintf(why, why_size, "a new file in %s: %s", dir, strerror(errno));
		if (fd >= 0 && !a->out)
			close(fd);
		clean_up(a);
		signals_release(&a->held);
		return NULL;
	}
	return a->out;
}

int atomic_file_commit(struct atomic_file *a, char *why, size_t why_size)
{
	int failed = ferror(a->out) ? (errno ? errno : EIO) : 0;
	int sig;

	if (!failed && (fflush(a->out) != 0 || fsync(fileno(a->out)) < 0))
		failed = errno;
	if (!failed) {
		failed = fclose(a->out) != 0 ? errno : 0;
		a->out = NULL;
	}
	sig = signals_pending(&a->held);
	if (!failed && !sig && renameat(a->dirfd, a->temp, a->dirfd, a->base) < 0)
		failed = errno;
	if (failed || sig) {
		if (sig)
			snprintf(why, why_size, "interrupted by signal %d: nothing replaced", sig);
		else
			snprintf(why, why_size, "%s: nothing replaced", strerror(failed));
		clean_up(a);
		signals_release(&a->held);
		return -1;
	}
	close(a->dirfd);
	a->dirfd = -1;
	signals_release(&a->held);
	return 0;
}
