/* debian_outputs.c - the image's files: claimed, written in private, placed without replacing
 *
 * IMAGE, IMAGE.vmlinuz and IMAGE.initrd must not exist when the build
 * starts (a file or symbolic link there is refused, never followed).  They
 * are written in a directory of this build's own beside IMAGE (mkdtemp:
 * mode 0700, so no one else can put a link where mkfs.ext4 or qemu-img
 * opens a file by name), and renamed into place at the end, the image
 * last, with RENAME_NOREPLACE: a file that appeared at one of the names
 * meanwhile is kept and the build fails.
 */
#include "debian_build.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "remove_tree.h"

static const char *const final_suffix[OUTPUTS] = { "", ".vmlinuz", ".initrd", NULL };
static const char *const partial_name[OUTPUTS] = { "image", "vmlinuz", "initrd", "raw" };

/* IMAGE's directory and base name: the private directory's template. */
static int private_dir_make(struct build *b)
{
	const char *image = b->o->image, *slash = strrchr(image, '/');
	int dir_len = slash ? (int)(slash - image) + 1 : 0;

	snprintf(b->private_dir, sizeof(b->private_dir), "%.*s.%s.runner-XXXXXX", dir_len, image,
		 slash ? slash + 1 : image);
	if (!mkdtemp(b->private_dir)) {
		fprintf(stderr, "%s: a private directory beside %s (%s): %s\n", b->o->prog, image, b->private_dir,
			strerror(errno));
		b->private_dir[0] = '\0';
		return -1;
	}
	return 0;
}

int claim_outputs(struct build *b, bool qcow2)
{
	const char *prog = b->o->prog, *image = b->o->image;
	struct stat st;

	for (int k = 0; k < OUT_RAW; k++) {
		snprintf(b->out[k].final, sizeof(b->out[k].final), "%s%s", image, final_suffix[k]);
		if (lstat(b->out[k].final, &st) == 0) {
			if (k == OUT_IMAGE)
				fprintf(stderr, "%s: %s exists already: give a new image name\n", prog, image);
			else
				fprintf(stderr, "%s: %s exists already (it would be the new image's %s): move it "
					"away or give a new image name\n", prog, b->out[k].final,
					k == OUT_KERNEL ? "kernel" : "initramfs");
			return -1;
		}
	}
	if (private_dir_make(b) < 0)
		return -1;
	for (int k = 0; k < OUTPUTS; k++) {
		struct output *out = &b->out[k];
		int fd;

		if (k == OUT_RAW && !qcow2)
			continue;
		snprintf(out->partial, sizeof(out->partial), "%s/%s", b->private_dir, partial_name[k]);
		fd = open(out->partial, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, out->partial, strerror(errno));
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* rename without replacing; link and unlink where the file system has no
 * RENAME_NOREPLACE. */
static int place_one(const struct output *out)
{
	if (renameat2(AT_FDCWD, out->partial, AT_FDCWD, out->final, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL)
		return -1;
	if (link(out->partial, out->final) < 0)
		return -1;
	unlink(out->partial);
	return 0;
}

/* The partial files renamed into place, the image last: a whole IMAGE
 * has its kernel beside it. */
int place_outputs(struct build *b)
{
	static const int order[] = { OUT_KERNEL, OUT_INITRD, OUT_IMAGE };

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		struct output *out = &b->out[order[k]];

		if (place_one(out) < 0)
			return fail(b, "%s -> %s: %s%s", out->partial, out->final, strerror(errno),
				    errno == EEXIST ? " (it appeared while the image was built; it is left as it is)" : "");
		out->placed = true;
	}
	return 0;
}

/* The private directory goes with whatever partial files are left in it;
 * on failure, what was already placed goes too. */
void discard_outputs(struct build *b, bool failed)
{
	for (int k = 0; failed && k < OUTPUTS; k++)
		if (b->out[k].placed)
			unlink(b->out[k].final);
	if (b->private_dir[0] && remove_tree(b->private_dir, true) < 0)
		fprintf(stderr, "%s: %s: could not remove it: %s\n", b->o->prog, b->private_dir, strerror(errno));
}
