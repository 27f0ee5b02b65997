/* arch.c - the architectures kvm-ok judges */
#include "arch.h"

#include <stddef.h>

const struct arch_ops *arch_ops_for(enum host_arch arch)
{
	switch (arch) {
	case HOST_ARCH_X86_64:
		return &arch_x86_64_ops;
	case HOST_ARCH_ARM64:
		return &arch_arm64_ops;
	case HOST_ARCH_OTHER:
		break;
	}
	return &arch_generic_ops;
}
