/* deny-ioctl - run a program under a seccomp filter that refuses one
 * ioctl request with EPERM, as a container runtime's or a service's
 * seccomp profile would (test code only: never installed); or, given the
 * word "unshare", refuses unshare(2) itself (new namespaces), as Docker's
 * default profile does.
 *
 * usage: deny-ioctl REQUEST|unshare PROGRAM [ARGS...]   (REQUEST in hex: 0xae00)
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define THIS_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_ARCH AUDIT_ARCH_AARCH64
#else
#error "deny-ioctl: x86-64 and arm64 only"
#endif

int main(int argc, char **argv)
{
	unsigned long request;
	char *end = NULL;
	bool deny_unshare;

	if (argc < 3) {
		fprintf(stderr, "usage: %s REQUEST PROGRAM [ARGS...]\n", argv[0]);
		return 2;
	}
	deny_unshare = strcmp(argv[1], "unshare") == 0;
	request = deny_unshare ? 0 : strtoul(argv[1], &end, 16);
	if (!deny_unshare && (*end || end == argv[1])) {
		fprintf(stderr, "deny-ioctl: %s: not a hexadecimal request\n", argv[1]);
		return 2;
	}
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, deny_unshare ? SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA) : SECCOMP_RET_ALLOW),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)request, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		perror("deny-ioctl: seccomp");
		return 126;
	}
	execv(argv[2], argv + 2);
	perror("deny-ioctl: execv");
	return 127;
}
