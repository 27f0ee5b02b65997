/* setting/lxc.c - LXC, LXD/Incus and Proxmox containers: the container's
 * configuration on the host allows the device and bind-mounts it */
#include "advice.h"

static bool applies(const struct advice_context *ctx)
{
	return ctx->setting.runtime == RUNTIME_LXC;
}

/* The device rule in the key of the host's devices controller; both where
 * it is not known (LXC applies the one the host has, as its common.conf). */
static const char *allow_line(enum device_cgroup c)
{
	switch (c) {
	case DEVICE_CGROUP_V1:
		return "lxc.cgroup.devices.allow = c 10:232 rwm (this host's devices controller is cgroup v1)";
	case DEVICE_CGROUP_V2:
		return "lxc.cgroup2.devices.allow = c 10:232 rwm";
	case DEVICE_CGROUP_UNKNOWN:
		break;
	}
	return "lxc.cgroup.devices.allow = c 10:232 rwm, lxc.cgroup2.devices.allow = c 10:232 rwm (the one "
	       "of the host's cgroup version applies)";
}

static int advise_lxc(const struct advice_request *q, struct advice *out)
{
	const struct kvm_node *n = advice_node(q);

	switch (q->situation) {
	case SITUATION_NODE_MISSING:
	case SITUATION_DENIED_BY_POLICY:
		return advice_add(out, "%s: on the host, in /var/lib/lxc/NAME/config add %s and "
				  "lxc.mount.entry = /dev/kvm dev/kvm none bind,optional,create=file, then restart it.",
				  q->situation == SITUATION_NODE_MISSING ? "This LXC container was not given /dev/kvm"
				  : "This LXC container's device cgroup refuses /dev/kvm (EPERM, even for root)",
				  allow_line(q->ctx->setting.device_cgroup)) +
		       advice_add(out, "Proxmox: the same keys written key: value in /etc/pve/lxc/ID.conf, or on VE 8.1 or "
				  "later pct set ID --dev0 /dev/kvm (unprivileged: --dev0 /dev/kvm,gid=GID,mode=0660, GID the "
				  "kvm group inside). Do not mknod it inside the container.");
	case SITUATION_DENIED_BY_MODE:
		if (!advice_overflow_ids(n))
			return advice_join_group_inside(q, out, "LXC");
		return advice_add(out, "This unprivileged LXC container sees %s as %s:%s (host IDs outside its map): on Proxmox "
				  "VE 8.1 or later pass it with an owner inside the container: pct set ID --dev0 /dev/kvm,gid=GID,mode=0660 "
				  "(GID: the kvm group in the container), then adduser USER kvm inside.", advice_device(q),
				  n->owner, n->group);
	default:
		return 0;
	}
}

const struct setting_advice setting_lxc = { "lxc", applies, advise_lxc };
