/* kvm-ok - tell whether KVM acceleration can be used here, and if not, why
 *
 * kvm-ok [-q|-v] [--json] [--no-probe] [--sysroot DIR]
 * Exit status: 0 can be used, 1 can NOT be used, 2 could not decide.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "cli.h"
#include "collect.h"
#include "fleet.h"
#include "held_signals.h"
#include "host.h"
#include "output.h"
#include "readiness.h"
#include "report.h"
#include "snapshot_unpack.h"
#include "verdict.h"

#ifndef KVMHOST_VERSION
#define KVMHOST_VERSION "unknown"
#endif

#define EXIT_USAGE 2
#define EXIT_OUTPUT 3	/* --output FILE could not be written: nothing replaced */

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_PROMETHEUS, FORMAT_NFD };

struct options {
	bool quiet, verbose, probe, report, include_serials, all;
	enum format format;
	int probe_timeout_ms;
	const char *sysroot, *collect, *output;
};

static void usage(FILE *out)
{
	fputs("Usage: kvm-ok [OPTION]...\n"
	      "Tell whether KVM acceleration can be used on this host, and if not, why and what to do.\n\n"
	      "  -q, --quiet          print nothing; only the exit status tells\n"
	      "  -v, --verbose        show every check, not only the decisive ones\n"
	      "      --json           print one JSON object instead of text (--format=json)\n"
	      "      --format=FORMAT  text, json, prometheus (node_exporter textfile) or nfd\n"
	      "                       (Kubernetes node-feature-discovery local source)\n"
	      "      --no-probe       do not run the test guest on /dev/kvm (verdict then unknown)\n"
	      "      --probe-timeout MS  give up on /dev/kvm after MS milliseconds (default 50;\n"
	      "                       2000 under QEMU's TCG emulation)\n"
	      "      --all            add the host readiness section (networking devices, IOMMU,\n"
	      "                       SEV/TDX, nested, KVM limits, memory); -v adds it too\n"
	      "      --report         print the bug-report block (firmware, model, CPU, kernel, KVM, PCI, QEMU)\n"
	      "      --collect DEST   also write a snapshot of this host (a directory, or DEST.tar.gz)\n"
	      "                       that --sysroot DEST replays\n"
	      "      --include-serials  add SMBIOS serial numbers and UUID (personal data) to --report/--collect\n"
	      "      --sysroot DIR    examine the host image under DIR instead of this host\n"
	      "      --output FILE    write the output to FILE whole or not at all (replaced by rename;\n"
	      "                       for node_exporter's textfile collector), not to standard output\n"
	      "  -h, --help           show this help\n"
	      "  -V, --version        show the version\n\n"
	      "Exit status: 0 KVM acceleration can be used, 1 it can NOT be used,\n"
	      "2 could not decide (usage error, or a check that needs root), 3 --output FILE not written.\n"
	      "See kvm-ok(1).\n", out);
}

enum { OPT_JSON = 256, OPT_FORMAT, OPT_ALL, OPT_NO_PROBE, OPT_PROBE_TIMEOUT, OPT_SYSROOT, OPT_REPORT, OPT_COLLECT,
       OPT_SERIALS, OPT_OUTPUT };

/* --format NAME: 0, or -1 after saying which names there are. */
static int take_format(struct options *o, const char *name)
{
	static const struct {
		const char *name;
		enum format format;
	} formats[] = {
		{ "text", FORMAT_TEXT }, { "json", FORMAT_JSON }, { "prometheus", FORMAT_PROMETHEUS }, { "nfd", FORMAT_NFD },
	};

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(name, formats[i].name) == 0) {
			o->format = formats[i].format;
			return 0;
		}
	fprintf(stderr, "kvm-ok: --format %s: give text, json, prometheus or nfd\n", cli_shown(name));
	return -1;
}

/* One option getopt_long returned, with its value; 0 or -1. */
static int take_option(struct options *o, int c, const char *value)
{
	long ms;

	switch (c) {
	case 'q':
		o->quiet = true;
		return 0;
	case 'v':
		o->verbose = true;
		return 0;
	case OPT_JSON:
		o->format = FORMAT_JSON;
		return 0;
	case OPT_ALL:
		o->all = true;
		return 0;
	case OPT_FORMAT:
		return take_format(o, value);
	case OPT_NO_PROBE:
		o->probe = false;
		return 0;
	case OPT_PROBE_TIMEOUT:
		if (!cli_parse_int(value, 10, 60000, &ms)) {
			fprintf(stderr, "kvm-ok: --probe-timeout %s: give milliseconds from 10 to 60000\n", cli_shown(value));
			return -1;
		}
		o->probe_timeout_ms = (int)ms;
		return 0;
	case OPT_SYSROOT:
		o->sysroot = value;
		return 0;
	case OPT_REPORT:
		o->report = true;
		return 0;
	case OPT_COLLECT:
		o->collect = value;
		return 0;
	case OPT_OUTPUT:
		o->output = value;
		return 0;
	case OPT_SERIALS:
		o->include_serials = true;
		return 0;
	case 'h':
		usage(stdout);
		exit(cli_stdout_ok("kvm-ok") ? 0 : EXIT_USAGE);
	case 'V':
		printf("kvm-ok %s\n", KVMHOST_VERSION);
		exit(cli_stdout_ok("kvm-ok") ? 0 : EXIT_USAGE);
	default:
		usage(stderr);
		return -1;
	}
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "no-probe", no_argument, NULL, OPT_NO_PROBE },
		{ "probe-timeout", required_argument, NULL, OPT_PROBE_TIMEOUT },
		{ "sysroot", required_argument, NULL, OPT_SYSROOT },
		{ "report", no_argument, NULL, OPT_REPORT },
		{ "collect", required_argument, NULL, OPT_COLLECT },
		{ "include-serials", no_argument, NULL, OPT_SERIALS },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->probe = true;
	while ((c = getopt_long(argc, argv, "qvhV", longopts, NULL)) != -1)
		if (take_option(o, c, optarg) < 0)
			return -1;
	if (o->report && (o->format == FORMAT_PROMETHEUS || o->format == FORMAT_NFD)) {
		fprintf(stderr, "kvm-ok: --report is text or JSON\n");
		return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "kvm-ok: unexpected argument \"%s\"; kvm-ok takes options only (see kvm-ok --help)\n",
			cli_shown(argv[optind]));
		return -1;
	}
	return 0;
}

static int check_sysroot(const char *dir)
{
	char why[128];

	if (sysroot_check_dir(dir, why, sizeof(why)) < 0) {
		fprintf(stderr, "kvm-ok: --sysroot %s: %s; give the directory of a host image\n", cli_shown(dir), why);
		return -1;
	}
	return 0;
}

/* Probe, decide, print: the verdict's exit status. */
static int examine(const struct options *o, const struct sysroot *root)
{
	const struct options opts = *o;
	struct host_options host_opts;
	struct host_facts facts;
	struct diagnosis diag;
	static struct report_facts report;
	static struct readiness ready;
	struct atomic_file file;
	FILE *out = stdout;
	char why[512];
	int status;

	host_opts.probe = opts.probe;
	host_opts.probe_deadline_ms = opts.probe_timeout_ms;
	host_gather(root, &host_opts, &facts);
	diagnose(&facts, &diag);

	if (opts.all || opts.verbose)
		readiness_gather(&facts, &ready);
	if (opts.report || opts.collect)
		report_gather(root, opts.include_serials, &report);
	if (opts.collect) {
		if (collect_snapshot(opts.collect, &facts, &report, opts.include_serials, why, sizeof(why)) < 0) {
			fprintf(stderr, "kvm-ok: --collect %s: %s\n", cli_shown(opts.collect), why);
			host_release(&facts);
			return EXIT_USAGE;
		}
		if (!opts.quiet)
			fprintf(stderr, "kvm-ok: snapshot written to %s, readable by its owner only (replay: "
				"kvm-ok --sysroot %s)\n", opts.collect, opts.collect);
	}
	if (opts.output && !(out = atomic_file_begin(&file, opts.output, 0644, why, sizeof(why)))) {
		fprintf(stderr, "kvm-ok: --output %s: %s\n", cli_shown(opts.output), why);
		host_release(&facts);
		return EXIT_OUTPUT;
	}
	if (opts.report && opts.format == FORMAT_JSON)
		report_json(out, &facts, &diag, &report, KVMHOST_VERSION);
	else if (opts.report)
		report_text(out, &facts, &diag, &report, KVMHOST_VERSION);
	else if (opts.format == FORMAT_JSON)
		output_json(out, &facts, &diag, KVMHOST_VERSION, opts.all || opts.verbose ? &ready : NULL);
	else if (opts.format == FORMAT_PROMETHEUS)
		fleet_prometheus(out, &facts, &diag, KVMHOST_VERSION);
	else if (opts.format == FORMAT_NFD)
		fleet_nfd(out, &facts, &diag);
	else if (!opts.quiet)
		output_text(out, &diag, opts.verbose, output_wants_colour(out),
			    opts.all || opts.verbose ? &ready : NULL);

	status = verdict_exit_status(diag.verdict);
	host_release(&facts);
	if (opts.output && atomic_file_commit(&file, why, sizeof(why)) < 0) {
		fprintf(stderr, "kvm-ok: --output %s: %s\n", cli_shown(opts.output), why);
		return EXIT_OUTPUT;
	}
	if (!opts.output && !cli_stdout_ok("kvm-ok"))
		return EXIT_USAGE;
	return status;
}

/* --sysroot host.tar.gz: unpacked into a private directory for the run and
 * removed afterwards (signals held meanwhile, so a Ctrl-C cannot leave it). */
static int replay_archive(const struct options *o)
{
	struct unpacked_snapshot u;
	struct held_signals held;
	struct sysroot root = { NULL };
	char why[512];
	int status;

	signals_hold(&held);
	if (snapshot_unpack(o->sysroot, &u, why, sizeof(why)) < 0) {
		fprintf(stderr, "kvm-ok: --sysroot %s: %s; give a snapshot written by kvm-ok --collect\n",
			cli_shown(o->sysroot), why);
		signals_release(&held);
		return EXIT_USAGE;
	}
	root.dir = u.root;
	status = signals_pending(&held) ? EXIT_USAGE : examine(o, &root);
	kvm_probe_reap(KVM_PROBE_REAP_MS);
	snapshot_unpacked_remove(&u);
	signals_release(&held);
	return status;
}

int main(int argc, char **argv)
{
	struct options opts;
	struct sysroot root = { NULL };
	int status;

	if (parse_options(argc, argv, &opts) < 0)
		return EXIT_USAGE;
	if (opts.sysroot && snapshot_is_archive(opts.sysroot)) {
		char why[128];

		if (sysroot_check_dir("/", why, sizeof(why)) < 0) {	/* the set-user-ID refusal */
			fprintf(stderr, "kvm-ok: --sysroot %s: %s\n", cli_shown(opts.sysroot), why);
			return EXIT_USAGE;
		}
		return replay_archive(&opts);
	}
	if (opts.sysroot) {
		if (check_sysroot(opts.sysroot) < 0)
			return EXIT_USAGE;
		root.dir = opts.sysroot;
	}
	status = examine(&opts, &root);
	/* the output is out; the probe's child may still be tearing its VM
	 * down: collect it, so that nothing of kvm-ok outlives it */
	kvm_probe_reap(KVM_PROBE_REAP_MS);
	return status;
}
