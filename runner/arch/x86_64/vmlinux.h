/* vmlinux.h - the uncompressed kernel inside a bzImage, for a fast boot
 *
 * Under TCG most of a stock kernel's boot is its own decompression, run in
 * emulated code.  Decompressing once on the host (cached, keyed by the
 * bzImage's content) and booting the ELF through its PVH note skips that.
 */
#ifndef RUNNER_VMLINUX_H
#define RUNNER_VMLINUX_H

#include <stdbool.h>
#include <stddef.h>

#define VMLINUX_MAX_BZIMAGE	(128u << 20)
#define VMLINUX_MAX_SIZE	(512u << 20)

/* How a payload is compressed: xz, zstd or gzip. */
struct payload_codec;
const char *payload_codec_name(const struct payload_codec *codec);

/* Finds or makes the cached vmlinux of bzimage in cache_dir (from
 * vmlinux_cache_dir; a cached file counts only if it is the caller's own
 * and nobody else may write it).  Returns 0 with its path,
 * or -1 with why (a payload compressed some other way, no PVH note...)
 * for the caller to fall back to the bzImage. */
int vmlinux_extract(const char *bzimage, const char *cache_dir, char *path, size_t path_size,
		    char *why, size_t why_size);

/* Where the compressed kernel lies in a bzImage: the boot header's
 * payload_offset and payload_length (protocol 2.08+), checked against the
 * file, and its compression, one the runner decompresses.  0, or -1 with
 * why. */
int bzimage_payload(const unsigned char *image, size_t size, size_t *offset, size_t *length,
		    const struct payload_codec **codec, char *why, size_t why_size);

/* Whether an ELF image carries the PVH entry note (Xen note type 18). */
bool elf_has_pvh_note(const unsigned char *image, size_t size);

/* The cache directory: /var/cache/kvm-host-toolkit for root, else
 * $XDG_CACHE_HOME/kvm-host-toolkit, ~/.cache/kvm-host-toolkit or
 * $XDG_RUNTIME_DIR/kvm-host-toolkit, never a shared /tmp; made (0700, with
 * its parents) where missing, and used only if it is the caller's and
 * nobody else may write it.  0 with dir, or -1 with why. */
int vmlinux_cache_dir(char *dir, size_t size, char *why, size_t why_size);

#endif
