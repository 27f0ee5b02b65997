/* kvm_probe_record.c - the probe's outcome as a snapshot keeps it
 * (DIR/kvm-probe, "key=value" lines): written by kvm-ok --collect, read back
 * under --sysroot; both here, so that the two cannot drift apart */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errno_name.h"
#include "kvm_probe.h"

static int record_errno(const char *key, const char *value, int *out, struct kvm_probe *p)
{
	if (strcmp(value, "ok") == 0) {
		*out = 0;
		return 0;
	}
	*out = errno_from_name(value);
	if (*out == 0) {
		snprintf(p->record_error, sizeof(p->record_error),
			 "%.40s: \"%.40s\" is neither ok nor an errno name like EBUSY", key, value);
		return -1;
	}
	return 0;
}

static int record_number(const char *key, const char *value, double *out, struct kvm_probe *p)
{
	char *end;

	errno = 0;
	*out = strtod(value, &end);
	if (errno || end == value || *end || !(*out > 0) || *out > 1e12) {
		snprintf(p->record_error, sizeof(p->record_error),
			 "%.40s: \"%.40s\" is not a positive number", key, value);
		return -1;
	}
	return 0;
}

static int record_bool(const char *key, const char *value, bool *out, struct kvm_probe *p)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0) {
		*out = value[0] == 'y';
		return 0;
	}
	snprintf(p->record_error, sizeof(p->record_error), "%.40s: \"%.40s\" is neither yes nor no", key, value);
	return -1;
}

/* A whole number from lo to hi. */
static int record_range(const char *key, const char *value, long lo, long hi, long *out, struct kvm_probe *p)
{
	char *end;

	*out = strtol(value, &end, 10);
	if (end == value || *end || *out < lo || *out > hi) {
		snprintf(p->record_error, sizeof(p->record_error), "%.40s: \"%.40s\" is not %ld to %ld", key, value,
			 lo, hi);
		return -1;
	}
	return 0;
}

/* The KVM_CHECK_EXTENSION answers a record keeps, in its order. */
static const struct {
	const char *key;
	size_t offset;		/* of its int in struct kvm_probe */
} record_caps[] = {
	{ "nr_vcpus", offsetof(struct kvm_probe, nr_vcpus) },
	{ "max_vcpus", offsetof(struct kvm_probe, max_vcpus) },
	{ "nr_memslots", offsetof(struct kvm_probe, nr_memslots) },
	{ "irqchip", offsetof(struct kvm_probe, irqchip) },
	{ "ipa_bits", offsetof(struct kvm_probe, ipa_bits) },
	{ "arm_el2", offsetof(struct kvm_probe, arm_el2) },
};

#define RECORD_CAPS (sizeof(record_caps) / sizeof(record_caps[0]))

/* The KVM_CHECK_EXTENSION answer a record's key names, or NULL. */
static int *capability_slot(struct kvm_probe *p, const char *key)
{
	for (size_t i = 0; i < RECORD_CAPS; i++)
		if (strcmp(key, record_caps[i].key) == 0)
			return (int *)((char *)p + record_caps[i].offset);
	return NULL;
}

/* What the record's lines say besides the probe's own fields. */
struct record_state {
	int open_error, api_error, vm_error, guest_error;	/* the steps' errnos; 0 ok */
	bool have_guest, have_native;				/* the two timings seen */
};

/* One "key=value" line of the record. */
static int record_line(char *line, struct record_state *st, struct kvm_probe *p)
{
	char *eq = strchr(line, '='), *value;
	double number;
	long whole;
	int *slot;

	if (!eq) {
		snprintf(p->record_error, sizeof(p->record_error), "\"%.60s\" is not key=value", line);
		return -1;
	}
	*eq = '\0';
	value = eq + 1;
	if (strcmp(line, "open") == 0)
		return record_errno(line, value, &st->open_error, p);
	if (strcmp(line, "api_version_error") == 0)
		return record_errno(line, value, &st->api_error, p);
	if (strcmp(line, "create_vm") == 0)
		return record_errno(line, value, &st->vm_error, p);
	if (strcmp(line, "guest") == 0)
		return record_errno(line, value, &st->guest_error, p);
	if (strcmp(line, "deadline_ms") == 0) {
		if (record_range(line, value, 10, 60000, &whole, p) < 0)
			return -1;
		p->deadline_ms = (int)whole;
		return 0;
	}
	if (strcmp(line, "timeout") == 0)
		return record_bool(line, value, &p->timed_out, p);
	if (strcmp(line, "host_busy") == 0)
		return record_bool(line, value, &p->host_busy, p);
	if (strcmp(line, "guest_finished") == 0)
		return record_bool(line, value, &p->guest.finished, p);
	if (strcmp(line, "guest_measurements") == 0) {
		if (record_range(line, value, 1, 3, &whole, p) < 0)
			return -1;
		p->guest.measurements = (unsigned)whole;
		return 0;
	}
	if ((slot = capability_slot(p, line)) != NULL) {
		long v = strtol(value, &eq, 10);

		if (eq == value || *eq || v < 0 || v > 1000000) {
			snprintf(p->record_error, sizeof(p->record_error), "%.20s: \"%.40s\" is not a count", line, value);
			return -1;
		}
		*slot = (int)v;
		return 0;
	}
	if (strcmp(line, "api_version") == 0) {
		char *end;
		long v = strtol(value, &end, 10);

		if (end == value || *end || v < -1 || v > 1000000) {
			snprintf(p->record_error, sizeof(p->record_error),
				 "api_version: \"%.40s\" is not a number", value);
			return -1;
		}
		p->api_version = (int)v;
		return 0;
	}
	if (strcmp(line, "guest_ns_per_iteration") == 0 || strcmp(line, "native_ns_per_iteration") == 0) {
		bool guest = line[0] == 'g';

		if (record_number(line, value, &number, p) < 0)
			return -1;
		(guest ? &p->guest : &p->native)->ns_per_iteration = number;
		*(guest ? &st->have_guest : &st->have_native) = true;
		return 0;
	}
	snprintf(p->record_error, sizeof(p->record_error), "unknown key \"%.40s\"", line);
	return -1;
}

/* The step that failed, from the errnos the lines gave; 0, or -1 with
 * p->record_error when a complete probe lacks its timings. */
static int record_outcome(const struct record_state *st, struct kvm_probe *p)
{
	p->failed_step = PROBE_OPEN;
	if (st->open_error > 0) {
		p->error = st->open_error;
		return 0;
	}
	p->failed_step = PROBE_API_VERSION;
	if (p->api_version < 0) {
		p->error = st->api_error > 0 ? st->api_error : ENOTTY;
		return 0;
	}
	if (p->api_version != KVM_API_VERSION_EXPECTED)
		return 0;
	p->failed_step = PROBE_CREATE_VM;
	if (st->vm_error) {
		p->error = st->vm_error;
		return 0;
	}
	p->failed_step = PROBE_GUEST;
	if (st->guest_error) {
		p->error = st->guest_error;
		snprintf(p->detail, sizeof(p->detail), "recorded failure of the test guest");
		return 0;
	}
	if (p->timed_out) {
		snprintf(p->detail, sizeof(p->detail), "no answer within %d ms (recorded)%s", p->deadline_ms,
			 p->host_busy ? ", the host too busy to tell" : "");
		return 0;
	}
	if (!st->have_guest || !st->have_native) {
		snprintf(p->record_error, sizeof(p->record_error),
			 "guest_ns_per_iteration and native_ns_per_iteration are both needed");
		return -1;
	}
	p->failed_step = PROBE_COMPLETE;
	if (p->guest.measurements == 0)	/* a record from before the key */
		p->guest.measurements = 1;
	kvm_probe_compute_slowdown(p);
	return 0;
}

int kvm_probe_parse_record(const char *text, struct kvm_probe *p)
{
	struct record_state st = { .open_error = -1 };
	char line[256];

	p->api_version = KVM_API_VERSION_EXPECTED;
	p->guest.finished = true;
	while (*text) {
		size_t len = strcspn(text, "\n");

		if (len >= sizeof(line)) {
			snprintf(p->record_error, sizeof(p->record_error), "a line is longer than %zu bytes",
				 sizeof(line) - 1);
			return -1;
		}
		memcpy(line, text, len);
		line[len] = '\0';
		text += len + (text[len] == '\n');
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (record_line(line, &st, p) < 0)
			return -1;
	}
	return record_outcome(&st, p);
}

static const char *errno_or_ok(int error)
{
	return error ? errno_name(error) : "ok";
}

int kvm_probe_format_record(const struct kvm_probe *p, char *record, size_t size)
{
	int len = 0;

	len += snprintf(record + len, size - (size_t)len,
			"# outcome of kvm-ok's functional and speed probe, see kvm-ok(1)\ndeadline_ms=%d\n", p->deadline_ms);
	len += snprintf(record + len, size - (size_t)len, "open=%s\n",
			p->failed_step == PROBE_OPEN && !p->timed_out ? errno_or_ok(p->error) : "ok");
	if (p->failed_step > PROBE_OPEN || p->timed_out)
		len += snprintf(record + len, size - (size_t)len, "api_version=%d\n", p->api_version);
	if (p->failed_step == PROBE_API_VERSION && p->api_version < 0 && p->error && !p->timed_out)
		len += snprintf(record + len, size - (size_t)len, "api_version_error=%s\n", errno_or_ok(p->error));
	if (p->failed_step > PROBE_API_VERSION) {
		/* an answer that failed (-1) is kept as 0, unknown */
		for (size_t i = 0; i < RECORD_CAPS; i++) {
			int answer = *(const int *)((const char *)p + record_caps[i].offset);

			len += snprintf(record + len, size - (size_t)len, "%s=%d\n", record_caps[i].key,
					answer > 0 ? answer : 0);
		}
		len += snprintf(record + len, size - (size_t)len, "create_vm=%s\n",
				p->failed_step == PROBE_CREATE_VM ? errno_or_ok(p->error) : "ok");
	}
	if (p->failed_step > PROBE_CREATE_VM)
		len += snprintf(record + len, size - (size_t)len, "guest=%s\n",
				p->failed_step == PROBE_GUEST ? errno_or_ok(p->error ? p->error : EIO) : "ok");
	if (p->timed_out)
		len += snprintf(record + len, size - (size_t)len, "timeout=yes\nhost_busy=%s\n",
				p->host_busy ? "yes" : "no");
	if (p->failed_step == PROBE_COMPLETE && !p->timed_out)
		len += snprintf(record + len, size - (size_t)len,
				"guest_ns_per_iteration=%.17g\nnative_ns_per_iteration=%.17g\nguest_finished=%s\n"
				"guest_measurements=%u\n",
				p->guest.ns_per_iteration, p->native.ns_per_iteration, p->guest.finished ? "yes" : "no",
				p->guest.measurements ? p->guest.measurements : 1);
	return len;
}
