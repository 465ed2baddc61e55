// SPDX-License-Identifier: GPL-2.0
/*
 * Which memory can a videobuf2 USERPTR buffer live in, and does the device
 * see what the process put there?
 *
 * Every case queues one buffer from one kind of memory on one device and
 * checks the result of QBUF and DQBUF, the data the device read or wrote,
 * that the memory (and any file behind it) is otherwise unchanged, and
 * that every pin taken is released again. Output buffers are then written
 * through their mapping and queued again at the same address, and the
 * device must read the new content (or, where a pin goes stale, exactly
 * the content the pin was taken on; anything else fails).
 *
 * vim2m's output is compared byte for byte with a reference computed
 * here. vivid draws the same frame every time once its OSD text (a clock
 * and a frame counter) is off and its pattern does not move: the case sets
 * those controls (and puts them back), captures that frame twice into
 * anonymous memory filled with different bytes, which shows that every
 * byte is written and always the same, and compares the capture in the
 * memory under test with it. Where the process can write the memory under
 * a capture buffer, the rest of the buffer's first and last page gets a
 * guard byte, which the capture must leave alone. The child of the fork()
 * kind sends its copy of the buffer over a pipe: it must still hold what
 * it shared. vim2m on dma-contig reading and writing an unaligned buffer
 * from the start of its page is a known bug: that case tells it from the
 * right bytes, byte for byte.
 *
 * The devices are vivid (capture and output, single- and multi-planar) and
 * vim2m (memory to memory: the memory under test is either its output or
 * its capture buffer), over the vmalloc, dma-contig and dma-sg memops.
 * Devices are found by driver name and capabilities; the memop is read
 * from the exporter name of a buffer exported with VIDIOC_EXPBUF. A device
 * that is not there is a SKIP. So is a kind of memory the system does not
 * provide (no hugetlb pages configured, no THP, no MEDIA_USERPTR_THP_DIR),
 * while one it provides but that cannot be set up is a FAIL: no free
 * hugetlb page out of those configured, no THP or huge zeropage with THP
 * enabled, no PMD-mapped page in MEDIA_USERPTR_THP_DIR, no physical
 * addresses in pagemap for root.
 *
 * The way to run it is media_userptr.sh (what run_kselftest.sh runs): as
 * root, it loads vivid and vim2m (once per vim2m allocator), mounts the
 * file systems and reserves the hugetlb pages the cases need, runs this
 * program once per vim2m allocator, prints one KTAP document with every
 * case once, and restores what it found. By hand, as root:
 *   modprobe vivid n_devs=5 node_types=0x101,0x101,0x101,0x101,0x101 \
 *           multiplanar=1,1,2,2,1 allocators=0,2,0,2,1
 *   modprobe vim2m allocator=0      (then 1 and 2: dma-contig, dma-sg)
 *   echo 8 > /proc/sys/vm/nr_hugepages
 *   (on arm64, also 64 pages of 64 KiB and 2 of 32 MiB, in
 *   /sys/kernel/mm/hugepages/hugepages-{64,32768}kB/nr_hugepages)
 *   ./media_userptr_test
 * (vivid's fifth instance, dma-contig, is the vb2_pfnmap kind's memory.)
 *
 * The expected results are mainline's, by default: a kernel that pins
 * USERPTR memory as the device uses it (without FOLL_FORCE, since 6.2),
 * whose mm unshares read-only long-term pins in COW mappings, and which
 * refuses a long-term write pin of a shared file mapping that needs dirty
 * tracking where the kernel is 6.5 or later (decided from uname -r and
 * fstatfs(); the case prints the rule it applied as a "# rule:" line).
 * A known bug of a kernel is a FAIL that names the bug, and its fix:
 * videobuf2-dma-contig mapping an unaligned USERPTR buffer from the start
 * of its page; the livelock of a R/O long-term pin of a PMD-mapped tmpfs
 * THP in a private mapping (the case is killed after LIVELOCK_S seconds,
 * and says so); videobuf2-dma-sg's ENOMEM for every pinning error; and
 * the FOLL_FORCE | FOLL_WRITE pins of Linux before 6.2.
 *
 * MEDIA_USERPTR_KNOWN_BUGS=<name>[,<name>...] expects a known bug instead:
 * "dma_contig_offset" asserts the bytes of the old dma-contig behaviour
 * (and fails when they are right), "thp_pin_livelock" skips the output
 * cases of shmem_thp_private, saying why.
 *
 * MEDIA_USERPTR_EXPECT selects other expected results, for the A/B
 * comparisons of the lab that develops the 6.1 series (each of these
 * implies dma_contig_offset, which no 6.1 kernel fixes): "patched" for
 * 6.1 with the series (as mainline), "baseline" for one that pins with
 * FOLL_FORCE | FOLL_WRITE (Linux 6.1 as released), "mediaonly" for one
 * that pins by direction but whose mm does not unshare read-only
 * long-term pins in COW mappings, "direction" for one that pins by
 * direction but still with FOLL_FORCE (6.1 with the series up to "media:
 * videobuf2: pin USERPTR memory for write only when the device writes",
 * as mainline between e2fc6edd37ba and cb78a634f3f7), which accepts every
 * buffer the baseline accepts. "upstream" is mainline's, and where the
 * result differs from the patched 6.1 kernel's the case says
 * "# difference:", with why: the lab holds the two kernels against these
 * lines. "mainline" is the default.
 * MEDIA_USERPTR_ONLY=<text>[,<text>...] skips the device variants whose
 * name contains none of the texts. Files are created in MEDIA_USERPTR_DIR
 * (default: /tmp).
 * MEDIA_USERPTR_THP_DIR names a tmpfs mounted with huge=always, for the
 * pagecache THP case; without it that case skips, and without a PMD-mapped
 * huge page there it fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <linux/magic.h>
#include <linux/memfd.h>
#include <linux/videodev2.h>

#include "../kselftest_harness.h"

#define HPAGE		(2UL << 20)
/*
 * What dma_get_cache_alignment() asks of dma-contig's USERPTR memory, at
 * most: 1 on x86; on arm64 ARCH_DMA_MINALIGN (128) in 6.1, the CPU's
 * cache writeback granule (64 or 128) in 6.12.
 */
#ifdef __aarch64__
#define DMA_ALIGN	128
#else
#define DMA_ALIGN	1
#endif
#define M2M_W		32
#define M2M_H		32
#define DQ_TIMEOUT_MS	20000

enum profile { MAINLINE, PATCHED, BASELINE, MEDIAONLY, UPSTREAM, DIRECTION };

static enum profile profile(void)
{
	const char *e = getenv("MEDIA_USERPTR_EXPECT");

	if (e && !strcmp(e, "patched"))
		return PATCHED;
	if (e && !strcmp(e, "baseline"))
		return BASELINE;
	if (e && !strcmp(e, "mediaonly"))
		return MEDIAONLY;
	if (e && !strcmp(e, "upstream"))
		return UPSTREAM;
	if (e && !strcmp(e, "direction"))
		return DIRECTION;
	return MAINLINE;
}

/* The known bugs MEDIA_USERPTR_KNOWN_BUGS may name. */
static const char * const known_bugs[] = {
	"dma_contig_offset", "thp_pin_livelock",
};

/* Whether the kernel under test is expected to have the known bug @name. */
static bool known_bug(const char *name)
{
	const char *e = getenv("MEDIA_USERPTR_KNOWN_BUGS");
	size_t n = strlen(name);

	/* No 6.1 kernel has the dma-contig fix, with or without the series. */
	if (!strcmp(name, "dma_contig_offset") && profile() != MAINLINE &&
	    profile() != UPSTREAM)
		return true;
	for (; e && *e; e += strcspn(e, ",")) {
		e += strspn(e, ", ");
		if (!strncmp(e, name, n) && (!e[n] || e[n] == ','))
			return true;
	}
	return false;
}

/*
 * An expectation or a known bug the test does not know is a mistake, not
 * the default.
 */
static void __attribute__((constructor)) check_profile(void)
{
	static const char * const known[] = {
		"mainline", "patched", "baseline", "mediaonly", "upstream",
		"direction",
	};
	const char *e = getenv("MEDIA_USERPTR_EXPECT");
	size_t i, n;

	for (i = 0; e && *e && i < ARRAY_SIZE(known); i++)
		if (!strcmp(e, known[i]))
			break;
	if (e && *e && i == ARRAY_SIZE(known)) {
		fprintf(stderr,
			"MEDIA_USERPTR_EXPECT=%s: not one of mainline, patched, baseline, mediaonly, upstream, direction\n",
			e);
		exit(KSFT_FAIL);
	}
	for (e = getenv("MEDIA_USERPTR_KNOWN_BUGS"); e && *e; e += n) {
		e += strspn(e, ", ");
		n = strcspn(e, ",");
		for (i = 0; n && i < ARRAY_SIZE(known_bugs); i++)
			if (strlen(known_bugs[i]) == n && !strncmp(e, known_bugs[i], n))
				break;
		if (n && i == ARRAY_SIZE(known_bugs)) {
			fprintf(stderr,
				"MEDIA_USERPTR_KNOWN_BUGS: %.*s is not one of dma_contig_offset, thp_pin_livelock\n",
				(int)n, e);
			exit(KSFT_FAIL);
		}
	}
}

/*
 * Where the upstream profile expects something else than the patched one,
 * the case says so, and why: the lab holds the two kernels' results
 * against these lines.
 */
#define difference(fmt, ...) \
	fprintf(stderr, "# difference: " fmt "\n", ##__VA_ARGS__)

static size_t pagesz(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* ---- the memory under test ---- */

struct mem {
	char *map;		/* what to munmap */
	size_t maplen;
	char *buf;		/* the buffer handed to QBUF */
	int fd;			/* file or memfd behind it, or -1 */
	char path[256];
	pid_t child;		/* fork kind: the child sharing the pages */
	int go, seen;		/* its pipes, when child > 0 */
};

/* How new content gets into the buffer before it is queued again. */
enum rewrite {
	RW_NONE,	/* it cannot: the memory is sealed, or unreachable */
	RW_DIRECT,	/* store through the mapping */
	RW_MPROTECT,	/* make the mapping writable first */
	RW_FILE,	/* pwrite() to the file behind a read-only mapping */
};

struct kind {
	const char *name;
	const char *sentence;
	int (*setup)(struct mem *m, size_t len);
	/*
	 * QBUF errno: [0] patched, [1] baseline, [2] direction; rd: the
	 * device reads, wr: it writes.
	 */
	int rd[3], wr[3];
	/* Why the baseline differs from patched, where it does. */
	const char *why;
	/* Why direction differs from the baseline, where it does. */
	const char *why_direction;
	enum rewrite rewrite;
	/* A R/O pin of it goes stale without the mm prerequisite. */
	bool cow_shared;
	/* It must get no anonymous pages when the device only reads it. */
	bool no_anon;
	/* A file is behind it: it must stay unchanged, or get the capture. */
	bool file;
	/* More than one page, so not physically contiguous in general. */
	bool multipage;
};

static const char *dir(void)
{
	const char *d = getenv("MEDIA_USERPTR_DIR");

	return d ? d : "/tmp";
}

/* Why the last setup failed (-1, a FAIL) or found no such memory (-2). */
static char setup_why[1024];

#define absent(...)	(snprintf(setup_why, sizeof(setup_why), __VA_ARGS__), -2)
#define failed(...)	(snprintf(setup_why, sizeof(setup_why), __VA_ARGS__), -1)

static void pattern(char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (char)((i * 7 + seed * 13 + (i >> 8)) & 0xff) | 1;
}

static char *anon(size_t len, int prot)
{
	char *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static size_t round_page(size_t len)
{
	return (len + pagesz() - 1) & ~(pagesz() - 1);
}

static int setup_anon_rw(struct mem *m, size_t len)
{
	m->maplen = round_page(len);
	m->map = anon(m->maplen, PROT_READ | PROT_WRITE);
	if (!m->map)
		return -1;
	m->buf = m->map;
	pattern(m->buf, len, 1);
	return 0;
}

static int setup_anon_ro(struct mem *m, size_t len)
{
	if (setup_anon_rw(m, len))
		return -1;
	return mprotect(m->map, m->maplen, PROT_READ);
}

static int setup_anon_untouched(struct mem *m, size_t len)
{
	m->maplen = round_page(len);
	m->map = anon(m->maplen, PROT_READ | PROT_WRITE);
	m->buf = m->map;
	return m->map ? 0 : -1;
}

/* The bytes before and after the buffer hold a pattern of their own. */
static int setup_unaligned(struct mem *m, size_t len)
{
	m->maplen = round_page(len + 100);
	m->map = anon(m->maplen, PROT_READ | PROT_WRITE);
	if (!m->map)
		return -1;
	m->buf = m->map + 100;
	pattern(m->map, m->maplen, 5);
	pattern(m->buf, len, 1);
	return 0;
}

/* Map @len bytes (rounded up to pages) of @fd, or anonymous memory. */
static int mem_map(struct mem *m, size_t len, int prot, int flags, int fd)
{
	m->maplen = round_page(len);
	m->map = mmap(NULL, m->maplen, prot, flags, fd, 0);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		return -1;
	}
	m->buf = m->map;
	return 0;
}

static int make_file(struct mem *m, size_t len, int seed)
{
	char *tmp = malloc(len);
	int fd;

	if (!tmp)
		return -1;
	snprintf(m->path, sizeof(m->path), "%s/media_userptr.%d", dir(),
		 getpid());
	fd = open(m->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	pattern(tmp, len, seed);
	if (fd < 0 || write(fd, tmp, len) != (ssize_t)len) {
		free(tmp);
		return -1;
	}
	free(tmp);
	close(fd);
	return 0;
}

static int map_file(struct mem *m, size_t len, int oflags, int prot, int flags)
{
	if (make_file(m, len, 1))
		return -1;
	m->fd = open(m->path, oflags);
	if (m->fd < 0)
		return -1;
	return mem_map(m, len, prot, flags, m->fd);
}

static int setup_shared_file_ro(struct mem *m, size_t len)
{
	return map_file(m, len, O_RDONLY, PROT_READ, MAP_SHARED);
}

static int setup_private_file_ro(struct mem *m, size_t len)
{
	return map_file(m, len, O_RDONLY, PROT_READ, MAP_PRIVATE);
}

static int setup_shared_file_rw(struct mem *m, size_t len)
{
	return map_file(m, len, O_RDWR, PROT_READ | PROT_WRITE, MAP_SHARED);
}

static int setup_memfd_sealed(struct mem *m, size_t len)
{
	char *tmp = malloc(len);

	m->fd = memfd_create("media_userptr", MFD_ALLOW_SEALING);
	if (!tmp || m->fd < 0)
		return -1;
	pattern(tmp, len, 1);
	if (write(m->fd, tmp, len) != (ssize_t)len)
		return -1;
	free(tmp);
	if (fcntl(m->fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK |
		  F_SEAL_GROW | F_SEAL_SEAL))
		return -1;
	return mem_map(m, len, PROT_READ, MAP_SHARED, m->fd);
}

static int setup_shmem(struct mem *m, size_t len)
{
	if (mem_map(m, len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1))
		return -1;
	pattern(m->buf, len, 1);
	return 0;
}

/* A hugetlb number of /proc/meminfo (e.g. "HugePages_Total:"), or -1. */
static long hugetlb_info(const char *field)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)) &&
		    sscanf(line + strlen(field), " %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * A hugetlb kind that could not be set up: absent if the system has no
 * hugetlb pages, a failure if it has some (a leak, if none is free).
 */
static int hugetlb_failed(const char *what)
{
	int e = errno;
	long total = hugetlb_info("HugePages_Total:");
	long nfree = hugetlb_info("HugePages_Free:");

	if (total <= 0)
		return absent("no hugetlb pages configured (vm.nr_hugepages)");
	return failed("%s: %s, with HugePages_Total %ld, HugePages_Free %ld, HugePages_Rsvd %ld%s",
		      what, strerror(e), total, nfree,
		      hugetlb_info("HugePages_Rsvd:"),
		      nfree ? "" : ": none free, hugetlb pages leaked");
}

/* A count of sysfs for hugetlb pages of a size (e.g. "free_hugepages"), or -1. */
static long hugetlb_size_info(size_t size, const char *what)
{
	char path[96];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB/%s",
		 size >> 10, what);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * hugetlb_failed() for pages of a size other than the default: absent if
 * the system has no such size or no such pages, a failure if it has some.
 */
static int hugetlb_size_failed(size_t size, const char *what)
{
	int e = errno;
	long total = hugetlb_size_info(size, "nr_hugepages");
	long nfree = hugetlb_size_info(size, "free_hugepages");

	if (total < 0)
		return absent("no %zu kB hugetlb page size on this system", size >> 10);
	if (!total)
		return absent("no %zu kB hugetlb pages configured", size >> 10);
	return failed("%s: %s, with %ld %zu kB hugetlb pages, %ld free%s",
		      what, strerror(e), total, size >> 10, nfree,
		      nfree ? "" : ": none free, hugetlb pages leaked");
}

/*
 * The hugetlb kinds, with pages of the default size (size 0: one 2 MiB
 * page, which the buffer must fit in) or of the size given, as many as
 * the buffer needs: arm64 with 4 KiB pages offers 64 KiB (contiguous
 * PTEs) and 32 MiB (contiguous PMDs) besides 2 MiB, and hugetlb faults
 * and GUP take other paths for them.
 */
static size_t hugetlb_len(size_t len, size_t size)
{
	return size ? (len + size - 1) / size * size : HPAGE;
}

static int hugetlb_fail(size_t size, const char *what)
{
	return size ? hugetlb_size_failed(size, what) : hugetlb_failed(what);
}

static int map_hugetlb(struct mem *m, size_t len, size_t size)
{
	size_t maplen = hugetlb_len(len, size);
	int huge = size ? __builtin_ctzl(size) << MAP_HUGE_SHIFT : 0;

	if (len > maplen)
		return absent("the buffer does not fit in a 2 MiB page");
	m->map = mmap(NULL, maplen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | huge, -1, 0);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		return hugetlb_fail(size, "mmap(MAP_HUGETLB)");
	}
	m->maplen = maplen;
	m->buf = m->map;
	pattern(m->buf, len, 1);
	return 0;
}

/* A hugetlbfs file, filled through a shared mapping, mapped R/O private. */
static int map_hugetlb_file_private(struct mem *m, size_t len, size_t size)
{
	size_t maplen = hugetlb_len(len, size);
	unsigned int huge = size ? __builtin_ctzl(size) << MFD_HUGE_SHIFT : 0;
	char *p;

	if (len > maplen)
		return absent("the buffer does not fit in a 2 MiB page");
	m->fd = memfd_create("media_userptr", MFD_HUGETLB | huge);
	if (m->fd < 0)
		return hugetlb_fail(size, "memfd_create(MFD_HUGETLB)");
	if (ftruncate(m->fd, maplen))
		return hugetlb_fail(size, "ftruncate() of a hugetlbfs memfd");
	p = mmap(NULL, maplen, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (p == MAP_FAILED)
		return hugetlb_fail(size, "mmap() of a hugetlbfs memfd");
	pattern(p, len, 1);
	munmap(p, maplen);
	if (mem_map(m, maplen, PROT_READ, MAP_PRIVATE, m->fd))
		return hugetlb_fail(size, "private mmap() of a hugetlbfs memfd");
	return 0;
}

static int setup_hugetlb(struct mem *m, size_t len)
{
	return map_hugetlb(m, len, 0);
}

static int setup_hugetlb_64kb(struct mem *m, size_t len)
{
	return map_hugetlb(m, len, 64UL << 10);
}

static int setup_hugetlb_32mb(struct mem *m, size_t len)
{
	return map_hugetlb(m, len, 32UL << 20);
}

static int setup_hugetlb_file_private(struct mem *m, size_t len)
{
	return map_hugetlb_file_private(m, len, 0);
}

static int setup_hugetlb_file_private_64kb(struct mem *m, size_t len)
{
	return map_hugetlb_file_private(m, len, 64UL << 10);
}

static int setup_hugetlb_file_private_32mb(struct mem *m, size_t len)
{
	return map_hugetlb_file_private(m, len, 32UL << 20);
}

static long smaps_kb(void *addr, const char *field);
static bool memop_is(int fd, enum v4l2_buf_type type, const char *memop);
static int reqbufs(int fd, enum v4l2_buf_type type, int memory, int count);

/* How the VMA of a pagecache THP is mapped, from smaps. */
static const char *pmd_mapped(long shmem, long file)
{
	static char s[96];

	snprintf(s, sizeof(s), "ShmemPmdMapped %ld kB, FilePmdMapped %ld kB",
		 shmem, file);
	return s;
}

/*
 * A file on a tmpfs mounted with huge=always (MEDIA_USERPTR_THP_DIR), mapped
 * MAP_PRIVATE PROT_READ at a 2 MiB aligned address, so that its pagecache
 * THP is mapped by a PMD.
 */
static int setup_shmem_thp_private(struct mem *m, size_t len)
{
	const char *d = getenv("MEDIA_USERPTR_THP_DIR");
	long shmem, file;
	char *tmp, *a;
	ssize_t n;

	if (!d)
		return absent("MEDIA_USERPTR_THP_DIR (a huge=always tmpfs) is not set");
	if (len > HPAGE)
		return absent("the buffer does not fit in a 2 MiB page");
	snprintf(m->path, sizeof(m->path), "%s/media_userptr.%d", d, getpid());
	m->fd = open(m->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (m->fd < 0)
		return failed("%s: %s", m->path, strerror(errno));
	tmp = malloc(HPAGE);
	if (!tmp)
		return -1;
	pattern(tmp, HPAGE, 1);
	n = write(m->fd, tmp, HPAGE);
	free(tmp);
	if (n != (ssize_t)HPAGE)
		return failed("writing %s: %s", m->path,
			      n < 0 ? strerror(errno) : "short write");
	m->maplen = 2 * HPAGE;
	m->map = anon(m->maplen, PROT_NONE);
	if (!m->map)
		return -1;
	a = (char *)(((unsigned long)m->map + HPAGE - 1) & ~(HPAGE - 1));
	if (mmap(a, HPAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, m->fd, 0) != a)
		return -1;
	m->buf = a;
	if (madvise(a, HPAGE, MADV_POPULATE_READ))
		return failed("MADV_POPULATE_READ of %s: %s", m->path,
			      strerror(errno));
	/* The user said this is a huge=always tmpfs: a PMD is a must. */
	shmem = smaps_kb(a, "ShmemPmdMapped:");
	file = smaps_kb(a, "FilePmdMapped:");
	if (shmem <= 0 && file <= 0)
		return failed("MEDIA_USERPTR_THP_DIR=%s: no PMD maps the file (%s): %s",
			      d, pmd_mapped(shmem, file),
			      "not a huge=always tmpfs, or no huge page free");
	return 0;
}

/* -1: the kernel has no THP; 0: THP is "never"; 1: "always" or "madvise". */
static int thp_enabled(void)
{
	char s[64] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return -1;
	if (!fgets(s, sizeof(s), f))
		s[0] = 0;
	fclose(f);
	return strstr(s, "[never]") ? 0 : 1;
}

/* Page flags of /proc/kpageflags (include/uapi/linux/kernel-page-flags.h) */
#define KPF_THP		22
#define KPF_ZERO_PAGE	24

/* The /proc/kpageflags bits of the page mapped at @p, or -1 if unknown. */
static long long page_flags(const void *p)
{
	__u64 e = 0, f = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	bool ok;

	if (fd < 0)
		return -1;
	ok = pread(fd, &e, sizeof(e),
		   (unsigned long)p / pagesz() * sizeof(e)) == sizeof(e);
	close(fd);
	e &= (1ULL << 55) - 1;
	if (!ok || !e)
		return -1;
	fd = open("/proc/kpageflags", O_RDONLY);
	if (fd < 0)
		return -1;
	ok = pread(fd, &f, sizeof(f), e * sizeof(f)) == sizeof(f);
	close(fd);
	return ok ? (long long)f : -1;
}

/* A 2 MiB aligned range of anonymous memory that asks for THP. */
static int thp_range(struct mem *m)
{
	int on = thp_enabled();
	char *p, *a;

	if (on < 0)
		return absent("no transparent huge pages in this kernel");
	if (!on)
		return absent("transparent huge pages are disabled ([never])");
	p = anon(2 * HPAGE, PROT_READ | PROT_WRITE);
	if (!p)
		return -1;
	a = (char *)(((unsigned long)p + HPAGE - 1) & ~(HPAGE - 1));
	m->map = p;
	m->maplen = 2 * HPAGE;
	m->buf = a;
	if (madvise(a, HPAGE, MADV_HUGEPAGE))
		return failed("MADV_HUGEPAGE with THP enabled: %s",
			      strerror(errno));
	return 0;
}

static int setup_thp(struct mem *m, size_t len)
{
	int ret = thp_range(m);
	long kb;

	if (ret)
		return ret;
	pattern(m->buf, HPAGE, 1);
	/* With THP enabled, the write fault must have made one. */
	kb = smaps_kb(m->buf, "AnonHugePages:");
	if (kb < (long)(HPAGE >> 10))
		return failed("THP is enabled but the range got none (AnonHugePages %ld kB)",
			      kb);
	return 0;
}

static int setup_thp_untouched(struct mem *m, size_t len)
{
	int ret = thp_range(m), use = 1;
	long long f;
	FILE *z;

	if (ret)
		return ret;
	z = fopen("/sys/kernel/mm/transparent_hugepage/use_zero_page", "r");
	if (z) {
		if (fscanf(z, "%d", &use) != 1)
			use = 1;
		fclose(z);
	}
	if (!use)
		return absent("the huge zeropage is disabled (use_zero_page is 0)");
	/* A read fault maps the huge zeropage. */
	if (madvise(m->buf, HPAGE, MADV_POPULATE_READ))
		return failed("MADV_POPULATE_READ with THP enabled: %s",
			      strerror(errno));
	/* Only root can see which page that is. */
	if (geteuid())
		return 0;
	f = page_flags(m->buf);
	if (f < 0)
		return failed("no page flags for the huge zeropage in /proc/kpageflags");
	if (!(f & (1LL << KPF_ZERO_PAGE)) || !(f & (1LL << KPF_THP)))
		return failed("no huge zeropage with THP enabled (kpageflags 0x%llx)",
			      f);
	return 0;
}

/* The buffer starts in a writable VMA and ends in a read-only one. */
static int setup_span_vmas(struct mem *m, size_t len)
{
	size_t half = round_page(len / 2 + 1);

	m->maplen = 2 * round_page(len);
	m->map = anon(m->maplen, PROT_READ | PROT_WRITE);
	if (!m->map)
		return -1;
	m->buf = m->map + half - len / 2;
	pattern(m->buf, len, 1);
	return mprotect(m->map + half, m->maplen - half, PROT_READ);
}

static int setup_prot_none(struct mem *m, size_t len)
{
	m->maplen = round_page(len);
	m->map = anon(m->maplen, PROT_NONE);
	m->buf = m->map;
	return m->map ? 0 : -1;
}

/* A range that was mapped and is not any more, between two mapped pages. */
static int setup_hole(struct mem *m, size_t len)
{
	m->maplen = round_page(len) + 2 * pagesz();
	m->map = anon(m->maplen, PROT_READ | PROT_WRITE);
	if (!m->map)
		return -1;
	m->buf = m->map + pagesz();
	return munmap(m->buf, round_page(len));
}

/*
 * An MMAP buffer of another videobuf2 queue that maps it with
 * remap_pfn_range() (VM_IO | VM_PFNMAP): a vivid device with dma-contig.
 */
static int setup_vb2_pfnmap(struct mem *m, size_t len)
{
	static const enum v4l2_buf_type types[] = {
		V4L2_BUF_TYPE_VIDEO_CAPTURE, V4L2_BUF_TYPE_VIDEO_OUTPUT,
	};
	unsigned int i, t;

	for (i = 0; i < 64 && !m->map; i++) {
		for (t = 0; t < 2 && !m->map; t++) {
			struct v4l2_buffer b = {
				.type = types[t], .memory = V4L2_MEMORY_MMAP,
			};
			struct v4l2_capability cap = {};
			char path[32];
			int fd;

			snprintf(path, sizeof(path), "/dev/video%u", i);
			fd = open(path, O_RDWR);
			if (fd < 0)
				break;
			if (ioctl(fd, VIDIOC_QUERYCAP, &cap) ||
			    strcmp((char *)cap.driver, "vivid") ||
			    !(cap.device_caps & (t ? V4L2_CAP_VIDEO_OUTPUT :
					       V4L2_CAP_VIDEO_CAPTURE)) ||
			    !memop_is(fd, types[t], "videobuf2_dma_contig") ||
			    reqbufs(fd, types[t], V4L2_MEMORY_MMAP, 1) < 1 ||
			    ioctl(fd, VIDIOC_QUERYBUF, &b) || b.length < len) {
				close(fd);
				continue;
			}
			m->map = mmap(NULL, b.length, PROT_READ | PROT_WRITE,
				      MAP_SHARED, fd, b.m.offset);
			if (m->map == MAP_FAILED) {
				m->map = NULL;
				close(fd);
				return -1;
			}
			m->fd = fd;
			m->maplen = b.length;
		}
	}
	if (!m->map)
		return absent("no vivid dma-contig device with MMAP buffers of %zu bytes",
			      len);
	m->buf = m->map;
	pattern(m->buf, len, 1);
	return 0;
}

/*
 * Anonymous memory whose pages a child shares after fork(). The child waits
 * for a byte on one pipe, then sends its copy of the buffer on the other,
 * and exits; it also exits when the parent goes away.
 */
static int setup_fork_shared(struct mem *m, size_t len)
{
	int go[2], seen[2];
	size_t done = 0;
	ssize_t n;
	char c;

	if (setup_anon_rw(m, len))
		return -1;
	if (pipe(go))
		return -1;
	if (pipe(seen)) {
		close(go[0]);
		close(go[1]);
		return -1;
	}
	m->child = fork();
	if (m->child == 0) {
		close(go[1]);
		close(seen[0]);
		if (read(go[0], &c, 1) == 1) {
			for (; done < len; done += n) {
				n = write(seen[1], m->buf + done, len - done);
				if (n <= 0)
					break;
			}
		}
		_exit(0);
	}
	close(go[0]);
	close(seen[1]);
	if (m->child < 0) {
		close(go[1]);
		close(seen[0]);
		return -1;
	}
	m->go = go[1];
	m->seen = seen[0];
	return 0;
}

/* What the child of setup_fork_shared() sees in its copy of the buffer. */
static int child_copy(struct mem *m, char *out, size_t len)
{
	size_t done;
	ssize_t n;

	/* A child that is gone makes this fail, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	if (m->child <= 0 || write(m->go, "g", 1) != 1)
		return -1;
	for (done = 0; done < len; done += n) {
		n = read(m->seen, out + done, len - done);
		if (n <= 0)
			return -1;
	}
	return 0;
}

/*
 * direction pins a buffer the device writes as the baseline does, with
 * FOLL_FORCE | FOLL_WRITE, and one it only reads with FOLL_FORCE alone:
 * it accepts what the baseline accepts, and more where only FOLL_WRITE
 * was refused.
 */
#define HUGETLB_RO "hugetlb refuses FOLL_FORCE|FOLL_WRITE, so a read-only private hugetlb mapping cannot be pinned"
#define DIRECTION_RD "a device that only reads is pinned without FOLL_WRITE, which this mapping refuses"

static const struct kind kinds[] = {
	{ "anon_rw", "private anonymous memory, read-write",
	  setup_anon_rw, { 0, 0, 0 }, { 0, 0, 0 }, NULL, NULL, RW_DIRECT },
	{ "anon_ro", "private anonymous memory, populated, then mprotect(PROT_READ)",
	  setup_anon_ro, { 0, 0, 0 }, { EFAULT, 0, 0 },
	  "FOLL_FORCE lets the device write to memory the process made read-only",
	  NULL, RW_MPROTECT },
	{ "anon_untouched", "private anonymous memory never touched (the shared zeropage)",
	  setup_anon_untouched, { 0, 0, 0 }, { 0, 0, 0 }, NULL, NULL, RW_DIRECT,
	  true },
	{ "shared_file_ro", "MAP_SHARED PROT_READ mapping of a file opened O_RDONLY",
	  setup_shared_file_ro, { 0, EFAULT, 0 }, { EFAULT, EFAULT, EFAULT },
	  "FOLL_WRITE is refused on a read-only shared mapping, even for a device that only reads",
	  DIRECTION_RD, RW_FILE, false, true, true },
	{ "private_file_ro", "MAP_PRIVATE PROT_READ mapping of a file",
	  setup_private_file_ro, { 0, 0, 0 }, { EFAULT, 0, 0 },
	  "FOLL_FORCE lets the device write to a read-only private file mapping",
	  NULL, RW_MPROTECT, true, false, true },
	{ "memfd_sealed", "memfd sealed with F_SEAL_WRITE, mapped MAP_SHARED PROT_READ",
	  setup_memfd_sealed, { 0, EFAULT, 0 }, { EFAULT, EFAULT, EFAULT },
	  "FOLL_WRITE is refused on a write-sealed memfd, even for a device that only reads",
	  DIRECTION_RD, RW_NONE, false, true, true },
	{ "shared_file_rw", "MAP_SHARED read-write mapping of a file",
	  setup_shared_file_rw, { 0, 0, 0 }, { 0, 0, 0 }, NULL, NULL, RW_DIRECT,
	  false, false, true },
	{ "shmem", "MAP_SHARED anonymous memory (shmem)",
	  setup_shmem, { 0, 0, 0 }, { 0, 0, 0 }, NULL, NULL, RW_DIRECT },
	{ "hugetlb", "private anonymous 2 MiB hugetlb page",
	  setup_hugetlb, { 0, 0, 0 }, { 0, 0, 0 }, NULL, NULL, RW_DIRECT },
	{ "hugetlb_file_private", "MAP_PRIVATE PROT_READ mapping of a hugetlbfs file",
	  setup_hugetlb_file_private, { 0, EFAULT, 0 },
	  { EFAULT, EFAULT, EFAULT }, HUGETLB_RO, DIRECTION_RD, RW_MPROTECT, true },
	{ "hugetlb_64kb", "private anonymous memory in 64 KiB hugetlb pages",
	  setup_hugetlb_64kb, { 0, 0, 0 }, { 0, 0, 0 }, NULL, NULL, RW_DIRECT,
	  false, false, false, true },
	{ "hugetlb_file_private_64kb",
	  "MAP_PRIVATE PROT_READ mapping of a hugetlbfs file of 64 KiB pages",
	  setup_hugetlb_file_private_64kb, { 0, EFAULT, 0 },
	  { EFAULT, EFAULT, EFAULT }, HUGETLB_RO, DIRECTION_RD, RW_MPROTECT, true,
	  false, false, true },
	{ "hugetlb_32mb", "private anonymous 32 MiB hugetlb page",
	  setup_hugetlb_32mb, { 0, 0, 0 }, { 0, 0, 0 }, NULL, NULL, RW_DIRECT },
	{ "hugetlb_file_private_32mb",
	  "MAP_PRIVATE PROT_READ mapping of a hugetlbfs file of a 32 MiB page",
	  setup_hugetlb_file_private_32mb, { 0, EFAULT, 0 },
	  { EFAULT, EFAULT, EFAULT }, HUGETLB_RO, DIRECTION_RD, RW_MPROTECT, true },
	{ "shmem_thp_private",
	  "MAP_PRIVATE PROT_READ mapping of a PMD-mapped tmpfs huge page",
	  setup_shmem_thp_private, { 0, 0, 0 }, { EFAULT, 0, 0 },
	  "FOLL_FORCE lets the device write to a read-only private file mapping",
	  NULL, RW_MPROTECT, true, false, true },
	{ "thp", "transparent huge page, populated",
	  setup_thp, { 0, 0, 0 }, { 0, 0, 0 }, NULL, NULL, RW_DIRECT },
	{ "thp_untouched", "transparent huge page range read but never written (the huge zeropage)",
	  setup_thp_untouched, { 0, 0, 0 }, { 0, 0, 0 }, NULL, NULL, RW_DIRECT,
	  true },
	{ "unaligned", "private anonymous memory, start not page aligned",
	  setup_unaligned, { 0, 0, 0 }, { 0, 0, 0 }, NULL, NULL, RW_DIRECT },
	{ "span_vmas", "a buffer spanning a read-write and a read-only VMA",
	  setup_span_vmas, { 0, 0, 0 }, { EFAULT, 0, 0 },
	  "FOLL_FORCE lets the device write to the read-only part",
	  NULL,
	  RW_MPROTECT, false, false, false, true },
	{ "prot_none", "PROT_NONE memory",
	  setup_prot_none, { EFAULT, 0, 0 }, { EFAULT, 0, 0 },
	  "FOLL_FORCE overrides PROT_NONE in a private mapping", NULL,
	  RW_NONE },
	{ "hole", "an address range that is not mapped",
	  setup_hole, { EFAULT, EFAULT, EFAULT }, { EFAULT, EFAULT, EFAULT },
	  NULL, NULL, RW_NONE },
	{ "vb2_pfnmap", "an MMAP buffer of a dma-contig vb2 queue (VM_IO | VM_PFNMAP)",
	  setup_vb2_pfnmap, { EFAULT, EFAULT, EFAULT }, { EFAULT, EFAULT, EFAULT },
	  NULL, NULL, RW_NONE },
	{ "fork_shared", "anonymous memory shared with a child after fork()",
	  setup_fork_shared, { 0, 0, 0 }, { 0, 0, 0 }, NULL, NULL, RW_DIRECT },
};

static void mem_release(struct mem *m)
{
	if (m->child > 0) {
		close(m->go);
		close(m->seen);
		kill(m->child, SIGKILL);
		waitpid(m->child, NULL, 0);
	}
	if (m->map)
		munmap(m->map, m->maplen);
	if (m->fd >= 0)
		close(m->fd);
	if (m->path[0])
		unlink(m->path);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

/* Write new content through the mapping, the way the kind allows. */
static int rewrite(const struct kind *k, struct mem *m, size_t len,
		   unsigned int seed)
{
	char *tmp;
	int fd, ret;

	switch (k->rewrite) {
	case RW_DIRECT:
		pattern(m->buf, len, seed);
		return 0;
	case RW_MPROTECT:
		if (mprotect(m->map, m->maplen, PROT_READ | PROT_WRITE))
			return -1;
		pattern(m->buf, len, seed);
		return 0;
	case RW_FILE:
		tmp = malloc(len);
		fd = open(m->path, O_WRONLY);
		if (!tmp || fd < 0)
			return -1;
		pattern(tmp, len, seed);
		ret = pwrite(fd, tmp, len, 0) == (ssize_t)len ? 0 : -1;
		close(fd);
		free(tmp);
		return ret;
	default:
		return -1;
	}
}

/* ---- accounting ---- */

struct pins {
	long acquired, released;
};

static void read_pins(struct pins *p)
{
	char line[128];
	FILE *f;
	int fd;

	/* Fold the per-CPU counter deltas first. */
	fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			;
		close(fd);
	}
	p->acquired = -1;
	p->released = -1;
	f = fopen("/proc/vmstat", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "nr_foll_pin_acquired %ld", &p->acquired) == 1)
			continue;
		if (sscanf(line, "nr_foll_pin_released %ld", &p->released) == 1)
			continue;
	}
	fclose(f);
}

/* A kB field of smaps (e.g. "Anonymous:") for the VMA starting at @addr. */
static long smaps_kb(void *addr, const char *field)
{
	unsigned long start, end;
	char line[512];
	bool in = false;
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2)
			in = start == (unsigned long)addr;
		else if (in && !strncmp(line, field, strlen(field)) &&
			 sscanf(line + strlen(field), " %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

/* ---- devices ---- */

enum role {
	VIVID_CAP,	/* the device writes the memory under test */
	VIVID_OUT,	/* the device reads it (and vivid drops it) */
	M2M_OUT,	/* vim2m reads it and converts it into anon memory */
	M2M_CAP,	/* vim2m writes into it what it read from anon memory */
};

/* vivid's own controls, from drivers/media/test-drivers/vivid/vivid-ctrls.c */
#define VIVID_CID_VIVID_BASE		(0x00f00000 | 0xf000)
#define VIVID_CID_OSD_TEXT_MODE		(VIVID_CID_VIVID_BASE + 1)
#define VIVID_CID_HOR_MOVEMENT		(VIVID_CID_VIVID_BASE + 2)
#define VIVID_CID_VERT_MOVEMENT		(VIVID_CID_VIVID_BASE + 3)

/*
 * What makes vivid capture the same frame every time: no OSD text (its
 * clock and frame counter change with every frame), a pattern that does
 * not move. The rest of the defaults (the webcam input, progressive, the
 * colour bars, 100% fill, no loop video) is the same for every frame.
 */
static const struct v4l2_control vivid_still_ctrls[] = {
	{ VIVID_CID_OSD_TEXT_MODE, 2 },		/* "None" */
	{ VIVID_CID_HOR_MOVEMENT, 3 },		/* "No Movement" */
	{ VIVID_CID_VERT_MOVEMENT, 3 },		/* "No Movement" */
};

FIXTURE(userptr) {
	int fd;
	enum v4l2_buf_type type;	/* queue of the memory under test */
	bool mplane;
	size_t len;			/* bytes of one buffer */
	struct mem m;
	struct mem partner;		/* vim2m: the other side */
	struct pins pins;
	bool contig;			/* dma-contig */
	int nstill;			/* vivid: vivid_still_ctrls[] set */
	__s32 still[ARRAY_SIZE(vivid_still_ctrls)];	/* their values before */
	/*
	 * A SKIP() so far: the harness of Linux 6.1 runs the test body after
	 * a setup that skipped (later ones stop there), and the two have no
	 * field in common that tells.
	 */
	bool skipped;
};

FIXTURE_VARIANT(userptr) {
	const char *name;
	const char *driver;
	enum role role;
	bool mplane;
	const char *memop;
};

FIXTURE_VARIANT_ADD(userptr, vivid_cap_vmalloc) {
	.name = "vivid_cap_vmalloc",
	.driver = "vivid",
	.role = VIVID_CAP,
	.mplane = false,
	.memop = "videobuf2_vmalloc",
};

FIXTURE_VARIANT_ADD(userptr, vivid_cap_dma_sg) {
	.name = "vivid_cap_dma_sg",
	.driver = "vivid",
	.role = VIVID_CAP,
	.mplane = false,
	.memop = "videobuf2_dma_sg",
};

FIXTURE_VARIANT_ADD(userptr, vivid_cap_mplane_vmalloc) {
	.name = "vivid_cap_mplane_vmalloc",
	.driver = "vivid",
	.role = VIVID_CAP,
	.mplane = true,
	.memop = "videobuf2_vmalloc",
};

FIXTURE_VARIANT_ADD(userptr, vivid_cap_mplane_dma_sg) {
	.name = "vivid_cap_mplane_dma_sg",
	.driver = "vivid",
	.role = VIVID_CAP,
	.mplane = true,
	.memop = "videobuf2_dma_sg",
};

FIXTURE_VARIANT_ADD(userptr, vivid_out_vmalloc) {
	.name = "vivid_out_vmalloc",
	.driver = "vivid",
	.role = VIVID_OUT,
	.mplane = false,
	.memop = "videobuf2_vmalloc",
};

FIXTURE_VARIANT_ADD(userptr, vivid_out_dma_sg) {
	.name = "vivid_out_dma_sg",
	.driver = "vivid",
	.role = VIVID_OUT,
	.mplane = false,
	.memop = "videobuf2_dma_sg",
};

FIXTURE_VARIANT_ADD(userptr, vivid_out_mplane_vmalloc) {
	.name = "vivid_out_mplane_vmalloc",
	.driver = "vivid",
	.role = VIVID_OUT,
	.mplane = true,
	.memop = "videobuf2_vmalloc",
};

FIXTURE_VARIANT_ADD(userptr, vivid_out_mplane_dma_sg) {
	.name = "vivid_out_mplane_dma_sg",
	.driver = "vivid",
	.role = VIVID_OUT,
	.mplane = true,
	.memop = "videobuf2_dma_sg",
};

FIXTURE_VARIANT_ADD(userptr, vim2m_out_vmalloc) {
	.name = "vim2m_out_vmalloc",
	.driver = "vim2m",
	.role = M2M_OUT,
	.mplane = false,
	.memop = "videobuf2_vmalloc",
};

FIXTURE_VARIANT_ADD(userptr, vim2m_cap_vmalloc) {
	.name = "vim2m_cap_vmalloc",
	.driver = "vim2m",
	.role = M2M_CAP,
	.mplane = false,
	.memop = "videobuf2_vmalloc",
};

FIXTURE_VARIANT_ADD(userptr, vim2m_out_dma_contig) {
	.name = "vim2m_out_dma_contig",
	.driver = "vim2m",
	.role = M2M_OUT,
	.mplane = false,
	.memop = "videobuf2_dma_contig",
};

FIXTURE_VARIANT_ADD(userptr, vim2m_cap_dma_contig) {
	.name = "vim2m_cap_dma_contig",
	.driver = "vim2m",
	.role = M2M_CAP,
	.mplane = false,
	.memop = "videobuf2_dma_contig",
};

FIXTURE_VARIANT_ADD(userptr, vim2m_out_dma_sg) {
	.name = "vim2m_out_dma_sg",
	.driver = "vim2m",
	.role = M2M_OUT,
	.mplane = false,
	.memop = "videobuf2_dma_sg",
};

FIXTURE_VARIANT_ADD(userptr, vim2m_cap_dma_sg) {
	.name = "vim2m_cap_dma_sg",
	.driver = "vim2m",
	.role = M2M_CAP,
	.mplane = false,
	.memop = "videobuf2_dma_sg",
};

static bool reads(enum role r)
{
	return r == VIVID_OUT || r == M2M_OUT;
}

static enum v4l2_buf_type queue_type(const struct _fixture_variant_userptr *v)
{
	bool out;

	if (!strcmp(v->driver, "vim2m"))
		return v->role == M2M_OUT ? V4L2_BUF_TYPE_VIDEO_OUTPUT :
					    V4L2_BUF_TYPE_VIDEO_CAPTURE;
	out = v->role == VIVID_OUT;
	if (v->mplane)
		return out ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE :
			     V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
	return out ? V4L2_BUF_TYPE_VIDEO_OUTPUT : V4L2_BUF_TYPE_VIDEO_CAPTURE;
}

static int reqbufs(int fd, enum v4l2_buf_type type, int memory, int count)
{
	struct v4l2_requestbuffers rb = {
		.count = count, .type = type, .memory = memory,
	};

	return ioctl(fd, VIDIOC_REQBUFS, &rb) ? -errno : (int)rb.count;
}

/*
 * The memop behind a queue: the exporter name of one exported MMAP buffer,
 * in @name. A queue that cannot allocate or export one returns -1, with
 * what failed in @why.
 */
static int memop_of(int fd, enum v4l2_buf_type type, char *name,
		    size_t namelen, char *why, size_t whylen)
{
	struct v4l2_exportbuffer eb = { .type = type };
	char path[64], line[128], fmt[32];
	int n, ret = -1;
	FILE *f;

	name[0] = 0;
	n = reqbufs(fd, type, V4L2_MEMORY_MMAP, 1);
	if (n < 1) {
		snprintf(why, whylen, "REQBUFS of one MMAP buffer: %s",
			 n < 0 ? strerror(-n) : "no buffer");
		return -1;
	}
	if (ioctl(fd, VIDIOC_EXPBUF, &eb)) {
		snprintf(why, whylen, "EXPBUF of an MMAP buffer: %s",
			 strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", eb.fd);
	snprintf(fmt, sizeof(fmt), "exp_name: %%%zus", namelen - 1);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, fmt, name) == 1)
			break;
	if (f)
		fclose(f);
	close(eb.fd);
	if (name[0])
		ret = 0;
	else
		snprintf(why, whylen, "no exp_name in %s", path);
out:
	reqbufs(fd, type, V4L2_MEMORY_MMAP, 0);
	return ret;
}

static bool memop_is(int fd, enum v4l2_buf_type type, const char *memop)
{
	char name[64], why[128];

	return !memop_of(fd, type, name, sizeof(name), why, sizeof(why)) &&
	       !strcmp(name, memop);
}

/*
 * A device of the variant's driver, capabilities and memop, or -1. A
 * device of that driver and capabilities whose memop cannot be read (it
 * cannot allocate or export a buffer) is there but broken: @broken then
 * says which and why, and the caller fails, as such a device may be the
 * one wanted.
 */
static int open_device(const struct _fixture_variant_userptr *v,
		       char *broken, size_t len)
{
	enum v4l2_buf_type type = queue_type(v);
	char path[32], name[64], why[128];
	__u32 want;
	int i, fd;

	if (!strcmp(v->driver, "vim2m"))
		want = V4L2_CAP_VIDEO_M2M;
	else if (v->role == VIVID_OUT)
		want = v->mplane ? V4L2_CAP_VIDEO_OUTPUT_MPLANE :
				   V4L2_CAP_VIDEO_OUTPUT;
	else
		want = v->mplane ? V4L2_CAP_VIDEO_CAPTURE_MPLANE :
				   V4L2_CAP_VIDEO_CAPTURE;

	broken[0] = 0;
	for (i = 0; i < 64; i++) {
		struct v4l2_capability cap = {};

		snprintf(path, sizeof(path), "/dev/video%d", i);
		fd = open(path, O_RDWR | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((char *)cap.driver, v->driver) &&
		    (cap.device_caps & want) &&
		    (cap.device_caps & V4L2_CAP_STREAMING)) {
			if (memop_of(fd, type, name, sizeof(name), why,
				     sizeof(why)))
				snprintf(broken, len, "%s (%s) is there, but %s",
					 path, v->driver, why);
			else if (!strcmp(name, v->memop))
				return fd;
		}
		close(fd);
	}
	return -1;
}

static int set_fmt(int fd, enum v4l2_buf_type type, __u32 pixfmt, size_t *len)
{
	struct v4l2_format f = { .type = type };

	if (ioctl(fd, VIDIOC_G_FMT, &f))
		return -errno;
	if (V4L2_TYPE_IS_MULTIPLANAR(type)) {
		*len = f.fmt.pix_mp.plane_fmt[0].sizeimage;
		return 0;
	}
	if (pixfmt) {
		f.fmt.pix.pixelformat = pixfmt;
		f.fmt.pix.width = M2M_W;
		f.fmt.pix.height = M2M_H;
		f.fmt.pix.bytesperline = 0;
		if (ioctl(fd, VIDIOC_S_FMT, &f))
			return -errno;
	}
	*len = f.fmt.pix.sizeimage;
	return 0;
}

/* Whether a variant name contains one of the comma-separated texts. */
static bool selected(const char *name, const char *only)
{
	char text[64];
	size_t n;

	for (; *only; only += n) {
		only += strspn(only, ", ");
		n = strcspn(only, ",");
		if (!n || n >= sizeof(text))
			continue;
		memcpy(text, only, n);
		text[n] = 0;
		if (strstr(name, text))
			return true;
	}
	return false;
}

FIXTURE_SETUP(userptr)
{
	const char *only = getenv("MEDIA_USERPTR_ONLY");
	char broken[256];
	struct v4l2_control hflip = { .id = V4L2_CID_HFLIP, .value = 1 };

	self->fd = -1;
	self->m.fd = -1;
	self->partner.fd = -1;
	if (only && !selected(variant->name, only)) {
		self->skipped = true;
		SKIP(return, "not selected by MEDIA_USERPTR_ONLY=%s", only);
	}
	self->type = queue_type(variant);
	self->fd = open_device(variant, broken, sizeof(broken));
	/* A device that is there but cannot give a buffer is no skip. */
	ASSERT_TRUE(self->fd >= 0 || !broken[0]) {
		self->skipped = true;
		TH_LOG("no %s device with the %s memop found, and %s",
		       variant->driver, variant->memop, broken);
	}
	if (self->fd < 0) {
		self->skipped = true;
		SKIP(return, "no %s device with the %s memop (%s)",
		     variant->driver, variant->memop,
		     !strcmp(variant->driver, "vim2m") ?
		     "load vim2m with the allocator for it" :
		     "load vivid with the allocators for it");
	}
	self->contig = !strcmp(variant->memop, "videobuf2_dma_contig");
	if (!strcmp(variant->driver, "vim2m")) {
		size_t l2;

		/* RGB24 in, BGR24 out, mirrored: a conversion and a flip. */
		ASSERT_EQ(0, set_fmt(self->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT,
				     V4L2_PIX_FMT_RGB24, &self->len));
		ASSERT_EQ(0, set_fmt(self->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE,
				     V4L2_PIX_FMT_BGR24, &l2));
		ASSERT_EQ(self->len, l2);
		ASSERT_EQ(0, ioctl(self->fd, VIDIOC_S_CTRL, &hflip));
	} else {
		ASSERT_EQ(0, set_fmt(self->fd, self->type, 0, &self->len));
	}
}

FIXTURE_TEARDOWN(userptr)
{
	int i;

	for (i = 0; i < self->nstill && self->fd >= 0; i++) {
		struct v4l2_control c = {
			.id = vivid_still_ctrls[i].id, .value = self->still[i],
		};

		ioctl(self->fd, VIDIOC_S_CTRL, &c);
	}
	if (self->fd >= 0)
		close(self->fd);
	mem_release(&self->m);
	mem_release(&self->partner);
}

static int qbuf(int fd, enum v4l2_buf_type type, int index, void *p,
		size_t len)
{
	struct v4l2_plane plane = {
		.m.userptr = (unsigned long)p, .length = len,
		.bytesused = len,
	};
	struct v4l2_buffer b = {
		.type = type, .memory = V4L2_MEMORY_USERPTR, .index = index,
	};

	if (V4L2_TYPE_IS_MULTIPLANAR(type)) {
		b.m.planes = &plane;
		b.length = 1;
	} else {
		b.m.userptr = (unsigned long)p;
		b.length = len;
		b.bytesused = len;
	}
	return ioctl(fd, VIDIOC_QBUF, &b) ? errno : 0;
}

/* Dequeue one buffer; returns its flags, or -errno. */
static int dqbuf(int fd, enum v4l2_buf_type type)
{
	struct v4l2_plane plane = {};
	struct v4l2_buffer b = { .type = type, .memory = V4L2_MEMORY_USERPTR };
	struct pollfd pfd = { .fd = fd };
	int tries;

	if (V4L2_TYPE_IS_MULTIPLANAR(type)) {
		b.m.planes = &plane;
		b.length = 1;
	}
	for (tries = 0; tries < DQ_TIMEOUT_MS / 10; tries++) {
		if (!ioctl(fd, VIDIOC_DQBUF, &b))
			return b.flags;
		if (errno != EAGAIN)
			return -errno;
		pfd.events = V4L2_TYPE_IS_OUTPUT(type) ? POLLOUT : POLLIN;
		poll(&pfd, 1, 10);
	}
	return -ETIMEDOUT;
}

/* What vim2m makes of an RGB24 frame: BGR24, mirrored left to right. */
static void m2m_reference(const unsigned char *in, unsigned char *out)
{
	int x, y;

	for (y = 0; y < M2M_H; y++)
		for (x = 0; x < M2M_W; x++) {
			const unsigned char *s = in + (y * M2M_W + M2M_W - 1 - x) * 3;
			unsigned char *d = out + (y * M2M_W + x) * 3;

			d[0] = s[2];
			d[1] = s[1];
			d[2] = s[0];
		}
}

/* Whether the process can read the memory at all. */
static bool readable(const struct kind *k)
{
	return k->setup != setup_hole && k->setup != setup_prot_none;
}

/* Whether a capture into this memory can be seen to overwrite a sentinel. */
static bool sentinel(const struct kind *k)
{
	return k->rewrite == RW_DIRECT && !k->cow_shared &&
	       k->setup != setup_fork_shared;
}

/* 1 if [p, p + len) is physically contiguous, 0 if not, -1 if unknown. */
static int phys_contiguous(const char *p, size_t len)
{
	unsigned long first = (unsigned long)p / pagesz();
	unsigned long last = ((unsigned long)p + len - 1) / pagesz();
	unsigned long v, prev = 0;
	__u64 e;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	int ret = 1;

	if (fd < 0)
		return -1;
	for (v = first; v <= last; v++) {
		if (pread(fd, &e, sizeof(e), v * sizeof(e)) != sizeof(e) ||
		    !(e >> 63) || !(e & ((1ULL << 55) - 1))) {
			ret = -1;
			break;
		}
		e &= (1ULL << 55) - 1;
		if (v != first && e != prev + 1)
			ret = 0;
		prev = e;
	}
	close(fd);
	return ret;
}

static int expected_qbuf(const struct kind *k, enum role dir)
{
	const int *e = reads(dir) ? k->rd : k->wr;

	switch (profile()) {
	case BASELINE:
		return e[1];
	case DIRECTION:
		return e[2];
	default:
		return e[0];
	}
}

/* Why the profile expects what it does, where it differs from another. */
static const char *expected_why(const struct kind *k)
{
	switch (profile()) {
	case BASELINE:
		return k->why;
	case DIRECTION:
		return k->why_direction;
	default:
		return NULL;
	}
}

/* Whether the running kernel is @maj.@min or later, from uname -r. */
static bool kernel_at_least(int maj, int min, char *rel, size_t len)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &a, &b) != 2) {
		a = 0;
		b = 0;
	}
	snprintf(rel, len, "%s", a ? u.release : "an unknown release");
	return a > maj || (a == maj && b >= min);
}

static const char *fs_name(long type)
{
	switch (type) {
	case TMPFS_MAGIC: return "tmpfs";
	case HUGETLBFS_MAGIC: return "hugetlbfs";
	case RAMFS_MAGIC: return "ramfs";
	case EXT4_SUPER_MAGIC: return "ext2/3/4";
	case XFS_SUPER_MAGIC: return "xfs";
	case BTRFS_SUPER_MAGIC: return "btrfs";
	case NFS_SUPER_MAGIC: return "nfs";
	case OVERLAYFS_SUPER_MAGIC: return "overlayfs";
	default: return "a file system";
	}
}

/*
 * The kernel's own rule for a long-term write pin of a shared file
 * mapping: since Linux 6.5 (8ac268436e6d, a6e79df92e4a) GUP refuses it
 * where the mapping needs dirty tracking, that is on any file system but
 * tmpfs and hugetlbfs (ramfs has page_mkwrite too); before, it takes it.
 * Decided from uname -r and fstatfs(), and said as a "# rule:" line.
 * Returns whether the pin is refused.
 */
static bool dirty_tracking_refuses(const struct mem *m)
{
	char rel[65];
	bool since = kernel_at_least(6, 5, rel, sizeof(rel)), tracked;
	struct statfs fs;

	if (fstatfs(m->fd, &fs)) {
		fprintf(stderr, "# rule: fstatfs() of the file: %s; taken as dirty-tracked\n",
			strerror(errno));
		fs.f_type = 0;
	}
	tracked = fs.f_type != TMPFS_MAGIC && fs.f_type != HUGETLBFS_MAGIC;
	fprintf(stderr,
		"# rule: Linux %s is %s 6.5, %s long-term write pins of shared file mappings that need dirty tracking (8ac268436e6d, a6e79df92e4a); the file is on %s (0x%lx), %s: %s\n",
		rel, since ? "at least" : "older than",
		since ? "which refuses" : "before the rule that refuses",
		fs_name(fs.f_type), (unsigned long)fs.f_type,
		tracked ? "which needs it" : "which does not",
		since && tracked ? "EFAULT" : "accepted");
	return since && tracked;
}

static const char *errno_name(int e)
{
	switch (e) {
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EBUSY: return "EBUSY";
	case EIO: return "EIO";
	default: return strerror(e);
	}
}

/* What the case saw, for the report; "# outcome: ..." lines. */
#define outcome(fmt, ...) \
	fprintf(stderr, "# outcome: " fmt "\n", ##__VA_ARGS__)

/*
 * One vim2m job: the output buffer @in is converted into the capture
 * buffer @out. Returns the capture buffer's flags or -errno.
 */
static int m2m_job(struct __test_metadata *_metadata, int fd, void *in,
		   void *out, size_t len)
{
	int ret, flags;

	ret = qbuf(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0, in, len);
	if (ret)
		return -ret;
	ret = qbuf(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, 0, out, len);
	if (ret)
		return -ret;
	flags = dqbuf(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE);
	ret = dqbuf(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT);
	EXPECT_LE(0, ret) TH_LOG("DQBUF of the output buffer: %s",
				 strerror(-ret));
	return flags;
}

/* The byte around a capture buffer, which the capture must leave alone. */
#define GUARD		0xa5

static char *page_down(char *p)
{
	return (char *)((unsigned long)p & ~(pagesz() - 1));
}

static char *page_up(char *p)
{
	return page_down(p + pagesz() - 1);
}

/* The index of the first byte where @a and @b differ, or @n. */
static size_t first_diff(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	size_t i;

	for (i = 0; i < n && x[i] == y[i]; i++)
		;
	return i;
}

/* The index of the first byte of @p that is not @c, or @n. */
static size_t first_not(const char *p, size_t n, char c)
{
	size_t i;

	for (i = 0; i < n && p[i] == c; i++)
		;
	return i;
}

/*
 * Whether the kernel mapping videobuf2-dma-contig gives a driver for a
 * USERPTR buffer starts at the buffer rather than at the buffer's page:
 * mainline's fix; not on 6.1, with or without the 6.1 series.
 */
static bool contig_kmap_at_offset(void)
{
	return !known_bug("dma_contig_offset");
}

#define DMA_CONTIG_FIX \
	"\"media: videobuf2-dma-contig: map USERPTR buffers from their own pages\" (MEDIA_USERPTR_KNOWN_BUGS=dma_contig_offset expects the bug)"
#define DMA_CONTIG_BUG \
	"known bug: videobuf2-dma-contig maps an unaligned USERPTR buffer from the start of its page, and vim2m "
#define DMA_CONTIG_FIXED \
	"dma-contig maps USERPTR at its offset: this kernel has the fix, which MEDIA_USERPTR_KNOWN_BUGS or MEDIA_USERPTR_EXPECT says it has not"
#define NEITHER "vim2m's data is neither from the start of the page nor from the buffer"

/*
 * vivid's still frame, captured twice into anonymous memory filled with
 * 0x5a and with GUARD: equal captures show that every byte of the frame
 * is written, and always with the same value.
 */
static void vivid_still_frame(struct __test_metadata *_metadata,
			      struct _test_data_userptr *self,
			      unsigned char *frame)
{
	size_t len = self->len, maplen = round_page(len), off;
	char *a = anon(maplen, PROT_READ | PROT_WRITE);
	char *b = anon(maplen, PROT_READ | PROT_WRITE);
	int i, flags;

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	for (i = 0; i < (int)ARRAY_SIZE(vivid_still_ctrls); i++) {
		struct v4l2_control c = { .id = vivid_still_ctrls[i].id };

		ASSERT_EQ(0, ioctl(self->fd, VIDIOC_G_CTRL, &c))
			TH_LOG("vivid has no control 0x%x: %s", c.id,
			       strerror(errno));
		self->still[i] = c.value;
		self->nstill = i + 1;
		c.value = vivid_still_ctrls[i].value;
		ASSERT_EQ(0, ioctl(self->fd, VIDIOC_S_CTRL, &c))
			TH_LOG("setting vivid's control 0x%x: %s", c.id,
			       strerror(errno));
	}
	memset(a, 0x5a, len);
	memset(b, GUARD, len);
	ASSERT_LE(2, reqbufs(self->fd, self->type, V4L2_MEMORY_USERPTR, 2));
	ASSERT_EQ(0, qbuf(self->fd, self->type, 0, a, len));
	ASSERT_EQ(0, qbuf(self->fd, self->type, 1, b, len));
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &self->type));
	for (i = 0; i < 2; i++) {
		flags = dqbuf(self->fd, self->type);
		ASSERT_LE(0, flags)
			TH_LOG("DQBUF of vivid's still frame: %s",
			       strerror(-flags));
		ASSERT_EQ(0, flags & V4L2_BUF_FLAG_ERROR)
			TH_LOG("vivid's still frame came with an error, flags 0x%x",
			       flags);
	}
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMOFF, &self->type));
	ASSERT_EQ(0, reqbufs(self->fd, self->type, V4L2_MEMORY_USERPTR, 0));
	/* Either vivid leaves bytes alone, or it draws them differently. */
	off = first_diff(a, b, len);
	ASSERT_EQ(len, off)
		TH_LOG("two still frames differ at byte %zu of %zu (0x%02x, 0x%02x)",
		       off, len, (unsigned char)a[off], (unsigned char)b[off]);
	memcpy(frame, a, len);
	munmap(a, maplen);
	munmap(b, maplen);
}

/* A capture by vivid must be its still frame, every byte of it. */
static void check_frame(struct __test_metadata *_metadata,
			const struct kind *k, const char *buf,
			const unsigned char *frame, size_t len)
{
	size_t i = first_diff(buf, frame, len);

	EXPECT_EQ(len, i)
		TH_LOG("the capture in %s differs at byte %zu (0x%02x, not 0x%02x)",
		       k->sentence, i, (unsigned char)buf[i], frame[i]);
}

/*
 * The bytes around a capture buffer in its first and last page; not those
 * past the end of a file, which writeback may zero.
 */
static void guard_range(const struct kind *k, struct mem *m, size_t len,
			char **lo, char **hi)
{
	*lo = page_down(m->buf);
	*hi = k->file ? m->buf + len : page_up(m->buf + len);
}

static void fill_guard(const struct kind *k, struct mem *m, size_t len)
{
	char *lo, *hi;

	guard_range(k, m, len, &lo, &hi);
	memset(lo, GUARD, m->buf - lo);
	memset(m->buf + len, GUARD, hi - (m->buf + len));
}

/* A capture must not write a byte outside its buffer. */
static void check_guard(struct __test_metadata *_metadata,
			const struct kind *k, struct mem *m, size_t len)
{
	char *lo, *hi;
	size_t n, i;

	guard_range(k, m, len, &lo, &hi);
	n = m->buf - lo;
	i = first_not(lo, n, (char)GUARD);
	EXPECT_EQ(n, i)
		TH_LOG("the capture wrote byte %zu of the %zu before the buffer in %s",
		       i, n, k->sentence);
	n = hi - (m->buf + len);
	i = first_not(m->buf + len, n, (char)GUARD);
	EXPECT_EQ(n, i)
		TH_LOG("the capture wrote byte %zu of the %zu after the buffer in %s",
		       i, n, k->sentence);
}

/*
 * Known bug, older than the 6.1 series and fixed by DMA_CONTIG_FIX: the
 * kernel mapping that videobuf2-dma-contig gives a driver for a USERPTR
 * buffer starts at the page, not at the buffer, so vim2m reads (output)
 * or writes (capture) the len bytes from the start of the page when the
 * buffer does not start on one. @before is what the buffer's pages held
 * when it was queued. Tells the bug's bytes from the right ones, and
 * expects the bug's where @bug, the right ones otherwise.
 */
static void check_page_start(struct __test_metadata *_metadata,
			     struct _test_data_userptr *self, bool rd,
			     const unsigned char *before, bool bug_expected)
{
	char *page = page_down(self->m.buf);
	size_t len = self->len, off = self->m.buf - page;
	size_t span = page_up(self->m.buf + len) - page, n;
	unsigned char *bug = malloc(span), *fixed = malloc(span);
	unsigned char *src = (unsigned char *)self->partner.buf;
	const char *got;
	bool as_bug, as_fixed;

	ASSERT_NE(NULL, bug);
	ASSERT_NE(NULL, fixed);
	if (rd) {
		/* vim2m converts the len bytes at the start of the page. */
		m2m_reference(before, bug);
		m2m_reference(before + off, fixed);
		got = self->partner.buf;
		n = len;
		EXPECT_EQ(span, first_diff(page, before, span))
			TH_LOG("the device changed memory it should only read");
	} else {
		/*
		 * It writes them there: over the bytes before the buffer and
		 * its first len - off bytes; its last off bytes keep theirs.
		 */
		memcpy(bug, before, span);
		m2m_reference(src, bug);
		memcpy(fixed, before, span);
		m2m_reference(src, fixed + off);
		got = page;
		n = span;
	}
	as_bug = first_diff(got, bug, n) == n;
	as_fixed = first_diff(got, fixed, n) == n;
	if (as_bug)
		outcome("data from the start of the page (dma-contig ignores the offset)");
	else
		outcome("data %s", as_fixed ? "at the buffer's offset" :
			"neither from the start of the page nor at the offset");
	if (bug_expected) {
		EXPECT_TRUE(as_bug)
			TH_LOG("%s", as_fixed ? DMA_CONTIG_FIXED : NEITHER);
	} else {
		EXPECT_TRUE(as_fixed)
			TH_LOG("%s%s%s%s", as_bug ? DMA_CONTIG_BUG : NEITHER,
			       as_bug ? (rd ? "read it there" : "wrote it there") : "",
			       as_bug ? "; fixed by " : "", as_bug ? DMA_CONTIG_FIX : "");
	}
	free(bug);
	free(fixed);
}

/*
 * Coherence: new content written through the mapping must reach the device
 * when the same pointer is queued again. A pin that went stale still holds
 * the page it was taken on, which nothing writes: the device then reads the
 * first content, every round.
 */
static void requeue(struct __test_metadata *_metadata,
		    struct _test_data_userptr *self, const struct kind *k,
		    const unsigned char *first)
{
	size_t len = self->len;
	unsigned char *now = malloc(len), *want = malloc(len);
	unsigned char *old = malloc(len);
	unsigned int round;

	ASSERT_NE(NULL, now);
	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, old);
	m2m_reference(first, old);
	for (round = 0; round < 8; round++) {
		bool fresh, stale;
		int flags;

		ASSERT_EQ(0, rewrite(k, &self->m, len, 10 + round));
		memcpy(now, self->m.buf, len);
		m2m_reference(now, want);
		/* A capture that vim2m did not write is neither. */
		memset(self->partner.buf, 0x5a, len);
		flags = m2m_job(_metadata, self->fd, self->m.buf,
				self->partner.buf, len);
		ASSERT_LE(0, flags)
			TH_LOG("re-queue %u: %s", round, strerror(-flags));
		ASSERT_EQ(0, flags & V4L2_BUF_FLAG_ERROR)
			TH_LOG("re-queue %u: the buffer came back with an error, flags 0x%x",
			       round, flags);
		fresh = !memcmp(self->partner.buf, want, len);
		stale = !fresh && !memcmp(self->partner.buf, old, len);
		if (!round || !fresh)
			outcome("re-queue %u: %s", round, fresh ? "new data" :
				stale ? "stale" : "neither new nor stale data");
		ASSERT_TRUE(fresh || stale)
			TH_LOG("re-queue %u: neither the new nor the first content of %s",
			       round, k->sentence);
		if (profile() == MEDIAONLY && k->cow_shared) {
			/*
			 * Without the mm prerequisite the pin stays on the
			 * page the process replaced by its first write.
			 */
			EXPECT_TRUE(stale)
				TH_LOG("%s: new data without the mm patches",
				       k->sentence);
		} else {
			EXPECT_TRUE(fresh)
				TH_LOG("round %u: stale data from %s",
				       round, k->sentence);
		}
	}
	free(now);
	free(want);
	free(old);
}

/*
 * The child that shares the pages of fork_shared must still see what it
 * shared: the device's data and the parent's writes land in the parent's
 * memory only.
 */
static void check_child(struct __test_metadata *_metadata, struct mem *m,
			const unsigned char *first, size_t len)
{
	char *copy = malloc(len);
	size_t i;

	ASSERT_NE(NULL, copy);
	ASSERT_EQ(0, child_copy(m, copy, len))
		TH_LOG("the child did not send its copy of the buffer");
	i = first_diff(copy, first, len);
	EXPECT_EQ(len, i)
		TH_LOG("the child's copy changed at byte %zu of %zu", i, len);
	free(copy);
}

/*
 * Known bug: a R/O long-term pin of a PMD-mapped pagecache THP in a private
 * mapping never returns on a kernel without THP_LIVELOCK_FIX (mainline
 * since 84209e87c696 made GUP unshare such pages, 6.2): GUP asks for an
 * unshare fault, which zaps the PMD, and the read fault maps the THP by a
 * PMD again. Only a fatal signal ends it. So the queueing of such a buffer
 * is watched: a child kills the case after LIVELOCK_S seconds (within the
 * harness' 30), saying why, and the case fails.
 */
#define LIVELOCK_S	20
#define THP_LIVELOCK_FIX \
	"Zhang Yi's \"mm: do not install PMD mappings when handling a COW fault\" (v2; MEDIA_USERPTR_KNOWN_BUGS=thp_pin_livelock skips the case)"

static pid_t livelock_watch(const char *what)
{
	pid_t parent = getpid(), pid;

	fflush(stderr);
	pid = fork();
	if (pid)
		return pid;
	/* It goes with the case, whatever ends it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	sleep(LIVELOCK_S);
	fprintf(stderr,
		"# %s has not returned in %d s: known bug, the R/O long-term pin of a PMD-mapped tmpfs THP in a private mapping livelocks in GUP; fixed by %s\n",
		what, LIVELOCK_S, THP_LIVELOCK_FIX);
	kill(parent, SIGKILL);
	_exit(0);
}

static void livelock_unwatch(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/*
 * What a QBUF result that is not the expected one says about the kernel,
 * where it is a known bug's or an older kernel's.
 */
static const char *qbuf_hint(const struct kind *k,
			     const struct _fixture_variant_userptr *variant,
			     int ret, int expect)
{
	static char s[512];
	bool rd = reads(variant->role);

	s[0] = 0;
	if (ret == ENOMEM && expect == EFAULT &&
	    !strcmp(variant->memop, "videobuf2_dma_sg"))
		snprintf(s, sizeof(s), "%s",
			 "; known bug: videobuf2-dma-sg returned ENOMEM for any pinning error, fixed by \"media: videobuf2-dma-sg: return the pinning error from get_userptr\"");
	else if (profile() != BASELINE && profile() != DIRECTION && k->why &&
		 ret == (rd ? k->rd[1] : k->wr[1]))
		snprintf(s, sizeof(s),
			 "; as Linux before 6.2, which pinned with FOLL_FORCE | FOLL_WRITE (mainline dropped them in e2fc6edd37ba and cb78a634f3f7): %s",
			 k->why);
	return s;
}

static void run_case(struct __test_metadata *_metadata,
		     struct _test_data_userptr *self,
		     const struct _fixture_variant_userptr *variant,
		     const char *kind_name)
{
	const struct kind *k = NULL;
	size_t len = self->len, span = 0, i;
	bool m2m = !strcmp(variant->driver, "vim2m");
	bool rd = reads(variant->role);
	unsigned char *want = NULL, *orig = NULL, *frame = NULL;
	unsigned char *before = NULL;
	int expect, ret, flags, setup;
	pid_t watch = 0;

	if (self->skipped)
		return;
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i].name, kind_name))
			k = &kinds[i];
	ASSERT_NE(NULL, k);
	if (rd && k->setup == setup_shmem_thp_private &&
	    known_bug("thp_pin_livelock")) {
		self->skipped = true;
		SKIP(return,
		     "known bug (MEDIA_USERPTR_KNOWN_BUGS): the R/O long-term pin of a PMD-mapped tmpfs THP livelocks without %s",
		     THP_LIVELOCK_FIX);
	}
	/* Before the memory is set up, so that the watcher does not share it. */
	if (rd && k->setup == setup_shmem_thp_private)
		watch = livelock_watch("the QBUF of a PMD-mapped tmpfs THP, read by the device,");

	orig = malloc(len);
	want = malloc(len);
	ASSERT_NE(NULL, orig);
	ASSERT_NE(NULL, want);
	if (!m2m && !rd && (sentinel(k) || k->setup == setup_fork_shared)) {
		frame = malloc(len);
		ASSERT_NE(NULL, frame);
		vivid_still_frame(_metadata, self, frame);
	}
	if (m2m) {
		/* The other side: anonymous memory, within one page. */
		self->partner.maplen = round_page(len);
		self->partner.map = anon(self->partner.maplen,
					 PROT_READ | PROT_WRITE);
		ASSERT_NE(NULL, self->partner.map);
		self->partner.buf = self->partner.map;
		if (rd)
			memset(self->partner.buf, 0x5a, len);
		else
			pattern(self->partner.buf, len, 3);
		ASSERT_EQ(1, reqbufs(self->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT,
				     V4L2_MEMORY_USERPTR, 1));
		ASSERT_EQ(1, reqbufs(self->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE,
				     V4L2_MEMORY_USERPTR, 1));
	} else {
		ASSERT_LE(2, reqbufs(self->fd, self->type,
				     V4L2_MEMORY_USERPTR, 2));
	}

	/* Last, so that nothing else is mapped into a hole. */
	setup_why[0] = 0;
	errno = 0;
	setup = k->setup(&self->m, len);
	if (setup == -2) {
		livelock_unwatch(watch);
		self->skipped = true;
		SKIP(return, "%s: %s", k->sentence,
		     setup_why[0] ? setup_why : "not available on this system");
	}
	ASSERT_EQ(0, setup) TH_LOG("setting up %s: %s", k->sentence,
				   setup_why[0] ? setup_why : strerror(errno));
	if (readable(k))
		memcpy(orig, self->m.buf, len);
	if (!rd && sentinel(k)) {
		fill_guard(k, &self->m, len);
		memset(self->m.buf, 0x5a, len);
	}
	if (readable(k)) {
		/* What the pages of the buffer hold when it is queued. */
		span = page_up(self->m.buf + len) - page_down(self->m.buf);
		before = malloc(span);
		ASSERT_NE(NULL, before);
		memcpy(before, page_down(self->m.buf), span);
	}

	read_pins(&self->pins);
	expect = expected_qbuf(k, variant->role);
	if (self->contig) {
		/*
		 * dma-contig wants physically contiguous memory, its start and
		 * size aligned to the DMA cache alignment, or EINVAL.
		 */
		if (!expect && ((uintptr_t)self->m.buf | len) % DMA_ALIGN)
			expect = EINVAL;
		if (!expect && k->multipage) {
			int c = phys_contiguous(self->m.buf, len);

			if (c < 0) {
				/* Only root sees physical addresses there. */
				ASSERT_NE(0U, geteuid())
					TH_LOG("no physical addresses in pagemap, as root");
				self->skipped = true;
				SKIP(return, "no physical addresses in pagemap (not root)");
			}
			if (!c)
				expect = EFAULT;
			/* Chance decides it: kernels compare only when alike. */
			fprintf(stderr, "# layout: %s\n",
				c ? "contiguous" : "not contiguous");
		}
	}
	/* Only where it changes the result: dma-contig may refuse anyway. */
	if (!expect && k->setup == setup_shared_file_rw && !rd &&
	    dirty_tracking_refuses(&self->m)) {
		if (profile() == UPSTREAM)
			difference("%s",
				   "long-term write pins of dirty-tracked shared files are refused (6.5)");
		expect = EFAULT;
	}

	if (m2m) {
		int type = V4L2_BUF_TYPE_VIDEO_OUTPUT;

		ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &type));
		type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &type));
		if (rd)
			ret = qbuf(self->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0,
				   self->m.buf, len);
		else
			ret = qbuf(self->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0,
				   self->partner.buf, len);
		if (!ret && rd)
			ret = qbuf(self->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, 0,
				   self->partner.buf, len);
		else if (!ret)
			ret = qbuf(self->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, 0,
				   self->m.buf, len);
	} else {
		ret = qbuf(self->fd, self->type, 0, self->m.buf, len);
		if (!ret)
			ret = qbuf(self->fd, self->type, 1, self->m.buf, len);
		if (!ret)
			ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON,
					   &self->type));
	}
	livelock_unwatch(watch);
	outcome("QBUF %s", ret ? errno_name(ret) : "ok");
	ASSERT_EQ(expect, ret)
		TH_LOG("QBUF of %s, which the device %s: got %s, expected %s%s%s%s",
		       k->sentence, rd ? "reads" : "writes",
		       ret ? errno_name(ret) : "success",
		       expect ? errno_name(expect) : "success",
		       expected_why(k) ? " because " : "",
		       expected_why(k) ? expected_why(k) : "",
		       qbuf_hint(k, variant, ret, expect));
	if (ret || !readable(k))
		goto out;

	flags = dqbuf(self->fd, m2m ? V4L2_BUF_TYPE_VIDEO_CAPTURE : self->type);
	ASSERT_LE(0, flags) TH_LOG("DQBUF: %s", strerror(-flags));
	if (m2m) {
		ret = dqbuf(self->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT);
		ASSERT_LE(0, ret) TH_LOG("DQBUF of the output: %s",
					 strerror(-ret));
	}
	ASSERT_EQ(0, flags & V4L2_BUF_FLAG_ERROR)
		TH_LOG("the device returned the buffer with an error, flags 0x%x",
		       flags);
	/* vivid stops, so that nothing writes the buffer while it is read. */
	if (!m2m && !rd)
		ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMOFF, &self->type));

	/* Known bug, older than the 6.1 series: see check_page_start(). */
	if (m2m && self->contig && self->m.buf != page_down(self->m.buf)) {
		check_page_start(_metadata, self, rd, before,
				 !contig_kmap_at_offset());
		if (!contig_kmap_at_offset())
			goto out;
		if (profile() == UPSTREAM)
			difference("dma-contig maps USERPTR at its offset (fixed upstream)");
	}

	if (rd) {
		EXPECT_EQ(0, memcmp(self->m.buf, orig, len))
			TH_LOG("the device changed memory it should only read");
		if (k->no_anon)
			EXPECT_EQ(0, smaps_kb(self->m.map, "Anonymous:"))
				TH_LOG("pinning %s for reading created anonymous pages",
				       k->sentence);
		if (k->file) {
			char *f = malloc(len);

			ASSERT_EQ((ssize_t)len, pread(self->m.fd, f, len, 0));
			EXPECT_EQ(0, memcmp(f, orig, len))
				TH_LOG("the file behind the buffer changed");
			free(f);
		}
		if (m2m) {
			m2m_reference(orig, want);
			EXPECT_EQ(0, memcmp(self->partner.buf, want, len))
				TH_LOG("vim2m did not read %s", k->sentence);
		}
		if (m2m && k->rewrite != RW_NONE)
			requeue(_metadata, self, k, orig);
	} else {
		if (m2m) {
			m2m_reference((unsigned char *)self->partner.buf, want);
			EXPECT_EQ(0, memcmp(self->m.buf, want, len))
				TH_LOG("the capture in %s is not what vim2m wrote",
				       k->sentence);
		} else if (frame) {
			check_frame(_metadata, k, self->m.buf, frame, len);
		}
		if (sentinel(k))
			check_guard(_metadata, k, &self->m, len);
		if (k->file) {
			bool shared = k->setup == setup_shared_file_rw;
			char *f = malloc(len);

			/* A capture lands in a shared file, never a private one. */
			ASSERT_EQ((ssize_t)len, pread(self->m.fd, f, len, 0));
			EXPECT_EQ(0, memcmp(f, shared ? self->m.buf : (char *)orig,
					    len))
				TH_LOG("%s", shared ? "the capture did not land in the file" :
				       "the capture changed the file behind a private mapping");
			free(f);
		}
	}
	if (k->setup == setup_fork_shared)
		check_child(_metadata, &self->m, orig, len);
out:
	free(orig);
	free(want);
	free(frame);
	free(before);
}

/*
 * After the buffers are released, every pin the case took is released.
 */
static void check_pins(struct __test_metadata *_metadata,
		       struct _test_data_userptr *self)
{
	struct pins after;
	int t;

	if (self->skipped || self->fd < 0)
		return;
	for (t = V4L2_BUF_TYPE_VIDEO_CAPTURE; t <= V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE; t++)
		ioctl(self->fd, VIDIOC_STREAMOFF, &t);
	reqbufs(self->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, V4L2_MEMORY_USERPTR, 0);
	reqbufs(self->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, V4L2_MEMORY_USERPTR, 0);
	reqbufs(self->fd, self->type, V4L2_MEMORY_USERPTR, 0);
	read_pins(&after);
	EXPECT_EQ(after.acquired - self->pins.acquired,
		  after.released - self->pins.released)
		TH_LOG("pins leaked: %ld acquired, %ld released",
		       after.acquired - self->pins.acquired,
		       after.released - self->pins.released);
}

TEST_F(userptr, anon_rw)
{
	run_case(_metadata, self, variant, "anon_rw");
	check_pins(_metadata, self);
}

TEST_F(userptr, anon_ro)
{
	run_case(_metadata, self, variant, "anon_ro");
	check_pins(_metadata, self);
}

TEST_F(userptr, anon_untouched)
{
	run_case(_metadata, self, variant, "anon_untouched");
	check_pins(_metadata, self);
}

TEST_F(userptr, shared_file_ro)
{
	run_case(_metadata, self, variant, "shared_file_ro");
	check_pins(_metadata, self);
}

TEST_F(userptr, private_file_ro)
{
	run_case(_metadata, self, variant, "private_file_ro");
	check_pins(_metadata, self);
}

TEST_F(userptr, memfd_sealed)
{
	run_case(_metadata, self, variant, "memfd_sealed");
	check_pins(_metadata, self);
}

TEST_F(userptr, shared_file_rw)
{
	run_case(_metadata, self, variant, "shared_file_rw");
	check_pins(_metadata, self);
}

TEST_F(userptr, shmem)
{
	run_case(_metadata, self, variant, "shmem");
	check_pins(_metadata, self);
}

TEST_F(userptr, hugetlb)
{
	run_case(_metadata, self, variant, "hugetlb");
	check_pins(_metadata, self);
}

TEST_F(userptr, hugetlb_file_private)
{
	run_case(_metadata, self, variant, "hugetlb_file_private");
	check_pins(_metadata, self);
}

TEST_F(userptr, hugetlb_64kb)
{
	run_case(_metadata, self, variant, "hugetlb_64kb");
	check_pins(_metadata, self);
}

TEST_F(userptr, hugetlb_file_private_64kb)
{
	run_case(_metadata, self, variant, "hugetlb_file_private_64kb");
	check_pins(_metadata, self);
}

TEST_F(userptr, hugetlb_32mb)
{
	run_case(_metadata, self, variant, "hugetlb_32mb");
	check_pins(_metadata, self);
}

TEST_F(userptr, hugetlb_file_private_32mb)
{
	run_case(_metadata, self, variant, "hugetlb_file_private_32mb");
	check_pins(_metadata, self);
}

TEST_F(userptr, shmem_thp_private)
{
	run_case(_metadata, self, variant, "shmem_thp_private");
	check_pins(_metadata, self);
}

TEST_F(userptr, thp)
{
	run_case(_metadata, self, variant, "thp");
	check_pins(_metadata, self);
}

TEST_F(userptr, thp_untouched)
{
	run_case(_metadata, self, variant, "thp_untouched");
	check_pins(_metadata, self);
}

TEST_F(userptr, unaligned)
{
	run_case(_metadata, self, variant, "unaligned");
	check_pins(_metadata, self);
}

TEST_F(userptr, span_vmas)
{
	run_case(_metadata, self, variant, "span_vmas");
	check_pins(_metadata, self);
}

TEST_F(userptr, prot_none)
{
	run_case(_metadata, self, variant, "prot_none");
	check_pins(_metadata, self);
}

TEST_F(userptr, hole)
{
	run_case(_metadata, self, variant, "hole");
	check_pins(_metadata, self);
}

TEST_F(userptr, vb2_pfnmap)
{
	run_case(_metadata, self, variant, "vb2_pfnmap");
	check_pins(_metadata, self);
}

TEST_F(userptr, fork_shared)
{
	run_case(_metadata, self, variant, "fork_shared");
	check_pins(_metadata, self);
}

/* ---- lifecycle: every pin is released however the buffers go away ---- */

/*
 * Queue buffers from @buf and start streaming, leaving them queued: vivid
 * gets two buffers; vim2m gets its output buffer, and no capture buffer, so
 * that no job runs.
 */
static void queue_some(struct __test_metadata *_metadata, int fd,
		       const struct _fixture_variant_userptr *variant,
		       enum v4l2_buf_type type, char *buf, size_t len)
{
	int t;

	if (!strcmp(variant->driver, "vim2m")) {
		ASSERT_EQ(1, reqbufs(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT,
				     V4L2_MEMORY_USERPTR, 1));
		ASSERT_EQ(1, reqbufs(fd, V4L2_BUF_TYPE_VIDEO_CAPTURE,
				     V4L2_MEMORY_USERPTR, 1));
		ASSERT_EQ(0, qbuf(fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0, buf, len));
		t = V4L2_BUF_TYPE_VIDEO_OUTPUT;
		ASSERT_EQ(0, ioctl(fd, VIDIOC_STREAMON, &t));
		t = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		ASSERT_EQ(0, ioctl(fd, VIDIOC_STREAMON, &t));
		return;
	}
	ASSERT_LE(2, reqbufs(fd, type, V4L2_MEMORY_USERPTR, 2));
	ASSERT_EQ(0, qbuf(fd, type, 0, buf, len));
	ASSERT_EQ(0, qbuf(fd, type, 1, buf, len));
	ASSERT_EQ(0, ioctl(fd, VIDIOC_STREAMON, &type));
}

static void expect_pins_balanced(struct __test_metadata *_metadata,
				 const struct pins *before, const char *how)
{
	struct pins after;

	read_pins(&after);
	EXPECT_LT(0, after.acquired - before->acquired)
		TH_LOG("nothing was pinned: the case did not test anything");
	EXPECT_EQ(after.acquired - before->acquired,
		  after.released - before->released)
		TH_LOG("%s left pins behind: %ld acquired, %ld released", how,
		       after.acquired - before->acquired,
		       after.released - before->released);
}

/* REQBUFS(0) on a streaming queue, after STREAMOFF, releases the pins. */
TEST_F(userptr, release_on_reqbufs0)
{
	struct pins before;
	int t;

	if (self->skipped)
		return;
	ASSERT_EQ(0, setup_anon_rw(&self->m, self->len));
	read_pins(&before);
	queue_some(_metadata, self->fd, variant, self->type, self->m.buf,
		   self->len);
	for (t = V4L2_BUF_TYPE_VIDEO_CAPTURE; t <= V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE; t++)
		ioctl(self->fd, VIDIOC_STREAMOFF, &t);
	reqbufs(self->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, V4L2_MEMORY_USERPTR, 0);
	reqbufs(self->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, V4L2_MEMORY_USERPTR, 0);
	reqbufs(self->fd, self->type, V4L2_MEMORY_USERPTR, 0);
	expect_pins_balanced(_metadata, &before, "REQBUFS(0)");
}

/* close() with buffers queued and streaming on releases the pins. */
TEST_F(userptr, release_on_close)
{
	struct pins before;

	if (self->skipped)
		return;
	ASSERT_EQ(0, setup_anon_rw(&self->m, self->len));
	read_pins(&before);
	queue_some(_metadata, self->fd, variant, self->type, self->m.buf,
		   self->len);
	close(self->fd);
	self->fd = -1;
	expect_pins_balanced(_metadata, &before, "close()");
}

/* SIGKILL of a process streaming from its own memory releases the pins. */
TEST_F(userptr, release_on_sigkill)
{
	struct pins before;
	int pipefd[2], status;
	char c = 0;
	pid_t pid;

	if (self->skipped)
		return;
	ASSERT_EQ(0, pipe(pipefd));
	read_pins(&before);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setup_anon_rw(&self->m, self->len))
			_exit(1);
		queue_some(_metadata, self->fd, variant, self->type,
			   self->m.buf, self->len);
		if (write(pipefd[1], "q", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	ASSERT_EQ(1, read(pipefd[0], &c, 1)) TH_LOG("the child could not queue");
	/* The queue belongs to the fd both share: close ours first. */
	close(self->fd);
	self->fd = -1;
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status));
	expect_pins_balanced(_metadata, &before, "SIGKILL");
}

/*
 * munmap() of queued memory: the device still gets the pinned pages, and
 * they are released with the buffer.
 */
TEST_F(userptr, munmap_queued)
{
	bool m2m = !strcmp(variant->driver, "vim2m");
	unsigned char *orig, *want;
	struct pins before;
	int flags, t;

	if (self->skipped)
		return;
	orig = malloc(self->len);
	want = malloc(self->len);
	ASSERT_NE(NULL, orig);
	ASSERT_NE(NULL, want);
	ASSERT_EQ(0, setup_anon_rw(&self->m, self->len));
	memcpy(orig, self->m.buf, self->len);
	self->partner.maplen = round_page(self->len);
	self->partner.map = anon(self->partner.maplen, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, self->partner.map);
	read_pins(&before);
	queue_some(_metadata, self->fd, variant, self->type, self->m.buf,
		   self->len);
	ASSERT_EQ(0, munmap(self->m.map, self->m.maplen));
	self->m.map = NULL;
	if (m2m) {
		ASSERT_EQ(0, qbuf(self->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, 0,
				  self->partner.map, self->len));
		flags = dqbuf(self->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE);
		ASSERT_LE(0, flags) TH_LOG("DQBUF: %s", strerror(-flags));
		ASSERT_EQ(0, flags & V4L2_BUF_FLAG_ERROR);
		m2m_reference(orig, want);
		EXPECT_EQ(0, memcmp(self->partner.map, want, self->len))
			TH_LOG("vim2m did not read the pinned pages of the unmapped buffer");
	} else {
		flags = dqbuf(self->fd, self->type);
		ASSERT_LE(0, flags) TH_LOG("DQBUF: %s", strerror(-flags));
	}
	for (t = V4L2_BUF_TYPE_VIDEO_CAPTURE; t <= V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE; t++)
		ioctl(self->fd, VIDIOC_STREAMOFF, &t);
	reqbufs(self->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, V4L2_MEMORY_USERPTR, 0);
	reqbufs(self->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, V4L2_MEMORY_USERPTR, 0);
	reqbufs(self->fd, self->type, V4L2_MEMORY_USERPTR, 0);
	expect_pins_balanced(_metadata, &before, "munmap() while queued");
	free(orig);
	free(want);
}

/*
 * vim2m: a new user pointer for the same buffer index is pinned anew and
 * the old pin is dropped; fork() while a capture buffer is queued leaves
 * the device's data to the parent and the child's writes to the child.
 */
TEST_F(userptr, change_pointer_and_fork)
{
	unsigned char *want;
	struct mem other = { .fd = -1 };
	struct pins before;
	int flags, status, t;
	pid_t pid;

	if (self->skipped)
		return;
	if (strcmp(variant->driver, "vim2m") || variant->role != M2M_CAP) {
		self->skipped = true;
		SKIP(return, "only on vim2m, once per memop");
	}
	want = malloc(self->len);
	ASSERT_NE(NULL, want);
	ASSERT_EQ(0, setup_anon_rw(&self->m, self->len));
	ASSERT_EQ(0, setup_anon_rw(&other, self->len));
	pattern(other.buf, self->len, 7);
	ASSERT_EQ(0, setup_anon_rw(&self->partner, self->len));
	read_pins(&before);
	ASSERT_EQ(1, reqbufs(self->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT,
			     V4L2_MEMORY_USERPTR, 1));
	ASSERT_EQ(1, reqbufs(self->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE,
			     V4L2_MEMORY_USERPTR, 1));
	t = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &t));
	t = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &t));

	/* Output from m, then from other, at the same index. */
	ASSERT_LE(0, m2m_job(_metadata, self->fd, self->m.buf,
			     self->partner.buf, self->len));
	ASSERT_LE(0, m2m_job(_metadata, self->fd, other.buf,
			     self->partner.buf, self->len));
	m2m_reference((unsigned char *)other.buf, want);
	EXPECT_EQ(0, memcmp(self->partner.buf, want, self->len))
		TH_LOG("a new user pointer was not pinned anew");

	/* fork() while the capture buffer is queued. */
	memset(self->partner.buf, 0x5a, self->len);
	ASSERT_EQ(0, qbuf(self->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, 0,
			  self->partner.buf, self->len));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		memset(self->partner.buf, 0x11, self->len);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, qbuf(self->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0,
			  self->m.buf, self->len));
	flags = dqbuf(self->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE);
	ASSERT_LE(0, flags);
	ASSERT_LE(0, dqbuf(self->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT));
	m2m_reference((unsigned char *)self->m.buf, want);
	EXPECT_EQ(0, memcmp(self->partner.buf, want, self->len))
		TH_LOG("after fork(), the parent did not get the device's data");

	for (t = V4L2_BUF_TYPE_VIDEO_CAPTURE; t <= V4L2_BUF_TYPE_VIDEO_OUTPUT; t++)
		ioctl(self->fd, VIDIOC_STREAMOFF, &t);
	reqbufs(self->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, V4L2_MEMORY_USERPTR, 0);
	reqbufs(self->fd, V4L2_BUF_TYPE_VIDEO_CAPTURE, V4L2_MEMORY_USERPTR, 0);
	expect_pins_balanced(_metadata, &before, "changing pointers and fork()");
	mem_release(&other);
	free(want);
}

TEST_HARNESS_MAIN
