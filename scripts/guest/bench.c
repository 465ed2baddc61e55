// SPDX-License-Identifier: GPL-2.0
/*
 * bench: what videobuf2 USERPTR buffers cost, measured in the lab's guest
 * for "make bench", on the baseline and on the patched kernel alike.
 *
 * Output: CSV on stdout, the header first,
 *   case,label,size_bytes,unit,median,min,max,reps,anon_kb
 * and comment lines starting with '#'. A row is one configuration (in
 * case 3, one of its two measures); its median, min and max are over
 * BENCH_REPS (default 7; 3 with BENCH_QUICK) repetitions that follow one
 * warm-up repetition. A repetition's value is the mean over its frames
 * (in case 3, without the slow ones: see there). anon_kb is the anonymous
 * memory the path creates (the change of "Anonymous:" in
 * /proc/self/smaps_rollup): for one frame of the warm-up in cases 1 and 5
 * (for ":copy_pool", one buffer of the pool), over the warm-up repetition
 * in case 4, and -1 in cases 2 and 3, where the application's buffers
 * exist beforehand.
 *
 * What is timed: the application's work on a frame, that is its copies,
 * mmap/munmap of its own staging buffers and the QBUF/DQBUF ioctls (where
 * videobuf2 pins and unpins USERPTR memory), but not the time it waits for
 * the device. vivid paces its output at the display's frame rate and vim2m
 * waits transtime per job (1 ms here, on a jiffy timer: HZ=250 in the lab,
 * 4 ms a jiffy): waiting is the same whatever the memory, and would hide
 * what differs. The producer's side is not timed either: making and
 * mapping the shared frame a compositor receives. Case 3 (stream_cpu) was
 * frames per second of wall clock, device included ("stream_fps"), and so
 * measured where vim2m's timer landed (83.3 fps, one frame per 3 jiffies,
 * on every patched run, MMAP included), not what USERPTR costs; it now
 * takes the process's CPU time per frame and the time inside its QBUF and
 * DQBUF ioctls, and says there how it keeps the device's pacing out. No
 * case is wall clock time of a whole stream any more.
 *
 * Case 1 (zc_output) uses vivid-000-vid-out (vmalloc memop, single-planar)
 * on its HDMI output (60 Hz, against 25 Hz for S-Video), in YUYV 2048 wide
 * (4096 bytes a line) and size/4096 lines high, so that sizeimage is the
 * size measured: vivid scales, and takes up to 16384x8640. vim2m stops at
 * 640x480. Every frame is a new shared buffer, mapped anew, as a
 * compositor receives them: a new pointer, so videobuf2 drops the pin of
 * the index's previous buffer and pins the new one. Where QBUF of the
 * shared memory itself fails (the baseline: EFAULT, FOLL_WRITE on read-only
 * memory), the application copies the frame into anonymous memory and
 * queues that. ":copy" copies into a new anonymous buffer per frame (its
 * mmap, page faults and munmap are timed, and it is pinned anew), as an
 * application that keeps no buffers of its own would. ":copy_pool", run
 * on both kernels, copies into one anonymous buffer per index, reused (so
 * pinned once): the cheapest fallback there is.
 *
 * Cases 2 to 5 use vim2m (vmalloc) at 640x480, RGB24 in, BGR24 out.
 *
 * Environment: BENCH_REPS (default 7), BENCH_QUICK=1 (fewer sizes, frames
 * and repetitions: a smoke test), BENCH_DIR (files, default /tmp),
 * BENCH_CLOCK=mono (time with CLOCK_MONOTONIC, see pick_clock()),
 * BENCH_REP_MOVSB=1 (leave glibc's memcpy as it is, see no_rep_movsb()),
 * BENCH_ASLR=1 (leave the address space randomized, see fixed_layout()),
 * BENCH_CASES (the cases to run, by name, comma-separated; default all).
 * Run as root (it writes /proc/sys/vm/drop_caches); vivid and vim2m loaded
 * as in scripts/guest/init.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <linux/videodev2.h>

#define KiB			1024UL
#define MiB			(1024UL * 1024)
#define MAX_REPS		64
#define MAX_BUFS		4
#define VIVID_BUFS		4	/* vivid output buffers in flight */
#define M2M_BUFS		2	/* vim2m buffers per queue in flight */
#define STREAM_BUFS		3	/* the same, for stream_cpu */
#define STREAM_FRAMES		200	/* frames per repetition of stream_cpu */
#define STREAM_SLOW		4	/* a frame over this many medians: slow */
#define M2M_W			640
#define M2M_H			480
#define DQ_TIMEOUT_MS		10000
#define V4L2_CID_TRANS_TIME_MSEC (V4L2_CID_USER_BASE + 0x1000)

#define OUT	V4L2_BUF_TYPE_VIDEO_OUTPUT
#define CAP	V4L2_BUF_TYPE_VIDEO_CAPTURE
#define USERPTR	V4L2_MEMORY_USERPTR
#define MMAP	V4L2_MEMORY_MMAP

static int reps = 7;
static bool quick;
static const char *bench_dir = "/tmp";
static long page_size;

/* ---- time, statistics, output ---- */

static double mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The guest kernel's clocksource: "tsc" normally, "refined-jiffies" not. */
#define CLOCKSOURCE \
	"/sys/devices/system/clocksource/clocksource0/current_clocksource"

static void clocksource(char *buf, size_t len)
{
	FILE *f = fopen(CLOCKSOURCE, "r");

	snprintf(buf, len, "unknown");
	if (f && fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static double tsc_mhz;		/* > 0: time with the TSC */

static double now_us(void)
{
	return tsc_mhz > 0 ? __rdtsc() / tsc_mhz : mono_us();
}

/* The first CLOCK_MONOTONIC reading after the clock moves past @t. */
static double mono_edge(double t)
{
	double u;

	while ((u = mono_us()) <= t)
		;
	return u;
}

/*
 * Intervals are read from the TSC, at the rate it shows against
 * CLOCK_MONOTONIC over half a second at the start. Under QEMU TCG on a
 * loaded host, the guest kernel can fail to calibrate the TSC at boot, or
 * its watchdog can mark it unstable in the middle of a run (both seen
 * here), and CLOCK_MONOTONIC then moves in jiffies (4 ms steps). The TSC
 * itself keeps running (TCG derives it from the host's). BENCH_CLOCK=mono
 * uses CLOCK_MONOTONIC throughout instead.
 */
static void pick_clock(void)
{
	const char *force = getenv("BENCH_CLOCK");
	double t0, t1;
	uint64_t c0;
	char cs[64];

	clocksource(cs, sizeof(cs));
	if (force && !strcmp(force, "mono")) {
		printf("# clock: CLOCK_MONOTONIC, clocksource %s\n", cs);
		return;
	}
	t0 = mono_edge(mono_us());
	c0 = __rdtsc();
	t1 = mono_edge(t0 + 500e3);
	tsc_mhz = (__rdtsc() - c0) / (t1 - t0);
	printf("# clock: TSC at %.3f MHz against CLOCK_MONOTONIC on clocksource %s%s\n",
	       tsc_mhz, cs, strncmp(cs, "tsc", 3) ?
	       " (not the TSC: the rate is as good as the guest's jiffies)" :
	       "");
}
#else
static double now_us(void)
{
	return mono_us();
}

static void pick_clock(void)
{
	char cs[64];

	clocksource(cs, sizeof(cs));
	printf("# clock: CLOCK_MONOTONIC, clocksource %s\n", cs);
}
#endif

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void emit(const char *cas, const char *label, size_t size,
		 const char *unit, double *v, int n, long anon_kb)
{
	double med;

	if (n < 1)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	printf("%s,%s,%zu,%s,%.3f,%.3f,%.3f,%d,%ld\n", cas, label, size, unit,
	       med, v[0], v[n - 1], n, anon_kb);
	fflush(stdout);
}

static void skip(const char *cas, const char *label, const char *why, int err)
{
	printf("# %s %s: skipped: %s%s%s\n", cas, label, why,
	       err && *why ? ": " : "", err ? strerror(err) : "");
	fflush(stdout);
}

/* ---- memory ---- */

static long anon_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Anonymous: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static long minflt(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_minflt;
}

static void drop_caches(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	sync();
	if (fd < 0)
		return;
	if (write(fd, "3", 1) != 1)
		printf("# drop_caches: %s\n", strerror(errno));
	close(fd);
}

static char *anon_map(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void unmap(char *p, size_t len)
{
	if (p)
		munmap(p, len);
}

static void pattern(char *p, size_t len, unsigned int seed)
{
	uint64_t *w = (uint64_t *)p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = (i * 0x9e3779b97f4a7c15ULL) ^ seed;
}

/* A file of @len bytes of pattern in BENCH_DIR, opened with @oflags. */
static int make_file(size_t len, int oflags)
{
	char path[256], *tmp = anon_map(len);
	int fd, ret = -1;

	snprintf(path, sizeof(path), "%s/bench.%d", bench_dir, getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd >= 0 && (tmp || !len)) {
		if (len)
			pattern(tmp, len, 1);
		if (write(fd, tmp, len) == (ssize_t)len)
			ret = open(path, oflags);
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
	unmap(tmp, len);
	return ret;
}

/* A memfd of @len bytes of pattern, sealed against writes. */
static int make_sealed_memfd(size_t len)
{
	char *tmp = anon_map(len);
	int fd = memfd_create("bench", MFD_ALLOW_SEALING);

	if (fd >= 0 && tmp) {
		pattern(tmp, len, 1);
		if (write(fd, tmp, len) != (ssize_t)len ||
		    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK |
			  F_SEAL_GROW | F_SEAL_SEAL)) {
			close(fd);
			fd = -1;
		}
	}
	unmap(tmp, len);
	return fd;
}

static char *map_fd(int fd, size_t len, int prot, int flags)
{
	char *p = mmap(NULL, len, prot, flags, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ---- V4L2 ---- */

static int open_node(const char *name)
{
	char path[64], buf[64];
	int i, fd;
	FILE *f;

	for (i = 0; i < 64; i++) {
		snprintf(path, sizeof(path),
			 "/sys/class/video4linux/video%d/name", i);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
		buf[strcspn(buf, "\n")] = 0;
		if (strcmp(buf, name))
			continue;
		snprintf(path, sizeof(path), "/dev/video%d", i);
		fd = open(path, O_RDWR | O_NONBLOCK);
		if (fd >= 0)
			return fd;
	}
	return -1;
}

static int set_fmt(int fd, int type, __u32 fourcc, unsigned int w,
		   unsigned int h, size_t *sizeimage)
{
	struct v4l2_format f = { .type = type };

	if (ioctl(fd, VIDIOC_G_FMT, &f))
		return errno;
	f.fmt.pix.pixelformat = fourcc;
	f.fmt.pix.width = w;
	f.fmt.pix.height = h;
	f.fmt.pix.bytesperline = 0;
	f.fmt.pix.field = V4L2_FIELD_NONE;
	if (ioctl(fd, VIDIOC_S_FMT, &f))
		return errno;
	if (f.fmt.pix.pixelformat != fourcc || f.fmt.pix.width != w ||
	    f.fmt.pix.height != h)
		return EINVAL;
	*sizeimage = f.fmt.pix.sizeimage;
	return 0;
}

static int reqbufs(int fd, int type, int memory, int count)
{
	struct v4l2_requestbuffers rb = {
		.count = count, .type = type, .memory = memory,
	};

	if (ioctl(fd, VIDIOC_REQBUFS, &rb))
		return -errno;
	return rb.count;
}

static int stream(int fd, int type, bool on)
{
	return ioctl(fd, on ? VIDIOC_STREAMON : VIDIOC_STREAMOFF, &type) ?
	       errno : 0;
}

/* Queue buffer @index; @p is the user pointer (USERPTR only). */
static int qbuf(int fd, int type, int memory, int index, void *p, size_t len)
{
	struct v4l2_buffer b = {
		.type = type, .memory = memory, .index = index,
	};

	if (memory == USERPTR) {
		b.m.userptr = (unsigned long)p;
		b.length = len;
	}
	if (type == OUT)
		b.bytesused = len;
	return ioctl(fd, VIDIOC_QBUF, &b) ? errno : 0;
}

/*
 * Dequeue a buffer, waiting for it untimed; the successful DQBUF ioctl is
 * added to *@us. Returns its index or -errno.
 */
static int dqbuf(int fd, int type, int memory, double *us)
{
	struct v4l2_buffer b = { .type = type, .memory = memory };
	struct pollfd pfd = { .fd = fd };
	double t0 = now_us(), t1;
	int ret;

	for (;;) {
		t1 = now_us();
		ret = ioctl(fd, VIDIOC_DQBUF, &b);
		if (!ret) {
			*us += now_us() - t1;
			return b.flags & V4L2_BUF_FLAG_ERROR ? -EIO : (int)b.index;
		}
		if (errno != EAGAIN)
			return -errno;
		if (t1 - t0 > DQ_TIMEOUT_MS * 1e3)
			return -ETIMEDOUT;
		pfd.events = type == OUT ? POLLOUT : POLLIN;
		poll(&pfd, 1, 10);
	}
}

/* mmap() the MMAP buffers of a queue into @maps. */
static int map_bufs(int fd, int type, int n, char **maps, size_t len)
{
	int i;

	for (i = 0; i < n; i++) {
		struct v4l2_buffer b = {
			.type = type, .memory = MMAP, .index = i,
		};

		if (ioctl(fd, VIDIOC_QUERYBUF, &b))
			return errno;
		if (b.length < len)
			return EINVAL;
		maps[i] = mmap(NULL, b.length, PROT_READ | PROT_WRITE,
			       MAP_SHARED, fd, b.m.offset);
		if (maps[i] == MAP_FAILED) {
			maps[i] = NULL;
			return errno;
		}
	}
	return 0;
}

/* ---- repetitions ---- */

/*
 * A measurement: run(ctx, &value) once as a warm-up, with *anon pointing
 * where to store the anonymous kB of one frame, then reps times.
 */
typedef int (*rep_fn)(void *ctx, double *value, long *anon);

static int measure(rep_fn run, void *ctx, double *v, int *n, long *anon)
{
	double warm;
	int ret, i;

	*n = 0;
	ret = run(ctx, &warm, anon);
	for (i = 0; !ret && i < reps; i++) {
		ret = run(ctx, &v[i], NULL);
		if (!ret)
			(*n)++;
	}
	return ret;
}

/* ---- case 1: zc_output ---- */

enum zc_path { ZC_DIRECT, ZC_COPY, ZC_POOL };

static const char *const zc_suffix[] = {
	[ZC_DIRECT] = "direct", [ZC_COPY] = "copy", [ZC_POOL] = "copy_pool",
};

struct zc {
	int fd;			/* vivid output node */
	int src;		/* the file or memfd the frames come from */
	size_t size;
	enum zc_path path;
	int frames;
	char *srcmap[MAX_BUFS];	/* ZC_DIRECT: the mapping queued per index */
	char *stage[MAX_BUFS];	/* ZC_COPY, ZC_POOL: anon copy per index */
	double copy, qbuf, release, dqbuf;	/* us, last repetition */
};

/*
 * Queue the next frame at @idx; returns its timed microseconds (copy and
 * QBUF, and for ZC_COPY the release of the index's previous copy), or
 * -errno. The frame is a new read-only mapping of the source, made by the
 * producer's side (untimed).
 */
static double zc_frame(struct zc *z, int idx, long *anon)
{
	char *map = map_fd(z->src, z->size, PROT_READ, MAP_SHARED);
	char *buf = map;
	double t0, t;
	long a0 = anon ? anon_kb() : 0;
	int ret;

	if (!map)
		return -errno;
	t0 = now_us();
	if (z->path == ZC_COPY)
		buf = anon_map(z->size);
	else if (z->path == ZC_POOL)
		buf = z->stage[idx];
	if (!buf) {
		munmap(map, z->size);
		return -ENOMEM;
	}
	if (z->path != ZC_DIRECT)
		memcpy(buf, map, z->size);
	t = now_us();
	z->copy += t - t0;
	ret = qbuf(z->fd, OUT, USERPTR, idx, buf, z->size);
	z->qbuf += now_us() - t;
	t = now_us() - t0;
	if (anon)
		*anon = anon_kb() - a0;
	if (z->path == ZC_COPY) {
		t0 = now_us();
		if (ret)
			munmap(buf, z->size);
		else
			unmap(z->stage[idx], z->size);
		z->release += now_us() - t0;
		t += now_us() - t0;
		if (!ret)
			z->stage[idx] = buf;
	}
	/* The index dropped its pin of its previous frame: release it. */
	if (z->path == ZC_DIRECT && !ret) {
		unmap(z->srcmap[idx], z->size);
		z->srcmap[idx] = map;
	} else {
		munmap(map, z->size);
	}
	return ret ? -ret : t;
}

static int zc_rep(void *ctx, double *value, long *anon)
{
	struct zc *z = ctx;
	double total = 0, t;
	int n, idx, inflight = 0;

	z->copy = z->qbuf = z->release = z->dqbuf = 0;
	for (n = 0; n < z->frames; n++) {
		idx = n;
		if (n >= VIVID_BUFS) {
			idx = dqbuf(z->fd, OUT, USERPTR, &z->dqbuf);
			inflight--;
		}
		if (idx < 0)
			return -idx;
		t = zc_frame(z, idx, n ? NULL : anon);
		if (t < 0)
			return -t;
		total += t;
		inflight++;
	}
	/* vivid keeps its last buffer until another comes: cancel it. */
	for (; inflight > 1; inflight--) {
		idx = dqbuf(z->fd, OUT, USERPTR, &z->dqbuf);
		if (idx < 0)
			return -idx;
	}
	*value = (total + z->dqbuf) / z->frames;
	n = stream(z->fd, OUT, false);
	return n ? n : stream(z->fd, OUT, true);
}

static void zc_release(struct zc *z)
{
	int i;

	stream(z->fd, OUT, false);
	reqbufs(z->fd, OUT, USERPTR, 0);
	for (i = 0; i < MAX_BUFS; i++) {
		unmap(z->srcmap[i], z->size);
		unmap(z->stage[i], z->size);
		z->srcmap[i] = z->stage[i] = NULL;
	}
}

/* Whether vivid takes the read-only shared memory itself (0) or not. */
static int zc_probe(struct zc *z)
{
	char *map = map_fd(z->src, z->size, PROT_READ, MAP_SHARED);
	int ret;

	if (!map)
		return errno;
	if (reqbufs(z->fd, OUT, USERPTR, VIVID_BUFS) < VIVID_BUFS) {
		munmap(map, z->size);
		return EINVAL;
	}
	ret = qbuf(z->fd, OUT, USERPTR, 0, map, z->size);
	zc_release(z);
	munmap(map, z->size);
	return ret;
}

static void zc_run(struct zc *z, const char *src_name)
{
	double v[MAX_REPS];
	long anon = -1;
	char label[64];
	int n, ret, i;

	snprintf(label, sizeof(label), "%s:%s", src_name, zc_suffix[z->path]);
	ret = reqbufs(z->fd, OUT, USERPTR, VIVID_BUFS) < VIVID_BUFS ? EINVAL : 0;
	for (i = 0; !ret && z->path == ZC_POOL && i < VIVID_BUFS; i++) {
		long a0 = anon_kb();

		z->stage[i] = anon_map(z->size);
		if (!z->stage[i])
			ret = ENOMEM;
		else
			memset(z->stage[i], 0, z->size);
		if (!i)
			anon = anon_kb() - a0;
	}
	if (!ret)
		ret = stream(z->fd, OUT, true);
	if (!ret)
		ret = measure(zc_rep, z, v, &n, z->path == ZC_POOL ? NULL : &anon);
	zc_release(z);
	if (ret) {
		skip("zc_output", label, "", ret);
		return;
	}
	emit("zc_output", label, z->size, "us/frame", v, n, anon);
	printf("# zc_output %s %zu: last repetition, us/frame: copy %.0f, QBUF %.0f, munmap %.0f, DQBUF %.0f\n",
	       label, z->size, z->copy / z->frames, z->qbuf / z->frames,
	       z->release / z->frames, z->dqbuf / z->frames);
}

/* vivid's HDMI output runs at 60 Hz, its S-Video one at 25 Hz. */
static void vivid_hdmi(int fd)
{
	struct v4l2_output o = { 0 };
	struct v4l2_streamparm sp = { .type = OUT };

	for (o.index = 0; !ioctl(fd, VIDIOC_ENUMOUTPUT, &o); o.index++) {
		if (strncmp((char *)o.name, "HDMI", 4))
			continue;
		if (ioctl(fd, VIDIOC_S_OUTPUT, &o.index))
			printf("# zc_output: S_OUTPUT %s: %s\n", o.name,
			       strerror(errno));
		break;
	}
	if (!ioctl(fd, VIDIOC_G_PARM, &sp))
		printf("# zc_output: vivid output at %u/%u s per frame\n",
		       sp.parm.output.timeperframe.numerator,
		       sp.parm.output.timeperframe.denominator);
}

/*
 * Case 1: a frame in read-only shared memory (a file, a sealed memfd)
 * goes to a device that reads it: zero-copy where the kernel pins it
 * read-only (patched), a copy into anonymous memory where it cannot
 * (baseline). What read-only output pinning buys an application.
 */
static void case_zc_output(void)
{
	static const size_t all[] = { 64 * KiB, 256 * KiB, MiB, 4 * MiB,
				      16 * MiB };
	static const size_t few[] = { 64 * KiB, 4 * MiB };
	static const char *const srcs[] = { "file_ro", "memfd_sealed" };
	const size_t *sizes = quick ? few : all;
	int nsizes = quick ? 2 : 5;
	struct zc z = { 0 };
	int i, s, ret;
	size_t sizeimage;

	drop_caches();
	z.fd = open_node("vivid-000-vid-out");
	if (z.fd < 0) {
		skip("zc_output", "*", "no vivid-000-vid-out", 0);
		return;
	}
	vivid_hdmi(z.fd);
	for (i = 0; i < nsizes; i++) {
		z.size = sizes[i];
		/*
		 * At least 4 MiB a repetition, as the larger frames have,
		 * so that an event that comes every so many frames or so
		 * much time weighs about the same in each repetition: with
		 * 8 frames of 64 KiB, one repetition read 25% above
		 * another. (The zero-copy rows of 64 and 256 KiB still
		 * move between repetitions, by up to 8% on x86_64 and 30%
		 * on arm64: docs/bench.md.)
		 */
		z.frames = quick ? 4 : 8;
		if (!quick && z.size < 4 * MiB / 8)
			z.frames = 4 * MiB / z.size;
		ret = set_fmt(z.fd, OUT, V4L2_PIX_FMT_YUYV, 2048,
			      z.size / 4096, &sizeimage);
		if (ret || sizeimage != z.size) {
			skip("zc_output", "*", "YUYV 2048 wide", ret);
			continue;
		}
		for (s = 0; s < 2; s++) {
			z.src = s ? make_sealed_memfd(z.size) :
				    make_file(z.size, O_RDONLY);
			if (z.src < 0) {
				skip("zc_output", srcs[s], "source", errno);
				continue;
			}
			ret = zc_probe(&z);
			if (ret && ret != EFAULT) {
				skip("zc_output", srcs[s], "QBUF", ret);
			} else {
				printf("# zc_output %s %zu: QBUF of the shared memory: %s\n",
				       srcs[s], z.size, ret ? strerror(ret) : "ok");
				z.path = ret ? ZC_COPY : ZC_DIRECT;
				zc_run(&z, srcs[s]);
				z.path = ZC_POOL;
				zc_run(&z, srcs[s]);
			}
			close(z.src);
		}
	}
	close(z.fd);
}

/* ---- vim2m ---- */

struct m2m;

/*
 * What a case does on each frame: queue the output or capture buffer of
 * frame @n at @idx, or consume the capture of frame @n. Each returns the
 * microseconds to count, or -errno.
 */
struct m2m_ops {
	double (*out)(struct m2m *m, int idx, int n);
	double (*cap)(struct m2m *m, int idx, int n);
	double (*done)(struct m2m *m, int idx, int n);
};

struct m2m {
	int fd;
	size_t size;
	int nbufs;
	int out_mem, cap_mem;
	char *out_map[MAX_BUFS], *cap_map[MAX_BUFS];	/* MMAP buffers */
	char *ubuf[2 * MAX_BUFS];	/* USERPTR memory of the case */
	int uses[MAX_BUFS];		/* QBUFs per index */
	const struct m2m_ops *ops;
	int frames;
	bool no_stream;			/* no STREAMON, no job */
	/* What the last repetition spent where (us), and its wall time. */
	double q_out, q_cap, dq_out, dq_cap, done, wall;
	/* Case specific. */
	int file;
	char *fmap, *old_fmap;
	size_t fmap_len;
};

static int m2m_open(struct m2m *m)
{
	struct v4l2_control c = { .id = V4L2_CID_TRANS_TIME_MSEC, .value = 1 };
	size_t cap_size;
	int ret;

	m->fd = open_node("vim2m");
	if (m->fd < 0)
		return ENODEV;
	ret = set_fmt(m->fd, OUT, V4L2_PIX_FMT_RGB24, M2M_W, M2M_H, &m->size);
	if (!ret)
		ret = set_fmt(m->fd, CAP, V4L2_PIX_FMT_BGR24, M2M_W, M2M_H,
			      &cap_size);
	if (!ret && cap_size != m->size)
		ret = EINVAL;
	if (!ret && ioctl(m->fd, VIDIOC_S_CTRL, &c))
		ret = errno;
	return ret;
}

/* Buffers on both queues and streaming on, with the memory types set. */
static int m2m_start(struct m2m *m)
{
	int ret = 0, i;

	if (reqbufs(m->fd, OUT, m->out_mem, m->nbufs) != m->nbufs ||
	    reqbufs(m->fd, CAP, m->cap_mem, m->nbufs) != m->nbufs)
		return EINVAL;
	if (m->out_mem == MMAP)
		ret = map_bufs(m->fd, OUT, m->nbufs, m->out_map, m->size);
	if (!ret && m->cap_mem == MMAP)
		ret = map_bufs(m->fd, CAP, m->nbufs, m->cap_map, m->size);
	for (i = 0; !ret && i < m->nbufs; i++)
		if (m->out_map[i])
			pattern(m->out_map[i], m->size, i);
	if (!ret && m->no_stream)
		return 0;
	if (!ret)
		ret = stream(m->fd, OUT, true);
	if (!ret)
		ret = stream(m->fd, CAP, true);
	return ret;
}

static void m2m_close(struct m2m *m)
{
	int i;

	stream(m->fd, OUT, false);
	stream(m->fd, CAP, false);
	for (i = 0; i < MAX_BUFS; i++) {
		unmap(m->out_map[i], m->size);
		unmap(m->cap_map[i], m->size);
	}
	reqbufs(m->fd, OUT, m->out_mem, 0);
	reqbufs(m->fd, CAP, m->cap_mem, 0);
	close(m->fd);
	for (i = 0; i < 2 * MAX_BUFS; i++)
		unmap(m->ubuf[i], m->size);
	unmap(m->fmap, m->fmap_len);
	unmap(m->old_fmap, m->fmap_len);
	if (m->file >= 0)
		close(m->file);
}

static int m2m_queue(struct m2m *m, int oidx, int cidx, int n)
{
	double t = m->ops->cap(m, cidx, n);

	if (t < 0)
		return -t;
	m->q_cap += t;
	t = m->ops->out(m, oidx, n);
	if (t < 0)
		return -t;
	m->q_out += t;
	return 0;
}

/* One repetition: m->frames frames through vim2m, nbufs in flight. */
static int m2m_rep(struct m2m *m)
{
	double t0 = now_us(), t;
	int n, oidx, cidx, ret = 0;

	m->q_out = m->q_cap = m->dq_out = m->dq_cap = m->done = 0;
	for (n = 0; !ret && n < m->nbufs && n < m->frames; n++)
		ret = m2m_queue(m, n, n, n);
	for (n = 0; !ret && n < m->frames; n++) {
		cidx = dqbuf(m->fd, CAP, m->cap_mem, &m->dq_cap);
		oidx = dqbuf(m->fd, OUT, m->out_mem, &m->dq_out);
		if (cidx < 0 || oidx < 0)
			return cidx < 0 ? -cidx : -oidx;
		t = m->ops->done ? m->ops->done(m, cidx, n) : 0;
		if (t < 0)
			return -t;
		m->done += t;
		if (n + m->nbufs < m->frames)
			ret = m2m_queue(m, oidx, cidx, n + m->nbufs);
	}
	m->wall = now_us() - t0;
	return ret;
}

static double q_out_mmap(struct m2m *m, int idx, int n)
{
	double t0 = now_us();
	int ret = qbuf(m->fd, OUT, MMAP, idx, NULL, m->size);

	(void)n;
	return ret ? -ret : now_us() - t0;
}

static double q_cap_mmap(struct m2m *m, int idx, int n)
{
	double t0 = now_us();
	int ret = qbuf(m->fd, CAP, MMAP, idx, NULL, m->size);

	(void)n;
	return ret ? -ret : now_us() - t0;
}

/* Queue one of two buffers per index, in turn, so that each QBUF pins. */
static double q_out_alternate(struct m2m *m, int idx, int n)
{
	char *p = m->ubuf[2 * idx + (m->uses[idx]++ & 1)];
	double t0 = now_us();
	int ret = qbuf(m->fd, OUT, USERPTR, idx, p, m->size);

	(void)n;
	return ret ? -ret : now_us() - t0;
}

/* The same buffer at each index: pinned at its first QBUF only. */
static double q_out_fixed(struct m2m *m, int idx, int n)
{
	double t0 = now_us();
	int ret = qbuf(m->fd, OUT, USERPTR, idx, m->ubuf[idx], m->size);

	(void)n;
	return ret ? -ret : now_us() - t0;
}

static double q_cap_fixed(struct m2m *m, int idx, int n)
{
	double t0 = now_us();
	int ret = qbuf(m->fd, CAP, USERPTR, idx, m->ubuf[MAX_BUFS + idx],
		       m->size);

	(void)n;
	return ret ? -ret : now_us() - t0;
}

static int alloc_ubufs(struct m2m *m, int first, int count)
{
	int i;

	for (i = first; i < first + count; i++) {
		m->ubuf[i] = anon_map(m->size);
		if (!m->ubuf[i])
			return ENOMEM;
		pattern(m->ubuf[i], m->size, i);
	}
	return 0;
}

/* ---- case 2: pin_cost ---- */

/*
 * QBUF on the output queue alone, not streaming, so that no job runs and
 * the device's work cannot land in the measurement; STREAMOFF gives the
 * buffers back (keeping their pins) once all of them are queued.
 */
static int pin_rep(void *ctx, double *value, long *anon)
{
	struct m2m *m = ctx;
	double t, total = 0;
	int n, ret = 0;

	(void)anon;
	for (n = 0; !ret && n < m->frames; n++) {
		t = m->ops->out(m, n % m->nbufs, n);
		if (t < 0)
			return -t;
		total += t;
		if (n % m->nbufs == m->nbufs - 1 || n == m->frames - 1)
			ret = stream(m->fd, OUT, false);
	}
	*value = total * 1e3 / m->frames / (m->size / page_size);
	return ret;
}

static void run_m2m_case(const char *cas, const char *label,
			 struct m2m *m, rep_fn rep, const char *unit,
			 int (*prepare)(struct m2m *m), bool want_anon)
{
	double v[MAX_REPS];
	long anon = -1;
	int n = 0, ret;

	m->file = -1;
	ret = m2m_open(m);
	if (!ret && prepare)
		ret = prepare(m);
	if (!ret)
		ret = m2m_start(m);
	if (!ret)
		ret = measure(rep, m, v, &n, want_anon ? &anon : NULL);
	m2m_close(m);
	if (ret)
		skip(cas, label, "", ret);
	else
		emit(cas, label, m->size, unit, v, n, anon);
}

static int prep_alternate(struct m2m *m)
{
	return alloc_ubufs(m, 0, 2 * m->nbufs);
}

/*
 * Case 2: what pinning costs per page, for a device that reads: QBUF of
 * an output buffer at a new user pointer (the previous pin is dropped, the
 * new memory pinned and mapped by the vmalloc memop) against QBUF of an
 * MMAP buffer, which pins nothing. The memory is anonymous and populated,
 * so both kernels pin it the same way: this must not change.
 */
static void case_pin_cost(void)
{
	static const struct m2m_ops fresh = {
		.out = q_out_alternate, .cap = q_cap_mmap,
	};
	static const struct m2m_ops mmap_ops = {
		.out = q_out_mmap, .cap = q_cap_mmap,
	};
	int frames = quick ? 8 : 24;
	struct m2m a = { .nbufs = M2M_BUFS, .out_mem = USERPTR,
			 .cap_mem = MMAP, .ops = &fresh, .frames = frames,
			 .no_stream = true };
	struct m2m b = { .nbufs = M2M_BUFS, .out_mem = MMAP,
			 .cap_mem = MMAP, .ops = &mmap_ops, .frames = frames,
			 .no_stream = true };

	drop_caches();
	run_m2m_case("pin_cost", "userptr_fresh", &a, pin_rep, "ns/page",
		     prep_alternate, false);
	run_m2m_case("pin_cost", "mmap", &b, pin_rep, "ns/page", NULL, false);
}

/* ---- case 3: stream_cpu ---- */

/*
 * How the measure keeps the device's pacing out.
 *
 * vim2m finishes a job in delayed work on a jiffy timer (transtime), so
 * frames per second of wall clock only told where that timer landed. What
 * the application pays for a frame does not depend on when the frame
 * comes: the CPU time of the process, and the time it spends inside QBUF
 * and DQBUF (where videobuf2 checks, pins and unpins USERPTR memory).
 *
 * - Waiting happens in poll(), before a DQBUF: a poll() that sleeps adds
 *   no CPU time while asleep, and the DQBUF after it never waits (the node
 *   is O_NONBLOCK; one that finds nothing all the same is counted, not
 *   timed). Each measured frame makes the same calls, in the same order:
 *   poll and DQBUF of the capture, poll and DQBUF of the output,
 *   sched_yield(), QBUF of both, one read of the CPU-time clock. vim2m
 *   takes milliseconds a frame and the application microseconds, so the
 *   capture's poll() sleeps on (nearly) every frame, whatever the kernel
 *   and the memory: the "# stream_cpu" line gives the voluntary context
 *   switches (sleeps) per measured frame, and the involuntary ones (a
 *   sched_yield() that let another task run, or preemption).
 * - The device's own work is not the process's: vim2m converts the frame
 *   in device_run(), which a kworker calls (v4l2-mem2mem's job_work),
 *   except that v4l2-mem2mem calls it from the QBUF itself when that QBUF
 *   finds the device idle with a job ready (v4l2_m2m_try_schedule()): the
 *   conversion, milliseconds, would then count as the application's. In
 *   the stream that happens when a frame's QBUFs come between
 *   job_finish() of one job and the job_work that starts the next: with
 *   the preemption model "none" of the lab's kernels, an application woken
 *   on the kworker's CPU runs at the cond_resched() between those two work
 *   items. So the application yields the CPU (sched_yield(); not a sleep,
 *   which would be a jiffy without high-resolution timers) before its
 *   QBUFs. A repetition's values are the means over its frames but the
 *   slow ones, those over STREAM_SLOW times the lower quartile of the CPU
 *   time. Under icount about half the frames are slow (seen: 98 of 197),
 *   over four times the others; the "# stream_cpu" line counts them, and
 *   how many of them had slow ioctls too, where a conversion run from
 *   QBUF would show. The lower quartile stays inside the fast frames
 *   however the two kinds share a repetition. Not the median: it sat on
 *   the edge of the fast half and moved between the rounds of one kernel
 *   (5.86 and 5.90 us a frame). The first frames, whose QBUFs start the
 *   idle device, and the last ones, with nothing left to queue, are not
 *   measured.
 * - Clocks: the ioctls are timed with now_us() (the TSC, read from user
 *   space). CPU time is CLOCK_PROCESS_CPUTIME_ID: the scheduler's
 *   sum_exec_runtime in nanoseconds, read from the scheduler clock, that is
 *   the TSC when the guest clock is right (tsc_early_khz=, tsc=reliable)
 *   and jiffies when the kernel could not calibrate it. getrusage() gives
 *   the same sum in microseconds, but its user/sys split is sampled at the
 *   tick (CONFIG_TICK_CPU_ACCOUNTING), which a process woken by a jiffy
 *   timer and asleep again within microseconds almost never meets: the
 *   rows give user and system time together. cpu_clock_step() checks the
 *   clock first: where it moves in jiffies, the CPU rows are skipped (each
 *   frame would read 0 or a whole jiffy) and the ioctl rows remain.
 */
struct stream {
	struct m2m m;		/* first: the m2m_ops take it */
	const char *label;
	/* per measured frame of the current repetition, us */
	double cpu[STREAM_FRAMES], io[STREAM_FRAMES];
	double q_out[STREAM_FRAMES], q_cap[STREAM_FRAMES];
	double dq_out[STREAM_FRAMES], dq_cap[STREAM_FRAMES];
	double scratch[STREAM_FRAMES];	/* for the medians, which sort */
	int nf;			/* measured frames */
	int empty;		/* DQBUFs after poll() that found nothing */
	long nvcsw, nivcsw;	/* context switches over the measured frames */
	int slow;		/* frames left out as slow (see stream_rep()) */
	int slow_io;		/* those of them whose ioctls were slow too */
	double cpu_med, io_med;	/* us/frame: medians, for the comment line */
	/* per repetition: CPU and ioctl means, the warm-up first */
	double cpu_v[MAX_REPS + 1], io_v[MAX_REPS + 1];
	int nv;
	int ret;
};

static double cpu_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts))
		return 0;
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/*
 * The smallest step of CLOCK_PROCESS_CPUTIME_ID while the process spins,
 * in us, over up to 50 ms (TSC): about one clock_gettime() when the
 * scheduler clock is the TSC, a jiffy (4000 us) when it is jiffies; -1 if
 * it did not move at all.
 */
static double cpu_clock_step(void)
{
	double t0 = now_us(), c = cpu_us(), d, u, step = -1;
	int changes = 0;

	while (changes < 1000 && now_us() - t0 < 50e3) {
		u = cpu_us();
		d = u - c;
		if (d <= 0)
			continue;
		if (step < 0 || d < step)
			step = d;
		c = u;
		changes++;
	}
	return step;
}

/* The median of @v[0..n-1], sorting it. */
static double median(double *v, int n)
{
	if (n < 1)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Wait for a done buffer in poll() (not timed), then DQBUF it, timed into
 * *@us. Returns its index or -errno.
 */
static int stream_dq(struct stream *s, int type, int memory, double *us)
{
	struct v4l2_buffer b = { .type = type, .memory = memory };
	struct pollfd pfd = {
		.fd = s->m.fd, .events = type == OUT ? POLLOUT : POLLIN,
	};
	double t0 = now_us(), t;
	int ret;

	for (;;) {
		if (poll(&pfd, 1, DQ_TIMEOUT_MS) < 0 && errno != EINTR)
			return -errno;
		t = now_us();
		ret = ioctl(s->m.fd, VIDIOC_DQBUF, &b);
		t = now_us() - t;
		if (!ret) {
			*us = t;
			return b.flags & V4L2_BUF_FLAG_ERROR ? -EIO : (int)b.index;
		}
		if (errno != EAGAIN)
			return -errno;
		s->empty++;
		if (now_us() - t0 > DQ_TIMEOUT_MS * 1e3)
			return -ETIMEDOUT;
	}
}

/*
 * One repetition: m->frames frames through vim2m, nbufs in flight, each
 * buffer re-queued at its index as soon as it is dequeued. Measured: the
 * frames that dequeue one frame and queue another (see above).
 */
static int stream_rep(void *ctx, double *value, long *anon)
{
	struct stream *s = ctx;
	struct m2m *m = &s->m;
	double c0, c1, w0 = now_us(), dqc, dqo, qc, qo;
	double sum_cpu = 0, sum_io = 0, cpu_q1, io_q1;
	int n, oidx, cidx, ret = 0;
	struct rusage ru;

	(void)anon;
	s->nf = s->empty = 0;
	for (n = 0; !ret && n < m->nbufs && n < m->frames; n++)
		ret = m2m_queue(m, n, n, n);
	getrusage(RUSAGE_SELF, &ru);
	s->nvcsw = -ru.ru_nvcsw;
	s->nivcsw = -ru.ru_nivcsw;
	c0 = cpu_us();
	for (n = 0; !ret && n < m->frames; n++) {
		cidx = stream_dq(s, CAP, m->cap_mem, &dqc);
		if (cidx < 0)
			return -cidx;
		oidx = stream_dq(s, OUT, m->out_mem, &dqo);
		if (oidx < 0)
			return -oidx;
		if (n + m->nbufs >= m->frames)
			continue;
		/* Let a kworker start the next job (see above). */
		sched_yield();
		qc = m->ops->cap(m, cidx, n + m->nbufs);
		if (qc < 0)
			return -qc;
		qo = m->ops->out(m, oidx, n + m->nbufs);
		if (qo < 0)
			return -qo;
		c1 = cpu_us();
		s->cpu[s->nf] = c1 - c0;
		s->io[s->nf] = dqc + dqo + qc + qo;
		s->dq_cap[s->nf] = dqc;
		s->dq_out[s->nf] = dqo;
		s->q_cap[s->nf] = qc;
		s->q_out[s->nf] = qo;
		s->nf++;
		c0 = c1;
		if (n + m->nbufs == m->frames - 1) {
			/* The last measured frame. */
			getrusage(RUSAGE_SELF, &ru);
			s->nvcsw += ru.ru_nvcsw;
			s->nivcsw += ru.ru_nivcsw;
		}
	}
	m->wall = now_us() - w0;
	if (ret)
		return ret;
	if (s->nf < 1)
		return EINVAL;
	/*
	 * The means over the frames that took up to STREAM_SLOW times the
	 * lower quartile of the CPU time (see above), a value inside the
	 * fast frames however the two kinds share the repetition; by the
	 * ioctl time where the CPU clock moves in jiffies (it reads 0 then,
	 * and the CPU rows are skipped). The medians and quartiles sort,
	 * so they are taken on a copy.
	 */
	memcpy(s->scratch, s->cpu, s->nf * sizeof(*s->cpu));
	s->cpu_med = median(s->scratch, s->nf);
	cpu_q1 = s->scratch[s->nf / 4];
	memcpy(s->scratch, s->io, s->nf * sizeof(*s->io));
	s->io_med = median(s->scratch, s->nf);
	io_q1 = s->scratch[s->nf / 4];
	s->slow = s->slow_io = 0;
	for (n = 0; n < s->nf; n++) {
		bool slow_io = s->io[n] > STREAM_SLOW * io_q1;

		if (cpu_q1 > 0 ? s->cpu[n] > STREAM_SLOW * cpu_q1 : slow_io) {
			s->slow++;
			s->slow_io += slow_io;
			continue;
		}
		sum_cpu += s->cpu[n];
		sum_io += s->io[n];
	}
	s->cpu_v[s->nv] = sum_cpu / (s->nf - s->slow);
	s->io_v[s->nv] = sum_io / (s->nf - s->slow);
	*value = s->cpu_v[s->nv++];
	return 0;
}

static int prep_fixed(struct m2m *m)
{
	int ret = alloc_ubufs(m, 0, m->nbufs);

	return ret ? ret : alloc_ubufs(m, MAX_BUFS, m->nbufs);
}

/* Run one configuration; s->ret and s->nv tell how it went. */
static void stream_run(struct stream *s, int (*prepare)(struct m2m *m))
{
	struct m2m *m = &s->m;
	double v[MAX_REPS];
	int n = 0, ret;

	m->file = -1;
	ret = m2m_open(m);
	if (!ret && prepare)
		ret = prepare(m);
	if (!ret)
		ret = m2m_start(m);
	if (!ret)
		ret = measure(stream_rep, s, v, &n, NULL);
	m2m_close(m);
	s->ret = ret;
	if (ret)
		return;
	printf("# stream_cpu %s: last repetition, %d frames measured, %d over %dx the lower quartile left out (%d of them with ioctls over %dx theirs): us/frame mean (median): CPU %.3f (%.3f), in the ioctls %.3f (%.3f): median QBUF out %.1f cap %.1f, DQBUF out %.1f cap %.1f; context switches per frame: %.2f voluntary, %.2f involuntary; %d DQBUFs found nothing after poll; vim2m paced %.1f frames/s of wall clock (not compared)\n",
	       s->label, s->nf, s->slow, STREAM_SLOW, s->slow_io,
	       STREAM_SLOW, s->cpu_v[s->nv - 1],
	       s->cpu_med, s->io_v[s->nv - 1], s->io_med,
	       median(s->q_out, s->nf), median(s->q_cap, s->nf),
	       median(s->dq_out, s->nf), median(s->dq_cap, s->nf),
	       (double)s->nvcsw / s->nf,
	       (double)s->nivcsw / s->nf, s->empty,
	       m->frames * 1e6 / m->wall);
	fflush(stdout);
}

/*
 * Case 3: what streaming costs the application per frame, with USERPTR
 * buffers on both queues (pinned once, re-queued at the same pointers)
 * against MMAP buffers: what the series must not slow down. Rows, in
 * us/frame, each the mean over a repetition's frames (the slow ones left
 * out, see above): "userptr" and "mmap", the CPU time of the process
 * (user and system); "userptr_ioctls" and "mmap_ioctls", the time inside
 * its QBUF and DQBUF calls. Neither includes waiting for the device.
 */
static void case_stream_cpu(void)
{
	static const struct m2m_ops uptr = {
		.out = q_out_fixed, .cap = q_cap_fixed,
	};
	static const struct m2m_ops mmap_ops = {
		.out = q_out_mmap, .cap = q_cap_mmap,
	};
	static struct stream st[2];
	int frames = quick ? 20 : STREAM_FRAMES, i;
	bool coarse;
	double step;

	st[0] = (struct stream){
		.m = { .nbufs = STREAM_BUFS, .out_mem = USERPTR,
		       .cap_mem = USERPTR, .ops = &uptr, .frames = frames },
		.label = "userptr",
	};
	st[1] = (struct stream){
		.m = { .nbufs = STREAM_BUFS, .out_mem = MMAP,
		       .cap_mem = MMAP, .ops = &mmap_ops, .frames = frames },
		.label = "mmap",
	};
	drop_caches();
	step = cpu_clock_step();
	coarse = step < 0 || step >= 1000;
	printf("# clock: CPU time (CLOCK_PROCESS_CPUTIME_ID) moves in steps of %.3f us%s\n",
	       step, coarse ? " (jiffies: stream_cpu's CPU rows skipped)" : "");
	stream_run(&st[0], prep_fixed);
	stream_run(&st[1], NULL);
	/* CPU rows first, then the ioctl rows, USERPTR before MMAP. */
	for (i = 0; i < 2; i++) {
		if (st[i].ret)
			skip("stream_cpu", st[i].label, "", st[i].ret);
		else if (coarse)
			skip("stream_cpu", st[i].label,
			     "the CPU-time clock moves in jiffies", 0);
		else
			emit("stream_cpu", st[i].label, st[i].m.size,
			     "us/frame", st[i].cpu_v + 1, st[i].nv - 1, -1);
	}
	for (i = 0; i < 2; i++) {
		char label[32];

		snprintf(label, sizeof(label), "%s_ioctls", st[i].label);
		if (st[i].ret)
			skip("stream_cpu", label, "", st[i].ret);
		else
			emit("stream_cpu", label, st[i].m.size, "us/frame",
			     st[i].io_v + 1, st[i].nv - 1, -1);
	}
}

/* ---- case 4: capture_file ---- */

/*
 * A new file for the repetition, sized for all its frames; mapped shared
 * (USERPTR) before the previous mapping goes, so that no user pointer of
 * the previous repetition comes back.
 */
static int capfile_new(struct m2m *m)
{
	size_t len = m->frames * m->size;

	if (m->file >= 0)
		close(m->file);
	m->file = make_file(0, O_RDWR);
	if (m->file < 0)
		return errno;
	if (m->cap_mem == MMAP)
		return 0;
	if (ftruncate(m->file, len))
		return errno;
	unmap(m->old_fmap, m->fmap_len);
	m->old_fmap = m->fmap;
	m->fmap_len = len;
	m->fmap = map_fd(m->file, len, PROT_READ | PROT_WRITE, MAP_SHARED);
	return m->fmap ? 0 : errno;
}

/* The capture of frame @n goes straight into its place in the file. */
static double q_cap_file(struct m2m *m, int idx, int n)
{
	double t0 = now_us();
	int ret = qbuf(m->fd, CAP, USERPTR, idx, m->fmap + n * m->size,
		       m->size);

	return ret ? -ret : now_us() - t0;
}

static double done_write(struct m2m *m, int idx, int n)
{
	double t0 = now_us();

	(void)n;
	if (write(m->file, m->cap_map[idx], m->size) != (ssize_t)m->size)
		return -EIO;
	return now_us() - t0;
}

static int capfile_rep(void *ctx, double *value, long *anon)
{
	struct m2m *m = ctx;
	long a0;
	int ret = capfile_new(m);

	if (ret)
		return ret;
	a0 = anon_kb();
	ret = m2m_rep(m);
	if (anon)
		*anon = anon_kb() - a0;
	*value = (m->dq_cap + m->done + m->q_cap) / m->frames;
	return ret;
}

/*
 * Case 4: recording to a file: capture through USERPTR straight into a
 * shared file mapping (pinned for writing, a new place each frame) against
 * MMAP capture and write(2). Timed: DQBUF, write and QBUF of the capture.
 */
static void case_capture_file(void)
{
	static const struct m2m_ops uptr = {
		.out = q_out_mmap, .cap = q_cap_file,
	};
	static const struct m2m_ops wr = {
		.out = q_out_mmap, .cap = q_cap_mmap, .done = done_write,
	};
	int frames = quick ? 6 : 16;
	struct m2m a = { .nbufs = M2M_BUFS, .out_mem = MMAP,
			 .cap_mem = USERPTR, .ops = &uptr, .frames = frames };
	struct m2m b = { .nbufs = M2M_BUFS, .out_mem = MMAP,
			 .cap_mem = MMAP, .ops = &wr, .frames = frames };

	drop_caches();
	run_m2m_case("capture_file", "userptr_shared_file", &a, capfile_rep,
		     "us/frame", NULL, true);
	run_m2m_case("capture_file", "mmap_write", &b, capfile_rep,
		     "us/frame", NULL, true);
}

/* ---- case 5: first_pin ---- */

/*
 * A new mapping for each frame, never touched: anonymous memory, or a
 * private read-only mapping of the case's file. The mapping an index held
 * is unmapped once the index holds the new one (its pin is dropped then).
 */
static double q_out_first(struct m2m *m, int idx, int n)
{
	char *p = m->file < 0 ? anon_map(m->size) :
		  map_fd(m->file, m->size, PROT_READ, MAP_PRIVATE);
	double t0;
	int ret;

	(void)n;
	if (!p)
		return -ENOMEM;
	t0 = now_us();
	ret = qbuf(m->fd, OUT, USERPTR, idx, p, m->size);
	t0 = now_us() - t0;
	if (ret) {
		munmap(p, m->size);
		return -ret;
	}
	unmap(m->ubuf[idx], m->size);
	m->ubuf[idx] = p;
	return t0;
}

static int first_rep(void *ctx, double *value, long *anon)
{
	struct m2m *m = ctx;
	int ret;

	if (anon) {
		/*
		 * One frame alone, for the anonymous memory it creates, and
		 * the page faults (GUP's included) it takes.
		 */
		long a0 = anon_kb(), f0 = minflt();
		char *p = m->file < 0 ? anon_map(m->size) :
			  map_fd(m->file, m->size, PROT_READ, MAP_PRIVATE);

		if (!p)
			return ENOMEM;
		ret = qbuf(m->fd, OUT, USERPTR, 0, p, m->size);
		f0 = minflt() - f0;
		*anon = anon_kb() - a0;
		printf("# first_pin %s: the first QBUF took %ld page faults for %zu pages\n",
		       m->file < 0 ? "anon_untouched" : "private_file", f0,
		       m->size / page_size);
		if (!ret)
			ret = stream(m->fd, OUT, false);
		if (!ret)
			ret = stream(m->fd, OUT, true);
		unmap(m->ubuf[0], m->size);
		m->ubuf[0] = p;
		if (ret)
			return ret;
	}
	ret = m2m_rep(m);
	*value = (m->q_out + m->dq_out) / m->frames;
	return ret;
}

static int prep_private_file(struct m2m *m)
{
	m->file = make_file(m->size, O_RDONLY);
	return m->file < 0 ? errno : 0;
}

/*
 * Case 5: the price of the mm prerequisite: the first pin of output memory
 * in a private mapping whose pages the process does not own yet (never
 * written anonymous memory: the shared zeropage; a private file mapping:
 * pagecache pages). The patched kernel unshares them (allocates and
 * copies) to pin them read-only; the baseline breaks COW for FOLL_WRITE.
 * Timed: QBUF and DQBUF of the output.
 */
static void case_first_pin(void)
{
	static const struct m2m_ops first = {
		.out = q_out_first, .cap = q_cap_mmap,
	};
	int frames = quick ? 4 : 8;
	struct m2m a = { .nbufs = M2M_BUFS, .out_mem = USERPTR,
			 .cap_mem = MMAP, .ops = &first, .frames = frames };
	struct m2m b = a;

	drop_caches();
	run_m2m_case("first_pin", "anon_untouched", &a, first_rep, "us/frame",
		     NULL, true);
	drop_caches();
	run_m2m_case("first_pin", "private_file", &b, first_rep, "us/frame",
		     prep_private_file, true);
}

/* ---- main ---- */

/*
 * Under QEMU TCG, "rep movsb" runs about a byte at a time: 44 MB/s here,
 * against 2.5 GB/s for glibc's vector loop. glibc's memcpy picks it for
 * sizes from 2 KiB up to the L2 size QEMU reports (512 KiB), depending on
 * where source and destination are, which would make the copy paths cost
 * what TCG's emulation costs, not what a copy costs. The tunable keeps
 * memcpy off it (a copy becomes cheaper: the comparison with zero-copy
 * gets harder, not easier), unless BENCH_REP_MOVSB=1 or GLIBC_TUNABLES
 * sets it already.
 */
#if defined(__x86_64__) || defined(__i386__)
#define NO_REP_MOVSB "glibc.cpu.x86_rep_movsb_threshold=1099511627776"

static bool no_rep_movsb(void)
{
	const char *keep = getenv("BENCH_REP_MOVSB");
	const char *t = getenv("GLIBC_TUNABLES");
	char buf[512];

	if ((keep && !strcmp(keep, "1")) ||
	    (t && strstr(t, "x86_rep_movsb_threshold")))
		return false;
	snprintf(buf, sizeof(buf), "%s%s%s", t ? t : "", t ? ":" : "",
		 NO_REP_MOVSB);
	setenv("GLIBC_TUNABLES", buf, 1);
	return true;
}
#else
static bool no_rep_movsb(void)
{
	return false;	/* an x86 instruction */
}
#endif

/*
 * Under icount every repetition of a configuration costs the same
 * instructions within a boot, but the rounds, each a boot of its own,
 * differed by up to 7% on the small frames of case 1 (a 256 KiB copy
 * into a reused buffer: 23.6, 24.9 and 25.3 us in three boots, each the
 * same in all its 7 repetitions): where mmap() put the buffers moved
 * with the boot's address-space randomization, and with it how many
 * page tables a mapping spans. The bench runs with the randomization off
 * (ADDR_NO_RANDOMIZE, as setarch -R does), the same layout every boot,
 * unless BENCH_ASLR=1.
 */
static int old_persona = -1;	/* >= 0: fixed_layout() changed it */

static bool fixed_layout(void)
{
	const char *keep = getenv("BENCH_ASLR");
	int p = personality(0xffffffff);

	if ((keep && !strcmp(keep, "1")) || p < 0 || p & ADDR_NO_RANDOMIZE)
		return false;
	if (personality(p | ADDR_NO_RANDOMIZE) < 0)
		return false;
	old_persona = p;
	return true;
}

/* Run ourselves again, once, where the memcpy or the layout changed. */
static void setup(char **argv)
{
	bool again = no_rep_movsb();

	if (fixed_layout())
		again = true;
	if (!again)
		return;
	execv("/proc/self/exe", argv);
	/* Still here: this image keeps the layout it was given. */
	printf("# setup: execv: %s\n", strerror(errno));
	if (old_persona >= 0)
		personality(old_persona);
}

/* What the address space of this image is, for the header. */
static const char *layout(void)
{
	int p = personality(0xffffffff);

	if (p < 0)
		return "unknown (personality() failed)";
	if (!(p & ADDR_NO_RANDOMIZE))
		return "on";
	return getenv("BENCH_ASLR") && !strcmp(getenv("BENCH_ASLR"), "1") ?
	       "off (inherited, BENCH_ASLR=1 notwithstanding)" :
	       "off (BENCH_ASLR=1 keeps it)";
}

/* Whether BENCH_CASES, if set, names @name. */
static bool wanted(const char *name)
{
	const char *c = getenv("BENCH_CASES");
	size_t len = strlen(name);

	if (!c || !*c)
		return true;
	while (*c) {
		if (!strncmp(c, name, len) && (c[len] == ',' || !c[len]))
			return true;
		c = strchr(c, ',');
		if (!c)
			break;
		c++;
	}
	return false;
}

/* How fast this machine copies, warm, for reading the copy paths. */
static void calibrate(void)
{
	static const size_t sizes[] = { 64 * KiB, 256 * KiB, MiB, 4 * MiB,
					16 * MiB };
	size_t len = 16 * MiB;
	char *a = anon_map(len), *b = anon_map(len);
	double t0, best;
	unsigned int i, r;

	if (!a || !b)
		return;
	pattern(a, len, 3);
	memset(b, 0, len);
	printf("# calibration: memcpy, warm, MB/s:");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (r = 0, best = 1e30; r < 5; r++) {
			t0 = now_us();
			memcpy(b, a, sizes[i]);
			t0 = now_us() - t0;
			if (t0 < best)
				best = t0;
		}
		printf(" %zu KiB %.0f%s", sizes[i] / KiB, sizes[i] / best,
		       i + 1 < sizeof(sizes) / sizeof(sizes[0]) ? "," : "\n");
	}
	unmap(a, len);
	unmap(b, len);
}

int main(int argc, char **argv)
{
	const char *e = getenv("BENCH_REPS");
	struct utsname u;
	double t0 = mono_us();
	char cs[64];

	(void)argc;
	setup(argv);
	page_size = sysconf(_SC_PAGESIZE);
	quick = getenv("BENCH_QUICK") && !strcmp(getenv("BENCH_QUICK"), "1");
	if (quick)
		reps = 3;
	if (e && atoi(e) > 0)
		reps = atoi(e) < MAX_REPS ? atoi(e) : MAX_REPS;
	if (getenv("BENCH_DIR"))
		bench_dir = getenv("BENCH_DIR");

	printf("case,label,size_bytes,unit,median,min,max,reps,anon_kb\n");
	uname(&u);
	printf("# bench: kernel %s %s, reps %d%s, files in %s\n", u.release,
	       u.version, reps, quick ? ", quick" : "", bench_dir);
	pick_clock();
	printf("# memcpy: GLIBC_TUNABLES=%s\n",
	       getenv("GLIBC_TUNABLES") ? getenv("GLIBC_TUNABLES") : "");
	printf("# layout: address-space randomization %s\n", layout());
	if (getenv("BENCH_CASES"))
		printf("# bench: cases %s only (BENCH_CASES)\n",
		       getenv("BENCH_CASES"));
	calibrate();
	fflush(stdout);

	if (wanted("zc_output"))
		case_zc_output();
	if (wanted("pin_cost"))
		case_pin_cost();
	if (wanted("stream_cpu"))
		case_stream_cpu();
	if (wanted("capture_file"))
		case_capture_file();
	if (wanted("first_pin"))
		case_first_pin();

	clocksource(cs, sizeof(cs));
	printf("# clock: clocksource at the end: %s\n", cs);
	printf("# bench: done in %.1f s\n", (mono_us() - t0) / 1e6);
	return 0;
}
