/* setting/wsl.c - WSL2: nesting is set in Windows' .wslconfig, and
 * without systemd no udev sets /dev/kvm's group and mode */
#include "advice.h"

static bool applies(const struct advice_context *ctx)
{
	return ctx->setting.wsl2;
}

static int advise_wsl(const struct advice_request *q, struct advice *out)
{
	const struct kvm_node *n = advice_node(q);

	switch (q->situation) {
	case SITUATION_NO_VT:
		return advice_add(out, "This is WSL2 without nested virtualization: in %%UserProfile%%\\.wslconfig on Windows "
				  "set nestedVirtualization=true under [wsl2], then run wsl --shutdown and start WSL again "
				  "(Set-VMProcessor does not reach WSL's VM).");
	case SITUATION_DENIED_BY_MODE:
		if (q->ctx->setting.systemd)
			return 0;
		return advice_add(out, "WSL2 without systemd runs no udev, so /dev/kvm stays %s:%s %04o and a chmod is lost at "
				  "the next start: set systemd=true under [boot] in /etc/wsl.conf, run wsl --shutdown, then "
				  "adduser %s kvm (Debian's udev rule gives /dev/kvm group kvm, mode 0660).",
				  n->owner, n->group, (unsigned int)n->mode, n->user);
	default:
		return 0;
	}
}

const struct setting_advice setting_wsl = { "wsl", applies, advise_wsl };
