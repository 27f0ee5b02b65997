/* fleet.h - kvm-ok's verdict in the formats fleet tooling reads */
#ifndef KVMHOST_FLEET_H
#define KVMHOST_FLEET_H

#include <stdio.h>

#include "host.h"
#include "verdict.h"

/* Prometheus text exposition format, for node_exporter's textfile
 * collector: kvm_ok_usable, kvm_ok_reason{reason=...},
 * kvm_ok_guest_speed_ratio, kvm_ok_info{...}. */
void fleet_prometheus(FILE *out, const struct host_facts *f, const struct diagnosis *d, const char *version);

/* Kubernetes node-feature-discovery local source: feature.node.kubernetes.io/
 * kvm-ok.*=value lines. */
void fleet_nfd(FILE *out, const struct host_facts *f, const struct diagnosis *d);

#endif
