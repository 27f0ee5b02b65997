/* arch/cpuid_absent.c - CPUID where the build targets another architecture
 * (libcpuid is x86's): an x86 host's snapshot replays without it */
#include "cpu.h"

#include <stdio.h>
#include <string.h>

void cpu_identify_host(const struct sysroot *root, struct cpu_identity *cpu)
{
	(void)root;
	memset(cpu, 0, sizeof(*cpu));
	snprintf(cpu->error, sizeof(cpu->error), "this build is not for x86-64: it has no CPUID reader (libcpuid)");
}

int cpu_raw_dump(const char *path, char *why, size_t size)
{
	(void)path;
	snprintf(why, size, "this build is not for x86-64: no CPUID");
	return 1;
}
