/* output.c - text and JSON forms of a diagnosis */
#include "output.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "errno_name.h"
#include "json.h"
#include "readiness.h"
#include "text_line.h"

#define COLOUR_HINT	"\033[1;33m"
#define COLOUR_GOOD	"\033[1;32m"
#define COLOUR_BAD	"\033[1;31m"
#define COLOUR_OFF	"\033[0m"

bool output_wants_colour(FILE *out)
{
	const char *no_colour = getenv("NO_COLOR"), *term = getenv("TERM");

	/* a terminal that says it has no escape sequences gets none */
	return isatty(fileno(out)) && !(no_colour && *no_colour) && term && *term && strcmp(term, "dumb") != 0;
}

void output_text(FILE *out, const struct diagnosis *d, bool verbose, bool colour, const struct readiness *readiness)
{
	const char *line = d->verdict == VERDICT_USABLE ? VERDICT_LINE_USABLE : VERDICT_LINE_UNUSABLE;

	for (int i = 0; i < d->nchecks; i++) {
		const struct check *c = &d->checks[i];

		if (verbose)
			text_line(out, "INFO: [%s] %s: %s", check_state_name(c->state), c->name, c->detail);
		else if (c->decisive)
			text_line(out, "INFO: %s", c->detail);
	}
	text_line(out, "INFO: reason %s: %s", reason_name(d->reason), d->summary);
	for (int i = 0; i < d->nhints; i++) {
		fputs(colour ? COLOUR_HINT "HINT:" COLOUR_OFF : "HINT:", out);	/* the colour is ours, the text cleaned */
		text_line(out, " %s", d->hints[i]);
	}
	if (readiness)
		readiness_text(out, readiness);
	if (colour)
		fprintf(out, "%s%s%s\n", d->verdict == VERDICT_USABLE ? COLOUR_GOOD : COLOUR_BAD, line, COLOUR_OFF);
	else
		fprintf(out, "%s\n", line);
}

/* Every key, always: null where this run cannot know it (the probe did
 * not run, or stopped before the step that gives it), so that a template
 * reading probe.slowdown works on every host. */
static void json_probe(FILE *out, const struct kvm_probe *p)
{
	const bool ran = p->ran, complete = ran && p->failed_step == PROBE_COMPLETE;
	bool first = true;

	json_key(out, "probe", &(bool){ false });
	fputc('{', out);
	json_kv_bool(out, "ran", ran, &first);
	json_kv_bool(out, "recorded", p->from_record, &first);
	json_kv_string(out, "step", !ran ? NULL : complete ? "complete" : probe_step_text(p->failed_step), &first);
	json_kv_string(out, "error", ran && p->error ? errno_name(p->error) : NULL, &first);
	/* EACCES is the mode's answer, EPERM a device cgroup's, seccomp's or a security module's */
	json_kv_string(out, "denied_by", !ran || p->failed_step != PROBE_OPEN ? NULL : p->error == EACCES ? "mode"
		       : p->error == EPERM ? "policy" : NULL, &first);
	json_kv_maybe_bool(out, "timed_out", ran, p->timed_out, &first);
	json_kv_maybe_bool(out, "host_busy", ran, p->host_busy, &first);
	json_kv_maybe_bool(out, "retried", ran, p->retried, &first);
	json_kv_number(out, "retry_ms", ran && p->retried ? (double)p->retry_ms : NAN, &first);
	json_kv_number(out, "cpu_wait_ms", ran && p->timed_out && !p->from_record && p->cpu_wait_ms >= 0
		       ? p->cpu_wait_ms : NAN, &first);
	json_kv_number(out, "api_version", ran && p->api_version > 0 ? (double)p->api_version : NAN, &first);
	json_kv_number(out, "guest_ns_per_iteration", complete ? p->guest.ns_per_iteration : NAN, &first);
	json_kv_number(out, "native_ns_per_iteration", complete ? p->native.ns_per_iteration : NAN, &first);
	json_kv_maybe_bool(out, "guest_finished", complete, p->guest.finished, &first);
	json_kv_number(out, "guest_measurements", complete ? (double)p->guest.measurements : NAN, &first);
	json_kv_number(out, "slowdown", complete ? p->slowdown : NAN, &first);
	json_kv_number(out, "slowdown_limit", KVM_SLOWDOWN_LIMIT, &first);
	json_kv_number(out, "elapsed_ms", ran && !p->from_record ? p->elapsed_ms : NAN, &first);
	json_kv_int(out, "deadline_ms", p->deadline_ms, &first);
	fputc('}', out);
}

void output_json_setting(FILE *out, const struct setting *s, bool *outer_first)
{
	bool first = true;

	json_key(out, "setting", outer_first);
	fputc('{', out);
	json_kv_string(out, "container", setting_runtime_code(s->runtime), &first);
	json_kv_bool(out, "rootless", s->rootless, &first);
	json_kv_bool(out, "user_namespace", s->user_namespace, &first);
	json_kv_string(out, "dev_mount", setting_dev_mount_name(s->dev), &first);
	json_kv_bool(out, "libvirt_qemu_namespace", s->qemu_namespace, &first);
	json_kv_string(out, "device_cgroup", setting_device_cgroup_code(s->device_cgroup), &first);
	json_key(out, "kernel_kvm_device", &first);
	fputs(!s->kvm_registered_known ? "null" : s->kvm_registered ? "true" : "false", out);
	json_kv_bool(out, "wsl2", s->wsl2, &first);
	json_kv_bool(out, "systemd", s->systemd, &first);
	json_kv_string(out, "ci", setting_ci_code(s->ci), &first);
	json_kv_string(out, "signs", s->signs[0] ? s->signs : NULL, &first);
	json_kv_string(out, "unconfirmed_marker", s->marker[0] ? s->marker : NULL, &first);
	json_key(out, "cloud", &first);
	if (s->cloud.provider) {
		bool inner = true;

		fputc('{', out);
		json_kv_string(out, "provider", cloud_code(s->cloud.provider), &inner);
		json_kv_string(out, "name", cloud_name(s->cloud.provider), &inner);
		json_kv_string(out, "instance_type", s->cloud.instance_type[0] ? s->cloud.instance_type : NULL, &inner);
		json_kv_bool(out, "bare_metal", s->cloud.bare_metal, &inner);
		fputc('}', out);
	} else {
		fputs("null", out);
	}
	fputc('}', out);
}

void output_json(FILE *out, const struct host_facts *f, const struct diagnosis *d, const char *version,
		 const struct readiness *readiness)
{
	bool first = true;

	fputc('{', out);
	json_kv_string(out, "version", version, &first);
	json_kv_string(out, "sysroot", f->root.dir, &first);
	json_kv_string(out, "verdict", verdict_name(d->verdict), &first);
	json_kv_string(out, "reason", reason_name(d->reason), &first);
	json_kv_string(out, "summary", d->summary, &first);
	json_key(out, "hints", &first);
	fputc('[', out);
	for (int i = 0; i < d->nhints; i++) {
		if (i)
			fputc(',', out);
		json_string(out, d->hints[i]);
	}
	fputs("],", out);
	json_key(out, "checks", &(bool){ true });
	fputc('[', out);
	for (int i = 0; i < d->nchecks; i++) {
		bool cfirst = true;

		fputs(i ? ",{" : "{", out);
		json_kv_string(out, "name", d->checks[i].name, &cfirst);
		json_kv_string(out, "state", check_state_name(d->checks[i].state), &cfirst);
		json_kv_bool(out, "decisive", d->checks[i].decisive, &cfirst);
		json_kv_string(out, "detail", d->checks[i].detail, &cfirst);
		fputc('}', out);
	}
	fputc(']', out);
	output_json_setting(out, &f->setting, &(bool){ false });
	if (arch_ops_for(f->arch)->json_facts)
		arch_ops_for(f->arch)->json_facts(out, f, &(bool){ false });
	json_probe(out, &f->probe);
	if (readiness) {
		json_key(out, "readiness", &(bool){ false });
		readiness_json(out, readiness);
	}
	fputs("}\n", out);
}
