/* module_deps.h - the module index's dependency graph, checked for cycles
 *
 * depmod writes no cyclic index, but a damaged or hostile one (a host
 * image from a bug report, a hand-edited tree) can hold one.  libkmod
 * then plans a module before its dependencies and again after them.  So
 * the graph reachable from the module asked for is walked first, through
 * libkmod's own dependency lists, and a plan is made only without a cycle.
 * (In a cycle, libkmod's module objects hold each other until the process
 * exits: libkmod frees none of them.)
 */
#ifndef KVMHOST_MODULE_DEPS_H
#define KVMHOST_MODULE_DEPS_H

#include <stddef.h>

struct kmod_module;

/* Modules walked at most (a KVM module needs 2 to 5). */
#define MODULE_DEPS_MAX 64

/* Whether a dependency cycle is reachable from mod: 1 with the cycle in
 * out ("kvm_amd -> kvm -> kvm_amd"), else 0. */
int module_deps_cycle(struct kmod_module *mod, char *out, size_t size);

#endif
