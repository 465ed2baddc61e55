/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the lab's guest programs stress.c and fuzz.c: a seeded
 * random generator, output in single writes, environment, the kernel under
 * test, time, files filled with a pattern, and their file system.
 */
#ifndef LAB_GUEST_H
#define LAB_GUEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/statfs.h>
#include <linux/magic.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* ---- small helpers ---- */

static unsigned long long rng;

static inline unsigned long long rnd(void)
{
	unsigned long long z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline unsigned int rndn(unsigned int n)
{
	return n ? rnd() % n : 0;
}

static inline bool chance(unsigned int pct)
{
	return rndn(100) < pct;
}

/* One line (or more) to stdout in one write(): children share it. */
static inline void say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	size_t off = 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	while (off < (size_t)n) {
		ssize_t w = write(1, buf + off, n - off);

		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return;
		}
		off += w;
	}
}

static inline unsigned long env_ul(const char *name, unsigned long def)
{
	const char *e = getenv(name);

	return e && *e ? strtoul(e, NULL, 0) : def;
}

/*
 * The kernel under test, from STRESS_EXPECT (/init sets it for both
 * programs): baseline, Linux 6.1, which pins every USERPTR buffer with
 * FOLL_FORCE | FOLL_WRITE; mediaonly, the media patches without the mm
 * ones; patched, the whole series. The last two pin with FOLL_WRITE only
 * what the device writes, and without FOLL_FORCE. upstream, a mainline
 * kernel (6.12), pins as patched does, except that since 6.5 (8ac268436e6d,
 * a6e79df92e4a) a FOLL_LONGTERM | FOLL_WRITE pin, so a capture buffer, in
 * a MAP_SHARED writable mapping of a file on a file system that tracks
 * dirty pages (dirty_tracked()) fails with EFAULT.
 */
enum expect {
	EXP_BASELINE, EXP_MEDIAONLY, EXP_PATCHED, EXP_UPSTREAM, NEXPECT
};

static inline const char *expect_name(int e)
{
	static const char *const name[NEXPECT] = {
		"baseline", "mediaonly", "patched", "upstream",
	};

	return e >= 0 && e < NEXPECT ? name[e] : "unknown";
}

/*
 * STRESS_EXPECT, said in a comment line: EXP_PATCHED when unset, -1 (and
 * "Bail out!") when it is none of the four.
 */
static inline int env_expect(void)
{
	const char *e = getenv("STRESS_EXPECT");
	int i;

	if (!e || !*e) {
		say("# expectations: %s (STRESS_EXPECT unset)",
		    expect_name(EXP_PATCHED));
		return EXP_PATCHED;
	}
	for (i = 0; i < NEXPECT; i++) {
		if (!strcmp(e, expect_name(i))) {
			say("# expectations: %s", e);
			return i;
		}
	}
	say("Bail out! STRESS_EXPECT=%s: not baseline, mediaonly, patched or upstream",
	    e);
	return -1;
}

/*
 * Whether the file system of @fd tracks the dirty pages of a shared
 * writable mapping (page_mkwrite or writeback): every one but tmpfs (shmem,
 * memfd) and hugetlbfs. Since 6.5 (EXP_UPSTREAM), GUP refuses a
 * FOLL_LONGTERM | FOLL_WRITE pin in a MAP_SHARED writable mapping of such a
 * file. A file system that cannot be told counts as one that tracks.
 */
static inline bool dirty_tracked(int fd)
{
	struct statfs sfs;
	unsigned int type;

	if (fstatfs(fd, &sfs))
		return true;
	type = (unsigned int)sfs.f_type;
	return type != TMPFS_MAGIC && type != HUGETLBFS_MAGIC;
}

static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static inline size_t pagesz(void)
{
	return sysconf(_SC_PAGESIZE);
}

static inline size_t round_page(size_t len)
{
	return (len + pagesz() - 1) & ~(pagesz() - 1);
}

static inline void pattern(char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (char)((i * 7 + seed * 13 + (i >> 8)) & 0xff) | 1;
}

/* An unlinked file of @len bytes of pattern in @dir, open read-write. */
static inline int pattern_file(const char *dir, const char *prefix,
			       size_t len, unsigned int seed)
{
	static unsigned int serial;
	char path[256], *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/%s.%d.%u", dir, prefix, getpid(),
		 serial++);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -1;
	unlink(path);
	buf = malloc(len);
	if (!buf) {
		close(fd);
		return -1;
	}
	pattern(buf, len, seed);
	if (write(fd, buf, len) != (ssize_t)len) {
		free(buf);
		close(fd);
		return -1;
	}
	free(buf);
	return fd;
}

#endif /* LAB_GUEST_H */
