/* debian_kernel.c - the guest's kernel installed apart, by mmdebstrap's customize hook
 *
 * See debian_kernel.h for why.  The build gives mmdebstrap this program's
 * path as --customize-hook; mmdebstrap runs it directly (an executable
 * file is exec-ed, not given to sh) with the tree as its one argument,
 * after every other package is installed and while the tree's /proc, /sys
 * and /dev are mounted, as root (or as root of its user namespace).
 */
#include "debian_kernel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "child.h"

#define APT_GET_PATH "/usr/bin/apt-get"
#define APT_MARK_PATH "/usr/bin/apt-mark"

/* Every directory to path (and path itself) open to others: 0, or -1
 * with the first one that is not in why. */
static int open_to_others(char *path, char *why, size_t why_size)
{
	char *slash = path;
	int rc = 0;

	while (rc == 0 && slash) {
		struct stat st;

		slash = strchr(slash + 1, '/');
		if (slash)
			*slash = '\0';	/* path is the prefix up to it, for now */
		if (stat(path, &st) < 0) {
			snprintf(why, why_size, "%s: %s", path, strerror(errno));
			rc = -1;
		} else if (!(st.st_mode & S_IXOTH)) {
			snprintf(why, why_size, "%s is mode %03o, closed to others", path, (unsigned)(st.st_mode & 0777));
			rc = -1;
		}
		if (slash)
			*slash = '/';
	}
	return rc;
}

int kernel_hook_path(bool others, char *path, size_t size, char *why, size_t why_size)
{
	ssize_t n = readlink("/proc/self/exe", path, size - 1);

	if (n < 0 || (size_t)n >= size - 1) {
		snprintf(why, why_size, "this program's path (/proc/self/exe): %s",
			 n < 0 ? strerror(errno) : "too long");
		return -1;
	}
	path[n] = '\0';
	if (path[0] != '/' || strstr(path, " (deleted)")) {
		snprintf(why, why_size, "this program's file %s is no longer there", path);
		return -1;
	}
	return others ? open_to_others(path, why, why_size) : 0;
}

bool kernel_hook_called(int argc, const char *tree)
{
	const char *mine = getenv(KERNEL_HOOK_ENV), *stage = getenv("MMDEBSTRAP_HOOK");

	return argc == 2 && mine && strcmp(mine, KERNEL_HOOK_VALUE) == 0 && stage &&
	       strcmp(stage, "customize") == 0 && tree && tree[0] == '/';
}

/* package, in the tree (the working directory is its root). */
static int install(const char *prog, const char *package)
{
	char *const argv[] = { APT_GET_PATH, "install", "--yes", "--no-install-recommends", (char *)package, NULL };
	const struct child_watch as_long_as_it_takes = { 0 };
	struct child c;

	printf("%s: in the tree: apt-get install %s (its initramfs made once)\n", prog, package);
	fflush(stdout);
	if (child_start(&c, &(const struct child_spec){ .argv = argv, .in = CHILD_KEEP, .out = CHILD_KEEP,
							 .err = CHILD_KEEP, .default_signals = true }) < 0) {
		fprintf(stderr, "%s: mmdebstrap's customize hook: %s in the tree: %s\n", prog, APT_GET_PATH,
			strerror(errno));
		return -1;
	}
	child_reap(&c, &as_long_as_it_takes);
	if (child_exit_code(&c) != 0) {
		fprintf(stderr, "%s: mmdebstrap's customize hook: apt-get install %s in the tree failed (exit status %d)\n",
			prog, package, child_exit_code(&c));
		return -1;
	}
	return 0;
}

int kernel_hook_run(const char *prog, const char *root, const char *package)
{
	char *const mark[] = { APT_MARK_PATH, "auto", KERNEL_FIRST, NULL };

	unsetenv(KERNEL_HOOK_ENV);	/* apt, dpkg and the maintainer scripts are not the hook */
	if (setenv("DEBIAN_FRONTEND", "noninteractive", 1) < 0 || chroot(root) < 0 || chdir("/") < 0) {
		fprintf(stderr, "%s: mmdebstrap's customize hook: into the tree %s: %s\n", prog, root, strerror(errno));
		return 1;
	}
	if (install(prog, package) < 0)
		return 1;
	/* installed for the kernel, as one apt run would have marked it: an
	 * autoremove after the kernel's removal takes it too */
	execv(mark[0], mark);
	fprintf(stderr, "%s: mmdebstrap's customize hook: %s in the tree %s: %s\n", prog, APT_MARK_PATH, root,
		strerror(errno));
	return 1;
}
