/* os_release.c - the running Debian release, from os-release(5)
 *
 * Lines of KEY=VALUE, the value maybe quoted; only ID and VERSION_CODENAME
 * are read, and a codename is taken only if it looks like one (lower-case
 * letters), since it becomes debootstrap's argument.
 */
#include "os_release.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* The value of KEY= on line (quotes removed) into value; false if line is
 * not that key's. */
static bool key_value(const char *line, const char *key, char *value, size_t size)
{
	size_t klen = strlen(key), vlen;
	const char *v;

	if (strncmp(line, key, klen) != 0 || line[klen] != '=')
		return false;
	v = line + klen + 1;
	vlen = strcspn(v, "\n");
	if (vlen >= 2 && (v[0] == '"' || v[0] == '\'') && v[vlen - 1] == v[0]) {
		v++;
		vlen -= 2;
	}
	if (vlen >= size)
		vlen = 0;	/* too long for any real value: as if empty */
	memcpy(value, v, vlen);
	value[vlen] = '\0';
	return true;
}

static bool codename_like(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < 'a' || *s > 'z')
			return false;
	return true;
}

int running_debian_suite(const char *path, char *suite, size_t size, char *why, size_t why_size)
{
	char line[512], id[64] = "", codename[64] = "";
	FILE *f = fopen(path, "re");

	if (!f) {
		snprintf(why, why_size, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		key_value(line, "ID", id, sizeof(id));
		key_value(line, "VERSION_CODENAME", codename, sizeof(codename));
	}
	fclose(f);
	if (strcmp(id, "debian") != 0) {
		snprintf(why, why_size, "%s says this is not Debian (ID=%.40s), whose suites debootstrap would fetch",
			 path, id[0] ? id : "(none)");
		return -1;
	}
	if (!codename_like(codename) || strlen(codename) >= size) {
		snprintf(why, why_size, "%s names no release (VERSION_CODENAME=%.40s)", path, codename);
		return -1;
	}
	snprintf(suite, size, "%s", codename);
	return 0;
}
