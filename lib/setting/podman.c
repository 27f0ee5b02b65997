/* setting/podman.c - a Podman container, rootful or rootless */
#include "advice.h"

static bool applies(const struct advice_context *ctx)
{
	return ctx->setting.runtime == RUNTIME_PODMAN;
}

static int advise_podman(const struct advice_request *q, struct advice *out)
{
	const struct kvm_node *n = advice_node(q);
	const char *dev = advice_device(q);
	bool rootless = q->ctx->setting.rootless;

	switch (q->situation) {
	case SITUATION_NODE_MISSING:
	case SITUATION_DENIED_BY_POLICY:
		return advice_add(out, "This Podman container was not given %s%s: start it with podman run --device %s%s.",
				  dev, q->situation == SITUATION_DENIED_BY_POLICY ? " (its device cgroup refuses it: EPERM, "
				  "even for root; chmod cannot help)" : "", dev,
				  rootless ? " --group-add keep-groups --runtime crun IMAGE (rootless: your host user in group kvm; "
				  "keep-groups needs crun)" : " IMAGE");
	case SITUATION_DENIED_BY_MODE:
		if (!rootless && !advice_overflow_ids(n))
			return 0;
		return advice_add(out, "This rootless Podman container sees %s as %s:%s (host IDs outside its user namespace); "
				  "its root is not root on the host. Put your host user in group kvm (adduser USER kvm on the host), "
				  "then: podman run --device %s --group-add keep-groups --runtime crun IMAGE (runc ignores keep-groups)",
				  dev, n->owner, n->group, dev);
	default:
		return 0;
	}
}

const struct setting_advice setting_podman = { "podman", applies, advise_podman };
