/* arch/x86_64/report.c - an x86-64 host's CPU in the bug report (text and
 * JSON) and in kvm-ok --json's "cpu" member */
#include <math.h>
#include <stdio.h>

#include "arch.h"
#include "json.h"
#include "report.h"
#include "text_line.h"
#include "x86_64.h"

static const char *vt_in_cpuinfo(const struct host_facts *f, char *buf, size_t size)
{
	const struct cpuinfo *ci = &f->cpuinfo;

	if (!ci->readable || ci->cpus == 0)
		return "unknown (/proc/cpuinfo unreadable)";
	snprintf(buf, size, "vmx on %d, svm on %d, of %d CPUs", ci->with_vmx, ci->with_svm, ci->cpus);
	return buf;
}

/* The report's CPU lines: CPUID, cpuinfo, the firmware lock, the hypervisor. */
void x86_64_report_text(FILE *out, const struct host_facts *f, const struct diagnosis *d)
{
	const struct cpu_identity *c = &f->cpu;
	char buf[400];

	if (c->known) {
		text_line(out, "CPU vendor: %s", c->vendor);
		text_line(out, "CPU brand: %s", c->brand);
		text_line(out, "CPU family/model/stepping: %d/%d/%d", c->family, c->model, c->stepping);
		text_line(out, "CPU virtualization (CPUID): %s%s", c->vt_kind == CPU_VT_NONE ? "unknown vendor" :
			cpu_vt_name(c->vt_kind), c->vt_kind == CPU_VT_NONE ? "" : c->has_vt ? " present" : " absent");
	} else {
		text_line(out, "CPU: unknown (%s)", c->error);
	}
	text_line(out, "CPU microcode: %s", f->cpuinfo.microcode[0] ? f->cpuinfo.microcode : "unknown");
	text_line(out, "CPU virtualization (cpuinfo): %s", vt_in_cpuinfo(f, buf, sizeof(buf)));
	text_line(out, "Firmware lock: %s", report_check_detail(d, CHECK_ID_FIRMWARE));
	if (!c->known || !c->hypervisor_bit)
		text_line(out, "Hypervisor: none");
	else if (!c->hypervisor_leaf_known)
		text_line(out, "Hypervisor: present (signature unknown)");
	else
		text_line(out, "Hypervisor: %s (signature \"%s\")", cpu_hypervisor_name(c->hypervisor_signature) ?
			cpu_hypervisor_name(c->hypervisor_signature) : "unknown", c->hypervisor_signature);
}

void x86_64_report_json(FILE *out, const struct host_facts *f, const struct diagnosis *d, bool *first)
{
	const struct cpu_identity *c = &f->cpu;
	char buf[400];
	bool sub;

	json_key(out, "cpu", first);
	fputc('{', out);
	sub = true;
	json_kv_bool(out, "known", c->known, &sub);
	json_kv_string(out, "vendor", c->known ? c->vendor : NULL, &sub);
	json_kv_string(out, "brand", c->known ? c->brand : NULL, &sub);
	json_kv_int(out, "family", c->family, &sub);
	json_kv_int(out, "model", c->model, &sub);
	json_kv_int(out, "stepping", c->stepping, &sub);
	json_kv_string(out, "microcode", f->cpuinfo.microcode[0] ? f->cpuinfo.microcode : NULL, &sub);
	json_kv_string(out, "extension", c->vt_kind == CPU_VT_NONE ? NULL : cpu_vt_name(c->vt_kind), &sub);
	json_kv_bool(out, "cpuid_vt", c->has_vt, &sub);
	json_kv_string(out, "cpuinfo_vt", vt_in_cpuinfo(f, buf, sizeof(buf)), &sub);
	json_kv_string(out, "firmware_lock", report_check_detail(d, CHECK_ID_FIRMWARE), &sub);
	json_kv_string(out, "hypervisor", c->hypervisor_bit && c->hypervisor_leaf_known ? c->hypervisor_signature : NULL, &sub);
	fputc('}', out);
}

/* The "cpu" member of kvm-ok --json. */
void x86_64_json_facts(FILE *out, const struct host_facts *f, bool *outer_first)
{
	const struct cpu_identity *c = &f->cpu;
	const struct cpuinfo *ci = &f->cpuinfo;
	bool first = true;

	json_key(out, "cpu", outer_first);
	fputc('{', out);
	json_kv_bool(out, "known", c->known, &first);
	json_kv_string(out, "vendor", c->known ? c->vendor : NULL, &first);
	json_kv_string(out, "brand", c->known ? c->brand : NULL, &first);
	json_kv_number(out, "family", c->known ? c->family : NAN, &first);
	json_kv_number(out, "model", c->known ? c->model : NAN, &first);
	json_kv_number(out, "stepping", c->known ? c->stepping : NAN, &first);
	json_kv_string(out, "extension", !c->known || c->vt_kind == CPU_VT_NONE ? NULL : cpu_vt_name(c->vt_kind),
		       &first);
	json_kv_maybe_bool(out, "cpuid_vt", c->known, c->has_vt, &first);
	json_kv_maybe_bool(out, "hypervisor", c->known, c->hypervisor_bit, &first);
	json_kv_string(out, "hypervisor_signature",
		       c->known && c->hypervisor_leaf_known ? c->hypervisor_signature : NULL, &first);
	json_kv_int(out, "cpuinfo_cpus", ci->cpus, &first);
	json_kv_int(out, "cpuinfo_vmx_cpus", ci->with_vmx, &first);
	json_kv_int(out, "cpuinfo_svm_cpus", ci->with_svm, &first);
	fputc('}', out);
}
