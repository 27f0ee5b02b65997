/* dmi.c - SMBIOS strings through /sys/class/dmi/id, then dmidecode
 *
 * sysfs needs no root for the non-serial fields.  What it lacks comes from
 * dmidecode (run by absolute path, no shell): as root on the live host when
 * the kernel exposes the tables, or from DIR/dmidecode.bin under a sysroot.
 */
#include "dmi.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spawn.h"

static const struct {
	const char *sysfs, *keyword, *label;
} fields[DMI_FIELDS] = {
	[DMI_BIOS_VENDOR] = { "bios_vendor", "bios-vendor", "BIOS vendor" },
	[DMI_BIOS_VERSION] = { "bios_version", "bios-version", "BIOS version" },
	[DMI_BIOS_DATE] = { "bios_date", "bios-release-date", "BIOS date" },
	[DMI_SYS_VENDOR] = { "sys_vendor", "system-manufacturer", "System manufacturer" },
	[DMI_PRODUCT_NAME] = { "product_name", "system-product-name", "Product name" },
	[DMI_PRODUCT_VERSION] = { "product_version", "system-version", "Product version" },
	[DMI_BOARD_VENDOR] = { "board_vendor", "baseboard-manufacturer", "Board vendor" },
	[DMI_BOARD_NAME] = { "board_name", "baseboard-product-name", "Board name" },
	[DMI_PRODUCT_SERIAL] = { "product_serial", "system-serial-number", "Product serial" },
	[DMI_PRODUCT_UUID] = { "product_uuid", "system-uuid", "Product UUID" },
	[DMI_BOARD_SERIAL] = { "board_serial", "baseboard-serial-number", "Board serial" },
	[DMI_CHASSIS_SERIAL] = { "chassis_serial", "chassis-serial-number", "Chassis serial" },
};

const char *dmi_sysfs_name(enum dmi_field f)
{
	return fields[f].sysfs;
}

const char *dmi_label(enum dmi_field f)
{
	return fields[f].label;
}

const char *dmi_source_name(enum dmi_source s)
{
	return s == DMI_FROM_SYSFS ? "sysfs" : s == DMI_FROM_DMIDECODE ? "dmidecode" : "none";
}

/* Printable ASCII only, trimmed: SMBIOS strings are firmware's to fill. */
static void clean(char *s)
{
	size_t len;

	for (char *p = s; *p; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
	len = strlen(s);
	while (len > 0 && s[len - 1] == ' ')
		s[--len] = '\0';
}

static bool exists(const struct sysroot *root, const char *path)
{
	struct stat st;

	return sysroot_stat(root, path, &st) == 0;
}

static bool dmidecode_field(const struct sysroot *root, enum dmi_field f, char *out, size_t size)
{
	char dump[4096];
	char *live[] = { DMIDECODE_PATH, "-s", (char *)fields[f].keyword, NULL };
	char *replay[] = { DMIDECODE_PATH, "--from-dump", dump, "-s", (char *)fields[f].keyword, NULL };

	if (!sysroot_is_live(root) &&
	    (!sysroot_path(root, DMI_DUMP, dump, sizeof(dump)) || sysroot_check_inside(root, DMI_DUMP) < 0))
		return false;
	if (spawn_capture(sysroot_is_live(root) ? live : replay, out, size, 3000) != 0)
		return false;
	/* dmidecode's words for a string the firmware left empty */
	if (out[0] == '#' || strcmp(out, "Not Specified") == 0 || strcmp(out, "Not Present") == 0)
		out[0] = '\0';
	return out[0] != '\0';
}

void dmi_read(const struct sysroot *root, bool include_serials, struct dmi_info *dmi)
{
	bool sysfs, dmidecode;

	memset(dmi, 0, sizeof(*dmi));
	dmi->serials_included = include_serials;
	sysfs = exists(root, DMI_SYSFS);
	if (sysroot_is_live(root))
		dmidecode = geteuid() == 0 && access(DMIDECODE_PATH, X_OK) == 0 &&
			    exists(root, "/sys/firmware/dmi/tables/DMI");
	else
		dmidecode = access(DMIDECODE_PATH, X_OK) == 0 && exists(root, DMI_DUMP);
	dmi->present = sysfs || exists(root, "/sys/firmware/dmi/tables/DMI") || exists(root, DMI_DUMP);
	if (!dmi->present)
		return;
	if (!dmidecode && sysroot_is_live(root) && geteuid() != 0)
		snprintf(dmi->note, sizeof(dmi->note), "dmidecode not used: it needs root");
	else if (!dmidecode && access(DMIDECODE_PATH, X_OK) != 0)
		snprintf(dmi->note, sizeof(dmi->note), "dmidecode not used: %s is not installed (package dmidecode)",
			 DMIDECODE_PATH);

	for (int f = 0; f < DMI_FIELDS; f++) {
		if (f >= DMI_FIRST_SERIAL && !include_serials)
			continue;
		if (sysfs && sysroot_readf_text(root, dmi->value[f], sizeof(dmi->value[f]), DMI_SYSFS "/%s",
						fields[f].sysfs) > 0) {
			dmi->source[f] = DMI_FROM_SYSFS;
		} else if (dmidecode && dmidecode_field(root, f, dmi->value[f], sizeof(dmi->value[f]))) {
			dmi->source[f] = DMI_FROM_DMIDECODE;
		} else {
			dmi->value[f][0] = '\0';
			continue;
		}
		clean(dmi->value[f]);
	}
}
