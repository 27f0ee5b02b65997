/* text_line.c - see text_line.h */
#include "text_line.h"

#include <stdarg.h>

void text_clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

void text_line(FILE *out, const char *fmt, ...)
{
	char line[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	text_clean(line);
	fputs(line, out);
	fputc('\n', out);
}
