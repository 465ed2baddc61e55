// SPDX-License-Identifier: GPL-2.0
/*
 * lab-exit CODE: end the QEMU guest with an exit status the host can read.
 * QEMU exits with (CODE << 1) | 1 on every architecture.
 *
 * x86: through the isa-debug-exit device at port 0xf4, which exits with
 * (CODE << 1) | 1 itself.
 * arm64: through semihosting (QEMU's -semihosting-config enable=on,
 * userspace=on): SYS_EXIT with ADP_Stopped_ApplicationExit and the status
 * as its subcode, which QEMU exits with; the subcode is made
 * (CODE << 1) | 1 here, so that the host reads the same status as on x86.
 */
#include <stdlib.h>
#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>

int main(int argc, char **argv)
{
	int code = argc > 1 ? atoi(argv[1]) : 0;

	if (ioperm(0xf4, 4, 1))
		return 1;
	outl(code, 0xf4);
	return 1;
}
#elif defined(__aarch64__)
#define SYS_EXIT			0x18
#define ADP_Stopped_ApplicationExit	0x20026

int main(int argc, char **argv)
{
	int code = argc > 1 ? atoi(argv[1]) : 0;
	unsigned long block[2] = {
		ADP_Stopped_ApplicationExit, ((unsigned long)code << 1) | 1
	};
	register unsigned long x0 __asm__("x0") = SYS_EXIT;
	register unsigned long x1 __asm__("x1") = (unsigned long)block;

	/* A64 semihosting trap; QEMU does not come back from SYS_EXIT. */
	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
	return 1;
}
#else
#error "lab-exit: no way to end QEMU on this architecture"
#endif
