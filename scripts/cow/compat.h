/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What mainline's tools/testing/selftests/mm/cow.c (6.12), with its
 * vm_util.c and thp_settings.c, needs from the uapi headers and 6.1's
 * uapi headers lack. scripts/cow/build.sh passes it with -include, in front
 * of every source file.
 *
 * Only PAGEMAP_SCAN is missing (v6.7). vm_util.c probes for it: it issues
 * the ioctl on /proc/self/pagemap with a bad output address and uses it
 * only if that fails with EFAULT. 6.1 answers ENOTTY, so vm_util.c reads
 * the pagemap file instead, and the values below are never acted upon on
 * 6.1. They follow mainline's ABI anyway, so that the binary behaves on a
 * kernel that has the ioctl.
 */
#ifndef LAB_COW_COMPAT_H
#define LAB_COW_COMPAT_H

#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/fs.h>

#ifndef PAGEMAP_SCAN

#define PAGEMAP_SCAN		_IOWR('f', 16, struct pm_scan_arg)

#define PAGE_IS_WPALLOWED	(1 << 0)
#define PAGE_IS_WRITTEN		(1 << 1)
#define PAGE_IS_FILE		(1 << 2)
#define PAGE_IS_PRESENT		(1 << 3)
#define PAGE_IS_SWAPPED		(1 << 4)
#define PAGE_IS_PFNZERO		(1 << 5)
#define PAGE_IS_HUGE		(1 << 6)
#define PAGE_IS_SOFT_DIRTY	(1 << 7)

#define PM_SCAN_WP_MATCHING	(1 << 0)
#define PM_SCAN_CHECK_WPASYNC	(1 << 1)

/* One output record: [start, end) and the PAGE_IS_* bits it has. */
struct page_region {
	__u64 start;
	__u64 end;
	__u64 categories;
};

/* The argument of PAGEMAP_SCAN; twelve __u64, 96 bytes. */
struct pm_scan_arg {
	__u64 size;
	__u64 flags;
	__u64 start;
	__u64 end;
	__u64 walk_end;
	__u64 vec;
	__u64 vec_len;
	__u64 max_pages;
	__u64 category_inverted;
	__u64 category_mask;
	__u64 category_anyof_mask;
	__u64 return_mask;
};

#endif /* PAGEMAP_SCAN */

#endif /* LAB_COW_COMPAT_H */
