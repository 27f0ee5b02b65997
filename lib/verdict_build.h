/* verdict_build.h - building a diagnosis: for verdict.c and the
 * architectures' diagnosis files (lib/arch/ARCH/verdict.c)
 *
 * verdict.c runs the checks and decisions every architecture shares (the
 * setting, the device, the probe); what only an architecture knows (its
 * CPU, what lets it run KVM, why it has no /dev/kvm) comes through
 * struct arch_ops (arch.h).
 */
#ifndef KVMHOST_VERDICT_BUILD_H
#define KVMHOST_VERDICT_BUILD_H

#include "advice.h"
#include "verdict.h"

__attribute__((format(printf, 4, 5)))
struct check *diag_check(struct diagnosis *d, enum check_id id, enum check_state state, const char *fmt, ...);

/* Marks the named check decisive (shown without --verbose). */
void diag_decisive(struct diagnosis *d, enum check_id id);

__attribute__((format(printf, 2, 3)))
void diag_hint(struct diagnosis *d, const char *fmt, ...);

/* The setting's hints for a situation (lib/setting/). */
void diag_advice(struct diagnosis *d, const struct host_facts *f, enum situation situation);

__attribute__((format(printf, 4, 5)))
void diag_conclude(struct diagnosis *d, enum verdict v, enum reason r, const char *fmt, ...);

/* "Guests can still run under TCG" */
void diag_hint_tcg(struct diagnosis *d);

/* The hint where the kernel's own messages tell more. */
#define DIAG_HINT_KERNEL_MESSAGES "Look for the kernel's messages about kvm: dmesg | grep -i kvm"

/* Whether /dev/kvm here may come from kvm_pvm: it is loaded, or /sys/module
 * is not visible and the CPU has no VT (what else would give the device). */
bool host_may_have_pvm(const struct host_facts *f);

/* No /dev/kvm here although the kernel has the device registered: not
 * passed into a container, or not created by devtmpfs/udev.  Concludes and
 * returns true when so. */
bool diag_node_missing_registered(const struct host_facts *f, struct diagnosis *d);

#endif
