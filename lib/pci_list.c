/* pci_list.c - libpci over a (possibly recorded) sysfs tree */
#include "pci_list.h"

#include "remove_tree.h"

#include <dirent.h>
#include <errno.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libpci's error callback must not return: it jumps back here. */
static jmp_buf pci_failed;
static char pci_error[200];

__attribute__((noreturn)) static void on_pci_error(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(pci_error, sizeof(pci_error), msg, ap);
	va_end(ap);
	longjmp(pci_failed, 1);
}

static void on_pci_warning(char *msg, ...)
{
	(void)msg;
}

static int by_address(const void *a, const void *b)
{
	const struct pci_entry *x = a, *y = b;
	unsigned long long kx = ((unsigned long long)x->domain << 32) | (x->bus << 16) | (x->dev << 8) | x->func;
	unsigned long long ky = ((unsigned long long)y->domain << 32) | (y->bus << 16) | (y->dev << 8) | y->func;

	return kx < ky ? -1 : kx > ky;
}

/* libpci reads each device's attribute files by name: under a sysroot all
 * must be regular files (a FIFO planted in a broken host would block it),
 * none may lead outside the image, and the ones it needs (vendor, device,
 * class) must be there, or libpci gives up on the whole bus.  Whether one
 * device may be handed to libpci; why not in why. */
static bool device_is_sound(const struct sysroot *root, const char *name, char *why, size_t why_size)
{
	static const char *const attrs[] = { "vendor", "device", "class", "revision", "subsystem_vendor",
					     "subsystem_device", "irq", "resource", "config", "label", "numa_node",
					     "physfn", "modalias" };
	unsigned int domain, bus, dev, func;
	char path[512], text[32], tail;

	if (sscanf(name, "%4x:%2x:%2x.%1u%c", &domain, &bus, &dev, &func, &tail) != 4 || strlen(name) != 12) {
		snprintf(why, why_size, "%.40s: not a PCI address", name);
		return false;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", name);
	if (sysroot_check_inside(root, path) < 0) {
		snprintf(why, why_size, "%s: leads outside the host image", name);
		return false;
	}
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		struct stat st;

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", name, attrs[i]);
		if (sysroot_check_inside(root, path) < 0) {
			snprintf(why, why_size, "%s/%s: leads outside the host image", name, attrs[i]);
			return false;
		}
		if (sysroot_stat(root, path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			snprintf(why, why_size, "%s/%s: not a regular file", name, attrs[i]);
			return false;
		}
		if (i < 3 && sysroot_read_text(root, path, text, sizeof(text)) < 0) {
			snprintf(why, why_size, "%s/%s: %s", name, attrs[i], strerror(errno));
			return false;
		}
	}
	return true;
}

/* Under a sysroot: a private directory whose devices/ links to the image's
 * sound devices only, for libpci's sysfs.path (the path in sysfs_path); the
 * others are counted in list->skipped, the first named in list->skip_why.
 * 0, or -1 with list->error. */
static int sound_devices(const struct sysroot *root, struct pci_list *list, char *tmp, size_t tmp_size,
			 char *sysfs_path, size_t path_size)
{
	const struct dirent *e;
	char dir[128];
	DIR *d;

	snprintf(tmp, tmp_size, "/tmp/kvmhost-pci.XXXXXX");
	if (!mkdtemp(tmp)) {
		snprintf(list->error, sizeof(list->error), "a private directory for the PCI tree: %s", strerror(errno));
		tmp[0] = '\0';
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/devices", tmp);
	snprintf(sysfs_path, path_size, "%s", tmp);
	if (mkdir(dir, 0700) < 0) {
		snprintf(list->error, sizeof(list->error), "%s: %s", dir, strerror(errno));
		return -1;
	}
	d = sysroot_opendir(root, "/sys/bus/pci/devices");
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char why[160], target[4600], rel[300], link[200];

		if (e->d_name[0] == '.')
			continue;
		if (!device_is_sound(root, e->d_name, why, sizeof(why))) {
			if (list->skipped++ == 0)
				snprintf(list->skip_why, sizeof(list->skip_why), "%s", why);
			continue;
		}
		snprintf(rel, sizeof(rel), "/sys/bus/pci/devices/%s", e->d_name);
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		if (!sysroot_path(root, rel, target, sizeof(target)) || symlink(target, link) < 0) {
			snprintf(list->error, sizeof(list->error), "%.120s: %.60s", link, strerror(errno));
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

void pci_list_read(const struct sysroot *root, struct pci_list *list)
{
	static struct pci_access *pacc;	/* static: survives the longjmp */
	static char tmp[64];		/* the private tree of a sysroot, "" when none */
	char path[4096];
	struct stat st;

	memset(list, 0, sizeof(*list));
	tmp[0] = '\0';
	if (!sysroot_path(root, "/sys/bus/pci", path, sizeof(path)) || sysroot_stat(root, "/sys/bus/pci", &st) < 0) {
		snprintf(list->error, sizeof(list->error), "/sys/bus/pci: no PCI bus");
		return;
	}
	if (sysroot_check_inside(root, "/sys/bus/pci") < 0 || sysroot_check_inside(root, "/sys/bus/pci/devices") < 0) {
		snprintf(list->error, sizeof(list->error), "/sys/bus/pci: leads outside the host image: not read");
		return;
	}
	if (!sysroot_is_live(root) && sound_devices(root, list, tmp, sizeof(tmp), path, sizeof(path)) < 0)
		goto out;
	pacc = pci_alloc();
	pacc->error = on_pci_error;
	pacc->warning = on_pci_warning;
	pacc->debug = on_pci_warning;
	if (setjmp(pci_failed)) {
		snprintf(list->error, sizeof(list->error), "libpci: %.180s", pci_error);
		list->count = 0;
		goto out;	/* pacc is leaked on purpose: libpci's state is unknown here */
	}
	pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_set_param(pacc, "sysfs.path", path);
	pci_init(pacc);
	pci_scan_bus(pacc);
	list->names = access(pacc->id_file_name, R_OK) == 0;
	for (struct pci_dev *d = pacc->devices; d; d = d->next) {
		struct pci_entry *e;

		list->total++;
		if (list->count == PCI_LIST_MAX)
			continue;
		e = &list->dev[list->count++];
		pci_fill_info(d, PCI_FILL_IDENT | PCI_FILL_CLASS);
		e->domain = (unsigned int)d->domain;
		e->bus = d->bus;
		e->dev = d->dev;
		e->func = d->func;
		e->vendor = d->vendor_id;
		e->device = d->device_id;
		e->class_code = d->device_class;
		pci_lookup_name(pacc, e->name, sizeof(e->name), PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE,
				d->vendor_id, d->device_id);
		pci_lookup_name(pacc, e->class_name, sizeof(e->class_name), PCI_LOOKUP_CLASS, d->device_class);
	}
	pci_cleanup(pacc);
	pacc = NULL;
	list->readable = true;
	qsort(list->dev, (size_t)list->count, sizeof(list->dev[0]), by_address);
out:
	if (tmp[0])
		remove_tree(tmp, false);
}

void iommu_read(const struct sysroot *root, struct iommu_info *io)
{
	struct stat st;

	io->units = sysroot_count_entries(root, "/sys/class/iommu");
	io->groups = sysroot_count_entries(root, "/sys/kernel/iommu_groups");
	if (io->units < 0)
		io->units = 0;
	if (io->groups < 0)
		io->groups = 0;
	io->dmar = sysroot_stat(root, "/sys/firmware/acpi/tables/DMAR", &st) == 0;
	io->ivrs = sysroot_stat(root, "/sys/firmware/acpi/tables/IVRS", &st) == 0;
}
