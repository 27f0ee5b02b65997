/* report.c - gathering and printing the bug-report block */
#include "report.h"

#include "text_line.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "json.h"
#include "output.h"
#include "spawn.h"

static const char *const report_modules[REPORT_MODULES] = { "kvm", "kvm_intel", "kvm_amd", "kvm_pvm", "msr" };


/* The report's "name=value ..." line: values cut at 95 bytes, anything
 * but printable ASCII shown as '?'. */
struct params_line {
	char *out;
	size_t size, used;
};

static void add_param(void *ctx, const char *path, const char *name, const char *value)
{
	struct params_line *pl = ctx;
	char shown[96];

	(void)path;
	snprintf(shown, sizeof(shown), "%s", value);
	for (char *c = shown; *c; c++)
		if (*c < 0x20 || *c > 0x7e || *c == ' ')
			*c = '?';
	if (pl->used < pl->size)
		pl->used += (size_t)snprintf(pl->out + pl->used, pl->size - pl->used, "%s%s=%s", pl->used ? " " : "",
					     name, shown);
}

void module_params_read(const struct sysroot *root, const char *module, char *out, size_t size)
{
	struct params_line pl = { out, size, 0 };

	out[0] = '\0';
	module_params_each(root, module, add_param, &pl);
}

static bool matters_to_kvm(const char *param, size_t len)
{
	static const char *const prefixes[] = { "kvm", "intel_iommu", "amd_iommu", "iommu", "pti", "nopti" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (len >= strlen(prefixes[i]) && strncmp(param, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	for (size_t i = 0; i + 6 <= len; i++)
		if (strncmp(param + i, "nested", 6) == 0)
			return true;
	return false;
}

static void kvm_cmdline(const struct sysroot *root, char *out, size_t size)
{
	char cmdline[4096];
	size_t used = 0;

	out[0] = '\0';
	if (sysroot_read_text(root, "/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
		return;
	for (char *p = cmdline; *p;) {
		size_t len = strcspn(p, " \t");

		if (len && matters_to_kvm(p, len) && used < size)
			used += (size_t)snprintf(out + used, size - used, "%s%.*s", used ? " " : "", (int)len, p);
		p += len;
		while (*p == ' ' || *p == '\t')
			p++;
	}
}

static void qemu_version(const struct sysroot *root, struct report_facts *r)
{
	char arch[32];
	const char *path = arch_ops_for(host_arch_read(root, arch, sizeof(arch)))->qemu;
	char *argv[] = { (char *)path, "--version", NULL };

	snprintf(r->qemu_path, sizeof(r->qemu_path), "%s", path ? path : "");
	if (!path) {
		snprintf(r->qemu, sizeof(r->qemu), "not looked for on %s", arch);
		return;
	}

	if (!sysroot_is_live(root)) {
		if (sysroot_read_text(root, QEMU_VERSION_RECORD, r->qemu, sizeof(r->qemu)) < 0)
			snprintf(r->qemu, sizeof(r->qemu), "not recorded");
		r->qemu_installed = strcmp(r->qemu, "not installed") != 0 && strcmp(r->qemu, "not recorded") != 0;
		return;
	}
	if (access(path, X_OK) != 0) {
		snprintf(r->qemu, sizeof(r->qemu), "not installed");
		return;
	}
	if (spawn_capture(argv, r->qemu, sizeof(r->qemu), 3000) != 0 || !r->qemu[0]) {
		snprintf(r->qemu, sizeof(r->qemu), "installed, but --version failed");
		return;
	}
	r->qemu[strcspn(r->qemu, "\n")] = '\0';
	r->qemu_installed = true;
}

void report_gather(const struct sysroot *root, bool include_serials, struct report_facts *r)
{
	memset(r, 0, sizeof(*r));
	dmi_read(root, include_serials, &r->dmi);
	pci_list_read(root, &r->pci);
	iommu_read(root, &r->iommu);
	kvm_cmdline(root, r->cmdline_kvm, sizeof(r->cmdline_kvm));
	for (int i = 0; i < REPORT_MODULES; i++) {
		r->modules[i].name = report_modules[i];
		module_probe(root, report_modules[i], &r->modules[i].info);
		module_params_read(root, report_modules[i], r->modules[i].params, sizeof(r->modules[i].params));
	}
	qemu_version(root, r);
}

/* ---- text ------------------------------------------------------------------ */

const char *report_check_detail(const struct diagnosis *d, enum check_id id)
{
	const struct check *c = diag_find(d, id);

	return c ? c->detail : "not checked";
}

static void probe_text(const struct kvm_probe *p, char *buf, size_t size)
{
	if (!p->ran)
		snprintf(buf, size, "not run");
	else if (p->timed_out)
		snprintf(buf, size, "no answer within %d ms", p->deadline_ms);
	else if (p->failed_step != PROBE_COMPLETE)
		snprintf(buf, size, "failed at %s: %s", probe_step_text(p->failed_step),
			 p->error ? strerror(p->error) : "wrong answer");
	else
		snprintf(buf, size, "guest %.4g ns per iteration, native %.4g ns, %.4gx", p->guest.ns_per_iteration,
			 p->native.ns_per_iteration, p->slowdown);
}

void report_text(FILE *out, const struct host_facts *f, const struct diagnosis *d, const struct report_facts *r,
		 const char *version)
{
	char buf[400];

	text_line(out, "-- kvm-ok report (kvm-host-toolkit %s) --", version);
	text_line(out, "Verdict: %s", verdict_name(d->verdict));
	text_line(out, "Reason: %s", reason_name(d->reason));
	text_line(out, "Summary: %s", d->summary);
	if (!r->dmi.present) {
		text_line(out, "SMBIOS: none (this machine has no SMBIOS tables, as microVMs such as Firecracker)");
	} else {
		text_line(out, "SMBIOS: present");
		for (int i = 0; i < DMI_FIELDS; i++) {
			if (i >= DMI_FIRST_SERIAL && !r->dmi.serials_included)
				continue;
			text_line(out, "%s: %s", dmi_label(i), r->dmi.value[i][0] ? r->dmi.value[i] : "(not set)");
		}
		if (!r->dmi.serials_included)
			text_line(out, "Serial numbers: omitted (kvm-ok --include-serials adds them)");
	}
	arch_ops_for(f->arch)->report_text(out, f, d);
	setting_describe(&f->setting, host_is_virtual_machine(f), buf, sizeof(buf));
	text_line(out, "Setting: %s", buf);
	text_line(out, "Kernel release: %s", f->kernel.known ? f->kernel.release : "unknown");
	text_line(out, "Kernel parameters for KVM: %s", r->cmdline_kvm[0] ? r->cmdline_kvm : "none");
	for (int i = 0; i < REPORT_MODULES; i++) {
		const struct module_params *m = &r->modules[i];

		if (m->info.state == MODULE_ABSENT)
			continue;
		text_line(out, "Module %s: %s", m->name, module_state_text(m->info.state));
		if (m->params[0])
			text_line(out, "Module %s parameters: %s", m->name, m->params);
	}
	text_line(out, "Device: %s", report_check_detail(d, CHECK_ID_DEVICE));
	if (f->probe.ran && f->probe.api_version >= 0)
		text_line(out, "KVM API version: %d", f->probe.api_version);
	probe_text(&f->probe, buf, sizeof(buf));
	text_line(out, "KVM probe: %s", buf);
	if (!r->pci.readable)
		text_line(out, "PCI: %s", r->pci.error);
	for (int i = 0; i < r->pci.count; i++) {
		const struct pci_entry *e = &r->pci.dev[i];

		text_line(out, "PCI %04x:%02x:%02x.%u: %04x %04x:%04x %s (%s)", e->domain, e->bus, e->dev, e->func,
			e->class_code, e->vendor, e->device, e->name, e->class_name);
	}
	if (r->pci.total > r->pci.count)
		text_line(out, "PCI: %d more devices not listed", r->pci.total - r->pci.count);
	if (r->pci.skipped)
		text_line(out, "PCI: %d broken entr%s of the image skipped (%s)", r->pci.skipped,
			r->pci.skipped == 1 ? "y" : "ies", r->pci.skip_why);
	text_line(out, "IOMMU: ACPI %s, %d IOMMU unit%s, %d group%s",
		r->iommu.dmar ? "DMAR (VT-d)" : r->iommu.ivrs ? "IVRS (AMD-Vi)" : "no DMAR/IVRS table",
		r->iommu.units, r->iommu.units == 1 ? "" : "s", r->iommu.groups, r->iommu.groups == 1 ? "" : "s");
	text_line(out, "QEMU: %s%s%s", r->qemu_installed ? r->qemu_path : "", r->qemu_installed ? ": " : "", r->qemu);
	fprintf(out, "-- end of kvm-ok report --\n");
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_smbios(FILE *out, const struct report_facts *r, bool *first)
{
	bool sub = true;

	json_key(out, "smbios", first);
	fputc('{', out);
	json_kv_bool(out, "present", r->dmi.present, &sub);
	json_kv_bool(out, "serials_included", r->dmi.serials_included, &sub);
	for (int i = 0; i < DMI_FIELDS && r->dmi.present; i++)
		if (i < DMI_FIRST_SERIAL || r->dmi.serials_included)
			json_kv_string(out, dmi_sysfs_name(i), r->dmi.value[i][0] ? r->dmi.value[i] : NULL, &sub);
	fputc('}', out);
}

static void json_kernel(FILE *out, const struct host_facts *f, const struct report_facts *r, bool *first)
{
	bool sub = true, mfirst = true;

	json_key(out, "kernel", first);
	fputc('{', out);
	json_kv_string(out, "release", f->kernel.known ? f->kernel.release : NULL, &sub);
	json_kv_string(out, "kvm_parameters", r->cmdline_kvm, &sub);
	json_key(out, "modules", &sub);
	fputc('{', out);
	for (int i = 0; i < REPORT_MODULES; i++) {
		bool m = true;

		if (r->modules[i].info.state == MODULE_ABSENT)
			continue;
		json_key(out, r->modules[i].name, &mfirst);
		fputc('{', out);
		json_kv_string(out, "state", module_state_code(r->modules[i].info.state), &m);
		json_kv_string(out, "parameters", r->modules[i].params, &m);
		fputc('}', out);
	}
	fputs("}}", out);
}

static void json_pci(FILE *out, const struct report_facts *r, bool *first)
{
	char address[32];

	json_key(out, "pci", first);
	fputc('[', out);
	for (int i = 0; i < r->pci.count; i++) {
		const struct pci_entry *e = &r->pci.dev[i];
		bool p = true;

		snprintf(address, sizeof(address), "%04x:%02x:%02x.%u", e->domain, e->bus, e->dev, e->func);
		fputs(i ? ",{" : "{", out);
		json_kv_string(out, "address", address, &p);
		json_kv_int(out, "class", e->class_code, &p);
		json_kv_int(out, "vendor", e->vendor, &p);
		json_kv_int(out, "device", e->device, &p);
		json_kv_string(out, "name", e->name, &p);
		json_kv_string(out, "class_name", e->class_name, &p);
		fputc('}', out);
	}
	fputc(']', out);
	json_kv_int(out, "pci_skipped", r->pci.skipped, first);
}

void report_json(FILE *out, const struct host_facts *f, const struct diagnosis *d, const struct report_facts *r,
		 const char *version)
{
	bool first = true, sub;
	char buf[400];

	fputc('{', out);
	json_kv_string(out, "version", version, &first);
	json_kv_string(out, "verdict", verdict_name(d->verdict), &first);
	json_kv_string(out, "reason", reason_name(d->reason), &first);
	json_kv_string(out, "summary", d->summary, &first);
	json_smbios(out, r, &first);
	output_json_setting(out, &f->setting, &first);
	arch_ops_for(f->arch)->report_json(out, f, d, &first);
	json_kernel(out, f, r, &first);

	json_key(out, "kvm", &first);
	fputc('{', out);
	sub = true;
	json_kv_string(out, "device", report_check_detail(d, CHECK_ID_DEVICE), &sub);
	json_kv_int(out, "api_version", f->probe.api_version, &sub);
	probe_text(&f->probe, buf, sizeof(buf));
	json_kv_string(out, "probe", buf, &sub);
	fputc('}', out);

	json_pci(out, r, &first);

	json_key(out, "iommu", &first);
	fputc('{', out);
	sub = true;
	json_kv_bool(out, "dmar", r->iommu.dmar, &sub);
	json_kv_bool(out, "ivrs", r->iommu.ivrs, &sub);
	json_kv_int(out, "units", r->iommu.units, &sub);
	json_kv_int(out, "groups", r->iommu.groups, &sub);
	fputc('}', out);

	json_key(out, "qemu", &first);
	fputc('{', out);
	sub = true;
	json_kv_bool(out, "installed", r->qemu_installed, &sub);
	json_kv_string(out, "path", r->qemu_installed ? r->qemu_path : NULL, &sub);
	json_kv_string(out, "version", r->qemu, &sub);
	fputs("}}\n", out);
}
