/* fuzz_cpuid_raw.c - DIR/cpuid.raw (libcpuid's raw dump) and DIR/cpuid.hypervisor */
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *dir = fuzz_scratch_dir();
	struct sysroot root = { dir };
	const unsigned char *part[2];
	size_t len[2];
	struct cpu_identity cpu;
	int n = fuzz_split(data, size, part, len, 2);

	fuzz_write(dir, "cpuid.raw", part[0], len[0]);
	if (n > 1)
		fuzz_write(dir, "cpuid.hypervisor", part[1], len[1]);
	else
		fuzz_remove(dir, "cpuid.hypervisor");
	cpu_identify_host(&root, &cpu);
	if (cpu.known && (memchr(cpu.vendor, '\0', sizeof(cpu.vendor)) == NULL ||
			  memchr(cpu.brand, '\0', sizeof(cpu.brand)) == NULL))
		abort();
	if (cpu.has_vt && cpu.vt_kind == CPU_VT_NONE)
		abort();	/* VT only for a vendor KVM supports */
	return 0;
}
