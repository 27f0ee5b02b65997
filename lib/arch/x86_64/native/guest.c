/* arch/x86_64/native/guest.c - the timed guest on x86-64
 *
 * 19 bytes of 64-bit code, entered directly in long mode (identity-mapped
 * 2 MiB page, no firmware):
 *
 *   again: mov  dx, 0x10      ; the probe's I/O port
 *          in   eax, dx       ; exit: the host supplies the iteration count
 *          test eax, eax
 *          jz   done
 *          mov  ecx, eax
 *   loop:  dec  ecx           ; the measured loop
 *          jnz  loop
 *          out  dx, eax       ; exit: the chunk is done
 *          jmp  again
 *   done:  hlt
 */
#include "guest_arch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define GUEST_PML4	0x1000
#define GUEST_PDPT	0x2000
#define GUEST_PD	0x3000
#define GUEST_CODE	0x8000
#define GUEST_STACK	0xf000
#define GUEST_PORT	0x10
#define CPUID_MAX_ENTRIES 4096	/* KVM has about 60 on today's CPUs */

#define PTE_PRESENT	(1ull << 0)
#define PTE_WRITE	(1ull << 1)
#define PTE_LARGE	(1ull << 7)

#define CR0_PE		(1ull << 0)
#define CR0_MP		(1ull << 1)
#define CR0_ET		(1ull << 4)
#define CR0_NE		(1ull << 5)
#define CR0_WP		(1ull << 16)
#define CR0_AM		(1ull << 18)
#define CR0_PG		(1ull << 31)
#define CR4_PAE		(1ull << 5)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)

const bool guest_arch_timed = true;

static const uint8_t guest_code[] = {
	0x66, 0xba, GUEST_PORT, 0x00,	/* mov dx, 0x10 */
	0xed,				/* in eax, dx */
	0x85, 0xc0,			/* test eax, eax */
	0x74, 0x09,			/* jz done */
	0x89, 0xc1,			/* mov ecx, eax */
	0xff, 0xc9,			/* loop: dec ecx */
	0x75, 0xfc,			/* jnz loop */
	0xef,				/* out dx, eax */
	0xeb, 0xee,			/* jmp again */
	0xf4,				/* done: hlt */
};

void guest_arch_native_loop(uint64_t n)
{
	__asm__ volatile("1: dec %0\n\tjnz 1b" : "+r"(n) : : "cc");
}

static void set_segment(struct kvm_segment *seg, uint16_t selector, uint8_t type, bool code)
{
	memset(seg, 0, sizeof(*seg));
	seg->base = 0;
	seg->limit = 0xffffffff;
	seg->selector = selector;
	seg->type = type;
	seg->present = 1;
	seg->s = 1;
	seg->g = 1;
	seg->l = code;
	seg->db = !code;
}

static void build_memory(uint8_t *mem)
{
	uint64_t *pml4 = (uint64_t *)(void *)(mem + GUEST_PML4);
	uint64_t *pdpt = (uint64_t *)(void *)(mem + GUEST_PDPT);
	uint64_t *pd = (uint64_t *)(void *)(mem + GUEST_PD);

	pml4[0] = GUEST_PDPT | PTE_PRESENT | PTE_WRITE;
	pdpt[0] = GUEST_PD | PTE_PRESENT | PTE_WRITE;
	pd[0] = PTE_PRESENT | PTE_WRITE | PTE_LARGE;
	memcpy(mem + GUEST_CODE, guest_code, sizeof(guest_code));
}

/* The vCPU's CPUID: what KVM supports on this host, as QEMU's -cpu host
 * gives.  Without it the vCPU has an empty CPUID, and since Linux 6.x
 * (Debian 13's 6.12) KVM_SET_SREGS refuses CR4.PAE and EFER.LME for a CPU
 * whose CPUID lacks them: every working device would fail the probe. */
static int set_cpuid(const struct guest_fds *fds, char *detail, size_t detail_size)
{
	struct kvm_cpuid2 *cpuid = NULL;
	int rc = -1, saved;

	for (uint32_t nent = 64; nent <= CPUID_MAX_ENTRIES; nent *= 2) {
		struct kvm_cpuid2 *grown = realloc(cpuid, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));

		if (!grown) {
			snprintf(detail, detail_size, "memory for %u CPUID entries", nent);
			goto out;
		}
		cpuid = grown;
		memset(cpuid, 0, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		cpuid->nent = nent;
		if (ioctl(fds->kvm, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		if (errno != E2BIG || nent == CPUID_MAX_ENTRIES) {
			snprintf(detail, detail_size, "KVM_GET_SUPPORTED_CPUID");
			goto out;
		}
	}
	if (ioctl(fds->vcpu, KVM_SET_CPUID2, cpuid) < 0) {
		snprintf(detail, detail_size, "KVM_SET_CPUID2 (%u entries)", cpuid->nent);
		goto out;
	}
	rc = 0;
out:
	saved = errno;
	free(cpuid);
	errno = saved;
	return rc;
}

int guest_arch_prepare(const struct guest_fds *fds, uint8_t *mem, char *detail, size_t detail_size)
{
	int vcpu_fd = fds->vcpu;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	build_memory(mem);
	if (set_cpuid(fds, detail, detail_size) < 0)
		return -1;
	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0) {
		snprintf(detail, detail_size, "KVM_GET_SREGS");
		return -1;
	}
	set_segment(&sregs.cs, 1 << 3, 11, true);
	set_segment(&sregs.ds, 2 << 3, 3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr3 = GUEST_PML4;
	sregs.cr4 = CR4_PAE;
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_AM | CR0_PG;
	sregs.efer = EFER_LME | EFER_LMA;
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0) {
		snprintf(detail, detail_size, "KVM_SET_SREGS (long mode)");
		return -1;
	}
	memset(&regs, 0, sizeof(regs));
	regs.rip = GUEST_CODE;
	regs.rsp = GUEST_STACK;
	regs.rflags = 2;
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0) {
		snprintf(detail, detail_size, "KVM_SET_REGS");
		return -1;
	}
	return 0;
}

enum guest_exit guest_arch_exit(const struct kvm_run *run)
{
	if (run->exit_reason == KVM_EXIT_HLT)
		return GUEST_EXIT_HALT;
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != GUEST_PORT || run->io.size != 4)
		return GUEST_EXIT_OTHER;
	return run->io.direction == KVM_EXIT_IO_OUT ? GUEST_EXIT_CHUNK_DONE : GUEST_EXIT_WANTS_COUNT;
}

void guest_arch_give_count(struct kvm_run *run, uint32_t count)
{
	memcpy((uint8_t *)run + run->io.data_offset, &count, sizeof(count));
}
