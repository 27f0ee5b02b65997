/* fuzz_cpuinfo.c - /proc/cpuinfo text, any bytes */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#include "cpuinfo.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *text = fuzz_cstring(data, size);
	struct cpuinfo info;

	if (!text)
		return 0;
	cpuinfo_parse(text, &info);
	if (info.with_vmx > info.cpus || info.with_svm > info.cpus || info.cpus_with_flags > info.cpus)
		abort();
	cpuinfo_free(&info);
	free(text);
	return 0;
}
