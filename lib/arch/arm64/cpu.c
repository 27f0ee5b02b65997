/* arch/arm64/cpu.c - the processor from MIDR_EL1: implementer, part,
 * variant, revision, and the names of the common cores */
#include "arm64.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	unsigned int implementer;
	const char *name;
} implementers[] = {
	{ 0x00, "QEMU (TCG's -cpu max)" }, { 0x41, "Arm" }, { 0x42, "Broadcom" }, { 0x43, "Cavium/Marvell" },
	{ 0x46, "Fujitsu" }, { 0x48, "HiSilicon" }, { 0x4e, "NVIDIA" }, { 0x50, "Applied Micro" },
	{ 0x51, "Qualcomm" }, { 0x61, "Apple" }, { 0xc0, "Ampere" },
};

static const struct {
	unsigned int implementer, part;
	const char *name;
} cores[] = {
	{ 0x00, 0x051, "QEMU max" },
	{ 0x41, 0xd03, "Cortex-A53" }, { 0x41, 0xd04, "Cortex-A35" }, { 0x41, 0xd05, "Cortex-A55" },
	{ 0x41, 0xd07, "Cortex-A57" }, { 0x41, 0xd08, "Cortex-A72" }, { 0x41, 0xd09, "Cortex-A73" },
	{ 0x41, 0xd0a, "Cortex-A75" }, { 0x41, 0xd0b, "Cortex-A76" }, { 0x41, 0xd0c, "Neoverse-N1" },
	{ 0x41, 0xd0d, "Cortex-A77" }, { 0x41, 0xd40, "Neoverse-V1" }, { 0x41, 0xd41, "Cortex-A78" },
	{ 0x41, 0xd44, "Cortex-X1" }, { 0x41, 0xd46, "Cortex-A510" }, { 0x41, 0xd47, "Cortex-A710" },
	{ 0x41, 0xd49, "Neoverse-N2" }, { 0x41, 0xd4f, "Neoverse-V2" }, { 0x41, 0xd80, "Cortex-A520" },
	{ 0x41, 0xd81, "Cortex-A720" }, { 0x41, 0xd8e, "Neoverse-N3" },
	{ 0x43, 0x0af, "ThunderX2" }, { 0x46, 0x001, "A64FX" }, { 0x48, 0xd01, "Kunpeng-920" },
	{ 0x4e, 0x004, "Carmel" }, { 0x51, 0x800, "Kryo 2xx Gold" }, { 0x51, 0x801, "Kryo 2xx Silver" },
	{ 0x51, 0xc00, "Falkor" }, { 0x61, 0x022, "M1 Icestorm" }, { 0x61, 0x023, "M1 Firestorm" },
	{ 0xc0, 0xac3, "Ampere-1" }, { 0xc0, 0xac4, "Ampere-1a" },
	/* Ampere Altra reports Arm's Neoverse-N1, Graviton 2/3/4 Neoverse-N1/V1/V2 */
};

static void name(struct arm64_cpu *cpu)
{
	for (size_t i = 0; i < sizeof(implementers) / sizeof(implementers[0]); i++)
		if (implementers[i].implementer == cpu->implementer)
			cpu->implementer_name = implementers[i].name;
	for (size_t i = 0; i < sizeof(cores) / sizeof(cores[0]); i++)
		if (cores[i].implementer == cpu->implementer && cores[i].part == cpu->part)
			cpu->core_name = cores[i].name;
}

/* One "KEY : 0xNN" line of /proc/cpuinfo's first processor. */
static bool cpuinfo_field(const char *text, const char *key, unsigned int *value)
{
	const char *p = strstr(text, key);
	char *end;
	unsigned long v;

	if (!p || (p = strchr(p, ':')) == NULL)
		return false;
	v = strtoul(p + 1, &end, 0);
	if (end == p + 1 || v > 0xfff)
		return false;
	*value = (unsigned int)v;
	return true;
}

void arm64_cpu_read(const struct sysroot *root, struct arm64_cpu *cpu)
{
	char text[8192];
	unsigned long long midr;
	char *end;

	memset(cpu, 0, sizeof(*cpu));
	if (sysroot_read_text(root, ARM64_MIDR_PATH, text, 64) > 0 &&
	    (midr = strtoull(text, &end, 16), *end == '\0' && end != text)) {
		cpu->implementer = (unsigned int)(midr >> 24) & 0xff;
		cpu->variant = (unsigned int)(midr >> 20) & 0xf;
		cpu->part = (unsigned int)(midr >> 4) & 0xfff;
		cpu->revision = (unsigned int)midr & 0xf;
		cpu->known = true;
	} else if (sysroot_read_text(root, "/proc/cpuinfo", text, sizeof(text)) > 0 &&
		   cpuinfo_field(text, "CPU implementer", &cpu->implementer) &&
		   cpuinfo_field(text, "CPU part", &cpu->part)) {
		cpuinfo_field(text, "CPU variant", &cpu->variant);
		cpuinfo_field(text, "CPU revision", &cpu->revision);
		cpu->known = true;
	} else {
		snprintf(cpu->error, sizeof(cpu->error), "neither %s nor /proc/cpuinfo's CPU implementer and part could be read",
			 ARM64_MIDR_PATH);
		return;
	}
	name(cpu);
}
