/* arch/x86_64/machine.c - the runner's x86-64 profile
 *
 * microvm on qboot without option ROMs: the micro guest (a PVH ELF) leaves through
 * isa-debug-exit (writing 1 at port 0xf4 makes QEMU exit with status
 * (1 << 1) | 1 = 3); a Linux kernel boots from its vmlinux (cached,
 * decompressed on the host) through the PVH note, with the RTC (without it
 * Linux waits a second for the clock) and, under TCG, the host's TSC rate.
 */
#include "machine.h"

#include <stdio.h>

#include "arch.h"
#include "host_tsc.h"
#include "vmlinux.h"

static int vmlinux_of(const char *bzimage, char *path, size_t size, char *why, size_t why_size)
{
	char cache[1024];

	if (vmlinux_cache_dir(cache, sizeof(cache), why, why_size) < 0)
		return -1;
	return vmlinux_extract(bzimage, cache, path, size, why, why_size);
}

/* " tsc_early_khz=N": a TCG guest cannot calibrate its TSC reliably on
 * microvm (see host_tsc.h) */
static int tsc_rate(char *arg, size_t size, char *why, size_t why_size)
{
	char cause[128];
	long khz = host_tsc_khz(cause, sizeof(cause));

	if (khz <= 0) {
		snprintf(why, why_size, "the host's TSC rate was not measured (%s): on a busy host the guest "
			 "may fail to calibrate its clock and stall early in its boot", cause);
		return -1;
	}
	snprintf(arg, size, " tsc_early_khz=%ld", khz);
	return 0;
}

const struct machine_profile machine = {
	.name = "x86-64",
	.engine = QEMU_SYSTEM_X86_64,
	.engine_package = "qemu-system-x86",
	.kernel_package = "linux-image-amd64",
	.debian_arch = "amd64",
	.micro_machine = { "microvm,isa-serial=on,rtc=off", "microvm,isa-serial=on,rtc=off" },
	.linux_machine = { "microvm,isa-serial=on", "microvm,isa-serial=on" },
	.default_machine = { NULL, NULL },	/* QEMU's pc */
	/* qboot starts -kernel itself, without option ROMs.  Named, not left
	 * to QEMU: Debian 12's bios-microvm.bin is qboot, but Debian 13's
	 * QEMU 10 finds SeaBIOS's file of that name, which with the option
	 * ROMs off never starts the kernel (the guest hangs, silent) */
	.firmware = "qboot.rom",
	.with_firmware = ",x-option-roms=off",
	.without_firmware = ",x-option-roms=on",
	.without_firmware_note = "QEMU's default firmware (SeaBIOS on Debian) starts the kernel "
				 "through its option ROMs, a slower start (apt-get install qemu-system-data)",
	/* "qemu64" brings a stock kernel to init fastest under TCG (measured:
	 * 1.2 s, 1.4 s with max) */
	.cpu_kvm = "host", .cpu_tcg = "max", .cpu_tcg_linux = "qemu64",
	.micro_exit_device = "isa-debug-exit,iobase=0xf4,iosize=4",
	.micro_finished_status = 3,
	.fast_kernel_args = "console=ttyS0 quiet tsc=reliable no_timer_check lpj=5000000 mitigations=off "
			    "cryptomgr.notests nokaslr 8250.nr_uarts=1 random.trust_cpu=on",
	.fast_kernel = vmlinux_of,
	.tcg_kernel_args = tsc_rate,
};
