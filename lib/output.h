/* output.h - printing a diagnosis: cpu-checker compatible text, or JSON */
#ifndef KVMHOST_OUTPUT_H
#define KVMHOST_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "host.h"
#include "verdict.h"

#define VERDICT_LINE_USABLE	"KVM acceleration can be used"
#define VERDICT_LINE_UNUSABLE	"KVM acceleration can NOT be used"

/* INFO: and HINT: lines, then exactly one of the two verdict lines (the
 * negative one for "unknown" too: acceleration is never claimed unproven).
 * verbose: every check with its state, not only the decisive ones. */
struct readiness;

/* readiness (or NULL): the host readiness section, printed before the
 * verdict line so that the verdict stays last. */
void output_text(FILE *out, const struct diagnosis *d, bool verbose, bool colour, const struct readiness *readiness);

/* Colour for a terminal: stdout is one and NO_COLOR is unset or empty. */
bool output_wants_colour(FILE *out);

/* One JSON object, documented in kvm-ok(1). */
void output_json(FILE *out, const struct host_facts *f, const struct diagnosis *d, const char *version,
		 const struct readiness *readiness);

/* The "setting" member of a JSON object (a container, WSL2, a CI runner). */
void output_json_setting(FILE *out, const struct setting *s, bool *first);

#endif
