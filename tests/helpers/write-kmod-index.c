/* write-kmod-index - write a kmod index file (modules.dep.bin and the
 * like) from "KEY VALUE" lines, whatever they say: depmod refuses to write
 * a dependency cycle, and the tests need the damaged indexes a host image
 * can hold (test code only: never installed).
 *
 * usage: write-kmod-index OUT < lines
 *
 * The format, as kmod's libkmod-index.h describes it: big-endian u32
 * magic 0xB007F457, version 0x00020001, the root node's offset; a node's
 * offset carries flags in its high nibble (prefix, children, values), and
 * the node holds: the prefix (NUL-terminated), the first and last child
 * characters and one u32 offset per character in between (0: none), the
 * value count and per value a u32 priority and the NUL-terminated value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NODE_PREFIX	0x80000000u
#define NODE_VALUES	0x40000000u
#define NODE_CHILDS	0x20000000u
#define MAX_ENTRIES	4096

struct entry {
	char *key;
	char *value;
};

static struct entry entries[MAX_ENTRIES];
static unsigned char *out;
static size_t used, capacity;

static void put(const void *data, size_t n)
{
	if (used + n > capacity) {
		capacity = (used + n) * 2;
		out = realloc(out, capacity);
		if (!out) {
			perror("write-kmod-index");
			exit(1);
		}
	}
	memcpy(out + used, data, n);
	used += n;
}

static void put_u32(uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
			       (unsigned char)v };

	put(b, 4);
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

/* Writes the node for entries [lo, hi), whose keys agree on their first
 * depth characters; its children first.  Returns its offset and flags. */
static uint32_t write_node(int lo, int hi, size_t depth)
{
	uint32_t child[256] = { 0 }, offset, flags = 0;
	size_t common = strlen(entries[lo].key + depth);
	int first = 256, last = -1, i = lo, values = 0;

	for (int k = lo + 1; k < hi; k++) {
		size_t n = 0;

		while (n < common && entries[k].key[depth + n] == entries[lo].key[depth + n])
			n++;
		common = n;
	}
	while (i < hi && entries[i].key[depth + common] == '\0') {
		values++;
		i++;
	}
	while (i < hi) {
		unsigned char c = (unsigned char)entries[i].key[depth + common];
		int j = i;

		while (j < hi && (unsigned char)entries[j].key[depth + common] == c)
			j++;
		child[c] = write_node(i, j, depth + common + 1);
		if (c < first)
			first = c;
		last = c;
		i = j;
	}
	offset = (uint32_t)used;
	if (common) {
		flags |= NODE_PREFIX;
		put(entries[lo].key + depth, common);
		put("", 1);
	}
	if (last >= 0) {
		unsigned char range[2] = { (unsigned char)first, (unsigned char)last };

		flags |= NODE_CHILDS;
		put(range, 2);
		for (int c = first; c <= last; c++)
			put_u32(child[c]);
	}
	if (values) {
		flags |= NODE_VALUES;
		put_u32((uint32_t)values);
		for (int k = lo; k < lo + values; k++) {
			put_u32((uint32_t)k);
			put(entries[k].value, strlen(entries[k].value) + 1);
		}
	}
	return offset | flags;
}

int main(int argc, char **argv)
{
	char line[4096];
	uint32_t root;
	int n = 0;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: write-kmod-index OUT < \"KEY VALUE\" lines\n");
		return 2;
	}
	while (n < MAX_ENTRIES && fgets(line, sizeof(line), stdin)) {
		char *space;

		line[strcspn(line, "\n")] = '\0';
		space = strchr(line, ' ');
		if (!space || space == line)
			continue;
		*space = '\0';
		entries[n].key = strdup(line);
		entries[n].value = strdup(space + 1);
		n++;
	}
	if (n == 0) {
		fprintf(stderr, "write-kmod-index: no \"KEY VALUE\" line on standard input\n");
		return 2;
	}
	qsort(entries, (size_t)n, sizeof(entries[0]), by_key);
	put_u32(0xB007F457u);
	put_u32(0x00020001u);
	put_u32(0);		/* the root's offset, known at the end */
	root = write_node(0, n, 0);
	for (int b = 0; b < 4; b++)
		out[8 + b] = (unsigned char)(root >> (24 - 8 * b));
	f = fopen(argv[1], "wb");
	if (!f || fwrite(out, 1, used, f) != used || fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
