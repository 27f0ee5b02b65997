/* kvm_probe.c - the functional and speed probe of /dev/kvm, with a deadline */
#include "kvm_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "errno_name.h"

/* nested virtualization for arm64 guests (Linux 6.16); older headers lack it */
#ifndef KVM_CAP_ARM_EL2
#define KVM_CAP_ARM_EL2 240
#endif

#define NS_PER_MS 1000000ull
#define GUEST_BUDGET_MIN_NS (5 * NS_PER_MS)
#define CHILD_MARGIN_NS (8 * NS_PER_MS) /* left for reporting back */

const char *probe_step_text(enum probe_step step)
{
	switch (step) {
	case PROBE_OPEN:
		return "open";
	case PROBE_API_VERSION:
		return "KVM_GET_API_VERSION";
	case PROBE_CREATE_VM:
		return "KVM_CREATE_VM";
	case PROBE_GUEST:
		return "running the test guest";
	case PROBE_COMPLETE:
		break;
	}
	return "complete";
}

bool kvm_probe_accelerated(const struct kvm_probe *p)
{
	return p->ran && !p->timed_out && p->failed_step == PROBE_COMPLETE && p->slowdown > 0 &&
	       p->guest.finished && p->slowdown <= KVM_SLOWDOWN_LIMIT;
}

void kvm_probe_compute_slowdown(struct kvm_probe *p)
{
	if (p->guest.ns_per_iteration > 0 && p->native.ns_per_iteration > 0)
		p->slowdown = p->guest.ns_per_iteration / p->native.ns_per_iteration;
}

#ifdef KVMHOST_TESTING
/* Test builds only (build/test/): KVMHOST_TEST_HANG=STEP makes the probe
 * process hang before that step, asleep as a stuck device would leave it;
 * KVMHOST_TEST_HANG=spin:STEP keeps it busy on the CPU instead (so that a
 * test can starve it of CPU and see "busy" told apart from "broken");
 * KVMHOST_TEST_HANG=starved:STEP spins as well, at SCHED_IDLE, so that
 * other work on its CPU starves the probe process alone, not kvm-ok. */
static void hang_here_if_asked(enum probe_step step)
{
	const char *at = getenv("KVMHOST_TEST_HANG");
	volatile unsigned long spins = 0;
	const struct sched_param idle = { .sched_priority = 0 };

	if (!at)
		return;
	if (strcmp(at, probe_step_text(step)) == 0)
		for (;;)
			pause();
	if (strncmp(at, "starved:", 8) == 0 && strcmp(at + 8, probe_step_text(step)) == 0)
		sched_setscheduler(0, SCHED_IDLE, &idle);
	else if (strncmp(at, "spin:", 5) != 0 || strcmp(at + 5, probe_step_text(step)) != 0)
		return;
	for (;;)
		spins++;
}

/* KVMHOST_TEST_HANG=teardown: a VM teardown that takes 300 ms after the
 * answer, as a slow host's can. */
static void slow_teardown_if_asked(void)
{
	const char *at = getenv("KVMHOST_TEST_HANG");

	if (at && strcmp(at, "teardown") == 0)
		usleep(300000);
}
#else
static void slow_teardown_if_asked(void)
{
}

static void hang_here_if_asked(enum probe_step step)
{
	(void)step;
}
#endif

static void on_alarm(int sig)
{
	(void)sig;	/* only there to make KVM_RUN return EINTR */
}

static void arm_alarm(uint64_t ns)
{
	struct sigaction sa;
	struct itimerval it = { 0 };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: KVM_RUN must return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	it.it_value.tv_sec = (time_t)(ns / 1000000000ull);
	it.it_value.tv_usec = (suseconds_t)(ns % 1000000000ull / 1000);
	it.it_interval.tv_usec = 1000;	/* again every millisecond, in case one is missed */
	setitimer(ITIMER_REAL, &it, NULL);
}

/* The child's work: each step records where it is, so that a hang can be
 * named by the parent. */
static void probe_in_child(const struct sysroot *root, struct kvm_probe *p, uint64_t deadline)
{
	uint64_t budget, now;
	int kvm, vm;

	p->failed_step = PROBE_OPEN;
	hang_here_if_asked(PROBE_OPEN);
	kvm = sysroot_open(root, KVM_DEVICE_PATH, O_RDWR | O_NOCTTY);
	if (kvm < 0) {
		p->error = errno;
		return;
	}
	p->failed_step = PROBE_API_VERSION;
	hang_here_if_asked(PROBE_API_VERSION);
	p->api_version = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (p->api_version < 0) {
		p->error = errno;
		p->api_version = -1;
		return;
	}
	if (p->api_version != KVM_API_VERSION_EXPECTED)
		return;
	p->nr_vcpus = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	p->max_vcpus = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	p->nr_memslots = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
	p->irqchip = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP);
	/* arm64's; 0 on the other architectures (an unknown capability) */
	p->ipa_bits = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE);
	p->arm_el2 = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_EL2);
	p->failed_step = PROBE_CREATE_VM;
	hang_here_if_asked(PROBE_CREATE_VM);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		p->error = errno;
		return;
	}
	loop_time_native(&p->native);
	p->failed_step = PROBE_GUEST;
	now = monotonic_ns();
	budget = deadline > now + CHILD_MARGIN_NS + GUEST_BUDGET_MIN_NS
		 ? deadline - now - CHILD_MARGIN_NS : GUEST_BUDGET_MIN_NS;
	arm_alarm(budget);
	/* a guest slower than the limit is measured again before it is called so */
	if (loop_time_guest(kvm, vm, budget, p->native.ns_per_iteration * KVM_SLOWDOWN_LIMIT, &p->guest, p->detail,
			    sizeof(p->detail)) < 0) {
		p->error = errno;
		return;
	}
	p->failed_step = PROBE_COMPLETE;
}

int kvm_probe_reap(int wait_ms)
{
	return children_reap_left(wait_ms);
}

/* Whether the probe process was short of CPU during a try of bound_ms:
 * runnable but waiting for a CPU a quarter of the bound or more
 * (/proc/PID/schedstat, whose wait, in ms, goes to *wait_ms; -1 when it is
 * missing), or runnable now ('R' in /proc/PID/stat) after less than half
 * the bound on a CPU (a process not yet scheduled once has no wait
 * counted).  Asleep in the device, or busy on a CPU it had, is not short. */
static bool short_of_cpu(pid_t pid, int bound_ms, double *wait_ms)
{
	const struct sysroot live = { NULL };
	char text[512];
	unsigned long long on_cpu = 0, waiting;
	const char *paren;
	bool runnable = false, known;

	if (sysroot_readf_text(&live, text, sizeof(text), "/proc/%d/stat", (int)pid) > 0 &&
	    (paren = strrchr(text, ')')) != NULL && paren[1] == ' ')
		runnable = paren[2] == 'R';
	known = sysroot_readf_text(&live, text, sizeof(text), "/proc/%d/schedstat", (int)pid) > 0 &&
		sscanf(text, "%llu %llu", &on_cpu, &waiting) == 2;
	*wait_ms = known ? (double)waiting / 1e6 : -1;
	if (!known)
		return runnable;
	return *wait_ms * 4 >= bound_ms || (runnable && (double)on_cpu / 1e6 * 2 < bound_ms);
}

/* What the probe process is given, and where it writes its outcome. */
struct probe_job {
	const struct sysroot *root;
	struct kvm_probe *shared;	/* a MAP_SHARED page the parent reads */
	uint64_t deadline;
};

/* The probe process: it prints nothing (CHILD_NULL: a child stuck in the
 * device must not hold the caller's output open, as $(kvm-ok) would wait
 * for it); one byte on the report pipe says the outcome is written. */
static int probe_process(void *arg, int report_fd)
{
	struct probe_job *job = arg;

	/* past the bound the parent closes the pipe without waiting: a late
	 * answer must fail (EPIPE), not kill us by SIGPIPE, which the parent
	 * would take for the device killing the probe (device-broken; seen
	 * once in 40 runs on a loaded host) */
	signal(SIGPIPE, SIG_IGN);
	probe_in_child(job->root, job->shared, job->deadline);
	if (write(report_fd, "x", 1) < 0)
		return 1;
	slow_teardown_if_asked();
	return 0;
}

static bool outcome_written(void *ctx, enum child_stream stream, const char *buf, size_t n)
{
	(void)stream;
	*(bool *)ctx = n > 0 && buf[0] == 'x';
	return true;
}

/* Starts a try of the probe in a child process, to be abandoned after
 * bound_ms; 0, or -1 with the failure in p. */
static int try_begin(const struct sysroot *root, struct kvm_probe *p, int bound_ms, struct kvm_probe_try *t)
{
	struct probe_job job = { root, NULL, 0 };
	const struct child_spec spec = { .fn = probe_process, .arg = &job, .report = true,
					 .in = CHILD_KEEP, .out = CHILD_NULL, .err = CHILD_NULL };

	t->bound_ms = bound_ms;
	t->start_ns = monotonic_ns();
	job.deadline = t->start_ns + (uint64_t)bound_ms * NS_PER_MS;
	t->deadline_ms = child_now_ms() + bound_ms;
	job.shared = mmap(NULL, sizeof(*job.shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (job.shared == MAP_FAILED) {
		p->error = errno;
		snprintf(p->detail, sizeof(p->detail), "could not set up the probe process: %s", strerror(errno));
		return -1;
	}
	*job.shared = *p;
	if (child_start(&t->child, &spec) < 0) {
		p->error = errno;
		snprintf(p->detail, sizeof(p->detail), "could not start the probe process: %s", strerror(errno));
		munmap(job.shared, sizeof(*job.shared));
		return -1;
	}
	t->shared = job.shared;
	return 0;
}

/* Waits for the try until its bound and takes its outcome into p. */
static void try_end(struct kvm_probe *p, struct kvm_probe_try *t)
{
	struct kvm_probe *shared = t->shared;
	bool done = false;
	struct child_watch watch = { .deadline_ms = t->deadline_ms, .on_data = outcome_written, .ctx = &done },
			   reap = { 0 };
	enum child_watched seen = child_watch(&t->child, &watch);
	struct child *c = &t->child;

	*p = *shared;
	/* done: the child may still be tearing its VM down (that can take tens
	 * of milliseconds); children_reap_left collects it before the caller
	 * exits or execs.  Not done and its pipe closed: it died, and is
	 * waited for within the bound; at the bound, looked at once. */
	reap.deadline_ms = seen == CHILD_END ? watch.deadline_ms : child_now_ms();
	if (!done && child_reap(c, &reap) == 0 && c->status != -1 && WIFSIGNALED(c->status)) {
		snprintf(p->detail, sizeof(p->detail), "the probe process was killed by signal %d during %s",
			 WTERMSIG(c->status), probe_step_text(p->failed_step));
		p->error = EPROTO;
	} else if (!done) {
		p->timed_out = true;
		p->host_busy = short_of_cpu(c->pid, t->bound_ms, &p->cpu_wait_ms);
		child_signal(c, SIGKILL);
	}
	child_leave(c);
	munmap(shared, sizeof(*shared));
	t->shared = NULL;
	p->elapsed_ms = (double)(monotonic_ns() - t->start_ns) / 1e6;
	kvm_probe_compute_slowdown(p);
}

/* A busy host is not a broken device: a try that runs out of time is
 * repeated once with KVM_PROBE_RETRY_FACTOR times the bound.  The device is
 * called broken only when that one does not answer either while the probe
 * process had the CPU; short of CPU, the outcome is undecided (host_busy). */
static void retry_if_timed_out(const struct sysroot *root, struct kvm_probe *p, const struct kvm_probe *fresh)
{
	int first_ms = p->deadline_ms;
	struct kvm_probe_try t;

	if (!p->timed_out)
		return;
	*p = *fresh;
	p->retried = true;
	p->retry_ms = first_ms * KVM_PROBE_RETRY_FACTOR > KVM_PROBE_RETRY_MAX_MS ? KVM_PROBE_RETRY_MAX_MS
		      : first_ms * KVM_PROBE_RETRY_FACTOR;
	if (try_begin(root, p, p->retry_ms, &t) == 0)
		try_end(p, &t);
	if (!p->timed_out)
		return;
	if (p->host_busy)
		snprintf(p->detail, sizeof(p->detail), "no answer within %d ms, nor within %d ms on a second try, "
			 "during %s, while the probe waited %.0f ms for a CPU: the host is too busy to tell",
			 first_ms, p->retry_ms, probe_step_text(p->failed_step), p->cpu_wait_ms);
	else
		snprintf(p->detail, sizeof(p->detail), "no answer within %d ms, nor within %d ms on a second try, "
			 "during %s%s", first_ms, p->retry_ms, probe_step_text(p->failed_step),
			 p->cpu_wait_ms >= 0 ? " (the probe process was not short of CPU)" : "");
}


/* A recorded device (DIR/dev/kvm.node) was opened, or refused, by whoever
 * collected it: the record's open= line says which.  A hand-made stand-in
 * without that file is opened here, so its mode decides. */
static void probe_standin(const struct sysroot *root, const struct kvm_node *node, struct kvm_probe *p)
{
	size_t len;
	char *text;

	p->from_record = true;
	if (!node->recorded) {
		int fd = sysroot_open(root, KVM_DEVICE_PATH, O_RDWR | O_NOCTTY | O_NONBLOCK);

		if (fd < 0) {
			p->failed_step = PROBE_OPEN;
			p->error = errno;
			return;
		}
		close(fd);
	}
	text = sysroot_read_all(root, KVM_PROBE_RECORD, 65536, &len);
	if (!text) {
		snprintf(p->record_error, sizeof(p->record_error), "%.120s%s: %s", root->dir,
			 KVM_PROBE_RECORD, strerror(errno));
		p->ran = false;
		return;
	}
	if (kvm_probe_parse_record(text, p) < 0) {
		char why[sizeof(p->record_error)];

		snprintf(why, sizeof(why), "%s", p->record_error);
		snprintf(p->record_error, sizeof(p->record_error), "%.60s%s: %.120s", root->dir,
			 KVM_PROBE_RECORD, why);
		p->ran = false;
	}
	free(text);
}

void kvm_probe_begin(const struct sysroot *root, const struct kvm_node *node, int deadline_ms,
		     struct kvm_probe *p, struct kvm_probe_try *t)
{
	memset(p, 0, sizeof(*p));
	memset(t, 0, sizeof(*t));
	p->deadline_ms = deadline_ms > 0 ? deadline_ms : KVM_PROBE_DEADLINE_MS;
	p->api_version = -1;
	p->failed_step = PROBE_OPEN;
	if (!kvm_node_present(node))
		return;
	p->ran = true;
	if (node->kind == KVM_NODE_STANDIN) {
		probe_standin(root, node, p);
		return;
	}
	t->root = root;
	t->fresh = *p;
	t->running = try_begin(root, p, p->deadline_ms, t) == 0;
}

void kvm_probe_end(struct kvm_probe *p, struct kvm_probe_try *t)
{
	if (!t->running)
		return;
	try_end(p, t);
	t->running = false;
	retry_if_timed_out(t->root, p, &t->fresh);
}

void kvm_probe_run(const struct sysroot *root, const struct kvm_node *node, int deadline_ms,
		   struct kvm_probe *p)
{
	struct kvm_probe_try t;

	kvm_probe_begin(root, node, deadline_ms, p, &t);
	kvm_probe_end(p, &t);
}
