/* verdict.h - from facts to checks, a verdict, a reason and hints
 *
 * The findings are plain data, so that every tool prints the same facts in
 * the same words: a list of checks (name, state, detail), then one verdict
 * with a stable reason code and the hints that say what to do.
 */
#ifndef KVMHOST_VERDICT_H
#define KVMHOST_VERDICT_H

#include <stdarg.h>
#include <stdbool.h>

#include "host.h"

enum verdict {
	VERDICT_USABLE,		/* exit 0 */
	VERDICT_UNUSABLE,	/* exit 1 */
	VERDICT_UNKNOWN,	/* exit 2 */
};

/* Stable reason codes; their text forms are part of the JSON interface. */
enum reason {
	REASON_USABLE,
	REASON_NO_CPU_SUPPORT,
	REASON_DISABLED_BY_FIRMWARE,
	REASON_NO_KVM_DEVICE,
	REASON_MODULE_NOT_LOADED,
	REASON_DEVICE_PERMISSION,
	REASON_DEVICE_NOT_KVM,
	REASON_DEVICE_BROKEN,
	REASON_NOT_ACCELERATED,
	REASON_NEEDS_ROOT,
	REASON_UNSUPPORTED_ARCH,
	REASON_NOT_PROBED,
	REASON_HOST_BUSY,	/* the probe could not finish: the host gave it no CPU */
	REASON_DISABLED_BY_KERNEL, /* a kernel parameter turned KVM off (arm64: kvm-arm.mode=none) */
	REASON_PROCESS_LIMIT,	/* the probe ran out of this process's resources (EMFILE, ENFILE, ENOMEM) */
	REASON_COUNT
};

enum check_state {
	CHECK_PASS,
	CHECK_FAIL,
	CHECK_WARN,
	CHECK_INFO,
	CHECK_UNKNOWN,
	CHECK_SKIP,
};

/* What a check is about; each is made at most once per diagnosis.  Their
 * names (check_id_name) are part of the JSON interface. */
enum check_id {
	CHECK_ID_CPU,			/* "cpu" */
	CHECK_ID_CPUID_VT,		/* "cpuid-vt" */
	CHECK_ID_CPUINFO_VT,		/* "cpuinfo-vt" */
	CHECK_ID_HYPERVISOR,		/* "hypervisor" */
	CHECK_ID_KERNEL,		/* "kernel" */
	CHECK_ID_FIRMWARE,		/* "firmware" */
	CHECK_ID_EL2,			/* "el2" */
	CHECK_ID_MODULES,		/* "modules" */
	CHECK_ID_SETTING,		/* "setting" */
	CHECK_ID_DEVICE,		/* "device" */
	CHECK_ID_MISC,			/* "misc" */
	CHECK_ID_PROBE,			/* "probe" */
	CHECK_ID_DEVICE_ACCESS,		/* "device-access" */
	CHECK_ID_API_VERSION,		/* "api-version" */
	CHECK_ID_CREATE_VM,		/* "create-vm" */
	CHECK_ID_ACCELERATION,		/* "acceleration" */
	CHECK_ID_COUNT
};

#define CHECK_DETAIL_MAX 320
#define DIAGNOSIS_MAX_CHECKS CHECK_ID_COUNT
#define DIAGNOSIS_MAX_HINTS 6

struct check {
	enum check_id id;		/* CHECK_ID_COUNT: a readiness check */
	const char *name;		/* check_id_name(id), or the readiness check's */
	enum check_state state;
	bool decisive;			/* shown without --verbose */
	char detail[CHECK_DETAIL_MAX];
};

struct diagnosis {
	enum verdict verdict;
	enum reason reason;
	char summary[CHECK_DETAIL_MAX];	/* one line: why */
	struct check checks[DIAGNOSIS_MAX_CHECKS];
	int nchecks;
	char hints[DIAGNOSIS_MAX_HINTS][CHECK_DETAIL_MAX];
	int nhints;
};

void diagnose(const struct host_facts *f, struct diagnosis *d);

/* host_gather, diagnose and host_release in one, for a tool that wants the
 * diagnosis only (the runner's decision, modload's explanation). */
void diagnose_host(const struct sysroot *root, const struct host_options *opts, struct diagnosis *d);

const char *verdict_name(enum verdict v);	/* "usable", "unusable", "unknown" */
const char *reason_name(enum reason r);		/* "not-accelerated", ... */
const char *check_state_name(enum check_state s); /* "pass", "fail", ... */
const char *check_id_name(enum check_id id);	/* "cpuid-vt", "device", ... */

/* Fills c: its name, state and the formatted detail (cut at
 * CHECK_DETAIL_MAX), not decisive; for the diagnosis and readiness alike. */
void check_vset(struct check *c, const char *name, enum check_state state, const char *fmt, va_list ap);

/* The check made about id, or NULL. */
const struct check *diag_find(const struct diagnosis *d, enum check_id id);
int verdict_exit_status(enum verdict v);

#endif
