/* host_tsc.c - the rate of the host's time-stamp counter */
#include "host_tsc.h"

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <x86intrin.h>

#define STEP_NS 1000000L		/* the interval grows by this much... */
#define LIMIT_NS 100000000L	/* ...up to this */
#define PRECISION 100e-6	/* until the rate is known to 100 ppm */
#define TRIES 16

struct reading {
	int64_t ns;		/* CLOCK_MONOTONIC_RAW, middle of the bracket */
	uint64_t tsc;
	int64_t bracket_ns;	/* how far apart the two clock reads were */
};

static int64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The TSC read between two clock reads; the tightest of several tries, so
 * that a preemption in between does not skew it. */
static struct reading read_pair(void)
{
	struct reading best = { .bracket_ns = INT64_MAX };

	for (int i = 0; i < TRIES; i++) {
		int64_t before = clock_ns();
		uint64_t tsc = __rdtsc();
		int64_t after = clock_ns();

		if (after - before < best.bracket_ns) {
			best.ns = before + (after - before) / 2;
			best.tsc = tsc;
			best.bracket_ns = after - before;
		}
	}
	return best;
}

long host_tsc_khz(char *why, size_t why_size)
{
	struct timespec step = { 0, STEP_NS };
	struct reading start = read_pair(), end;
	int64_t elapsed;
	double khz;

	/* the TSC reads sit somewhere inside their brackets: the rate is known
	 * to (half of both brackets) / interval; wait until that is small */
	do {
		nanosleep(&step, NULL);
		end = read_pair();
		elapsed = end.ns - start.ns;
	} while ((double)(start.bracket_ns + end.bracket_ns) / 2 > PRECISION * (double)elapsed && elapsed < LIMIT_NS);
	if ((double)(start.bracket_ns + end.bracket_ns) / 2 > PRECISION * (double)elapsed) {
		snprintf(why, why_size, "the clock reads around RDTSC took up to %lld us (host too busy)",
			 (long long)((start.bracket_ns > end.bracket_ns ? start.bracket_ns : end.bracket_ns) / 1000));
		return 0;
	}
	khz = (double)(end.tsc - start.tsc) * 1e6 / (double)elapsed;
	if (end.tsc <= start.tsc || khz < 1e5 || khz > 1e7) {
		snprintf(why, why_size, "the TSC does not run at a plausible rate (%.0f kHz)", khz);
		return 0;
	}
	return (long)(khz + 0.5);
}

