/* vmlinux.c - decompress a bzImage's payload once: xz (Debian 12's
 * kernels) with liblzma, zstd (Debian 13's) with libzstd, gzip (the
 * kernel's own default, many custom builds) with zlib */
#include "vmlinux.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define XEN_ELFNOTE_PHYS32_ENTRY 18

/* The x86 Linux boot protocol's setup header (Documentation/arch/x86/boot.rst) */
#define BZ_SETUP_SECTS		0x1f1
#define BZ_HEADER_MAGIC		0x202
#define BZ_HDRS			0x53726448u	/* "HdrS" */
#define BZ_VERSION		0x206
#define BZ_PAYLOAD_OFFSET	0x248	/* from the protected-mode code, 2.08+ */
#define BZ_PAYLOAD_LENGTH	0x24c
#define PAYLOAD_MAGIC_MAX	6

/* Makes path's missing parents (0700, as mkdir -p would for a private
 * tree) and path itself, then checks that path is a directory of this user
 * that nobody else may write: 0, or -1 with why. */
static int private_dir(const char *path, char *why, size_t why_size)
{
	char partial[4096];
	struct stat st;
	int fd;

	if (snprintf(partial, sizeof(partial), "%s", path) >= (int)sizeof(partial)) {
		snprintf(why, why_size, "cache %.200s...: path too long", path);
		return -1;
	}
	for (char *slash = strchr(partial + 1, '/'); ; slash = strchr(slash + 1, '/')) {
		if (slash)
			*slash = '\0';
		if (mkdir(partial, 0700) < 0 && errno != EEXIST) {
			snprintf(why, why_size, "cache %s: cannot make %s: %s", path, partial, strerror(errno));
			return -1;
		}
		if (!slash)
			break;
		*slash = '/';
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, why_size, "cache %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, why_size, "cache %s is not private (owner uid %u, mode %04o): not used; "
			 "remove it, or make it yours with mode 0700", path, (unsigned int)st.st_uid,
			 (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

int vmlinux_cache_dir(char *dir, size_t size, char *why, size_t why_size)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME"), *runtime = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		snprintf(dir, size, "/var/cache/kvm-host-toolkit");
	else if (xdg && xdg[0] == '/')
		snprintf(dir, size, "%s/kvm-host-toolkit", xdg);
	else if (home && home[0] == '/')
		snprintf(dir, size, "%s/.cache/kvm-host-toolkit", home);
	else if (runtime && runtime[0] == '/')
		snprintf(dir, size, "%s/kvm-host-toolkit", runtime);
	else {
		/* never a shared /tmp: another user could plant the kernel */
		snprintf(why, why_size, "no private cache directory (HOME, XDG_CACHE_HOME and XDG_RUNTIME_DIR "
			 "are unset; a shared /tmp is not used)");
		return -1;
	}
	return private_dir(dir, why, why_size);
}

/* FNV-1a, 64 bits: enough to tell kernels apart in a cache. */
static uint64_t content_key(const unsigned char *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < size; i++) {
		h ^= data[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Every header is copied out of the image (memcpy): the image is any
 * file, and its offsets need not be aligned for the structures. */
bool elf_has_pvh_note(const unsigned char *image, size_t size)
{
	Elf64_Ehdr eh;

	if (size < sizeof(eh) || memcmp(image, ELFMAG, SELFMAG) != 0 || image[EI_CLASS] != ELFCLASS64)
		return false;
	memcpy(&eh, image, sizeof(eh));
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > size ||
	    (size - eh.e_phoff) / sizeof(Elf64_Phdr) < eh.e_phnum)
		return false;
	for (size_t i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		size_t off, end;

		memcpy(&ph, image + eh.e_phoff + i * sizeof(Elf64_Phdr), sizeof(ph));
		if (ph.p_type != PT_NOTE || ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
			continue;
		off = (size_t)ph.p_offset;
		end = off + (size_t)ph.p_filesz;
		while (end - off >= sizeof(Elf64_Nhdr)) {
			Elf64_Nhdr n;
			size_t name, desc;

			memcpy(&n, image + off, sizeof(n));
			name = ((size_t)n.n_namesz + 3) & ~(size_t)3;
			desc = ((size_t)n.n_descsz + 3) & ~(size_t)3;
			if (name > end - off - sizeof(n) || desc > end - off - sizeof(n) - name)
				break;
			if (n.n_type == XEN_ELFNOTE_PHYS32_ENTRY && n.n_namesz == 4 &&
			    memcmp(image + off + sizeof(n), "Xen", 4) == 0)
				return true;
			off += sizeof(n) + name + desc;
		}
	}
	return false;
}

/* Writes a decompressed chunk to the cache file, the whole no larger than
 * VMLINUX_MAX_SIZE. */
static int emit(int fd, const unsigned char *buf, size_t n, size_t *total, char *why, size_t why_size)
{
	*total += n;
	if (*total > VMLINUX_MAX_SIZE) {
		snprintf(why, why_size, "its payload decompresses to more than %u MiB", VMLINUX_MAX_SIZE >> 20);
		return -1;
	}
	while (n > 0) {
		ssize_t done = write(fd, buf, n);

		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0) {
			snprintf(why, why_size, "writing the cache failed: %s", done < 0 ? strerror(errno) : "no progress");
			return -1;
		}
		buf += done;
		n -= (size_t)done;
	}
	return 0;
}

static int decompress_xz(const unsigned char *in, size_t in_size, int out_fd, char *why, size_t why_size)
{
	lzma_stream strm = LZMA_STREAM_INIT;
	unsigned char buf[1 << 16];
	size_t total = 0;
	lzma_ret ret;
	int rc = -1;

	if (lzma_stream_decoder(&strm, UINT64_MAX, 0) != LZMA_OK) {
		snprintf(why, why_size, "liblzma could not start");
		return -1;
	}
	strm.next_in = in;
	strm.avail_in = in_size;
	do {
		strm.next_out = buf;
		strm.avail_out = sizeof(buf);
		ret = lzma_code(&strm, LZMA_FINISH);
		if (ret != LZMA_OK && ret != LZMA_STREAM_END) {
			snprintf(why, why_size, "its xz payload does not decompress (liblzma error %d)", (int)ret);
			goto out;
		}
		if (emit(out_fd, buf, sizeof(buf) - strm.avail_out, &total, why, why_size) < 0)
			goto out;
	} while (ret != LZMA_STREAM_END);
	rc = 0;
out:
	lzma_end(&strm);
	return rc;
}

/* The kernel's zstd payload is one frame followed by the 4-byte size: the
 * frame's end ends the kernel. */
static int decompress_zstd(const unsigned char *in, size_t in_size, int out_fd, char *why, size_t why_size)
{
	ZSTD_DStream *stream = ZSTD_createDStream();
	ZSTD_inBuffer input = { in, in_size, 0 };
	unsigned char buf[1 << 16];
	size_t total = 0, ret = 1;
	int rc = -1;

	if (!stream) {
		snprintf(why, why_size, "libzstd could not start");
		return -1;
	}
	while (ret != 0) {
		ZSTD_outBuffer output = { buf, sizeof(buf), 0 };

		ret = ZSTD_decompressStream(stream, &output, &input);
		if (ZSTD_isError(ret)) {
			snprintf(why, why_size, "its zstd payload does not decompress (%s)", ZSTD_getErrorName(ret));
			goto out;
		}
		if (emit(out_fd, buf, output.pos, &total, why, why_size) < 0)
			goto out;
		if (ret != 0 && input.pos == input.size && output.pos < output.size) {
			snprintf(why, why_size, "its zstd payload ends before its frame does");
			goto out;
		}
	}
	rc = 0;
out:
	ZSTD_freeDStream(stream);
	return rc;
}

static int decompress_gzip(const unsigned char *in, size_t in_size, int out_fd, char *why, size_t why_size)
{
	unsigned char buf[1 << 16];
	z_stream strm = { 0 };
	size_t total = 0;
	int ret, rc = -1;

	if (in_size > UINT32_MAX || inflateInit2(&strm, 16 + MAX_WBITS) != Z_OK) {	/* 16: gzip's header */
		snprintf(why, why_size, "zlib could not start");
		return -1;
	}
	strm.next_in = (unsigned char *)(uintptr_t)in;	/* zlib only reads it */
	strm.avail_in = (uInt)in_size;
	do {
		strm.next_out = buf;
		strm.avail_out = sizeof(buf);
		ret = inflate(&strm, Z_NO_FLUSH);
		if (ret != Z_OK && ret != Z_STREAM_END) {
			snprintf(why, why_size, "its gzip payload does not decompress (%s)",
				 ret == Z_BUF_ERROR ? "it ends early" : strm.msg ? strm.msg : "zlib error");
			goto out;
		}
		if (emit(out_fd, buf, sizeof(buf) - strm.avail_out, &total, why, why_size) < 0)
			goto out;
	} while (ret != Z_STREAM_END);
	rc = 0;
out:
	inflateEnd(&strm);
	return rc;
}

struct payload_codec {
	const char *name;
	unsigned char magic[PAYLOAD_MAGIC_MAX];
	size_t magic_size;
	int (*decompress)(const unsigned char *in, size_t in_size, int out_fd, char *why, size_t why_size);
};

static const struct payload_codec codecs[] = {
	{ "xz", { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6, decompress_xz },
	{ "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4, decompress_zstd },
	{ "gzip", { 0x1f, 0x8b }, 2, decompress_gzip },
};

static const struct payload_codec *payload_codec(const unsigned char *payload, size_t size)
{
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (size >= codecs[i].magic_size && memcmp(payload, codecs[i].magic, codecs[i].magic_size) == 0)
			return &codecs[i];
	return NULL;
}

const char *payload_codec_name(const struct payload_codec *codec)
{
	return codec->name;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int bzimage_payload(const unsigned char *image, size_t size, size_t *offset, size_t *length,
		    const struct payload_codec **codec, char *why, size_t why_size)
{
	size_t setup_sects, start, off, len;
	unsigned int version;

	if (size < BZ_PAYLOAD_LENGTH + 4 || le32(image + BZ_HEADER_MAGIC) != BZ_HDRS) {
		snprintf(why, why_size, "not a bzImage (no \"HdrS\" boot header)");
		return -1;
	}
	version = (unsigned int)image[BZ_VERSION] | (unsigned int)image[BZ_VERSION + 1] << 8;
	if (version < 0x0208) {
		snprintf(why, why_size, "boot protocol %u.%02u has no payload offset (2.08 or later needed)",
			 version >> 8, version & 0xff);
		return -1;
	}
	setup_sects = image[BZ_SETUP_SECTS] ? image[BZ_SETUP_SECTS] : 4;	/* 0 means 4 */
	start = (setup_sects + 1) * 512;
	off = le32(image + BZ_PAYLOAD_OFFSET);
	len = le32(image + BZ_PAYLOAD_LENGTH);
	if (start > size || off > size - start || len > size - start - off || len < PAYLOAD_MAGIC_MAX) {
		snprintf(why, why_size, "its payload (offset %zu, %zu bytes) lies outside the file", off, len);
		return -1;
	}
	*codec = payload_codec(image + start + off, len);
	if (!*codec) {
		snprintf(why, why_size, "its payload is compressed in a way the runner does not decompress "
			 "(it knows xz, zstd and gzip)");
		return -1;
	}
	*offset = start + off;
	*length = len;
	return 0;
}

/* Maps a regular file of at most max bytes, never through a symbolic link;
 * with mine, only a file of this user that nobody else may write. */
static unsigned char *map_file(const char *path, size_t max, bool mine, size_t *size, char *why, size_t why_size)
{
	struct stat st;
	void *map;
	int fd = open(path, O_RDONLY | O_CLOEXEC | (mine ? O_NOFOLLOW : 0));

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0 || (size_t)st.st_size > max ||
	    (mine && (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))))) {
		snprintf(why, why_size, "%s: %s", path, fd < 0 ? strerror(errno)
					  : mine && S_ISREG(st.st_mode) && st.st_size > 0 && (size_t)st.st_size <= max
					  ? "not this user's own file" : "not a regular file of a kernel's size");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		return NULL;
	}
	*size = (size_t)st.st_size;
	return map;
}

/* A cached vmlinux is used only if it is this user's own file, nobody
 * else may write it, and it is an ELF with the PVH note. */
static bool cached_is_good(const char *path)
{
	char why[64];
	size_t size;
	unsigned char *image = map_file(path, VMLINUX_MAX_SIZE, true, &size, why, sizeof(why));
	bool good;

	if (!image)
		return false;
	good = elf_has_pvh_note(image, size);
	munmap(image, size);
	return good;
}

int vmlinux_extract(const char *bzimage, const char *cache_dir, char *path, size_t path_size,
		    char *why, size_t why_size)
{
	size_t size, payload_offset, payload_length;
	const struct payload_codec *codec;
	char tmp[4200], detail[128];
	unsigned char *image;
	int fd, rc;

	image = map_file(bzimage, VMLINUX_MAX_BZIMAGE, false, &size, why, why_size);
	if (!image)
		return -1;
	snprintf(path, path_size, "%s/vmlinux-%016llx", cache_dir, (unsigned long long)content_key(image, size));
	if (cached_is_good(path)) {
		munmap(image, size);
		return 0;
	}
	if (bzimage_payload(image, size, &payload_offset, &payload_length, &codec, detail, sizeof(detail)) < 0) {
		snprintf(why, why_size, "%s: %s", bzimage, detail);
		munmap(image, size);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s/.vmlinux-XXXXXX", cache_dir);
	fd = mkstemp(tmp);	/* O_EXCL: never through a planted symlink */
	if (fd < 0) {
		snprintf(why, why_size, "cache %s: %s", cache_dir, strerror(errno));
		munmap(image, size);
		return -1;
	}
	rc = codec->decompress(image + payload_offset, payload_length, fd, why, why_size);
	munmap(image, size);
	if (close(fd) < 0 && rc == 0) {
		snprintf(why, why_size, "cache %s: %s", cache_dir, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && !cached_is_good(tmp)) {
		snprintf(why, why_size, "%s has no PVH entry note", bzimage);
		rc = -1;
	}
	if (rc == 0 && rename(tmp, path) < 0) {
		snprintf(why, why_size, "cache %s: %s", cache_dir, strerror(errno));
		rc = -1;
	}
	if (rc < 0)
		unlink(tmp);
	return rc;
}
