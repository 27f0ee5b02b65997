/* options.c - modload's command line (getopt_long) and its messages */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "modload.h"

bool quiet;

void say(const char *fmt, ...)
{
	va_list ap;

	if (quiet)
		return;
	va_start(ap, fmt);
	fputs("modload: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
}

void complain(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("modload: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void usage(FILE *out)
{
	fputs("Usage: modload [OPTION]...\n"
	      "Load the KVM module that fits this CPU (kvm_intel or kvm_amd) with its dependencies.\n\n"
	      "  -n, --dry-run        show the modules that would be inserted, load nothing\n"
	      "      --nested         load the vendor module with nested=1\n"
	      "      --msr            also load the msr module (kvm-ok reads the firmware lock bits through it)\n"
	      "  -r, --unload         remove the vendor module, then kvm and what nothing else uses\n"
	      "      --status         show what is loaded and /dev/kvm (exit 0 loaded, 3 not)\n"
	      "      --json           with --status: print one JSON object\n"
	      "  -q, --quiet          print only errors (for init scripts)\n"
	      "      --sysroot DIR    read /proc, /sys, /dev and CPUID of the host image under DIR\n"
	      "  -d, --moddir DIR     take modules from DIR instead of /lib/modules/RELEASE\n"
	      "  -h, --help           show this help\n"
	      "  -V, --version        show the version\n\n"
	      "Exit status: 0 loaded or already there, 1 could not load (or unload), 2 usage,\n"
	      "3 --status: not loaded, 4 this host cannot run KVM (the CPU or firmware lacks it).\n"
	      "See modload(8).\n", out);
}

static int check_dir(const char *option, const char *dir)
{
	char why[128];

	if (dir && sysroot_check_dir(dir, why, sizeof(why)) < 0) {
		complain("%s %s: %s", option, cli_shown(dir), why);
		return -1;
	}
	return 0;
}

enum { OPT_NESTED = 256, OPT_MSR, OPT_STATUS, OPT_JSON, OPT_SYSROOT };

/* One option getopt_long returned; -1 for one it does not know. */
static int take_option(struct options *o, int c, bool *unload, bool *status)
{
	switch (c) {
	case 'n':
		o->dry_run = true;
		return 0;
	case OPT_NESTED:
		o->nested = true;
		return 0;
	case OPT_MSR:
		o->msr = true;
		return 0;
	case 'r':
		*unload = true;
		return 0;
	case OPT_STATUS:
		*status = true;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case OPT_SYSROOT:
		o->sysroot = optarg;
		return 0;
	case 'd':
		o->moddir = optarg;
		return 0;
	case 'h':
		usage(stdout);
		exit(cli_stdout_ok("modload") ? EXIT_LOADED : EXIT_USAGE);
	case 'V':
		printf("modload %s\n", KVMHOST_VERSION);
		exit(cli_stdout_ok("modload") ? EXIT_LOADED : EXIT_USAGE);
	default:
		usage(stderr);
		return -1;
	}
}

int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "nested", no_argument, NULL, OPT_NESTED },
		{ "msr", no_argument, NULL, OPT_MSR },
		{ "unload", no_argument, NULL, 'r' },
		{ "status", no_argument, NULL, OPT_STATUS },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "moddir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool unload = false, status = false;
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "nrqd:hV", longopts, NULL)) != -1)
		if (take_option(o, c, &unload, &status) < 0)
			return -1;
	if (optind < argc) {
		complain("unexpected argument \"%s\": modload picks the module itself (see modload --help)",
			 cli_shown(argv[optind]));
		return -1;
	}
	if (unload && status) {
		complain("--unload and --status exclude each other");
		return -1;
	}
	if (o->json && !status) {
		complain("--json goes with --status");
		return -1;
	}
	if ((unload || status) && (o->dry_run || o->nested || o->msr)) {
		complain("--dry-run, --nested and --msr go with loading, not with --%s", unload ? "unload" : "status");
		return -1;
	}
	o->action = unload ? ACTION_UNLOAD : status ? ACTION_STATUS : ACTION_LOAD;
	return check_dir("--sysroot", o->sysroot) < 0 || check_dir("--moddir", o->moddir) < 0 ? -1 : 0;
}

