/* status.c - modload --status: the modules, /dev/kvm, whether it opens */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "errno_name.h"
#include "json.h"
#include "kvm_probe.h"
#include "modload.h"
#include "modules.h"

/* the modules --status shows, in its order */
enum status_slot { SLOT_KVM, SLOT_VENDOR, SLOT_PVM, SLOT_MSR, STATUS_MODULES };

static void status_json(const char *const names[], const struct module_info info[], int count,
			const struct kvm_node *node, bool loaded, bool device, int open_error)
{
	bool first = true, dfirst = true;

	fputc('{', stdout);
	json_kv_string(stdout, "vendor_module", count > SLOT_VENDOR ? names[SLOT_VENDOR] : NULL, &first);
	json_key(stdout, "modules", &first);
	fputc('{', stdout);
	for (int i = 0; i < count; i++) {
		bool mfirst = true;

		if (i)
			fputc(',', stdout);
		json_string(stdout, names[i]);
		fputs(":{", stdout);
		json_kv_string(stdout, "state", module_state_code(info[i].state), &mfirst);
		json_kv_string(stdout, "nested", info[i].nested[0] ? info[i].nested : NULL, &mfirst);
		fputc('}', stdout);
	}
	fputc('}', stdout);
	json_key(stdout, "device", &first);
	fputc('{', stdout);
	json_kv_bool(stdout, "exists", device, &dfirst);
	if (device) {
		char mode[8];

		snprintf(mode, sizeof(mode), "%04o", (unsigned int)node->mode);
		json_kv_string(stdout, "owner", node->owner, &dfirst);
		json_kv_string(stdout, "group", node->group, &dfirst);
		json_kv_string(stdout, "mode", mode, &dfirst);
		json_kv_bool(stdout, "openable", open_error == 0, &dfirst);
		json_kv_string(stdout, "open_error", open_error ? errno_name(open_error) : NULL, &dfirst);
	}
	fputc('}', stdout);
	json_kv_bool(stdout, "loaded", loaded && device && open_error == 0, &first);
	fputs("}\n", stdout);
}

static void status_device(const struct kvm_node *node, bool device, int open_error)
{
	if (device) {
		char desc[200];

		kvm_node_describe(node, desc, sizeof(desc));
		printf("/dev/kvm: %s\n", desc);
		if (open_error)
			printf("/dev/kvm: cannot be opened read-write: %s (%s)\n", strerror(open_error),
			       open_error == EPERM ? "EPERM: a device cgroup, seccomp or a security module refuses it, not the mode"
			       : errno_name(open_error));
	} else {
		printf("/dev/kvm: absent\n");
	}
}

static void status_text(const char *const names[], const struct module_info info[], const struct kvm_node *node,
			bool device, int open_error)
{
	for (int i = 0; i < STATUS_MODULES; i++) {
		if (i == SLOT_PVM && info[i].state == MODULE_ABSENT)
			continue;	/* kvm_pvm: only where it exists */
		printf("%s: %s%s%s\n", names[i], module_state_text(info[i].state),
		       info[i].nested[0] ? ", nested=" : "", info[i].nested);
	}
	status_device(node, device, open_error);
}

/* Whether the caller may open the device read-write: 0, or the errno.  A
 * snapshot's device answers as its record says. */
int device_open_error(const struct sysroot *root, const struct kvm_node *node)
{
	int fd;

	if (node->kind == KVM_NODE_STANDIN) {
		struct kvm_probe p;

		kvm_probe_run(root, node, 0, &p);
		return p.ran && !p.timed_out && p.failed_step == PROBE_OPEN ? p.error : 0;
	}
	fd = sysroot_open(root, KVM_DEVICE_PATH, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

int do_status(const struct options *o, const struct sysroot *root, const char *mod)
{
	const char *const names[STATUS_MODULES] = {
		[SLOT_KVM] = "kvm", [SLOT_VENDOR] = mod, [SLOT_PVM] = "kvm_pvm", [SLOT_MSR] = "msr",
	};
	struct module_info info[STATUS_MODULES];
	struct kvm_node node;
	bool loaded, device;
	int open_error = 0;

	for (int i = 0; i < STATUS_MODULES; i++)
		module_probe(root, names[i], &info[i]);
	kvm_node_inspect(root, &node);
	loaded = module_is_loaded(&info[SLOT_VENDOR]) || module_is_loaded(&info[SLOT_PVM]);
	device = kvm_node_present(&node);
	if (device)
		open_error = device_open_error(root, &node);
	if (o->json)
		status_json(names, info, STATUS_MODULES, &node, loaded, device, open_error);
	else if (!o->quiet)
		status_text(names, info, &node, device, open_error);
	if (!cli_stdout_ok("modload"))
		return EXIT_NOT_LOADED;
	/* "loaded" only where the device can be used: not behind a device
	 * cgroup; a device that opens is a module at work, whatever /sys/module
	 * shows (systemd-nspawn shows none) */
	return device && open_error == 0 && (loaded || !modules_visible(root)) ? EXIT_LOADED : EXIT_STATUS_NOT_LOADED;
}


/* --status where KVM is built into the kernel: the one module, the device. */
int built_in_status(const struct options *o, const struct module_info *kvm, const struct kvm_node *node,
		    bool device, int open_error)
{
	if (o->json) {
		const char *const names[] = { "kvm" };

		status_json(names, kvm, 1, node, true, device, open_error);
	} else if (!o->quiet) {
		printf("kvm: %s\n", module_state_text(kvm->state));
		status_device(node, device, open_error);
	}
	if (!cli_stdout_ok("modload"))
		return EXIT_NOT_LOADED;
	return device && open_error == 0 ? EXIT_LOADED : EXIT_STATUS_NOT_LOADED;
}
