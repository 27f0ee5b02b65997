/* arch/arm64/report.c - an arm64 host's CPU and EL2 in the bug report (text
 * and JSON) and in kvm-ok --json's "arm64" member */
#include <math.h>
#include <stdio.h>

#include "arch.h"
#include "arm64_ops.h"
#include "json.h"
#include "report.h"
#include "text_line.h"

void arm64_report_text(FILE *out, const struct host_facts *f, const struct diagnosis *d)
{
	const struct arm64_boot *b = &f->arm64_boot;

	text_line(out, "%s", report_check_detail(d, CHECK_ID_CPU));
	text_line(out, "EL2: %s", report_check_detail(d, CHECK_ID_EL2));
	text_line(out, "/proc/misc kvm: %s", b->misc_kvm < 0 ? "unreadable" : b->misc_kvm ? "listed" : "not listed");
	text_line(out, "PSCI conduit: %s", b->psci_method[0] ? b->psci_method : "unknown (no device tree)");
	if (b->model[0])
		text_line(out, "Device tree model: %s", b->model);
	text_line(out, "Machine: %s", b->machine == ARM64_MACHINE_UNKNOWN ? "unknown" : b->machine_evidence);
}

void arm64_report_json(FILE *out, const struct host_facts *f, const struct diagnosis *d, bool *first)
{
	(void)d;
	arm64_json_facts(out, f, first);
}

/* The "arm64" member: MIDR, EL2, /proc/misc, PSCI, the machine. */
void arm64_json_facts(FILE *out, const struct host_facts *f, bool *outer_first)
{
	const struct arm64_cpu *c = &f->arm64_cpu;
	const struct arm64_boot *b = &f->arm64_boot;
	static const char *const el2_codes[] = {
		[ARM64_EL2_UNKNOWN] = NULL, [ARM64_EL2_VHE] = "vhe", [ARM64_EL2_NVHE] = "nvhe",
		[ARM64_EL2_PROTECTED] = "protected", [ARM64_EL2_STARTED] = "el2",
		[ARM64_EL2_NOT_AVAILABLE] = "el1", [ARM64_EL2_DISABLED] = "disabled",
	};
	static const char *const machines[] = { NULL, "bare-metal", "virtual" };
	bool first = true;

	json_key(out, "arm64", outer_first);
	fputc('{', out);
	json_kv_bool(out, "cpu_known", c->known, &first);
	json_kv_number(out, "implementer", c->known ? c->implementer : NAN, &first);
	json_kv_number(out, "part", c->known ? c->part : NAN, &first);
	json_kv_number(out, "variant", c->known ? c->variant : NAN, &first);
	json_kv_number(out, "revision", c->known ? c->revision : NAN, &first);
	json_kv_string(out, "implementer_name", c->known ? c->implementer_name : NULL, &first);
	json_kv_string(out, "core", c->known ? c->core_name : NULL, &first);
	json_kv_string(out, "el2", el2_codes[b->el2], &first);
	json_kv_string(out, "el2_evidence", b->evidence[0] ? b->evidence : NULL, &first);
	json_key(out, "misc_kvm", &first);
	fputs(b->misc_kvm < 0 ? "null" : b->misc_kvm ? "true" : "false", out);
	json_kv_string(out, "psci_method", b->psci_method[0] ? b->psci_method : NULL, &first);
	json_kv_string(out, "kvm_arm_mode", b->cmdline_mode[0] ? b->cmdline_mode : NULL, &first);
	json_kv_string(out, "machine", machines[b->machine], &first);
	fputc('}', out);
}
