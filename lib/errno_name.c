/* errno_name.c - the errno values the probes meet, by name */
#include "errno_name.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct {
	int value;
	const char *name;
} names[] = {
	{ EPERM, "EPERM" },     { ENOENT, "ENOENT" },   { EINTR, "EINTR" },
	{ EIO, "EIO" },         { ENXIO, "ENXIO" },     { E2BIG, "E2BIG" },
	{ ENOEXEC, "ENOEXEC" }, { EBADF, "EBADF" },     { EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" },   { EACCES, "EACCES" },   { EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" },     { EEXIST, "EEXIST" },   { ENODEV, "ENODEV" },
	{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" },   { EINVAL, "EINVAL" },
	{ EMFILE, "EMFILE" },   { ENOTTY, "ENOTTY" },   { EFBIG, "EFBIG" },
	{ ENOSPC, "ENOSPC" },   { EROFS, "EROFS" },     { ELOOP, "ELOOP" },
	{ ENOSYS, "ENOSYS" },   { EPROTO, "EPROTO" },   { EOPNOTSUPP, "EOPNOTSUPP" },
	{ ETIMEDOUT, "ETIMEDOUT" }, { ENAMETOOLONG, "ENAMETOOLONG" },
};

const char *errno_name(int error)
{
	static char other[24];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].value == error)
			return names[i].name;
	snprintf(other, sizeof(other), "errno %d", error);
	return other;
}

int errno_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].name, name) == 0)
			return names[i].value;
	return 0;
}
