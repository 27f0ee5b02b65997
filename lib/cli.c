/* cli.c - see cli.h */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOWN_MAX 80

bool cli_parse_int(const char *text, long min, long max, long *out)
{
	char *end;
	long v;

	if (!text || !(*text >= '0' && *text <= '9'))	/* no space, sign or empty string */
		return false;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

const char *cli_shown(const char *text)
{
	static char shown[4][SHOWN_MAX + 32];	/* four may appear in one message */
	static unsigned int next;
	size_t n = strlen(text);
	char *out;

	if (n <= SHOWN_MAX)
		return text;
	out = shown[next++ % 4];
	snprintf(out, sizeof(shown[0]), "%.*s...(%zu bytes)", SHOWN_MAX, text, n);
	return out;
}

bool cli_stdout_ok(const char *prog)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return true;
	fprintf(stderr, "%s: writing standard output: %s\n", prog, strerror(errno ? errno : EIO));
	return false;
}
