/* setting/kubernetes.c - a Kubernetes pod: a device plugin or a privileged
 * pod gives the device; the node loads the module */
#include "advice.h"

static bool applies(const struct advice_context *ctx)
{
	return ctx->setting.runtime == RUNTIME_KUBERNETES;
}

static int advise_kubernetes(const struct advice_request *q, struct advice *out)
{
	switch (q->situation) {
	case SITUATION_NODE_MISSING:
	case SITUATION_DENIED_BY_POLICY:
		return advice_add(out, "This Kubernetes pod %s /dev/kvm: request it from a KVM device plugin (KubeVirt's: "
				  "resources: limits: devices.kubevirt.io/kvm: \"1\") or run the container privileged "
				  "(securityContext: privileged: true). A hostPath volume of /dev/kvm alone is still refused "
				  "(EPERM) by the pod's device cgroup.",
				  q->situation == SITUATION_NODE_MISSING ? "was not given" : "is refused (EPERM) by its device cgroup for");
	case SITUATION_MODULE_NOT_LOADED:
		return advice_add(out, "The node's kernel has no KVM device, and a pod cannot load modules: load it on the node "
				  "(modprobe %s, or modload from a privileged DaemonSet), then schedule the pod on nodes labelled "
				  "feature.node.kubernetes.io/kvm-ok.usable=true.", advice_module(q));
	default:
		return 0;
	}
}

const struct setting_advice setting_kubernetes = { "kubernetes", applies, advise_kubernetes };
