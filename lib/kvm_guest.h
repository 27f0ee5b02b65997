/* kvm_guest.h - a tiny long-mode guest that times a counted loop */
#ifndef KVMHOST_KVM_GUEST_H
#define KVMHOST_KVM_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop_timing {
	double ns_per_iteration;	/* best measured; 0 when nothing finished */
	uint64_t iterations;		/* in the chunk that gave the figure */
	bool finished;			/* false: a lower bound from an interrupted chunk */
	unsigned measurements;		/* whole measurements made (the guest's: 1 to 3) */
};

/* Times the guest's dec/jnz loop natively, the same instructions. */
void loop_time_native(struct loop_timing *t);

/* Builds a VM on an open /dev/kvm and runs the loop guest until it has a
 * figure or the budget (nanoseconds) is spent; a figure above
 * confirm_above_ns (the caller's "not accelerated") is measured again, up
 * to three times in all while the budget lasts, and the fastest counts.
 * The caller arranges for a signal (SIGALRM) to interrupt KVM_RUN at the
 * budget.  Returns 0, or -1 with errno and a description of the failing
 * step in detail. */
int loop_time_guest(int kvm_fd, int vm_fd, uint64_t budget_ns, double confirm_above_ns, struct loop_timing *t,
		    char *detail, size_t detail_size);

uint64_t monotonic_ns(void);

#endif
