/* machine.h - the runner's machine profile: what this architecture's
 * guests boot on
 *
 * The decision (KVM or TCG, refuse or fall back) is the same everywhere;
 * the QEMU binary, the machine type, the CPU model, how the micro guest
 * leaves and what makes a Linux kernel boot fast are the architecture's
 * (runner/arch/ARCH/machine.c, built for the target, as the probe guest
 * in lib/arch/ARCH/native/ is).
 */
#ifndef RUNNER_MACHINE_H
#define RUNNER_MACHINE_H

#include <stddef.h>

/* Index of the per-accelerator fields below. */
enum { ON_TCG, ON_KVM };

struct machine_profile {
	const char *name;		/* the architecture, in messages */
	const char *engine;		/* Debian's QEMU for it */
	const char *engine_package;	/* the package that has it */
	const char *kernel_package;	/* --make-debian-root's kernel */
	const char *debian_arch;	/* and its Debian architecture */

	/* -M for the micro guest, for the fast Linux profile, and when the
	 * user's arguments name no machine (NULL: QEMU's own default) */
	const char *micro_machine[2];
	const char *linux_machine[2];
	const char *default_machine[2];

	/* The firmware the micro and Linux machines boot through (-bios), a
	 * file in QEMU's data directory beside the engine (Debian's:
	 * /usr/share/qemu), NULL for QEMU's default; the -M options added with
	 * it, and those added where it is not installed (QEMU's default
	 * firmware then), with the note that says what that changes. */
	const char *firmware;
	const char *with_firmware, *without_firmware, *without_firmware_note;

	/* -cpu: on KVM; under TCG; under TCG for the fast Linux profile */
	const char *cpu_kvm, *cpu_tcg, *cpu_tcg_linux;

	/* the micro guest leaves through this device (NULL: none needed), and
	 * QEMU then exits with this status */
	const char *micro_exit_device;
	int micro_finished_status;

	/* kernel arguments that shorten a stock kernel's boot on linux_machine */
	const char *fast_kernel_args;

	/* The kernel file that boots fastest for kernel (path, size bytes):
	 * 0, or -1 with why, and the kernel boots as given.  NULL: the kernel
	 * always boots as given. */
	int (*fast_kernel)(const char *kernel, char *path, size_t size, char *why, size_t why_size);

	/* More kernel arguments for a guest under TCG, written to arg (" x=y"
	 * or ""); 0, or -1 with why when they cannot be had.  NULL: none. */
	int (*tcg_kernel_args)(char *arg, size_t size, char *why, size_t why_size);
};

extern const struct machine_profile machine;

#endif
