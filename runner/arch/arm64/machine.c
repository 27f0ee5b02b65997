/* arch/arm64/machine.c - the runner's arm64 profile
 *
 * QEMU's virt machine (qemu-system-aarch64 has no default machine): on
 * KVM with the host's interrupt controller (gic-version=host: most arm64
 * servers have a GICv3 that cannot emulate virt's default GICv2) and
 * -cpu host; under TCG -cpu max.  The micro guest (an aarch64 ELF at
 * 0x40200000, in virt's RAM) talks on the PL011 at 0x09000000 and leaves
 * with PSCI SYSTEM_OFF, after which QEMU exits with status 0.
 *
 * A stock kernel's boot under TCG is dominated by pointer authentication:
 * QEMU's architected QARMA algorithm is slow to emulate; pauth-impdef=on
 * keeps the feature with QEMU's cheaper one (measured with Debian 12's
 * kernel to init: 10 s with plain -cpu max, 2-3 s with it and the fast
 * arguments).  Debian's arm64 vmlinuz is an uncompressed Image already
 * (a gzip-compressed Image QEMU decompresses itself, on the host), and the
 * architected timer needs no calibration.
 */
#include "machine.h"

#include "arch.h"

const struct machine_profile machine = {
	.name = "arm64",
	.engine = QEMU_SYSTEM_AARCH64,
	.engine_package = "qemu-system-arm",
	.kernel_package = "linux-image-arm64",
	.debian_arch = "arm64",
	.micro_machine = { "virt", "virt,gic-version=host" },
	.linux_machine = { "virt", "virt,gic-version=host" },
	.default_machine = { "virt", "virt,gic-version=host" },
	.cpu_kvm = "host", .cpu_tcg = "max", .cpu_tcg_linux = "max,pauth-impdef=on",
	.micro_exit_device = NULL,
	.micro_finished_status = 0,
	.fast_kernel_args = "console=ttyAMA0 quiet mitigations=off cryptomgr.notests nokaslr random.trust_cpu=on",
	.fast_kernel = NULL,
	.tcg_kernel_args = NULL,
};
