// SPDX-License-Identifier: GPL-2.0
/*
 * stress: many videobuf2 USERPTR streams at once, with faults injected.
 *
 * Every USERPTR capable vivid node (capture and output) and several vim2m
 * contexts stream at the same time, each session in its own child process
 * with random memory behind its buffers: private anonymous memory, the
 * shared zeropage, private and shared file mappings, a sealed memfd, shmem,
 * hugetlb, THP, the huge zeropage and a PMD-mapped pagecache THP in a
 * private mapping (on /mnt/thp, a tmpfs with huge=always, when there).
 * Buffers move to new memory every few frames, so that they are pinned
 * again. Some sessions munmap() or mprotect() a queued buffer, fork() a
 * child that writes to it, close the fd with buffers queued, exit with
 * buffers queued, or are killed by the parent; in some, a thread keeps
 * forking while the stream runs. The parent compacts memory and drops
 * caches every few seconds.
 *
 * Every ioctl must succeed, except QBUF of read-only memory (and on
 * upstream of a shared file), which must give what the kernel under test
 * gives (STRESS_EXPECT, see qbuf_expect()): on the baseline, EFAULT for
 * read-only shared memory in both directions and 0 for read-only private
 * memory (FOLL_FORCE); on the patched and the mediaonly kernel, EFAULT for
 * a capture into memory the process cannot write and 0 for an output from
 * any memory it can read; on upstream, as on patched, and since 6.5 EFAULT
 * too for a capture into a shared writable file mapping on a file system
 * that tracks dirty pages (dirty_tracked(): /mnt/ramfs, not /tmp).
 * Read-only output buffers get new content before they are queued again,
 * the way the process may write them (see fill()). vim2m's output (RGB24
 * to BGR24, mirrored) is compared to the input, byte for byte, and a vivid
 * capture must have reached every page of its buffer, where the memory and
 * the faults allow it. On the mediaonly kernel, stale data from a private
 * COW page (the zeropage, a private file page) is the failure it is
 * expected to show: stress.streams fails and says so.
 *
 * Afterwards: every pin taken is released (/proc/vmstat), no process is in
 * D state, and MemFree is back where it was (within STRESS_MEMFREE_KB),
 * counting the free pages held in the per-CPU lists (/proc/zoneinfo), of
 * which a run leaves several MiB more or fewer than it found.
 *
 * Output in the format of the kselftest harness. Environment:
 *   STRESS_SEED      random seed (default: from the time)
 *   STRESS_TIME      seconds to start new sessions (default 40)
 *   STRESS_SESSIONS  sessions per stream slot (default 6)
 *   STRESS_FRAMES    frames per session (default 32)
 *   STRESS_M2M       vim2m contexts at once (default 4)
 *   STRESS_FAULT_PCT chance of a fault per frame, percent (default 4)
 *   STRESS_KILL_PCT  chance that the parent kills a session (default 15)
 *   STRESS_MEMFREE_KB allowed drop of MemFree (default 8192)
 *   STRESS_DIR       where files are made (default: /tmp and /mnt/ramfs)
 *   STRESS_EXPECT    baseline, mediaonly, patched (default) or upstream:
 *                    the kernel under test, for what QBUF of read-only
 *                    memory (and on upstream of shared file memory) gives
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
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
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <linux/videodev2.h>

#define HPAGE		(2UL << 20)
#define M2M_W		64
#define M2M_H		64
#define VIVID_W		320
#define VIVID_H		180
#define MAX_NODES	32
#define MAX_SLOTS	48
#define MAX_SESSIONS	1024
#define MAX_BUFS	8
#define MAX_PLANES	2
#define SENTINEL	0x5a
#define DQ_TIMEOUT_MS	15000
#define THP_DIR		"/mnt/thp"	/* tmpfs, huge=always, in the lab's guest */

#include "guest.h"

static const char *errname(int e)
{
	switch (e) {
	case 0: return "success";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case EBUSY: return "EBUSY";
	case EIO: return "EIO";
	case EAGAIN: return "EAGAIN";
	case ETIMEDOUT: return "ETIMEDOUT";
	default: return strerror(e);
	}
}

/* ---- accounting ---- */

struct pins {
	long acquired, released;
};

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0)
		return;
	if (write(fd, s, strlen(s)) < 0)
		say("# writing %s: %s", path, strerror(errno));
	close(fd);
}

static void read_pins(struct pins *p)
{
	char line[128];
	FILE *f;

	/* Fold the per-CPU counter deltas first. */
	write_file("/proc/sys/vm/stat_refresh", "1");
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

/*
 * MemFree, and the free pages that sit in the per-CPU lists (the "count"
 * of each pageset in /proc/zoneinfo), which MemFree leaves out: a run
 * leaves many more pages there than it found.
 */
static void memfree_kb(long *memfree, long *pcp)
{
	char line[128];
	long v;
	FILE *f;

	sync();
	write_file("/proc/sys/vm/drop_caches", "3");
	usleep(200000);
	*memfree = -1;
	*pcp = 0;
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", memfree) == 1)
			break;
	fclose(f);
	f = fopen("/proc/zoneinfo", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, " count: %ld", &v) == 1)
			*pcp += v * (long)(pagesz() / 1024);
	fclose(f);
}

/* Processes in D state; prints them when @print. */
static int dstate(bool print)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[300], buf[512], wchan[64] = "";
		const char *p;
		ssize_t len;
		int fd;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = 0;
		p = strrchr(buf, ')');
		if (!p || p[1] != ' ' || p[2] != 'D')
			continue;
		n++;
		if (!print)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/wchan", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			len = read(fd, wchan, sizeof(wchan) - 1);
			wchan[len > 0 ? len : 0] = 0;
			close(fd);
		}
		say("# D state: %.*s wchan %s", (int)(p - buf + 1), buf,
		    wchan);
	}
	closedir(d);
	return n;
}

/* ---- devices ---- */

struct node {
	char dev[32];
	char name[64];
	enum v4l2_buf_type type;	/* vivid: its queue; vim2m: output */
	bool m2m;
};

static int xioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do
		ret = ioctl(fd, req, arg);
	while (ret && errno == EINTR);
	return ret ? errno : 0;
}

static int reqbufs(int fd, enum v4l2_buf_type type, unsigned int count,
		   unsigned int *got)
{
	struct v4l2_requestbuffers rb = {
		.count = count, .type = type, .memory = V4L2_MEMORY_USERPTR,
	};
	int ret = xioctl(fd, VIDIOC_REQBUFS, &rb);

	if (!ret && got)
		*got = rb.count;
	return ret;
}

static int find_nodes(struct node *nodes, int max)
{
	int i, n = 0;

	for (i = 0; i < 64 && n < max; i++) {
		struct v4l2_capability cap = {};
		struct node *nd = &nodes[n];
		char path[96], name[64] = "";
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
		snprintf(nd->dev, sizeof(nd->dev), "/dev/video%d", i);
		snprintf(nd->name, sizeof(nd->name), "%s", name);
		fd = open(nd->dev, O_RDWR | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (ioctl(fd, VIDIOC_QUERYCAP, &cap)) {
			close(fd);
			continue;
		}
		caps = cap.capabilities & V4L2_CAP_DEVICE_CAPS ?
		       cap.device_caps : cap.capabilities;
		nd->m2m = caps & (V4L2_CAP_VIDEO_M2M | V4L2_CAP_VIDEO_M2M_MPLANE);
		if (nd->m2m)
			nd->type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
		else if (caps & V4L2_CAP_VIDEO_CAPTURE_MPLANE)
			nd->type = V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE;
		else if (caps & V4L2_CAP_VIDEO_CAPTURE)
			nd->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
		else if (caps & V4L2_CAP_VIDEO_OUTPUT_MPLANE)
			nd->type = V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE;
		else
			nd->type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
		/* REQBUFS(0) says whether the queue takes USERPTR at all. */
		if (reqbufs(fd, nd->type, 0, NULL)) {
			say("# %s (%s): no USERPTR, left out", nd->name, nd->dev);
			close(fd);
			continue;
		}
		close(fd);
		n++;
	}
	return n;
}

/* ---- the memory behind a buffer ---- */

enum kind {
	K_ANON, K_ZERO, K_PRIV_FILE, K_SHARED_FILE_RO, K_SHARED_FILE_RW,
	K_MEMFD_SEALED, K_SHMEM, K_HUGETLB, K_THP, K_ANON_RO, K_THP_ZERO,
	K_THP_FILE, NKINDS
};

static const char *const kind_name[NKINDS] = {
	"anon", "zeropage", "private_file", "shared_file_ro",
	"shared_file_rw", "memfd_sealed", "shmem", "hugetlb", "thp",
	"anon_ro", "thp_zeropage", "thp_file",
};

/* Memory that the process has not written: the (huge) zeropage. */
static bool untouched_kind(int kind)
{
	return kind == K_ZERO || kind == K_THP_ZERO;
}

enum fault {
	F_MUNMAP, F_PROT_NONE, F_PROT_READ, F_FORK_WRITE, F_CLOSE, F_SIGKILL,
	F_EXIT_QUEUED, NFAULTS
};

static const char *const fault_name[NFAULTS] = {
	"munmap", "prot_none", "prot_read", "fork_write", "close", "sigkill",
	"exit_queued",
};

struct sstats {
	unsigned long frames, repins, checked, refused_cap, refused_out;
	unsigned long refused_dirty;	/* upstream: shared file, capture */
	unsigned long rewrites;		/* read-only output rewritten in place */
	unsigned long rewrites_checked;	/* ... and vim2m's output checked */
	unsigned long fresh_memfds;	/* sealed memfds replaced, not rewritten */
	unsigned long seal_busy;	/* F_SEAL_WRITE tried again after EBUSY */
	unsigned long fork_nomem;	/* fork_write refused: hugetlb to copy */
	unsigned long faults[NFAULTS];
	unsigned long hugetlb_fallbacks;
	unsigned long racer_forks;	/* fork()s racing with the stream */
	unsigned long kinds[NKINDS];
	int slot;
	bool started;
};

struct mem {
	char *map;		/* what to munmap */
	size_t maplen;
	char *buf;
	size_t len;
	int kind;
	bool ro;		/* the process cannot write it */
	bool shared;		/* a child after fork() shares the pages */
	bool touched;		/* the process wrote it */
	bool unmapped;
	bool unreadable;
	bool faulted;		/* a fault was injected: replace it */
	bool queued_once;
	bool filled;		/* holds fillc before a capture */
	char fillc;
	bool patterned;		/* holds pattern(pseed) for an output */
	bool rewritten;		/* read-only, given new content in place */
	unsigned int pseed;
	bool has_wfd;		/* wfd: the file, O_RDWR (shared_file_ro) */
	/* MAP_SHARED and writable, of a file on a dirty_tracked() fs */
	bool shared_dirty;
	int wfd;
	unsigned long gen;	/* which mem_new() made it */
	unsigned int seal_busy;	/* F_SEAL_WRITE refused with EBUSY */
};

static const char *file_dir(void)
{
	const char *d = getenv("STRESS_DIR");

	if (d && *d)
		return d;
	return chance(50) ? "/tmp" : "/mnt/ramfs";
}

static int make_file(size_t len, unsigned int seed)
{
	return pattern_file(file_dir(), "stress", len, seed);
}

static int map_fd(struct mem *m, int fd, int prot, int flags)
{
	m->maplen = round_page(m->len);
	m->map = mmap(NULL, m->maplen, prot, flags, fd, 0);
	m->shared_dirty = (flags & MAP_SHARED) && (prot & PROT_WRITE) &&
			  dirty_tracked(fd);
	close(fd);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		return -1;
	}
	m->buf = m->map;
	m->ro = !(prot & PROT_WRITE);
	m->shared = flags & MAP_SHARED;
	return 0;
}

static int mem_anon(struct mem *m, size_t off, int flags)
{
	m->maplen = round_page(m->len + off);
	m->map = mmap(NULL, m->maplen, PROT_READ | PROT_WRITE,
		      flags | MAP_ANONYMOUS, -1, 0);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		return -1;
	}
	m->buf = m->map + off;
	m->shared = flags & MAP_SHARED;
	return 0;
}

/* The session's counters (in a child). */
static struct sstats *my_stats;

/* A 2 MiB aligned range of anonymous memory that asks for THP. */
static int thp_range(struct mem *m)
{
	m->maplen = 2 * HPAGE;
	m->map = mmap(NULL, m->maplen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->map == MAP_FAILED) {
		m->map = NULL;
		return -1;
	}
	m->buf = (char *)(((unsigned long)m->map + HPAGE - 1) & ~(HPAGE - 1));
	madvise(m->buf, HPAGE, MADV_HUGEPAGE);
	return 0;
}

static void mem_free(struct mem *m);

/*
 * Memory of @kind for a buffer of @len bytes; -1 with errno on failure.
 * A sealed memfd holds pattern(@seed): it cannot change afterwards.
 */
static int mem_new(struct mem *m, int kind, size_t len, bool capture,
		   unsigned int seed)
{
	static unsigned long gen;
	char *p, path[64];
	int fd, ret, e;

	memset(m, 0, sizeof(*m));
	m->len = len;
	m->kind = kind;
	m->gen = ++gen;
	switch (kind) {
	case K_ANON:
		if (mem_anon(m, chance(30) ? 16 * rndn(200) : 0, MAP_PRIVATE))
			return -1;
		memset(m->buf, 0x11, len);
		m->touched = true;
		return 0;
	case K_ZERO:
		return mem_anon(m, 0, MAP_PRIVATE);
	case K_ANON_RO:
		if (mem_anon(m, 0, MAP_PRIVATE))
			return -1;
		pattern(m->buf, len, 5);
		m->ro = true;
		m->patterned = true;
		m->pseed = 5;
		return mprotect(m->map, m->maplen, PROT_READ);
	case K_SHMEM:
		if (mem_anon(m, chance(30) ? 16 * rndn(200) : 0, MAP_SHARED))
			return -1;
		memset(m->buf, 0x22, len);
		m->touched = true;
		return 0;
	case K_PRIV_FILE:
		fd = make_file(round_page(len), 7);
		if (fd < 0)
			return -1;
		m->patterned = true;
		m->pseed = 7;
		return map_fd(m, fd, chance(capture ? 15 : 70) ? PROT_READ :
			      PROT_READ | PROT_WRITE, MAP_PRIVATE);
	case K_SHARED_FILE_RO:
		fd = make_file(round_page(len), 9);
		if (fd < 0)
			return -1;
		/*
		 * The file again, read-only: the link is gone already. The
		 * O_RDWR descriptor stays open: fill() writes new content
		 * with it, as another writer of the file would.
		 */
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ret = open(path, O_RDONLY);
		if (ret < 0 || map_fd(m, ret, PROT_READ, MAP_SHARED)) {
			close(fd);
			return -1;
		}
		m->wfd = fd;
		m->has_wfd = true;
		m->patterned = true;
		m->pseed = 9;
		return 0;
	case K_SHARED_FILE_RW:
		fd = make_file(round_page(len), 11);
		if (fd < 0)
			return -1;
		return map_fd(m, fd, PROT_READ | PROT_WRITE, MAP_SHARED);
	case K_MEMFD_SEALED:
		fd = memfd_create("stress", MFD_ALLOW_SEALING);
		if (fd < 0)
			return -1;
		p = malloc(round_page(len));
		if (!p) {
			close(fd);
			return -1;
		}
		pattern(p, round_page(len), seed);
		ret = write(fd, p, round_page(len)) == (ssize_t)round_page(len) ?
		      0 : -1;
		free(p);
		/*
		 * F_SEAL_WRITE waits about 150 ms for the pages' extra
		 * references to go, then fails with EBUSY. Our own racers
		 * hold such references for a while (compaction isolates the
		 * pages), longer on a debug kernel: sealing is the set-up,
		 * not what is tested, so it is tried again for up to 2 s.
		 */
		while (!ret && fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE |
				     F_SEAL_SHRINK | F_SEAL_GROW |
				     F_SEAL_SEAL)) {
			if (errno != EBUSY || ++m->seal_busy > 20)
				ret = -1;
			else
				usleep(100000);
		}
		if (ret) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		m->patterned = true;
		m->pseed = seed;
		return map_fd(m, fd, PROT_READ, MAP_SHARED);
	case K_HUGETLB:
		if (len <= HPAGE) {
			m->maplen = HPAGE;
			m->map = mmap(NULL, HPAGE, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB,
				      -1, 0);
			if (m->map != MAP_FAILED) {
				m->buf = m->map;
				return 0;
			}
		}
		/* The 16 huge pages are shared by every stream. */
		if (my_stats)
			my_stats->hugetlb_fallbacks++;
		return mem_new(m, K_ANON, len, capture, seed);
	case K_THP:
		if (len > HPAGE || thp_range(m))
			return mem_new(m, K_ANON, len, capture, seed);
		memset(m->buf, 0x44, len);
		m->touched = true;
		return 0;
	case K_THP_ZERO:
		/* A read fault maps the huge zeropage. */
		if (len > HPAGE || thp_range(m))
			return mem_new(m, K_ZERO, len, capture, seed);
		madvise(m->buf, HPAGE, MADV_POPULATE_READ);
		return 0;
	case K_THP_FILE:
		/*
		 * A private mapping of a file on a tmpfs with huge=always, at
		 * a 2 MiB boundary: a PMD-mapped pagecache THP.
		 */
		if (len > HPAGE || access(THP_DIR, W_OK) || thp_range(m))
			return mem_new(m, K_PRIV_FILE, len, capture, seed);
		fd = pattern_file(THP_DIR, "stress", HPAGE, 15);
		if (fd < 0) {
			mem_free(m);
			return -1;
		}
		ret = chance(capture ? 15 : 70) ? PROT_READ :
		      PROT_READ | PROT_WRITE;
		p = mmap(m->buf, HPAGE, ret, MAP_PRIVATE | MAP_FIXED, fd, 0);
		close(fd);
		if (p != m->buf) {
			mem_free(m);
			return -1;
		}
		m->ro = !(ret & PROT_WRITE);
		m->patterned = true;
		m->pseed = 15;
		return 0;
	}
	errno = EINVAL;
	return -1;
}

static void mem_free(struct mem *m)
{
	if (m->map && !m->unmapped)
		munmap(m->map, m->maplen);
	if (m->has_wfd)
		close(m->wfd);
	m->has_wfd = false;
	m->map = NULL;
	m->buf = NULL;
}

static int pick_kind(bool capture)
{
	/* Read-only memory is rarer for capture: it is refused. */
	static const unsigned char w_out[NKINDS] = {
		3, 2, 3, 2, 1, 2, 2, 1, 1, 1, 1, 1,
	};
	static const unsigned char w_cap[NKINDS] = {
		4, 2, 3, 1, 2, 1, 2, 1, 1, 1, 1, 1,
	};
	const unsigned char *w = capture ? w_cap : w_out;
	unsigned int total = 0, r, k;

	for (k = 0; k < NKINDS; k++)
		total += w[k];
	r = rndn(total);
	for (k = 0; k < NKINDS; k++) {
		if (r < w[k])
			return k;
		r -= w[k];
	}
	return K_ANON;
}

/* ---- one session: one child streaming on one node ---- */

struct sbuf {
	struct mem m[MAX_PLANES];
	unsigned int age;
};

/* One queue of a session. */
struct squeue {
	enum v4l2_buf_type type;
	bool capture;
	unsigned int nbufs, nplanes;
	unsigned int seed;	/* of the content queue() asks for */
	size_t size[MAX_PLANES];
	struct sbuf b[MAX_BUFS];
};

struct session {
	const struct node *n;
	int id, fd;
	struct sstats *st;
	struct squeue q[2];	/* vivid: q[0]; vim2m: q[0] output, q[1] capture */
	unsigned int repin_every, fault_pct;
	long long hard_end;
	int expect;		/* enum expect */
};

/* Say what went wrong in stream @s; returns -1. */
static int fail(struct session *s, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	say("# stream %d %s: %s", s->id, s->n->name, buf);
	return -1;
}

static int qbuf(struct session *s, struct squeue *q, unsigned int i)
{
	struct v4l2_plane planes[MAX_PLANES] = {};
	struct v4l2_buffer b = {
		.type = q->type, .memory = V4L2_MEMORY_USERPTR, .index = i,
	};
	struct sbuf *sb = &q->b[i];
	unsigned int p;

	if (V4L2_TYPE_IS_MULTIPLANAR(q->type)) {
		for (p = 0; p < q->nplanes; p++) {
			planes[p].m.userptr = (unsigned long)sb->m[p].buf;
			planes[p].length = sb->m[p].len;
			planes[p].bytesused = sb->m[p].len;
		}
		b.m.planes = planes;
		b.length = q->nplanes;
	} else {
		b.m.userptr = (unsigned long)sb->m[0].buf;
		b.length = sb->m[0].len;
		b.bytesused = sb->m[0].len;
	}
	return xioctl(s->fd, VIDIOC_QBUF, &b);
}

/* Dequeue a buffer: its index, or -errno. */
static int dqbuf(struct session *s, struct squeue *q, unsigned int *flags)
{
	struct v4l2_plane planes[VIDEO_MAX_PLANES] = {};
	struct v4l2_buffer b = { .type = q->type, .memory = V4L2_MEMORY_USERPTR };
	struct pollfd pfd = {
		.fd = s->fd,
		.events = V4L2_TYPE_IS_OUTPUT(q->type) ? POLLOUT : POLLIN,
	};
	long long end = now_ms() + DQ_TIMEOUT_MS;

	if (end > s->hard_end)
		end = s->hard_end;
	if (V4L2_TYPE_IS_MULTIPLANAR(q->type)) {
		b.m.planes = planes;
		b.length = VIDEO_MAX_PLANES;
	}
	for (;;) {
		int ret = xioctl(s->fd, VIDIOC_DQBUF, &b);

		if (!ret) {
			*flags = b.flags;
			return b.index;
		}
		if (ret != EAGAIN)
			return -ret;
		if (now_ms() > end)
			return -ETIMEDOUT;
		poll(&pfd, 1, 20);
	}
}

/* The range to mprotect() for writing a read-only private mapping. */
static void ro_area(const struct mem *m, char **addr, size_t *len)
{
	if (m->kind == K_THP_FILE) {
		/* The file's huge page, not the anonymous rest of the range. */
		*addr = m->buf;
		*len = HPAGE;
	} else {
		*addr = m->map;
		*len = m->maplen;
	}
}

/*
 * New content for a read-only output buffer, the way the process may
 * write it: a read-only shared file with pwrite() through the O_RDWR
 * descriptor kept for it (the mapping shows the page cache, so the pinned
 * page is the one written); a read-only private mapping (anon_ro, a
 * private file, the pagecache THP) with mprotect(PROT_READ | PROT_WRITE),
 * a store through the mapping and mprotect(PROT_READ) again, as the
 * media_userptr selftest does. A sealed memfd cannot change at all:
 * queue() gives such a buffer a fresh memfd instead.
 */
static int rewrite_ro(struct session *s, struct mem *m, unsigned int seed)
{
	size_t len;
	char *addr, *tmp;
	ssize_t w;

	if (m->has_wfd) {
		tmp = malloc(m->len);
		if (!tmp)
			return fail(s, "out of memory");
		pattern(tmp, m->len, seed);
		w = pwrite(m->wfd, tmp, m->len, m->buf - m->map);
		free(tmp);
		if (w != (ssize_t)m->len)
			return fail(s, "pwrite to the file behind %s: %s",
				    kind_name[m->kind],
				    w < 0 ? strerror(errno) : "short write");
		return 0;
	}
	if (m->shared)
		return fail(s, "%s: read-only shared memory without a way to write it",
			    kind_name[m->kind]);
	ro_area(m, &addr, &len);
	if (mprotect(addr, len, PROT_READ | PROT_WRITE))
		return fail(s, "mprotect %s writable: %s", kind_name[m->kind],
			    strerror(errno));
	pattern(m->buf, m->len, seed);
	if (mprotect(addr, len, PROT_READ))
		return fail(s, "mprotect %s read-only again: %s",
			    kind_name[m->kind], strerror(errno));
	return 0;
}

/*
 * What the process puts into a buffer before it queues it: the sentinel
 * into a capture buffer it can write, a pattern that differs from frame to
 * frame into an output buffer. Read-only output memory keeps what it was
 * made with for its first QBUF (which pins it), and is rewritten
 * (rewrite_ro()) before each QBUF after that: at the same address and
 * length videobuf2 keeps the pin, so the device reads the new content only
 * if the pinned page is the page the process wrote.
 */
static int fill(struct session *s, struct squeue *q, struct sbuf *sb,
		unsigned int seed)
{
	unsigned int p;

	for (p = 0; p < q->nplanes; p++) {
		struct mem *m = &sb->m[p];

		m->filled = false;
		m->rewritten = false;
		if (m->ro && (q->capture || !m->queued_once))
			continue;
		/* Leave the zeropage to the first use of the buffer. */
		if (untouched_kind(m->kind) && !m->queued_once) {
			m->filled = true;
			m->fillc = 0;
			continue;
		}
		if (q->capture) {
			memset(m->buf, SENTINEL, m->len);
			m->filled = true;
			m->fillc = SENTINEL;
			m->patterned = false;
			m->touched = true;
			continue;
		}
		if (m->ro) {
			/* Sealed memfds are replaced in queue(). */
			if (m->kind == K_MEMFD_SEALED)
				continue;
			if (rewrite_ro(s, m, seed + p))
				return -1;
			m->rewritten = true;
			s->st->rewrites++;
		} else {
			pattern(m->buf, m->len, seed + p);
			m->touched = true;
		}
		m->patterned = true;
		m->pseed = seed + p;
	}
	return 0;
}

static void release_buf(struct sbuf *sb)
{
	unsigned int p;

	for (p = 0; p < MAX_PLANES; p++)
		mem_free(&sb->m[p]);
}

/*
 * New memory for buffer @i, at an address that differs from the one queued
 * before, so that videobuf2 pins it anew (it keeps a buffer whose address
 * and length did not change).
 */
static int new_buf(struct session *s, struct squeue *q, unsigned int i,
		   int kind)
{
	struct sbuf *sb = &q->b[i], nb = {};
	struct mem spare[4] = {};
	unsigned int p, nspare = 0;
	bool repin = false;

	if (kind < 0)
		kind = pick_kind(q->capture);
	for (p = 0; p < q->nplanes; p++) {
		struct mem *m = &nb.m[p];

		for (;;) {
			if (mem_new(m, kind, q->size[p], q->capture,
				    q->seed + p))
				return fail(s, "%s memory of %zu bytes: %s",
				     kind_name[kind], q->size[p],
				     strerror(errno));
			if (!sb->m[p].buf || m->buf != sb->m[p].buf ||
			    nspare == 4)
				break;
			/* A queued address came back after munmap(). */
			spare[nspare++] = *m;
		}
		repin |= sb->m[p].queued_once;
		s->st->kinds[m->kind]++;
		s->st->seal_busy += m->seal_busy;
	}
	while (nspare)
		mem_free(&spare[--nspare]);
	release_buf(sb);
	*sb = nb;
	if (repin)
		s->st->repins++;
	return 0;
}

/*
 * What QBUF of the memory @m must give on the kernel under test, for a
 * buffer that the device writes (@capture) or only reads:
 *
 * - memory the process can write: 0, on every kernel, in both directions;
 * - baseline (FOLL_FORCE | FOLL_WRITE for every buffer): read-only private
 *   memory (anon_ro, a private file, the pagecache THP) is accepted in both
 *   directions, FOLL_FORCE breaking COW (the device then writes the
 *   process's private copy: the baseline's bug, asserted as what it does);
 *   read-only shared memory (shared_file_ro, memfd_sealed) is refused with
 *   EFAULT in both directions (an output too: the other side of that bug);
 * - patched and mediaonly (FOLL_WRITE only for a buffer the device writes,
 *   no FOLL_FORCE): a capture into memory the process cannot write fails
 *   with EFAULT, an output from any memory it can read is accepted;
 * - upstream: as patched, and since 6.5 a capture (FOLL_LONGTERM |
 *   FOLL_WRITE) into a shared writable mapping of a file on a file system
 *   that tracks dirty pages (shared_file_rw on /mnt/ramfs, not on /tmp)
 *   fails with EFAULT too.
 *
 * No allowance is made for injected faults, because none can reach a
 * QBUF: munmap, mprotect(PROT_NONE or PROT_READ) and the forked writer are
 * injected only into queued buffers, and a buffer that had one is replaced
 * (new_buf()) before it is queued again (queue() fails if not); close,
 * exit with buffers queued and SIGKILL end the session. What does run
 * during a QBUF, the racer thread's fork()s and the parent's compaction and
 * drop_caches, must not change its result: GUP retries or unshares.
 */
static int qbuf_expect(const struct session *s, const struct mem *m,
		       bool capture)
{
	if (!m->ro)
		return s->expect == EXP_UPSTREAM && capture &&
		       m->shared_dirty ? EFAULT : 0;
	if (s->expect == EXP_BASELINE)
		return m->shared ? EFAULT : 0;
	return capture ? EFAULT : 0;
}

/*
 * Queue buffer @i, and judge the result by qbuf_expect(); memory that is
 * refused, as it must be, is replaced by anonymous memory.
 */
static int queue(struct session *s, struct squeue *q, unsigned int i,
		 unsigned int seed)
{
	unsigned int p, tries, wp;
	int ret, want, e;

	q->seed = seed;
	for (tries = 0; tries < 4; tries++) {
		struct sbuf *sb = &q->b[i];

		/*
		 * A sealed memfd cannot take new content: a fresh one, at
		 * another address (so pinned anew), with this frame's.
		 */
		if (!q->capture && sb->m[0].kind == K_MEMFD_SEALED &&
		    sb->m[0].queued_once) {
			if (new_buf(s, q, i, K_MEMFD_SEALED))
				return -1;
			s->st->fresh_memfds++;
		}
		for (p = 0; p < q->nplanes; p++)
			if (sb->m[p].faulted || sb->m[p].unmapped ||
			    sb->m[p].unreadable)
				return fail(s, "QBUF buffer %u: plane %u had a fault injected and was not replaced",
				     i, p);
		if (fill(s, q, sb, seed))
			return -1;
		for (want = 0, wp = 0, p = 0; p < q->nplanes; p++) {
			e = qbuf_expect(s, &sb->m[p], q->capture);
			if (e) {
				want = e;
				wp = p;
				break;
			}
		}
		ret = qbuf(s, q, i);
		if (ret != want)
			return fail(s, "QBUF %s buffer %u from %s%s%s%s: %s, where the %s kernel gives %s",
			     q->capture ? "capture" : "output", i,
			     kind_name[sb->m[wp].kind],
			     sb->m[wp].ro ? sb->m[wp].shared ?
			     " (read-only, shared)" : " (read-only, private)" : "",
			     sb->m[wp].shared_dirty ?
			     " (on a file system that tracks dirty pages)" : "",
			     sb->m[wp].rewritten ? ", rewritten" : "",
			     errname(ret), expect_name(s->expect),
			     errname(want));
		if (!ret) {
			for (p = 0; p < q->nplanes; p++)
				sb->m[p].queued_once = true;
			return 0;
		}
		if (!sb->m[wp].ro)
			s->st->refused_dirty++;
		else if (q->capture)
			s->st->refused_cap++;
		else
			s->st->refused_out++;
		if (new_buf(s, q, i, K_ANON))
			return -1;
	}
	return fail(s, "QBUF buffer %u: refused again and again", i);
}

static int set_format(struct session *s, struct squeue *q, __u32 pixfmt,
		      unsigned int w, unsigned int h)
{
	struct v4l2_format f = { .type = q->type };
	unsigned int p;
	int ret;

	if (xioctl(s->fd, VIDIOC_G_FMT, &f))
		return fail(s, "G_FMT: %s", strerror(errno));
	if (V4L2_TYPE_IS_MULTIPLANAR(q->type)) {
		f.fmt.pix_mp.width = w;
		f.fmt.pix_mp.height = h;
		if (pixfmt)
			f.fmt.pix_mp.pixelformat = pixfmt;
		memset(f.fmt.pix_mp.plane_fmt, 0, sizeof(f.fmt.pix_mp.plane_fmt));
	} else {
		f.fmt.pix.width = w;
		f.fmt.pix.height = h;
		if (pixfmt)
			f.fmt.pix.pixelformat = pixfmt;
		f.fmt.pix.bytesperline = 0;
		f.fmt.pix.sizeimage = 0;
	}
	ret = xioctl(s->fd, VIDIOC_S_FMT, &f);
	if (ret)
		return fail(s, "S_FMT %ux%u: %s", w, h, errname(ret));
	if (V4L2_TYPE_IS_MULTIPLANAR(q->type)) {
		q->nplanes = f.fmt.pix_mp.num_planes;
		if (!q->nplanes || q->nplanes > MAX_PLANES)
			return fail(s, "S_FMT: %u planes", q->nplanes);
		for (p = 0; p < q->nplanes; p++)
			q->size[p] = f.fmt.pix_mp.plane_fmt[p].sizeimage;
	} else {
		q->nplanes = 1;
		q->size[0] = f.fmt.pix.sizeimage;
		if (pixfmt && f.fmt.pix.pixelformat != pixfmt)
			return fail(s, "S_FMT: no %.4s", (char *)&pixfmt);
	}
	return 0;
}

static int setup_queue(struct session *s, struct squeue *q, unsigned int count)
{
	unsigned int i, got = 0;
	int ret;

	ret = reqbufs(s->fd, q->type, count, &got);
	if (ret)
		return fail(s, "REQBUFS %u: %s", count, errname(ret));
	if (!got || got > MAX_BUFS)
		return fail(s, "REQBUFS %u gave %u buffers", count, got);
	q->nbufs = got;
	for (i = 0; i < q->nbufs; i++)
		if (new_buf(s, q, i, -1))
			return -1;
	return 0;
}

/* Whether the data check still holds after a fault of @f on @m. */
static bool still_checkable(int f, const struct mem *m)
{
	switch (f) {
	case F_PROT_READ:
		return true;
	case F_FORK_WRITE:
		/* The child's copy of a private page is its own. */
		return !m->shared;
	default:
		return false;
	}
}

/* Whether session @s has private hugetlb memory mapped for a buffer. */
static bool holds_hugetlb(const struct session *s)
{
	unsigned int q, i, p;

	for (q = 0; q < 2; q++)
		for (i = 0; i < s->q[q].nbufs; i++)
			for (p = 0; p < s->q[q].nplanes; p++) {
				const struct mem *m = &s->q[q].b[i].m[p];

				if (m->kind == K_HUGETLB && m->map &&
				    !m->unmapped)
					return true;
			}
	return false;
}

/*
 * Inject a fault into the memory of a queued buffer. Returns the fault,
 * F_CLOSE when the fd was closed (the session ends), or -1 on error.
 */
static int inject(struct session *s, struct sbuf *sb, unsigned int nplanes,
		  bool *checkable)
{
	static const unsigned char w[] = { 2, 2, 2, 3, 1 };
	unsigned int r = rndn(10), f, p;
	int status;
	pid_t pid;

	for (f = 0; r >= w[f]; f++)
		r -= w[f];
	s->st->faults[f]++;
	for (p = 0; p < nplanes; p++) {
		struct mem *m = &sb->m[p];

		if (!m->map || m->unmapped)
			continue;
		m->faulted = true;
		if (!still_checkable(f, m))
			*checkable = false;
		switch (f) {
		case F_MUNMAP:
			munmap(m->map, m->maplen);
			m->unmapped = true;
			break;
		case F_PROT_NONE:
		case F_PROT_READ:
			if (mprotect(m->map, m->maplen,
				     f == F_PROT_NONE ? PROT_NONE : PROT_READ))
				return fail(s, "mprotect %s: %s", kind_name[m->kind],
				     strerror(errno));
			m->unreadable = f == F_PROT_NONE;
			m->ro = true;
			break;
		}
	}
	switch (f) {
	case F_FORK_WRITE:
		pid = fork();
		/*
		 * fork() copies a pinned page of a private mapping at once,
		 * and a hugetlb page from the pool: with the pool empty (the
		 * 16 pages are shared by every stream) it fails with ENOMEM,
		 * as it must.
		 */
		if (pid < 0 && errno == ENOMEM && holds_hugetlb(s)) {
			s->st->fork_nomem++;
			break;
		}
		if (pid < 0)
			return fail(s, "fork: %s", strerror(errno));
		if (pid == 0) {
			for (p = 0; p < nplanes; p++)
				if (!sb->m[p].ro && !sb->m[p].unmapped)
					memset(sb->m[p].buf, 0x33, sb->m[p].len);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			return fail(s, "the forked writer failed: status 0x%x", status);
		break;
	case F_CLOSE:
		close(s->fd);
		s->fd = -1;
		break;
	}
	return f;
}

/* Each page of a vivid capture must have been written. */
static int check_vivid(struct session *s, struct squeue *q, struct sbuf *sb,
		       unsigned int frame)
{
	unsigned int p;

	for (p = 0; p < q->nplanes; p++) {
		const struct mem *m = &sb->m[p];
		char fillc = m->fillc;
		size_t off, i;

		if (!m->filled)
			continue;
		for (off = 0; off < m->len; off += pagesz()) {
			size_t n = m->len - off < pagesz() ? m->len - off : pagesz();

			for (i = 0; i < n && m->buf[off + i] == fillc; i++)
				;
			if (i == n)
				return fail(s, "frame %u: the capture did not reach plane %u at %zu (%s)",
				     frame, p, off, kind_name[m->kind]);
		}
	}
	s->st->checked++;
	return 0;
}

static int end_session(struct session *s)
{
	unsigned int i, t;

	if (s->fd >= 0 && chance(50)) {
		/* Leave the buffers queued: exit() releases them. */
		s->st->faults[F_EXIT_QUEUED]++;
		return 0;
	}
	if (s->fd >= 0) {
		for (t = 0; t < 2; t++) {
			if (!s->q[t].nbufs)
				continue;
			if (xioctl(s->fd, VIDIOC_STREAMOFF, &s->q[t].type))
				return fail(s, "STREAMOFF: %s", strerror(errno));
			if (reqbufs(s->fd, s->q[t].type, 0, NULL))
				return fail(s, "REQBUFS 0: %s", strerror(errno));
		}
		close(s->fd);
		s->fd = -1;
	}
	for (t = 0; t < 2; t++)
		for (i = 0; i < s->q[t].nbufs; i++)
			release_buf(&s->q[t].b[i]);
	return 0;
}

static int run_vivid(struct session *s, unsigned int frames)
{
	struct squeue *q = &s->q[0];
	unsigned int i, frame, flags;
	bool checkable[MAX_BUFS];
	__u32 fmt = 0;
	int idx, f;

	q->type = s->n->type;
	q->capture = !V4L2_TYPE_IS_OUTPUT(q->type);
	/* Two planes in two buffers, sometimes, for the multiplanar API. */
	if (V4L2_TYPE_IS_MULTIPLANAR(q->type) && chance(50))
		fmt = V4L2_PIX_FMT_NV16M;
	if (set_format(s, q, fmt, VIVID_W, VIVID_H))
		return -1;
	if (setup_queue(s, q, 2 + rndn(3)))
		return -1;
	for (i = 0; i < q->nbufs; i++) {
		checkable[i] = true;
		if (queue(s, q, i, i))
			return -1;
	}
	if (xioctl(s->fd, VIDIOC_STREAMON, &q->type))
		return fail(s, "STREAMON: %s", strerror(errno));
	for (frame = 0; frame < frames; frame++) {
		if (now_ms() > s->hard_end - 5000)
			break;
		if (chance(s->fault_pct)) {
			i = rndn(q->nbufs);
			f = inject(s, &q->b[i], q->nplanes, &checkable[i]);
			if (f < 0)
				return -1;
			if (f == F_CLOSE)
				break;
		}
		idx = dqbuf(s, q, &flags);
		if (idx < 0)
			return fail(s, "DQBUF frame %u: %s", frame, errname(-idx));
		if (idx >= (int)q->nbufs)
			return fail(s, "DQBUF frame %u: index %d", frame, idx);
		if (flags & V4L2_BUF_FLAG_ERROR)
			return fail(s, "DQBUF frame %u: buffer %d has the error flag",
			     frame, idx);
		s->st->frames++;
		if (q->capture && checkable[idx] &&
		    check_vivid(s, q, &q->b[idx], frame))
			return -1;
		if (q->b[idx].m[0].faulted || ++q->b[idx].age >= s->repin_every)
			if (new_buf(s, q, idx, -1))
				return -1;
		checkable[idx] = true;
		if (queue(s, q, idx, frame))
			return -1;
	}
	return end_session(s);
}

/* What vim2m makes of an RGB24 frame: BGR24, mirrored left to right. */
static void m2m_reference(const unsigned char *in, unsigned char *out)
{
	int x, y;

	for (y = 0; y < M2M_H; y++)
		for (x = 0; x < M2M_W; x++) {
			const unsigned char *src = in + (y * M2M_W + M2M_W - 1 - x) * 3;
			unsigned char *d = out + (y * M2M_W + x) * 3;

			d[0] = src[2];
			d[1] = src[1];
			d[2] = src[0];
		}
}

/*
 * A private COW page that a R/O pin holds without the mm patches while the
 * process writes a copy of it: the mediaonly kernel's stale data.
 */
static bool cow_shared_kind(const struct mem *m)
{
	return untouched_kind(m->kind) ||
	       (m->ro && !m->shared &&
		(m->kind == K_PRIV_FILE || m->kind == K_THP_FILE));
}

/* vim2m's capture is not the output converted: say how, and fail. */
static int m2m_mismatch(struct session *s, unsigned int frame,
			const struct mem *om, const struct mem *cm,
			const unsigned char *last, const unsigned char *snap,
			unsigned char *want, size_t len)
{
	const char *stale = "";

	/* The output's previous content, converted: a stale pin. */
	if (last && memcmp(last, snap, len)) {
		m2m_reference(last, want);
		if (!memcmp(cm->buf, want, len))
			stale = s->expect == EXP_MEDIAONLY && cow_shared_kind(om) ?
				": stale, the output before it was rewritten (expected on the mediaonly kernel: without the mm patches its R/O pin holds the page that the process's write copied)" :
				": stale, the output before it was rewritten";
	}
	return fail(s, "frame %u: the capture (%s%s) is not the output (%s%s%s) converted%s",
		    frame, kind_name[cm->kind], cm->faulted ? ", faulted" : "",
		    kind_name[om->kind], om->faulted ? ", faulted" : "",
		    om->rewritten ? ", read-only, rewritten" : "", stale);
}

static int run_m2m(struct session *s, unsigned int frames)
{
	struct v4l2_control hflip = { .id = V4L2_CID_HFLIP, .value = 1 };
	struct squeue *out = &s->q[0], *cap = &s->q[1];
	unsigned char *snap, *want, *last;
	unsigned long last_gen[MAX_BUFS] = {};
	unsigned int frame, flags, oi, ci;
	bool ok_out, ok_cap;
	struct mem *om;
	size_t len;
	int idx, f;

	out->type = V4L2_BUF_TYPE_VIDEO_OUTPUT;
	cap->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
	cap->capture = true;
	if (set_format(s, out, V4L2_PIX_FMT_RGB24, M2M_W, M2M_H) ||
	    set_format(s, cap, V4L2_PIX_FMT_BGR24, M2M_W, M2M_H))
		return -1;
	len = out->size[0];
	if (len != M2M_W * M2M_H * 3 || cap->size[0] != len)
		return fail(s, "sizeimage %zu and %zu", len, cap->size[0]);
	if (xioctl(s->fd, VIDIOC_S_CTRL, &hflip))
		return fail(s, "HFLIP: %s", strerror(errno));
	if (setup_queue(s, out, 1 + rndn(3)) || setup_queue(s, cap, 1 + rndn(3)))
		return -1;
	if (xioctl(s->fd, VIDIOC_STREAMON, &out->type) ||
	    xioctl(s->fd, VIDIOC_STREAMON, &cap->type))
		return fail(s, "STREAMON: %s", strerror(errno));
	snap = malloc(len);
	want = malloc(len);
	/* Each output buffer's previous content, to tell stale data. */
	last = malloc(len * MAX_BUFS);
	if (!snap || !want || !last)
		return fail(s, "out of memory");

	for (frame = 0; frame < frames; frame++) {
		if (now_ms() > s->hard_end - 5000)
			break;
		oi = frame % out->nbufs;
		ci = frame % cap->nbufs;
		ok_out = ok_cap = true;
		if (out->b[oi].m[0].faulted || ++out->b[oi].age >= s->repin_every)
			if (new_buf(s, out, oi, -1))
				return -1;
		if (cap->b[ci].m[0].faulted || ++cap->b[ci].age >= s->repin_every)
			if (new_buf(s, cap, ci, -1))
				return -1;
		if (queue(s, out, oi, frame))
			return -1;
		om = &out->b[oi].m[0];
		memcpy(snap, om->buf, len);
		/* The process sees what it wrote, through any path. */
		if (om->patterned) {
			pattern((char *)want, len, om->pseed);
			if (memcmp(snap, want, len))
				return fail(s, "frame %u: the output (%s%s) does not hold what was written into it",
				     frame, kind_name[om->kind],
				     om->rewritten ? ", read-only, rewritten" : "");
		}
		/* No job runs before the capture buffer is queued. */
		if (chance(s->fault_pct)) {
			f = inject(s, &out->b[oi], 1, &ok_out);
			if (f < 0)
				return -1;
			if (f == F_CLOSE)
				break;
		}
		if (queue(s, cap, ci, frame))
			return -1;
		if (chance(s->fault_pct)) {
			f = inject(s, &cap->b[ci], 1, &ok_cap);
			if (f < 0)
				return -1;
			if (f == F_CLOSE)
				break;
		}
		idx = dqbuf(s, cap, &flags);
		if (idx < 0)
			return fail(s, "DQBUF capture frame %u: %s", frame, errname(-idx));
		if (idx != (int)ci)
			return fail(s, "DQBUF capture frame %u: index %d, not %u",
			     frame, idx, ci);
		if (flags & V4L2_BUF_FLAG_ERROR)
			return fail(s, "frame %u: the capture has the error flag (%s to %s)",
			     frame, kind_name[out->b[oi].m[0].kind],
			     kind_name[cap->b[ci].m[0].kind]);
		idx = dqbuf(s, out, &flags);
		if (idx != (int)oi)
			return fail(s, "DQBUF output frame %u: %s %d", frame,
			     idx < 0 ? errname(-idx) : "index", idx);
		s->st->frames++;
		om = &out->b[oi].m[0];
		if (ok_out && ok_cap && !cap->b[ci].m[0].unreadable &&
		    !cap->b[ci].m[0].unmapped) {
			m2m_reference(snap, want);
			if (memcmp(cap->b[ci].m[0].buf, want, len))
				return m2m_mismatch(s, frame, om, &cap->b[ci].m[0],
						    last_gen[oi] == om->gen ?
						    last + oi * len : NULL,
						    snap, want, len);
			s->st->checked++;
			if (om->rewritten)
				s->st->rewrites_checked++;
		}
		last_gen[oi] = 0;
		if (ok_out && !om->faulted) {
			memcpy(last + oi * len, snap, len);
			last_gen[oi] = om->gen;
		}
	}
	free(snap);
	free(want);
	free(last);
	return end_session(s);
}

/*
 * A thread that forks children that exit at once, while the stream pins,
 * unpins and uses its memory: every fork() write-protects the process's
 * anonymous memory and shares it with the child for a moment.
 */
static bool racer_stop;

static void *racer(void *arg)
{
	struct sstats *st = arg;

	while (!__atomic_load_n(&racer_stop, __ATOMIC_RELAXED)) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid > 0) {
			waitpid(pid, NULL, 0);
			st->racer_forks++;
		}
		usleep(2000);
	}
	return NULL;
}

static int run_session(struct session *s, unsigned int frames)
{
	long long end = now_ms() + 3000;
	pthread_t thread;
	bool raced = false;
	unsigned int got;
	int ret;

	s->fd = open(s->n->dev, O_RDWR | O_NONBLOCK);
	if (s->fd < 0)
		return fail(s, "open: %s", strerror(errno));
	/*
	 * The queue may still belong to the file of a session that was
	 * killed while a forked writer had it too.
	 */
	while ((ret = reqbufs(s->fd, s->n->type, 0, &got)) == EBUSY &&
	       now_ms() < end)
		usleep(20000);
	if (ret)
		return fail(s, "REQBUFS 0 at the start: %s", errname(ret));
	if (chance(25))
		raced = !pthread_create(&thread, NULL, racer, s->st);
	ret = s->n->m2m ? run_m2m(s, frames) : run_vivid(s, frames);
	if (raced) {
		__atomic_store_n(&racer_stop, true, __ATOMIC_RELAXED);
		pthread_join(thread, NULL);
	}
	return ret;
}

/* ---- the parent ---- */

struct slot {
	const struct node *n;
	pid_t pid;
	int session;		/* index into the stats */
	unsigned int done;	/* sessions run */
	long long kill_at;	/* 0: never */
};

static const char *cur_case = "stress.streams";
static int cur_num = 1;

static void on_alarm(int sig)
{
	char buf[160];
	int n;

	(void)sig;
	n = snprintf(buf, sizeof(buf),
		     "# watchdog: %s did not finish in time\nnot ok %d %s\n",
		     cur_case, cur_num, cur_case);
	n = write(1, buf, n);
	kill(0, SIGKILL);
	_exit(1);
}

static void run_case(int num, const char *name)
{
	cur_case = name;
	cur_num = num;
	say("#  RUN           %s ...", name);
}

static void end_case(bool ok, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	say("# outcome: %s", buf);
	say("%s %d %s", ok ? "ok" : "not ok", cur_num, cur_case);
}

int main(void)
{
	unsigned long long seed = env_ul("STRESS_SEED", 0);
	unsigned int time_s = env_ul("STRESS_TIME", 40);
	unsigned int sessions = env_ul("STRESS_SESSIONS", 6);
	unsigned int frames = env_ul("STRESS_FRAMES", 32);
	unsigned int m2m = env_ul("STRESS_M2M", 4);
	unsigned int fault_pct = env_ul("STRESS_FAULT_PCT", 4);
	unsigned int kill_pct = env_ul("STRESS_KILL_PCT", 15);
	long memfree_bound = env_ul("STRESS_MEMFREE_KB", 8192);
	int expect;
	struct node nodes[MAX_NODES];
	struct slot slots[MAX_SLOTS];
	struct sstats *stats, tot = {};
	unsigned long killed = 0, failed = 0, nsess = 0;
	unsigned long compactions = 0, drops = 0;
	long long next_mm;
	long long start, soft_end, hard_end;
	long free0, free1, pcp0, pcp1, dacq, drel;
	struct pins p0, p1;
	int nn, ns = 0, i, running, status, d = -1;
	unsigned int k;
	char line[512];
	bool ok;
	pid_t pid;

	if (!getenv("STRESS_SEED"))
		seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 20);
	say("# seed: %llu", seed);
	rng = seed;
	say("TAP version 13");
	expect = env_expect();
	if (expect < 0)
		return 1;
	say("1..4");
	setpgid(0, 0);
	signal(SIGALRM, on_alarm);
	alarm(time_s + 120);

	stats = mmap(NULL, sizeof(*stats) * MAX_SESSIONS, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stats == MAP_FAILED) {
		perror("mmap");
		return 1;
	}

	run_case(1, "stress.streams");
	nn = find_nodes(nodes, MAX_NODES);
	for (i = 0; i < nn; i++) {
		unsigned int c = nodes[i].m2m ? m2m : 1;

		while (c-- && ns < MAX_SLOTS)
			slots[ns++] = (struct slot){ .n = &nodes[i], .session = -1 };
	}
	if (!ns) {
		say("ok 1 stress.streams # SKIP no vivid or vim2m node with USERPTR");
		run_case(2, "stress.pins");
		say("ok 2 stress.pins # SKIP no streams");
		run_case(3, "stress.dstate");
		say("ok 3 stress.dstate # SKIP no streams");
		run_case(4, "stress.memfree");
		say("ok 4 stress.memfree # SKIP no streams");
		return 0;
	}
	line[0] = 0;
	for (i = 0; i < nn; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "%s%s", i ? ", " : "", nodes[i].name);
	say("# nodes: %s; %d stream slots (%u vim2m contexts), %u sessions each, %u frames per session",
	    line, ns, m2m, sessions, frames);

	memfree_kb(&free0, &pcp0);
	read_pins(&p0);
	start = now_ms();
	soft_end = start + time_s * 1000LL;
	hard_end = soft_end + 30000;
	next_mm = start + 2000;

	for (;;) {
		long long t = now_ms();

		running = 0;
		for (i = 0; i < ns; i++) {
			struct slot *sl = &slots[i];

			if (sl->pid > 0) {
				running++;
				if (sl->kill_at && t >= sl->kill_at) {
					kill(sl->pid, SIGKILL);
					sl->kill_at = 0;
					stats[sl->session].faults[F_SIGKILL]++;
					killed++;
				}
				continue;
			}
			if (sl->done >= sessions || t >= soft_end ||
			    nsess >= MAX_SESSIONS)
				continue;
			sl->session = nsess++;
			sl->done++;
			stats[sl->session].slot = i;
			stats[sl->session].started = true;
			sl->kill_at = chance(kill_pct) ? t + 100 + rndn(3000) : 0;
			pid = fork();
			if (pid < 0) {
				say("# fork: %s", strerror(errno));
				failed++;
				sl->done = sessions;
				continue;
			}
			if (pid == 0) {
				struct session s = {
					.n = sl->n, .id = sl->session,
					.st = &stats[sl->session],
					.repin_every = 1 + rndn(6),
					.fault_pct = fault_pct,
					.hard_end = hard_end, .expect = expect,
				};
				int ret;

				signal(SIGALRM, SIG_DFL);
				alarm((hard_end - now_ms()) / 1000 + 5);
				rng = seed ^ (0x51ed27ULL * (sl->session + 1));
				my_stats = s.st;
				ret = run_session(&s, frames);
				_exit(ret ? 1 : 0);
			}
			sl->pid = pid;
			running++;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < ns; i++) {
				struct slot *sl = &slots[i];
				bool killed_by_us;

				if (sl->pid != pid)
					continue;
				killed_by_us = stats[sl->session].faults[F_SIGKILL];
				sl->pid = 0;
				sl->kill_at = 0;
				if (WIFEXITED(status) && !WEXITSTATUS(status))
					break;
				if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
				    killed_by_us)
					break;
				failed++;
				say("# stream %d %s: %s %d", sl->session,
				    sl->n->name, WIFEXITED(status) ?
				    "exit status" : "killed by signal",
				    WIFEXITED(status) ? WEXITSTATUS(status) :
				    WTERMSIG(status));
				break;
			}
		}
		if (!running && (t >= soft_end || nsess >= MAX_SESSIONS))
			break;
		if (!running) {
			for (i = 0; i < ns && slots[i].done >= sessions; i++)
				;
			if (i == ns)
				break;
		}
		/* Memory management under the streams' feet. */
		if (t >= next_mm && running) {
			if ((compactions + drops) & 1) {
				write_file("/proc/sys/vm/drop_caches", "3");
				drops++;
			} else {
				write_file("/proc/sys/vm/compact_memory", "1");
				compactions++;
			}
			next_mm = now_ms() + 2000 + rndn(1000);
		}
		if (t > hard_end) {
			for (i = 0; i < ns; i++) {
				if (slots[i].pid <= 0)
					continue;
				say("# stream %d %s: still running after %llds: killed",
				    slots[i].session, slots[i].n->name,
				    (t - start) / 1000);
				kill(slots[i].pid, SIGKILL);
				failed++;
			}
			for (i = 0; i < 500; i++) {
				while (waitpid(-1, NULL, WNOHANG) > 0)
					;
				if (waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD)
					break;
				usleep(20000);
			}
			break;
		}
		usleep(10000);
	}

	for (i = 0; i < (int)nsess; i++) {
		struct sstats *st = &stats[i];

		tot.frames += st->frames;
		tot.repins += st->repins;
		tot.checked += st->checked;
		tot.refused_cap += st->refused_cap;
		tot.refused_out += st->refused_out;
		tot.refused_dirty += st->refused_dirty;
		tot.rewrites += st->rewrites;
		tot.rewrites_checked += st->rewrites_checked;
		tot.fresh_memfds += st->fresh_memfds;
		tot.seal_busy += st->seal_busy;
		tot.fork_nomem += st->fork_nomem;
		tot.hugetlb_fallbacks += st->hugetlb_fallbacks;
		tot.racer_forks += st->racer_forks;
		for (k = 0; k < NFAULTS; k++)
			tot.faults[k] += st->faults[k];
		for (k = 0; k < NKINDS; k++)
			tot.kinds[k] += st->kinds[k];
	}
	line[0] = 0;
	for (k = 0, i = 0; k < NFAULTS; k++) {
		i += tot.faults[k];
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "%s%s %lu", k ? ", " : "", fault_name[k], tot.faults[k]);
	}
	say("# streams: %lu (%lu killed), in %llds", nsess, killed,
	    (now_ms() - start) / 1000);
	say("# frames: %lu, data checked: %lu, re-pins: %lu", tot.frames,
	    tot.checked, tot.repins);
	say("# faults: %d: %s", i, line);
	line[0] = 0;
	for (k = 0; k < NKINDS; k++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "%s%s %lu", k ? ", " : "", kind_name[k], tot.kinds[k]);
	say("# memory: %s (hugetlb fell back to anon %lu times)", line,
	    tot.hugetlb_fallbacks);
	say("# refused with EFAULT (read-only memory): capture %lu, output %lu",
	    tot.refused_cap, tot.refused_out);
	if (expect == EXP_UPSTREAM)
		say("# refused with EFAULT (capture, shared file mapping on a file system that tracks dirty pages): %lu",
		    tot.refused_dirty);
	say("# read-only output rewritten in place: %lu (%lu of them checked on vim2m), sealed memfds replaced by new ones: %lu",
	    tot.rewrites, tot.rewrites_checked, tot.fresh_memfds);
	say("# F_SEAL_WRITE refused with EBUSY and tried again: %lu times",
	    tot.seal_busy);
	say("# fork_write faults refused with ENOMEM, a private hugetlb page to copy with none free: %lu",
	    tot.fork_nomem);
	say("# fork()s racing with streams: %lu; compactions %lu, drop_caches %lu",
	    tot.racer_forks, compactions, drops);
	end_case(!failed && tot.frames, "%lu streams, %lu frames, %lu re-pins, %d faults%s",
		 nsess, tot.frames, tot.repins, i,
		 failed ? ", streams failed" : !tot.frames ? ", no frames" : "");

	/* Pins: the last references may go with processes still exiting. */
	run_case(2, "stress.pins");
	for (i = 0; i < 50; i++) {
		read_pins(&p1);
		if (p1.acquired - p0.acquired == p1.released - p0.released)
			break;
		usleep(100000);
	}
	dacq = p1.acquired - p0.acquired;
	drel = p1.released - p0.released;
	say("# nr_foll_pin_acquired +%ld, nr_foll_pin_released +%ld", dacq, drel);
	ok = p0.acquired >= 0 && dacq == drel && dacq > 0;
	if (dacq == drel)
		end_case(ok, "%s", dacq > 0 ? "pins balanced" : "nothing was pinned");
	else
		end_case(false, "%ld pins leaked", dacq - drel);

	run_case(3, "stress.dstate");
	for (i = 0; i < 50; i++) {
		d = dstate(false);
		if (!d)
			break;
		usleep(100000);
	}
	if (d)
		dstate(true);
	end_case(!d, d ? "%d processes in D state" : "no process in D state", d);

	run_case(4, "stress.memfree");
	memfree_kb(&free1, &pcp1);
	say("# MemFree: %ld kB at the start, %ld kB at the end (%+ld kB)",
	    free0, free1, free1 - free0);
	say("# free pages in per-CPU lists: %ld kB at the start, %ld kB at the end (%+ld kB)",
	    pcp0, pcp1, pcp1 - pcp0);
	say("# MemFree with them: %+ld kB (allowed: -%ld kB)",
	    free1 + pcp1 - free0 - pcp0, memfree_bound);
	ok = free0 > 0 && free1 > 0 &&
	     free0 + pcp0 - free1 - pcp1 <= memfree_bound;
	end_case(ok, ok ? "MemFree back within %ld kB" :
		 "MemFree %ld kB lower than at the start", ok ? memfree_bound :
		 free0 + pcp0 - free1 - pcp1);

	return !failed && tot.frames && dacq == drel && !d && ok ? 0 : 1;
}
