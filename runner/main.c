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

#include "boot_profile.h"
#include "cli.h"
#include "debian_kernel.h"
#include "debian_root.h"
#include "host.h"
#include "kvm_probe.h"
#include "machine.h"
#include "options.h"
#include "os_release.h"
#include "output.h"
#include "qemu_args.h"
#include "supervise.h"
#include "verdict.h"

#ifndef KVMHOST_VERSION
#define KVMHOST_VERSION "unknown"
#endif
#ifndef KVMHOST_LIBDIR
#define KVMHOST_LIBDIR "/usr/local/lib/kvm-host-toolkit"
#endif

#define GUEST_FILE	"microguest.elf"
#define SELFTEST_TIMEOUT_MS 30000

/* What the micro guest and the fast Linux profile have besides the
 * architecture's machine (machine.h): no default devices, the first
 * serial port on standard output. */
static const char *const quiet_devices[] = {
	"-nodefaults", "-no-user-config", "-display", "none", "-serial", "stdio",
};

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

	diagnose_host(&root, &opts, &d->diag);
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

/* What one start of QEMU is made of. */
struct launch {
	const struct options *o;
	struct qemu_choice choice;
	struct decision d;
	const struct boot_profile *disk;	/* --disk's, or NULL */
	const char *engine;
	struct argv_builder cmd;
	char vmlinux[4200], append[4096];
};

/* The kernel and its arguments: the fast profile's unless QEMU's arguments
 * choose the machine. */
static int add_kernel(struct launch *l, bool fast)
{
	const struct options *o = l->o;
	struct argv_builder *b = &l->cmd;
	const char *kernel = fast ? fast_kernel(o->kernel, l->vmlinux, sizeof(l->vmlinux), o->quiet) : o->kernel;
	char tcg_args[64] = "";

	if (fast && on_tcg(&l->choice, &l->d))
		tcg_kernel_args(tcg_args, sizeof(tcg_args), o->quiet);
	snprintf(l->append, sizeof(l->append), "%s%s%s%s", fast ? machine.fast_kernel_args : "", tcg_args,
		 fast && o->append ? " " : "", o->append ? o->append : "");
	if (argv_add(b, "-kernel") < 0 || argv_add(b, kernel) < 0)
		return -1;
	if (o->initrd && (argv_add(b, "-initrd") < 0 || argv_add(b, o->initrd) < 0))
		return -1;
	if (l->append[0] && (argv_add(b, "-append") < 0 || argv_add(b, l->append) < 0))
		return -1;
	return 0;
}

static int build_command(struct launch *l)
{
	const struct options *o = l->o;
	const struct qemu_choice *c = &l->choice;
	const struct decision *d = &l->d;
	struct argv_builder *b = &l->cmd;
	bool fast = o->kernel && !c->machine;
	const int on = d->kvm ? ON_KVM : ON_TCG;

	if (argv_add(b, l->engine) < 0)
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
	if (o->kernel && add_kernel(l, fast) < 0)
		return -1;
	/* --disk: the disk and network devices go before the user's own arguments */
	if (l->disk && add_all(b, l->disk->devices, l->disk->ndevices) < 0)
		return -1;
	return qemu_args_add(b, o->qemu_argc, o->qemu_argv, d->tcg_only);
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

/* --make-debian-root IMAGE: the running release unless --suite, 2G
 * unless --size; the exit status. */
static int make_image(struct options *o)
{
	static char running_suite[64];

	o->debian.prog = prog;
	o->debian.kernel_package = machine.kernel_package;
	o->debian.debian_arch = machine.debian_arch;
	if (!o->debian.suite) {
		char why[256];

		if (running_debian_suite(OS_RELEASE_PATH, running_suite, sizeof(running_suite), why, sizeof(why)) < 0) {
			fprintf(stderr, "%s: --make-debian-root: the running release is the default suite, but %s: "
				"give one with --suite (bookworm, trixie)\n", prog, why);
			return EXIT_USAGE;
		}
		o->debian.suite = running_suite;
	}
	if (o->debian.bootstrap && strcmp(o->debian.bootstrap, "mmdebstrap") != 0 &&
	    strcmp(o->debian.bootstrap, "debootstrap") != 0) {
		fprintf(stderr, "%s: --bootstrap %s: give mmdebstrap or debootstrap\n", prog, cli_shown(o->debian.bootstrap));
		return EXIT_USAGE;
	}
	if (!o->debian.size)
		o->debian.size = "2G";
	if (!image_size_ok(o->debian.size)) {
		fprintf(stderr, "%s: --size %s: give a size from 1G to 16T, a number with K, M, G or T (2G, 1500M)\n",
			prog, cli_shown(o->debian.size));
		return EXIT_USAGE;
	}
	return make_debian_root(&o->debian);
}

/* --accel or --require-kvm beside QEMU arguments that choose: 0, or -1
 * after saying which to drop. */
static int check_accelerator_given_once(const struct options *o, const struct qemu_choice *c)
{
	if (o->mode_given && c->accel != USER_ACCEL_NONE) {
		fprintf(stderr, "%s: the QEMU arguments choose the accelerator (%s): drop --accel/--require-kvm\n",
			prog, c->accel_text);
		return -1;
	}
	if (o->mode_given && o->mode != MODE_TCG && c->no_kvm) {
		fprintf(stderr, "%s: -no-kvm asks for TCG, --accel/--require-kvm for KVM: drop one\n", prog);
		return -1;
	}
	return 0;
}

/* --explain: the decision and the command, nothing started. */
static int explain(struct launch *l)
{
	const struct qemu_choice *c = &l->choice;
	const struct decision *d = &l->d;

	printf("accelerator: %s\n", d->add_accel ? (d->kvm ? "kvm" : "tcg") : d->tcg_only ? "tcg (narrowed)"
	       : c->no_guest ? "none (no guest runs)" : "as the QEMU arguments choose");
	printf("why: %s%s%s%s\n", d->why, c->no_guest ? " (" : "", c->no_guest ? c->no_guest_text : "",
	       c->no_guest ? ")" : "");
	if (d->judged)
		printf("kvm: %s: %s\n", reason_name(d->diag.reason), d->diag.summary);
	printf("command: ");
	argv_print_quoted(l->cmd.argv, stdout);
	argv_free(&l->cmd);
	return cli_stdout_ok(prog) ? 0 : EXIT_USAGE;
}

/* The notes, then QEMU: supervised for a kernel (its first output timed),
 * else in the runner's place. */
static int start(struct launch *l)
{
	const struct options *o = l->o;

	if (l->d.fell_back && !o->quiet)
		fallback_note(&l->d, "Falling back to TCG emulation, roughly 5-50x slower than KVM.");
	else if (l->d.tcg_only && !o->quiet)
		fallback_note(&l->d, "TCG, the accelerator list's fallback: the runner leaves only tcg in it "
			      "(QEMU would pick a /dev/kvm that opens).");
	if (l->choice.no_kvm && !o->quiet)
		fprintf(stderr, "%s: -no-kvm: QEMU no longer has this option; the runner drops it and runs TCG: "
			"say -accel tcg (or %s --accel=tcg)\n", prog, prog);
	if (o->kernel) {
		struct supervised_run r;
		int rc = run_supervised(&l->cmd, !o->quiet, &r);

		argv_free(&l->cmd);
		return rc;
	}
	fflush(NULL);
	execv(l->cmd.argv[0], l->cmd.argv);
	fprintf(stderr, "%s: cannot start %s: %s\n", prog, l->cmd.argv[0], strerror(errno));
	argv_free(&l->cmd);
	return errno == ENOENT ? EXIT_ENGINE_NOT_FOUND : EXIT_ENGINE_NOT_RUNNABLE;
}

int main(int argc, char **argv)
{
	static struct boot_profile disk;
	static struct launch l;
	struct options o;
	char why[128];
	int rc;

	if (argv[0] && strcmp(basename(argv[0]), "kvm") == 0)
		prog = "kvm";
	if (kernel_hook_called(argc, argc > 1 ? argv[1] : NULL))	/* --make-debian-root's own, run by mmdebstrap */
		return kernel_hook_run(prog, argv[1], machine.kernel_package);
	if (parse_options(argc, argv, &o) < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o.sysroot && sysroot_check_dir(o.sysroot, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: --sysroot %s: %s\n", prog, cli_shown(o.sysroot), why);
		return EXIT_USAGE;
	}
	if (o.debian.image)
		return make_image(&o);
	if (o.disk && boot_profile_for_disk(&o, &disk) < 0)
		return EXIT_USAGE;
	l.o = &o;
	l.disk = o.disk ? &disk : NULL;
	l.engine = engine_path(&o);
	if (!o.explain && (rc = check_engine(l.engine)) != 0)
		return rc;
	if (o.selftest)
		return selftest(&o, l.engine);
	qemu_args_scan(o.qemu_argc, o.qemu_argv, &l.choice);
	if (check_accelerator_given_once(&o, &l.choice) < 0)
		return EXIT_USAGE;
	decide(&o, &l.choice, &l.d);
	if (l.d.refused) {
		refuse(&l.d);
		return EXIT_REFUSED;
	}
	if (build_command(&l) < 0) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return EXIT_ENGINE_NOT_RUNNABLE;
	}
	return o.explain ? explain(&l) : start(&l);
}
