/* advice.c - asks the settings that apply, most specific first */
#include "advice.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct setting_advice *const settings[] = {
	&setting_kubernetes, &setting_podman, &setting_docker, &setting_lxc, &setting_nspawn, &setting_container,
	&setting_wsl, &setting_ci_runner, &setting_cloud, &setting_vm, &setting_plain_host,
};

int advice_add(struct advice *out, const char *fmt, ...)
{
	va_list ap;

	if (out->n == ADVICE_LINES)
		return 0;
	va_start(ap, fmt);
	vsnprintf(out->line[out->n++], ADVICE_LINE_MAX, fmt, ap);
	va_end(ap);
	return 1;
}

const char *advice_device(const struct advice_request *q)
{
	return q->device ? q->device : "/dev/kvm";
}

const char *advice_module(const struct advice_request *q)
{
	if (q->module)
		return q->module;
	return q->f->vendor_module.name ? q->f->vendor_module.name : "kvm_intel or kvm_amd";
}

const struct kvm_node *advice_node(const struct advice_request *q)
{
	return q->node ? q->node : &q->f->node;
}

bool advice_group_named(const struct kvm_node *n)
{
	return n->group[0] && n->group[strspn(n->group, "0123456789")] != '\0';
}

bool advice_overflow_ids(const struct kvm_node *n)
{
	return n->uid == 65534 || n->gid == 65534 || strcmp(n->owner, "nobody") == 0 ||
	       strcmp(n->group, "nogroup") == 0;
}

void advise(const struct advice_request *q, struct advice *out)
{
	out->n = 0;
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (settings[i]->applies(q->f) && settings[i]->advise(q, out) > 0)
			return;
}
