/* os_release.h - the running Debian release, from os-release(5) */
#ifndef RUNNER_OS_RELEASE_H
#define RUNNER_OS_RELEASE_H

#include <stddef.h>

#define OS_RELEASE_PATH "/etc/os-release"

/* The suite of the running Debian release (VERSION_CODENAME: bookworm,
 * trixie) from path, for debootstrap.  0, or -1 with why: not Debian, no
 * codename (testing and unstable may have none), unreadable. */
int running_debian_suite(const char *path, char *suite, size_t size, char *why, size_t why_size);

#endif
