/* fuzz_untrusted_text.c - text from an untrusted snapshot: the archive
 * listing's member check, and a report line built from a value
 *
 * Invariants: a member accepted has a relative name without a ".."
 * component and a size within the bounds, and the running total never
 * passes its bound; a text line holds no control character but its one
 * final newline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#include "snapshot_unpack.h"
#include "text_line.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* The NAME field of an accepted listing line: relative, no "..". */
static void check_accepted(const char *line, size_t len)
{
	const char *name = line, *end = line + len;

	for (int field = 0; field < 5 && name < end; field++) {
		while (name < end && *name != ' ')
			name++;
		while (name < end && *name == ' ')
			name++;
	}
	if (name >= end || *name == '/')
		abort();
	for (const char *p = name; p + 1 < end; p++)
		if (p[0] == '.' && p[1] == '.' && (p == name || p[-1] == '/') && (p + 2 == end || p[2] == '/'))
			abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *text = fuzz_cstring(data, size), *out = NULL, why[256];
	unsigned long long total = 0;
	size_t out_size = 0;
	FILE *mem;

	if (!text)
		return 0;
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");

		if (len && snapshot_member_check(line, len, &total, why, sizeof(why)) == 0) {
			/* a symlink's or hard link's target is checked by its own rule */
			if (!strstr(line, " -> ") && !strstr(line, " link to "))
				check_accepted(line, len);
			if (total > SNAPSHOT_UNPACKED_MAX)
				abort();
		}
		line += len + (line[len] == '\n');
	}
	mem = open_memstream(&out, &out_size);
	if (mem) {
		text_line(mem, "Value: %s", text);
		fclose(mem);
		for (size_t i = 0; i + 1 < out_size; i++)
			if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
				abort();
		if (out_size == 0 || out[out_size - 1] != '\n')
			abort();
		free(out);
	}
	free(text);
	return 0;
}
