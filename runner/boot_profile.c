/* boot_profile.c - --disk IMAGE as QEMU arguments */
#include "boot_profile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* QEMU reads a comma in an option value as ",,": the path with its commas
 * doubled, or -1 when it does not fit. */
static int qemu_quoted(const char *path, char *out, size_t size)
{
	size_t len = 0;

	for (const char *c = path; *c; c++) {
		if (len + 3 > size)
			return -1;
		if (*c == ',')
			out[len++] = ',';
		out[len++] = *c;
	}
	out[len] = '\0';
	return 0;
}

int boot_profile_for_disk(struct options *o, struct boot_profile *p)
{
	size_t n = strlen(o->disk);
	const char *format = n > 6 && strcmp(o->disk + n - 6, ".qcow2") == 0 ? "qcow2" : "raw";
	char file[2 * 4096 + 1];

	snprintf(p->kernel, sizeof(p->kernel), "%s.vmlinuz", o->disk);
	snprintf(p->initrd, sizeof(p->initrd), "%s.initrd", o->disk);
	if (access(o->disk, R_OK) < 0 || access(p->kernel, R_OK) < 0) {
		fprintf(stderr, "%s: --disk %s: %s (the image and its kernel %s, as --make-debian-root leaves them)\n",
			prog, cli_shown(o->disk), strerror(errno), cli_shown(p->kernel));
		return -1;
	}
	if (qemu_quoted(o->disk, file, sizeof(file)) < 0) {
		fprintf(stderr, "%s: --disk %s: the path is too long\n", prog, cli_shown(o->disk));
		return -1;
	}
	/* no monitor to resume a VM that QEMU paused on a host I/O error (its
	 * default for ENOSPC): the guest is told of the error instead */
	snprintf(p->drive, sizeof(p->drive), "id=root,file=%s,format=%s,if=none,werror=report,rerror=report",
		 file, format);
	snprintf(p->append, sizeof(p->append), "root=/dev/vda rw%s%s", o->append ? " " : "",
		 o->append ? o->append : "");
	p->ndevices = 0;
	for (const char *const *a = (const char *const[]){ "-drive", p->drive, "-device", "virtio-blk-device,drive=root",
							   "-netdev", "user,id=net0", "-device",
							   "virtio-net-device,netdev=net0", NULL }; *a; a++)
		p->devices[p->ndevices++] = *a;
	o->kernel = p->kernel;
	o->initrd = access(p->initrd, R_OK) == 0 ? p->initrd : NULL;
	o->append = p->append;
	return 0;
}
