/* options.c - the runner's own options (getopt_long), then QEMU's arguments */
#include "options.h"

#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "machine.h"

#ifndef KVMHOST_VERSION
#define KVMHOST_VERSION "unknown"
#endif

const char *prog = "runner";

void usage(FILE *out)
{
	const char *slash = strrchr(machine.engine, '/');

	fprintf(out,
		"Usage: %s [RUNNER OPTION]... [--] [QEMU ARGUMENT]...\n"
		"Start %s on KVM when KVM really works here, otherwise on TCG.\n\n"
		"  --accel=auto         KVM when usable and accelerating, else TCG with a note (default)\n"
		"  --accel=kvm, --require-kvm  KVM or nothing: refuse (exit 4) with the diagnosis\n"
		"  --accel=tcg          TCG emulation, whatever KVM can do\n"
		"  -q, --quiet          no note when falling back to TCG\n"
		"  --explain            print the decision, the reason and the QEMU command; start nothing\n"
		"  --qemu PATH          the engine (default $RUNNER_QEMU, else %s)\n"
		"  --kernel FILE        boot a Linux kernel with the fast profile (-M %s)\n"
		"  --initrd FILE        its initramfs\n"
		"  --append STRING      more kernel arguments\n"
		"  --selftest           boot the bundled micro guest and report speeds\n"
		"  --disk IMAGE         boot a disk made by --make-debian-root (its kernel beside it)\n"
		"  --make-debian-root IMAGE  a bootable Debian disk image (mmdebstrap as root or a user,\n"
		"       else debootstrap as root; see runner(1)): [--suite SUITE (the running release)]\n"
		"       [--size 2G] [--packages a,b] [--mirror URL] [--bootstrap mmdebstrap|debootstrap]\n"
		"       [--root-password-file FILE] [--first-boot SCRIPT]; IMAGE.qcow2 gives qcow2\n"
		"  --probe-timeout MS   bound of the /dev/kvm probe (as kvm-ok)\n"
		"  --sysroot DIR        judge KVM on the host image under DIR (tests)\n"
		"  -h, --help           show this help\n"
		"  -V, --version        show the version\n\n"
		"The QEMU arguments are passed on unchanged.  Exit status: QEMU's own; 2 usage,\n"
		"4 refused, 126 engine cannot run, 127 engine not found.  See runner(1).\n", prog,
		slash ? slash + 1 : machine.engine, machine.engine, machine.linux_machine[ON_TCG]);
}

enum {
	OPT_ACCEL = 256,
	OPT_REQUIRE_KVM,
	OPT_EXPLAIN,
	OPT_SELFTEST,
	OPT_PROBE_TIMEOUT,
	OPT_STRING,		/* OPT_STRING + k: string_options[k] */
};

/* The options that take a file name or another string: where it goes. */
static const struct {
	const char *name;
	size_t offset;		/* of its const char * in struct options */
} string_options[] = {
	{ "qemu", offsetof(struct options, engine) },
	{ "kernel", offsetof(struct options, kernel) },
	{ "initrd", offsetof(struct options, initrd) },
	{ "append", offsetof(struct options, append) },
	{ "sysroot", offsetof(struct options, sysroot) },
	{ "disk", offsetof(struct options, disk) },
	{ "make-debian-root", offsetof(struct options, debian.image) },
	{ "suite", offsetof(struct options, debian.suite) },
	{ "size", offsetof(struct options, debian.size) },
	{ "packages", offsetof(struct options, debian.packages) },
	{ "mirror", offsetof(struct options, debian.mirror) },
	{ "root-password-file", offsetof(struct options, debian.root_password_file) },
	{ "first-boot", offsetof(struct options, debian.first_boot) },
	{ "bootstrap", offsetof(struct options, debian.bootstrap) },
};

#define STRING_OPTIONS (sizeof(string_options) / sizeof(string_options[0]))

static const struct option flag_options[] = {
	{ "accel", required_argument, NULL, OPT_ACCEL },
	{ "require-kvm", no_argument, NULL, OPT_REQUIRE_KVM },
	{ "quiet", no_argument, NULL, 'q' },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "selftest", no_argument, NULL, OPT_SELFTEST },
	{ "probe-timeout", required_argument, NULL, OPT_PROBE_TIMEOUT },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
};

#define FLAG_OPTIONS (sizeof(flag_options) / sizeof(flag_options[0]))

/* getopt_long's table: the flags, then the string options, then the end. */
static void option_table(struct option table[FLAG_OPTIONS + STRING_OPTIONS + 1])
{
	memcpy(table, flag_options, sizeof(flag_options));
	for (size_t k = 0; k < STRING_OPTIONS; k++)
		table[FLAG_OPTIONS + k] = (struct option){ string_options[k].name, required_argument, NULL,
							   OPT_STRING + (int)k };
	table[FLAG_OPTIONS + STRING_OPTIONS] = (struct option){ 0 };
}

/* Whether arg is exactly one of the runner's options ("--name", "--name=
 * value", -q, -h, -V) or "--": anything else starts QEMU's arguments (so
 * that neither -qmp nor an abbreviation like --k is taken for ours). */
static bool runner_option(const char *arg, const struct option *table)
{
	size_t len;

	if (strcmp(arg, "--") == 0 || strcmp(arg, "-q") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "-V") == 0)
		return true;
	if (strncmp(arg, "--", 2) != 0)
		return false;
	len = strcspn(arg + 2, "=");
	for (const struct option *t = table; t->name; t++)
		if (strlen(t->name) == len && strncmp(arg + 2, t->name, len) == 0)
			return true;
	return false;
}

static int set_mode(struct options *o, enum accel_mode mode)
{
	if (o->mode_given && o->mode != mode) {
		fprintf(stderr, "%s: the accelerator is chosen twice, differently\n", prog);
		return -1;
	}
	o->mode = mode;
	o->mode_given = true;
	return 0;
}

/* One option getopt_long returned, with its value; 0 or -1. */
static int take_option(struct options *o, int c, const char *value)
{
	long ms;

	if (c >= OPT_STRING) {
		const char **slot = (const char **)((char *)o + string_options[c - OPT_STRING].offset);

		/* an empty file name is no name (--make-debian-root "" must not
		 * start a debootstrap); --append may be empty */
		if (!*value && strcmp(string_options[c - OPT_STRING].name, "append") != 0) {
			fprintf(stderr, "%s: --%s needs a value\n", prog, string_options[c - OPT_STRING].name);
			return -1;
		}
		*slot = value;
		return 0;
	}
	switch (c) {
	case OPT_ACCEL:
		if (strcmp(value, "auto") && strcmp(value, "kvm") && strcmp(value, "tcg")) {
			fprintf(stderr, "%s: --accel takes auto, kvm or tcg\n", prog);
			return -1;
		}
		return set_mode(o, value[0] == 'a' ? MODE_AUTO : value[0] == 'k' ? MODE_KVM : MODE_TCG);
	case OPT_REQUIRE_KVM:
		return set_mode(o, MODE_KVM);
	case 'q':
		o->quiet = true;
		return 0;
	case OPT_EXPLAIN:
		o->explain = true;
		return 0;
	case OPT_SELFTEST:
		o->selftest = true;
		return 0;
	case OPT_PROBE_TIMEOUT:
		if (!cli_parse_int(value, 10, 60000, &ms)) {
			fprintf(stderr, "%s: --probe-timeout %s: give milliseconds from 10 to 60000\n", prog,
				cli_shown(value));
			return -1;
		}
		o->probe_timeout_ms = (int)ms;
		return 0;
	case 'h':
		usage(stdout);
		exit(cli_stdout_ok(prog) ? 0 : EXIT_USAGE);
	case 'V':
		printf("%s %s\n", prog, KVMHOST_VERSION);
		exit(cli_stdout_ok(prog) ? 0 : EXIT_USAGE);
	}
	return -1;
}

/* The options that only go together with another. */
static int check_combinations(const struct options *o)
{
	if ((o->debian.suite || o->debian.size || o->debian.packages || o->debian.mirror ||
	     o->debian.root_password_file || o->debian.first_boot || o->debian.bootstrap) && !o->debian.image) {
		fprintf(stderr, "%s: --suite, --size, --packages, --mirror, --root-password-file, --first-boot and --bootstrap "
			"go with --make-debian-root\n", prog);
		return -1;
	}
	if (o->disk && o->kernel) {
		fprintf(stderr, "%s: --disk boots the kernel kept beside the image; drop --kernel\n", prog);
		return -1;
	}
	if (o->initrd && !o->kernel) {
		fprintf(stderr, "%s: --initrd goes with --kernel\n", prog);
		return -1;
	}
	if (o->append && !o->kernel && !o->disk) {
		fprintf(stderr, "%s: --append goes with --kernel or --disk\n", prog);
		return -1;
	}
	if (o->append && strlen(o->append) > MAX_APPEND) {
		fprintf(stderr, "%s: --append: %zu bytes; a Linux kernel takes a command line of at most %d, "
			"and the runner's own arguments need up to %d of them\n", prog, strlen(o->append),
			KERNEL_COMMAND_LINE, KERNEL_COMMAND_LINE - MAX_APPEND);
		return -1;
	}
	if (o->selftest && (o->kernel || o->qemu_argc > 0)) {
		fprintf(stderr, "%s: --selftest boots the bundled guest and takes no QEMU arguments\n", prog);
		return -1;
	}
	return 0;
}

int parse_options(int argc, char **argv, struct options *o)
{
	struct option table[FLAG_OPTIONS + STRING_OPTIONS + 1];

	memset(o, 0, sizeof(*o));
	option_table(table);
	opterr = 0;	/* the messages are ours */
	optind = 1;
	while (optind < argc && runner_option(argv[optind], table)) {
		const char *arg = argv[optind];
		int c = getopt_long(argc, argv, "+:qhV", table, NULL);

		if (c == -1)	/* "--" */
			break;
		if (c == ':' && strncmp(arg, "--accel", 7) == 0) {
			fprintf(stderr, "%s: --accel takes auto, kvm or tcg\n", prog);
			return -1;
		}
		if (c == '?' && strchr(arg, '=')) {
			fprintf(stderr, "%s: %.*s takes no value\n", prog, (int)strcspn(arg, "="), arg);
			return -1;
		}
		if (c == ':' || c == '?') {
			fprintf(stderr, "%s: %.*s needs a value\n", prog, (int)strcspn(arg, "="), arg);
			return -1;
		}
		if (take_option(o, c, optarg) < 0)
			return -1;
	}
	o->qemu_argc = argc - optind;
	o->qemu_argv = argv + optind;
	return check_combinations(o);
}
