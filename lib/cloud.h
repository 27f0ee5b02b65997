/* cloud.h - which cloud provider's machine this is, from its DMI strings
 *
 * Read as cloud-init's ds-identify and systemd's virt.c read them: the
 * DMI identity in /sys/class/dmi/id (sys_vendor, product_name,
 * bios_vendor, bios_version, chassis_asset_tag, board_asset_tag) and, for
 * Xen, /sys/hypervisor/uuid; DMI decides, not the CPUID signature (Amazon
 * and Google run KVM-family hypervisors).  All through the sysroot helper,
 * so a snapshot replays to the same cloud.  A cloud customer has no outer
 * host: the fix for a VM without nesting is the provider's
 * (lib/setting/cloud.c).
 */
#ifndef KVMHOST_CLOUD_H
#define KVMHOST_CLOUD_H

#include <stdbool.h>
#include <stddef.h>

#include "sysroot.h"

enum cloud_provider {
	CLOUD_NONE,
	CLOUD_AWS, CLOUD_GCE, CLOUD_AZURE, CLOUD_ORACLE, CLOUD_ALIBABA, CLOUD_DIGITALOCEAN, CLOUD_HETZNER,
	CLOUD_LINODE, CLOUD_VULTR, CLOUD_UPCLOUD, CLOUD_EXOSCALE, CLOUD_SCALEWAY, CLOUD_OPENSTACK,
	CLOUD_PROVIDERS,
};

/* Where DMI shows a virtual machine's own hypervisor, as a desktop or a
 * server of the user's runs it (QEMU, VirtualBox, VMware, Parallels, a
 * local Hyper-V): its outer host is the user's to change. */
enum vm_owner {
	VM_OWNER_UNKNOWN,	/* no DMI, or strings that name no one */
	VM_OWNER_LOCAL,		/* a hypervisor product's own DMI defaults */
	VM_OWNER_CLOUD,		/* a provider named below */
};

#define CLOUD_DMI_DIR "/sys/class/dmi/id"
#define CLOUD_XEN_UUID "/sys/hypervisor/uuid"

struct cloud {
	enum cloud_provider provider;
	enum vm_owner owner;
	char instance_type[48];		/* AWS: product_name ("m7i.large"); "" when DMI does not say */
	bool bare_metal;		/* an AWS *.metal type: a host, not a VM */
	char evidence[96];		/* what named it: "sys_vendor Amazon EC2" */
};

void cloud_detect(const struct sysroot *root, struct cloud *c);

/* "Amazon EC2", "Google Compute Engine" ...; NULL for CLOUD_NONE. */
const char *cloud_name(enum cloud_provider p);

/* "aws", "gce" ... as in the JSON and the fleet outputs; NULL for CLOUD_NONE. */
const char *cloud_code(enum cloud_provider p);

/* Whether an asset tag is one a provider sets for all its machines (and so
 * no personal data: a snapshot may keep it). */
bool cloud_asset_tag_known(const char *tag);

#endif
