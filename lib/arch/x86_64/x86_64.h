/* arch/x86_64/x86_64.h - the parts of x86-64's struct arch_ops, between its files */
#ifndef KVMHOST_ARCH_X86_64_H
#define KVMHOST_ARCH_X86_64_H

#include <stdbool.h>
#include <stdio.h>

#include "host.h"
#include "readiness.h"
#include "verdict.h"

void x86_64_gather(const struct sysroot *root, struct host_facts *f);
void x86_64_report_text(FILE *out, const struct host_facts *f, const struct diagnosis *d);
void x86_64_report_json(FILE *out, const struct host_facts *f, const struct diagnosis *d, bool *first);
void x86_64_json_facts(FILE *out, const struct host_facts *f, bool *first);
void x86_readiness(const struct host_facts *f, struct readiness *r);

#endif
