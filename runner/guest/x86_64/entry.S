/* entry.S - the micro guest's entry: a PVH ELF note, so that QEMU's -kernel
 * starts it in 32-bit protected mode (paging off) on both pc and microvm,
 * then a stack and a call into C. */
	.section .note.Xen, "a"
	.balign 4
	.long 4			/* name size: "Xen\0" */
	.long 4			/* descriptor size */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long pvh_entry		/* 32-bit physical entry address */

	.text
	.code32
	.globl pvh_entry
pvh_entry:
	cli
	mov $stack_top, %esp
	call guest_main
1:	hlt
	jmp 1b

	.bss
	.balign 16
	.space 8192
stack_top:

	.section .note.GNU-stack, "", @progbits
