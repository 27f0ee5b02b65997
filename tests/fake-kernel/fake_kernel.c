/* fake_kernel.c - an LD_PRELOAD stand-in for the kernel's module calls
 *
 * libkmod inserts modules with finit_module (through syscall()) or
 * init_module, and removes them with delete_module.  This library answers
 * those calls the way the kernel would, keeping the state in /sys/module
 * (the tests bind-mount a fixture directory there in a private mount
 * namespace), so modload runs unmodified against a kernel that does what
 * each test needs.  Configured through the environment:
 *
 *   FAKE_KERNEL_FAIL   "kvm_amd=EOPNOTSUPP,kvm=ENOEXEC": insertion errors
 *   FAKE_KERNEL_DEPS   "kvm_amd:kvm,ccp;kvm:irqbypass": who holds whom (refcnt)
 *   FAKE_KERNEL_DEVKVM a path created when kvm_intel or kvm_amd goes live
 *   FAKE_KERNEL_LOG    a file that gets "insert NAME ARGS" / "remove NAME"
 *
 * Test code only: it is never installed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errno_name.h"

#define SYSMODULE "/sys/module"

static void log_line(const char *fmt, const char *name, const char *args)
{
	const char *path = getenv("FAKE_KERNEL_LOG");
	FILE *f;

	if (!path || !(f = fopen(path, "a")))
		return;
	fprintf(f, fmt, name, args ? args : "");
	fclose(f);
}

/* The module's name from its .modinfo "name=" string. */
static int module_name(const char *image, size_t size, char *name, size_t name_size)
{
	for (size_t i = 0; i + 5 < size; i++) {
		if (memcmp(image + i, "name=", 5) == 0) {
			size_t n = strnlen(image + i + 5, size - i - 5);

			if (n == 0 || n >= name_size)
				return -1;
			memcpy(name, image + i + 5, n);
			name[n] = '\0';
			return 0;
		}
	}
	return -1;
}

/* The errno configured for this module in a "a=E1,b=E2" list, or 0. */
static int configured_errno(const char *name)
{
	const char *list = getenv("FAKE_KERNEL_FAIL");
	size_t len = strlen(name);

	while (list && *list) {
		const char *eq = strchr(list, '='), *end = strchr(list, ',');
		char err[32];

		if (!eq)
			return 0;
		if (!end)
			end = list + strlen(list);
		if ((size_t)(eq - list) == len && strncmp(list, name, len) == 0 && end - eq - 1 < (long)sizeof(err)) {
			memcpy(err, eq + 1, (size_t)(end - eq - 1));
			err[end - eq - 1] = '\0';
			return errno_from_name(err);
		}
		list = *end ? end + 1 : end;
	}
	return 0;
}

static int read_int(const char *path)
{
	char buf[32] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return atoi(buf);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* Adds delta to the refcnt of each module NAME depends on (FAKE_KERNEL_DEPS). */
static void adjust_holders(const char *name, int delta)
{
	const char *spec = getenv("FAKE_KERNEL_DEPS");
	size_t len = strlen(name);

	while (spec && *spec) {
		const char *colon = strchr(spec, ':'), *end = strchr(spec, ';');

		if (!end)
			end = spec + strlen(spec);
		if (colon && colon < end && (size_t)(colon - spec) == len && strncmp(spec, name, len) == 0) {
			const char *dep = colon + 1;

			while (dep < end) {
				size_t n = strcspn(dep, ",;");
				char path[256], value[16];

				if (n > (size_t)(end - dep))
					n = (size_t)(end - dep);
				snprintf(path, sizeof(path), SYSMODULE "/%.*s/refcnt", (int)n, dep);
				snprintf(value, sizeof(value), "%d\n", read_int(path) + delta);
				if (access(path, F_OK) == 0)
					write_text(path, value);
				dep += n + 1;
			}
		}
		spec = *end ? end + 1 : end;
	}
}

static int fake_insert(const char *image, size_t size, const char *args)
{
	char name[64], path[256];
	const char *dev = getenv("FAKE_KERNEL_DEVKVM");
	int err;

	if (module_name(image, size, name, sizeof(name)) < 0) {
		errno = ENOEXEC;
		return -1;
	}
	log_line("insert %s %s\n", name, args);
	snprintf(path, sizeof(path), SYSMODULE "/%s", name);
	if (access(path, F_OK) == 0) {
		errno = EEXIST;
		return -1;
	}
	if ((err = configured_errno(name)) != 0) {
		errno = err;
		return -1;
	}
	mkdir(path, 0755);
	snprintf(path, sizeof(path), SYSMODULE "/%s/holders", name);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), SYSMODULE "/%s/parameters", name);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), SYSMODULE "/%s/refcnt", name);
	write_text(path, "0\n");
	if (args && strstr(args, "nested=1")) {
		snprintf(path, sizeof(path), SYSMODULE "/%s/parameters/nested", name);
		write_text(path, strcmp(name, "kvm_intel") == 0 ? "Y\n" : "1\n");
	}
	snprintf(path, sizeof(path), SYSMODULE "/%s/initstate", name);
	write_text(path, "live\n");
	adjust_holders(name, +1);
	if (dev && (strcmp(name, "kvm_amd") == 0 || strcmp(name, "kvm_intel") == 0))
		write_text(dev, "");
	return 0;
}

/* libc's prototype, which this stands in for */
// cppcheck-suppress constParameterPointer
int init_module(void *image, unsigned long size, const char *args)
{
	return fake_insert(image, size, args);
}

static long fake_finit_module(int fd, const char *args)
{
	struct stat st;
	char *image;
	long rc;

	if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > (64 << 20)) {
		errno = ENOEXEC;
		return -1;
	}
	image = malloc((size_t)st.st_size);
	if (!image || pread(fd, image, (size_t)st.st_size, 0) != st.st_size) {
		free(image);
		errno = EIO;
		return -1;
	}
	rc = fake_insert(image, (size_t)st.st_size, args);
	free(image);
	return rc;
}

int delete_module(const char *name, unsigned int flags)
{
	char path[256], cmd_path[256];
	const char *dev = getenv("FAKE_KERNEL_DEVKVM");

	(void)flags;
	snprintf(path, sizeof(path), SYSMODULE "/%s/initstate", name);
	if (access(path, F_OK) != 0) {
		errno = ENOENT;
		return -1;
	}
	snprintf(path, sizeof(path), SYSMODULE "/%s/refcnt", name);
	if (read_int(path) > 0) {
		errno = EBUSY;
		return -1;
	}
	log_line("remove %s%s\n", name, "");
	adjust_holders(name, -1);
	static const char *const files[] = { "initstate", "refcnt", "parameters/nested" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(cmd_path, sizeof(cmd_path), SYSMODULE "/%s/%s", name, files[i]);
		unlink(cmd_path);
	}
	snprintf(cmd_path, sizeof(cmd_path), SYSMODULE "/%s/parameters", name);
	rmdir(cmd_path);
	snprintf(cmd_path, sizeof(cmd_path), SYSMODULE "/%s/holders", name);
	rmdir(cmd_path);
	snprintf(cmd_path, sizeof(cmd_path), SYSMODULE "/%s", name);
	rmdir(cmd_path);
	if (dev && (strcmp(name, "kvm_amd") == 0 || strcmp(name, "kvm_intel") == 0))
		unlink(dev);
	return 0;
}

long syscall(long number, ...)
{
	static long (*real_syscall)(long, ...);
	long a[6];
	va_list ap;

	va_start(ap, number);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (number == SYS_finit_module)
		return fake_finit_module((int)a[0], (const char *)a[1]);
	if (number == SYS_delete_module)
		return delete_module((const char *)a[0], (unsigned int)a[1]);
	if (!real_syscall)
		real_syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	return real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}
