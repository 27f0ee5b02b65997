/* advice.h - the hint that works in this setting, from the setting's own file
 *
 * verdict.c decides the reason; what to do about it depends on where kvm-ok
 * runs: on a host "chmod" and "mknod" work, in a container the runtime must
 * pass the device, in WSL2 the fix is on the Windows side.  Each setting
 * (lib/setting/NAME.c) answers the situations it knows; the first setting
 * that applies and answers gives the hints, the host's file answers last.
 */
#ifndef KVMHOST_ADVICE_H
#define KVMHOST_ADVICE_H

#include <stdbool.h>

#include "host.h"

enum situation {
	SITUATION_NO_VT,		/* the CPU shows no VMX/SVM (in a VM: nesting is off) */
	SITUATION_MODULE_NOT_LOADED,	/* the kernel has no KVM device: nothing loaded */
	SITUATION_NODE_MISSING,		/* the kernel has the KVM device, the node is not here */
	SITUATION_DENIED_BY_MODE,	/* EACCES: owner, group and mode */
	SITUATION_DENIED_BY_POLICY,	/* EPERM: a device cgroup, seccomp or a security module */
	SITUATION_AUX_MISSING,		/* another node QEMU uses (/dev/net/tun, /dev/vhost-net) is missing */
	SITUATION_FIRMWARE_UNREAD,	/* the firmware lock MSRs could not be read (no msr device) */
	SITUATION_CANNOT_LOAD,		/* modload: kernel modules cannot be loaded from here */
};

/* What a setting's advice may know: the few facts its hints name, taken
 * from a host's gathered facts (advice_context_from_facts) or read on
 * their own by a tool that gathers no more (advice_context_read). */
struct advice_context {
	enum host_arch arch;
	bool virtual_machine;			/* host_is_virtual_machine */
	struct setting setting;
	struct kernel_release kernel;
	struct kvm_node node;			/* /dev/kvm */
	const char *vendor_module;		/* "kvm_intel", "kvm_amd", or NULL */
	enum module_availability vendor_availability;
	char module_tree[512];			/* /lib/modules/RELEASE, or "" */
	enum cpu_vt_kind vt_kind;
	bool hypervisor_leaf_known;
	char hypervisor_signature[13];		/* "KVMKVMKVM", "Microsoft Hv", ... */
};

void advice_context_from_facts(const struct host_facts *f, struct advice_context *c);

/* The kernel release, the setting and /dev/kvm read from the host; the
 * CPU's and the vendor module's facts left unknown. */
void advice_context_read(const struct sysroot *root, struct advice_context *c);

struct advice_request {
	enum situation situation;
	const struct advice_context *ctx;
	const char *device;		/* the node: "/dev/kvm" (default), "/dev/net/tun", ... */
	const char *module;		/* the module behind it: "kvm_intel", "tun", ... */
	const struct kvm_node *node;	/* the node's owner, group and mode (default: ctx->node) */
	bool module_loaded;		/* SITUATION_AUX_MISSING: that module is loaded */
};

#define ADVICE_LINES 3
#define ADVICE_LINE_MAX 320

struct advice {
	char line[ADVICE_LINES][ADVICE_LINE_MAX];
	int n;
};

/* What one setting knows.  applies() says whether the host is in this
 * setting; advise() adds its hints for the situation and returns how many
 * (0: nothing specific, the next setting is asked). */
struct setting_advice {
	const char *name;
	bool (*applies)(const struct advice_context *ctx);
	int (*advise)(const struct advice_request *q, struct advice *out);
};

/* Fills out with the hints for the request (at least one for every
 * situation). */
void advise(const struct advice_request *q, struct advice *out);

/* For the settings' files: adds one formatted line; returns 1, or 0 when
 * out is full. */
__attribute__((format(printf, 2, 3)))
int advice_add(struct advice *out, const char *fmt, ...);

/* The device and module a request is about, with the defaults filled in. */
const char *advice_device(const struct advice_request *q);
const char *advice_module(const struct advice_request *q);
const struct kvm_node *advice_node(const struct advice_request *q);

/* Whether the node shows the overflow IDs (nobody/nogroup, 65534): the
 * host's owner is outside this user namespace's map. */
bool advice_overflow_ids(const struct kvm_node *n);

/* Whether the node's group has a name here (else it shows as its ID, and
 * no user can be added to it by name). */
bool advice_group_named(const struct kvm_node *n);

/* EACCES in a system container (LXC, systemd-nspawn) that keeps its own
 * /etc/group and shares the host's IDs: the user joins the device's group
 * inside it (lib/setting/container.c). */
int advice_join_group_inside(const struct advice_request *q, struct advice *out, const char *runtime);

/* The settings, in the order they are asked (lib/setting/). */
extern const struct setting_advice setting_kubernetes, setting_podman, setting_docker, setting_lxc,
	setting_nspawn, setting_container, setting_wsl, setting_ci_runner, setting_cloud, setting_vm, setting_plain_host;

#endif
