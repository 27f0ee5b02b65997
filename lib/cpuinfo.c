/* cpuinfo.c - per-CPU virtualization flags from /proc/cpuinfo
 *
 * The text is untrusted: lines may be missing, huge, or binary.  Only
 * "processor", "vendor_id" and "flags" lines are looked at.
 */
#include "cpuinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	ENTRY_FLAGS = 1 << 0,
	ENTRY_VMX = 1 << 1,
	ENTRY_SVM = 1 << 2,
	ENTRY_HYPERVISOR = 1 << 3,
};

struct entries {
	int count, capacity;
	int *numbers;
	unsigned char *bits;
};

static int entries_add(struct entries *e, int number)
{
	if (e->count == e->capacity) {
		int cap = e->capacity ? e->capacity * 2 : 16;
		int *numbers = realloc(e->numbers, (size_t)cap * sizeof(*numbers));
		unsigned char *bits;

		if (!numbers)
			return -1;
		e->numbers = numbers;
		bits = realloc(e->bits, (size_t)cap);
		if (!bits)
			return -1;
		e->bits = bits;
		e->capacity = cap;
	}
	e->numbers[e->count] = number;
	e->bits[e->count] = 0;
	e->count++;
	return 0;
}

/* Does the line "key<spaces>: value" have this key?  Returns the value. */
static const char *value_of(const char *line, size_t len, const char *key)
{
	size_t klen = strlen(key);
	const char *p;

	if (len < klen || strncmp(line, key, klen) != 0)
		return NULL;
	p = line + klen;
	while (p < line + len && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= line + len || *p != ':')
		return NULL;
	return p + 1;
}

/* Keeps the first value seen for a key: leading spaces dropped, cut to
 * the buffer, control and non-ASCII bytes shown as '?'. */
static void first_value(const char *v, const char *end, char *out, size_t size)
{
	size_t n = (size_t)(end - v);

	if (out[0])
		return;
	while (n > 0 && *v == ' ') {
		v++;
		n--;
	}
	if (n > size - 1)
		n = size - 1;
	memcpy(out, v, n);
	out[n] = '\0';
	for (char *c = out; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
}

static unsigned char flag_bits(const char *p, const char *end)
{
	unsigned char bits = ENTRY_FLAGS;

	while (p < end) {
		const char *word;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		word = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		if (p - word == 3 && strncmp(word, "vmx", 3) == 0)
			bits |= ENTRY_VMX;
		else if (p - word == 3 && strncmp(word, "svm", 3) == 0)
			bits |= ENTRY_SVM;
		else if (p - word == 10 && strncmp(word, "hypervisor", 10) == 0)
			bits |= ENTRY_HYPERVISOR;
	}
	return bits;
}

/* "vmx missing on CPU 3, 5" for the entries that lack a flag others have. */
static void describe_mixed(const struct entries *e, unsigned char bit, const char *flag,
			   char *out, size_t size)
{
	int with = 0, listed = 0;
	size_t used;

	for (int i = 0; i < e->count; i++)
		with += (e->bits[i] & bit) != 0;
	if (with == 0 || with == e->count)
		return;
	used = (size_t)snprintf(out, size, "%s missing on CPU", flag);
	for (int i = 0; i < e->count && used < size; i++) {
		if (e->bits[i] & bit)
			continue;
		if (listed == 8) {
			snprintf(out + used, size - used, " and %d more", e->count - with - listed);
			return;
		}
		used += (size_t)snprintf(out + used, size - used, "%s %d", listed ? "," : "", e->numbers[i]);
		listed++;
	}
}

void cpuinfo_parse(const char *text, struct cpuinfo *info)
{
	struct entries e = { 0 };
	const char *line = text;

	memset(info, 0, sizeof(*info));
	info->readable = true;
	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		const char *v;

		if ((v = value_of(line, len, "processor"))) {
			if (entries_add(&e, (int)strtol(v, NULL, 10)) < 0)
				goto nomem;
		} else if ((v = value_of(line, len, "vendor_id"))) {
			first_value(v, line + len, info->vendor, sizeof(info->vendor));
		} else if ((v = value_of(line, len, "microcode"))) {
			first_value(v, line + len, info->microcode, sizeof(info->microcode));
		} else if ((v = value_of(line, len, "flags"))) {
			/* a flags line before any "processor" line still describes a CPU */
			if (e.count == 0 && entries_add(&e, 0) < 0)
				goto nomem;
			e.bits[e.count - 1] |= flag_bits(v, line + len);
		}
		line += len + (nl ? 1 : 0);
	}

	info->cpus = e.count;
	info->numbers = e.numbers;
	for (int i = 0; i < e.count; i++) {
		info->cpus_with_flags += (e.bits[i] & ENTRY_FLAGS) != 0;
		info->with_vmx += (e.bits[i] & ENTRY_VMX) != 0;
		info->with_svm += (e.bits[i] & ENTRY_SVM) != 0;
		info->with_hypervisor += (e.bits[i] & ENTRY_HYPERVISOR) != 0;
	}
	describe_mixed(&e, ENTRY_VMX, "vmx", info->mixed, sizeof(info->mixed));
	if (!info->mixed[0])
		describe_mixed(&e, ENTRY_SVM, "svm", info->mixed, sizeof(info->mixed));
	free(e.bits);
	return;
nomem:
	free(e.numbers);
	free(e.bits);
	memset(info, 0, sizeof(*info));
	snprintf(info->error, sizeof(info->error), "/proc/cpuinfo: out of memory");
}

void cpuinfo_read(const struct sysroot *root, struct cpuinfo *info)
{
	size_t len;
	char *text = sysroot_read_all(root, "/proc/cpuinfo", CPUINFO_MAX_BYTES, &len);

	if (!text) {
		memset(info, 0, sizeof(*info));
		snprintf(info->error, sizeof(info->error), "/proc/cpuinfo: %s",
			 errno == EINVAL ? "not a regular file" : strerror(errno));
		return;
	}
	cpuinfo_parse(text, info);
	free(text);
	if (info->readable && info->cpus == 0)
		snprintf(info->error, sizeof(info->error), "/proc/cpuinfo: no processor entries");
}

void cpuinfo_free(struct cpuinfo *info)
{
	free(info->numbers);
	info->numbers = NULL;
}
