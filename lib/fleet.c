/* fleet.c - Prometheus metrics and node-feature-discovery labels */
#include "fleet.h"

#include <ctype.h>
#include <string.h>

/* A Prometheus label value: backslash, quote and newline escaped. */
static void label_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (isprint((unsigned char)*s))
			fputc(*s, out);
	}
}

void fleet_prometheus(FILE *out, const struct host_facts *f, const struct diagnosis *d, const char *version)
{
	const struct kvm_probe *p = &f->probe;

	bool hidden = host_kvm_device_hidden(f);

	/* from a container without the device, the machine's answer is not known */
	fputs("# HELP kvm_ok_usable Whether KVM acceleration can be used on this host: 1 yes, 0 no, -1 kvm-ok could not decide "
	      "(also: a container or chroot that was not given the host's KVM device).\n"
	      "# TYPE kvm_ok_usable gauge\n", out);
	fprintf(out, "kvm_ok_usable %d\n", hidden ? -1 : d->verdict == VERDICT_USABLE ? 1 : d->verdict == VERDICT_UNUSABLE ? 0 : -1);
	fputs("# HELP kvm_ok_device_visible Whether this host's or container's /dev/kvm is there for kvm-ok: 0 in a container "
	      "or chroot that was not given the device the kernel has.\n"
	      "# TYPE kvm_ok_device_visible gauge\n", out);
	fprintf(out, "kvm_ok_device_visible %d\n", !hidden);
	fputs("# HELP kvm_ok_reason The reason for kvm-ok's verdict: 1 for the current one, 0 for the others.\n"
	      "# TYPE kvm_ok_reason gauge\n", out);
	for (int r = 0; r < REASON_COUNT; r++)
		fprintf(out, "kvm_ok_reason{reason=\"%s\"} %d\n", reason_name((enum reason)r), r == (int)d->reason);
	if (p->ran && p->failed_step == PROBE_COMPLETE && !p->timed_out && p->slowdown > 0) {
		fputs("# HELP kvm_ok_guest_speed_ratio Time of kvm-ok's test loop in a KVM guest over the same loop "
		      "natively (1 is native speed; above 10 is emulation).\n"
		      "# TYPE kvm_ok_guest_speed_ratio gauge\n", out);
		fprintf(out, "kvm_ok_guest_speed_ratio %.6g\n", p->slowdown);
	}
	fputs("# HELP kvm_ok_info kvm-ok's version, what it found about the CPU, and the cloud and instance type DMI names; always 1.\n"
	      "# TYPE kvm_ok_info gauge\n", out);
	fputs("kvm_ok_info{version=\"", out);
	label_value(out, version);
	fputs("\",cpu_vendor=\"", out);
	label_value(out, f->cpu.known ? f->cpu.vendor : "unknown");
	/* the extension only when the CPU has it: a selector on it must not
	 * match a CPU of that vendor without it */
	fprintf(out, "\",extension=\"%s\",cpuid_vt=\"%s\",cloud=\"",
		f->cpu.known && f->cpu.has_vt && f->cpu.vt_kind != CPU_VT_NONE ? cpu_vt_name(f->cpu.vt_kind) : "none",
		f->cpu.known && f->cpu.has_vt ? "true" : "false");
	/* which cloud and instance type, so that a fleet sees which types lack KVM */
	label_value(out, f->setting.cloud.provider ? cloud_code(f->setting.cloud.provider) : "none");
	fputs("\",instance_type=\"", out);
	label_value(out, f->setting.cloud.instance_type);
	fputs("\"} 1\n", out);
}

void fleet_nfd(FILE *out, const struct host_facts *f, const struct diagnosis *d)
{
	const char *prefix = "feature.node.kubernetes.io/kvm-ok";
	const struct kvm_probe *p = &f->probe;

	if (host_kvm_device_hidden(f)) {
		/* the node has the device, this pod was not given it: label nothing
		 * about KVM on the node, so that no nodeSelector goes wrong */
		fprintf(out, "%s.visible-from-container=false\n", prefix);
		fprintf(out, "%s.kernel-device=true\n", prefix);
	} else {
		fprintf(out, "%s.usable=%s\n", prefix, d->verdict == VERDICT_USABLE ? "true" : "false");
		fprintf(out, "%s.reason=%s\n", prefix, reason_name(d->reason));
		fprintf(out, "%s.device=%s\n", prefix,
			kvm_node_present(&f->node) ? "true" : "false");
		fprintf(out, "%s.accelerated=%s\n", prefix, kvm_probe_accelerated(p) ? "true" : "false");
	}
	fprintf(out, "%s.cpu-has-vt=%s\n", prefix, f->cpu.known && f->cpu.has_vt ? "true" : "false");
	if (f->setting.cloud.provider)
		fprintf(out, "%s.cloud=%s\n", prefix, cloud_code(f->setting.cloud.provider));
	if (f->setting.cloud.instance_type[0])	/* letters, digits, '.', '-' only (cloud.c) */
		fprintf(out, "%s.instance-type=%s\n", prefix, f->setting.cloud.instance_type);
	if (f->cpu.known && f->cpu.has_vt && f->cpu.vt_kind != CPU_VT_NONE)
		fprintf(out, "%s.extension=%s\n", prefix, f->cpu.vt_kind == CPU_VT_VMX ? "vmx" : "svm");
}
