/* arch/arm64/native/guest.c - the timed guest on arm64
 *
 * Nine instructions at guest address 0, started at EL1 with the MMU off
 * (KVM_ARM_VCPU_INIT with the preferred target, PC set by
 * KVM_SET_ONE_REG) and the instruction cache on: with SCTLR_EL1.I clear,
 * as the vCPU resets, a CPU fetches every instruction from memory
 * uncached, and on real hardware the loop would run many times slower
 * than natively on a device that accelerates (TCG has no caches to show
 * it).  The host talks to the guest through an address outside every
 * memory slot, so each access exits as KVM_EXIT_MMIO (WFI would not
 * return from KVM_RUN):
 *
 *          movz x2, #0x1000, lsl #16   ; x2 = GUEST_MMIO
 *   again: ldr  w1, [x2]               ; exit: the host supplies the count
 *          cbz  w1, done
 *   loop:  subs w1, w1, #1             ; the measured loop
 *          b.ne loop
 *          str  w1, [x2]               ; exit: the chunk is done
 *          b    again
 *   done:  str  w1, [x2, #4]           ; exit: halted
 *          b    .
 */
#include "guest_arch.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#define GUEST_MMIO	0x10000000ull
#define SCTLR_EL1	ARM64_SYS_REG(3, 0, 1, 0, 0)
#define SCTLR_I		(1ull << 12)	/* instruction fetches cacheable with the MMU off */

const bool guest_arch_timed = true;

static const uint32_t guest_code[] = {
	0xd2a20002,	/* movz x2, #0x1000, lsl #16 */
	0xb9400041,	/* again: ldr w1, [x2] */
	0x340000a1,	/* cbz w1, done (+5) */
	0x71000421,	/* loop: subs w1, w1, #1 */
	0x54ffffe1,	/* b.ne loop (-1) */
	0xb9000041,	/* str w1, [x2] */
	0x17fffffb,	/* b again (-5) */
	0xb9000441,	/* done: str w1, [x2, #4] */
	0x14000000,	/* b . */
};

void guest_arch_native_loop(uint64_t n)
{
	__asm__ volatile("1: subs %0, %0, #1\n\tb.ne 1b" : "+r"(n) : : "cc");
}

int guest_arch_prepare(const struct guest_fds *fds, uint8_t *mem, char *detail, size_t detail_size)
{
	struct kvm_vcpu_init init;
	uint64_t pc = 0, sctlr = 0;
	struct kvm_one_reg reg = {
		.id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
		      (offsetof(struct kvm_regs, regs.pc) / sizeof(uint32_t)),
		.addr = (uint64_t)(uintptr_t)&pc,
	};
	struct kvm_one_reg system = { .id = SCTLR_EL1, .addr = (uint64_t)(uintptr_t)&sctlr };

	memcpy(mem, guest_code, sizeof(guest_code));
	memset(&init, 0, sizeof(init));
	if (ioctl(fds->vm, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
		snprintf(detail, detail_size, "KVM_ARM_PREFERRED_TARGET");
		return -1;
	}
	if (ioctl(fds->vcpu, KVM_ARM_VCPU_INIT, &init) < 0) {
		snprintf(detail, detail_size, "KVM_ARM_VCPU_INIT (target %u)", init.target);
		return -1;
	}
	if (ioctl(fds->vcpu, KVM_SET_ONE_REG, &reg) < 0) {
		snprintf(detail, detail_size, "KVM_SET_ONE_REG (PC)");
		return -1;
	}
	if (ioctl(fds->vcpu, KVM_GET_ONE_REG, &system) < 0) {
		snprintf(detail, detail_size, "KVM_GET_ONE_REG (SCTLR_EL1)");
		return -1;
	}
	sctlr |= SCTLR_I;
	if (ioctl(fds->vcpu, KVM_SET_ONE_REG, &system) < 0) {
		snprintf(detail, detail_size, "KVM_SET_ONE_REG (SCTLR_EL1)");
		return -1;
	}
	return 0;
}

enum guest_exit guest_arch_exit(const struct kvm_run *run)
{
	if (run->exit_reason != KVM_EXIT_MMIO || run->mmio.len != 4)
		return GUEST_EXIT_OTHER;
	if (run->mmio.phys_addr == GUEST_MMIO)
		return run->mmio.is_write ? GUEST_EXIT_CHUNK_DONE : GUEST_EXIT_WANTS_COUNT;
	if (run->mmio.phys_addr == GUEST_MMIO + 4 && run->mmio.is_write)
		return GUEST_EXIT_HALT;
	return GUEST_EXIT_OTHER;
}

void guest_arch_give_count(struct kvm_run *run, uint32_t count)
{
	memcpy(run->mmio.data, &count, sizeof(count));
}
