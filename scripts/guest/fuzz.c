// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz: random VIDIOC_QBUF and VIDIOC_PREPARE_BUF calls on every vivid and
 * vim2m video node, with USERPTR queues set up.
 *
 * The calls vary the user pointer (NULL, low, unaligned, kernel and
 * non-canonical addresses, just below TASK_SIZE, wrapping around, and
 * pointers into memory of many kinds: anonymous, the zeropage, PROT_NONE,
 * read-only, holes, file mappings private and shared, a sealed memfd,
 * hugetlb, THP, the huge zeropage, mlocked, beyond EOF, the vDSO and
 * vvar, a PFN mapping of another vb2 queue, the program's own text and
 * stack for output queues), the length, bytesused, data_offset, index,
 * plane count and plane array, flags, request fds, memory, type and field.
 * Queues are streaming or not, and are reset (STREAMOFF, REQBUFS 0 and
 * again) every so often; requests are queued and reinitialized.
 *
 * Every call must return 0 or an errno that the V4L2 documentation gives
 * for these ioctls (vidioc-qbuf.rst, vidioc-prepare-buf.rst) or as a
 * generic error code (gen-errors.rst), and must not taint the kernel (a
 * WARN or an oops: /proc/sys/kernel/tainted is read after every ioctl, and
 * the last operations are printed when it changes). A well-formed QBUF and
 * PREPARE_BUF must then work on every node that offers USERPTR, and every
 * pin taken must be released once a node is closed (/proc/vmstat).
 *
 * Where the pointers are certain to be pinned (judge_before(): the buffer
 * is dequeued and not prepared, the call has no request, its planes are
 * read from where they should be, and a plane whose address and length are
 * the ones videobuf2 holds is left out, since it keeps that pin), the
 * result must fit the kind of memory, the direction and the kernel under
 * test (STRESS_EXPECT: baseline, mediaonly, patched or upstream): memory
 * that cannot be pinned must not give 0 (page_refused()), and memory that
 * certainly can must not give EFAULT (page_ok()). Violations are counted
 * by pointer kind and printed with the last operations. Read-only memory
 * must keep its content: after each call that pointed into it, the pages
 * it pointed to are compared with what was put there, all of it when it is
 * unmapped, and the file behind it too.
 *
 * Output in the format of the kselftest harness. Environment:
 *   FUZZ_SEED        random seed (default: from the time)
 *   FUZZ_CALLS       calls per node (default 10000)
 *   FUZZ_TIME        seconds for all the nodes together (default 50)
 *   FUZZ_MIN_CALLS   calls each node makes even when its share of
 *                    FUZZ_TIME is over (default 0); the alarm at
 *                    FUZZ_TIME + 90 s still ends the run
 *   FUZZ_ONLY        only the nodes whose name contains this
 *   FUZZ_TRACE_LINES operations printed when the kernel is tainted (64)
 *   FUZZ_KNOWN_BUGS  1: also do what triggers known bugs (see request_op())
 *   STRESS_EXPECT    baseline, mediaonly, patched (default) or upstream:
 *                    the kernel under test, for what the pointers must give
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <linux/media.h>
#include <linux/videodev2.h>

#define HPAGE		(2UL << 20)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_NODES	32
#define MAX_ERRNO	256
#define MAX_REPORTS	10
#define MAX_VIOL_REPORTS 3	/* violations printed per node */
#define TASK_SIZE_4L	0x7ffffffff000UL

#include "guest.h"

static const char *errname(int e)
{
	static char buf[16];

	switch (e) {
	case 0: return "ok";
	case EAGAIN: return "EAGAIN";
	case EBADF: return "EBADF";
	case EBADR: return "EBADR";
	case EBUSY: return "EBUSY";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case EIO: return "EIO";
	case ENODEV: return "ENODEV";
	case ENOMEM: return "ENOMEM";
	case ENOSPC: return "ENOSPC";
	case ENOTTY: return "ENOTTY";
	case ENXIO: return "ENXIO";
	case EPERM: return "EPERM";
	case EPIPE: return "EPIPE";
	case EACCES: return "EACCES";
	case ERANGE: return "ERANGE";
	case ENOENT: return "ENOENT";
	case EOVERFLOW: return "EOVERFLOW";
	}
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

/*
 * What VIDIOC_QBUF and VIDIOC_PREPARE_BUF may return: their own errors
 * (EAGAIN, EINVAL, EIO, EPIPE, EBADR, EBUSY) and the generic ones.
 */
static bool documented(int e)
{
	switch (e) {
	case 0:
	case EAGAIN: case EINVAL: case EIO: case EPIPE: case EBADR:
	case EBUSY: case EBADF: case EFAULT: case ENODEV: case ENOMEM:
	case ENOTTY: case ENOSPC: case EPERM: case ENXIO:
		return true;
	}
	return false;
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

	fd = open("/proc/sys/vm/stat_refresh", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, "1", 1) < 0)
			say("# stat_refresh: %s", strerror(errno));
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

/* ---- memory kinds and the kernel under test ---- */

enum region {
	R_ANON_PAGE, R_ANON, R_ANON_RO, R_PROT_NONE, R_HOLE, R_ZERO, R_SHMEM,
	R_PRIV_FILE_RO, R_PRIV_FILE_RW, R_SHARED_FILE_RO, R_SHARED_FILE_RW,
	R_MEMFD_SEALED, R_HUGETLB, R_HUGETLB_FILE_RO, R_THP, R_THP_ZERO,
	R_SPAN, R_GUARD,
	R_MLOCK, R_BEYOND_EOF, R_PFNMAP, R_VDSO, R_VVAR, R_TEXT, R_STACK,
	NREGIONS
};

static const char *const region_name[NREGIONS] = {
	"anon_page", "anon", "anon_ro", "prot_none", "hole", "zeropage",
	"shmem", "private_file_ro", "private_file_rw", "shared_file_ro",
	"shared_file_rw", "memfd_sealed", "hugetlb", "hugetlb_file_ro", "thp",
	"thp_zeropage", "span_rw_ro", "guard", "mlock", "beyond_eof", "pfnmap", "vdso",
	"vvar", "text", "stack",
};

/*
 * Pointer kinds, for the verdicts: a region above, or an address that is
 * in none (special_address()), by where it points.
 */
enum {
	S_NULL = NREGIONS, S_LOW, S_WRAP, S_KERNEL, S_NONCANON, S_TOP, S_USER,
	NPKINDS
};

static const char *const special_name[NPKINDS - NREGIONS] = {
	"null", "low", "wrapping", "kernel", "non_canonical", "task_top",
	"random_user",
};

static const char *pkind_name(int k)
{
	return k < NREGIONS ? region_name[k] : special_name[k - NREGIONS];
}

/* The kernel under test: enum expect (guest.h), from STRESS_EXPECT. */
static int expect = EXP_PATCHED;

/* ---- devices ---- */

struct target {
	char dev[32];
	char name[64];
	char label[80];		/* fuzz.<name> */
	char bus_info[32];
	bool m2m, userptr;
	unsigned int ntypes;
	enum v4l2_buf_type types[2];
	unsigned int nplanes[2];
	size_t size[2][VIDEO_MAX_PLANES];
	unsigned int nbufs[2];
	unsigned int busy[2];	/* buffers queued or prepared, by index */
	bool streaming;
	int fd, media, req[2];
	unsigned int req_bufs[2];	/* buffers bound to each request */
	unsigned long req_skipped;
	unsigned long calls, unexpected, ok, reports;
	unsigned long err[MAX_ERRNO];
	/* vim2m with dma-contig: memory that is not contiguous gets EFAULT */
	bool contig;
	/* Calls judged by pointer kind: must fail; must not fail with EFAULT */
	unsigned long must_fail[NPKINDS], must_pin[NPKINDS];
	unsigned long viol[NPKINDS], violations, viol_reports;
	/* Read-only regions and files found changed, by region */
	unsigned long changed[NREGIONS], ro_changed;
};

/*
 * The last operations, to print when the kernel is tainted (a WARN, an
 * oops) while a node is fuzzed: the taint flags are read after each one.
 */
#define TRACE_LEN	4096
static char trace_ring[TRACE_LEN][160];
static unsigned long trace_n;
static int taint_fd = -1;
static unsigned long taint0;
static bool tainted;

static void trace(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(trace_ring[trace_n++ % TRACE_LEN], sizeof(trace_ring[0]),
		  fmt, ap);
	va_end(ap);
}

static unsigned long read_taint(void)
{
	char buf[32];
	ssize_t n;

	if (taint_fd < 0)
		return 0;
	n = pread(taint_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strtoul(buf, NULL, 10);
}

/* The last FUZZ_TRACE_LINES operations. */
static void print_trace(void)
{
	unsigned long i, n;

	n = env_ul("FUZZ_TRACE_LINES", 64);
	if (n > TRACE_LEN)
		n = TRACE_LEN;
	i = trace_n > n ? trace_n - n : 0;
	for (; i < trace_n; i++)
		say("#   %s", trace_ring[i % TRACE_LEN]);
}

/* After each operation: did the kernel just warn or oops? */
static void check_taint(const char *node)
{
	unsigned long t;

	if (tainted)
		return;
	t = read_taint();
	if (t == taint0)
		return;
	tainted = true;
	say("# %s: the kernel was tainted (%lu, was %lu) by the last of these operations:",
	    node, t, taint0);
	print_trace();
}

static const char *cur_node = "";

static const char *ioctl_name(unsigned long req)
{
	switch (req) {
	case VIDIOC_QBUF: return "QBUF";
	case VIDIOC_PREPARE_BUF: return "PREPARE_BUF";
	case VIDIOC_DQBUF: return "DQBUF";
	case VIDIOC_STREAMON: return "STREAMON";
	case VIDIOC_STREAMOFF: return "STREAMOFF";
	case VIDIOC_REQBUFS: return "REQBUFS";
	case VIDIOC_S_FMT: return "S_FMT";
	case VIDIOC_G_FMT: return "G_FMT";
	case VIDIOC_QUERYBUF: return "QUERYBUF";
	case MEDIA_IOC_REQUEST_ALLOC: return "MEDIA_IOC_REQUEST_ALLOC";
	case MEDIA_REQUEST_IOC_QUEUE: return "MEDIA_REQUEST_IOC_QUEUE";
	case MEDIA_REQUEST_IOC_REINIT: return "MEDIA_REQUEST_IOC_REINIT";
	}
	return "ioctl";
}

static const char *errname(int e);

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, req, arg);
	while (ret && errno == EINTR);
	ret = ret ? errno : 0;
	switch (req) {
	case VIDIOC_QBUF:
	case VIDIOC_PREPARE_BUF:
	case VIDIOC_G_FMT:
		/* The caller says more. */
		break;
	case VIDIOC_STREAMON:
	case VIDIOC_STREAMOFF:
		trace("fd %d %s type %u: %s", fd, ioctl_name(req),
		      *(unsigned int *)arg, errname(ret));
		break;
	case VIDIOC_REQBUFS: {
		struct v4l2_requestbuffers *rb = arg;

		trace("fd %d REQBUFS type %u memory %u: %s, count %u", fd,
		      rb->type, rb->memory, errname(ret), rb->count);
		break;
	}
	case VIDIOC_DQBUF:
		trace("fd %d DQBUF type %u: %s, index %u", fd,
		      ((struct v4l2_buffer *)arg)->type, errname(ret),
		      ((struct v4l2_buffer *)arg)->index);
		break;
	case MEDIA_IOC_REQUEST_ALLOC:
		trace("fd %d %s: %s, fd %d", fd, ioctl_name(req), errname(ret),
		      ret ? -1 : *(int *)arg);
		break;
	default:
		trace("fd %d %s: %s", fd, ioctl_name(req), errname(ret));
		break;
	}
	check_taint(cur_node);
	return ret;
}

static int reqbufs(int fd, enum v4l2_buf_type type, int memory,
		   unsigned int count)
{
	struct v4l2_requestbuffers rb = {
		.count = count, .type = type, .memory = memory,
	};
	int ret = xioctl(fd, VIDIOC_REQBUFS, &rb);

	return ret ? -ret : (int)rb.count;
}

/* vim2m's allocator module parameter: 1 is dma-contig; 0 when not there. */
static int vim2m_allocator(void)
{
	FILE *f = fopen("/sys/module/vim2m/parameters/allocator", "r");
	int a = 0;

	if (f) {
		if (fscanf(f, "%d", &a) != 1)
			a = 0;
		fclose(f);
	}
	return a;
}

static int find_nodes(struct target *t, int max)
{
	const char *only = getenv("FUZZ_ONLY");
	int i, n = 0;

	for (i = 0; i < 64 && n < max; i++) {
		struct v4l2_capability cap = {};
		struct target *nd = &t[n];
		char path[96], name[64] = "", *c;
		unsigned int caps;
		FILE *f;
		int fd;

		snprintf(path, sizeof(path), "/sys/class/video4linux/video%d/name", i);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(name, sizeof(name), f))
			name[0] = 0;
		fclose(f);
		name[strcspn(name, "\n")] = 0;
		if (strcmp(name, "vim2m") && (strncmp(name, "vivid-", 6) ||
		    (!strstr(name, "vid-cap") && !strstr(name, "vid-out"))))
			continue;
		if (only && !strstr(name, only))
			continue;
		memset(nd, 0, sizeof(*nd));
		snprintf(nd->dev, sizeof(nd->dev), "/dev/video%d", i);
		snprintf(nd->name, sizeof(nd->name), "%s", name);
		snprintf(nd->label, sizeof(nd->label), "fuzz.%s", name);
		for (c = nd->label; *c; c++)
			if (*c == '-')
				*c = '_';
		fd = open(nd->dev, O_RDWR | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (ioctl(fd, VIDIOC_QUERYCAP, &cap)) {
			close(fd);
			continue;
		}
		close(fd);
		snprintf(nd->bus_info, sizeof(nd->bus_info), "%s",
			 (char *)cap.bus_info);
		caps = cap.capabilities & V4L2_CAP_DEVICE_CAPS ?
		       cap.device_caps : cap.capabilities;
		nd->m2m = caps & (V4L2_CAP_VIDEO_M2M | V4L2_CAP_VIDEO_M2M_MPLANE);
		/* vivid with dma-contig has no USERPTR */
		nd->contig = nd->m2m && vim2m_allocator() == 1;
		nd->ntypes = 1;
		if (nd->m2m) {
			bool mp = caps & V4L2_CAP_VIDEO_M2M_MPLANE;

			nd->types[0] = mp ? V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE :
					    V4L2_BUF_TYPE_VIDEO_OUTPUT;
			nd->types[1] = mp ? V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE :
					    V4L2_BUF_TYPE_VIDEO_CAPTURE;
			nd->ntypes = 2;
		} else if (caps & V4L2_CAP_VIDEO_CAPTURE_MPLANE) {
			nd->types[0] = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
		} else if (caps & V4L2_CAP_VIDEO_CAPTURE) {
			nd->types[0] = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		} else if (caps & V4L2_CAP_VIDEO_OUTPUT_MPLANE) {
			nd->types[0] = V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
		} else {
			nd->types[0] = V4L2_BUF_TYPE_VIDEO_OUTPUT;
		}
		n++;
	}
	return n;
}

/* The media device with the same bus_info, for requests; or -1. */
static int open_media(const char *bus_info)
{
	int i;

	for (i = 0; i < 32; i++) {
		struct media_device_info info = {};
		char path[32];
		int fd;

		snprintf(path, sizeof(path), "/dev/media%d", i);
		fd = open(path, O_RDWR);
		if (fd < 0)
			continue;
		if (!ioctl(fd, MEDIA_IOC_DEVICE_INFO, &info) &&
		    !strcmp(info.bus_info, bus_info))
			return fd;
		close(fd);
	}
	return -1;
}

/* ---- memory the pointers point into ---- */

/* How the read-only part of a region is read back (ro_verify()). */
enum { RO_MAP, RO_PRESENT, RO_FD };

struct region_map {
	char *map;		/* what to munmap, or NULL */
	size_t maplen;
	char *base;		/* where pointers go, or NULL: not available */
	size_t len;
	int fd;			/* kept open: the pfnmap's queue */
	bool pfnmap;		/* VM_IO or VM_PFNMAP in smaps: GUP refuses it */
	bool dirty_tracked;	/* shared_file_rw: its fs, dirty_tracked() */
	/*
	 * Read-only memory: [ref_off, ref_off + ref_len) of the region must
	 * keep holding ref. RO_MAP: read through the mapping; RO_PRESENT: a
	 * private file mapping, read only where a page is mapped (reading
	 * would map the others); RO_FD: a shared mapping, read with pread()
	 * from its file (same pages, and no page table entries made).
	 */
	char *ref;
	size_t ref_off, ref_len;
	int how;
	bool exempt;		/* baseline: a capture into it was accepted */
	/* The file behind a private or read-only mapping: must not change. */
	int file_fd;
	size_t file_len;
	unsigned int file_seed;
	bool file_zero;		/* zeros, not pattern(file_seed) */
};

static struct region_map pool[NREGIONS];
static size_t pool_size;
static const char *pfnmap_dev;	/* a node whose MMAP buffers are PFN maps */
static char stack_anchor;
static struct target *cur_target;	/* the node being fuzzed */
static int pagemap_fd = -1;

static int tmp_file(size_t len, unsigned int *seed)
{
	static unsigned int serial;
	int fd;

	serial++;
	*seed = serial;
	fd = pattern_file(serial & 1 ? "/mnt/ramfs" : "/tmp", "fuzz", len,
			  serial);
	return fd >= 0 ? fd : pattern_file("/tmp", "fuzz", len, serial);
}

static char *map(size_t len, int prot, int flags, int fd)
{
	char *p = mmap(NULL, len, prot, flags, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* [vdso] or [vvar] from /proc/self/maps. */
static void special(struct region_map *r, const char *what)
{
	unsigned long a, b;
	char line[256];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (!strstr(line, what) || sscanf(line, "%lx-%lx", &a, &b) != 2)
			continue;
		r->base = (char *)a;
		r->len = b - a;
		break;
	}
	if (f)
		fclose(f);
}

/* Whether the mapping at @a is VM_IO or VM_PFNMAP ("io", "pf" in smaps). */
static bool vma_pfnmap(const void *a)
{
	unsigned long lo, hi, addr = (unsigned long)a;
	char line[512];
	bool in = false, ret = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			in = addr >= lo && addr < hi;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			ret = strstr(line, " pf") || strstr(line, " io");
			break;
		}
	}
	if (f)
		fclose(f);
	return ret;
}

/*
 * Where the stack may grow down into: GUP extends a VM_GROWSDOWN mapping
 * to an address below it (expand_stack()), up to RLIMIT_STACK, so an
 * unmapped page there may still be pinned. Without a limit, anywhere
 * between the mapping below the stack and the stack.
 */
static unsigned long grow_lo, grow_hi;

static void stack_zone(void)
{
	unsigned long a, b, prev = 0;
	struct rlimit rl;
	char line[256];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &a, &b) != 2)
			continue;
		if (strstr(line, "[stack]")) {
			grow_lo = prev;
			grow_hi = b;
			if (!getrlimit(RLIMIT_STACK, &rl) &&
			    rl.rlim_cur != RLIM_INFINITY &&
			    b - prev > rl.rlim_cur)
				grow_lo = b - rl.rlim_cur;
			break;
		}
		prev = b;
	}
	if (f)
		fclose(f);
}

/* Whether the page at @a is certainly not mapped (nor the stack's). */
static bool unmapped_page(unsigned long a)
{
	unsigned char v;

	a &= ~(pagesz() - 1);
	if (a >= grow_lo && a < grow_hi)
		return false;
	return mincore((void *)a, pagesz(), &v) && errno == ENOMEM;
}

/*
 * Whether each of the @n pages from @a is in the page table
 * (/proc/self/pagemap): @e gets their entries, bit 63 is "present".
 */
static bool pages_present(const char *a, unsigned long long *e, size_t n)
{
	return pagemap_fd >= 0 &&
	       pread(pagemap_fd, e, n * sizeof(*e),
		     (unsigned long)a / pagesz() * sizeof(*e)) ==
	       (ssize_t)(n * sizeof(*e));
}

/* A read-only region or its file changed: count it, say so. */
static void ro_report(int i, const char *what, size_t off, const char *when)
{
	struct target *t = cur_target;

	pool[i].exempt = true;	/* once per region */
	if (!t)
		return;
	t->changed[i]++;
	t->ro_changed++;
	if (t->viol_reports++ >= MAX_VIOL_REPORTS)
		return;
	say("# %s: %s %s changed at offset %zu, %s; the last operations:",
	    t->name, what, region_name[i], off, when);
	print_trace();
}

/* The first byte where @a and @b differ, or @len. */
static size_t differ(const char *a, const char *b, size_t len)
{
	size_t i;

	if (!memcmp(a, b, len))
		return len;
	for (i = 0; i < len && a[i] == b[i]; i++)
		;
	return i;
}

/*
 * Whether [@off, @off + @len) of region @i, as far as it is read-only,
 * still holds what was put there; a change is reported.
 */
static void ro_verify(int i, size_t off, size_t len, const char *when)
{
	struct region_map *r = &pool[i];
	size_t lo, hi, pg = pagesz(), a, n, d, first;
	unsigned long long *e;
	char *buf;

	if (!r->ref || r->exempt)
		return;
	lo = off > r->ref_off ? off : r->ref_off;
	hi = off + len < r->ref_off + r->ref_len ? off + len :
	     r->ref_off + r->ref_len;
	if (lo >= hi)
		return;
	switch (r->how) {
	case RO_MAP:
		d = differ(r->base + lo, r->ref + lo - r->ref_off, hi - lo);
		if (d < hi - lo)
			ro_report(i, "read-only", lo + d, when);
		return;
	case RO_PRESENT:
		/* The region starts on a page. */
		first = lo & ~(pg - 1);
		e = malloc(((hi - first + pg - 1) / pg) * sizeof(*e));
		if (!e || !pages_present(r->base + first, e,
					 (hi - first + pg - 1) / pg)) {
			free(e);
			return;
		}
		for (a = lo; a < hi; a = (a & ~(pg - 1)) + pg) {
			n = ((a & ~(pg - 1)) + pg < hi ? (a & ~(pg - 1)) + pg :
			     hi) - a;
			if (!(e[(a - first) / pg] >> 63))
				continue;
			d = differ(r->base + a, r->ref + a - r->ref_off, n);
			if (d < n) {
				ro_report(i, "read-only", a + d, when);
				break;
			}
		}
		free(e);
		return;
	case RO_FD:
		buf = malloc(hi - lo);
		if (!buf)
			return;
		/* The region maps its file from offset 0. */
		if (pread(r->file_fd, buf, hi - lo, lo) == (ssize_t)(hi - lo)) {
			d = differ(buf, r->ref + lo - r->ref_off, hi - lo);
			if (d < hi - lo)
				ro_report(i, "read-only", lo + d, when);
		} else {
			ro_report(i, "the file behind", lo, "it cannot be read back");
		}
		free(buf);
		return;
	}
}

/* The file behind region @i must still hold what it was made with. */
static void file_verify(int i, const char *when)
{
	struct region_map *r = &pool[i];
	char *buf = malloc(r->file_len), *want = malloc(r->file_len);
	struct stat st;
	size_t d;

	if (!buf || !want)
		goto out;
	if (r->file_zero)
		memset(want, 0, r->file_len);
	else
		pattern(want, r->file_len, r->file_seed);
	if (fstat(r->file_fd, &st) || (size_t)st.st_size != r->file_len) {
		ro_report(i, "the size of the file behind", 0, when);
	} else if (pread(r->file_fd, buf, r->file_len, 0) !=
		   (ssize_t)r->file_len) {
		ro_report(i, "the file behind", 0, "it cannot be read back");
	} else {
		d = differ(buf, want, r->file_len);
		if (d < r->file_len)
			ro_report(i, "the file behind", d, when);
	}
out:
	free(buf);
	free(want);
}

/* The read-only part of region @r: @len bytes at @off; filled by the caller. */
static char *ro_ref(struct region_map *r, size_t off, size_t len, int how)
{
	r->ref = malloc(len);
	r->ref_off = off;
	r->ref_len = len;
	r->how = how;
	return r->ref;
}

/* Keep @fd, the file behind region @r, to check it at the end. */
static void keep_file(struct region_map *r, int fd, size_t len,
		      unsigned int seed, bool zero)
{
	r->file_fd = fd;
	r->file_len = len;
	r->file_seed = seed;
	r->file_zero = zero;
}

/* An MMAP buffer of a vb2 queue that maps it with remap_pfn_range(). */
static void pfnmap(struct region_map *r, const char *dev)
{
	static const enum v4l2_buf_type types[] = {
		V4L2_BUF_TYPE_VIDEO_OUTPUT, V4L2_BUF_TYPE_VIDEO_CAPTURE,
	};
	unsigned int t;
	int fd;

	if (!dev)
		return;
	fd = open(dev, O_RDWR | O_NONBLOCK);
	if (fd < 0)
		return;
	for (t = 0; t < 2; t++) {
		struct v4l2_buffer b = {
			.type = types[t], .memory = V4L2_MEMORY_MMAP,
		};

		if (reqbufs(fd, types[t], V4L2_MEMORY_MMAP, 1) < 1 ||
		    xioctl(fd, VIDIOC_QUERYBUF, &b))
			continue;
		r->map = map(b.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
		if (!r->map)
			continue;
		r->maplen = b.length;
		r->base = r->map;
		r->len = b.length;
		r->fd = fd;
		r->pfnmap = vma_pfnmap(r->base);
		return;
	}
	close(fd);
}

/* Unmap region @i, after checking what must not have changed. */
static void region_free(int i)
{
	struct region_map *r = &pool[i];

	if (r->ref)
		ro_verify(i, r->ref_off, r->ref_len, "when it is unmapped");
	free(r->ref);
	if (r->file_fd >= 0) {
		file_verify(i, "when the mapping goes");
		close(r->file_fd);
	}
	if (r->map)
		munmap(r->map, r->maplen);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->file_fd = -1;
}

static void region_new(int i)
{
	struct region_map *r = &pool[i];
	size_t len = pool_size, pg = pagesz();
	unsigned int seed;
	char path[64];
	int fd, ro;

	region_free(i);
	switch (i) {
	case R_ANON_PAGE:
		len = pg;
		/* fall through */
	case R_ANON:
	case R_MLOCK:
		r->map = map(len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1);
		if (r->map)
			memset(r->map, 0x11, len);
		if (r->map && i == R_MLOCK)
			mlock(r->map, len);
		break;
	case R_ANON_RO:
		r->map = map(len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1);
		if (!r->map)
			break;
		memset(r->map, 0x22, len);
		if (mprotect(r->map, len, PROT_READ)) {
			munmap(r->map, len);
			r->map = NULL;
		} else if (ro_ref(r, 0, len, RO_MAP)) {
			memset(r->ref, 0x22, len);
		}
		break;
	case R_PROT_NONE:
		r->map = map(len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
		break;
	case R_ZERO:
		r->map = map(len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1);
		break;
	case R_SHMEM:
		r->map = map(len, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1);
		if (r->map)
			memset(r->map, 0x33, len);
		break;
	case R_HOLE:
		/*
		 * The middle of three regions, unmapped; far below where
		 * mmap() puts the other regions, which would fill the hole.
		 */
		r->map = mmap((void *)0x200000000000UL, len + 2 * pg,
			      PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r->map == MAP_FAILED)
			r->map = NULL;
		if (!r->map)
			break;
		r->maplen = len + 2 * pg;
		munmap(r->map + pg, len);
		r->base = r->map + pg;
		r->len = len;
		return;
	case R_GUARD:
		/* Read-write, then a PROT_NONE page. */
		r->map = map(len + pg, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1);
		if (r->map && mprotect(r->map + len, pg, PROT_NONE)) {
			munmap(r->map, len + pg);
			r->map = NULL;
		}
		len += pg;
		break;
	case R_SPAN:
		/* Read-write, then read-only. */
		r->map = map(2 * len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1);
		if (!r->map)
			break;
		memset(r->map, 0x44, 2 * len);
		if (mprotect(r->map + len, len, PROT_READ)) {
			munmap(r->map, 2 * len);
			r->map = NULL;
		} else if (ro_ref(r, len, len, RO_MAP)) {
			memset(r->ref, 0x44, len);
		}
		len *= 2;
		break;
	case R_PRIV_FILE_RO:
	case R_PRIV_FILE_RW:
	case R_SHARED_FILE_RW:
		fd = tmp_file(len, &seed);
		if (fd < 0)
			break;
		r->map = map(len, i == R_PRIV_FILE_RO ? PROT_READ :
			     PROT_READ | PROT_WRITE,
			     i == R_SHARED_FILE_RW ? MAP_SHARED : MAP_PRIVATE, fd);
		/* /mnt/ramfs or /tmp: upstream refuses a capture in one */
		r->dirty_tracked = i == R_SHARED_FILE_RW && dirty_tracked(fd);
		/* Behind a private mapping, the file never changes. */
		if (r->map && i != R_SHARED_FILE_RW)
			keep_file(r, fd, len, seed, false);
		else
			close(fd);
		if (r->map && i == R_PRIV_FILE_RO &&
		    ro_ref(r, 0, len, RO_PRESENT))
			pattern(r->ref, len, seed);
		break;
	case R_SHARED_FILE_RO:
		fd = tmp_file(len, &seed);
		if (fd < 0)
			break;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ro = open(path, O_RDONLY);
		if (ro < 0) {
			close(fd);
			break;
		}
		r->map = map(len, PROT_READ, MAP_SHARED, ro);
		close(ro);
		if (!r->map) {
			close(fd);
			break;
		}
		keep_file(r, fd, len, seed, false);
		if (ro_ref(r, 0, len, RO_FD))
			pattern(r->ref, len, seed);
		break;
	case R_BEYOND_EOF:
		/* A private mapping twice the size of its file. */
		fd = tmp_file(len, &seed);
		if (fd < 0)
			break;
		r->map = map(2 * len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd);
		if (r->map)
			keep_file(r, fd, len, seed, false);
		else
			close(fd);
		len *= 2;
		break;
	case R_MEMFD_SEALED:
		fd = memfd_create("fuzz", MFD_ALLOW_SEALING);
		if (fd < 0)
			break;
		if (ftruncate(fd, len) ||
		    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK |
			  F_SEAL_GROW | F_SEAL_SEAL)) {
			close(fd);
			break;
		}
		r->map = map(len, PROT_READ, MAP_SHARED, fd);
		if (!r->map) {
			close(fd);
			break;
		}
		keep_file(r, fd, len, 0, true);
		if (ro_ref(r, 0, len, RO_FD))
			memset(r->ref, 0, len);
		break;
	case R_HUGETLB:
		len = HPAGE;
		r->map = map(len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1);
		break;
	case R_HUGETLB_FILE_RO:
		len = HPAGE;
		fd = memfd_create("fuzz", MFD_HUGETLB);
		if (fd < 0)
			break;
		if (!ftruncate(fd, len))
			r->map = map(len, PROT_READ, MAP_PRIVATE, fd);
		if (!r->map) {
			close(fd);
			break;
		}
		keep_file(r, fd, len, 0, true);
		if (ro_ref(r, 0, len, RO_PRESENT))
			memset(r->ref, 0, len);
		break;
	case R_THP:
	case R_THP_ZERO:
		r->map = map(2 * HPAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1);
		if (!r->map)
			break;
		r->maplen = 2 * HPAGE;
		r->base = (char *)(((unsigned long)r->map + HPAGE - 1) &
				   ~(HPAGE - 1));
		r->len = HPAGE;
		madvise(r->base, HPAGE, MADV_HUGEPAGE);
		if (i == R_THP)
			memset(r->base, 0x55, HPAGE / 2);
		else	/* a read fault maps the huge zeropage */
			madvise(r->base, HPAGE, MADV_POPULATE_READ);
		return;
	case R_PFNMAP:
		pfnmap(r, pfnmap_dev);
		return;
	case R_VDSO:
		special(r, "[vdso]");
		/* Its code: nothing may write it (a capture is refused). */
		if (r->base && ro_ref(r, 0, r->len, RO_MAP))
			memcpy(r->ref, r->base, r->len);
		return;
	case R_VVAR:
		/* Not compared: the kernel updates it. */
		special(r, "[vvar]");
		if (r->base)
			r->pfnmap = vma_pfnmap(r->base);
		return;
	case R_TEXT:
		r->base = (char *)((unsigned long)&region_new & ~(pg - 1));
		r->len = pg;
		if (ro_ref(r, 0, pg, RO_MAP))
			memcpy(r->ref, r->base, pg);
		return;
	case R_STACK:
		r->base = (char *)((unsigned long)&stack_anchor & ~(pg - 1));
		r->len = pg;
		return;
	}
	if (!r->map)
		return;
	r->maplen = len;
	r->base = r->map;
	r->len = len;
}

/* Memory that must not be written by a device: the program itself. */
static bool self_region(int i)
{
	return i == R_TEXT || i == R_STACK;
}

static void pool_new(size_t size)
{
	int i;

	pool_size = round_page(size);
	for (i = 0; i < NREGIONS; i++) {
		pool[i].fd = -1;
		pool[i].file_fd = -1;
		region_new(i);
	}
}

static void pool_free(void)
{
	int i;

	for (i = 0; i < NREGIONS; i++)
		region_free(i);
}

/* ---- one call ---- */

struct call {
	bool prepare;
	int region[VIDEO_MAX_PLANES + 1];	/* -1: a special address */
	const char *planes_at;			/* where m.planes points */
	void *arg;				/* what the ioctl gets */
	struct v4l2_buffer b;
	struct v4l2_plane planes[VIDEO_MAX_PLANES + 2];
};

static struct v4l2_plane *planes_ro;	/* a read-only page of planes */

static unsigned long special_address(void)
{
	static const unsigned long a[] = {
		0, 1, 0x1000, 0xfff, 0x10000,
		0xffff888000000000UL, 0xffffffff81000000UL,
		0xffffc90000000000UL, 0xffffea0000000000UL,
		0x8000000000000000UL, 0x800000000000UL, ~0UL, ~0UL - 4095,
		TASK_SIZE_4L, TASK_SIZE_4L - 1, TASK_SIZE_4L - 4096,
		TASK_SIZE_4L - 100,
	};

	if (chance(15))
		return rnd() & ((1UL << 47) - 1);
	if (chance(5))
		return rnd();
	return a[rndn(ARRAY_SIZE(a))];
}

/* A user pointer for a plane of @size bytes; the region, or -1. */
static unsigned long user_pointer(size_t size, bool capture, int *region)
{
	struct region_map *r;
	size_t off;
	int i;

	*region = -1;
	if (chance(12))
		return special_address();
	for (;;) {
		i = rndn(NREGIONS);
		if (capture && self_region(i))
			continue;
		r = &pool[i];
		if (r->base)
			break;
	}
	*region = i;
	switch (rndn(8)) {
	case 0:
	case 1:
	case 2:
	case 3:
		off = 0;
		break;
	case 4:
		/* Unaligned, in the first page. */
		off = rndn(pagesz());
		break;
	case 5:
		/* So that @size runs off the end. */
		off = r->len > size / 2 ? r->len - size / 2 : 0;
		break;
	case 6:
		off = r->len > size ? rndn(r->len - size + 1) : 0;
		break;
	default:
		off = rndn(r->len);
		break;
	}
	return (unsigned long)r->base + off;
}

static __u32 length(size_t size, int region)
{
	size_t rlen = region >= 0 ? pool[region].len : size;

	switch (rndn(14)) {
	case 0: return 0;
	case 1: return 1 + rndn(size);
	case 2: return size + rndn(3 * pagesz());
	case 3: return rlen;
	case 4: return size - 1;
	case 5: return 1U << 30;
	case 6: return 0x7fffffff;
	case 7: return ~0U;
	case 8: return rnd();
	default: return size;
	}
}

static __u32 bytesused(__u32 len)
{
	switch (rndn(8)) {
	case 0: return 0;
	case 1: return len + 1;
	case 2: return rndn(len + 1);
	case 3: return rnd();
	default: return len;
	}
}

static enum v4l2_buf_type call_type(const struct target *t)
{
	if (chance(85))
		return t->types[rndn(t->ntypes)];
	switch (rndn(4)) {
	case 0: return 0;
	case 1: return 1 + rndn(14);
	case 2: return 0x80 + rndn(4);
	default: return rnd();
	}
}

static __u32 call_flags(void)
{
	static const __u32 known[] = {
		V4L2_BUF_FLAG_MAPPED, V4L2_BUF_FLAG_QUEUED, V4L2_BUF_FLAG_DONE,
		V4L2_BUF_FLAG_KEYFRAME, V4L2_BUF_FLAG_PFRAME,
		V4L2_BUF_FLAG_BFRAME, V4L2_BUF_FLAG_ERROR,
		V4L2_BUF_FLAG_IN_REQUEST, V4L2_BUF_FLAG_TIMECODE,
		V4L2_BUF_FLAG_M2M_HOLD_CAPTURE_BUF, V4L2_BUF_FLAG_PREPARED,
		V4L2_BUF_FLAG_NO_CACHE_INVALIDATE, V4L2_BUF_FLAG_NO_CACHE_CLEAN,
		V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC, V4L2_BUF_FLAG_TIMESTAMP_COPY,
		V4L2_BUF_FLAG_TSTAMP_SRC_SOE, V4L2_BUF_FLAG_LAST,
		V4L2_BUF_FLAG_REQUEST_FD,
	};
	__u32 f = 0;
	unsigned int n;

	switch (rndn(10)) {
	case 0:
	case 1:
	case 2:
		for (n = 1 + rndn(3); n; n--)
			f |= known[rndn(ARRAY_SIZE(known))];
		return f;
	case 3:
		return rnd();
	default:
		return 0;
	}
}

/* A buffer that is neither queued nor prepared, mostly. */
static unsigned int free_index(const struct target *t, unsigned int q)
{
	unsigned int n = t->nbufs[q] < 32 ? t->nbufs[q] : 32, i, r;

	if (!n)
		return 0;
	r = rndn(n);
	if (chance(10))
		return r;
	for (i = 0; i < n; i++)
		if (!(t->busy[q] & (1U << ((r + i) % n))))
			return (r + i) % n;
	return r;
}

/* The fields of a call that can be made wild. */
enum field {
	W_TYPE, W_MEMORY, W_INDEX, W_FLAGS, W_REQUEST, W_FIELD, W_LENGTH,
	W_BYTESUSED, W_DATA_OFFSET, W_NPLANES, W_PLANES, W_ARG, NFIELDS
};

/*
 * A call: valid but for the user pointers (40%), but for one more field
 * (30%), or wild in every field (30%).
 */
static void make_call(struct target *t, struct call *c)
{
	struct v4l2_buffer *b = &c->b;
	unsigned int q, np, p, wild;
	bool capture;

	switch (rndn(10)) {
	case 0: case 1: case 2: case 3:
		wild = 0;
		break;
	case 4: case 5: case 6:
		wild = 1U << rndn(NFIELDS);
		break;
	default:
		wild = ~0U;
		break;
	}
#define WILD(f) (wild & (1U << (f)))
	memset(c, 0, sizeof(*c));
	c->prepare = chance(50);
	c->arg = b;
	b->type = WILD(W_TYPE) ? call_type(t) : t->types[rndn(t->ntypes)];
	for (q = 0; q < t->ntypes && t->types[q] != b->type; q++)
		;
	if (q == t->ntypes)
		q = rndn(t->ntypes);
	capture = !V4L2_TYPE_IS_OUTPUT(b->type);

	b->memory = V4L2_MEMORY_USERPTR;
	if (WILD(W_MEMORY)) {
		switch (rndn(6)) {
		case 0:
			b->memory = V4L2_MEMORY_MMAP;
			break;
		case 1:
			b->memory = V4L2_MEMORY_DMABUF;
			break;
		case 2:
			b->memory = rndn(8);
			break;
		case 3:
			b->memory = rnd();
			break;
		}
	}
	b->index = free_index(t, q);
	if (WILD(W_INDEX)) {
		switch (rndn(6)) {
		case 0:
			b->index = t->nbufs[q];
			break;
		case 1:
			b->index = 32 + rndn(4);
			break;
		case 2:
			b->index = ~0U;
			break;
		case 3:
			b->index = rnd();
			break;
		}
	}
	if (WILD(W_FLAGS))
		b->flags = call_flags();
	if (WILD(W_REQUEST)) {
		b->flags |= V4L2_BUF_FLAG_REQUEST_FD;
		switch (rndn(6)) {
		case 0:
			b->request_fd = -1;
			break;
		case 1:
			b->request_fd = t->fd;
			break;
		case 2:
			b->request_fd = rnd();
			break;
		default:
			b->request_fd = t->req[rndn(2)];
			break;
		}
	}
	if (WILD(W_FIELD))
		b->field = chance(50) ? rndn(12) : rnd();
	if (WILD(W_FIELD)) {
		b->timestamp.tv_sec = rnd();
		b->timestamp.tv_usec = rnd();
	}

	if (!V4L2_TYPE_IS_MULTIPLANAR(b->type)) {
		size_t size = t->size[q][0];

		c->region[0] = -1;
		if (b->memory == V4L2_MEMORY_DMABUF && chance(80))
			b->m.fd = chance(50) ? t->fd : (int)rnd();
		else
			b->m.userptr = user_pointer(size, capture, &c->region[0]);
		b->length = WILD(W_LENGTH) ? length(size, c->region[0]) : size;
		b->bytesused = WILD(W_BYTESUSED) ? bytesused(b->length) :
			       b->length;
	} else {
		np = t->nplanes[q] ? t->nplanes[q] : 1;
		b->length = np;
		if (WILD(W_NPLANES)) {
			switch (rndn(8)) {
			case 0:
				b->length = 0;
				break;
			case 1:
				b->length = 1;
				break;
			case 2:
				b->length = 2;
				break;
			case 3:
				b->length = VIDEO_MAX_PLANES;
				break;
			case 4:
				b->length = VIDEO_MAX_PLANES + 1;
				break;
			case 5:
				b->length = rnd();
				break;
			}
		}
		for (p = 0; p < VIDEO_MAX_PLANES; p++) {
			struct v4l2_plane *pl = &c->planes[p];
			size_t size = t->size[q][p < np ? p : 0];

			c->region[p] = -1;
			if (b->memory == V4L2_MEMORY_DMABUF && chance(80))
				pl->m.fd = chance(50) ? t->fd : (int)rnd();
			else
				pl->m.userptr = user_pointer(size, capture,
							     &c->region[p]);
			pl->length = WILD(W_LENGTH) ?
				     length(size, c->region[p]) : size;
			pl->bytesused = WILD(W_BYTESUSED) ?
					bytesused(pl->length) : pl->length;
			if (!WILD(W_DATA_OFFSET))
				continue;
			switch (rndn(4)) {
			case 0:
				pl->data_offset = rndn(pl->bytesused + 1);
				break;
			case 1:
				pl->data_offset = pl->bytesused;
				break;
			case 2:
				pl->data_offset = rnd();
				break;
			}
		}
		c->planes_at = "planes";
		b->m.planes = c->planes;
		switch (WILD(W_PLANES) ? rndn(6) : 5) {
		case 0:
			b->m.planes = NULL;
			c->planes_at = "NULL";
			break;
		case 1:
			b->m.planes = (void *)special_address();
			c->planes_at = "a special address";
			break;
		case 2:
			if (!pool[R_PROT_NONE].base)
				break;
			b->m.planes = (void *)pool[R_PROT_NONE].base;
			c->planes_at = "PROT_NONE";
			break;
		case 3:
			if (!pool[R_GUARD].base)
				break;
			/* The first plane readable, the next one not. */
			b->m.planes = (void *)(pool[R_GUARD].base + pool_size -
					       sizeof(*c->planes));
			memcpy(b->m.planes, c->planes, sizeof(*c->planes));
			c->planes_at = "the last bytes before PROT_NONE";
			break;
		case 4:
			if (!planes_ro)
				break;
			/* Read-only: the kernel cannot copy them back. */
			mprotect(planes_ro, pagesz(), PROT_READ | PROT_WRITE);
			memcpy(planes_ro, c->planes, sizeof(c->planes));
			mprotect(planes_ro, pagesz(), PROT_READ);
			b->m.planes = planes_ro;
			c->planes_at = "read-only memory";
			break;
		}
	}
	/* The v4l2_buffer itself, somewhere else. */
	if (WILD(W_ARG) && chance(wild == ~0U ? 3 : 50)) {
		switch (rndn(3)) {
		case 0:
			c->arg = NULL;
			break;
		case 1:
			c->arg = (void *)special_address();
			break;
		default:
			if (pool[R_PROT_NONE].base)
				c->arg = pool[R_PROT_NONE].base;
			break;
		}
	}
#undef WILD
}

static const char *region_of(int r)
{
	return r < 0 ? "special" : region_name[r];
}

static void report(struct target *t, const struct call *c, int ret)
{
	const struct v4l2_buffer *b = &c->b;
	unsigned int p, np;

	if (t->reports++ >= MAX_REPORTS)
		return;
	say("# %s on %s returned %s (%d): type %u memory %u index %u flags 0x%x field %u request_fd %d arg %p",
	    c->prepare ? "PREPARE_BUF" : "QBUF", t->name, errname(ret), ret,
	    b->type, b->memory, b->index, b->flags, b->field, b->request_fd,
	    c->arg);
	if (!V4L2_TYPE_IS_MULTIPLANAR(b->type)) {
		say("#   userptr 0x%lx (%s) length %u bytesused %u",
		    b->m.userptr, region_of(c->region[0]), b->length,
		    b->bytesused);
		return;
	}
	say("#   %u planes at %s", b->length, c->planes_at);
	np = b->length < VIDEO_MAX_PLANES ? b->length : VIDEO_MAX_PLANES;
	for (p = 0; p < np; p++)
		say("#   plane %u: userptr 0x%lx (%s) length %u bytesused %u data_offset %u",
		    p, c->planes[p].m.userptr, region_of(c->region[p]),
		    c->planes[p].length, c->planes[p].bytesused,
		    c->planes[p].data_offset);
}

static void trace_call(const struct target *t, const struct call *c, int ret)
{
	const struct v4l2_buffer *b = &c->b;
	const struct v4l2_plane *p0 = &c->planes[0];
	bool mp = V4L2_TYPE_IS_MULTIPLANAR(b->type);

	trace("fd %d %s type %u memory %u index %u flags 0x%x req %d %s 0x%lx (%s) length %u bytesused %u%s: %s",
	      t->fd, c->prepare ? "PREPARE_BUF" : "QBUF", b->type, b->memory,
	      b->index, b->flags, b->request_fd,
	      mp ? "plane0" : "userptr",
	      mp ? p0->m.userptr : b->m.userptr,
	      region_of(c->region[0]),
	      mp ? p0->length : b->length,
	      mp ? p0->bytesused : b->bytesused,
	      c->arg != b ? " (arg elsewhere)" : "", errname(ret));
}

/* ---- what the pointers must give ---- */

/*
 * Whether region @i is a MAP_SHARED writable mapping of a file on a file
 * system that tracks dirty pages, which the upstream kernel refuses to pin
 * FOLL_LONGTERM | FOLL_WRITE, for a capture (since 6.5: 8ac268436e6d,
 * a6e79df92e4a); shmem, memfd and hugetlbfs are exempt. The only such
 * region is shared_file_rw on /mnt/ramfs; the other shared file regions
 * are read-only, shmem, or the PFN map.
 */
static bool longterm_write_refused(int i, bool capture)
{
	return expect == EXP_UPSTREAM && capture && i == R_SHARED_FILE_RW &&
	       pool[i].dirty_tracked;
}

/*
 * Why no page of region @i at offset @off can be pinned for a buffer that
 * the device writes (@capture) or reads, on the kernel under test; NULL
 * when it may be. Only what is certain (the reasons are the GUP checks of
 * 6.1, and of 6.12 for upstream: check_vma_flags() and the fault paths):
 *
 * - vvar and the PFN mapping (VM_IO | VM_PFNMAP, seen in smaps): never;
 * - beyond the end of the file of a private mapping: SIGBUS, never;
 * - a read-only shared file (opened O_RDONLY) and a sealed memfd lose
 *   VM_MAYWRITE: a capture never; an output neither on the baseline, whose
 *   FOLL_FORCE | FOLL_WRITE does not apply to shared mappings;
 * - a read-only private hugetlb mapping: a capture never; an output neither
 *   on the baseline (hugetlb does not take FOLL_FORCE | FOLL_WRITE);
 * - patched, mediaonly and upstream (no FOLL_FORCE): PROT_NONE (and the
 *   guard page) never; read-only memory (anon_ro, a private file, the
 *   read-only half of span_rw_ro, the vDSO, the program's text) not for a
 *   capture;
 * - upstream (since 6.5, FOLL_LONGTERM): a shared writable file mapping on a
 *   file system that tracks dirty pages (shared_file_rw on /mnt/ramfs, not
 *   on /tmp) not for a capture (longterm_write_refused()).
 *
 * The baseline pins PROT_NONE and read-only private memory in both
 * directions (FOLL_FORCE breaks COW), so nothing is said there.
 */
static const char *page_refused(int i, size_t off, bool capture)
{
	bool base = expect == EXP_BASELINE;

	if (longterm_write_refused(i, capture))
		return "a shared writable file mapping that needs dirty tracking, for a capture (FOLL_LONGTERM, since 6.5)";
	switch (i) {
	case R_VVAR:
	case R_PFNMAP:
		return pool[i].pfnmap ? "VM_IO | VM_PFNMAP" : NULL;
	case R_BEYOND_EOF:
		return off >= pool_size ? "beyond the end of the file" : NULL;
	case R_SHARED_FILE_RO:
	case R_MEMFD_SEALED:
		if (capture)
			return "read-only shared memory, for a capture";
		return base ? "read-only shared memory, FOLL_WRITE on the baseline" :
		       NULL;
	case R_HUGETLB_FILE_RO:
		if (capture)
			return "read-only hugetlb, for a capture";
		return base ? "read-only hugetlb, FOLL_FORCE | FOLL_WRITE on the baseline" :
		       NULL;
	}
	if (base)
		return NULL;
	switch (i) {
	case R_PROT_NONE:
		return "PROT_NONE, without FOLL_FORCE";
	case R_GUARD:
		return off >= pool_size ? "PROT_NONE, without FOLL_FORCE" : NULL;
	case R_SPAN:
		if (off < pool_size)
			return NULL;
		/* fall through */
	case R_ANON_RO:
	case R_PRIV_FILE_RO:
	case R_VDSO:
	case R_TEXT:
		return capture ? "read-only, for a capture, without FOLL_FORCE" :
		       NULL;
	}
	return NULL;
}

/*
 * Whether the page of region @i at @off can certainly be pinned: memory
 * the process can write, in both directions on every kernel (but on
 * upstream, for a capture, a shared file that needs dirty tracking:
 * longterm_write_refused()); read-only private memory for an output (and
 * on the baseline for a capture, by FOLL_FORCE); read-only shared memory
 * for an output on patched, mediaonly and upstream. Left out, as not
 * certain: hugetlb (its pool may be empty), the vDSO, PROT_NONE on the
 * baseline, holes, and what is not a region.
 */
static bool page_ok(int i, size_t off, bool capture)
{
	bool base = expect == EXP_BASELINE;

	switch (i) {
	case R_ANON_PAGE: case R_ANON: case R_ZERO: case R_SHMEM:
	case R_PRIV_FILE_RW: case R_THP:
	case R_THP_ZERO: case R_MLOCK: case R_STACK:
		return true;
	case R_SHARED_FILE_RW:
		return !longterm_write_refused(i, capture);
	case R_GUARD:
	case R_BEYOND_EOF:
		return off < pool_size;
	case R_SPAN:
		return off < pool_size || !capture || base;
	case R_ANON_RO:
	case R_PRIV_FILE_RO:
		return !capture || base;
	case R_TEXT:
		return !capture;
	case R_SHARED_FILE_RO:
	case R_MEMFD_SEALED:
		return !capture && !base;
	}
	return false;
}

enum pin { PIN_UNKNOWN, PIN_REFUSED, PIN_OK };

/* Whether the range of a plane can be pinned, as far as is certain. */
static enum pin classify(unsigned long ptr, __u32 len, int region,
			 bool capture, const char **why)
{
	unsigned long pg = pagesz(), first, last, end, lo, hi, a, base;
	const char *w;
	int i;

	if (!len)
		return PIN_UNKNOWN;
	end = ptr + len - 1;
	if (end < ptr) {
		*why = "it wraps around the end of the address space";
		return PIN_REFUSED;
	}
	first = ptr & ~(pg - 1);
	last = end & ~(pg - 1);
	if (unmapped_page(first)) {
		*why = "its first page is not mapped";
		return PIN_REFUSED;
	}
	if (unmapped_page(last)) {
		*why = "its last page is not mapped";
		return PIN_REFUSED;
	}
	/* The pages of every region it runs through. */
	for (i = 0; i < NREGIONS; i++) {
		if (!pool[i].base || pool[i].len < pg)
			continue;
		base = (unsigned long)pool[i].base;
		lo = first > base ? first : base;
		hi = last < base + pool[i].len - pg ? last :
		     base + pool[i].len - pg;
		if (lo > hi)
			continue;
		if (i == R_HOLE) {
			if (unmapped_page(lo)) {
				*why = "a hole";
				return PIN_REFUSED;
			}
			continue;
		}
		for (a = lo; a <= hi; a += pg) {
			w = page_refused(i, a - base, capture);
			if (w) {
				*why = w;
				return PIN_REFUSED;
			}
		}
	}
	if (region < 0)
		return PIN_UNKNOWN;
	base = (unsigned long)pool[region].base;
	if (first < base || last + pg > base + pool[region].len)
		return PIN_UNKNOWN;
	for (a = first; a <= last; a += pg)
		if (!page_ok(region, a - base, capture))
			return PIN_UNKNOWN;
	return PIN_OK;
}

static int pointer_kind(unsigned long ptr, __u32 len, int region)
{
	if (region >= 0)
		return region;
	if (ptr < pagesz())
		return S_NULL;
	if (ptr < 0x1000000)
		return S_LOW;
	if (len && ptr + len - 1 < ptr)
		return S_WRAP;
	if (ptr >= 0xffff800000000000UL)
		return S_KERNEL;
	if (ptr >= 1UL << 47)
		return S_NONCANON;
	if (ptr >= TASK_SIZE_4L - 0x10000)
		return S_TOP;
	return S_USER;
}

/* What the kernel must do with the pointers of a call. */
struct judge {
	/* The planes the call gives, for the read-only memory check. */
	unsigned int nall;
	unsigned long ptr[VIDEO_MAX_PLANES];
	__u32 len[VIDEO_MAX_PLANES];
	int region[VIDEO_MAX_PLANES];
	bool capture;
	/* Whether videobuf2 pins the planes, if the call gets that far. */
	bool on;
	unsigned int nplanes;		/* the buffer's */
	__u32 state;			/* QUERYBUF flags before the call */
	bool kept[VIDEO_MAX_PLANES];	/* videobuf2 keeps its pin */
	enum pin pin[VIDEO_MAX_PLANES];
	const char *why[VIDEO_MAX_PLANES];
	int kind;			/* the pointer kind judged */
	int refused;			/* a plane that cannot be pinned, or -1 */
	bool all_ok;			/* every plane pinned certainly can be */
};

/*
 * Before a call: whether videobuf2 will pin its pointers, and what they
 * must give. It pins them (__prepare_userptr()) only for a buffer that is
 * dequeued and not prepared (QBUF of a prepared buffer queues it without
 * a look at the pointers, and a QBUF into a request only binds it), when
 * the call reads its planes from where they are meant to be read; and not
 * a plane whose address and length are the ones it holds (it keeps that
 * pin; QUERYBUF shows them). A call malformed in another field fails
 * before or after the pins: never with 0. So:
 * - a plane that cannot be pinned means the call must not give 0;
 * - planes that all certainly can be pinned mean it must not give EFAULT,
 *   since nothing else on that path gives EFAULT (but dma-contig, for
 *   memory that is not contiguous: not judged on such a node).
 */
/*
 * Upstream GUP gives EOVERFLOW for a range that wraps around the end of
 * the address space (check_add_overflow() in 6.12's gup_fast_fallback()),
 * and videobuf2 passes it on, where 6.1 gives EFAULT: accepted there, and
 * only for such a range. The V4L2 documentation does not list it for QBUF.
 */
static bool wraps_upstream(const struct judge *j, int ret)
{
	unsigned long ps = pagesz(), start, end;
	unsigned int p;

	if (ret != EOVERFLOW || expect != EXP_UPSTREAM)
		return false;
	for (p = 0; p < j->nall && p < VIDEO_MAX_PLANES; p++) {
		start = j->ptr[p] & ~(ps - 1);
		end = (j->ptr[p] - start + j->len[p] + ps - 1) & ~(ps - 1);
		if (__builtin_add_overflow(start, end, &end))
			return true;
	}
	return false;
}

static void judge_before(struct target *t, const struct call *c,
			 struct judge *j)
{
	const struct v4l2_buffer *b = &c->b;
	bool mp = V4L2_TYPE_IS_MULTIPLANAR(b->type), any = false;
	struct v4l2_plane qp[VIDEO_MAX_PLANES] = {};
	struct v4l2_buffer qb = {};
	unsigned long old;
	unsigned int p, q;
	__u32 oldlen;

	memset(j, 0, sizeof(*j));
	j->refused = -1;
	j->capture = !V4L2_TYPE_IS_OUTPUT(b->type);
	if (b->memory != V4L2_MEMORY_USERPTR)
		return;
	for (p = 0; p < (mp ? VIDEO_MAX_PLANES : 1); p++) {
		j->ptr[p] = mp ? c->planes[p].m.userptr : b->m.userptr;
		j->len[p] = mp ? c->planes[p].length : b->length;
		j->region[p] = c->region[p];
	}
	j->nall = !mp ? 1 : b->length < VIDEO_MAX_PLANES ? b->length :
		  VIDEO_MAX_PLANES;
	if (c->arg != b || (b->flags & V4L2_BUF_FLAG_REQUEST_FD) ||
	    (mp && b->m.planes != c->planes))
		return;
	for (q = 0; q < t->ntypes && t->types[q] != b->type; q++)
		;
	if (q == t->ntypes)
		return;
	qb.type = b->type;
	qb.index = b->index;
	qb.memory = V4L2_MEMORY_USERPTR;
	if (mp) {
		qb.m.planes = qp;
		qb.length = VIDEO_MAX_PLANES;
	}
	/* Not traced: it changes nothing. */
	if (ioctl(t->fd, VIDIOC_QUERYBUF, &qb) ||
	    qb.memory != V4L2_MEMORY_USERPTR)
		return;
	if (qb.flags & (V4L2_BUF_FLAG_QUEUED | V4L2_BUF_FLAG_DONE |
			V4L2_BUF_FLAG_ERROR | V4L2_BUF_FLAG_IN_REQUEST |
			V4L2_BUF_FLAG_PREPARED))
		return;
	j->nplanes = mp ? qb.length : 1;
	if (!j->nplanes || j->nplanes > VIDEO_MAX_PLANES)
		return;
	j->on = true;
	j->state = qb.flags;
	j->all_ok = true;
	for (p = 0; p < j->nplanes; p++) {
		old = mp ? qp[p].m.userptr : qb.m.userptr;
		oldlen = mp ? qp[p].length : qb.length;
		if (old && old == j->ptr[p] && oldlen == j->len[p]) {
			j->kept[p] = true;
			continue;
		}
		j->pin[p] = classify(j->ptr[p], j->len[p], j->region[p],
				     j->capture, &j->why[p]);
		if (!any)
			j->kind = pointer_kind(j->ptr[p], j->len[p],
					       j->region[p]);
		any = true;
		if (j->pin[p] == PIN_REFUSED && j->refused < 0) {
			j->refused = p;
			j->kind = pointer_kind(j->ptr[p], j->len[p],
					       j->region[p]);
		}
		if (j->pin[p] != PIN_OK)
			j->all_ok = false;
	}
	if (!any)
		j->on = false;
}

static void violation(struct target *t, const struct call *c,
		      const struct judge *j, int ret, const char *what)
{
	static const char *const pin_name[] = {
		"may or may not be pinned", "cannot be pinned", "can be pinned",
	};
	unsigned int p;

	t->viol[j->kind]++;
	t->violations++;
	if (t->viol_reports++ >= MAX_VIOL_REPORTS)
		return;
	say("# %s: %s of a %s buffer with a %s pointer returned %s on the %s kernel: %s",
	    t->name, c->prepare ? "PREPARE_BUF" : "QBUF",
	    j->capture ? "capture" : "output", pkind_name(j->kind),
	    errname(ret), expect_name(expect), what);
	say("#   buffer %u, type %u, flags before 0x%x, %u planes", c->b.index,
	    c->b.type, j->state, j->nplanes);
	for (p = 0; p < j->nplanes; p++)
		say("#   plane %u: userptr 0x%lx (%s%s) length %u: %s%s%s",
		    p, j->ptr[p], pkind_name(pointer_kind(j->ptr[p], j->len[p],
							  j->region[p])),
		    j->region[p] != R_SHARED_FILE_RW ? "" :
		    pool[R_SHARED_FILE_RW].dirty_tracked ?
		    ", its file system tracks dirty pages" :
		    ", on tmpfs or hugetlbfs",
		    j->len[p], j->kept[p] ? "the pin videobuf2 keeps" :
		    pin_name[j->pin[p]],
		    j->pin[p] == PIN_REFUSED ? ": " : "",
		    j->pin[p] == PIN_REFUSED ? j->why[p] : "");
	say("# the last operations:");
	print_trace();
}

/* After a call: did the result fit the pointers? */
static void judge_after(struct target *t, const struct call *c,
			const struct judge *j, int ret)
{
	if (!j->on)
		return;
	if (j->refused >= 0) {
		t->must_fail[j->kind]++;
		if (!ret)
			violation(t, c, j, ret,
				  "accepted, but a plane cannot be pinned");
	} else if (j->all_ok && !t->contig) {
		t->must_pin[j->kind]++;
		if (ret == EFAULT)
			violation(t, c, j, ret,
				  "EFAULT, but every plane can be pinned");
	}
}

/* Read-only private memory, which the baseline's FOLL_FORCE writes. */
static bool private_ro(int i)
{
	return i == R_ANON_RO || i == R_PRIV_FILE_RO || i == R_SPAN ||
	       i == R_VDSO || i == R_TEXT;
}

/*
 * After a call: the read-only memory its planes pointed into must be as it
 * was, in the pages they pointed to. On the baseline, a capture that may
 * have been accepted (@bound) into read-only private memory lets the device
 * write the process's private copy: from then on, that region is not
 * compared (its file still is).
 */
static void check_touched(const struct judge *j, bool bound)
{
	unsigned long pg = pagesz(), first, end, base, lo, hi;
	unsigned int p;
	int i;

	for (p = 0; p < j->nall; p++) {
		if (!j->len[p])
			continue;
		first = j->ptr[p] & ~(pg - 1);
		end = j->ptr[p] + j->len[p] - 1;
		end = end < j->ptr[p] ? ~0UL : (end | (pg - 1));
		for (i = 0; i < NREGIONS; i++) {
			if (!pool[i].ref)
				continue;
			base = (unsigned long)pool[i].base;
			lo = first > base ? first : base;
			hi = end < base + pool[i].len - 1 ? end :
			     base + pool[i].len - 1;
			if (lo > hi)
				continue;
			if (expect == EXP_BASELINE && j->capture && bound &&
			    private_ro(i))
				pool[i].exempt = true;
			ro_verify(i, lo - base, hi - lo + 1,
				  "right after a call that pointed into it");
		}
	}
}

/* ---- queues ---- */

static void get_sizes(struct target *t, unsigned int q)
{
	struct v4l2_format f = { .type = t->types[q] };
	unsigned int p;

	t->nplanes[q] = 1;
	t->size[q][0] = 4096;
	if (xioctl(t->fd, VIDIOC_G_FMT, &f))
		return;
	if (V4L2_TYPE_IS_MULTIPLANAR(f.type)) {
		t->nplanes[q] = f.fmt.pix_mp.num_planes;
		if (!t->nplanes[q] || t->nplanes[q] > VIDEO_MAX_PLANES)
			t->nplanes[q] = 1;
		for (p = 0; p < t->nplanes[q]; p++)
			t->size[q][p] = f.fmt.pix_mp.plane_fmt[p].sizeimage;
	} else {
		t->size[q][0] = f.fmt.pix.sizeimage;
	}
}

/* A small format: vivid's smallest webcam size, a 64x64 frame on vim2m. */
static void set_format(struct target *t, unsigned int q, bool two_planes)
{
	struct v4l2_format f = { .type = t->types[q] };

	if (xioctl(t->fd, VIDIOC_G_FMT, &f))
		return;
	if (V4L2_TYPE_IS_MULTIPLANAR(f.type)) {
		f.fmt.pix_mp.width = 320;
		f.fmt.pix_mp.height = 180;
		f.fmt.pix_mp.pixelformat = two_planes ? V4L2_PIX_FMT_NV16M :
					   V4L2_PIX_FMT_YUYV;
		memset(f.fmt.pix_mp.plane_fmt, 0, sizeof(f.fmt.pix_mp.plane_fmt));
	} else {
		f.fmt.pix.width = t->m2m ? 64 : 320;
		f.fmt.pix.height = t->m2m ? 64 : 180;
		if (t->m2m)
			f.fmt.pix.pixelformat = V4L2_TYPE_IS_OUTPUT(f.type) ?
				V4L2_PIX_FMT_RGB24 : V4L2_PIX_FMT_BGR24;
		f.fmt.pix.bytesperline = 0;
		f.fmt.pix.sizeimage = 0;
	}
	xioctl(t->fd, VIDIOC_S_FMT, &f);
}

static void new_requests(struct target *t)
{
	unsigned int i;

	for (i = 0; i < 2; i++) {
		if (t->req[i] >= 0) {
			trace("close request fd %d", t->req[i]);
			close(t->req[i]);
		}
		t->req[i] = -1;
		t->req_bufs[i] = 0;
		if (t->media >= 0 &&
		    xioctl(t->media, MEDIA_IOC_REQUEST_ALLOC, &t->req[i]))
			t->req[i] = -1;
	}
}

/*
 * Queue or reinit a request. Known bug, before the series too: vivid and
 * vim2m take a request with more than one buffer of a queue, and then
 * complete its control object once for each buffer: WARN in
 * v4l2_ctrl_request_complete(). Such requests are queued only with
 * FUZZ_KNOWN_BUGS=1.
 */
static void request_op(struct target *t, unsigned int i, bool known_bugs)
{
	int r = t->req[i];

	if (r < 0)
		return;
	if (chance(50)) {
		if (t->req_bufs[i] > 1 && !known_bugs) {
			t->req_skipped++;
			return;
		}
		xioctl(r, MEDIA_REQUEST_IOC_QUEUE, NULL);
	} else if (!xioctl(r, MEDIA_REQUEST_IOC_REINIT, NULL)) {
		t->req_bufs[i] = 0;
	}
}

/* STREAMOFF, REQBUFS 0, maybe a new format, REQBUFS, maybe STREAMON. */
static void reset(struct target *t, bool streamon)
{
	bool two = chance(50);
	unsigned int q;
	int n;

	for (q = 0; q < t->ntypes; q++) {
		xioctl(t->fd, VIDIOC_STREAMOFF, &t->types[q]);
		reqbufs(t->fd, t->types[q], V4L2_MEMORY_USERPTR, 0);
		reqbufs(t->fd, t->types[q], V4L2_MEMORY_MMAP, 0);
		t->busy[q] = 0;
	}
	new_requests(t);
	t->streaming = streamon;
	for (q = 0; q < t->ntypes; q++) {
		if (chance(20))
			set_format(t, q, two);
		get_sizes(t, q);
		n = reqbufs(t->fd, t->types[q], chance(90) ?
			    V4L2_MEMORY_USERPTR : V4L2_MEMORY_MMAP,
			    1 + rndn(8));
		t->nbufs[q] = n > 0 ? n : 0;
	}
	if (streamon)
		for (q = 0; q < t->ntypes; q++)
			xioctl(t->fd, VIDIOC_STREAMON, &t->types[q]);
}

/* Take back what the devices are done with. */
static void drain(struct target *t)
{
	unsigned int q, i;

	for (q = 0; q < t->ntypes; q++) {
		for (i = 0; i < 4; i++) {
			struct v4l2_plane planes[VIDEO_MAX_PLANES] = {};
			struct v4l2_buffer b = {
				.type = t->types[q],
				.memory = V4L2_MEMORY_USERPTR,
			};

			if (V4L2_TYPE_IS_MULTIPLANAR(b.type)) {
				b.m.planes = planes;
				b.length = VIDEO_MAX_PLANES;
			}
			if (xioctl(t->fd, VIDIOC_DQBUF, &b))
				break;
			if (b.index < 32)
				t->busy[q] &= ~(1U << b.index);
		}
	}
}

/*
 * When every buffer is queued or prepared: STREAMOFF takes them back (and
 * keeps their pins), STREAMON again if the queues were streaming.
 */
static void unbusy(struct target *t)
{
	unsigned int q;

	for (q = 0; q < t->ntypes; q++) {
		unsigned int n = t->nbufs[q] < 32 ? t->nbufs[q] : 32;

		if (n && (t->busy[q] & ((1ULL << n) - 1)) != (1ULL << n) - 1)
			return;
	}
	for (q = 0; q < t->ntypes; q++) {
		xioctl(t->fd, VIDIOC_STREAMOFF, &t->types[q]);
		t->busy[q] = 0;
	}
	if (t->streaming)
		for (q = 0; q < t->ntypes; q++)
			xioctl(t->fd, VIDIOC_STREAMON, &t->types[q]);
}

/*
 * A well-formed QBUF and PREPARE_BUF from fresh anonymous memory must work
 * on a queue that offers USERPTR. Returns the number of failures.
 */
static int sanity(struct target *t)
{
	unsigned int q, p, i, fails = 0;
	char *mem[2][VIDEO_MAX_PLANES] = {};

	for (q = 0; q < t->ntypes; q++) {
		xioctl(t->fd, VIDIOC_STREAMOFF, &t->types[q]);
		reqbufs(t->fd, t->types[q], V4L2_MEMORY_USERPTR, 0);
		get_sizes(t, q);
	}
	for (q = 0; q < t->ntypes; q++) {
		int n = reqbufs(t->fd, t->types[q], V4L2_MEMORY_USERPTR, 2);

		if (n < 2) {
			say("# %s: REQBUFS 2 for the well-formed calls: %s",
			    t->name, n < 0 ? errname(-n) : "too few buffers");
			fails++;
			continue;
		}
		for (i = 0; i < 2; i++) {
			struct v4l2_plane planes[VIDEO_MAX_PLANES] = {};
			struct v4l2_buffer b = {
				.type = t->types[q],
				.memory = V4L2_MEMORY_USERPTR, .index = i,
			};
			int ret;

			for (p = 0; p < t->nplanes[q]; p++) {
				size_t len = t->size[q][p];

				mem[i][p] = map(round_page(len), PROT_READ |
						PROT_WRITE, MAP_PRIVATE |
						MAP_ANONYMOUS, -1);
				if (!mem[i][p])
					continue;
				memset(mem[i][p], 0x66, len);
				planes[p].m.userptr = (unsigned long)mem[i][p];
				planes[p].length = len;
				planes[p].bytesused = len;
			}
			if (V4L2_TYPE_IS_MULTIPLANAR(b.type)) {
				b.m.planes = planes;
				b.length = t->nplanes[q];
			} else {
				b.m.userptr = planes[0].m.userptr;
				b.length = planes[0].length;
				b.bytesused = planes[0].bytesused;
			}
			ret = xioctl(t->fd, i ? VIDIOC_PREPARE_BUF :
				     VIDIOC_QBUF, &b);
			if (ret) {
				say("# %s: well-formed %s of type %u: %s",
				    t->name, i ? "PREPARE_BUF" : "QBUF", b.type,
				    errname(ret));
				fails++;
			}
		}
		xioctl(t->fd, VIDIOC_STREAMOFF, &t->types[q]);
		reqbufs(t->fd, t->types[q], V4L2_MEMORY_USERPTR, 0);
		for (i = 0; i < 2; i++)
			for (p = 0; p < VIDEO_MAX_PLANES; p++)
				if (mem[i][p])
					munmap(mem[i][p], round_page(t->size[q][p]));
		memset(mem, 0, sizeof(mem));
	}
	return fails;
}

/* ---- the cases ---- */

static const char *cur_case = "fuzz";
static int cur_num;

static void fatal_signal(int sig)
{
	char buf[200];
	int n;

	n = snprintf(buf, sizeof(buf), "# %s: %s\nnot ok %d %s\n", cur_case,
		     sig == SIGALRM ? "watchdog: not finished in time" :
		     strsignal(sig), cur_num, cur_case);
	n = write(1, buf, n);
	_exit(1);
}

/* "EINVAL 15000, EFAULT 3000, ...": the errnos seen, most first. */
static void errnos(char *line, size_t size, const unsigned long *err)
{
	unsigned long left[MAX_ERRNO], n;
	int e, best;

	memcpy(left, err, sizeof(left));
	line[0] = 0;
	for (;;) {
		for (best = -1, n = 0, e = 0; e < MAX_ERRNO; e++)
			if (left[e] > n) {
				n = left[e];
				best = e;
			}
		if (best < 0)
			break;
		snprintf(line + strlen(line), size - strlen(line), "%s%s %lu",
			 line[0] ? ", " : "", errname(best), n);
		left[best] = 0;
	}
}

/* "kernel 310, prot_none 20, ...": nonzero counts by pointer kind. */
static unsigned long by_kind(char *line, size_t size, const unsigned long *n,
			     int nkinds)
{
	unsigned long sum = 0;
	int k;

	line[0] = 0;
	for (k = 0; k < nkinds; k++) {
		if (!n[k])
			continue;
		sum += n[k];
		snprintf(line + strlen(line), size - strlen(line), "%s%s %lu",
			 line[0] ? ", " : "", pkind_name(k), n[k]);
	}
	if (!line[0])
		snprintf(line, size, "none");
	return sum;
}

/* The pointer verdicts of a node, and what went against them. */
static void print_verdicts(const struct target *t)
{
	char line[900];
	unsigned long n;

	n = by_kind(line, sizeof(line), t->must_fail, NPKINDS);
	say("# %s: %lu calls had a pointer that must not be accepted (%s, on %s): %s",
	    t->name, n, "not 0", expect_name(expect), line);
	n = by_kind(line, sizeof(line), t->must_pin, NPKINDS);
	say("# %s: %lu calls had pointers that must be pinned (not EFAULT%s): %s",
	    t->name, n, t->contig ? "; not judged on dma-contig" : "", line);
	if (t->violations) {
		by_kind(line, sizeof(line), t->viol, NPKINDS);
		say("# %s: %lu pointer verdicts violated: %s", t->name,
		    t->violations, line);
	}
	if (t->ro_changed) {
		by_kind(line, sizeof(line), t->changed, NREGIONS);
		say("# %s: read-only memory or its file changed: %s", t->name,
		    line);
	}
}

static bool fuzz_target(struct target *t, unsigned long calls,
			unsigned long min_calls, long long deadline,
			const char *pfn, bool known_bugs)
{
	struct call c, asked;
	unsigned long next_reset = 0, next_mutation = 0, i;
	struct pins p0, p1;
	struct judge j;
	char line[600];
	unsigned int q;
	int ret, fails;
	bool ok = true, tainted_before, bound;

	t->fd = -1;
	t->media = -1;
	t->req[0] = t->req[1] = -1;
	cur_node = t->name;
	cur_target = t;
	tainted_before = tainted;
	read_pins(&p0);
	t->fd = open(t->dev, O_RDWR | O_NONBLOCK);
	if (t->fd < 0) {
		say("# %s: open: %s", t->dev, strerror(errno));
		say("# outcome: cannot open %s", t->dev);
		return false;
	}
	t->userptr = reqbufs(t->fd, t->types[0], V4L2_MEMORY_USERPTR, 0) == 0;
	t->media = open_media(t->bus_info);
	for (q = 0; q < t->ntypes; q++) {
		set_format(t, q, false);
		get_sizes(t, q);
	}
	say("# %s (%s): %s, %s%s, %zu bytes a buffer, %s", t->name, t->dev,
	    t->m2m ? "memory to memory" : V4L2_TYPE_IS_OUTPUT(t->types[0]) ?
	    "output" : "capture",
	    V4L2_TYPE_IS_MULTIPLANAR(t->types[0]) ? "multi-planar" :
	    "single-planar", t->userptr ? "" : ", no USERPTR", t->size[0][0],
	    t->media >= 0 ? "requests" : "no media device");
	pfnmap_dev = pfn;
	pool_new(2 * (t->size[0][0] > t->size[t->ntypes - 1][0] ?
		      t->size[0][0] : t->size[t->ntypes - 1][0]));

	for (i = 0; i < calls && (i < min_calls || now_ms() < deadline); i++) {
		if (i == next_reset) {
			reset(t, chance(60));
			next_reset = i + 16 + rndn(200);
		}
		if (i == next_mutation) {
			/* Unmap and map again: old pointers go stale. */
			int r = rndn(NREGIONS);

			if (r != R_PFNMAP)
				region_new(r);
			next_mutation = i + 1 + rndn(100);
		}
		if (t->media >= 0 && chance(2))
			request_op(t, rndn(2), known_bugs);
		unbusy(t);
		make_call(t, &c);
		judge_before(t, &c, &j);
		/* What was asked: the kernel writes the buffer back. */
		asked = c;
		ret = xioctl(t->fd, c.prepare ? VIDIOC_PREPARE_BUF :
			     VIDIOC_QBUF, c.arg);
		trace_call(t, &asked, ret);
		check_taint(t->name);
		t->calls++;
		t->err[ret < MAX_ERRNO ? ret : 0]++;
		if (!documented(ret) && !wraps_upstream(&j, ret)) {
			t->unexpected++;
			report(t, &asked, ret);
		}
		/*
		 * A buffer bound to a request; EFAULT too when the planes
		 * were read-only: the kernel binds, then fails to copy back.
		 */
		bound = !ret || (ret == EFAULT &&
				 V4L2_TYPE_IS_MULTIPLANAR(asked.b.type) &&
				 asked.b.m.planes == planes_ro);
		for (q = 0; q < 2 && bound; q++)
			if (asked.b.flags & V4L2_BUF_FLAG_REQUEST_FD &&
			    asked.b.request_fd == t->req[q] && t->req[q] >= 0)
				t->req_bufs[q]++;
		judge_after(t, &asked, &j, ret);
		check_touched(&j, bound);
		if (!ret) {
			t->ok++;
			for (q = 0; q < t->ntypes; q++)
				if (c.b.type == t->types[q] && c.b.index < 32)
					t->busy[q] |= 1U << c.b.index;
			drain(t);
		}
	}
	fails = t->userptr ? sanity(t) : 0;

	for (q = 0; q < t->ntypes; q++)
		xioctl(t->fd, VIDIOC_STREAMOFF, &t->types[q]);
	close(t->fd);
	if (t->media >= 0)
		close(t->media);
	for (q = 0; q < 2; q++)
		if (t->req[q] >= 0)
			close(t->req[q]);
	/* The buffers are gone: the read-only memory is checked whole. */
	pool_free();
	read_pins(&p1);

	errnos(line, sizeof(line), t->err);
	say("# %s: %lu calls, errnos: %s", t->name, t->calls, line);
	print_verdicts(t);
	if (t->req_skipped)
		say("# %s: %lu requests with more than one buffer not queued (a known WARN; FUZZ_KNOWN_BUGS=1 queues them)",
		    t->name, t->req_skipped);
	say("# %s: nr_foll_pin_acquired +%ld, nr_foll_pin_released +%ld",
	    t->name, p1.acquired - p0.acquired, p1.released - p0.released);
	if (t->unexpected)
		ok = false;
	if (tainted && !tainted_before)
		ok = false;
	if (fails || t->violations || t->ro_changed)
		ok = false;
	if (p1.acquired - p0.acquired != p1.released - p0.released) {
		say("# %s: %ld pins leaked", t->name,
		    (p1.acquired - p0.acquired) - (p1.released - p0.released));
		ok = false;
	}
	say("# outcome: %lu calls, %lu ok, %lu undocumented errnos%s%s%s, %lu pointer verdicts violated, %lu read-only regions changed",
	    t->calls, t->ok, t->unexpected,
	    tainted && !tainted_before ? ", kernel tainted" : "",
	    !t->userptr ? ", no USERPTR" :
	    fails ? ", a well-formed call failed" : ", well-formed calls ok",
	    p1.acquired - p0.acquired != p1.released - p0.released ?
	    ", pins leaked" : "", t->violations, t->ro_changed);
	return ok;
}

/*
 * The known bug as a case of its own, where the kernel has its fix
 * (FUZZ_KNOWN_BUGS=1): a request with both buffers of an output queue must
 * be refused when it is queued. A kernel without the fix queues it; the
 * buffers are then streamed, and completing the request WARNs in
 * v4l2_ctrl_request_complete(), which the dmesg gate reports. Single-planar
 * output queues that take requests: vivid's outputs and vim2m.
 */
static bool request_capable(const struct target *t)
{
	struct v4l2_requestbuffers rb = {
		.type = t->types[0], .memory = V4L2_MEMORY_MMAP,
	};
	bool ok;
	int fd;

	if (!V4L2_TYPE_IS_OUTPUT(t->types[0]) ||
	    V4L2_TYPE_IS_MULTIPLANAR(t->types[0]))
		return false;
	fd = open(t->dev, O_RDWR | O_NONBLOCK);
	if (fd < 0)
		return false;
	ok = !ioctl(fd, VIDIOC_REQBUFS, &rb) &&
	     (rb.capabilities & V4L2_BUF_CAP_SUPPORTS_REQUESTS);
	close(fd);
	return ok;
}

static bool request_two_buffers(const struct target *t)
{
	int fd, media, req = -1, ret = 0;
	bool ok = false;
	unsigned int q, i;

	cur_node = t->name;
	fd = open(t->dev, O_RDWR | O_NONBLOCK);
	media = open_media(t->bus_info);
	if (fd < 0 || media < 0) {
		say("# outcome: %s or its media device cannot be opened", t->dev);
		goto out;
	}
	for (q = 0; q < t->ntypes; q++) {
		if (reqbufs(fd, t->types[q], V4L2_MEMORY_MMAP, 2) < 2) {
			say("# outcome: REQBUFS of 2 MMAP buffers failed");
			goto out;
		}
	}
	ret = xioctl(media, MEDIA_IOC_REQUEST_ALLOC, &req);
	if (ret) {
		say("# outcome: MEDIA_IOC_REQUEST_ALLOC failed: %s", errname(ret));
		goto out;
	}
	for (i = 0; i < 2; i++) {
		struct v4l2_buffer b = {
			.index = i, .type = t->types[0],
			.memory = V4L2_MEMORY_MMAP,
		};

		ret = xioctl(fd, VIDIOC_QUERYBUF, &b);
		if (!ret) {
			b.bytesused = b.length;
			b.flags = V4L2_BUF_FLAG_REQUEST_FD;
			b.request_fd = req;
			ret = xioctl(fd, VIDIOC_QBUF, &b);
		}
		if (ret) {
			say("# outcome: QBUF of buffer %u into the request failed: %s",
			    i, errname(ret));
			goto out;
		}
		if (t->m2m) {
			struct v4l2_buffer c = {
				.index = i, .type = t->types[1],
				.memory = V4L2_MEMORY_MMAP,
			};

			ret = xioctl(fd, VIDIOC_QBUF, &c);
			if (ret) {
				say("# outcome: QBUF of capture buffer %u failed: %s",
				    i, errname(ret));
				goto out;
			}
		}
	}
	ret = xioctl(req, MEDIA_REQUEST_IOC_QUEUE, NULL);
	if (ret == EINVAL) {
		say("# outcome: a request with two buffers of the output queue is refused (EINVAL)");
		ok = true;
		goto out;
	}
	if (ret) {
		say("# outcome: MEDIA_REQUEST_IOC_QUEUE failed with %s, not EINVAL",
		    errname(ret));
		goto out;
	}
	say("# outcome: a request with two buffers of the output queue was queued; it must be refused");
	for (q = 0; q < t->ntypes; q++) {
		enum v4l2_buf_type type = t->types[q];

		xioctl(fd, VIDIOC_STREAMON, &type);
	}
	usleep(500000);
	for (q = 0; q < t->ntypes; q++) {
		enum v4l2_buf_type type = t->types[q];

		xioctl(fd, VIDIOC_STREAMOFF, &type);
	}
out:
	if (req >= 0)
		close(req);
	if (media >= 0)
		close(media);
	if (fd >= 0)
		close(fd);
	return ok;
}

int main(void)
{
	unsigned long long seed = env_ul("FUZZ_SEED", 0);
	unsigned long calls = env_ul("FUZZ_CALLS", 10000);
	unsigned int time_s = env_ul("FUZZ_TIME", 50);
	unsigned long min_calls = env_ul("FUZZ_MIN_CALLS", 0);
	bool known_bugs = env_ul("FUZZ_KNOWN_BUGS", 0);
	static struct target t[MAX_NODES];
	unsigned long total = 0, err[MAX_ERRNO] = {}, bad = 0;
	unsigned long violated = 0, changed = 0;
	struct pins p0, p1;
	long long start;
	char line[600];
	int n, i, e, failed = 0, nreq = 0, k;

	/*
	 * Every allocation from the heap, none mmap()ed: glibc puts a large
	 * chunk in the mmap area, next to the regions, and a capture that
	 * runs off the end of a region the baseline pins (PROT_NONE, by
	 * FOLL_FORCE) wrote a frame over such a chunk's header.
	 */
	mallopt(M_MMAP_MAX, 0);
	if (!getenv("FUZZ_SEED"))
		seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 20);
	say("# seed: %llu", seed);
	say("# %lu calls a node, %u s for all the nodes, at least %lu calls a node",
	    calls, time_s, min_calls);
	rng = seed;
	signal(SIGALRM, fatal_signal);
	signal(SIGSEGV, fatal_signal);
	signal(SIGBUS, fatal_signal);
	alarm(time_s + 90);

	n = find_nodes(t, MAX_NODES);
	say("TAP version 13");
	expect = env_expect();
	if (expect < 0)
		return 1;
	for (i = 0; known_bugs && i < n; i++)
		nreq += request_capable(&t[i]);
	say("1..%d", n + 1 + nreq);
	if (!n) {
		say("#  RUN           fuzz.pins ...");
		say("ok 1 fuzz.pins # SKIP no vivid or vim2m node");
		return 0;
	}
	taint_fd = open("/proc/sys/kernel/tainted", O_RDONLY);
	taint0 = read_taint();
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	stack_zone();
	planes_ro = (void *)map(pagesz(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1);

	read_pins(&p0);
	start = now_ms();
	for (i = 0; i < n; i++) {
		const char *pfn = NULL;
		int j;

		cur_num = i + 1;
		cur_case = t[i].label;
		say("#  RUN           %s ...", t[i].label);
		/*
		 * An MMAP buffer of a node other than this one, one that has
		 * no USERPTR: vivid with dma-contig, which maps its buffers
		 * with remap_pfn_range().
		 */
		for (j = 0; j < n; j++) {
			int fd;

			if (j == i || t[j].m2m ||
			    V4L2_TYPE_IS_MULTIPLANAR(t[j].types[0]))
				continue;
			fd = open(t[j].dev, O_RDWR | O_NONBLOCK);
			if (fd < 0)
				continue;
			if (reqbufs(fd, t[j].types[0], V4L2_MEMORY_USERPTR, 0) &&
			    reqbufs(fd, t[j].types[0], V4L2_MEMORY_MMAP, 0) == 0)
				pfn = t[j].dev;
			close(fd);
			if (pfn)
				break;
		}
		if (!fuzz_target(&t[i], calls, min_calls,
				 start + time_s * 1000LL * (i + 1) / n, pfn,
				 known_bugs)) {
			say("not ok %d %s", i + 1, t[i].label);
			failed++;
		} else {
			say("ok %d %s", i + 1, t[i].label);
		}
		total += t[i].calls;
		bad += t[i].unexpected;
		violated += t[i].violations;
		changed += t[i].ro_changed;
		for (e = 0; e < MAX_ERRNO; e++)
			err[e] += t[i].err[e];
	}
	errnos(line, sizeof(line), err);
	say("# fuzz: %lu calls in %llds, errnos: %s", total,
	    (now_ms() - start) / 1000, line);
	line[0] = 0;
	for (i = 0; i < n; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "%s%s %lu", i ? ", " : "", t[i].name, t[i].calls);
	say("# calls per node: %s", line);

	cur_num = n + 1;
	cur_case = "fuzz.pins";
	say("#  RUN           fuzz.pins ...");
	for (i = 0; i < 30; i++) {
		read_pins(&p1);
		if (p1.acquired - p0.acquired == p1.released - p0.released)
			break;
		usleep(100000);
	}
	say("# nr_foll_pin_acquired +%ld, nr_foll_pin_released +%ld",
	    p1.acquired - p0.acquired, p1.released - p0.released);
	if (p0.acquired < 0 ||
	    p1.acquired - p0.acquired != p1.released - p0.released) {
		say("# outcome: %ld pins leaked",
		    (p1.acquired - p0.acquired) - (p1.released - p0.released));
		say("not ok %d fuzz.pins", n + 1);
		failed++;
	} else {
		say("# outcome: pins balanced");
		say("ok %d fuzz.pins", n + 1);
	}
	for (i = 0, k = n + 2; known_bugs && i < n; i++) {
		char label[96];

		if (!request_capable(&t[i]))
			continue;
		snprintf(label, sizeof(label), "fuzz.request_two_buffers.%s",
			 t[i].name);
		cur_num = k;
		cur_case = label;
		say("#  RUN           %s ...", label);
		if (request_two_buffers(&t[i])) {
			say("ok %d %s", k, label);
		} else {
			say("not ok %d %s", k, label);
			failed++;
		}
		k++;
	}
	say("# fuzz: %lu undocumented errnos", bad);
	say("# fuzz: %lu pointer verdicts violated, %lu read-only regions or files changed (%s kernel)",
	    violated, changed, expect_name(expect));
	return failed ? 1 : 0;
}
