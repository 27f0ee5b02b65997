/* setting/nspawn.c - a systemd-nspawn container (machinectl) */
#include "advice.h"

static bool applies(const struct advice_context *ctx)
{
	return ctx->setting.runtime == RUNTIME_NSPAWN;
}

static int advise_nspawn(const struct advice_request *q, struct advice *out)
{
	if (q->situation == SITUATION_DENIED_BY_MODE)
		return advice_join_group_inside(q, out, "systemd-nspawn");
	if (q->situation != SITUATION_NODE_MISSING && q->situation != SITUATION_DENIED_BY_POLICY)
		return 0;
	return advice_add(out, "This systemd-nspawn container %s /dev/kvm: start it with systemd-nspawn --bind=/dev/kvm, "
			  "and where systemd runs the host --property=DeviceAllow='/dev/kvm rw' too (without systemd as "
			  "PID 1: --bind=/dev/kvm --register=no --keep-unit).",
			  q->situation == SITUATION_NODE_MISSING ? "was not given" : "is refused (EPERM) by its device policy for") +
	       advice_add(out, "With machinectl: Bind=/dev/kvm in /etc/systemd/nspawn/NAME.nspawn and "
			  "systemctl set-property systemd-nspawn@NAME DeviceAllow='/dev/kvm rw'.");
}

const struct setting_advice setting_nspawn = { "nspawn", applies, advise_nspawn };
