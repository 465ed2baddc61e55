// SPDX-License-Identifier: GPL-2.0
/*
 * pmdrace: a read-only long-term pin of a PMD-mapped tmpfs THP in a
 * private mapping, taken while other threads of the process read the
 * same range in a loop. Issue 24, point 3, "the race window".
 *
 * The path a R/O FOLL_LONGTERM pin takes there (6.2 and later, and the
 * lab's patched 6.1): GUP finds the pagecache folio mapped by a PMD in a
 * COW mapping, gup_must_unshare() says yes, follow_huge_pmd() returns
 * -EMLINK and faultin_page() faults with FAULT_FLAG_UNSHARE.
 * wp_huge_pmd() cannot unshare a file THP at PMD level: it zaps the PMD
 * (__split_huge_pmd() of a file VMA) and returns VM_FAULT_FALLBACK, and
 * the same fault goes on in handle_pte_fault() with the PMD none:
 * do_read_fault(), fault-around (filemap_map_pages() -> filemap_map_pmd())
 * or finish_fault(). Without a fix, both map the folio by a R/O PMD
 * again (do_set_pmd()) and GUP loops forever: the livelock that Zhang
 * Yi's acked v2, "mm: do not install PMD mappings when handling a COW
 * fault" (the lab's patches/mainline/lab/0001 stands in for it), fixes by
 * refusing the PMD for that fault, so that a page table is installed and each 4 KiB
 * page is unshared by do_wp_page().
 *
 * The fix holds only for GUP's own fault. Between the zap and the page
 * table that GUP's fault installs a few steps later, the PMD is none,
 * and a plain read fault of any other thread (no FAULT_FLAG_UNSHARE)
 * maps the whole folio by a PMD again: __handle_mm_fault() ->
 * create_huge_pmd() (VM_FAULT_FALLBACK, shmem has no ->huge_fault) ->
 * do_read_fault() -> fault-around -> filemap_map_pmd() -> do_set_pmd(),
 * whatever 4 KiB page of the range it touched (do_set_pmd() maps the
 * folio's head). GUP's fault then finds the PMD mapped (filemap_map_pmd()
 * gives up, or finish_fault() finds no page table), GUP retries, gets
 * -EMLINK again and zaps again: one more round. The window is wider than
 * the few instructions between the zap and pmd_install(): the reader's
 * fault-around takes the folio lock with a trylock, and a GUP fault-around
 * that loses that trylock maps nothing and falls back to ->fault(), which
 * sleeps on the folio lock while the reader maps the PMD.
 *
 * What makes the readers fault again, with no MADV_DONTNEED or munmap():
 * the pinning thread's own unshare fault. Each reader reads one byte of
 * every 4 KiB page of the range, round and round. While the PMD maps the
 * THP, those reads do not fault (the TLB or the page walk finds the PMD);
 * once wp_huge_pmd() has zapped it (and flushed the TLBs), the next read
 * of any byte of the range faults, and that fault is the one that can map
 * the PMD again. Once GUP's fault has installed a page table, the readers
 * only fault on PTEs that are not present yet (fault-around maps 16
 * pages at a time): PTE faults, which cannot map a PMD. So a reader can
 * only win the race in the window, and the test makes as many readers
 * as it can be there when it opens.
 *
 * The pin: gup_test's PIN_LONGTERM_TEST_START with flags 0 (R/O,
 * pin_user_pages(), not GUP-fast), as mainline's cow.c takes one, on the
 * 2 MiB of the mapping. It holds mmap_lock for reading, as the readers'
 * faults do (or a per-VMA lock): they run concurrently.
 *
 * Rounds are counted as the pinning thread's minor faults during the
 * ioctl (getrusage(RUSAGE_THREAD)): GUP's faults have no pt_regs, and
 * mm_account_fault() counts them in the task's min_flt (not in the
 * perf events). A pin that unshares 512 pages without a race takes about
 * 512 unshare faults, one for the PMD and one read fault per 16 pages
 * (fault-around) that GUP finds not present; each race a reader wins adds
 * at least one more. N=0 is the reference; the figures for N>0 are printed
 * against its median. /proc/vmstat's thp_file_mapped (do_set_pmd()) and
 * thp_split_pmd (the zaps) count the re-maps and rounds directly, where
 * the kernel has CONFIG_VM_EVENT_COUNTERS (the lab's tinyconfig kernels do
 * not: then they are said to be missing).
 *
 * Every trial runs in a child process: the THP is mapped there (page
 * tables of a file mapping are not copied on fork()), its main thread
 * pins, N threads read. The parent watches: a pin that has not returned
 * in PMDRACE_TIMEOUT seconds (20) is a stall; the parent reads the
 * pinning thread's minor faults and system time from /proc, kills the
 * child with SIGKILL (GUP's loop ends on a fatal signal, -EINTR, and
 * gup_test unpins what it pinned), waits at most 10 s for it, and reports
 * the stall with its figures. Nothing waits unbounded: a child that does
 * not finish its setup or its teardown in 3 x PMDRACE_TIMEOUT is killed
 * too.
 *
 * Cases: one per reader count in PMDRACE_READERS ("0,1,3"), each of
 * PMDRACE_TRIALS trials (5); the trials of a count stop at its first
 * stall, which is conclusive. A case is ok when every pin returned 0, the
 * pinned pages hold the file's content (PIN_LONGTERM_TEST_READ), and the
 * mapping's smaps "Anonymous:" after the pin is what the kernel's
 * semantics give (PMDRACE_EXPECT): baseline, mediaonly (6.1 without the
 * mm patches: the pin takes the pagecache THP, +0 kB, no fault, no race)
 * or patched, direction, upstream (R/O long-term pins in COW mappings
 * unshare: 2048 kB). A stall fails the case, unless PMDRACE_KNOWN_BUGS
 * names thp_pin_livelock (as MEDIA_USERPTR_KNOWN_BUGS does): then it is
 * an XFAIL, for a kernel without the fix (the lab's
 * upstream+nolivelockfix, Linux 7.3 as released), which stalls at N=0
 * already.
 *
 * Exit: 0 if every case is ok, 1 if one is not, 4 (KSFT_SKIP) if the
 * kernel has no gup_test with the long-term pin ioctls, cannot mount a
 * tmpfs with huge=always, or does not map its THP by a PMD. Run as root.
 * Not run by /init: scripts/try.sh runs it (/bin/pmdrace).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/types.h>

#include "gup_longterm.h"

#define THP_SIZE	(2UL << 20)	/* x86_64's and arm64's (4 KiB pages) PMD */
#define STEP		4096UL		/* the readers' stride */
#define MAX_READERS	16
#define MAX_COUNTS	8
#define MAX_TRIALS	50
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define PM_PRESENT	(1ULL << 63)
#define KPF_THP		22
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))		/* include/uapi/linux/kernel-page-flags.h */

enum phase { PH_SETUP, PH_PINNING, PH_PINNED, PH_DONE, PH_SKIP, PH_ERROR };

/* What a trial's child tells the parent: a MAP_SHARED anonymous page. */
struct shared {
	int phase;			/* enum phase, __atomic */
	pid_t tid;			/* the pinning thread */
	pid_t reader_tid[MAX_READERS];
	long long t0_ns;		/* CLOCK_MONOTONIC when the pin started */
	long minflt0;			/* the pinning thread's, then */
	long stime0;			/* clock ticks, from /proc */
	long long pin_ns;
	int pin_err;			/* errno of the ioctl, or 0 */
	long minflt, majflt;		/* the pinning thread's, during the pin */
	long stime_us;
	bool content_ok;
	long anon_kb;			/* smaps Anonymous: after the pin */
	long pmd_kb;			/* {Shmem,File}PmdMapped: before it */
	long reader_faults0;		/* all readers, when it started */
	long reader_faults;		/* all readers, during the pin */
	long long reader_passes;	/* all readers, during the pin */
	long remapped, splits;		/* vmstat deltas, or -1 */
	char msg[256];			/* why PH_SKIP or PH_ERROR */
};

static struct shared *sh;
static int tmpfs_fd = -1;
static long timeout_s = 20;
static bool new_semantics = true, known_livelock;
static long clk_tck;
static int ntests, npass, nfail, nskip, nxfail;

/*
 * The readers' state (in the child). volatile: each read of the mapping
 * must be a load, the loads are what fault.
 */
static volatile char *mem;
static int stop_readers;			/* __atomic */
static long long passes[MAX_READERS];		/* __atomic */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void set_phase(int ph)
{
	__atomic_store_n(&sh->phase, ph, __ATOMIC_RELEASE);
}

static int get_phase(void)
{
	return __atomic_load_n(&sh->phase, __ATOMIC_ACQUIRE);
}

/* A "Name: N kB" line of a /proc file, summed over @names; -1 if none. */
static long vma_field(void *addr, const char *const *names, int n)
{
	char line[512], start[32];
	bool in = false, found = false;
	long v = 0;
	FILE *f = fopen("/proc/self/smaps", "r");
	int i;

	if (!f)
		return -1;
	snprintf(start, sizeof(start), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		char *dash = strchr(line, '-'), *sp = strchr(line, ' ');

		if (dash && sp && dash < sp) {
			if (in)
				break;
			in = !strncmp(line, start, strlen(start));
			continue;
		}
		if (!in)
			continue;
		for (i = 0; i < n; i++) {
			size_t l = strlen(names[i]);

			if (!strncmp(line, names[i], l) && line[l] == ':') {
				v += strtol(line + l + 1, NULL, 10);
				found = true;
			}
		}
	}
	fclose(f);
	return found ? v : -1;
}

/*
 * The THP mapped by a PMD: smaps' ShmemPmdMapped (a tmpfs THP counts
 * there, not in FilePmdMapped) plus FilePmdMapped, of the VMA at @addr.
 */
static long pmd_mapped_kb(void *addr)
{
	static const char *const names[] = { "ShmemPmdMapped", "FilePmdMapped" };

	return vma_field(addr, names, 2);
}

static long anon_kb(void *addr)
{
	static const char *const names[] = { "Anonymous" };

	return vma_field(addr, names, 1);
}

/* A /proc/vmstat counter, or -1 (CONFIG_VM_EVENT_COUNTERS off). */
static long vmstat(const char *name)
{
	char line[128];
	size_t n = strlen(name);
	long v = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, n) && line[n] == ' ') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/* minflt and stime (clock ticks) of a thread, from /proc; false if gone. */
static bool thread_stat(pid_t pid, pid_t tid, long *minflt, long *stime)
{
	char path[64], buf[1024], *p;
	unsigned long mf, st;
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return false;
	buf[r] = 0;
	p = strrchr(buf, ')');
	/* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %lu %*u %*u %*u %*u %lu",
			 &mf, &st) != 2)
		return false;
	*minflt = mf;
	*stime = st;
	return true;
}

static void fail_child(int ph, const char *fmt, const char *arg)
{
	snprintf(sh->msg, sizeof(sh->msg), fmt, arg, strerror(errno));
	set_phase(ph);
	_exit(0);
}

/*
 * A MAP_PRIVATE mapping of the tmpfs file, PMD-aligned (the THP can only
 * be mapped by a PMD at a 2 MiB-aligned address). The reservation around
 * it stays mapped PROT_NONE; the process is short-lived.
 */
static char *map_thp(int prot)
{
	char *area, *m;

	area = mmap(NULL, 2 * THP_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return NULL;
	m = (char *)(((uintptr_t)area + THP_SIZE - 1) & ~(THP_SIZE - 1));
	if (mmap(m, THP_SIZE, prot, MAP_PRIVATE | MAP_FIXED, tmpfs_fd, 0) == MAP_FAILED)
		return NULL;
	return m;
}

static void *reader(void *arg)
{
	long i = (long)arg;
	unsigned long off;
	char sum = 0;

	sh->reader_tid[i] = gettid();
	while (!__atomic_load_n(&stop_readers, __ATOMIC_RELAXED)) {
		/* One byte of each 4 KiB page: any of them faults after a zap. */
		for (off = 0; off < THP_SIZE; off += STEP)
			sum += mem[off];
		__atomic_add_fetch(&passes[i], 1, __ATOMIC_RELAXED);
	}
	return (void *)(long)sum;
}

static long long all_passes(int n)
{
	long long s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += __atomic_load_n(&passes[i], __ATOMIC_RELAXED);
	return s;
}

/* The minor faults of @pid's first @n readers, from /proc. */
static long reader_faults(pid_t pid, int n)
{
	long s = 0, mf, st;
	int i;

	for (i = 0; i < n; i++)
		if (thread_stat(pid, sh->reader_tid[i], &mf, &st))
			s += mf;
	return s;
}

/* A trial, in the child: map, check the PMD, start the readers, pin. */
static void child(int nreaders)
{
	struct pin_longterm_test args = { .size = THP_SIZE, .flags = 0 };
	pthread_t th[MAX_READERS];
	struct rusage r0, r1;
	long rf0, remap0, split0;
	long long p0, t1;
	char *copy;
	int gup_fd, i, err;
	__u64 to;

	gup_fd = open(GUP_TEST, O_RDWR);
	if (gup_fd < 0)
		fail_child(PH_ERROR, "%s: %s", GUP_TEST);
	copy = malloc(THP_SIZE);
	mem = map_thp(PROT_READ);
	if (!mem || !copy)
		fail_child(PH_ERROR, "%s: %s", "mmap/malloc");
	/* A read maps the THP by a PMD (fault-around -> do_set_pmd()). */
	(void)mem[0];
	sh->pmd_kb = pmd_mapped_kb((void *)mem);
	if (sh->pmd_kb < (long)(THP_SIZE >> 10)) {
		errno = 0;
		snprintf(sh->msg, sizeof(sh->msg),
			 "the child's read did not map the THP by a PMD (ShmemPmdMapped + FilePmdMapped %ld kB)",
			 sh->pmd_kb);
		set_phase(PH_SKIP);
		_exit(0);
	}
	for (i = 0; i < nreaders; i++) {
		sh->reader_tid[i] = 0;
		if (pthread_create(&th[i], NULL, reader, (void *)(long)i)) {
			errno = EAGAIN;
			fail_child(PH_ERROR, "%s: %s", "pthread_create");
		}
	}
	/* Every reader running: each has made one pass (the watcher bounds this). */
	for (i = 0; i < nreaders; i++)
		while (!__atomic_load_n(&passes[i], __ATOMIC_RELAXED))
			sched_yield();

	rf0 = reader_faults(getpid(), nreaders);
	sh->reader_faults0 = rf0;
	remap0 = vmstat("thp_file_mapped");
	split0 = vmstat("thp_split_pmd");
	p0 = all_passes(nreaders);
	sh->tid = gettid();
	thread_stat(getpid(), sh->tid, &sh->minflt0, &sh->stime0);
	args.addr = (uintptr_t)mem;
	/* Warm what the measurement calls, so that its own faults are not counted. */
	now_ns();
	getrusage(RUSAGE_THREAD, &r1);
	getrusage(RUSAGE_THREAD, &r0);
	sh->t0_ns = now_ns();
	set_phase(PH_PINNING);
	err = ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args) ? errno : 0;
	t1 = now_ns();
	getrusage(RUSAGE_THREAD, &r1);
	sh->pin_ns = t1 - sh->t0_ns;
	sh->pin_err = err;
	sh->minflt = r1.ru_minflt - r0.ru_minflt;
	sh->majflt = r1.ru_majflt - r0.ru_majflt;
	sh->stime_us = (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1000000L +
		       (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec);
	sh->reader_passes = all_passes(nreaders) - p0;
	sh->reader_faults = reader_faults(getpid(), nreaders) - rf0;
	sh->remapped = remap0 < 0 ? -1 : vmstat("thp_file_mapped") - remap0;
	sh->splits = split0 < 0 ? -1 : vmstat("thp_split_pmd") - split0;
	set_phase(PH_PINNED);

	__atomic_store_n(&stop_readers, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nreaders; i++)
		pthread_join(th[i], NULL);
	if (!err) {
		/* What the pinned pages hold: the file's content, copied or not. */
		to = (uintptr_t)copy;
		sh->content_ok = !ioctl(gup_fd, PIN_LONGTERM_TEST_READ, &to) &&
				 !memcmp(copy, (const void *)mem, THP_SIZE);
		sh->anon_kb = anon_kb((void *)mem);
		if (ioctl(gup_fd, PIN_LONGTERM_TEST_STOP))
			fail_child(PH_ERROR, "%s: %s", "PIN_LONGTERM_TEST_STOP");
	}
	close(gup_fd);
	set_phase(PH_DONE);
	_exit(0);
}

enum outcome { T_PINNED, T_STALL, T_SKIP, T_ERROR };

struct trial {
	enum outcome out;
	int pin_err;
	bool content_ok;
	long long pin_ns;
	long minflt, stime_us, anon_kb;
};

/* Wait up to @ms for @pid to go; false if it is still there. */
static bool reap(pid_t pid, int ms)
{
	int status;

	for (; ms > 0; ms -= 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return true;
		usleep(10000);
	}
	return false;
}

/* One trial with @nreaders readers, watched. */
static struct trial run_trial(int nreaders, int k)
{
	struct trial t = { .out = T_ERROR, .anon_kb = -1 };
	long long start = now_ns(), now;
	bool exited = false;
	int status, ph;
	pid_t pid;

	memset(sh, 0, sizeof(*sh));
	sh->anon_kb = -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("# fork: %s\n", strerror(errno));
		return t;
	}
	if (!pid)
		child(nreaders);

	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			break;
		}
		now = now_ns();
		ph = get_phase();
		if (ph == PH_PINNING && now - sh->t0_ns > timeout_s * 1000000000LL) {
			long mf = -1, st = -1;
			double secs = (now - sh->t0_ns) / 1e9;

			thread_stat(pid, sh->tid, &mf, &st);
			printf("# N=%d trial %d: STALL: the pin has not returned in %.1f s; ",
			       nreaders, k, secs);
			printf("the pinning thread took %ld minor faults (%.0f a second), system time %.0f%% of it; readers: %ld faults\n",
			       mf - sh->minflt0, (mf - sh->minflt0) / secs,
			       100.0 * (st - sh->stime0) / clk_tck / secs,
			       reader_faults(pid, nreaders) - sh->reader_faults0);
			kill(pid, SIGKILL);
			if (!reap(pid, 10000))
				printf("# N=%d trial %d: the child did not die within 10 s of SIGKILL\n",
				       nreaders, k);
			t.out = T_STALL;
			return t;
		}
		if (ph != PH_PINNING && now - start > 3 * timeout_s * 1000000000LL) {
			printf("# N=%d trial %d: the child did not finish in %ld s (phase %d): killed\n",
			       nreaders, k, 3 * timeout_s, ph);
			kill(pid, SIGKILL);
			reap(pid, 10000);
			return t;
		}
		usleep(10000);
	}

	ph = get_phase();
	if (ph == PH_SKIP) {
		printf("# N=%d trial %d: %s\n", nreaders, k, sh->msg);
		t.out = T_SKIP;
		return t;
	}
	if (ph == PH_ERROR || ph != PH_DONE || !exited || !WIFEXITED(status)) {
		printf("# N=%d trial %d: the child failed (phase %d%s%s)\n", nreaders, k, ph,
		       ph == PH_ERROR ? "): " : ")", ph == PH_ERROR ? sh->msg : "");
		return t;
	}
	t.out = T_PINNED;
	t.pin_err = sh->pin_err;
	t.content_ok = sh->content_ok;
	t.pin_ns = sh->pin_ns;
	t.minflt = sh->minflt;
	t.stime_us = sh->stime_us;
	t.anon_kb = sh->anon_kb;
	printf("# N=%d trial %d: pin %s in %.3f ms; pinning thread: %ld minor, %ld major faults, %.3f ms system; ",
	       nreaders, k, t.pin_err ? strerror(t.pin_err) : "ok", t.pin_ns / 1e6,
	       t.minflt, sh->majflt, t.stime_us / 1e3);
	printf("readers: %lld passes, %ld faults; thp_file_mapped %+ld, thp_split_pmd %+ld%s; ",
	       sh->reader_passes, sh->reader_faults, sh->remapped, sh->splits,
	       sh->remapped < 0 ? " (no vm event counters)" : "");
	printf("Anonymous %ld kB after the pin; pinned content %s\n",
	       t.anon_kb, t.pin_err ? "-" : t.content_ok ? "ok" : "WRONG");
	return t;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/*
 * "min/median/max" of @n figures (sorted in place), divided by @scale and
 * printed with @prec decimals; the median returned.
 */
static long long say_spread(const char *what, long long *v, int n, double scale, int prec,
			    const char *unit)
{
	if (!n)
		return -1;
	qsort(v, n, sizeof(*v), cmp_ll);
	printf("#   %s: min %.*f, median %.*f, max %.*f%s\n", what, prec, v[0] / scale,
	       prec, v[n / 2] / scale, prec, v[n - 1] / scale, unit);
	return v[n / 2];
}

static void result(bool ok, const char *directive, const char *fmt, int n)
{
	ntests++;
	if (directive && !strncmp(directive, "SKIP", 4))
		nskip++;
	else if (directive && !strncmp(directive, "XFAIL", 5))
		nxfail++;
	else if (ok)
		npass++;
	else
		nfail++;
	printf("%s %d ", ok ? "ok" : "not ok", ntests);
	printf(fmt, n);
	if (directive)
		printf(" # %s", directive);
	printf("\n");
	fflush(stdout);
}

/* The case of @nreaders: up to @trials trials, to the first stall. */
static void run_case(int nreaders, int trials, long long *ref_faults)
{
	static const char what[] =
		"R/O longterm pin of a private PMD-mapped tmpfs THP, %d threads reading it, completes";
	long long ms[MAX_TRIALS], faults[MAX_TRIALS];
	long want_kb = new_semantics ? (long)(THP_SIZE >> 10) : 0;
	int k, pinned = 0, stalls = 0, errors = 0, skips = 0;
	char why[320] = "";
	struct trial t;

	printf("# [RUN] N=%d reader threads, %d trials, a pin not returned in %ld s is a stall\n",
	       nreaders, trials, timeout_s);
	for (k = 1; k <= trials; k++) {
		t = run_trial(nreaders, k);
		if (t.out == T_SKIP) {
			skips++;
			break;
		}
		if (t.out == T_STALL) {
			stalls++;
			break;
		}
		if (t.out == T_ERROR) {
			errors++;
			continue;
		}
		if (t.pin_err || !t.content_ok || t.anon_kb != want_kb) {
			errors++;
			if (t.anon_kb != want_kb && !t.pin_err)
				printf("# N=%d trial %d: Anonymous %ld kB after the pin, expected %ld (%s)\n",
				       nreaders, k, t.anon_kb, want_kb,
				       new_semantics ? "R/O long-term pins in COW mappings unshare"
						     : "the pin takes the pagecache THP");
			continue;
		}
		ms[pinned] = t.pin_ns;
		faults[pinned] = t.minflt;
		pinned++;
	}
	printf("# N=%d: %d of %d trials pinned, %d stalled, %d failed\n",
	       nreaders, pinned, k > trials ? trials : k, stalls, errors);
	if (pinned) {
		long long med;

		say_spread("pin time", ms, pinned, 1e6, 3, " ms");
		med = say_spread("pinning thread's minor faults (GUP's rounds)", faults,
				 pinned, 1, 0, "");
		if (*ref_faults < 0 && !nreaders)
			*ref_faults = med;
		else if (*ref_faults >= 0 && med > *ref_faults)
			printf("#   median minor faults %+lld against N=0's %lld: rounds lost to the readers' re-maps\n",
			       med - *ref_faults, *ref_faults);
		else if (*ref_faults >= 0)
			printf("#   median minor faults %+lld against N=0's %lld: no round lost to a re-map (the readers' own faults mapped part of the range)\n",
			       med - *ref_faults, *ref_faults);
	}

	if (skips && !pinned && !stalls && !errors) {
		snprintf(why, sizeof(why), "SKIP %s", sh->msg);
		result(true, why, what, nreaders);
	} else if (stalls && !errors && known_livelock) {
		snprintf(why, sizeof(why),
			 "XFAIL the known livelock (PMDRACE_KNOWN_BUGS=thp_pin_livelock): stalled in trial %d",
			 k);
		result(true, why, what, nreaders);
	} else {
		result(!stalls && !errors && pinned, NULL, what, nreaders);
	}
}

/*
 * The file: one THP in the pagecache of a tmpfs mounted huge=always, on a
 * directory that mkdtemp() makes (so not const).
 */
static char dir[] = "/tmp/pmdrace.XXXXXX";
static bool mounted;

static void cleanup(void)
{
	if (tmpfs_fd >= 0)
		close(tmpfs_fd);
	if (mounted)
		umount(dir);
	rmdir(dir);
}

/* NULL, or why there is no PMD-mapped THP to pin. */
static const char *setup_thp(void)
{
	static char why[256];
	char path[64], *m, *buf;
	uint64_t pme = 0, flags = 0;
	long kb;
	int fd;
	size_t i;

	if (!mkdtemp(dir))
		return "mkdtemp() failed";
	if (mount("pmdrace", dir, "tmpfs", 0, "huge=always")) {
		snprintf(why, sizeof(why), "cannot mount a tmpfs with huge=always: %s",
			 strerror(errno));
		return why;
	}
	mounted = true;
	snprintf(path, sizeof(path), "%s/thp", dir);
	tmpfs_fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (tmpfs_fd < 0 || unlink(path) || fallocate(tmpfs_fd, 0, 0, THP_SIZE)) {
		snprintf(why, sizeof(why), "the tmpfs file: %s", strerror(errno));
		return why;
	}
	/* A pattern, so that the pinned pages can be told from zeroes. */
	buf = malloc(THP_SIZE);
	if (!buf)
		return "malloc() failed";
	for (i = 0; i < THP_SIZE; i++)
		buf[i] = (char)(i / STEP * 7 + i);
	if (pwrite(tmpfs_fd, buf, THP_SIZE, 0) != (ssize_t)THP_SIZE) {
		free(buf);
		snprintf(why, sizeof(why), "writing the tmpfs file: %s", strerror(errno));
		return why;
	}
	free(buf);

	/* Is it a THP, and does a read map it by a PMD? */
	m = map_thp(PROT_READ);
	if (!m)
		return "mmap() failed";
	(void)*(volatile char *)m;
	kb = pmd_mapped_kb(m);
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd >= 0) {
		if (pread(fd, &pme, sizeof(pme), (uintptr_t)m / 4096 * sizeof(pme)) != sizeof(pme))
			pme = 0;
		close(fd);
	}
	fd = open("/proc/kpageflags", O_RDONLY);
	if (fd >= 0 && (pme & PM_PRESENT) && (pme & PM_PFN_MASK)) {
		if (pread(fd, &flags, sizeof(flags), (pme & PM_PFN_MASK) * sizeof(flags)) !=
		    sizeof(flags))
			flags = 0;
	}
	if (fd >= 0)
		close(fd);
	munmap(m, THP_SIZE);
	printf("# the file's first page: PFN 0x%llx, %s; a read of the private mapping: ShmemPmdMapped + FilePmdMapped %ld kB\n",
	       (unsigned long long)(pme & PM_PFN_MASK),
	       !(pme & PM_PFN_MASK) ? "kpageflags not read" :
	       flags & (1ULL << KPF_THP) ? "KPF_THP set" : "KPF_THP NOT set", kb);
	if (kb < (long)(THP_SIZE >> 10)) {
		snprintf(why, sizeof(why),
			 "the kernel did not map the tmpfs file by a PMD (ShmemPmdMapped + FilePmdMapped %ld kB, %s)",
			 kb, !(pme & PM_PFN_MASK) ? "no PFN" :
			 flags & (1ULL << KPF_THP) ? "the pagecache folio is a THP" :
			 "the pagecache folio is no THP");
		return why;
	}
	return NULL;
}

/* NULL, or why gup_test's long-term pin ioctls cannot be used. */
static const char *probe_gup_test(void)
{
	static char why[128];
	int fd = open(GUP_TEST, O_RDWR);

	if (fd < 0 && errno == ENOENT &&
	    !mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL))
		fd = open(GUP_TEST, O_RDWR);
	if (fd < 0) {
		snprintf(why, sizeof(why), "%s: %s", GUP_TEST, strerror(errno));
		return why;
	}
	/* A gup_test without the long-term pin ioctls answers EINVAL. */
	if (ioctl(fd, PIN_LONGTERM_TEST_STOP)) {
		snprintf(why, sizeof(why), "gup_test has no PIN_LONGTERM_TEST ioctls: %s",
			 strerror(errno));
		close(fd);
		return why;
	}
	close(fd);
	return NULL;
}

int main(void)
{
	static const char *const old[] = { "baseline", "mediaonly" };
	static const char *const new[] = { "patched", "direction", "upstream" };
	const char *e = getenv("PMDRACE_EXPECT"), *kb = getenv("PMDRACE_KNOWN_BUGS");
	const char *r = getenv("PMDRACE_READERS"), *why;
	int counts[MAX_COUNTS], ncounts = 0, trials, i;
	long long ref_faults = -1;
	bool known = false;
	char *end;
	size_t j;

	setvbuf(stdout, NULL, _IOLBF, 0);
	clk_tck = sysconf(_SC_CLK_TCK);
	printf("TAP version 13\n");
	if (!e || !*e)
		e = "upstream";
	for (j = 0; j < ARRAY_SIZE(old); j++)
		if (!strcmp(e, old[j]))
			known = true, new_semantics = false;
	for (j = 0; j < ARRAY_SIZE(new); j++)
		known |= !strcmp(e, new[j]);
	if (!known) {
		printf("Bail out! PMDRACE_EXPECT=%s: not baseline, mediaonly, patched, direction or upstream\n",
		       e);
		return KSFT_FAIL;
	}
	known_livelock = kb && strstr(kb, "thp_pin_livelock");
	timeout_s = getenv("PMDRACE_TIMEOUT") ? atol(getenv("PMDRACE_TIMEOUT")) : 20;
	trials = getenv("PMDRACE_TRIALS") ? atoi(getenv("PMDRACE_TRIALS")) : 5;
	if (timeout_s < 1)
		timeout_s = 20;
	if (trials < 1 || trials > MAX_TRIALS)
		trials = 5;
	if (!r || !*r)
		r = "0,1,3";
	while (*r && ncounts < MAX_COUNTS) {
		long n = strtol(r, &end, 10);

		if (end == r || n < 0 || n > MAX_READERS) {
			printf("Bail out! PMDRACE_READERS: reader counts from 0 to %d, comma-separated\n",
			       MAX_READERS);
			return KSFT_FAIL;
		}
		counts[ncounts++] = n;
		r = *end == ',' ? end + 1 : end;
	}
	printf("# expectations: %s%s: %s; a stall is %s\n", e,
	       getenv("PMDRACE_EXPECT") ? "" : " (PMDRACE_EXPECT unset)",
	       new_semantics ? "the pin unshares every 4 KiB page (Anonymous 2048 kB after it)"
			     : "the pin takes the pagecache THP (Anonymous 0 kB, no fault)",
	       known_livelock ? "the known livelock (XFAIL)" : "a failure");
	printf("# %ld CPUs online; pin timeout %ld s; %d trials per reader count\n",
	       sysconf(_SC_NPROCESSORS_ONLN), timeout_s, trials);

	why = probe_gup_test();
	if (why) {
		printf("1..0 # SKIP %s\n", why);
		return KSFT_SKIP;
	}
	why = setup_thp();
	if (why) {
		printf("1..0 # SKIP %s\n", why);
		cleanup();
		return KSFT_SKIP;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		cleanup();
		return KSFT_FAIL;
	}
	printf("1..%d\n", ncounts);
	for (i = 0; i < ncounts; i++)
		run_case(counts[i], trials, &ref_faults);
	cleanup();

	printf("# Totals: pass:%d fail:%d xfail:%d xpass:0 skip:%d error:0\n",
	       npass, nfail, nxfail, nskip);
	if (nfail)
		return KSFT_FAIL;
	return nskip ? KSFT_SKIP : KSFT_PASS;
}
