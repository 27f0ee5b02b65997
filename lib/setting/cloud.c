/* setting/cloud.c - a cloud provider's virtual machine: a customer has no
 * outer host, so the fix is the provider's (an instance type, a switch at
 * creation, a size, or bare metal), never the outer-host recipe
 *
 * The facts below are as the providers published them in 2026 (kvm-ok(1),
 * CLOUD VMS, has the same table with its date); update both together.
 */
#include "advice.h"

#include <string.h>

#define AS_OF "2026"

static bool applies(const struct advice_context *ctx)
{
	const struct cloud *c = &ctx->setting.cloud;

	return c->provider != CLOUD_NONE && !c->bare_metal && ctx->virtual_machine;
}

/* Providers that document no nested virtualization for their VMs, and the
 * bare-metal offering that runs KVM where they have one. */
static const struct {
	enum cloud_provider provider;
	const char *bare_metal;
} undocumented[] = {
	{ CLOUD_ORACLE, "a bare metal shape (BM.*)" },
	{ CLOUD_ALIBABA, "an ECS Bare Metal Instance (ebm*)" },
	{ CLOUD_HETZNER, "a dedicated root server" },
	{ CLOUD_VULTR, "Vultr Bare Metal" },
	{ CLOUD_SCALEWAY, "Elastic Metal" },
	{ CLOUD_DIGITALOCEAN, NULL },
	{ CLOUD_LINODE, NULL },
	{ CLOUD_UPCLOUD, NULL },
	{ CLOUD_EXOSCALE, NULL },
};

/* EC2's instance families with nested virtualization (Intel, since 2026-02). */
static bool aws_nested_family(const char *type)
{
	static const char *const families[] = { "c8i", "m8i", "r8i", "c8i-flex", "m8i-flex", "r8i-flex" };
	size_t len = strcspn(type, ".");

	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strlen(families[i]) == len && strncmp(type, families[i], len) == 0)
			return true;
	return false;
}

static int aws(const struct advice_context *ctx, struct advice *out)
{
	const char *type = ctx->setting.cloud.instance_type;

	if (ctx->arch == HOST_ARCH_ARM64)
		return advice_add(out, "This is an EC2 Graviton (arm64) virtual instance%s%s%s: EC2 gives arm64 KVM only on bare "
				  "metal: move to a Graviton *.metal type.", type[0] ? " (" : "", type, type[0] ? ")" : "");
	if (type[0] && aws_nested_family(type))
		return advice_add(out, "This EC2 instance (%s) can have nested virtualization (C8i, M8i, R8i and their flex "
				  "variants, since 2026-02): stop it, run aws ec2 modify-instance-cpu-options --instance-id ID "
				  "--nested-virtualization enabled, start it (at launch: --cpu-options NestedVirtualization=enabled).",
				  type);
	return advice_add(out, "This EC2 instance type%s%s%s has no nested virtualization: move to c8i, m8i or r8i (then, "
			  "stopped: aws ec2 modify-instance-cpu-options --instance-id ID --nested-virtualization enabled), "
			  "or to a *.metal type.", type[0] ? " (" : "", type, type[0] ? ")" : "");
}

static int advise_cloud(const struct advice_request *q, struct advice *out)
{
	enum cloud_provider p = q->ctx->setting.cloud.provider;
	const char *name = cloud_name(p);

	if (q->situation != SITUATION_NO_VT)
		return 0;
	switch (p) {
	case CLOUD_AWS:
		return aws(q->ctx, out);
	case CLOUD_GCE:
		return advice_add(out, "This Google Compute Engine VM lacks nested virtualization, set at creation on an "
				  "Intel machine type (not E2, N2D, AMD, Arm): gcloud compute instances create NAME "
				  "--enable-nested-virtualization (API: advancedMachineFeatures.enableNestedVirtualization), "
				  "unless the policy compute.disableNestedVirtualization forbids it.");
	case CLOUD_AZURE:
		return advice_add(out, "This Azure VM's size has no nested virtualization, and there is nothing to switch on: "
				  "resize it to a size whose documentation says \"Nested Virtualization: Supported\" (e.g. Dv4, "
				  "Dsv5, Dsv6, Eas_v5; not the B-series, not the arm64 Dpsv6).");
	case CLOUD_OPENSTACK:
		return advice_add(out, "This is an OpenStack VM: nesting is the cloud operator's to enable: nested=1 for "
				  "kvm_intel or kvm_amd on the compute nodes and cpu_mode = host-passthrough in nova.conf's "
				  "[libvirt] section (or a flavor whose CPU passes VT through); ask the operator.");
	default:
		break;
	}
	for (size_t i = 0; i < sizeof(undocumented) / sizeof(undocumented[0]); i++)
		if (undocumented[i].provider == p)
			return advice_add(out, "%s documents no nested virtualization for its VMs (as of %s): KVM needs a "
					  "bare-metal server%s%s.", name, AS_OF, undocumented[i].bare_metal ? ": " : "",
					  undocumented[i].bare_metal ? undocumented[i].bare_metal : "");
	return 0;
}

const struct setting_advice setting_cloud = { "cloud", applies, advise_cloud };
