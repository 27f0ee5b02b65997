/* setting/docker.c - a Docker container (also compose) */
#include "advice.h"

static bool applies(const struct advice_context *ctx)
{
	return ctx->setting.runtime == RUNTIME_DOCKER;
}

static int advise_docker(const struct advice_request *q, struct advice *out)
{
	const char *dev = advice_device(q);

	switch (q->situation) {
	case SITUATION_NODE_MISSING:
		return advice_add(out, "This is a Docker container and %s was not passed in (the host's kernel has the device): "
				  "start it with docker run --device %s IMAGE, or in compose: devices: [\"%s:%s\"]. "
				  "Do not mknod it here: the device cgroup would still refuse it.", dev, dev, dev, dev);
	case SITUATION_DENIED_BY_POLICY:
		return advice_add(out, "Docker's device cgroup refuses %s (EPERM, even for root; chmod cannot help, and a bind "
				  "mount -v %s:%s alone is not enough): start the container with --device %s, or keep the "
				  "bind mount and add --device-cgroup-rule='c 10:232 rwm'.", dev, dev, dev, dev);
	default:
		return 0;	/* the generic container's answer */
	}
}

const struct setting_advice setting_docker = { "docker", applies, advise_docker };
