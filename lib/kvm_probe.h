/* kvm_probe.h - does /dev/kvm work, and does it really accelerate?
 *
 * Opens the device, asks KVM_GET_API_VERSION, creates a VM and times a tiny
 * guest against the same loop run natively, all in a child process that
 * the caller abandons at the deadline, so a hanging device cannot hang us.
 */
#ifndef KVMHOST_KVM_PROBE_H
#define KVMHOST_KVM_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "child.h"
#include "kvm_device.h"
#include "kvm_guest.h"
#include "sysroot.h"

#define KVM_PROBE_DEADLINE_MS	50	/* the whole probe, device hang included */
#define KVM_PROBE_DEADLINE_TCG_MS 2000	/* the same when this host is itself emulated by QEMU TCG */
#define KVM_PROBE_RETRY_FACTOR	10	/* a try that timed out is repeated once with 10x the bound */
#define KVM_PROBE_RETRY_MAX_MS	20000
#define KVM_PROBE_REAP_MS	2000	/* at most this long for a probe child to go, at exit or exec */
#define KVM_API_VERSION_EXPECTED 12
#define KVM_SLOWDOWN_LIMIT	10.0	/* guest/native above this: not accelerated */
#define KVM_PROBE_RECORD	"/kvm-probe"	/* under --sysroot, for a stand-in /dev/kvm */

enum probe_step {
	PROBE_OPEN,		/* open("/dev/kvm", O_RDWR) */
	PROBE_API_VERSION,	/* KVM_GET_API_VERSION */
	PROBE_CREATE_VM,	/* KVM_CREATE_VM */
	PROBE_GUEST,		/* memory, vCPU, KVM_RUN */
	PROBE_COMPLETE,
};

struct kvm_probe {
	bool ran;		/* false: not attempted (no device, or --no-probe) */
	bool from_record;	/* the outcome came from DIR/kvm-probe */
	bool timed_out;		/* the device did not answer within the deadline (twice) */
	bool host_busy;		/* timed out, but the probe process was short of CPU: undecided */
	bool retried;		/* the first try timed out, a second ran with retry_ms */
	int retry_ms;		/* the bound of the second try */
	double cpu_wait_ms;	/* the last try's time runnable but waiting for a CPU; -1 unknown */
	enum probe_step failed_step; /* PROBE_COMPLETE when every step worked */
	int error;		/* errno of the failed step */
	char detail[256];	/* what exactly failed */
	int api_version;	/* -1 when not known */
	int nr_vcpus, max_vcpus, nr_memslots, irqchip; /* KVM_CHECK_EXTENSION; 0 unknown */
	int ipa_bits;		/* KVM_CAP_ARM_VM_IPA_SIZE: arm64's guest physical address bits; 0 elsewhere */
	int arm_el2;		/* KVM_CAP_ARM_EL2: arm64 guests may have EL2 (nested); 0 not offered */
	struct loop_timing guest, native;
	double slowdown;	/* guest / native time per iteration; 0 unknown */
	int deadline_ms;	/* the bound it ran under */
	double elapsed_ms;	/* how long the probe took */
	char record_error[200];	/* DIR/kvm-probe is missing or malformed */
};

/* Probes the device described by node (which must be KVM_NODE_CHAR or
 * KVM_NODE_STANDIN).  Under a sysroot, a stand-in is opened for the
 * permission check and the rest is read from DIR/kvm-probe. */
void kvm_probe_run(const struct sysroot *root, const struct kvm_node *node, int deadline_ms,
		   struct kvm_probe *p);

/* A probe under way, between kvm_probe_begin and kvm_probe_end. */
struct kvm_probe_try {
	bool running;		/* a probe process was started */
	const struct sysroot *root;
	struct kvm_probe fresh;	/* the record before the first try (a retry starts from it) */
	struct child child;
	void *shared;		/* the page the probe process writes its outcome to */
	uint64_t start_ns;
	long long deadline_ms;	/* child_now_ms() at which the try is abandoned */
	int bound_ms;
};

/* kvm_probe_run in two halves, so that the caller can gather other facts
 * while the probe process runs: begin starts it (a stand-in's record is
 * read at once), end waits for it within its bound (and retries once, as
 * kvm_probe_run does).  p is complete only after end. */
void kvm_probe_begin(const struct sysroot *root, const struct kvm_node *node, int deadline_ms,
		     struct kvm_probe *p, struct kvm_probe_try *t);
void kvm_probe_end(struct kvm_probe *p, struct kvm_probe_try *t);

/* Parses the text of a probe record into p (exposed for tests and fuzzing).
 * Returns 0, or -1 with p->record_error set. */
int kvm_probe_parse_record(const char *text, struct kvm_probe *p);

/* The record of p as kvm_probe_parse_record reads it, into record (at
 * most size bytes); its length. */
int kvm_probe_format_record(const struct kvm_probe *p, char *record, size_t size);

/* p->slowdown from the guest's and the native loop's timings. */
void kvm_probe_compute_slowdown(struct kvm_probe *p);

bool kvm_probe_accelerated(const struct kvm_probe *p);

/* Reaps the probe's child processes that were not gone when the probe
 * returned (a VM still being torn down, or a child killed at the deadline),
 * waiting at most wait_ms.  Call before exit or exec, so that no child is
 * left running or handed to the next program as a zombie.  Returns how many
 * are still there. */
int kvm_probe_reap(int wait_ms);

const char *probe_step_text(enum probe_step step);

#endif
