/* fuzz_snapshot.c - a whole host image: every file kvm-ok reads under
 * --sysroot, from one input; then the diagnosis, the report and the JSON.
 * kvm-ok must never say "can be used" without a measured, accelerated probe. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "host.h"
#include "kmsg.h"
#include "output.h"
#include "readiness.h"
#include "report.h"
#include "verdict.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const char *const files[] = {
		"proc/cpuinfo", "proc/sys/kernel/osrelease", "kvm-probe", "dev/kvm.node",
		"dev/cpu/0/msr.error", "sys/module/kvm_amd/initstate", "proc/cmdline", "dev/kmsg", "qemu-version",
	};
	enum { NFILES = sizeof(files) / sizeof(files[0]) };
	const char *dir = fuzz_scratch_dir();
	struct sysroot root = { dir };
	struct host_options opts = { .probe = true };
	static struct host_facts facts;
	static struct report_facts report;
	static struct diagnosis d;
	static struct readiness readiness;
	const unsigned char *part[NFILES];
	size_t len[NFILES];
	struct kmsg_lines log;
	FILE *null = fopen("/dev/null", "w");
	int n = fuzz_split(data, size, part, len, NFILES);
	static int once;

	if (!once) {
		/* a fixed CPU and a stand-in device; the rest comes from the input */
		static const char raw[] = "version=0.6.2\n"
			"basic_cpuid[0]=0000000d 68747541 444d4163 69746e65\n"
			"basic_cpuid[1]=00a20f10 00100800 7ed8320b 178bfbff\n"
			"ext_cpuid[0]=8000000a 00000000 00000000 00000000\n"
			"ext_cpuid[1]=00000000 00000000 75c237ff 2c100800\n"
			"ext_cpuid[10]=00000001 00000040 00000000 00000001\n";

		fuzz_write(dir, "cpuid.raw", (const unsigned char *)raw, sizeof(raw) - 1);
		fuzz_write(dir, "dev/kvm", (const unsigned char *)"", 0);
		once = 1;
	}
	if (!null)
		return 0;
	for (int i = 0; i < NFILES; i++) {
		if (i < n)
			fuzz_write(dir, files[i], part[i], len[i]);
		else
			fuzz_remove(dir, files[i]);
	}
	host_gather(&root, &opts, &facts);
	diagnose(&facts, &d);
	if (d.verdict == VERDICT_USABLE && !kvm_probe_accelerated(&facts.probe))
		abort();
	report_gather(&root, false, &report);
	readiness_gather(&facts, &readiness);
	output_text(null, &d, true, false, &readiness);
	output_json(null, &facts, &d, "fuzz", &readiness);
	report_text(null, &facts, &d, &report, "fuzz");
	report_json(null, &facts, &d, &report, "fuzz");
	kmsg_kvm_lines(&root, &log);
	host_release(&facts);
	fclose(null);
	return 0;
}
