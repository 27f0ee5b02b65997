/* boot_profile.h - what --disk IMAGE boots: the kernel and initramfs kept
 * beside the image, the image as a virtio disk, user networking */
#ifndef RUNNER_BOOT_PROFILE_H
#define RUNNER_BOOT_PROFILE_H

#include <stddef.h>

#include "options.h"

struct boot_profile {
	char kernel[4200], initrd[4200], append[4200];
	char drive[2 * 4096 + 128];	/* -drive's value, the file's commas doubled */
	const char *devices[8];		/* the QEMU arguments for the disk and the network */
	size_t ndevices;
};

/* Fills p for o->disk and points o->kernel, o->initrd and o->append at its
 * kernel, initramfs (when there is one) and command line (root=/dev/vda and
 * the user's --append).  0, or -1 after saying what is missing. */
int boot_profile_for_disk(struct options *o, struct boot_profile *p);

#endif
