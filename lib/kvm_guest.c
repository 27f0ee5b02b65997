/* kvm_guest.c - the timed guest of the acceleration probe
 *
 * The guest (lib/arch/ARCH/native/guest.c) asks the host for an iteration
 * count, runs its counted loop, says it is done and asks again; a count of
 * 0 halts it.  The host times each chunk from the resume that gives the
 * count to the exit that ends the chunk.  It first runs three chunks of one
 * iteration: the fastest is the cost of entering and leaving the guest,
 * which is taken off every later chunk (in a nested or emulated KVM on a
 * busy host that alone can take a quarter of a millisecond, and would pass
 * for a slow loop).  It then grows the count until the loop itself lasts a
 * quarter of a millisecond and at least KVM_CHUNK_ROUND_TRIPS round trips,
 * and times two more chunks of that size (preemption only ever slows a
 * chunk, so the fastest counts; on a busy host one or two of them are often
 * cut by a time slice): one figure for both hardware-accelerated KVM (~1 ns
 * per iteration) and emulated guests (~1000 ns), in a few milliseconds.
 * A figure above the caller's bound is a "no" the caller will act on: the
 * whole measurement is made again, up to MEASUREMENTS_MAX times while the
 * budget lasts, and the fastest of all counts (a stretch of slow round
 * trips, seen in a KVM nested under QEMU's TCG lasting several chunks, cannot
 * then pass for a slow guest).
 */
#include "kvm_guest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "guest_arch.h"

#define CHUNK_FIRST	256ull
#define CHUNK_MAX	(1ull << 28)
#define CHUNK_TARGET_NS	250000ull	/* a guest chunk long enough to time well */
#define NATIVE_TARGET_NS 100000ull	/* the same for the native loop */
#define REPEATS		2		/* more runs at that size; the fastest counts */
#define NULL_CHUNKS	3		/* one-iteration chunks: the cost of a round trip */
#define KVM_CHUNK_ROUND_TRIPS 10	/* a timed chunk lasts at least 10 round trips */
#define MEASUREMENTS_MAX 3		/* whole measurements while the figure is above the bound */

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void loop_time_native(struct loop_timing *t)
{
	uint64_t n = 1ull << 14;

	memset(t, 0, sizeof(*t));
	for (;;) {
		uint64_t start = monotonic_ns(), took;

		guest_arch_native_loop(n);
		took = monotonic_ns() - start;
		if (took >= NATIVE_TARGET_NS || n >= CHUNK_MAX) {
			double best = (double)took / (double)n;

			/* more runs: keep the fastest, as preemption only slows */
			for (int i = 0; i < REPEATS; i++) {
				start = monotonic_ns();
				guest_arch_native_loop(n);
				took = monotonic_ns() - start;
				if ((double)took / (double)n < best)
					best = (double)took / (double)n;
			}
			t->ns_per_iteration = best;
			t->iterations = n;
			t->finished = true;
			t->measurements = 1;
			return;
		}
		n *= 4;
	}
}

static void keep_fastest(struct loop_timing *t, double per, uint64_t count)
{
	if (t->ns_per_iteration == 0 || per < t->ns_per_iteration) {
		t->ns_per_iteration = per;
		t->iterations = count;
		t->finished = true;
	}
}

/* Runs the vCPU until it asks for the next count, finishes a chunk or halts. */
/* Where the chunked loop is. */
struct chunking {
	uint64_t started, measurement_start, chunk_start, count, next, overhead, budget_ns;
	struct loop_timing raw;	/* short chunks, overhead included: if none got long enough */
	bool in_chunk;
	int nulls, repeats;
	unsigned measurements;	/* begun, this one included */
};

/* KVM_RUN returned EINTR: the budget's alarm.  A chunk under way counts
 * as a lower bound (not finished); else the best short chunk. */
static void out_of_time(const struct chunking *c, struct loop_timing *t)
{
	if (c->in_chunk && t->ns_per_iteration == 0) {
		t->ns_per_iteration = (double)(monotonic_ns() - c->chunk_start) / (double)c->count;
		t->iterations = c->count;
		t->finished = false;
	} else if (t->ns_per_iteration == 0) {
		*t = c->raw;
	}
}

#ifdef KVMHOST_TESTING
/* Test builds only (build/test/): KVMHOST_TEST_SLOW_MEASUREMENTS=N makes
 * every timed chunk of the first N measurements count 2 ms more, as a
 * stretch of slow round trips (seen in a KVM nested under QEMU's TCG) makes
 * them; the one-iteration chunks stay as they are. */
static uint64_t slow_round_trip_if_asked(const struct chunking *c)
{
	const char *n = getenv("KVMHOST_TEST_SLOW_MEASUREMENTS");

	return n && c->nulls >= NULL_CHUNKS && c->measurements <= strtoul(n, NULL, 10) ? 2000000 : 0;
}
#else
static uint64_t slow_round_trip_if_asked(const struct chunking *c)
{
	(void)c;
	return 0;
}
#endif

/* A chunk is done: the null chunks measure the round trip's overhead,
 * then the chunks grow until the loop is long enough, which is timed
 * REPEATS more times; c->next is the next chunk's count (0: stop). */
static void chunk_done(struct chunking *c, struct loop_timing *t)
{
	uint64_t took = monotonic_ns() - c->chunk_start + slow_round_trip_if_asked(c);
	uint64_t loop_ns = took > c->overhead ? took - c->overhead : 0;

	c->in_chunk = false;
	if (c->nulls < NULL_CHUNKS) {
		c->overhead = took < c->overhead ? took : c->overhead;
		c->next = ++c->nulls < NULL_CHUNKS ? 1 : CHUNK_FIRST;
		return;
	}
	/* the loop long enough (the target, and many round trips, so that one
	 * noisy round trip cannot pass for the loop): REPEATS more chunks of
	 * that size to see past preemption, then stop */
	if ((loop_ns >= CHUNK_TARGET_NS && loop_ns >= KVM_CHUNK_ROUND_TRIPS * c->overhead) ||
	    c->count >= CHUNK_MAX || c->repeats > 0) {
		if (loop_ns > 0)
			keep_fastest(t, (double)loop_ns / (double)c->count, c->count);
		c->next = c->repeats++ < REPEATS ? c->count : 0;
	} else {
		keep_fastest(&c->raw, (double)took / (double)c->count, c->count);
		c->next = c->count * 8 > CHUNK_MAX ? CHUNK_MAX : c->count * 8;
	}
	if (c->next && monotonic_ns() - c->started + took * (c->next / c->count) > c->budget_ns)
		c->next = 0;
}

/* A measurement has ended (c->next 0) with a figure above confirm_above_ns:
 * another one from its start (the round trip's cost again, then the
 * growing chunks), when fewer than MEASUREMENTS_MAX were made and one more
 * as long as the last fits in the budget. */
static void measure_again(struct chunking *c, const struct loop_timing *t, double confirm_above_ns)
{
	uint64_t now = monotonic_ns();

	if (c->next || t->ns_per_iteration <= confirm_above_ns || c->measurements >= MEASUREMENTS_MAX ||
	    now - c->started + (now - c->measurement_start) > c->budget_ns)
		return;
	c->measurement_start = now;
	c->next = 1;
	c->overhead = UINT64_MAX;
	c->nulls = c->repeats = 0;
	c->measurements++;
}

/* The vCPU's exits until the guest halts, the budget's alarm or an error;
 * each timed chunk's figure goes into t. */
static int chunks_until_done(int vcpu_fd, struct kvm_run *run, struct chunking *c, double confirm_above_ns,
			     struct loop_timing *t, char *detail, size_t detail_size)
{
	for (;;) {
		enum guest_exit what;

		if (ioctl(vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR) {
				out_of_time(c, t);
				return 0;
			}
			snprintf(detail, detail_size, "KVM_RUN");
			return -1;
		}
		what = guest_arch_exit(run);
		if (what == GUEST_EXIT_HALT) {
			if (t->ns_per_iteration == 0)
				*t = c->raw;
			return 0;
		}
		if (what == GUEST_EXIT_OTHER) {
			snprintf(detail, detail_size, "the guest stopped with exit reason %u instead of asking for work",
				 run->exit_reason);
			errno = EPROTO;
			return -1;
		}
		if (what == GUEST_EXIT_CHUNK_DONE) {
			chunk_done(c, t);
			measure_again(c, t, confirm_above_ns);
			continue;
		}
		c->count = c->next;
		guest_arch_give_count(run, (uint32_t)c->count);
		c->in_chunk = c->count != 0;
		c->chunk_start = monotonic_ns();
	}
}

static int run_chunks(int vcpu_fd, struct kvm_run *run, uint64_t budget_ns, double confirm_above_ns,
		      struct loop_timing *t, char *detail, size_t detail_size)
{
	uint64_t now = monotonic_ns();
	struct chunking c = { .started = now, .measurement_start = now, .next = 1, .overhead = UINT64_MAX,
			      .budget_ns = budget_ns, .measurements = 1 };
	int rc = chunks_until_done(vcpu_fd, run, &c, confirm_above_ns, t, detail, detail_size);

	t->measurements = c.measurements;
	return rc;
}

/* The guest's memory, slot 0 at guest address 0; MAP_FAILED with detail
 * and errno when it cannot be had. */
static uint8_t *guest_memory(int vm_fd, char *detail, size_t detail_size)
{
	struct kvm_userspace_memory_region region = { .slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_MEM_SIZE };
	uint8_t *mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (mem == MAP_FAILED) {
		snprintf(detail, detail_size, "mmap of guest memory");
		return MAP_FAILED;
	}
	region.userspace_addr = (uint64_t)(uintptr_t)mem;
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		int saved = errno;

		snprintf(detail, detail_size, "KVM_SET_USER_MEMORY_REGION");
		munmap(mem, GUEST_MEM_SIZE);
		errno = saved;
		return MAP_FAILED;
	}
	return mem;
}

int loop_time_guest(int kvm_fd, int vm_fd, uint64_t budget_ns, double confirm_above_ns, struct loop_timing *t,
		    char *detail, size_t detail_size)
{
	struct kvm_run *run = MAP_FAILED;
	struct guest_fds fds;
	int vcpu_fd = -1, run_size, rc = -1, saved;
	uint8_t *mem;

	memset(t, 0, sizeof(*t));
	if (!guest_arch_timed) {
		snprintf(detail, detail_size, "this build has no timed guest for this architecture");
		errno = ENOSYS;
		return -1;
	}
	mem = guest_memory(vm_fd, detail, detail_size);
	if (mem == MAP_FAILED)
		return -1;
	vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
	if (vcpu_fd < 0) {
		snprintf(detail, detail_size, "KVM_CREATE_VCPU");
		goto err_mem;
	}
	run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size < (int)sizeof(*run)) {
		snprintf(detail, detail_size, "KVM_GET_VCPU_MMAP_SIZE");
		if (run_size >= 0)
			errno = EINVAL;
		goto err_vcpu;
	}
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
	if (run == MAP_FAILED) {
		snprintf(detail, detail_size, "mmap of the vCPU run area");
		goto err_vcpu;
	}
	fds = (struct guest_fds){ .kvm = kvm_fd, .vm = vm_fd, .vcpu = vcpu_fd };
	if (guest_arch_prepare(&fds, mem, detail, detail_size) < 0)
		goto err_run;
	rc = run_chunks(vcpu_fd, run, budget_ns, confirm_above_ns, t, detail, detail_size);
err_run:
	saved = errno;
	munmap(run, (size_t)run_size);
	errno = saved;
err_vcpu:
	saved = errno;
	close(vcpu_fd);
	errno = saved;
err_mem:
	saved = errno;
	munmap(mem, GUEST_MEM_SIZE);
	errno = saved;
	return rc;
}
