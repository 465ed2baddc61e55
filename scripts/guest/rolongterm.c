// SPDX-License-Identifier: GPL-2.0
/*
 * rolongterm: what a read-only long-term pin (FOLL_LONGTERM without
 * FOLL_WRITE) costs in a COW mapping, measured through gup_test's
 * PIN_LONGTERM_TEST_START / _READ / _STOP (mainline's, since 6.2; on 6.1
 * the lab's patches/lab/0001), as mainline's cow.c takes such pins.
 *
 * Mainline 6.2 (8d6a0ac09a16 and 84209e87c696; patches 1-3 of the 6.1
 * series) makes such a pin unshare whatever is not an exclusive anonymous
 * page: the shared zeropage, pagecache pages, hugetlb pagecache pages. The
 * pin then stays coherent with what the process sees, but it costs memory
 * that the old kernel did not allocate. Each case prints what it checks,
 * its figures as "# ..." lines, and ok or not ok against what the kernel
 * under test must do (ROLONGTERM_EXPECT, the lab's expectation profile:
 * /init passes lab.expect=):
 *
 *   baseline, mediaonly   no mm patch: the old semantics
 *   patched, direction,   mainline's: R/O long-term pins in COW mappings
 *   upstream              unshare
 *
 * 1. 2 MiB of never-written private anonymous memory (MADV_NOHUGEPAGE,
 *    so 512 PTEs of the shared zeropage after a read of each page): old,
 *    the pin takes the zeropage (RssAnon +0 kB, the pages stay the
 *    zeropage, and a later write is not seen through the pin); new, it
 *    allocates every page (RssAnon +2048 kB, none is the zeropage, the
 *    write is seen).
 * 2. The same for a MAP_PRIVATE mapping of a never-written tmpfs file (a
 *    memfd): its reads put 512 pages into the pagecache on every kernel;
 *    old, the pin takes them; new, it copies them into 512 anonymous pages.
 * 3. A PROT_READ MAP_PRIVATE|MAP_NORESERVE mapping of a hugetlbfs file (a
 *    hugetlb memfd) whose one huge page is in the pagecache (written
 *    through a MAP_SHARED mapping), with no free huge page left in the pool
 *    and no overcommit: old, the pin takes the pagecache huge page; new,
 *    unsharing needs a new huge page, the allocation fails (-ENOSPC,
 *    hugetlb_wp() makes it VM_FAULT_SIGBUS) and GUP returns EFAULT
 *    (vm_fault_to_errno(), on 6.1 from follow_hugetlb_page(), on 6.12 from
 *    faultin_page()).
 * 4. The same without MAP_NORESERVE: mmap() reserved a huge page for the
 *    private mapping (on every kernel), and the pin succeeds everywhere;
 *    new, it takes that page from the pool (HugePages_Free and
 *    HugePages_Rsvd down by one).
 *
 * "No free huge page" is made by holding every free, unreserved huge page
 * of the default size in a shared hugetlb memfd, not by lowering
 * nr_hugepages: the pages stay in the pool, go back to it when the
 * program exits however it exits, and the tests that follow in the guest
 * find the pool as it was (given back to the buddy allocator, 2 MiB pages
 * need not come back). nr_hugepages is raised only if the pool has fewer
 * than the 2 free pages the cases need, and nr_overcommit_hugepages set
 * to 0 if it is not; both are restored at the end.
 *
 * Exit: 0 if every case gave what its kernel must give, 1 otherwise, 4
 * (KSFT_SKIP) if the kernel has no gup_test with the long-term pin ioctls
 * or no hugetlbfs (then only cases 1 and 2 run). Run as root, with debugfs
 * mounted (/sys/kernel/debug/gup_test).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/types.h>

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif

#include "gup_longterm.h"

#define SIZE (2UL << 20)		/* cases 1 and 2: 2 MiB */
#define PM_PFN_MASK ((1ULL << 55) - 1)	/* Documentation/admin-guide/mm/pagemap.rst */
#define PM_FILE (1ULL << 61)		/* file page or shared anon */
#define PM_PRESENT (1ULL << 63)
#define KPF_ZERO_PAGE 24		/* include/uapi/linux/kernel-page-flags.h */
/*
 * RssAnon's tolerance, in kB. 6.1 keeps a task's RSS changes in the task
 * and folds them into the mm every 64 faults (TASK_RSS_EVENTS_THRESH):
 * flush_rss() forces that, so 6.1's figures are exact. 6.2 and later keep
 * them in per-CPU counters that RssAnon reads without the per-CPU deltas,
 * each under percpu_counter_batch (32 pages with up to 16 CPUs): with the
 * program on one CPU, a difference of two readings is off by less than
 * 2 x 32 pages, 256 kB. The smaps and pagemap figures are exact.
 */
#define RSS_TOL_KB 256

static int gup_fd = -1;
static bool new_semantics;
static int ntests, npass, nfail, nskip;
static long page_size;
static char pinned[SIZE];	/* what PIN_LONGTERM_TEST_READ copies (cases 1, 2) */

static void msg(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static void result(bool ok, const char *what)
{
	ntests++;
	if (ok)
		npass++;
	else
		nfail++;
	printf("%s %d %s\n", ok ? "ok" : "not ok", ntests, what);
	fflush(stdout);
}

static void skip(const char *what, const char *why)
{
	ntests++;
	nskip++;
	printf("ok %d %s # SKIP %s\n", ntests, what, why);
	fflush(stdout);
}

/* A "Name: N kB" (or "Name: N") line of a /proc file, or -1. */
static long proc_field(const char *path, const char *name)
{
	char line[256];
	size_t n = strlen(name);
	long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, name, n) && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static bool write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (!f)
		return false;
	ok = fprintf(f, "%ld\n", v) > 0;
	return !fclose(f) && ok;
}

/*
 * 6.1's RSS counters: make the task fold its cached changes into the mm
 * (sync_mm_rss() on its 65th fault) by read-faulting 80 pages of a
 * PROT_READ anonymous mapping, which map the shared zeropage and change
 * no counter. Harmless elsewhere.
 */
static void flush_rss(void)
{
	size_t len = 80 * page_size;
	volatile char *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t off;

	if (p == MAP_FAILED)
		return;
	madvise((void *)p, len, MADV_NOHUGEPAGE);
	for (off = 0; off < len; off += page_size)
		(void)p[off];
	munmap((void *)p, len);
}

static long rss_anon_kb(void)
{
	flush_rss();
	return proc_field("/proc/self/status", "RssAnon");
}

/* The "Anonymous:" of the VMA that starts at @addr, from smaps (exact). */
static long smaps_anon_kb(void *addr)
{
	char line[512], start[32];
	long v = -1;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	snprintf(start, sizeof(start), "%lx-", (unsigned long)addr);
	while (fgets(line, sizeof(line), f)) {
		if (strchr(line, '-') && strchr(line, ' ') &&
		    strchr(line, '-') < strchr(line, ' ')) {
			if (in)
				break;
			in = !strncmp(line, start, strlen(start));
		} else if (in && !strncmp(line, "Anonymous:", 10)) {
			v = strtol(line + 10, NULL, 10);
		}
	}
	fclose(f);
	return v;
}

struct backing {
	long present, zero, file;
};

/* The pages of [addr, addr + len) by their pagemap entries. */
static bool backing(void *addr, size_t len, unsigned long long zero_pfn,
		    struct backing *b)
{
	static uint64_t pm[SIZE / 4096];	/* pages of 4 KiB or more */
	size_t n = len / page_size;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	ssize_t r;
	size_t i;

	memset(b, 0, sizeof(*b));
	if (fd < 0 || n > sizeof(pm) / sizeof(pm[0]))
		return false;
	r = pread(fd, pm, n * sizeof(pm[0]),
		  (unsigned long)addr / page_size * sizeof(pm[0]));
	close(fd);
	if (r != (ssize_t)(n * sizeof(pm[0])))
		return false;
	for (i = 0; i < n; i++) {
		if (!(pm[i] & PM_PRESENT))
			continue;
		b->present++;
		if (zero_pfn && (pm[i] & PM_PFN_MASK) == zero_pfn)
			b->zero++;
		if (pm[i] & PM_FILE)
			b->file++;
	}
	return true;
}

/*
 * The shared zeropage's PFN: what a read fault maps into never-written
 * private anonymous memory. /proc/kpageflags says whether it is
 * KPF_ZERO_PAGE, where it can be read. 0 if it cannot be found (no
 * pagemap, or PFNs hidden from a process without CAP_SYS_ADMIN).
 */
static unsigned long long find_zero_pfn(void)
{
	volatile char *p = mmap(NULL, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long long pfn = 0;
	uint64_t e = 0, flags;
	int fd;

	if (p == MAP_FAILED)
		return 0;
	(void)*p;
	fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd >= 0 && pread(fd, &e, sizeof(e), (unsigned long)p / page_size * sizeof(e)) == sizeof(e) &&
	    (e & PM_PRESENT))
		pfn = e & PM_PFN_MASK;
	if (fd >= 0)
		close(fd);
	munmap((void *)p, page_size);
	fd = open("/proc/kpageflags", O_RDONLY);
	if (pfn && fd >= 0 && pread(fd, &flags, sizeof(flags), pfn * sizeof(flags)) == sizeof(flags))
		msg("the zeropage: PFN 0x%llx, KPF_ZERO_PAGE %s in /proc/kpageflags", pfn,
		    flags & (1ULL << KPF_ZERO_PAGE) ? "set" : "NOT set");
	else
		msg("the zeropage: PFN 0x%llx (what a read fault maps)", pfn);
	if (fd >= 0)
		close(fd);
	return pfn;
}

static int pin_start(void *addr, size_t len)
{
	struct pin_longterm_test args = {
		.addr = (uintptr_t)addr, .size = len, .flags = 0,	/* R/O, GUP (not GUP-fast) */
	};

	return ioctl(gup_fd, PIN_LONGTERM_TEST_START, &args) ? errno : 0;
}

/* Copy what the pinned pages hold to @to (as long as the pinned range). */
static bool pin_read(char *to_buf)
{
	__u64 to = (uintptr_t)to_buf;

	return !ioctl(gup_fd, PIN_LONGTERM_TEST_READ, &to);
}

static void pin_stop(void)
{
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_STOP))
		msg("PIN_LONGTERM_TEST_STOP: %s", strerror(errno));
}

static bool near(long v, long want, long tol)
{
	return v >= want - tol && v <= want + tol;
}

/*
 * Cases 1 and 2: pin 2 MiB of never-written private memory, anonymous
 * (fd < 0) or of a tmpfs file, read once before, so that every page is
 * mapped (the zeropage, or pagecache pages).
 */
static void case_small(const char *what, int fd, unsigned long long zero_pfn)
{
	long rss0, rss1, anon0, anon1, want_kb = new_semantics ? SIZE / 1024 : 0;
	long npages = SIZE / page_size, seen = 0, i;
	struct backing b0, b1;
	bool ok = true, have_pm;
	char *mem;
	int err;

	msg("[RUN] %s", what);
	mem = mmap(NULL, SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | (fd < 0 ? MAP_ANONYMOUS : 0), fd, 0);
	if (mem == MAP_FAILED) {
		msg("mmap: %s", strerror(errno));
		result(false, what);
		return;
	}
	if (madvise(mem, SIZE, MADV_NOHUGEPAGE))
		msg("MADV_NOHUGEPAGE: %s", strerror(errno));
	for (i = 0; i < npages; i++)
		(void)((volatile char *)mem)[i * page_size];

	have_pm = backing(mem, SIZE, zero_pfn, &b0);
	rss0 = rss_anon_kb();
	anon0 = smaps_anon_kb(mem);
	err = pin_start(mem, SIZE);
	rss1 = rss_anon_kb();
	anon1 = smaps_anon_kb(mem);
	have_pm = backing(mem, SIZE, zero_pfn, &b1) && have_pm;

	msg("pin: %s", err ? strerror(err) : "ok");
	msg("RssAnon: %ld kB before the pin, %ld kB after: %+ld kB (expected %+ld, within %d)",
	    rss0, rss1, rss1 - rss0, want_kb, RSS_TOL_KB);
	msg("smaps Anonymous of the mapping: %ld kB before, %ld kB after: %+ld kB (expected %+ld)",
	    anon0, anon1, anon1 - anon0, want_kb);
	if (have_pm) {
		if (fd < 0)
			msg("pages mapped to the zeropage: %ld of %ld before, %ld after (expected %ld)",
			    b0.zero, npages, b1.zero, new_semantics ? 0 : npages);
		else
			msg("pagecache pages mapped: %ld of %ld before, %ld after (expected %ld)",
			    b0.file, npages, b1.file, new_semantics ? 0 : npages);
	} else {
		msg("no /proc/self/pagemap");
	}
	if (err) {
		result(false, what);
		munmap(mem, SIZE);
		return;
	}
	/* A write by the process after the pin: does the pin see it? */
	for (i = 0; i < npages; i++)
		mem[i * page_size] = 0x5a;
	if (pin_read(pinned)) {
		for (i = 0; i < npages; i++)
			seen += pinned[i * page_size] == 0x5a;
		msg("pages whose write after the pin is seen through the pin: %ld of %ld (expected %ld)",
		    seen, npages, new_semantics ? npages : 0);
	} else {
		msg("PIN_LONGTERM_TEST_READ: %s", strerror(errno));
		ok = false;
	}
	pin_stop();
	munmap(mem, SIZE);

	ok = ok && near(rss1 - rss0, want_kb, RSS_TOL_KB) && rss0 >= 0 &&
	     anon1 - anon0 == want_kb && anon0 >= 0 &&
	     seen == (new_semantics ? npages : 0);
	if (have_pm && fd < 0)
		ok = ok && zero_pfn && b0.zero == npages && b1.zero == (new_semantics ? 0 : npages);
	if (have_pm && fd >= 0)
		ok = ok && b0.file == npages && b1.file == (new_semantics ? 0 : npages);
	ok = ok && have_pm;
	result(ok, what);
}

/* ---- hugetlb ---- */

static long hsize;	/* the default huge page size, bytes */
static long saved_nr = -1, saved_overcommit = -1;

struct pool {
	long total, free, rsvd, surp;
};

static void pool(struct pool *p)
{
	p->total = proc_field("/proc/meminfo", "HugePages_Total");
	p->free = proc_field("/proc/meminfo", "HugePages_Free");
	p->rsvd = proc_field("/proc/meminfo", "HugePages_Rsvd");
	p->surp = proc_field("/proc/meminfo", "HugePages_Surp");
}

static void say_pool(const char *when)
{
	struct pool p;

	pool(&p);
	msg("huge pages %s: HugePages_Total %ld, _Free %ld, _Rsvd %ld, _Surp %ld, nr_overcommit_hugepages %ld",
	    when, p.total, p.free, p.rsvd, p.surp, read_long("/proc/sys/vm/nr_overcommit_hugepages"));
}

/* A hugetlb memfd with one huge page in its pagecache, written with 0xa5. */
static int hugetlb_pagecache_file(void)
{
	int fd = memfd_create("rolongterm", MFD_HUGETLB | MFD_CLOEXEC);
	char *p;

	if (fd < 0) {
		msg("memfd_create(MFD_HUGETLB): %s", strerror(errno));
		return -1;
	}
	if (ftruncate(fd, hsize)) {
		msg("ftruncate: %s", strerror(errno));
		close(fd);
		return -1;
	}
	p = mmap(NULL, hsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		msg("mmap(MAP_SHARED) of the hugetlb file: %s", strerror(errno));
		close(fd);
		return -1;
	}
	memset(p, 0xa5, hsize);
	munmap(p, hsize);
	return fd;
}

/*
 * Take every free huge page that no mapping has reserved into a shared
 * hugetlb memfd, mapped and written: the pool then has none to give. The
 * memfd's mapping is returned (to unmap), or NULL, with *n pages in it.
 */
static void *hold_free_pages(long *n)
{
	struct pool p;
	char *m;
	int fd;
	long i;

	pool(&p);
	*n = p.free - p.rsvd;
	if (*n <= 0)
		return NULL;
	fd = memfd_create("rolongterm-filler", MFD_HUGETLB | MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, *n * hsize)) {
		msg("the filler: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		*n = -1;
		return NULL;
	}
	m = mmap(NULL, *n * hsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		msg("the filler's mmap of %ld huge pages: %s", *n, strerror(errno));
		*n = -1;
		return NULL;
	}
	for (i = 0; i < *n; i++)
		m[i * hsize] = 1;
	return m;
}

/*
 * Cases 3 and 4: a R/O long-term pin of one huge page of a PROT_READ
 * private mapping of the hugetlb file, with MAP_NORESERVE (case 3) or with
 * the reservation mmap() makes (case 4), and no other huge page to take.
 */
static void case_hugetlb(const char *what, bool noreserve)
{
	struct pool p0, p1;
	void *filler = NULL;
	long nfill = 0;
	bool ok = true;
	char *mem, *buf;
	int fd, err;

	msg("[RUN] %s", what);
	/* where the pinned huge page is read to: small pages, not the pool's */
	buf = mmap(NULL, hsize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		msg("mmap: %s", strerror(errno));
		result(false, what);
		return;
	}
	fd = hugetlb_pagecache_file();
	if (fd < 0) {
		munmap(buf, hsize);
		result(false, what);
		return;
	}
	mem = mmap(NULL, hsize, PROT_READ, MAP_PRIVATE | (noreserve ? MAP_NORESERVE : 0), fd, 0);
	if (mem == MAP_FAILED) {
		msg("mmap(MAP_PRIVATE%s): %s", noreserve ? " | MAP_NORESERVE" : "", strerror(errno));
		close(fd);
		result(false, what);
		return;
	}
	if (*(volatile char *)mem != (char)0xa5)
		msg("the private mapping does not show the pagecache page");
	filler = hold_free_pages(&nfill);
	if (nfill < 0) {
		munmap(mem, hsize);
		munmap(buf, hsize);
		close(fd);
		result(false, what);
		return;
	}
	msg("%ld free huge pages held by a filler", nfill);
	pool(&p0);
	say_pool("before the pin");
	err = pin_start(mem, hsize);
	pool(&p1);
	say_pool("after the pin");
	if (!err) {
		if (pin_read(buf))
			ok = buf[0] == (char)0xa5 && buf[hsize - 1] == (char)0xa5;
		else
			ok = false;
		msg("the pin reads %s", ok ? "the file's content" : "something else");
		pin_stop();
	}
	if (filler)
		munmap(filler, nfill * hsize);
	munmap(mem, hsize);
	munmap(buf, hsize);
	close(fd);

	if (noreserve) {
		/* No free huge page, and none reserved for this mapping. */
		ok = ok && p0.free - p0.rsvd == 0;
		msg("pin: %s (expected %s)", err ? strerror(err) : "ok",
		    new_semantics ? strerror(EFAULT) : "ok");
		ok = ok && err == (new_semantics ? EFAULT : 0);
	} else {
		msg("pin: %s (expected ok); HugePages_Free %+ld, HugePages_Rsvd %+ld (expected %+d, %+d)",
		    err ? strerror(err) : "ok", p1.free - p0.free, p1.rsvd - p0.rsvd,
		    new_semantics ? -1 : 0, new_semantics ? -1 : 0);
		ok = ok && p0.rsvd >= 1 && p0.free - p0.rsvd == 0 && !err &&
		     p1.free - p0.free == (new_semantics ? -1 : 0) &&
		     p1.rsvd - p0.rsvd == (new_semantics ? -1 : 0);
	}
	result(ok, what);
}

/* The pool as the cases need it: 2 free unreserved pages, no overcommit. */
static bool hugetlb_setup(void)
{
	struct pool p;
	long oc = read_long("/proc/sys/vm/nr_overcommit_hugepages");
	long nr = read_long("/proc/sys/vm/nr_hugepages");

	say_pool("at the start");
	if (oc > 0) {
		saved_overcommit = oc;
		if (!write_long("/proc/sys/vm/nr_overcommit_hugepages", 0)) {
			msg("cannot set nr_overcommit_hugepages to 0: %s", strerror(errno));
			return false;
		}
	}
	pool(&p);
	if (p.free - p.rsvd < 2) {
		saved_nr = nr;
		if (!write_long("/proc/sys/vm/nr_hugepages", nr + 2 - (p.free - p.rsvd)))
			msg("cannot raise nr_hugepages: %s", strerror(errno));
		pool(&p);
		if (p.free - p.rsvd < 2) {
			msg("%ld free huge pages: 2 are needed", p.free - p.rsvd);
			return false;
		}
	}
	return true;
}

static void hugetlb_restore(void)
{
	if (saved_overcommit >= 0 &&
	    !write_long("/proc/sys/vm/nr_overcommit_hugepages", saved_overcommit))
		msg("cannot restore nr_overcommit_hugepages: %s", strerror(errno));
	if (saved_nr >= 0 && !write_long("/proc/sys/vm/nr_hugepages", saved_nr))
		msg("cannot restore nr_hugepages: %s", strerror(errno));
	say_pool("at the end");
}

int main(void)
{
	static const char *const old[] = { "baseline", "mediaonly" };
	static const char *const new[] = { "patched", "direction", "upstream" };
	const char *e = getenv("ROLONGTERM_EXPECT");
	unsigned long long zero_pfn;
	bool known = false, hugetlb;
	cpu_set_t cpu;
	size_t i;
	int memfd, c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	page_size = sysconf(_SC_PAGESIZE);
	printf("TAP version 13\n");
	if (!e || !*e)
		e = "patched";
	for (i = 0; i < sizeof(old) / sizeof(old[0]); i++)
		known |= !strcmp(e, old[i]);
	for (i = 0; i < sizeof(new) / sizeof(new[0]); i++)
		if (!strcmp(e, new[i]))
			known = new_semantics = true;
	if (!known) {
		printf("Bail out! ROLONGTERM_EXPECT=%s: not baseline, mediaonly, patched, direction or upstream\n", e);
		return KSFT_FAIL;
	}
	msg("expectations: %s%s: %s", e, getenv("ROLONGTERM_EXPECT") ? "" : " (ROLONGTERM_EXPECT unset)",
	    new_semantics ? "R/O long-term pins in COW mappings unshare (mainline 6.2)"
			  : "R/O long-term pins take the page mapped (6.1)");

	gup_fd = open(GUP_TEST, O_RDWR);
	if (gup_fd < 0) {
		printf("1..0 # SKIP %s: %s\n", GUP_TEST, strerror(errno));
		return KSFT_SKIP;
	}
	/* A gup_test without the long-term pin ioctls answers EINVAL. */
	if (ioctl(gup_fd, PIN_LONGTERM_TEST_STOP)) {
		printf("1..0 # SKIP gup_test has no PIN_LONGTERM_TEST ioctls: %s\n", strerror(errno));
		return KSFT_SKIP;
	}
	/* 6.2+'s per-CPU RSS counters: one CPU, one set of deltas. */
	c = sched_getcpu();
	CPU_ZERO(&cpu);
	CPU_SET(c > 0 ? c : 0, &cpu);
	if (sched_setaffinity(0, sizeof(cpu), &cpu))
		msg("sched_setaffinity: %s", strerror(errno));

	hsize = proc_field("/proc/meminfo", "Hugepagesize") * 1024;
	memfd = hsize > 0 ? memfd_create("rolongterm-probe", MFD_HUGETLB | MFD_CLOEXEC) : -1;
	hugetlb = memfd >= 0;
	if (memfd >= 0)
		close(memfd);
	else
		msg("no hugetlbfs: %s", hsize > 0 ? strerror(errno) : "no Hugepagesize in /proc/meminfo");
	printf("1..4\n");

	zero_pfn = find_zero_pfn();
	case_small("R/O longterm GUP pin of 2 MiB of never-written private anonymous memory (MADV_NOHUGEPAGE)",
		   -1, zero_pfn);

	memfd = memfd_create("rolongterm-tmpfs", MFD_CLOEXEC);
	if (memfd >= 0 && !ftruncate(memfd, SIZE)) {
		case_small("R/O longterm GUP pin of a 2 MiB MAP_PRIVATE mapping of a never-written tmpfs file (memfd, MADV_NOHUGEPAGE)",
			   memfd, zero_pfn);
	} else {
		msg("memfd_create/ftruncate: %s", strerror(errno));
		result(false, "R/O longterm GUP pin of a private tmpfs file mapping");
	}
	if (memfd >= 0)
		close(memfd);

	if (hugetlb) {
		if (hugetlb_setup()) {
			case_hugetlb("R/O longterm GUP pin of a PROT_READ MAP_PRIVATE|MAP_NORESERVE hugetlb file mapping, its page in the pagecache, no free huge page",
				     true);
			case_hugetlb("R/O longterm GUP pin of a PROT_READ MAP_PRIVATE hugetlb file mapping, its page in the pagecache, only its reserved huge page free",
				     false);
		} else {
			result(false, "hugetlb: the pool could not be set up");
			result(false, "hugetlb: the pool could not be set up");
		}
		hugetlb_restore();
	} else {
		skip("R/O longterm GUP pin of a private hugetlb file mapping, no free huge page", "no hugetlbfs");
		skip("R/O longterm GUP pin of a private hugetlb file mapping, its reservation", "no hugetlbfs");
	}
	close(gup_fd);

	printf("# Totals: pass:%d fail:%d xfail:0 xpass:0 skip:%d error:0\n", npass, nfail, nskip);
	if (nfail)
		return KSFT_FAIL;
	return nskip ? KSFT_SKIP : KSFT_PASS;
}
