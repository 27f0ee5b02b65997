/* cloud.c - the cloud provider from DMI */
#include "cloud.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define AZURE_ASSET_TAG "7783-7084-3265-9085-8269-3286-77"
#define ORACLE_ASSET_TAG "OracleCloud.com"

enum dmi_key { SYS_VENDOR, PRODUCT_NAME, BIOS_VENDOR, BIOS_VERSION, CHASSIS_ASSET_TAG, BOARD_ASSET_TAG, DMI_KEYS };

static const char *const dmi_files[DMI_KEYS] = {
	"sys_vendor", "product_name", "bios_vendor", "bios_version", "chassis_asset_tag", "board_asset_tag",
};

/* How a provider shows in DMI: the field, and its whole value or, with
 * prefix set, its start. */
static const struct {
	enum cloud_provider provider;
	enum dmi_key key;
	const char *value;
	bool prefix;
} rules[] = {
	{ CLOUD_AWS, SYS_VENDOR, "Amazon EC2", false },
	{ CLOUD_AWS, BIOS_VENDOR, "Amazon EC2", false },
	{ CLOUD_GCE, PRODUCT_NAME, "Google Compute Engine", false },
	{ CLOUD_GCE, SYS_VENDOR, "Google", false },
	{ CLOUD_GCE, BIOS_VENDOR, "Google", false },
	{ CLOUD_AZURE, CHASSIS_ASSET_TAG, AZURE_ASSET_TAG, false },
	{ CLOUD_ORACLE, CHASSIS_ASSET_TAG, ORACLE_ASSET_TAG, false },
	{ CLOUD_ALIBABA, PRODUCT_NAME, "Alibaba Cloud ECS", false },
	{ CLOUD_ALIBABA, SYS_VENDOR, "Alibaba Cloud", false },
	{ CLOUD_DIGITALOCEAN, SYS_VENDOR, "DigitalOcean", false },
	{ CLOUD_HETZNER, SYS_VENDOR, "Hetzner", false },
	{ CLOUD_LINODE, SYS_VENDOR, "Linode", false },
	{ CLOUD_LINODE, SYS_VENDOR, "Akamai", false },
	{ CLOUD_VULTR, SYS_VENDOR, "Vultr", false },
	{ CLOUD_UPCLOUD, SYS_VENDOR, "UpCloud", false },
	{ CLOUD_EXOSCALE, PRODUCT_NAME, "Exoscale", true },
	{ CLOUD_SCALEWAY, SYS_VENDOR, "Scaleway", false },
	{ CLOUD_OPENSTACK, PRODUCT_NAME, "OpenStack Nova", false },
	{ CLOUD_OPENSTACK, PRODUCT_NAME, "OpenStack Compute", false },
};

/* The DMI vendors of hypervisor products as they come out of the box. */
static const char *const local_vendors[] = {
	"QEMU", "innotek GmbH", "Oracle Corporation", "VMware, Inc.", "Parallels Software International Inc.",
	"Parallels International GmbH.", "Xen", "Bochs",
};

static const char *const names[CLOUD_PROVIDERS] = {
	[CLOUD_AWS] = "Amazon EC2", [CLOUD_GCE] = "Google Compute Engine", [CLOUD_AZURE] = "Microsoft Azure",
	[CLOUD_ORACLE] = "Oracle Cloud", [CLOUD_ALIBABA] = "Alibaba Cloud", [CLOUD_DIGITALOCEAN] = "DigitalOcean",
	[CLOUD_HETZNER] = "Hetzner Cloud", [CLOUD_LINODE] = "Akamai (Linode)", [CLOUD_VULTR] = "Vultr",
	[CLOUD_UPCLOUD] = "UpCloud", [CLOUD_EXOSCALE] = "Exoscale", [CLOUD_SCALEWAY] = "Scaleway",
	[CLOUD_OPENSTACK] = "an OpenStack cloud",
};

static const char *const codes[CLOUD_PROVIDERS] = {
	[CLOUD_AWS] = "aws", [CLOUD_GCE] = "gce", [CLOUD_AZURE] = "azure", [CLOUD_ORACLE] = "oracle",
	[CLOUD_ALIBABA] = "alibaba", [CLOUD_DIGITALOCEAN] = "digitalocean", [CLOUD_HETZNER] = "hetzner",
	[CLOUD_LINODE] = "linode", [CLOUD_VULTR] = "vultr", [CLOUD_UPCLOUD] = "upcloud", [CLOUD_EXOSCALE] = "exoscale",
	[CLOUD_SCALEWAY] = "scaleway", [CLOUD_OPENSTACK] = "openstack",
};

const char *cloud_name(enum cloud_provider p)
{
	return p > CLOUD_NONE && p < CLOUD_PROVIDERS ? names[p] : NULL;
}

const char *cloud_code(enum cloud_provider p)
{
	return p > CLOUD_NONE && p < CLOUD_PROVIDERS ? codes[p] : NULL;
}

bool cloud_asset_tag_known(const char *tag)
{
	return strcmp(tag, AZURE_ASSET_TAG) == 0 || strcmp(tag, ORACLE_ASSET_TAG) == 0;
}

/* An instance type as AWS names them ("m7i.large", "c8i-flex.2xlarge",
 * "m7i.metal-24xl"): letters, digits, '.', '-' only, else none (a snapshot's
 * DMI is not trusted to be one). */
static void instance_type(const char *product, struct cloud *c)
{
	size_t len = strlen(product);

	if (len == 0 || len >= sizeof(c->instance_type) || strspn(product,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != len || !strchr(product, '.'))
		return;
	memcpy(c->instance_type, product, len + 1);
	c->bare_metal = strstr(product, ".metal") != NULL;
}

/* Older AWS instances run on Xen: its UUID starts with "ec2", the BIOS
 * version ends in ".amazon". */
static bool aws_xen(const struct sysroot *root, const char *bios_version)
{
	char uuid[64];
	size_t len = strlen(bios_version);

	if (len > 7 && strcasecmp(bios_version + len - 7, ".amazon") == 0)
		return true;
	return sysroot_read_text(root, CLOUD_XEN_UUID, uuid, sizeof(uuid)) >= 3 && strncasecmp(uuid, "ec2", 3) == 0;
}

void cloud_detect(const struct sysroot *root, struct cloud *c)
{
	char dmi[DMI_KEYS][128];

	memset(c, 0, sizeof(*c));
	for (int k = 0; k < DMI_KEYS; k++)
		if (sysroot_readf_text(root, dmi[k], sizeof(dmi[k]), "%s/%s", CLOUD_DMI_DIR, dmi_files[k]) < 0)
			dmi[k][0] = '\0';
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]) && !c->provider; i++) {
		const char *v = dmi[rules[i].key];

		if (rules[i].prefix ? strncmp(v, rules[i].value, strlen(rules[i].value)) == 0
				    : strcmp(v, rules[i].value) == 0) {
			c->provider = rules[i].provider;
			snprintf(c->evidence, sizeof(c->evidence), "DMI %s %s", dmi_files[rules[i].key], rules[i].value);
		}
	}
	if (!c->provider && aws_xen(root, dmi[BIOS_VERSION])) {
		c->provider = CLOUD_AWS;
		snprintf(c->evidence, sizeof(c->evidence), "Xen's UUID or BIOS version of EC2");
	}
	if (c->provider) {
		c->owner = VM_OWNER_CLOUD;
		if (c->provider == CLOUD_AWS)
			instance_type(dmi[PRODUCT_NAME], c);
		return;
	}
	for (size_t i = 0; i < sizeof(local_vendors) / sizeof(local_vendors[0]); i++)
		if (strcmp(dmi[SYS_VENDOR], local_vendors[i]) == 0)
			c->owner = VM_OWNER_LOCAL;
	/* Hyper-V on a desktop or server of the user's (Azure's asset tag
	 * would have named Azure above) */
	if (strcmp(dmi[SYS_VENDOR], "Microsoft Corporation") == 0 && strcmp(dmi[PRODUCT_NAME], "Virtual Machine") == 0)
		c->owner = VM_OWNER_LOCAL;
}
