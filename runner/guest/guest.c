/* guest.c - the runner's micro guest: a banner, a fixed compute loop, exit
 *
 * It talks on the machine's first serial port and leaves through the way
 * the architecture has (guest/ARCH/guest_io.h), after which QEMU exits
 * with the status the runner reads as "the guest finished".  The runner
 * times the loop from the host, between the "loop start" and "loop done"
 * lines, so the guest needs no clock of its own.
 */
#include "guest_io.h"

#define LOOP_ITERATIONS	200000000u

static void put_string(const char *s)
{
	while (*s)
		guest_putc(*s++);
}

static void put_unsigned(unsigned int n)
{
	char digits[11];
	int i = 0;

	do
		digits[i++] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	while (i > 0)
		guest_putc(digits[--i]);
}

/* A linear congruential generator: one multiply and one add an iteration,
 * kept from being folded away by the compiler. */
static unsigned int compute(unsigned int iterations)
{
	unsigned int x = 1;

	for (unsigned int i = 0; i < iterations; i++) {
		x = x * 1103515245u + 12345u;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

void guest_main(void);

void guest_main(void)
{
	unsigned int result;

	put_string("microguest: hello from the runner's test guest\n");
	put_string("microguest: loop start ");
	put_unsigned(LOOP_ITERATIONS);
	put_string("\n");
	result = compute(LOOP_ITERATIONS);
	put_string("microguest: loop done ");
	put_unsigned(result);
	put_string("\n");
	guest_finish();
}
