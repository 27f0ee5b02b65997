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
	return q->ctx->vendor_module ? q->ctx->vendor_module : "kvm_intel or kvm_amd";
}

const struct kvm_node *advice_node(const struct advice_request *q)
{
	return q->node ? q->node : &q->ctx->node;
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
		if (settings[i]->applies(q->ctx) && settings[i]->advise(q, out) > 0)
			return;
}

void advice_context_from_facts(const struct host_facts *f, struct advice_context *c)
{
	memset(c, 0, sizeof(*c));
	c->arch = f->arch;
	c->virtual_machine = host_is_virtual_machine(f);
	c->setting = f->setting;
	c->kernel = f->kernel;
	c->node = f->node;
	c->vendor_module = f->vendor_module.name;
	c->vendor_availability = f->vendor_availability;
	snprintf(c->module_tree, sizeof(c->module_tree), "%s", f->module_tree);
	c->vt_kind = f->cpu.vt_kind;
	c->hypervisor_leaf_known = f->cpu.hypervisor_leaf_known;
	snprintf(c->hypervisor_signature, sizeof(c->hypervisor_signature), "%s", f->cpu.hypervisor_signature);
}

void advice_context_read(const struct sysroot *root, struct advice_context *c)
{
	char arch[32];

	memset(c, 0, sizeof(*c));
	c->arch = host_arch_read(root, arch, sizeof(arch));
	kernel_release_read(root, &c->kernel);
	setting_detect(root, &c->kernel, &c->setting);
	kvm_node_inspect(root, &c->node);
}
