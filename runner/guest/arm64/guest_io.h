/* guest/arm64/guest_io.h - the arm64 micro guest's way out
 *
 * The virt machine's PL011 UART at 0x09000000 for output (its data
 * register takes a byte without any setup); PSCI SYSTEM_OFF to leave,
 * through HVC (the conduit of virt without EL2 and of KVM), after which
 * QEMU exits with status 0 (the profile's micro_finished_status).
 */
#ifndef GUEST_IO_H
#define GUEST_IO_H

#define PL011_DATA		0x09000000ul
#define PSCI_SYSTEM_OFF		0x84000008ul

static inline void guest_putc(char c)
{
	*(volatile unsigned int *)PL011_DATA = (unsigned char)c;
}

static inline void guest_finish(void)
{
	register unsigned long x0 __asm__("x0") = PSCI_SYSTEM_OFF;

	__asm__ volatile("hvc #0" : "+r"(x0) : : "memory");
}

#endif
