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
 * device must read the new content.
 *
 * The devices are vivid (capture and output, single- and multi-planar) and
 * vim2m (memory to memory: the memory under test is either its output or
 * its capture buffer), over the vmalloc, dma-contig and dma-sg memops.
 * Devices are found by driver name and capabilities; the memop is read
 * from the exporter name of a buffer exported with VIDIOC_EXPBUF. A device
 * that is not there is a SKIP.
 *
 * To run it by hand, as root:
 *   modprobe vivid n_devs=4 node_types=0x101,0x101,0x101,0x101 \
 *           multiplanar=1,1,2,2 allocators=0,2,0,2
 *   modprobe vim2m allocator=0      (then 1 and 2: dma-contig, dma-sg)
 *   echo 8 > /proc/sys/vm/nr_hugepages
 *   ./media_userptr_test
 *
 * MEDIA_USERPTR_EXPECT selects the expected results: "patched" (default)
 * for a kernel that pins USERPTR memory as the device uses it, "baseline"
 * for one that pins it with FOLL_FORCE | FOLL_WRITE (Linux 6.1 as
 * released), "mediaonly" for one that pins by direction but whose mm does
 * not unshare read-only long-term pins in COW mappings.
 * MEDIA_USERPTR_ONLY=<text> skips the device variants whose name does not
 * contain <text>. Files are created in MEDIA_USERPTR_DIR (default: /tmp).
 * MEDIA_USERPTR_THP_DIR names a tmpfs mounted with huge=always, for the
 * pagecache THP case; without it, or without THPs there, that case skips.
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
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/memfd.h>
#include <linux/videodev2.h>

#include "../kselftest_harness.h"

#define HPAGE		(2UL << 20)
#define M2M_W		32
#define M2M_H		32
#define DQ_TIMEOUT_MS	20000

enum profile { PATCHED, BASELINE, MEDIAONLY };

static enum profile profile(void)
{
	const char *e = getenv("MEDIA_USERPTR_EXPECT");

	if (e && !strcmp(e, "baseline"))
		return BASELINE;
	if (e && !strcmp(e, "mediaonly"))
		return MEDIAONLY;
	return PATCHED;
}

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
	/* QBUF errno: [0] patched, [1] baseline; read = device reads. */
	int rd[2], wr[2];
	/* Why the baseline differs, where it does. */
	const char *why;
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

static int setup_unaligned(struct mem *m, size_t len)
{
	m->maplen = round_page(len + 100);
	m->map = anon(m->maplen, PROT_READ | PROT_WRITE);
	if (!m->map)
		return -1;
	m->buf = m->map + 100;
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

static int setup_hugetlb(struct mem *m, size_t len)
{
	m->maplen = HPAGE;
	m->map = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (m->map == MAP_FAILED || len > HPAGE) {
		m->map = NULL;
		return -2;
	}
	m->buf = m->map;
	pattern(m->buf, len, 1);
	return 0;
}

/* A hugetlbfs file, filled through a shared mapping, mapped R/O private. */
static int setup_hugetlb_file_private(struct mem *m, size_t len)
{
	char *p;

	m->fd = memfd_create("media_userptr", MFD_HUGETLB);
	if (m->fd < 0 || len > HPAGE || ftruncate(m->fd, HPAGE))
		return -2;
	p = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (p == MAP_FAILED)
		return -2;
	pattern(p, len, 1);
	munmap(p, HPAGE);
	return mem_map(m, HPAGE, PROT_READ, MAP_PRIVATE, m->fd);
}

static long smaps_kb(void *addr, const char *field);
static bool memop_is(int fd, enum v4l2_buf_type type, const char *memop);
static int reqbufs(int fd, enum v4l2_buf_type type, int memory, int count);

/*
 * A file on a tmpfs mounted with huge=always (MEDIA_USERPTR_THP_DIR), mapped
 * MAP_PRIVATE PROT_READ at a 2 MiB aligned address, so that its pagecache
 * THP is mapped by a PMD.
 */
static int setup_shmem_thp_private(struct mem *m, size_t len)
{
	const char *d = getenv("MEDIA_USERPTR_THP_DIR");
	char *tmp, *a;

	if (!d || len > HPAGE)
		return -2;
	snprintf(m->path, sizeof(m->path), "%s/media_userptr.%d", d, getpid());
	m->fd = open(m->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	tmp = malloc(HPAGE);
	if (m->fd < 0 || !tmp)
		return -1;
	pattern(tmp, HPAGE, 1);
	if (write(m->fd, tmp, HPAGE) != (ssize_t)HPAGE)
		return -1;
	free(tmp);
	m->maplen = 2 * HPAGE;
	m->map = anon(m->maplen, PROT_NONE);
	if (!m->map)
		return -1;
	a = (char *)(((unsigned long)m->map + HPAGE - 1) & ~(HPAGE - 1));
	if (mmap(a, HPAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, m->fd, 0) != a)
		return -1;
	m->buf = a;
	if (madvise(a, HPAGE, MADV_POPULATE_READ))
		return -2;
	return smaps_kb(a, "ShmemPmdMapped:") > 0 ? 0 : -2;
}

/* A 2 MiB aligned range of anonymous memory that asks for THP. */
static int thp_range(struct mem *m)
{
	char *p = anon(2 * HPAGE, PROT_READ | PROT_WRITE);
	char *a;

	if (!p)
		return -1;
	a = (char *)(((unsigned long)p + HPAGE - 1) & ~(HPAGE - 1));
	m->map = p;
	m->maplen = 2 * HPAGE;
	m->buf = a;
	return madvise(a, HPAGE, MADV_HUGEPAGE) ? -2 : 0;
}

static int setup_thp(struct mem *m, size_t len)
{
	int ret = thp_range(m);

	if (ret)
		return ret;
	pattern(m->buf, HPAGE, 1);
	return 0;
}

static int setup_thp_untouched(struct mem *m, size_t len)
{
	int ret = thp_range(m);

	if (ret)
		return ret;
	/* A read fault maps the huge zeropage. */
	return madvise(m->buf, HPAGE, MADV_POPULATE_READ) ? -2 : 0;
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
		return -2;
	m->buf = m->map;
	pattern(m->buf, len, 1);
	return 0;
}

/* Anonymous memory whose pages a child shares after fork(). */
static int setup_fork_shared(struct mem *m, size_t len)
{
	if (setup_anon_rw(m, len))
		return -1;
	m->child = fork();
	if (m->child < 0)
		return -1;
	if (m->child == 0) {
		pause();
		_exit(0);
	}
	return 0;
}

static const struct kind kinds[] = {
	{ "anon_rw", "private anonymous memory, read-write",
	  setup_anon_rw, { 0, 0 }, { 0, 0 }, NULL, RW_DIRECT },
	{ "anon_ro", "private anonymous memory, populated, then mprotect(PROT_READ)",
	  setup_anon_ro, { 0, 0 }, { EFAULT, 0 },
	  "FOLL_FORCE lets the device write to memory the process made read-only",
	  RW_MPROTECT },
	{ "anon_untouched", "private anonymous memory never touched (the shared zeropage)",
	  setup_anon_untouched, { 0, 0 }, { 0, 0 }, NULL, RW_DIRECT, true },
	{ "shared_file_ro", "MAP_SHARED PROT_READ mapping of a file opened O_RDONLY",
	  setup_shared_file_ro, { 0, EFAULT }, { EFAULT, EFAULT },
	  "FOLL_WRITE is refused on a read-only shared mapping, even for a device that only reads",
	  RW_FILE, false, true, true },
	{ "private_file_ro", "MAP_PRIVATE PROT_READ mapping of a file",
	  setup_private_file_ro, { 0, 0 }, { EFAULT, 0 },
	  "FOLL_FORCE lets the device write to a read-only private file mapping",
	  RW_MPROTECT, true, false, true },
	{ "memfd_sealed", "memfd sealed with F_SEAL_WRITE, mapped MAP_SHARED PROT_READ",
	  setup_memfd_sealed, { 0, EFAULT }, { EFAULT, EFAULT },
	  "FOLL_WRITE is refused on a write-sealed memfd, even for a device that only reads",
	  RW_NONE, false, true, true },
	{ "shared_file_rw", "MAP_SHARED read-write mapping of a file",
	  setup_shared_file_rw, { 0, 0 }, { 0, 0 }, NULL, RW_DIRECT, false,
	  false, true },
	{ "shmem", "MAP_SHARED anonymous memory (shmem)",
	  setup_shmem, { 0, 0 }, { 0, 0 }, NULL, RW_DIRECT },
	{ "hugetlb", "private anonymous 2 MiB hugetlb page",
	  setup_hugetlb, { 0, 0 }, { 0, 0 }, NULL, RW_DIRECT },
	{ "hugetlb_file_private", "MAP_PRIVATE PROT_READ mapping of a hugetlbfs file",
	  setup_hugetlb_file_private, { 0, EFAULT }, { EFAULT, EFAULT },
	  "hugetlb refuses FOLL_FORCE|FOLL_WRITE, so a read-only private hugetlb mapping cannot be pinned",
	  RW_MPROTECT, true },
	{ "shmem_thp_private",
	  "MAP_PRIVATE PROT_READ mapping of a PMD-mapped tmpfs huge page",
	  setup_shmem_thp_private, { 0, 0 }, { EFAULT, 0 },
	  "FOLL_FORCE lets the device write to a read-only private file mapping",
	  RW_MPROTECT, true, false, true },
	{ "thp", "transparent huge page, populated",
	  setup_thp, { 0, 0 }, { 0, 0 }, NULL, RW_DIRECT },
	{ "thp_untouched", "transparent huge page range read but never written (the huge zeropage)",
	  setup_thp_untouched, { 0, 0 }, { 0, 0 }, NULL, RW_DIRECT, true },
	{ "unaligned", "private anonymous memory, start not page aligned",
	  setup_unaligned, { 0, 0 }, { 0, 0 }, NULL, RW_DIRECT },
	{ "span_vmas", "a buffer spanning a read-write and a read-only VMA",
	  setup_span_vmas, { 0, 0 }, { EFAULT, 0 },
	  "FOLL_FORCE lets the device write to the read-only part",
	  RW_MPROTECT, false, false, false, true },
	{ "prot_none", "PROT_NONE memory",
	  setup_prot_none, { EFAULT, 0 }, { EFAULT, 0 },
	  "FOLL_FORCE overrides PROT_NONE in a private mapping",
	  RW_NONE },
	{ "hole", "an address range that is not mapped",
	  setup_hole, { EFAULT, EFAULT }, { EFAULT, EFAULT }, NULL, RW_NONE },
	{ "vb2_pfnmap", "an MMAP buffer of a dma-contig vb2 queue (VM_IO | VM_PFNMAP)",
	  setup_vb2_pfnmap, { EFAULT, EFAULT }, { EFAULT, EFAULT }, NULL, RW_NONE },
	{ "fork_shared", "anonymous memory shared with a child after fork()",
	  setup_fork_shared, { 0, 0 }, { 0, 0 }, NULL, RW_DIRECT },
};

static void mem_release(struct mem *m)
{
	if (m->child > 0) {
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

FIXTURE(userptr) {
	int fd;
	enum v4l2_buf_type type;	/* queue of the memory under test */
	bool mplane;
	size_t len;			/* bytes of one buffer */
	struct mem m;
	struct mem partner;		/* vim2m: the other side */
	struct pins pins;
	bool contig;			/* dma-contig */
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

/* The memop behind a queue: the exporter name of one exported buffer. */
static bool memop_is(int fd, enum v4l2_buf_type type, const char *memop)
{
	struct v4l2_exportbuffer eb = { .type = type };
	char path[64], line[128], name[64] = "";
	FILE *f;

	if (reqbufs(fd, type, V4L2_MEMORY_MMAP, 1) < 1)
		return false;
	if (!ioctl(fd, VIDIOC_EXPBUF, &eb)) {
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", eb.fd);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "exp_name: %63s", name) == 1)
				break;
		if (f)
			fclose(f);
		close(eb.fd);
	}
	reqbufs(fd, type, V4L2_MEMORY_MMAP, 0);
	return !strcmp(name, memop);
}

static int open_device(const struct _fixture_variant_userptr *v)
{
	enum v4l2_buf_type type = queue_type(v);
	__u32 want;
	char path[32];
	int i, fd;

	if (!strcmp(v->driver, "vim2m"))
		want = V4L2_CAP_VIDEO_M2M;
	else if (v->role == VIVID_OUT)
		want = v->mplane ? V4L2_CAP_VIDEO_OUTPUT_MPLANE :
				   V4L2_CAP_VIDEO_OUTPUT;
	else
		want = v->mplane ? V4L2_CAP_VIDEO_CAPTURE_MPLANE :
				   V4L2_CAP_VIDEO_CAPTURE;

	for (i = 0; i < 64; i++) {
		struct v4l2_capability cap = {};

		snprintf(path, sizeof(path), "/dev/video%d", i);
		fd = open(path, O_RDWR | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (!ioctl(fd, VIDIOC_QUERYCAP, &cap) &&
		    !strcmp((char *)cap.driver, v->driver) &&
		    (cap.device_caps & want) &&
		    (cap.device_caps & V4L2_CAP_STREAMING) &&
		    memop_is(fd, type, v->memop))
			return fd;
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

FIXTURE_SETUP(userptr)
{
	const char *only = getenv("MEDIA_USERPTR_ONLY");
	struct v4l2_control hflip = { .id = V4L2_CID_HFLIP, .value = 1 };

	self->fd = -1;
	self->m.fd = -1;
	self->partner.fd = -1;
	if (only && !strstr(variant->name, only))
		SKIP(return, "not selected by MEDIA_USERPTR_ONLY=%s", only);
	self->type = queue_type(variant);
	self->fd = open_device(variant);
	if (self->fd < 0)
		SKIP(return, "no %s device with the %s memop (%s)",
		     variant->driver, variant->memop,
		     !strcmp(variant->driver, "vim2m") ?
		     "load vim2m with the allocator for it" :
		     "load vivid with the allocators for it");
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

static int expected_qbuf(const struct kind *k, enum role role)
{
	const int *e = reads(role) ? k->rd : k->wr;

	return e[profile() == BASELINE];
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

static void check_page_overwritten(struct __test_metadata *_metadata,
				   const char *buf, size_t len, char sentinel)
{
	size_t off, i;

	for (off = 0; off < len; off += pagesz()) {
		size_t n = len - off < pagesz() ? len - off : pagesz();

		for (i = 0; i < n && buf[off + i] == sentinel; i++)
			;
		EXPECT_NE(n, i)
			TH_LOG("the capture did not reach the page at %zu", off);
	}
}

static void run_case(struct __test_metadata *_metadata,
		     struct _test_data_userptr *self,
		     const struct _fixture_variant_userptr *variant,
		     const char *kind_name)
{
	const struct kind *k = NULL;
	size_t len = self->len, i;
	bool m2m = !strcmp(variant->driver, "vim2m");
	unsigned char *want = NULL, *orig = NULL;
	int expect, ret, flags, setup;

	if (_metadata->skip)
		return;
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i].name, kind_name))
			k = &kinds[i];
	ASSERT_NE(NULL, k);

	orig = malloc(len);
	want = malloc(len);
	ASSERT_NE(NULL, orig);
	ASSERT_NE(NULL, want);
	if (m2m) {
		/* The other side: anonymous memory, within one page. */
		self->partner.maplen = round_page(len);
		self->partner.map = anon(self->partner.maplen,
					 PROT_READ | PROT_WRITE);
		ASSERT_NE(NULL, self->partner.map);
		self->partner.buf = self->partner.map;
		if (reads(variant->role))
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
	setup = k->setup(&self->m, len);
	if (setup == -2)
		SKIP(return, "%s: not available on this system", k->sentence);
	ASSERT_EQ(0, setup) TH_LOG("setting up %s: %s", k->sentence,
				   strerror(errno));
	if (readable(k))
		memcpy(orig, self->m.buf, len);
	if (!reads(variant->role) && sentinel(k))
		memset(self->m.buf, 0x5a, len);

	read_pins(&self->pins);
	expect = expected_qbuf(k, variant->role);
	if (self->contig) {
		/*
		 * dma-contig wants physically contiguous memory, aligned to
		 * the DMA cache alignment: the expectations here are those of
		 * x86, where that alignment is 1.
		 */
		if (!expect && k->multipage) {
			int c = phys_contiguous(self->m.buf, len);

			if (c < 0)
				SKIP(return, "no physical addresses in pagemap");
			if (!c)
				expect = EFAULT;
		}
	}

	if (m2m) {
		int type = V4L2_BUF_TYPE_VIDEO_OUTPUT;

		ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &type));
		type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		ASSERT_EQ(0, ioctl(self->fd, VIDIOC_STREAMON, &type));
		if (reads(variant->role))
			ret = qbuf(self->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0,
				   self->m.buf, len);
		else
			ret = qbuf(self->fd, V4L2_BUF_TYPE_VIDEO_OUTPUT, 0,
				   self->partner.buf, len);
		if (!ret && reads(variant->role))
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
	outcome("QBUF %s", ret ? errno_name(ret) : "ok");
	ASSERT_EQ(expect, ret)
		TH_LOG("QBUF of %s, which the device %s: got %s, expected %s%s%s",
		       k->sentence, reads(variant->role) ? "reads" : "writes",
		       ret ? errno_name(ret) : "success",
		       expect ? errno_name(expect) : "success",
		       k->why && profile() == BASELINE ? " because " : "",
		       k->why && profile() == BASELINE ? k->why : "");
	if (ret || !readable(k))
		return;

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

	/*
	 * Known bug, present before this series: the kernel mapping that
	 * videobuf2-dma-contig gives a driver for a USERPTR buffer starts at
	 * the page, not at the buffer, so a driver that uses it reads and
	 * writes the wrong bytes when the buffer does not start on a page.
	 */
	if (m2m && self->contig && ((unsigned long)self->m.buf & (pagesz() - 1))) {
		const unsigned char *got = reads(variant->role) ?
			(unsigned char *)self->partner.buf :
			(unsigned char *)self->m.buf;

		m2m_reference(reads(variant->role) ? orig :
			      (unsigned char *)self->partner.buf, want);
		outcome("data from the start of the page (dma-contig ignores the offset)");
		EXPECT_NE(0, memcmp(got, want, len))
			TH_LOG("dma-contig maps USERPTR at its offset now: update");
		return;
	}

	if (reads(variant->role)) {
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
		/*
		 * Coherence: new content written through the mapping must
		 * reach the device when the same pointer is queued again.
		 */
		if (m2m && k->rewrite != RW_NONE) {
			unsigned int round;

			for (round = 0; round < 8; round++) {
				bool stale;

				ASSERT_EQ(0, rewrite(k, &self->m, len, 10 + round));
				memcpy(orig, self->m.buf, len);
				m2m_reference(orig, want);
				flags = m2m_job(_metadata, self->fd, self->m.buf,
						self->partner.buf, len);
				ASSERT_LE(0, flags);
				stale = memcmp(self->partner.buf, want, len);
				if (!round || stale)
					outcome("re-queue %u: %s", round,
						stale ? "stale" : "new data");
				if (profile() == MEDIAONLY && k->cow_shared) {
					/*
					 * Without the mm prerequisite the
					 * pin stays on the page the process
					 * replaced by its first write.
					 */
					EXPECT_TRUE(stale)
						TH_LOG("%s: new data without the mm patches",
						       k->sentence);
				} else {
					EXPECT_FALSE(stale)
						TH_LOG("round %u: stale data from %s",
						       round, k->sentence);
				}
			}
		}
	} else {
		if (m2m) {
			m2m_reference((unsigned char *)self->partner.buf, want);
			EXPECT_EQ(0, memcmp(self->m.buf, want, len))
				TH_LOG("the capture in %s is not what vim2m wrote",
				       k->sentence);
		} else if (!m2m && sentinel(k)) {
			check_page_overwritten(_metadata, self->m.buf, len,
					       0x5a);
		}
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
		if (k->setup == setup_fork_shared) {
			/* The child's copy is its own: still the pattern. */
			EXPECT_NE(0, memcmp(self->m.buf, orig, len));
		}
	}
	free(orig);
	free(want);
}

/*
 * After the buffers are released, every pin the case took is released.
 */
static void check_pins(struct __test_metadata *_metadata,
		       struct _test_data_userptr *self)
{
	struct pins after;
	int t;

	if (_metadata->skip || self->fd < 0)
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

	if (_metadata->skip)
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

	if (_metadata->skip)
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

	if (_metadata->skip)
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

	if (_metadata->skip)
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

	if (_metadata->skip)
		return;
	if (strcmp(variant->driver, "vim2m") || variant->role != M2M_CAP)
		SKIP(return, "only on vim2m, once per memop");
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
