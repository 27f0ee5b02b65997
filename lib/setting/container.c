/* setting/container.c - any container: the device is the runtime's to pass
 * in, modules are the host's to load; never mknod or chmod inside */
#include "advice.h"

#include <stdio.h>

static bool applies(const struct advice_context *ctx)
{
	return ctx->setting.runtime != RUNTIME_NONE;
}

/* "c 10:232": the node's own numbers where known. */
static void device_rule(const struct advice_request *q, char *buf, size_t size)
{
	const struct kvm_node *n = advice_node(q);

	if (n->major)
		snprintf(buf, size, "c %u:%u rwm", n->major, n->minor);
	else
		snprintf(buf, size, "c 10:232 rwm");
}

static int denied_by_mode(const struct advice_request *q, struct advice *out)
{
	const struct kvm_node *n = advice_node(q);
	const char *dev = advice_device(q);

	if (q->ctx->setting.user_namespace && advice_overflow_ids(n))
		return advice_add(out, "In this user namespace (a rootless container) %s shows as %s:%s: its host owner is "
				  "outside the map, and root here is not root on the host. On the host give %s group kvm, mode 0660, "
				  "and your user group kvm; then start the container with --group-add keep-groups (podman, crun).",
				  dev, n->owner, n->group, dev);
	if ((n->mode & 060) != 060)
		return advice_add(out, "%s is %s:%s mode %04o inside the container and a chmod here is lost at restart: on the host "
				  "give it group kvm, mode 0660 (Debian's udev rule), then start the container with "
				  "--group-add $(getent group kvm | cut -d: -f3) (the group's ID on the host).",
				  dev, n->owner, n->group, (unsigned int)n->mode);
	return advice_add(out, "%s is group %s (ID %u), mode %04o, and %s is not a member inside the container: start the "
			  "container with --group-add %u, or run the guests as a member of that group.",
			  dev, n->group, (unsigned int)n->gid, (unsigned int)n->mode, n->user, (unsigned int)n->gid);
}

int advice_join_group_inside(const struct advice_request *q, struct advice *out, const char *runtime)
{
	const struct kvm_node *n = advice_node(q);

	if (advice_overflow_ids(n) || (n->mode & 060) != 060)
		return 0;	/* a user namespace's or a mode's answer: the generic one */
	if (advice_group_named(n))
		return advice_add(out, "%s is group %s (ID %u), mode %04o, and %s is not a member: this %s container keeps "
				  "its own /etc/group, so inside it, as root: usermod -aG %s %s, then log in again.",
				  advice_device(q), n->group, (unsigned int)n->gid, (unsigned int)n->mode, n->user, runtime,
				  n->group, n->user);
	return advice_add(out, "%s is group ID %u, mode %04o, which has no name in this %s container: inside it, as root: "
			  "groupadd -g %u kvm-host && usermod -aG kvm-host %s, then log in again.",
			  advice_device(q), (unsigned int)n->gid, (unsigned int)n->mode, runtime, (unsigned int)n->gid,
			  n->user);
}

static int advise_container(const struct advice_request *q, struct advice *out)
{
	const struct setting *s = &q->ctx->setting;
	const char *where = s->runtime == RUNTIME_GENERIC ? "a container" : setting_runtime_name(s->runtime);
	const char *dev = advice_device(q);
	char rule[32];

	switch (q->situation) {
	case SITUATION_NODE_MISSING:
		return advice_add(out, "This is %s%s: the host's kernel has the device but %s was not passed in. Start the "
				  "container with it: docker run --device %s, podman run --device %s, or your runtime's "
				  "equivalent. Do not mknod it here: the container's device cgroup would still refuse it.",
				  where, s->runtime == RUNTIME_GENERIC ? "" : " container", dev, dev, dev);
	case SITUATION_MODULE_NOT_LOADED:
		return advice_add(out, "The host's kernel has no KVM device, and a container cannot load modules: on the host, "
				  "as root, run modload (or modprobe %s), then start this container with --device /dev/kvm.",
				  advice_module(q));
	case SITUATION_DENIED_BY_POLICY:
		device_rule(q, rule, sizeof(rule));
		return advice_add(out, "%s is here but the container's device cgroup or seccomp profile refuses it (EPERM, even "
				  "for root; chmod cannot help): start the container with --device %s, or where the node is "
				  "bind-mounted allow it: --device-cgroup-rule='%s'.", dev, dev, rule);
	case SITUATION_DENIED_BY_MODE:
		return denied_by_mode(q, out);
	case SITUATION_AUX_MISSING:
		return advice_add(out, "Pass it into the container too: --device %s (docker, podman; Kubernetes: a device "
				  "plugin or a privileged pod). A container cannot load %s: that is the host's to do.",
				  dev, advice_module(q));
	case SITUATION_FIRMWARE_UNREAD:
		return advice_add(out, "A container cannot read the firmware's lock bits (no /dev/cpu/N/msr here): run kvm-ok "
				  "on the host to see whether the firmware allows %s.", cpu_vt_name(q->ctx->vt_kind));
	case SITUATION_CANNOT_LOAD:
		return advice_add(out, "Modules cannot be loaded from inside %s: they belong to the host's kernel. On the "
				  "host, as root: modload (or modprobe %s), then pass /dev/kvm to the container (--device /dev/kvm).",
				  where, advice_module(q));
	case SITUATION_NO_VT:
		break;
	}
	return 0;
}

const struct setting_advice setting_container = { "container", applies, advise_container };
