/* json.h - just enough JSON writing for one report object */
#ifndef KVMHOST_JSON_H
#define KVMHOST_JSON_H

#include <stdbool.h>
#include <stdio.h>

/* Writes s as a JSON string (quoted, escaped; invalid bytes replaced). */
void json_string(FILE *out, const char *s);

/* Writes "key": and the value, with a leading comma unless first. */
void json_key(FILE *out, const char *key, bool *first);
void json_kv_string(FILE *out, const char *key, const char *value, bool *first);
void json_kv_number(FILE *out, const char *key, double value, bool *first);
void json_kv_int(FILE *out, const char *key, long long value, bool *first);
/* true, false, or null when not known */
void json_kv_maybe_bool(FILE *out, const char *key, bool known, bool value, bool *first);
void json_kv_bool(FILE *out, const char *key, bool value, bool *first);

#endif
