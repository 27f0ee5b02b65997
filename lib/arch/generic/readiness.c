/* arch/generic/readiness.c - the other architectures: no IOMMU or nested
 * checks yet */
#include "readiness.h"

void generic_readiness(const struct host_facts *f, struct readiness *r)
{
	readiness_add(r, "platform", CHECK_INFO, "the IOMMU and nested virtualization are not checked on %s", f->arch_name);
}
