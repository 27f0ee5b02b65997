/* msr.c - reading and interpreting the VT lock MSRs
 *
 * IA32_FEATURE_CONTROL (0x3a): bit 0 lock, bit 1 VMX inside SMX (TXT),
 * bit 2 VMX outside SMX.  VM_CR (0xc0010114): bit 3 lock, bit 4 SVMDIS.
 * A failed read is reported as unknown, never as enabled.
 */
#include "msr.h"

#include "errno_name.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A snapshot keeps a failed read as DIR/dev/cpu/N/msr.error ("EACCES",
 * "EIO", "short"), so that the replay fails the way the host did. */
static enum msr_read_status recorded_failure(const struct sysroot *root, int cpu, int *error)
{
	char path[64], text[32];

	snprintf(path, sizeof(path), "/dev/cpu/%d/msr.error", cpu);
	*error = ENOENT;
	if (sysroot_read_text(root, path, text, sizeof(text)) < 0)
		return MSR_NO_DEVICE;
	if (strcmp(text, "short") == 0) {
		*error = 0;
		return MSR_SHORT_READ;
	}
	*error = errno_from_name(text);
	if (*error == EACCES || *error == EPERM)
		return MSR_NO_PERMISSION;
	if (*error == EIO)
		return MSR_UNREADABLE;
	return *error == ENOENT || *error == ENXIO || *error == ENODEV || *error == 0 ? MSR_NO_DEVICE : MSR_OTHER_ERROR;
}

/* A snapshot keeps a value read as DIR/dev/cpu/N/msr.value, "ADDRESS VALUE"
 * in hexadecimal.  True with *st when there is one: MSR_OK with the value,
 * MSR_OTHER_ERROR (EINVAL) when it is malformed or of another MSR. */
static bool recorded_value(const struct sysroot *root, int cpu, uint32_t msr, uint64_t *value,
			   enum msr_read_status *st, int *error)
{
	char text[64], *end;
	unsigned long long address, v;

	if (sysroot_readf_text(root, text, sizeof(text), "/dev/cpu/%d/" MSR_RECORD_NAME, cpu) < 0)
		return false;
	*st = MSR_OTHER_ERROR;
	*error = EINVAL;
	errno = 0;
	if (strncmp(text, "0x", 2) != 0)
		return true;
	address = strtoull(text, &end, 16);
	if (errno || end == text || *end != ' ' || address != msr || strncmp(end + 1, "0x", 2) != 0)
		return true;
	v = strtoull(end + 1, &end, 16);
	if (errno || (*end != '\0' && *end != '\n'))
		return true;
	*value = v;
	*st = MSR_OK;
	*error = 0;
	return true;
}

enum msr_read_status msr_read(const struct sysroot *root, int cpu, uint32_t msr,
			      uint64_t *value, int *error)
{
	enum msr_read_status recorded;
	char path[64];
	ssize_t n;
	int fd;

	*error = 0;
	if (!sysroot_is_live(root) && recorded_value(root, cpu, msr, value, &recorded, error))
		return recorded;
	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", cpu);
	fd = sysroot_open(root, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 && errno == ENOENT && !sysroot_is_live(root))
		return recorded_failure(root, cpu, error);
	if (fd < 0) {
		*error = errno;
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			return MSR_NO_DEVICE;
		if (errno == EACCES || errno == EPERM)
			return MSR_NO_PERMISSION;
		return MSR_OTHER_ERROR;
	}
	do {
		n = pread(fd, value, sizeof(*value), (off_t)msr);
	} while (n < 0 && errno == EINTR);
	*error = n < 0 ? errno : 0;
	close(fd);
	if (n == (ssize_t)sizeof(*value))
		return MSR_OK;
	if (n >= 0)
		return MSR_SHORT_READ;
	if (*error == EIO)
		return MSR_UNREADABLE;
	if (*error == EACCES || *error == EPERM)
		return MSR_NO_PERMISSION;
	return MSR_OTHER_ERROR;
}

enum firmware_vt msr_firmware_vt(enum cpu_vt_kind kind, uint64_t value, bool tboot)
{
	if (kind == CPU_VT_VMX) {
		uint64_t needed = tboot ? FEATURE_CONTROL_VMX_INSIDE_SMX : FEATURE_CONTROL_VMX_OUTSIDE_SMX;

		if (!(value & FEATURE_CONTROL_LOCKED))
			return FIRMWARE_VT_UNLOCKED;
		if (value & needed)
			return FIRMWARE_VT_ENABLED;
		if (value & FEATURE_CONTROL_VMX_INSIDE_SMX)
			return FIRMWARE_VT_TXT_ONLY;
		return FIRMWARE_VT_DISABLED;
	}
	if (kind == CPU_VT_SVM) {
		if (value & VM_CR_SVMDIS)
			return FIRMWARE_VT_DISABLED;
		return (value & VM_CR_SVM_LOCK) ? FIRMWARE_VT_ENABLED : FIRMWARE_VT_UNLOCKED;
	}
	return FIRMWARE_VT_UNKNOWN;
}

/* The kernel's tboot support creates debugfs "tboot_log" when the system
 * was started through tboot (a TXT measured launch); Linux then needs the
 * inside-SMX enable bit instead of the outside-SMX one. */
static bool tboot_active(const struct sysroot *root)
{
	struct stat st;

	return sysroot_stat(root, "/sys/kernel/debug/tboot_log", &st) == 0;
}

void msr_firmware_state(const struct sysroot *root, enum cpu_vt_kind kind,
			const int *cpus, int ncpus, struct firmware_state *fw)
{
	static const int cpu0[1] = { 0 };

	memset(fw, 0, sizeof(*fw));
	fw->first_disabled_cpu = -1;
	fw->msr = kind == CPU_VT_VMX ? MSR_IA32_FEATURE_CONTROL : kind == CPU_VT_SVM ? MSR_AMD_VM_CR : 0;
	fw->first.status = MSR_OTHER_ERROR;
	if (!fw->msr)
		return;
	fw->tboot = kind == CPU_VT_VMX && tboot_active(root);
	if (!cpus || ncpus <= 0) {
		cpus = cpu0;
		ncpus = 1;
	}
	for (int i = 0; i < ncpus; i++) {
		struct msr_reading r = { .cpu = cpus[i] };

		r.status = msr_read(root, cpus[i], fw->msr, &r.value, &r.error);
		if (r.status == MSR_OK)
			r.firmware = msr_firmware_vt(kind, r.value, fw->tboot);
		if (i == 0)
			fw->first = r;
		if (r.status != MSR_OK) {
			/* one CPU unreadable for want of the module or of root: all are */
			if (r.status == MSR_NO_DEVICE || r.status == MSR_NO_PERMISSION)
				break;
			continue;
		}
		fw->cpus_read++;
		if (r.firmware == FIRMWARE_VT_DISABLED || r.firmware == FIRMWARE_VT_TXT_ONLY) {
			if (fw->cpus_disabled++ == 0)
				fw->first_disabled_cpu = r.cpu;
			if (fw->verdict != FIRMWARE_VT_DISABLED)
				fw->verdict = r.firmware;
		} else if (fw->verdict == FIRMWARE_VT_UNKNOWN || fw->verdict == FIRMWARE_VT_UNLOCKED) {
			fw->verdict = r.firmware;
		}
	}
}

const char *msr_status_text(enum msr_read_status status, int error)
{
	switch (status) {
	case MSR_OK:
		return "read";
	case MSR_NO_DEVICE:
		return "no msr device (the msr module is not loaded)";
	case MSR_NO_PERMISSION:
		return "permission denied (reading MSRs needs root)";
	case MSR_UNREADABLE:
		return "the CPU does not implement it (read gave EIO)";
	case MSR_SHORT_READ:
		return "short read (fewer than 8 bytes)";
	case MSR_OTHER_ERROR:
		break;
	}
	return error ? strerror(error) : "unknown error";
}
