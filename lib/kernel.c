/* kernel.c - kernel release */
#include "kernel.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

bool kernel_release_parse(const char *text, struct kernel_release *k)
{
	char *end;
	long major, minor;

	memset(k, 0, sizeof(*k));
	snprintf(k->release, sizeof(k->release), "%s", text);
	if (!isdigit((unsigned char)text[0]))
		return false;
	major = strtol(text, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return false;
	minor = strtol(end + 1, NULL, 10);
	if (major > 10000 || minor > 10000)
		return false;
	for (const char *c = k->release; *c; c++)
		if (*c < 0x21 || *c > 0x7e)
			return false;
	k->major = (int)major;
	k->minor = (int)minor;
	k->known = true;
	return true;
}

void kernel_release_read(const struct sysroot *root, struct kernel_release *k)
{
	char text[96];
	struct utsname u;

	if (sysroot_read_text(root, "/proc/sys/kernel/osrelease", text, sizeof(text)) >= 0 &&
	    kernel_release_parse(text, k))
		return;
	/* the running kernel also says it without /proc (a chroot, early boot) */
	if (sysroot_is_live(root) && uname(&u) == 0 && kernel_release_parse(u.release, k))
		return;
	memset(k, 0, sizeof(*k));
}

bool kernel_hides_disabled_vt(const struct kernel_release *k, enum cpu_vt_kind kind)
{
	int need_major = kind == CPU_VT_VMX ? 5 : 6;
	int need_minor = kind == CPU_VT_VMX ? 6 : 7;

	if (!k->known || kind == CPU_VT_NONE)
		return false;
	return k->major > need_major || (k->major == need_major && k->minor >= need_minor);
}
