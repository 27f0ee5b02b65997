/* json.c - JSON string escaping and key/value writing */
#include "json.h"

#include <math.h>

/* Length of a valid UTF-8 sequence at s, or 0. */
static int utf8_length(const unsigned char *s)
{
	int n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fputc('"', out);
	while (*p) {
		int n;

		if (*p == '"' || *p == '\\') {
			fprintf(out, "\\%c", *p++);
		} else if (*p == '\n') {
			fputs("\\n", out);
			p++;
		} else if (*p == '\t') {
			fputs("\\t", out);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\u%04x", *p++);
		} else if ((n = utf8_length(p)) > 0) {
			fwrite(p, 1, (size_t)n, out);
			p += n;
		} else {
			fputs("\\ufffd", out);
			p++;
		}
	}
	fputc('"', out);
}

void json_key(FILE *out, const char *key, bool *first)
{
	if (!*first)
		fputc(',', out);
	*first = false;
	json_string(out, key);
	fputc(':', out);
}

void json_kv_string(FILE *out, const char *key, const char *value, bool *first)
{
	json_key(out, key, first);
	if (value)
		json_string(out, value);
	else
		fputs("null", out);
}

void json_kv_number(FILE *out, const char *key, double value, bool *first)
{
	json_key(out, key, first);
	if (isfinite(value))
		fprintf(out, "%.6g", value);
	else
		fputs("null", out);
}

void json_kv_int(FILE *out, const char *key, long long value, bool *first)
{
	json_key(out, key, first);
	fprintf(out, "%lld", value);
}

void json_kv_maybe_bool(FILE *out, const char *key, bool known, bool value, bool *first)
{
	json_key(out, key, first);
	fputs(!known ? "null" : value ? "true" : "false", out);
}

void json_kv_bool(FILE *out, const char *key, bool value, bool *first)
{
	json_key(out, key, first);
	fputs(value ? "true" : "false", out);
}
