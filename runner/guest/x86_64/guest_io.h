/* guest/x86_64/guest_io.h - the x86-64 micro guest's way out
 *
 * The first serial port (0x3f8) for output; QEMU's isa-debug-exit device
 * at port 0xf4 to leave: writing 1 there makes QEMU exit with status
 * (1 << 1) | 1 = 3 (the profile's micro_finished_status).
 */
#ifndef GUEST_IO_H
#define GUEST_IO_H

#define SERIAL_PORT	0x3f8
#define DEBUG_EXIT_PORT	0xf4

static inline void guest_putc(char c)
{
	__asm__ volatile("outb %0, %1" : : "a"((unsigned char)c), "Nd"((unsigned short)SERIAL_PORT));
}

static inline void guest_finish(void)
{
	__asm__ volatile("outl %0, %1" : : "a"(1u), "Nd"((unsigned short)DEBUG_EXIT_PORT));
}

#endif
