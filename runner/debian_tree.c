/* debian_tree.c - the steps on the Debian tree: configuration, the kernel's copy, removal
 *
 * Each runs through in_tree: here as root, or as root of the build's user
 * namespace when a normal user builds (the tree is owned by the user's
 * subordinate IDs).  Files are replaced, never written through: a link
 * planted in the tree is removed, not followed.
 */
#include "debian_build.h"

#include <crypt.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd_io.h"
#include "remove_tree.h"
#include "sysroot.h"

/* etc/shadow of a new tree has a few dozen lines */
#define SHADOW_MAX (1 << 20)

/* rel in the tree, replaced by text (the owner and group of a regular file
 * it replaces are kept: etc/shadow stays root:shadow). */
static int write_file(const struct build *b, const char *rel, const char *text, mode_t mode)
{
	char path[4200];
	struct stat old;
	bool had = false;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", b->root, rel);
	had = lstat(path, &old) == 0 && S_ISREG(old.st_mode);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd >= 0 && had && fchown(fd, old.st_uid, old.st_gid) < 0) {
		close(fd);
		return fail(b, "%s: %s", path, strerror(errno));
	}
	if (fd < 0 || fd_write_all(fd, text, strlen(text)) < 0) {
		if (fd >= 0)
			close(fd);
		return fail(b, "%s: %s", path, strerror(errno));
	}
	if (close(fd) < 0)
		return fail(b, "%s: %s", path, strerror(errno));
	return 0;
}

/* The hash for root's entry: "!" (locked) unless --root-password-file
 * gives a password, hashed here (yescrypt).  NULL after saying why. */
static const char *root_password_hash(const struct build *b)
{
	char password[256] = "", salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char *hash;
	FILE *f;

	if (!b->o->root_password_file)
		return "!";
	f = fopen(b->o->root_password_file, "r");
	if (!f || !fgets(password, sizeof(password), f)) {
		if (f)
			fclose(f);
		fail(b, "--root-password-file %s: %s", b->o->root_password_file, f ? "empty" : strerror(errno));
		return NULL;
	}
	fclose(f);
	password[strcspn(password, "\r\n")] = '\0';
	errno = 0;
	if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) || !(hash = crypt(password, salt)) ||
	    hash[0] == '*')
		hash = NULL;
	explicit_bzero(password, sizeof(password));
	if (!hash)
		fail(b, "could not hash the root password with yescrypt (libcrypt: %s)",
		     errno ? strerror(errno) : "no hash");
	return hash;
}

/* root's password: its field of etc/shadow replaced by the hash. */
static int set_root_password(const struct build *b)
{
	const char *hash = root_password_hash(b), *field, *end;
	const struct sysroot tree = { b->root };
	char path[4200], *shadow, *line, *rebuilt;
	size_t len;
	int rc;

	if (!hash)
		return -1;
	snprintf(path, sizeof(path), "%s/etc/shadow", b->root);
	/* read inside the tree: a link there resolves in it, not on this host */
	if (!(shadow = sysroot_read_all(&tree, "/etc/shadow", SHADOW_MAX, &len)))
		return fail(b, "%s: %s", path, strerror(errno));
	line = strstr(shadow, "root:");
	if (line != shadow && (!line || line[-1] != '\n')) {
		free(shadow);
		return fail(b, "%s: no root entry", path);
	}
	field = line + 5;
	end = strchr(field, ':');
	rebuilt = end ? calloc(1, len + 512) : NULL;
	if (!rebuilt) {
		free(shadow);
		return fail(b, "%s: malformed root entry", path);
	}
	snprintf(rebuilt, len + 512, "%.*s%s%s", (int)(field - shadow), shadow, hash, end);
	free(shadow);
	rc = write_file(b, "etc/shadow", rebuilt, 0640);
	free(rebuilt);
	return rc;
}

int configure_tree(void *arg)
{
	const struct build *b = arg;

	if (write_file(b, "etc/hostname", "debian\n", 0644) < 0 ||
	    write_file(b, "etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\tdebian\n::1\tlocalhost ip6-localhost ip6-loopback\n", 0644) < 0 ||
	    write_file(b, "etc/fstab", "# made by runner --make-debian-root\n/dev/vda\t/\text4\terrors=remount-ro\t0\t1\n", 0644) < 0 ||
	    set_root_password(b) < 0)
		return -1;
	if (b->o->first_boot) {
		char path[4200], buf[65536];
		ssize_t n;
		int in = open(b->o->first_boot, O_RDONLY | O_CLOEXEC);

		if (in < 0)
			return fail(b, "--first-boot %s: %s", b->o->first_boot, strerror(errno));
		n = read(in, buf, sizeof(buf) - 1);
		close(in);
		if (n < 0)
			return fail(b, "--first-boot %s: %s", b->o->first_boot, strerror(errno));
		if ((size_t)n == sizeof(buf) - 1)
			return fail(b, "--first-boot %s: over %zu bytes; give a shorter script (it may run a longer one)",
				    b->o->first_boot, sizeof(buf) - 2);
		buf[n] = '\0';
		snprintf(path, sizeof(path), "%s/usr/local/sbin", b->root);
		mkdir(path, 0755);
		if (write_file(b, "usr/local/sbin/first-boot", buf, 0755) < 0 ||
		    write_file(b, "etc/systemd/system/first-boot.service",
			       "[Unit]\nDescription=The first-boot script of runner --make-debian-root\n"
			       "After=multi-user.target\nConditionPathExists=!/var/lib/first-boot.done\n\n"
			       "[Service]\nType=oneshot\nExecStartPre=/usr/bin/touch /var/lib/first-boot.done\n"
			       "ExecStart=/usr/local/sbin/first-boot\nStandardOutput=journal+console\n\n"
			       "[Install]\nWantedBy=multi-user.target\n", 0644) < 0)
			return -1;
		snprintf(path, sizeof(path), "%s/etc/systemd/system/multi-user.target.wants", b->root);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/etc/systemd/system/multi-user.target.wants/first-boot.service", b->root);
		if (symlink("/etc/systemd/system/first-boot.service", path) < 0 && errno != EEXIST)
			return fail(b, "%s: %s", path, strerror(errno));
	}
	return 0;
}

/* The newest /boot/vmlinuz-* and its initrd.img-*, copied into the
 * partial files of IMAGE.vmlinuz and IMAGE.initrd. */
int copy_boot_files(void *arg)
{
	const struct build *b = arg;
	char boot[128], best[256] = "", src[4200];
	static const char *const kinds[2] = { "vmlinuz-", "initrd.img-" };
	static const int outputs[2] = { OUT_KERNEL, OUT_INITRD };
	const struct dirent *e;
	DIR *d;

	snprintf(boot, sizeof(boot), "%s/boot", b->root);
	if (!(d = opendir(boot)))
		return fail(b, "%s: %s", boot, strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "vmlinuz-", 8) == 0 && strcmp(e->d_name + 8, best) > 0)
			snprintf(best, sizeof(best), "%s", e->d_name + 8);
	closedir(d);
	if (!best[0])
		return fail(b, "no kernel in %s (was %s installed?)", boot, b->o->kernel_package);
	for (int k = 0; k < 2; k++) {
		char buf[65536];
		int in, out;
		ssize_t n;

		const char *dst = b->out[outputs[k]].partial;

		snprintf(src, sizeof(src), "%s/%s%s", boot, kinds[k], best);
		in = open(src, O_RDONLY | O_CLOEXEC);
		out = open(dst, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);	/* made by this build */
		if (in < 0 || out < 0) {
			int err = errno;

			if (in >= 0)
				close(in);
			if (out >= 0)
				close(out);
			return fail(b, "%s -> %s: %s", src, dst, strerror(err));
		}
		while ((n = read(in, buf, sizeof(buf))) > 0)
			if (fd_write_all(out, buf, (size_t)n) < 0) {
				n = -1;
				break;
			}
		close(in);
		if (n < 0 || fsync(out) < 0) {
			int err = errno ? errno : EIO;

			close(out);
			return fail(b, "%s: %s", dst, strerror(err));
		}
		if (close(out) < 0)
			return fail(b, "%s: %s", dst, strerror(errno));
	}
	fprintf(stderr, "%s:   kernel %s: %s.vmlinuz and %s.initrd\n", b->o->prog, best, b->o->image, b->o->image);
	return 0;
}

/* The tree, all of it (never into a file system still mounted in it: an
 * interrupted bootstrapper's /proc). */
int remove_root_tree(void *arg)
{
	const struct build *b = arg;

	return remove_tree(b->root, true);
}
