/* arch/generic/native/guest.c - no timed guest (ppc64el, s390x, riscv64,
 * armhf...): the device, its API version and KVM_CREATE_VM are checked,
 * the speed is not timed */
#include "guest_arch.h"

#include <errno.h>

const bool guest_arch_timed = false;

void guest_arch_native_loop(uint64_t n)
{
	(void)n;
}

int guest_arch_prepare(const struct guest_fds *fds, uint8_t *mem, char *detail, size_t detail_size)
{
	(void)fds;
	(void)mem;
	(void)detail;
	(void)detail_size;
	errno = ENOSYS;
	return -1;
}

enum guest_exit guest_arch_exit(const struct kvm_run *run)
{
	(void)run;
	return GUEST_EXIT_OTHER;
}

void guest_arch_give_count(struct kvm_run *run, uint32_t count)
{
	(void)run;
	(void)count;
}
