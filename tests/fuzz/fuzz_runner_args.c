/* fuzz_runner_args.c - the runner's scan of QEMU arguments, and the
 * pass-through: the user's arguments come out unchanged, in order, last */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#include "qemu_args.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *copy = fuzz_cstring(data, size), *argv[64];
	struct argv_builder b = { 0 };
	struct qemu_choice c;
	int argc = 0;

	if (!copy)
		return 0;
	/* NUL-separated arguments */
	for (size_t i = 0; i <= size && argc < 64; i += strlen(copy + i) + 1)
		argv[argc++] = copy + i;
	qemu_args_scan(argc, argv, &c);
	argv_add(&b, "/usr/bin/qemu-system-x86_64");
	if (c.accel == USER_ACCEL_NONE) {
		argv_add(&b, "-accel");
		argv_add(&b, "tcg,thread=multi");
		if (!c.cpu) {
			argv_add(&b, "-cpu");
			argv_add(&b, "max");
		}
	}
	for (int i = 0; i < argc; i++)
		argv_add(&b, argv[i]);
	for (int i = 0; i < argc; i++)
		if (b.argv[b.argc - argc + i] != argv[i] || strcmp(b.argv[b.argc - argc + i], argv[i]) != 0)
			abort();
	if (b.argv[b.argc] != NULL)
		abort();
	argv_free(&b);
	free(copy);
	return 0;
}
