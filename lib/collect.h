/* collect.h - a snapshot of this host in the --sysroot layout
 *
 * Everything the checks read, so that kvm-ok --sysroot SNAPSHOT on another
 * machine gives the same verdict, reason and report.  Nothing else: no
 * environment, no files outside the documented list, no SMBIOS serials or
 * UUID unless asked, and of the kernel command line only the parameters
 * that matter to KVM.
 */
#ifndef KVMHOST_COLLECT_H
#define KVMHOST_COLLECT_H

#include <stdbool.h>
#include <stddef.h>

#include "host.h"
#include "report.h"

#define TAR_PATH "/bin/tar"

/* Writes the snapshot of the host f describes (the live host, or the
 * sysroot it was read from) to dest: a new directory, or a .tar.gz file.
 * Returns 0, or -1 with why. */
int collect_snapshot(const char *dest, const struct host_facts *f, const struct report_facts *r,
		     bool include_serials, char *why, size_t why_size);

#endif
