/* host_tsc.h - the rate of the host's time-stamp counter
 *
 * Under TCG, QEMU answers a guest's RDTSC with the host's own counter, so
 * the guest's TSC runs at the host's rate.  A Linux guest on the microvm
 * machine has no HPET or ACPI PM timer to calibrate it against, only the
 * PIT; on a busy host that calibration fails ("tsc: Unable to calibrate
 * against PIT"), the kernel marks the TSC unstable and its boot stalls.
 * The runner measures the rate here and hands it to the guest
 * (tsc_early_khz=).
 */
#ifndef KVMHOST_HOST_TSC_H
#define KVMHOST_HOST_TSC_H

#include <stddef.h>

/* The host's TSC rate in kHz, measured against CLOCK_MONOTONIC_RAW to
 * 100 ppm (the kernel's own quick PIT calibration aims at 500), which takes
 * a few milliseconds; 0 when it cannot be measured (the host too busy to
 * bracket the reads within 100 ms), with the cause in why. */
long host_tsc_khz(char *why, size_t why_size);

#endif
