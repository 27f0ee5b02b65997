/* modload.h - what modload's files share: exit statuses, options, messages */
#ifndef MODLOAD_H
#define MODLOAD_H

#include <stdbool.h>
#include <stdio.h>

#include "kvm_device.h"
#include "module_load.h"
#include "sysroot.h"

#ifndef KVMHOST_VERSION
#define KVMHOST_VERSION "unknown"
#endif

/* modload(8)'s exit statuses */
enum {
	EXIT_LOADED = 0,
	EXIT_NOT_LOADED = 1,
	EXIT_USAGE = 2,
	EXIT_STATUS_NOT_LOADED = 3,	/* LSB: "program is not running" */
	EXIT_NOT_POSSIBLE = 4,		/* the CPU or firmware cannot run KVM here */
};

enum action { ACTION_LOAD, ACTION_UNLOAD, ACTION_STATUS };

struct options {
	enum action action;
	bool dry_run, nested, msr, quiet, json;
	const char *sysroot, *moddir;
};

/* -q: say() prints nothing; complain() always does */
extern bool quiet;

__attribute__((format(printf, 1, 2)))
void say(const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void complain(const char *fmt, ...);

/* options.c: 0, or -1 after saying what is wrong (-h and -V exit) */
int parse_options(int argc, char **argv, struct options *o);

/* explain.c: why a load failed, from the kernel's answer, kvm-ok's
 * findings and the kernel log; EXIT_NOT_POSSIBLE when the CPU or firmware
 * cannot run KVM, else EXIT_NOT_LOADED. */
int explain_failure(const struct sysroot *root, const char *release, const char *vendor_mod,
		    const struct load_result *r, const char *tree);

/* explain.c: "AMD-V (SVM)" or "Intel VT-x (VMX)" for a vendor module */
const char *vt_words(const char *module);

/* explain.c: kvm-ok's diagnosis without the probe; true when the CPU or
 * the firmware cannot run KVM. */
struct diagnosis;
bool kvm_ok_finds_cause(const struct sysroot *root, struct diagnosis *d);
void print_findings(const struct diagnosis *d, bool cause, bool cause_known);

/* status.c: --status for the vendor module mod; the exit status. */
int do_status(const struct options *o, const struct sysroot *root, const char *mod);

/* status.c: --status where KVM is built into the kernel. */
struct module_info;
int built_in_status(const struct options *o, const struct module_info *kvm, const struct kvm_node *node,
		    bool device, int open_error);

/* status.c: whether the caller may open the device read-write: 0, or the
 * errno (a snapshot's device answers as its record says). */
int device_open_error(const struct sysroot *root, const struct kvm_node *node);

#endif
