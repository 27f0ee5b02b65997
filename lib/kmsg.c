/* kmsg.c - filtering the kernel log for KVM's messages
 *
 * /dev/kmsg gives one record per read(): "PRIO,SEQ,USEC,FLAGS;message",
 * possibly followed by continuation lines that start with a space.
 */
#include "kmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errno_name.h"

/* A message is KVM's when its subsystem prefix (before the first ':') names
 * kvm, svm or vmx ("kvm: ...", "kvm_amd: ...", "has_svm: ...", arm64's
 * "kvm [1]: ..."), when it speaks of SVM or VMX ("x86/cpu: VMX (outside
 * TXT) disabled by BIOS"), or when it says at which exception level arm64's
 * CPUs started ("CPU: All CPU(s) started at EL2").  The kernel command
 * line, echoed at boot, is not. */
int kmsg_is_about_kvm(const char *message)
{
	const char *colon = strchr(message, ':');
	char prefix[48];
	size_t n;

	if (strstr(message, "SVM") || strstr(message, "VMX") || strncmp(message, "kvm [", 5) == 0 ||
	    (strncmp(message, "CPU: ", 5) == 0 && strstr(message, " started at EL")))
		return 1;
	if (!colon || (n = (size_t)(colon - message)) >= sizeof(prefix) || memchr(message, ' ', n))
		return 0;
	memcpy(prefix, message, n);
	prefix[n] = '\0';
	return strstr(prefix, "kvm") || strstr(prefix, "svm") || strstr(prefix, "vmx");
}

static void keep(struct kmsg_lines *out, const char *record, size_t len)
{
	const char *semi = memchr(record, ';', len);
	char msg[KMSG_LINE_MAX];
	size_t n;

	if (semi) {
		len -= (size_t)(semi + 1 - record);
		record = semi + 1;
	}
	n = strcspn(record, "\n");
	if (n > len)
		n = len;
	if (n >= sizeof(msg))
		n = sizeof(msg) - 1;
	memcpy(msg, record, n);
	msg[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			msg[i] = '?';
	if (!kmsg_is_about_kvm(msg))
		return;
	if (out->count == KMSG_MAX_LINES) {
		memmove(out->line[0], out->line[1], sizeof(out->line[0]) * (KMSG_MAX_LINES - 1));
		out->count--;
	}
	memcpy(out->line[out->count++], msg, n + 1);
}

void kmsg_kvm_lines(const struct sysroot *root, struct kmsg_lines *out)
{
	char buf[8192];
	struct stat st;
	int fd;

	memset(out, 0, sizeof(*out));
	fd = sysroot_open(root, "/dev/kmsg", O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		char name[32];

		out->error = errno;
		/* a snapshot keeps why its log could not be read */
		if (!sysroot_is_live(root) && sysroot_read_text(root, KMSG_ERROR_RECORD, name, sizeof(name)) > 0 &&
		    errno_from_name(name))
			out->error = errno_from_name(name);
		return;
	}
	if (fstat(fd, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISREG(st.st_mode))) {
		out->error = EINVAL;
		close(fd);
		return;
	}
	if (S_ISCHR(st.st_mode)) {
		/* one record per read; EPIPE when records were overwritten: go on */
		for (int records = 0; records < 100000; records++) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);

			if (n < 0 && errno == EPIPE)
				continue;
			if (n <= 0)
				break;
			buf[n] = '\0';
			keep(out, buf, (size_t)n);
		}
	} else {
		size_t used = 0;
		ssize_t n;

		/* a recorded log: bounded to its last part, one record a line */
		if (st.st_size > (off_t)(1 << 20))
			lseek(fd, -(off_t)(1 << 20), SEEK_END);
		while ((n = read(fd, buf + used, sizeof(buf) - 1 - used)) > 0) {
			char *line = buf, *nl;

			used += (size_t)n;
			buf[used] = '\0';
			while ((nl = memchr(line, '\n', used - (size_t)(line - buf)))) {
				keep(out, line, (size_t)(nl - line));
				line = nl + 1;
			}
			used -= (size_t)(line - buf);
			memmove(buf, line, used);
			if (used == sizeof(buf) - 1)	/* an overlong line: drop it */
				used = 0;
		}
		if (used > 0)
			keep(out, buf, used);
	}
	close(fd);
}
