/* arch/arm64/arm64_ops.h - the parts of arm64's struct arch_ops, between its files */
#ifndef KVMHOST_ARCH_ARM64_OPS_H
#define KVMHOST_ARCH_ARM64_OPS_H

#include <stdbool.h>
#include <stdio.h>

#include "host.h"
#include "readiness.h"
#include "verdict.h"

void arm64_report_text(FILE *out, const struct host_facts *f, const struct diagnosis *d);
void arm64_report_json(FILE *out, const struct host_facts *f, const struct diagnosis *d, bool *first);
void arm64_json_facts(FILE *out, const struct host_facts *f, bool *first);
void arm64_readiness(const struct host_facts *f, struct readiness *r);

#endif
