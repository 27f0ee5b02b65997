/* setting/plain_host.c - a host of its own (bare metal, or a VM's operating
 * system): the answer when no more specific setting has one */
#include "advice.h"

#include <errno.h>

static bool applies(const struct advice_context *ctx)
{
	(void)ctx;
	return true;
}

static int load_module(const struct advice_request *q, struct advice *out)
{
	const struct advice_context *ctx = q->ctx;
	const char *mod = advice_module(q);

	switch (ctx->vendor_availability) {
	case MODULE_AVAIL_MISSING:
		return advice_add(out, "%s is not installed for kernel %s (%s): install the matching kernel package "
				  "(linux-image-%s) or boot a kernel that has it.",
				  mod, ctx->kernel.release, ctx->module_tree, ctx->kernel.release);
	case MODULE_AVAIL_UNKNOWN:
		return advice_add(out, "Load the module as root: modload (this toolkit) or modprobe %s. "
				  "Note: no module tree for kernel %s was found (%s/modules.dep is missing).",
				  mod, ctx->kernel.known ? ctx->kernel.release : "?",
				  ctx->module_tree[0] ? ctx->module_tree : "/lib/modules/RELEASE");
	case MODULE_AVAIL_BUILTIN:
		return advice_add(out, "%s is built into kernel %s, so it cannot be loaded: it failed to start at boot. "
				  "Look for its messages: dmesg | grep -i kvm", mod, ctx->kernel.release);
	case MODULE_AVAIL_FILE:
		break;
	}
	return advice_add(out, "Load the module as root: modload (this toolkit) or modprobe %s", mod);
}

static int node_missing(const struct advice_request *q, struct advice *out)
{
	if (q->ctx->setting.dev == DEV_MOUNT_NONE)
		return advice_add(out, "/dev is not a mount of its own here (a chroot, or an initramfs that did not mount it): "
				  "mount -t devtmpfs devtmpfs /dev (for a chroot: mount --bind /dev CHROOT/dev), "
				  "or as root: mknod -m 0660 /dev/kvm c 10 232 && chgrp kvm /dev/kvm");
	return advice_add(out, "/dev/kvm should be created by devtmpfs and udev: check that devtmpfs is mounted on /dev, "
			  "run udevadm trigger --subsystem-match=misc, or as root: mknod -m 0660 /dev/kvm c 10 232 && chgrp kvm /dev/kvm");
}

static int denied_by_mode(const struct advice_request *q, struct advice *out)
{
	const struct kvm_node *n = advice_node(q);
	const char *dev = advice_device(q);

	if (n->readwrite_by_mode)
		return advice_add(out, "The mode of %s (%s:%s %04o) lets %s open it, yet the open was refused (EACCES): "
				  "/dev is mounted nodev, or a security module (AppArmor, SELinux) denies it; "
				  "look for the denial: journalctl -k | grep -i -e apparmor -e avc",
				  dev, n->owner, n->group, (unsigned int)n->mode, n->user);
	if (n->in_group && !(n->mode & 060))
		return advice_add(out, "%s is group %s but the group may not open it (mode %04o): as root, chmod 0660 %s "
				  "(Debian's udev rule sets group kvm, mode 0660).", dev, n->group, (unsigned int)n->mode, dev);
	/* a group without a name (its ID only) cannot be joined with adduser:
	 * the device gets group kvm, as Debian's udev rule gives it */
	if (n->gid != 0 && (n->mode & 060) == 060 && advice_group_named(n))
		return advice_add(out, "Add the user to group %s: adduser %s %s, then log out and in again.",
				  n->group, n->user, n->group);
	return advice_add(out, "%s is %s:%s mode %04o: as root, chgrp kvm %s && chmod 0660 %s "
			  "(Debian's udev rule does this at boot), then adduser %s kvm and log in again.",
			  dev, n->owner, n->group, (unsigned int)n->mode, dev, dev, n->user);
}

static int aux_missing(const struct advice_request *q, struct advice *out)
{
	return advice_add(out, "Load the module that provides it: modprobe %s%s", advice_module(q),
			  q->module_loaded ? " (it is loaded: check devtmpfs and udev)" : "");
}

static int advise_host(const struct advice_request *q, struct advice *out)
{
	switch (q->situation) {
	case SITUATION_NO_VT:
		return advice_add(out, "KVM needs a CPU with Intel VT-x or AMD-V; this one has none.");
	case SITUATION_MODULE_NOT_LOADED:
		return load_module(q, out);
	case SITUATION_NODE_MISSING:
		return node_missing(q, out);
	case SITUATION_DENIED_BY_MODE:
		return denied_by_mode(q, out);
	case SITUATION_DENIED_BY_POLICY:
		return advice_add(out, "The kernel refused %s with EPERM, which the file mode never gives: a device cgroup "
				  "(for a systemd service: DeviceAllow=%s rw, and no PrivateDevices=yes), a seccomp filter "
				  "or a security module forbids it to this process. Allow the device there, or run outside that sandbox.",
				  advice_device(q), advice_device(q));
	case SITUATION_AUX_MISSING:
		return aux_missing(q, out);
	case SITUATION_FIRMWARE_UNREAD:
		return advice_add(out, "To see whether the firmware allows %s, load the msr module (modprobe msr) and run kvm-ok again.",
				  cpu_vt_name(q->ctx->vt_kind));
	case SITUATION_CANNOT_LOAD:
		return advice_add(out, "Load it as root: modload (this toolkit) or modprobe %s", advice_module(q));
	}
	return 0;
}

const struct setting_advice setting_plain_host = { "host", applies, advise_host };
