/* debian_root.c - debootstrap, configure, mkfs.ext4 -d, qemu-img convert
 *
 * Every helper runs by absolute path through fork/execv (no shell), its
 * output kept in a log that is shown when it fails.  The image, its kernel
 * and its initramfs are written under temporary names, each created with
 * O_EXCL|O_NOFOLLOW (a file or symbolic link already there is never
 * followed or overwritten: this runs as root, maybe in a shared
 * directory), and renamed at the end, the image last; a failure never
 * leaves a half-written file behind, nor removes one it did not make.
 */
#include "debian_root.h"

#include <crypt.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "held_signals.h"
#include "remove_tree.h"

/* The files a build leaves: IMAGE, IMAGE.vmlinuz, IMAGE.initrd; and the
 * raw image a qcow2 one is converted from (never placed). */
enum { OUT_IMAGE, OUT_KERNEL, OUT_INITRD, OUT_RAW, OUTPUTS };

struct output {
	char final[4200];	/* "" for OUT_RAW */
	char partial[4200];
	bool created, placed;
};

struct build {
	const struct debian_root_options *o;
	char root[64];		/* the debootstrap target */
	char log[96];		/* the current step's output, */
	int log_fd;		/* created with O_EXCL, emptied for each step */
	struct output out[OUTPUTS];
	double start;
	int step, steps;
	struct held_signals held;	/* SIGINT/SIGTERM/SIGHUP, acted on after the cleanup */
	int interrupted;		/* the signal that stopped the build, or 0 */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A held signal that arrived: the build stops at the next step. */
static bool interrupted(struct build *b)
{
	if (!b->interrupted && (b->interrupted = signals_pending(&b->held)) != 0)
		sigwaitinfo(&b->held.held, NULL);	/* taken: raised again after the cleanup */
	return b->interrupted != 0;
}

static void begin(struct build *b, const char *what)
{
	b->step++;
	fprintf(stderr, "%s: [%d/%d] %s (%.0f s)\n", b->o->prog, b->step, b->steps, what, now_s() - b->start);
}

static void show_log_tail(const struct build *b)
{
	char line[512];
	int fd = b->log_fd >= 0 ? dup(b->log_fd) : -1;
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	long lines = 0, skip;

	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewind(f);
	while (fgets(line, sizeof(line), f))
		lines++;
	rewind(f);
	skip = lines > 20 ? lines - 20 : 0;
	while (fgets(line, sizeof(line), f))
		if (skip-- <= 0)
			fprintf(stderr, "  | %s", line);
	fclose(f);
}

/* While a tool runs: a held signal stops it (SIGTERM, then SIGKILL after
 * 10 s) and is kept in b->interrupted. */
struct stopping {
	struct build *b;
	double since;		/* when SIGTERM was sent; 0: not yet */
};

static void stop_on_signal(void *ctx, const struct child *c)
{
	const struct timespec now = { 0, 0 };
	struct stopping *st = ctx;
	siginfo_t info;
	int sig = sigtimedwait(&st->b->held.held, &info, &now);

	if (sig > 0 && !st->b->interrupted) {
		st->b->interrupted = sig;
		st->since = now_s();
		child_signal(c, SIGTERM);
	}
	if (st->since > 0 && now_s() - st->since > 10)
		child_signal(c, SIGKILL);
}

/* Runs argv with output to the step's log; 0 when it exited 0.  The tool
 * starts with no signal blocked (a Ctrl-C reaches it as usual). */
static int run_tool(struct build *b, char *const argv[])
{
	struct stopping st = { b, 0 };
	const struct child_watch watch = { .on_tick = stop_on_signal, .ctx = &st };
	struct child c;

	if (interrupted(b))
		return -1;
	if (ftruncate(b->log_fd, 0) < 0 || lseek(b->log_fd, 0, SEEK_SET) < 0 ||
	    child_start(&c, &(const struct child_spec){ .argv = argv, .in = CHILD_KEEP, .out = b->log_fd,
							 .err = b->log_fd }) < 0) {
		fprintf(stderr, "%s: step %d: could not run %s: %s\n", b->o->prog, b->step, argv[0], strerror(errno));
		return -1;
	}
	if (child_reap(&c, &watch) < 0 || b->interrupted)
		return -1;
	return child_exit_code(&c) == 0 ? 0 : -1;
}

static int fail(const struct build *b, const char *fmt, ...)
{
	va_list ap;

	if (b->interrupted)
		return -1;	/* said once, by make_debian_root */
	fprintf(stderr, "%s: step %d failed: ", b->o->prog, b->step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int write_file(const struct build *b, const char *rel, const char *text, mode_t mode)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", b->root, rel);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		if (fd >= 0)
			close(fd);
		return fail(b, "%s: %s", path, strerror(errno));
	}
	close(fd);
	return 0;
}

/* A whole file in a new NUL-terminated buffer (free it), its length in
 * *len; NULL with errno. */
static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *text;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0 ||
	    !(text = calloc(1, (size_t)size + 1))) {
		fclose(f);
		return NULL;
	}
	if (fread(text, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		free(text);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	*len = (size_t)size;
	return text;
}

/* The hash for root's entry: "!" (locked) unless --root-password-file
 * gives a password, hashed here (yescrypt).  NULL after saying why. */
static const char *root_password_hash(const struct build *b)
{
	char password[256] = "", salt[64];
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
	if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) || !(hash = crypt(password, salt)) ||
	    hash[0] == '*')
		hash = NULL;
	memset(password, 0, sizeof(password));
	if (!hash)
		fail(b, "could not hash the root password");
	return hash;
}

/* root's password: its field of etc/shadow replaced by the hash. */
static int set_root_password(const struct build *b)
{
	const char *hash = root_password_hash(b), *field, *end;
	char path[4200], *shadow, *line, *rebuilt;
	size_t len;
	int rc;

	if (!hash)
		return -1;
	snprintf(path, sizeof(path), "%s/etc/shadow", b->root);
	if (!(shadow = read_whole(path, &len)))
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

static int configure(struct build *b)
{
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
static int copy_boot_files(struct build *b)
{
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
			if (write(out, buf, (size_t)n) != n) {
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

static void clean_up(struct build *b, bool failed)
{
	/* FTW_MOUNT: never into a file system still mounted in the tree (an
	 * interrupted debootstrap's /proc) */
	if (b->root[0])
		remove_tree(b->root, true);
	if (b->log_fd >= 0) {
		close(b->log_fd);
		unlink(b->log);
	}
	for (int k = 0; k < OUTPUTS; k++) {
		struct output *out = &b->out[k];

		if (out->created && !out->placed)
			unlink(out->partial);
		if (failed && out->placed)
			unlink(out->final);
	}
}

/* The outputs' names, none of them there yet, and their partial files
 * created empty, exclusively.  0, or -1 after saying which is in the way. */
static int claim_outputs(struct build *b, bool qcow2)
{
	static const char *const suffix[OUTPUTS] = { "", ".vmlinuz", ".initrd", NULL };
	const char *prog = b->o->prog, *image = b->o->image;
	struct stat st;

	for (int k = 0; k < OUTPUTS; k++) {
		struct output *out = &b->out[k];

		if (k == OUT_RAW) {
			if (!qcow2)
				continue;
			snprintf(out->partial, sizeof(out->partial), "%s.raw-partial", image);
		} else {
			snprintf(out->final, sizeof(out->final), "%s%s", image, suffix[k]);
			snprintf(out->partial, sizeof(out->partial), "%s.partial", out->final);
			if (lstat(out->final, &st) == 0) {
				if (k == OUT_IMAGE)
					fprintf(stderr, "%s: %s exists already: give a new image name\n", prog, image);
				else
					fprintf(stderr, "%s: %s exists already (it would be the new image's %s): move it "
						"away or give a new image name\n", prog, out->final,
						k == OUT_KERNEL ? "kernel" : "initramfs");
				return -1;
			}
		}
		int fd = open(out->partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

		if (fd < 0) {
			fprintf(stderr, "%s: %s: %s%s\n", prog, out->partial, strerror(errno),
				errno == EEXIST ? " (left by an interrupted run? remove it, or give a new image name)" : "");
			return -1;
		}
		close(fd);
		out->created = true;
	}
	return 0;
}

/* Renames the partial files into place, the image last: a whole IMAGE
 * has its kernel beside it. */
static int place_outputs(struct build *b)
{
	static const int order[] = { OUT_KERNEL, OUT_INITRD, OUT_IMAGE };

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		struct output *out = &b->out[order[k]];

		if (rename(out->partial, out->final) < 0)
			return fail(b, "%s -> %s: %s", out->partial, out->final, strerror(errno));
		out->placed = true;
	}
	return 0;
}

static int build_image(struct build *b)
{
	const struct debian_root_options *o = b->o;
	bool qcow2 = ends_with(o->image, ".qcow2");
	char include[1024], root_dir_arg[80], arch[48];
	char *debootstrap[9] = { DEBOOTSTRAP_PATH, "--variant=minbase", arch, include, (char *)o->suite, b->root,
				 NULL, NULL };
	char *mkfs[] = { MKFS_EXT4_PATH, "-q", "-F", "-L", "debian-root", "-d", root_dir_arg,
			 b->out[qcow2 ? OUT_RAW : OUT_IMAGE].partial, (char *)o->size, NULL };

	/* the guest's architecture, said outright (with binfmt_misc and
	 * qemu-user-static, debootstrap can then make it on another host) */
	snprintf(arch, sizeof(arch), "--arch=%s", o->debian_arch);
	snprintf(include, sizeof(include), "--include=%s,systemd-sysv,udev%s%s", o->kernel_package,
		 o->packages ? "," : "", o->packages ? o->packages : "");
	if (o->mirror)
		debootstrap[6] = (char *)o->mirror;
	snprintf(root_dir_arg, sizeof(root_dir_arg), "%s", b->root);

	begin(b, "debootstrap: a minimal Debian with its kernel and systemd (a few minutes)");
	if (run_tool(b, debootstrap) < 0) {
		fail(b, "debootstrap of %s did not succeed; its last lines:", o->suite);
		show_log_tail(b);
		return -1;
	}
	begin(b, "configuration: hostname, fstab, root password, serial console");
	if (configure(b) < 0)
		return -1;
	begin(b, "the kernel and initramfs beside the image");
	if (copy_boot_files(b) < 0)
		return -1;
	begin(b, "mkfs.ext4 -d: the file system, populated without mounting");
	if (run_tool(b, mkfs) < 0) {
		fail(b, "mkfs.ext4 did not succeed; its last lines:");
		show_log_tail(b);
		return -1;
	}
	if (qcow2) {
		char *convert[] = { QEMU_IMG_PATH, "convert", "-q", "-O", "qcow2", b->out[OUT_RAW].partial,
				    b->out[OUT_IMAGE].partial, NULL };

		begin(b, "qemu-img convert: to qcow2");
		if (run_tool(b, convert) < 0) {
			fail(b, "qemu-img convert did not succeed; its last lines:");
			show_log_tail(b);
			return -1;
		}
	}
	if (interrupted(b))
		return -1;	/* the last moment to stop: after the rename the image is whole */
	begin(b, "the image in place");
	return place_outputs(b);
}

int make_debian_root(const struct debian_root_options *o)
{
	struct build b = { .o = o, .start = now_s(), .log_fd = -1 };
	bool qcow2 = ends_with(o->image, ".qcow2");
	int rc;

	b.steps = qcow2 ? 6 : 5;
	if (geteuid() != 0) {
		fprintf(stderr, "%s: --make-debian-root runs debootstrap, which needs root: sudo %s --make-debian-root ...\n",
			o->prog, o->prog);
		return 1;
	}
	if (access(DEBOOTSTRAP_PATH, X_OK) < 0 || access(MKFS_EXT4_PATH, X_OK) < 0 ||
	    (qcow2 && access(QEMU_IMG_PATH, X_OK) < 0)) {
		fprintf(stderr, "%s: --make-debian-root needs %s, %s%s: apt-get install debootstrap e2fsprogs%s\n", o->prog,
			DEBOOTSTRAP_PATH, MKFS_EXT4_PATH, qcow2 ? " and " QEMU_IMG_PATH : "", qcow2 ? " qemu-utils" : "");
		return 1;
	}
	signals_hold(&b.held);
	if (claim_outputs(&b, qcow2) < 0) {
		clean_up(&b, true);
		signals_release(&b.held);
		return 1;
	}
	snprintf(b.root, sizeof(b.root), "/var/tmp/runner-debian-root.XXXXXX");
	if (!mkdtemp(b.root)) {
		fprintf(stderr, "%s: a work directory in /var/tmp: %s\n", o->prog, strerror(errno));
		b.root[0] = '\0';
		clean_up(&b, true);
		signals_release(&b.held);
		return 1;
	}
	chmod(b.root, 0755);
	snprintf(b.log, sizeof(b.log), "%s.log", b.root);
	b.log_fd = open(b.log, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (b.log_fd < 0) {
		fprintf(stderr, "%s: the build's log %s: %s\n", o->prog, b.log, strerror(errno));
		clean_up(&b, true);
		signals_release(&b.held);
		return 1;
	}
	rc = build_image(&b);
	clean_up(&b, rc < 0);
	signals_release(&b.held);
	if (b.interrupted) {
		fprintf(stderr, "%s: stopped by signal %d at step %d; its work directory and partial files are removed\n",
			o->prog, b.interrupted, b.step);
		signal(b.interrupted, SIG_DFL);
		raise(b.interrupted);	/* end as the signal would have */
		return 1;
	}
	if (rc == 0)
		fprintf(stderr, "%s: %s made in %.0f s; boot it with: %s --disk %s\n", o->prog, o->image,
			now_s() - b.start, o->prog, o->image);
	return rc < 0 ? 1 : 0;
}
