/* runner - start QEMU on the best accelerator that really works
 *
 * runner [--accel=auto|kvm|tcg] [--require-kvm] [-q] [--explain]
 *        [--qemu PATH] [--kernel F [--initrd F] [--append S]] [--] [QEMU ARGS...]
 * runner --selftest
 * Exit status: QEMU's own; 2 usage, 4 refused (KVM required but not usable),
 * 126 engine cannot run, 127 engine not found.  See runner(1).
 */
#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "host.h"
#include "kvm_probe.h"
#include "output.h"
#include "debian_root.h"
#include "machine.h"
#include "os_release.h"
#include "qemu_args.h"
#include "supervise.h"
#include "verdict.h"

#ifndef KVMHOST_VERSION
#define KVMHOST_VERSION "unknown"
#endif
#ifndef KVMHOST_LIBDIR
#define KVMHOST_LIBDIR "/usr/local/lib/kvm-host-toolkit"
#endif

enum {
	EXIT_USAGE = 2,
	EXIT_SELFTEST_COMPARISON = 3,	/* --selftest: fine on KVM, the TCG comparison failed */
	EXIT_REFUSED = 4,
	EXIT_ENGINE_NOT_RUNNABLE = 126,
	EXIT_ENGINE_NOT_FOUND = 127,
};

#define GUEST_FILE	"microguest.elf"
#define SELFTEST_TIMEOUT_MS 30000

/* What the micro guest and the fast Linux profile have besides the
 * architecture's machine (machine.h): no default devices, the first
 * serial port on standard output. */
static const char *const quiet_devices[] = {
	"-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio",
};

/* the longest --append: the rest of Linux's 2048-byte command line (on
 * x86-64 and arm64) holds the fast arguments, tsc_early_khz= and --disk's root= */
#define KERNEL_COMMAND_LINE 2048
#define MAX_APPEND 1536

enum accel_mode { MODE_AUTO, MODE_KVM, MODE_TCG };

struct options {
	enum accel_mode mode;
	bool mode_given, quiet, explain, selftest;
	const char *engine, *sysroot, *kernel, *initrd, *append, *disk;
	struct debian_root_options debian;	/* --make-debian-root IMAGE */
	int probe_timeout_ms;
	int qemu_argc;
	char **qemu_argv;
};

static const char *prog = "runner";

static void usage(FILE *out)
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
		"  --make-debian-root IMAGE  debootstrap a bootable Debian disk image (root; see runner(1)):\n"
		"       [--suite SUITE (the running release)] [--size 2G] [--packages a,b] [--mirror URL]\n"
		"       [--root-password-file FILE] [--first-boot SCRIPT]; IMAGE.qcow2 gives qcow2\n"
		"  --probe-timeout MS   bound of the /dev/kvm probe (as kvm-ok)\n"
		"  --sysroot DIR        judge KVM on the host image under DIR (tests)\n"
		"  -h, --help           show this help\n"
		"  -V, --version        show the version\n\n"
		"The QEMU arguments are passed on unchanged.  Exit status: QEMU's own; 2 usage,\n"
		"4 refused, 126 engine cannot run, 127 engine not found.  See runner(1).\n", prog,
		slash ? slash + 1 : machine.engine, machine.engine, machine.linux_machine[ON_TCG]);
}

/* "--name=value" or "--name value": the value, advancing *i; NULL if absent. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
	size_t len = strlen(name);
	const char *arg = argv[*i];

	if (strncmp(arg, name, len) != 0)
		return NULL;
	if (arg[len] == '=')
		return arg + len + 1;
	if (arg[len] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static bool is_option(const char *arg, const char *name)
{
	size_t len = strlen(name);

	return strncmp(arg, name, len) == 0 && (arg[len] == '\0' || arg[len] == '=');
}

/* The option ARG names, when it takes a string: where its value goes. */
static const char **string_option(struct options *o, const char *arg, const char **name)
{
	const struct {
		const char *name;
		const char **slot;
	} table[] = {
		{ "--qemu", &o->engine },
		{ "--kernel", &o->kernel },
		{ "--initrd", &o->initrd },
		{ "--append", &o->append },
		{ "--sysroot", &o->sysroot },
		{ "--disk", &o->disk },
		{ "--make-debian-root", &o->debian.image },
		{ "--suite", &o->debian.suite },
		{ "--size", &o->debian.size },
		{ "--packages", &o->debian.packages },
		{ "--mirror", &o->debian.mirror },
		{ "--root-password-file", &o->debian.root_password_file },
		{ "--first-boot", &o->debian.first_boot },
	};

	for (size_t k = 0; k < sizeof(table) / sizeof(table[0]); k++) {
		if (is_option(arg, table[k].name)) {
			*name = table[k].name;
			return table[k].slot;
		}
	}
	return NULL;
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

/* Runner options come first; the first argument that is not one (or "--")
 * starts QEMU's arguments, which are never parsed by getopt. */
static int parse_options(int argc, char **argv, struct options *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *v, *name, **slot;
		long ms;

		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		} else if (is_option(arg, "--accel")) {
			v = option_value(argc, argv, &i, "--accel");
			if (!v || (strcmp(v, "auto") && strcmp(v, "kvm") && strcmp(v, "tcg"))) {
				fprintf(stderr, "%s: --accel takes auto, kvm or tcg\n", prog);
				return -1;
			}
			if (set_mode(o, v[0] == 'a' ? MODE_AUTO : v[0] == 'k' ? MODE_KVM : MODE_TCG) < 0)
				return -1;
		} else if (strcmp(arg, "--require-kvm") == 0) {
			if (set_mode(o, MODE_KVM) < 0)
				return -1;
		} else if (strcmp(arg, "-q") == 0 || strcmp(arg, "--quiet") == 0) {
			o->quiet = true;
		} else if (strcmp(arg, "--explain") == 0) {
			o->explain = true;
		} else if (strcmp(arg, "--selftest") == 0) {
			o->selftest = true;
		} else if ((slot = string_option(o, arg, &name)) != NULL) {
			/* an empty file name is no name (--make-debian-root "" must
			 * not start a debootstrap); --append may be empty */
			if (!(*slot = option_value(argc, argv, &i, name)) ||
			    (!**slot && strcmp(name, "--append") != 0)) {
				fprintf(stderr, "%s: %s needs a value\n", prog, name);
				return -1;
			}
		} else if (is_option(arg, "--probe-timeout")) {
			v = option_value(argc, argv, &i, "--probe-timeout");
			if (!v) {
				fprintf(stderr, "%s: --probe-timeout needs a value\n", prog);
				return -1;
			}
			if (!cli_parse_int(v, 10, 60000, &ms)) {
				fprintf(stderr, "%s: --probe-timeout %s: give milliseconds from 10 to 60000\n", prog,
					cli_shown(v));
				return -1;
			}
			o->probe_timeout_ms = (int)ms;
		} else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			usage(stdout);
			exit(cli_stdout_ok(prog) ? 0 : EXIT_USAGE);
		} else if (strcmp(arg, "-V") == 0 || strcmp(arg, "--version") == 0) {
			printf("%s %s\n", prog, KVMHOST_VERSION);
			exit(cli_stdout_ok(prog) ? 0 : EXIT_USAGE);
		} else {
			break;
		}
	}
	if ((o->debian.suite || o->debian.size || o->debian.packages || o->debian.mirror ||
	     o->debian.root_password_file || o->debian.first_boot) && !o->debian.image) {
		fprintf(stderr, "%s: --suite, --size, --packages, --mirror, --root-password-file and --first-boot "
			"go with --make-debian-root\n", prog);
		return -1;
	}
	if (o->disk && o->kernel) {
		fprintf(stderr, "%s: --disk boots the kernel kept beside the image; drop --kernel\n", prog);
		return -1;
	}
	o->qemu_argc = argc - i;
	o->qemu_argv = argv + i;
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

/* The engine: --qemu, else $RUNNER_QEMU (not in a set-user-ID run), else
 * Debian's path.  Never looked up in PATH. */
static const char *engine_path(const struct options *o)
{
	const char *env = getenv("RUNNER_QEMU");

	if (o->engine)
		return o->engine;
	if (env && *env && getuid() == geteuid() && getgid() == getegid())
		return env;
	return machine.engine;
}

static int check_engine(const char *engine)
{
	if (access(engine, X_OK) == 0)
		return 0;
	if (errno == ENOENT) {
		fprintf(stderr, "%s: the engine %s does not exist: apt-get install %s, "
			"or give --qemu PATH\n", prog, cli_shown(engine), machine.engine_package);
		return EXIT_ENGINE_NOT_FOUND;
	}
	fprintf(stderr, "%s: the engine %s cannot be run: %s\n", prog, cli_shown(engine), strerror(errno));
	return EXIT_ENGINE_NOT_RUNNABLE;
}

/* ---- the decision ------------------------------------------------------------ */

struct decision {
	bool kvm;		/* run on KVM */
	bool add_accel;		/* the runner adds -accel and -cpu */
	bool refused;
	bool fell_back;		/* auto mode, KVM unusable */
	bool tcg_only;		/* the user's accelerator list narrowed to its tcg */
	bool judged;		/* diag holds the KVM facts */
	struct diagnosis diag;
	const char *why;	/* one line for --explain */
	char asked[128];	/* what asked for KVM, for a refusal */
};

static void judge_kvm(const struct options *o, struct decision *d)
{
	struct sysroot root = { o->sysroot };
	struct host_options opts = { .probe = true, .probe_deadline_ms = o->probe_timeout_ms };
	struct host_facts facts;

	host_gather(&root, &opts, &facts);
	diagnose(&facts, &d->diag);
	host_release(&facts);
	d->judged = true;
	/* QEMU must not inherit the probe's child (a zombie for the VM's whole
	 * life), nor a supervised run find it: collect it now */
	kvm_probe_reap(KVM_PROBE_REAP_MS);
}

/* The rules (runner(1), The decision): what runs no guest passes untouched
 * and unjudged; the user's TCG or other accelerator is theirs; KVM alone
 * (-enable-kvm, -accel kvm, -cpu host) is a demand, refused when KVM is
 * not usable; a list that names tcg after kvm is QEMU's own fallback, kept
 * when KVM is usable, else narrowed to tcg (QEMU would pick a /dev/kvm
 * that opens but does not accelerate). */
static void decide(const struct options *o, const struct qemu_choice *c, struct decision *d)
{
	memset(d, 0, sizeof(*d));
	if (c->no_guest) {
		d->why = "no guest runs";
		return;
	}
	if (c->accel == USER_ACCEL_TCG || c->accel == USER_ACCEL_OTHER) {
		d->why = "the QEMU arguments choose the accelerator";
		return;
	}
	if (o->mode == MODE_TCG || c->no_kvm) {
		d->add_accel = true;
		d->why = c->no_kvm ? "-no-kvm (QEMU no longer has it: the runner drops it and adds -accel tcg)"
				   : "--accel=tcg";
		return;
	}
	judge_kvm(o, d);
	d->kvm = d->diag.verdict == VERDICT_USABLE;
	if (c->accel == USER_ACCEL_KVM) {
		snprintf(d->asked, sizeof(d->asked), "%s", c->accel_text);
		d->tcg_only = !d->kvm && c->accel_allows_tcg;
		d->refused = !d->kvm && !c->accel_allows_tcg;
		d->why = c->accel_allows_tcg ? (d->kvm ? "the QEMU arguments choose KVM, then TCG: KVM is usable"
					      : "the QEMU arguments choose KVM, then TCG: KVM is not usable, so TCG")
					    : "the QEMU arguments choose KVM";
		return;
	}
	d->add_accel = true;
	if (o->mode == MODE_KVM) {
		snprintf(d->asked, sizeof(d->asked), "--accel=kvm");
		d->refused = !d->kvm;
		d->why = "--accel=kvm";
		return;
	}
	if (c->cpu_host && !d->kvm) {	/* TCG has no host CPU model: QEMU would stop */
		snprintf(d->asked, sizeof(d->asked), "-cpu host (a CPU model only KVM provides)");
		d->refused = true;
		d->why = "-cpu host asks for KVM";
		return;
	}
	d->fell_back = !d->kvm;
	d->why = d->kvm ? "auto: KVM is usable and accelerates" : "auto: KVM is not usable";
}

/* The diagnosis, then one last line that says it all: a client that shows
 * only the end of the log (libvirt: its last 1 KB) still shows what was
 * refused, why, and the first fix. */
static void refuse(const struct decision *d)
{
	fprintf(stderr, "%s: refusing to start QEMU: %s asks for KVM, which is not usable here:\n", prog, d->asked);
	output_text(stderr, &d->diag, false, output_wants_colour(stderr), NULL);
	fprintf(stderr, "%s: refused: %s asks for KVM; not usable here: %s (%s)%s%s\n", prog, d->asked,
		d->diag.summary, reason_name(d->diag.reason), d->diag.nhints > 0 ? "; fix: " : "",
		d->diag.nhints > 0 ? d->diag.hints[0] : "");
}

/* Two lines: what happens and why, then kvm-ok's first hint. */
static void fallback_note(const struct decision *d, const char *what)
{
	fprintf(stderr, "%s: KVM not usable: %s (%s). %s\n", prog, d->diag.summary, reason_name(d->diag.reason), what);
	if (d->diag.nhints > 0)
		fprintf(stderr, "%s: hint: %s\n", prog, d->diag.hints[0]);
}

/* ---- the command line ---------------------------------------------------------- */

static int add_all(struct argv_builder *b, const char *const *args, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (argv_add(b, args[i]) < 0)
			return -1;
	return 0;
}

/* Where QEMU looks for its firmware first: its data directory beside the
 * binary (/usr/bin/qemu-system-x86_64: /usr/share/qemu/NAME).  0, or -1
 * with errno. */
static int firmware_path(const char *engine, const char *name, char *path, size_t size)
{
	char real[4096];

	if (!realpath(engine, real))
		return -1;
	for (int up = 0; up < 2; up++) {	/* PREFIX/bin/qemu-system-...: PREFIX */
		char *slash = strrchr(real, '/');

		if (slash)
			*slash = '\0';
	}
	if ((size_t)snprintf(path, size, "%s/share/qemu/%s", real, name) >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return access(path, R_OK);
}

/* -M type (after the engine) with the profile's firmware (-bios) where it
 * is installed, else QEMU's default firmware with what that needs (and a
 * note unless quiet), and the quiet devices. */
static int add_machine(struct argv_builder *b, const char *type, bool quiet)
{
	char full[256], firmware[4200] = "";
	bool found = machine.firmware && firmware_path(b->argv[0], machine.firmware, firmware, sizeof(firmware)) == 0;

	if (machine.firmware && !found && !quiet)
		fprintf(stderr, "%s: no %s firmware (%s: %s): %s\n", prog, machine.firmware,
			firmware[0] ? firmware : b->argv[0], strerror(errno), machine.without_firmware_note);
	snprintf(full, sizeof(full), "%s%s", type,
		 !machine.firmware ? "" : found ? machine.with_firmware : machine.without_firmware);
	return argv_add(b, "-M") < 0 || argv_add_copy(b, full) < 0 ||
	       (found && (argv_add(b, "-bios") < 0 || argv_add_copy(b, firmware) < 0)) ||
	       add_all(b, quiet_devices, sizeof(quiet_devices) / sizeof(*quiet_devices)) < 0 ? -1 : 0;
}

/* -accel and -cpu: the host's CPU on KVM; under TCG the profile's (every
 * feature TCG emulates, or for a Linux kernel's fast profile the model it
 * boots fastest with). */
static int add_accel(struct argv_builder *b, const struct qemu_choice *c, const struct decision *d,
		     bool linux_profile)
{
	const char *cpu = d->kvm ? machine.cpu_kvm : linux_profile ? machine.cpu_tcg_linux : machine.cpu_tcg;

	if (!d->add_accel)
		return 0;
	if (argv_add(b, "-accel") < 0 || argv_add(b, d->kvm ? "kvm" : "tcg,thread=multi") < 0)
		return -1;
	if (!c->cpu && (argv_add(b, "-cpu") < 0 || argv_add(b, cpu) < 0))
		return -1;
	return 0;
}

static bool guest_path(char *path, size_t size)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		snprintf(path, size, "%s/%s", dirname(self), GUEST_FILE);
		if (access(path, R_OK) == 0)
			return true;
	}
	snprintf(path, size, "%s/%s", KVMHOST_LIBDIR, GUEST_FILE);
	return access(path, R_OK) == 0;
}

/* The fast profile's kernel: the one the architecture boots fastest (the
 * cached vmlinux of a bzImage on x86-64) when it can be made, else the
 * kernel as given, with a one-line note. */
static const char *fast_kernel(const char *kernel, char *path, size_t size, bool quiet)
{
	char why[512];

	if (!machine.fast_kernel || machine.fast_kernel(kernel, path, size, why, sizeof(why)) == 0)
		return machine.fast_kernel ? path : kernel;
	if (!quiet)
		fprintf(stderr, "%s: booting the kernel as it is (slower under TCG): %s\n", prog, why);
	return kernel;
}

/* ---- the actions ---------------------------------------------------------------- */

static int run_supervised(struct argv_builder *b, bool report, struct supervised_run *r)
{
	if (supervise(b->argv, true, 0, r) < 0) {
		fprintf(stderr, "%s: cannot start %s: %s\n", prog, b->argv[0], strerror(errno));
		return EXIT_ENGINE_NOT_RUNNABLE;
	}
	if (report && r->first_output_ms >= 0)
		fprintf(stderr, "%s: first guest output %.0f ms after QEMU started\n", prog, r->first_output_ms);
	return r->exit_status;
}

static int boot_micro_guest(const char *engine, const char *guest, bool kvm, struct supervised_run *r)
{
	struct argv_builder b = { 0 };
	struct decision d = { .kvm = kvm, .add_accel = true };
	struct qemu_choice none = { 0 };
	int rc;

	if (argv_add(&b, engine) < 0 || add_machine(&b, machine.micro_machine[kvm ? ON_KVM : ON_TCG], false) < 0 ||
	    add_accel(&b, &none, &d, false) < 0 || argv_add(&b, "-m") < 0 || argv_add(&b, "64") < 0 ||
	    (machine.micro_exit_device &&
	     (argv_add(&b, "-device") < 0 || argv_add(&b, machine.micro_exit_device) < 0)) ||
	    argv_add(&b, "-kernel") < 0 || argv_add(&b, guest) < 0) {
		argv_free(&b);
		return -1;
	}
	fprintf(stderr, "%s: command: ", prog);
	argv_print_quoted(b.argv, stderr);
	fflush(stderr);
	rc = supervise(b.argv, true, SELFTEST_TIMEOUT_MS, r);
	argv_free(&b);
	return rc;
}

static bool guest_finished(const struct supervised_run *r)
{
	return r->exit_status == machine.micro_finished_status && r->loop_done_ms >= 0 && r->loop_start_ms >= 0;
}

static double loop_rate(const struct supervised_run *r)
{
	double ms = r->loop_done_ms - r->loop_start_ms;

	return ms > 0 ? (double)r->loop_iterations / ms * 1e3 : 0;
}

static void report_run(const char *accel, const struct supervised_run *r)
{
	if (!guest_finished(r)) {
		fprintf(stderr, "%s: the guest did not finish on %s (QEMU exit status %d%s)\n", prog, accel,
			r->exit_status, r->timed_out ? ", stopped at the timeout" : "");
		return;
	}
	fprintf(stderr, "%s: %s: first guest output %.0f ms after QEMU started; loop of %lu iterations "
		"in %.0f ms: %.0f million iterations/s\n", prog, accel, r->first_output_ms, r->loop_iterations,
		r->loop_done_ms - r->loop_start_ms, loop_rate(r) / 1e6);
}

static int selftest(const struct options *o, const char *engine)
{
	struct supervised_run first, other;
	struct qemu_choice none = { 0 };
	struct decision d;
	char guest[4200];

	if (!guest_path(guest, sizeof(guest))) {
		fprintf(stderr, "%s: the micro guest %s is missing (make builds it; make install puts it in %s)\n",
			prog, GUEST_FILE, KVMHOST_LIBDIR);
		return EXIT_ENGINE_NOT_RUNNABLE;
	}
	decide(o, &none, &d);
	if (d.refused) {
		refuse(&d);
		return EXIT_REFUSED;
	}
	fprintf(stderr, "%s: accelerator: %s (%s%s%s)\n", prog, d.kvm ? "kvm" : "tcg", d.why,
		d.judged && !d.kvm ? ": " : "", d.judged && !d.kvm ? d.diag.summary : "");
	if (boot_micro_guest(engine, guest, d.kvm, &first) < 0) {
		fprintf(stderr, "%s: cannot start %s: %s\n", prog, engine, strerror(errno));
		return EXIT_ENGINE_NOT_RUNNABLE;
	}
	report_run(d.kvm ? "kvm" : "tcg", &first);
	if (!guest_finished(&first))
		return 1;
	if (d.kvm) {	/* both should work: compare */
		if (boot_micro_guest(engine, guest, false, &other) < 0) {
			fprintf(stderr, "%s: selftest passed on kvm, but the TCG comparison could not start: %s\n",
				prog, strerror(errno));
			return EXIT_SELFTEST_COMPARISON;
		}
		report_run("tcg", &other);
		if (!guest_finished(&other)) {
			fprintf(stderr, "%s: selftest passed on kvm, but the TCG comparison failed: %s\n", prog,
				other.last_error[0] ? other.last_error : "QEMU said nothing on standard error");
			return EXIT_SELFTEST_COMPARISON;
		}
		fprintf(stderr, "%s: KVM runs the guest loop %.1fx as fast as TCG\n", prog,
			loop_rate(&first) / loop_rate(&other));
	} else if (d.judged) {
		fprintf(stderr, "%s: KVM not compared: %s (%s)\n", prog, d.diag.summary, reason_name(d.diag.reason));
	}
	fprintf(stderr, "%s: selftest passed\n", prog);
	return 0;
}

/* --disk IMAGE: the kernel and initramfs kept beside it, the image as a
 * virtio disk, user networking; the fast profile does the rest. */
static char disk_kernel[4200], disk_initrd[4200], disk_drive[2 * 4096 + 128], disk_append[4200];
static const char *const disk_args[] = { "-drive", disk_drive, "-device", "virtio-blk-device,drive=root",
			     "-netdev", "user,id=net0", "-device", "virtio-net-device,netdev=net0" };

/* The guest runs under TCG: the runner's choice, or the user's own. */
static bool on_tcg(const struct qemu_choice *c, const struct decision *d)
{
	return c->accel == USER_ACCEL_TCG || d->tcg_only || (d->add_accel && !d->kvm);
}

/* The architecture's kernel arguments for a TCG guest (x86-64: the TSC
 * rate); a note when they cannot be had. */
static void tcg_kernel_args(char *arg, size_t size, bool quiet)
{
	char why[256];

	if (machine.tcg_kernel_args && machine.tcg_kernel_args(arg, size, why, sizeof(why)) < 0) {
		arg[0] = '\0';
		if (!quiet)
			fprintf(stderr, "%s: %s\n", prog, why);
	}
}

static int build_command(const struct options *o, const struct qemu_choice *c, const struct decision *d,
			 const char *engine, struct argv_builder *b, char *vmlinux, size_t vmlinux_size,
			 char *append, size_t append_size)
{
	bool fast = o->kernel && !c->machine;
	const int on = d->kvm ? ON_KVM : ON_TCG;

	if (argv_add(b, engine) < 0)
		return -1;
	if (fast) {
		if (add_machine(b, machine.linux_machine[on], o->quiet) < 0)
			return -1;
		if (!c->memory && (argv_add(b, "-m") < 0 || argv_add(b, "512") < 0))
			return -1;
	} else if (!c->machine && machine.default_machine[on]) {
		if (argv_add(b, "-M") < 0 || argv_add(b, machine.default_machine[on]) < 0)
			return -1;
	}
	if (add_accel(b, c, d, fast) < 0)
		return -1;
	if (o->kernel) {
		const char *kernel = fast ? fast_kernel(o->kernel, vmlinux, vmlinux_size, o->quiet) : o->kernel;
		char tcg_args[64] = "";

		if (fast && on_tcg(c, d))
			tcg_kernel_args(tcg_args, sizeof(tcg_args), o->quiet);
		snprintf(append, append_size, "%s%s%s%s", fast ? machine.fast_kernel_args : "", tcg_args,
			 fast && o->append ? " " : "", o->append ? o->append : "");
		if (argv_add(b, "-kernel") < 0 || argv_add(b, kernel) < 0)
			return -1;
		if (o->initrd && (argv_add(b, "-initrd") < 0 || argv_add(b, o->initrd) < 0))
			return -1;
		if (append[0] && (argv_add(b, "-append") < 0 || argv_add(b, append) < 0))
			return -1;
	}
	/* --disk: the disk and network devices go before the user's own arguments */
	if (o->disk && add_all(b, disk_args, sizeof(disk_args) / sizeof(*disk_args)) < 0)
		return -1;
	return qemu_args_add(b, o->qemu_argc, o->qemu_argv, d->tcg_only);
}

static int disk_profile(struct options *o)
{
	size_t n = strlen(o->disk);
	const char *format = n > 6 && strcmp(o->disk + n - 6, ".qcow2") == 0 ? "qcow2" : "raw";
	char file[2 * 4096 + 1];
	size_t len = 0;

	snprintf(disk_kernel, sizeof(disk_kernel), "%s.vmlinuz", o->disk);
	snprintf(disk_initrd, sizeof(disk_initrd), "%s.initrd", o->disk);
	if (access(o->disk, R_OK) < 0 || access(disk_kernel, R_OK) < 0) {
		fprintf(stderr, "%s: --disk %s: %s (the image and its kernel %s, as --make-debian-root leaves them)\n",
			prog, cli_shown(o->disk), strerror(errno), cli_shown(disk_kernel));
		return -1;
	}
	/* QEMU reads a comma in an option value as ",," */
	for (const char *p = o->disk; *p; p++) {
		if (len + 3 > sizeof(file)) {
			fprintf(stderr, "%s: --disk %s: the path is too long\n", prog, o->disk);
			return -1;
		}
		if (*p == ',')
			file[len++] = ',';
		file[len++] = *p;
	}
	file[len] = '\0';
	/* no monitor to resume a VM that QEMU paused on a host I/O error (its
	 * default for ENOSPC): the guest is told of the error instead */
	snprintf(disk_drive, sizeof(disk_drive), "id=root,file=%s,format=%s,if=none,werror=report,rerror=report",
		 file, format);
	snprintf(disk_append, sizeof(disk_append), "root=/dev/vda rw%s%s", o->append ? " " : "", o->append ? o->append : "");
	o->kernel = disk_kernel;
	o->initrd = access(disk_initrd, R_OK) == 0 ? disk_initrd : NULL;
	o->append = disk_append;
	return 0;
}

/* --size for mkfs.ext4: digits and one unit (K, M, G, T, either case),
 * from 1 GiB (a minimal Debian with its kernel fills 800 MB) to 16 TiB. */
static bool image_size_ok(const char *size)
{
	static const char units[] = "kmgt";
	size_t ndigits = strspn(size, "0123456789");
	const char *unit;
	char digits[24];
	long value;

	if (ndigits == 0 || ndigits >= sizeof(digits) || size[ndigits] == '\0' || size[ndigits + 1] != '\0')
		return false;
	unit = strchr(units, size[ndigits] | 0x20);
	if (!unit)
		return false;
	memcpy(digits, size, ndigits);
	digits[ndigits] = '\0';
	if (!cli_parse_int(digits, 1, 16L << 30, &value))
		return false;
	for (long shift = (long)(unit - units); shift > 0; shift--)	/* to KiB */
		value = value > (16L << 30) ? value : value * 1024;
	return value >= (1L << 20) && value <= (16L << 30);
}

int main(int argc, char **argv)
{
	struct options o;
	struct qemu_choice choice;
	struct decision d;
	struct argv_builder cmd = { 0 };
	char vmlinux[4200], append[4096], running_suite[64];
	const char *engine;
	int rc;

	if (argv[0] && strcmp(basename(argv[0]), "kvm") == 0)
		prog = "kvm";
	if (parse_options(argc, argv, &o) < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o.sysroot) {
		char why[128];

		if (sysroot_check_dir(o.sysroot, why, sizeof(why)) < 0) {
			fprintf(stderr, "%s: --sysroot %s: %s\n", prog, cli_shown(o.sysroot), why);
			return EXIT_USAGE;
		}
	}
	if (o.debian.image) {
		o.debian.prog = prog;
		o.debian.kernel_package = machine.kernel_package;
		o.debian.debian_arch = machine.debian_arch;
		if (!o.debian.suite) {
			char why[256];

			if (running_debian_suite(OS_RELEASE_PATH, running_suite, sizeof(running_suite), why,
						 sizeof(why)) < 0) {
				fprintf(stderr, "%s: --make-debian-root: the running release is the default suite, but %s: "
					"give one with --suite (bookworm, trixie)\n", prog, why);
				return EXIT_USAGE;
			}
			o.debian.suite = running_suite;
		}
		if (!o.debian.size)
			o.debian.size = "2G";
		if (!image_size_ok(o.debian.size)) {
			fprintf(stderr, "%s: --size %s: give a size from 1G to 16T, a number with K, M, G or T (2G, 1500M)\n",
				prog, cli_shown(o.debian.size));
			return EXIT_USAGE;
		}
		return make_debian_root(&o.debian);
	}
	if (o.disk && disk_profile(&o) < 0)
		return EXIT_USAGE;
	engine = engine_path(&o);
	if (!o.explain && (rc = check_engine(engine)) != 0)
		return rc;
	if (o.selftest)
		return selftest(&o, engine);

	qemu_args_scan(o.qemu_argc, o.qemu_argv, &choice);
	if (o.mode_given && choice.accel != USER_ACCEL_NONE) {
		fprintf(stderr, "%s: the QEMU arguments choose the accelerator (%s): drop --accel/--require-kvm\n",
			prog, choice.accel_text);
		return EXIT_USAGE;
	}
	if (o.mode_given && o.mode != MODE_TCG && choice.no_kvm) {
		fprintf(stderr, "%s: -no-kvm asks for TCG, --accel/--require-kvm for KVM: drop one\n", prog);
		return EXIT_USAGE;
	}
	decide(&o, &choice, &d);
	if (d.refused) {
		refuse(&d);
		return EXIT_REFUSED;
	}
	if (build_command(&o, &choice, &d, engine, &cmd, vmlinux, sizeof(vmlinux), append, sizeof(append)) < 0) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_ENGINE_NOT_RUNNABLE;
	}
	if (o.explain) {
		printf("accelerator: %s\n", d.add_accel ? (d.kvm ? "kvm" : "tcg") : d.tcg_only ? "tcg (narrowed)"
		       : choice.no_guest ? "none (no guest runs)" : "as the QEMU arguments choose");
		printf("why: %s%s%s%s\n", d.why, choice.no_guest ? " (" : "", choice.no_guest ? choice.no_guest_text : "",
		       choice.no_guest ? ")" : "");
		if (d.judged)
			printf("kvm: %s: %s\n", reason_name(d.diag.reason), d.diag.summary);
		printf("command: ");
		argv_print_quoted(cmd.argv, stdout);
		argv_free(&cmd);
		return cli_stdout_ok(prog) ? 0 : EXIT_USAGE;
	}
	if (d.fell_back && !o.quiet)
		fallback_note(&d, "Falling back to TCG emulation, roughly 5-50x slower than KVM.");
	else if (d.tcg_only && !o.quiet)
		fallback_note(&d, "TCG, the accelerator list's fallback: the runner leaves only tcg in it "
			      "(QEMU would pick a /dev/kvm that opens).");
	if (choice.no_kvm && !o.quiet)
		fprintf(stderr, "%s: -no-kvm: QEMU no longer has this option; the runner drops it and runs TCG: "
			"say -accel tcg (or %s --accel=tcg)\n", prog, prog);
	if (o.kernel) {
		struct supervised_run r;

		rc = run_supervised(&cmd, !o.quiet, &r);
		argv_free(&cmd);
		return rc;
	}
	fflush(NULL);
	execv(cmd.argv[0], cmd.argv);
	fprintf(stderr, "%s: cannot start %s: %s\n", prog, cmd.argv[0], strerror(errno));
	argv_free(&cmd);
	return errno == ENOENT ? EXIT_ENGINE_NOT_FOUND : EXIT_ENGINE_NOT_RUNNABLE;
}
