/* fuzz_probe_record.c - the DIR/kvm-probe record */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#include "kvm_probe.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *text = fuzz_cstring(data, size);
	struct kvm_probe p;

	if (!text)
		return 0;
	memset(&p, 0, sizeof(p));
	p.deadline_ms = KVM_PROBE_DEADLINE_MS;
	p.ran = true;
	if (kvm_probe_parse_record(text, &p) == 0 && kvm_probe_accelerated(&p) &&
	    !(p.slowdown > 0 && p.slowdown <= KVM_SLOWDOWN_LIMIT))
		abort();	/* "accelerated" only with a measured, small slowdown */
	free(text);
	return 0;
}
