/* entry.S - the arm64 micro guest's entry: QEMU's -kernel starts an ELF at
 * its entry point with the MMU off, at EL1 (virt without EL2, and KVM).
 * The instruction cache goes on first (with SCTLR_EL1.I clear every fetch
 * is uncached and real hardware would run the loop many times slower),
 * then a stack and a call into C. */
	.text
	.globl _start
_start:
	mrs	x0, sctlr_el1
	orr	x0, x0, #(1 << 12)	/* SCTLR_EL1.I */
	msr	sctlr_el1, x0
	isb
	adr	x0, stack_top
	mov	sp, x0
	bl	guest_main
1:	wfi
	b	1b

	.bss
	.balign 16
	.space 8192
stack_top:

	.section .note.GNU-stack, "", @progbits
