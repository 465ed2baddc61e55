// SPDX-License-Identifier: GPL-2.0
/*
 * tsc-khz: print the host's TSC frequency in kHz, measured against
 * CLOCK_MONOTONIC_RAW.
 *
 * Under TCG, QEMU gives the guest the host's TSC (cpu_get_host_ticks()),
 * but no TSC frequency in CPUID and, in the lab's guest, no HPET or ACPI
 * PM timer: the guest calibrates the TSC against the PIT, which fails on a
 * loaded host and leaves it on jiffies. boot.sh passes this figure as
 * tsc_early_khz= instead.
 *
 * Each sample brackets clock_gettime() between two TSC reads and keeps the
 * tightest bracket, so that preemption between the reads does not count.
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static void sample(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX, a, b;
	struct timespec ts;
	int i;

	for (i = 0; i < 50; i++) {
		a = __rdtsc();
		clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
		b = __rdtsc();
		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*ns = ts.tv_sec * 1000000000ULL + ts.tv_nsec;
		}
	}
}

int main(void)
{
	struct timespec d = { .tv_nsec = 200 * 1000 * 1000 };
	uint64_t t0, n0, t1, n1;

	sample(&t0, &n0);
	nanosleep(&d, NULL);
	sample(&t1, &n1);
	printf("%llu\n", (unsigned long long)((t1 - t0) * 1000000ULL / (n1 - n0)));
	return 0;
}
