/* fuzz_sysfs.c - module state and parameters in /sys/module, the DMI files */
#include <stdlib.h>
#include <string.h>

#include "dmi.h"
#include "fuzz_util.h"
#include "modules.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const char *const files[] = {
		"sys/module/kvm_intel/initstate", "sys/module/kvm_intel/parameters/nested",
		"sys/module/kvm_intel/parameters/ept", "sys/class/dmi/id/bios_version",
		"sys/class/dmi/id/product_name", "sys/class/dmi/id/product_serial",
	};
	const char *dir = fuzz_scratch_dir();
	struct sysroot root = { dir };
	const unsigned char *part[6];
	size_t len[6];
	struct module_info m;
	struct dmi_info dmi;
	char params[2048];
	int n = fuzz_split(data, size, part, len, 6);

	for (int i = 0; i < 6; i++) {
		if (i < n)
			fuzz_write(dir, files[i], part[i], len[i]);
		else
			fuzz_remove(dir, files[i]);
	}
	module_probe(&root, "kvm_intel", &m);
	module_params_read(&root, "kvm_intel", params, sizeof(params));
	dmi_read(&root, true, &dmi);
	if (!module_state_text(m.state) || strlen(params) >= sizeof(params))
		abort();
	for (int i = 0; i < DMI_FIELDS; i++)
		for (const char *c = dmi.value[i]; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				abort();	/* firmware strings are printed cleaned */
	return 0;
}
