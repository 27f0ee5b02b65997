/* fuzz_util.h - helpers shared by the libFuzzer harnesses: a scratch host
 * directory, and splitting one input into several files' contents */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* A scratch directory for this process, created once under
 * $KVMHOST_FUZZ_SCRATCH (else /dev/shm when it exists, else /tmp) and
 * removed at exit.  Returns its path. */
const char *fuzz_scratch_dir(void);

/* Writes len bytes to DIR/rel, creating parent directories; an empty rel
 * component list is fine.  Returns 0 or -1. */
int fuzz_write(const char *dir, const char *rel, const uint8_t *data, size_t len);

/* Removes DIR/rel if it exists. */
void fuzz_remove(const char *dir, const char *rel);

/* A NUL-terminated copy of the input (free it), or NULL. */
char *fuzz_cstring(const uint8_t *data, size_t size);

/* Splits data at "\n---\n" separators into at most max parts; returns the
 * count.  part[i]/len[i] point into data. */
int fuzz_split(const uint8_t *data, size_t size, const uint8_t **part, size_t *len, int max);

#endif
