/* mount_namespace.c - see mount_namespace.h */
#include "mount_namespace.h"

#include <sched.h>
#include <stddef.h>
#include <sys/mount.h>

int mount_namespace_private(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		return -1;
	return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}
