/* guest.c - the runner's micro guest: a banner, a fixed compute loop, exit
 *
 * It talks on the first serial port (0x3f8) and leaves through QEMU's
 * isa-debug-exit device at port 0xf4: writing 1 there makes QEMU exit with
 * status (1 << 1) | 1 = 3, which the runner reads as "the guest finished".
 * The runner times the loop from the host, between the "loop start" and
 * "loop done" lines, so the guest needs no clock of its own.
 */
#define SERIAL_PORT	0x3f8
#define DEBUG_EXIT_PORT	0xf4
#define GUEST_DONE	1
#define LOOP_ITERATIONS	200000000u

static inline void outb(unsigned short port, unsigned char value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline void outl(unsigned short port, unsigned int value)
{
	__asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port));
}

static void put_string(const char *s)
{
	while (*s)
		outb(SERIAL_PORT, (unsigned char)*s++);
}

static void put_unsigned(unsigned int n)
{
	char digits[11];
	int i = 0;

	do
		digits[i++] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	while (i > 0)
		outb(SERIAL_PORT, (unsigned char)digits[--i]);
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
	outl(DEBUG_EXIT_PORT, GUEST_DONE);
}
