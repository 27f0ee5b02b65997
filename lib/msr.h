/* msr.h - the firmware's virtualization lock bits, from /dev/cpu/N/msr */
#ifndef KVMHOST_MSR_H
#define KVMHOST_MSR_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"
#include "sysroot.h"

#define MSR_IA32_FEATURE_CONTROL	0x3a
#define FEATURE_CONTROL_LOCKED		(1ull << 0)
#define FEATURE_CONTROL_VMX_INSIDE_SMX	(1ull << 1)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX	(1ull << 2)

#define MSR_AMD_VM_CR			0xc0010114

/* A snapshot's record of a CPU's lock MSR, beside where /dev/cpu/N/msr
 * would be: "ADDRESS VALUE" in hexadecimal (msr_read reads it first). */
#define MSR_RECORD_NAME			"msr.value"
#define VM_CR_SVM_LOCK			(1ull << 3)
#define VM_CR_SVMDIS			(1ull << 4)

enum msr_read_status {
	MSR_OK,
	MSR_NO_DEVICE,		/* /dev/cpu/N/msr missing: the msr module is not loaded */
	MSR_NO_PERMISSION,	/* EACCES/EPERM: root (CAP_SYS_RAWIO) is needed */
	MSR_UNREADABLE,		/* EIO: the CPU (or hypervisor) does not implement it */
	MSR_SHORT_READ,		/* fewer than 8 bytes */
	MSR_OTHER_ERROR,
};

/* What the firmware did with VT, as the lock bits say. */
enum firmware_vt {
	FIRMWARE_VT_UNKNOWN,	/* not read: see the read status */
	FIRMWARE_VT_ENABLED,	/* locked with VT enabled */
	FIRMWARE_VT_UNLOCKED,	/* not locked: the kernel enables and locks it */
	FIRMWARE_VT_DISABLED,	/* locked with VT disabled: only firmware setup helps */
	FIRMWARE_VT_TXT_ONLY,	/* VMX enabled only inside SMX (TXT/tboot) */
};

struct msr_reading {
	int cpu;			/* logical CPU number */
	enum msr_read_status status;
	int error;			/* errno for MSR_OTHER_ERROR etc. */
	uint64_t value;
	enum firmware_vt firmware;
};

struct firmware_state {
	enum firmware_vt verdict;	/* the worst state over all CPUs read */
	uint32_t msr;			/* which MSR (0x3a or 0xc0010114), 0 if none applies */
	struct msr_reading first;	/* CPU 0's reading (or the first CPU's) */
	int cpus_read, cpus_disabled;	/* CPUs read successfully, and locked off */
	int first_disabled_cpu;		/* -1 when none */
	bool tboot;			/* running under tboot (TXT measured launch) */
};

/* Reads one 64-bit MSR of one CPU with pread at the MSR's address. */
enum msr_read_status msr_read(const struct sysroot *root, int cpu, uint32_t msr,
			      uint64_t *value, int *error);

/* Interprets IA32_FEATURE_CONTROL (VMX) or VM_CR (SVM). */
enum firmware_vt msr_firmware_vt(enum cpu_vt_kind kind, uint64_t value, bool tboot);

/* Reads the lock MSR on each listed CPU (CPU 0 only when cpus is NULL). */
void msr_firmware_state(const struct sysroot *root, enum cpu_vt_kind kind,
			const int *cpus, int ncpus, struct firmware_state *fw);

const char *msr_status_text(enum msr_read_status status, int error);

#endif
