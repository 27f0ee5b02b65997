/* arch/x86_64/native/cpuid.c - processor identity and virtualization bits
 * through libcpuid
 *
 * libcpuid decodes vendor, brand, family/model/stepping and the VMX, SVM
 * and hypervisor feature bits.  Two things it does not decode are read
 * from its raw data: leaf 0x8000000A (AMD nested paging) and, for
 * Centaur/Zhaoxin parts, the VMX bit (libcpuid 0.6 sets CPU_FEATURE_VMX
 * only for Intel although Linux runs kvm_intel on those CPUs).  Leaf
 * 0x40000000 (the hypervisor signature) is not in libcpuid's raw data at
 * all: it is executed live, or read from DIR/cpuid.hypervisor.
 */
#include "cpu.h"

#include <ctype.h>
#include <errno.h>
#include <libcpuid.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define CPUID_VMX_ECX_BIT	(1u << 5)	/* leaf 1 ECX */
#define CPUID_NPT_EDX_BIT	(1u << 0)	/* leaf 0x8000000A EDX */
#define HYPERVISOR_LEAF		0x40000000u

/* The signature fields (stepping, ext_family, ext_model): libcpuid 0.7
 * (Debian 13) moved them into id.x86 and deprecated the old names; 0.6
 * (Debian 12) has only those.  The Makefile tells which (pkg-config). */
#ifdef KVMHOST_LIBCPUID_X86_ID
#define CPU_SIGNATURE(id)	((id)->x86)
#else
#define CPU_SIGNATURE(id)	(*(id))
#endif

/* libcpuid reports malformed dump lines through its warning hook; keep the
 * first one for the error message instead of letting it print. */
static char cpuid_warning[128];

static void remember_warning(const char *msg)
{
	if (!cpuid_warning[0])
		snprintf(cpuid_warning, sizeof(cpuid_warning), "%s", msg);
}

static void copy_trimmed(char *dst, size_t size, const char *src)
{
	size_t len;

	while (*src == ' ')
		src++;
	snprintf(dst, size, "%s", src);
	len = strlen(dst);
	while (len > 0 && dst[len - 1] == ' ')
		dst[--len] = '\0';
}

/* Keeps only printable characters of the 12-byte signature. */
static void signature_from_regs(const uint32_t regs[4], char out[13])
{
	memcpy(out, &regs[1], 4);
	memcpy(out + 4, &regs[2], 4);
	memcpy(out + 8, &regs[3], 4);
	out[12] = '\0';
	for (int i = 0; i < 12 && out[i]; i++)
		if (!isprint((unsigned char)out[i]))
			out[i] = '?';
}

/* DIR/cpuid.hypervisor: one line "hypervisor_cpuid[0]=EAX EBX ECX EDX" in
 * hex, the result of CPUID leaf 0x40000000, in libcpuid's dump style. */
static bool read_hypervisor_leaf(const struct sysroot *root, uint32_t regs[4])
{
	char text[256];
	unsigned int r[4];

	if (sysroot_read_text(root, "/cpuid.hypervisor", text, sizeof(text)) < 0)
		return false;
	if (sscanf(text, "hypervisor_cpuid[0]=%8x %8x %8x %8x", &r[0], &r[1], &r[2], &r[3]) != 4)
		return false;
	for (int i = 0; i < 4; i++)
		regs[i] = r[i];
	return true;
}

static int load_raw(const struct sysroot *root, struct cpu_raw_data_t *raw, struct cpu_identity *cpu)
{
	char path[4096];
	struct stat st;
	int rc;

	if (sysroot_is_live(root)) {
		if (cpuid_get_raw_data(raw) == 0)
			return 0;
		snprintf(cpu->error, sizeof(cpu->error), "CPUID: %s", cpuid_error());
		return -1;
	}
	if (!sysroot_path(root, "/cpuid.raw", path, sizeof(path)) || sysroot_check_inside(root, "/cpuid.raw") < 0 ||
	    sysroot_stat(root, "/cpuid.raw", &st) < 0) {
		snprintf(cpu->error, sizeof(cpu->error), "%.200s/cpuid.raw: %s", root->dir, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(cpu->error, sizeof(cpu->error), "%.200s: not a regular file", path);
		return -1;
	}
	cpuid_warning[0] = '\0';
	cpuid_set_warn_function(remember_warning);
	rc = cpuid_deserialize_raw_data(raw, path);
	cpuid_set_warn_function(NULL);
	if (rc != 0 || cpuid_warning[0]) {
		snprintf(cpu->error, sizeof(cpu->error), "%.150s: %.150s", path,
			 cpuid_warning[0] ? cpuid_warning : cpuid_error());
		cpu->error[strcspn(cpu->error, "\n")] = '\0';
		return -1;
	}
	return 0;
}

/* libcpuid 0.6 refuses vendors it has no tables for (Zhaoxin's
 * "  Shanghai  " among them, or any vendor KVM does not support).  For
 * those, and only those, the few fields
 * kvm-ok needs are taken from the raw leaves as the kernel does: vendor
 * (leaf 0), signature and VMX/hypervisor bits (leaf 1), SVM (0x80000001),
 * brand (0x80000002-4). */
static bool identify_unsupported_vendor(const struct cpu_raw_data_t *raw, struct cpu_id_t *id)
{
	uint32_t sig = raw->basic_cpuid[1][0];
	int base_family = (int)((sig >> 8) & 0xf);

	memset(id, 0, sizeof(*id));
	memcpy(id->vendor_str, &raw->basic_cpuid[0][1], 4);
	memcpy(id->vendor_str + 4, &raw->basic_cpuid[0][3], 4);
	memcpy(id->vendor_str + 8, &raw->basic_cpuid[0][2], 4);
	id->vendor_str[12] = '\0';
	/* a vendor string of 12 printable characters: a CPU, if one KVM may not know */
	for (int i = 0; i < 12; i++)
		if (!isprint((unsigned char)id->vendor_str[i]))
			return false;
	if (raw->basic_cpuid[0][0] < 1)
		return false;
	id->vendor = VENDOR_UNKNOWN;
	CPU_SIGNATURE(id).stepping = (int)(sig & 0xf);
	CPU_SIGNATURE(id).ext_family = base_family == 0xf ? base_family + (int)((sig >> 20) & 0xff) : base_family;
	CPU_SIGNATURE(id).ext_model = (int)((sig >> 4) & 0xf);
	if (base_family >= 6)
		CPU_SIGNATURE(id).ext_model += (int)((sig >> 16) & 0xf) << 4;
	id->flags[CPU_FEATURE_HYPERVISOR] = (raw->basic_cpuid[1][2] >> 31) & 1;
	if (raw->ext_cpuid[0][0] >= 0x80000001u)
		id->flags[CPU_FEATURE_SVM] = (raw->ext_cpuid[1][2] >> 2) & 1;
	if (raw->ext_cpuid[0][0] >= 0x80000004u) {
		memcpy(id->brand_str, &raw->ext_cpuid[2][0], 48);
		id->brand_str[48] = '\0';
	}
	return true;
}

void cpu_identify_host(const struct sysroot *root, struct cpu_identity *cpu)
{
	struct cpu_raw_data_t raw;
	struct cpu_id_t id;
	uint32_t hv[4];

	memset(cpu, 0, sizeof(*cpu));
	if (load_raw(root, &raw, cpu) < 0)
		return;
	if (cpu_identify(&raw, &id) != 0 && !identify_unsupported_vendor(&raw, &id)) {
		snprintf(cpu->error, sizeof(cpu->error), "libcpuid could not decode the CPUID data: %s",
			 cpuid_error());
		return;
	}
	cpu->known = true;
	/* the Zhaoxin vendor string has meaningful spaces: keep it verbatim */
	snprintf(cpu->vendor, sizeof(cpu->vendor), "%s", id.vendor_str);
	for (char *c = cpu->vendor; *c; c++)
		if (!isprint((unsigned char)*c))
			*c = '?';
	copy_trimmed(cpu->brand, sizeof(cpu->brand), id.brand_str);
	cpu->family = CPU_SIGNATURE(&id).ext_family;
	cpu->model = CPU_SIGNATURE(&id).ext_model;
	cpu->stepping = CPU_SIGNATURE(&id).stepping;
	cpu->vt_kind = cpu_vt_kind_of_vendor(cpu->vendor);
	cpu->hypervisor_bit = id.flags[CPU_FEATURE_HYPERVISOR] != 0;

	if (cpu->vt_kind == CPU_VT_VMX)
		cpu->has_vt = id.flags[CPU_FEATURE_VMX] ||
			      (id.vendor != VENDOR_INTEL && (raw.basic_cpuid[1][2] & CPUID_VMX_ECX_BIT));
	else if (cpu->vt_kind == CPU_VT_SVM)
		cpu->has_vt = id.flags[CPU_FEATURE_SVM] != 0;

	if (cpu->vt_kind == CPU_VT_SVM && raw.ext_cpuid[0][0] >= 0x8000000Au)
		cpu->has_npt = (raw.ext_cpuid[10][3] & CPUID_NPT_EDX_BIT) != 0;
	if (cpu->vt_kind == CPU_VT_SVM && raw.ext_cpuid[0][0] >= 0x8000001Fu) {
		cpu->sev = (raw.ext_cpuid[31][0] >> 1) & 1;
		cpu->sev_es = (raw.ext_cpuid[31][0] >> 3) & 1;
		cpu->sev_snp = (raw.ext_cpuid[31][0] >> 4) & 1;
	}

	if (!cpu->hypervisor_bit)
		return;
	if (sysroot_is_live(root)) {
		cpu_exec_cpuid(HYPERVISOR_LEAF, hv);
		cpu->hypervisor_leaf_known = true;
	} else {
		cpu->hypervisor_leaf_known = read_hypervisor_leaf(root, hv);
	}
	if (cpu->hypervisor_leaf_known) {
		memcpy(cpu->hypervisor_leaf, hv, sizeof(cpu->hypervisor_leaf));
		signature_from_regs(hv, cpu->hypervisor_signature);
	}
}

int cpu_raw_dump(const char *path, char *why, size_t size)
{
	struct cpu_raw_data_t raw;

	if (cpuid_get_raw_data(&raw) != 0) {
		snprintf(why, size, "CPUID: %s", cpuid_error());
		return 1;
	}
	if (cpuid_serialize_raw_data(&raw, path) != 0) {
		snprintf(why, size, "%s", cpuid_error());
		return -1;
	}
	return 0;
}
