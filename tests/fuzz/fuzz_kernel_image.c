/* fuzz_kernel_image.c - the runner's readers of a kernel file (--kernel
 * takes any file): the ELF PVH note scan and the bzImage boot header.
 * Invariants: a payload found lies inside the input; the input is read at
 * any alignment (the harness passes it at an odd address too). */
#include <stdlib.h>
#include <string.h>

#include "vmlinux.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	unsigned char *odd = malloc(size + 1);
	const struct payload_codec *codec;
	size_t offset, length;
	char why[128];

	if (!odd)
		return 0;
	memcpy(odd + 1, data, size);
	/* the same answer wherever the image lies in memory */
	if (elf_has_pvh_note(data, size) != elf_has_pvh_note(odd + 1, size))
		abort();
	if (bzimage_payload(odd + 1, size, &offset, &length, &codec, why, sizeof(why)) == 0 &&
	    (offset > size || length > size - offset || length < 6))
		abort();
	free(odd);
	return 0;
}
