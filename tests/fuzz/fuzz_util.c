/* fuzz_util.c - scratch files for the harnesses */
#include "fuzz_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "remove_tree.h"

static char scratch[4200];

static void remove_scratch(void)
{
	if (scratch[0])
		remove_tree(scratch, false);
}

const char *fuzz_scratch_dir(void)
{
	if (!scratch[0]) {
		/* make fuzz gives a directory of its own and removes it afterwards
		 * (a crash or a timeout ends a harness without atexit) */
		const char *parent = getenv("KVMHOST_FUZZ_SCRATCH");

		if (!parent || !*parent)
			parent = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
		snprintf(scratch, sizeof(scratch), "%.4000s/kvmhost-fuzz.XXXXXX", parent);
		if (!mkdtemp(scratch))
			abort();
		atexit(remove_scratch);
	}
	return scratch;
}

int fuzz_write(const char *dir, const char *rel, const uint8_t *data, size_t len)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (char *p = strchr(path + strlen(dir) + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	if (len && write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return close(fd);
}

void fuzz_remove(const char *dir, const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	unlink(path);
}

char *fuzz_cstring(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text) {
		memcpy(text, data, size);
		text[size] = '\0';
	}
	return text;
}

int fuzz_split(const uint8_t *data, size_t size, const uint8_t **part, size_t *len, int max)
{
	static const char sep[] = "\n---\n";
	int n = 0;
	size_t start = 0;

	for (size_t i = 0; n < max - 1 && i + sizeof(sep) - 1 <= size; i++) {
		if (memcmp(data + i, sep, sizeof(sep) - 1) == 0) {
			part[n] = data + start;
			len[n++] = i - start;
			start = i + sizeof(sep) - 1;
			i = start - 1;
		}
	}
	part[n] = data + start;
	len[n++] = size - start;
	return n;
}
