/* dmi.h - firmware and computer model from SMBIOS: sysfs first, dmidecode */
#ifndef KVMHOST_DMI_H
#define KVMHOST_DMI_H

#include <stdbool.h>

#include "sysroot.h"

#define DMIDECODE_PATH "/usr/sbin/dmidecode"
#define DMI_SYSFS "/sys/class/dmi/id"
#define DMI_DUMP "/dmidecode.bin"	/* under --sysroot: dmidecode --dump-bin output */

enum dmi_field {
	DMI_BIOS_VENDOR, DMI_BIOS_VERSION, DMI_BIOS_DATE,
	DMI_SYS_VENDOR, DMI_PRODUCT_NAME, DMI_PRODUCT_VERSION,
	DMI_BOARD_VENDOR, DMI_BOARD_NAME,
	DMI_PRODUCT_SERIAL, DMI_PRODUCT_UUID, DMI_BOARD_SERIAL, DMI_CHASSIS_SERIAL,
	DMI_FIELDS,
	DMI_FIRST_SERIAL = DMI_PRODUCT_SERIAL,
};

enum dmi_source { DMI_NONE, DMI_FROM_SYSFS, DMI_FROM_DMIDECODE };

struct dmi_info {
	bool present;			/* the machine has SMBIOS tables */
	bool serials_included;
	char value[DMI_FIELDS][128];	/* "" when unknown */
	enum dmi_source source[DMI_FIELDS];
	char note[200];			/* e.g. why dmidecode was not used */
};

/* The sysfs file name ("bios_version") and the report's key ("BIOS version"). */
const char *dmi_sysfs_name(enum dmi_field f);
const char *dmi_label(enum dmi_field f);
const char *dmi_source_name(enum dmi_source s);

/* Reads the fields; serials (serial numbers and the UUID: personal data)
 * only when include_serials is set. */
void dmi_read(const struct sysroot *root, bool include_serials, struct dmi_info *dmi);

#endif
