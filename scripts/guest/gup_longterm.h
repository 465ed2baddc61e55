/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the lab's guest programs that pin through gup_test (rolongterm.c,
 * pmdrace.c) need: gup_test's long-term pin test ioctls, from
 * mm/gup_test.h of Linux 6.12 (the same in the lab's 6.1 patch,
 * patches/lab/0001), which is not a uapi header; and kselftest's exit
 * codes.
 */
#ifndef LAB_GUP_LONGTERM_H
#define LAB_GUP_LONGTERM_H

#include <sys/ioctl.h>
#include <linux/types.h>

#define PIN_LONGTERM_TEST_START	_IOW('g', 7, struct pin_longterm_test)
#define PIN_LONGTERM_TEST_STOP	_IO('g', 8)
#define PIN_LONGTERM_TEST_READ	_IOW('g', 9, __u64)
struct pin_longterm_test {
	__u64 addr;
	__u64 size;
	__u32 flags;
};

#define KSFT_PASS 0
#define KSFT_FAIL 1
#define KSFT_SKIP 4

#define GUP_TEST	"/sys/kernel/debug/gup_test"

#endif
