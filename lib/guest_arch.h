/* guest_arch.h - what each architecture's timed guest provides
 *
 * The timing (lib/kvm_guest.c) is the same everywhere: the host hands the
 * guest an iteration count, the guest runs its counted loop and says it is
 * done, and the host times that.  How the guest is built, asks for a
 * count, reports a chunk, halts, and what the native loop is, is the
 * architecture's (lib/arch/ARCH/native/guest.c, built for that target).
 */
#ifndef KVMHOST_GUEST_ARCH_H
#define KVMHOST_GUEST_ARCH_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_SIZE	0x10000		/* the guest's memory, at guest physical address 0 */

enum guest_exit {
	GUEST_EXIT_WANTS_COUNT,		/* the guest asks for the next count */
	GUEST_EXIT_CHUNK_DONE,		/* the guest finished a chunk of the loop */
	GUEST_EXIT_HALT,		/* the guest stopped, as asked by a count of 0 */
	GUEST_EXIT_OTHER,		/* anything else: a broken device */
};

/* False where this build has no guest (the device is still checked, its
 * speed is not timed). */
extern const bool guest_arch_timed;

/* The device, the VM and its vCPU the guest runs in. */
struct guest_fds {
	int kvm;	/* /dev/kvm: system ioctls (KVM_GET_SUPPORTED_CPUID) */
	int vm;
	int vcpu;
};

/* Writes the guest into mem (GUEST_MEM_SIZE bytes) and sets up the vCPU
 * to start it, as a VMM would (on x86-64 its CPUID first: newer kernels
 * check the control registers against it).  Returns 0, or -1 with errno
 * and the failing step in detail. */
int guest_arch_prepare(const struct guest_fds *fds, uint8_t *mem, char *detail, size_t detail_size);

/* What a KVM_RUN exit means. */
enum guest_exit guest_arch_exit(const struct kvm_run *run);

/* Answers a GUEST_EXIT_WANTS_COUNT exit with the count. */
void guest_arch_give_count(struct kvm_run *run, uint32_t count);

/* The guest's loop run natively, n iterations. */
void guest_arch_native_loop(uint64_t n);

#endif
