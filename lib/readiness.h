/* readiness.h - host readiness beyond the CPU: what virt-host-validate checks, and more
 *
 * Its checks have the diagnosis's states (enum check_state, verdict.h), a
 * name of their own and a hint each; they decide no verdict. */
#ifndef KVMHOST_READINESS_H
#define KVMHOST_READINESS_H

#include <stdbool.h>
#include <stdio.h>

#include "host.h"
#include "verdict.h"

#define READINESS_MAX 16

struct ready_check {
	struct check check;		/* name (stable: "tun", "vhost-net", "iommu", ...), state, detail */
	char hint[320];			/* the cause and the fix, for every non-PASS */
};

struct readiness {
	struct ready_check checks[READINESS_MAX];
	int n;
};

/* Runs the checks on the host f describes (the same root). */
void readiness_gather(const struct host_facts *f, struct readiness *r);

/* A check state as the readiness section shows it: "PASS", "WARN", ... */
const char *ready_state_name(enum check_state s);

void readiness_text(FILE *out, const struct readiness *r);

/* For the architectures' checks (lib/arch/ARCH/readiness.c). */
__attribute__((format(printf, 4, 5)))
struct ready_check *readiness_add(struct readiness *r, const char *name, enum check_state state, const char *fmt, ...);
__attribute__((format(printf, 2, 3)))
void readiness_hint(struct ready_check *c, const char *fmt, ...);
bool readiness_module_loaded(const struct sysroot *root, const char *name);

/* The architectures' own checks. */
void generic_readiness(const struct host_facts *f, struct readiness *r);
void readiness_json(FILE *out, const struct readiness *r);	/* an array */

#endif
