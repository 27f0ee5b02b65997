/* setting/ci_runner.c - a CI runner (GitHub Actions and the like): a job
 * cannot log in again to join group kvm, so a udev rule opens the device */
#include "advice.h"

static bool applies(const struct advice_context *ctx)
{
	return ctx->setting.ci != CI_NONE;
}

static int advise_ci_runner(const struct advice_request *q, struct advice *out)
{
	const struct kvm_node *n = advice_node(q);

	if (q->situation != SITUATION_DENIED_BY_MODE || n->readwrite_by_mode)
		return 0;
	return advice_add(out, "%s: a job cannot log in again to join group %s, so let the runner's user open /dev/kvm with a "
			  "udev rule, in a step before the emulator: echo 'KERNEL==\"kvm\", GROUP=\"kvm\", MODE=\"0666\", "
			  "OPTIONS+=\"static_node=kvm\"' | sudo tee /etc/udev/rules.d/99-kvm4all.rules",
			  setting_ci_name(q->ctx->setting.ci), n->group) +
	       advice_add(out, "then: sudo udevadm control --reload-rules && sudo udevadm trigger --name-match=kvm "
			  "(or for this job's user only: sudo setfacl -m u:%s:rw /dev/kvm)", n->user);
}

const struct setting_advice setting_ci_runner = { "ci-runner", applies, advise_ci_runner };
