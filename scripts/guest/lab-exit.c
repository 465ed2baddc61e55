// SPDX-License-Identifier: GPL-2.0
/*
 * lab-exit CODE: end the QEMU guest with an exit status the host can read,
 * through the isa-debug-exit device at port 0xf4. QEMU exits with
 * (CODE << 1) | 1.
 */
#include <stdlib.h>
#include <sys/io.h>

int main(int argc, char **argv)
{
	int code = argc > 1 ? atoi(argv[1]) : 0;

	if (ioperm(0xf4, 4, 1))
		return 1;
	outl(code, 0xf4);
	return 1;
}
