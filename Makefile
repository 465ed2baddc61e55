# media_userptr lab: build Linux 6.1 with the series, boot it in QEMU and
# run the media_userptr kselftest inside.
#
#   make run      patched kernel only: build, boot, test, print the table
#   make check    baseline, media-only and patched 6.1 kernels and the
#                 upstream 7.3 one, all asserted; the patched kernel also
#                 booted with 6 GiB and with swiotlb=force; Debian's stock
#                 7.3 with the kselftest alone, through run_kselftest.sh,
#                 its known bugs failing by name (MM_AB=0 leaves out the
#                 media-only kernel, UPSTREAM=0 the 7.3 ones,
#                 BOOT_CONFIGS=0 the two boot configurations)
#   make ci       what CI runs (.ci/run): make check, then the upstream and
#                 stock kernels on 6.12 (the LTS line), then the patched
#                 and upstream kernels as debug kernels (KASAN, DEBUG_VM,
#                 lockdep, kmemleak; scripts/ci.sh says what they run);
#                 its verdict in build/verdict.md (scripts/verdict.sh)
#   make series   build the mailable series into build/series/<SERIES>/ and
#                 check it (checkpatch, git am, send-email --dry-run, bisect
#                 build, W=1): SERIES=6.1 (default) | mainline | livelock;
#                 then the kernel test robot's checks, new findings only
#                 (clang, i386, !THP, coccicheck, htmldocs, spdxcheck:
#                 scripts/robot.sh; ROBOT=0 leaves them out, ROBOT_BREAK=
#                 NAME breaks one on purpose); for 6.1 then make bisect
#                 (BOOT=0 leaves that out); without make check it still
#                 makes the mail, NOT READY
#   make bisect   boot every commit of the 6.1 series and run the kselftest,
#                 held against what that commit must do (DRY_RUN=1: the
#                 plan only; BISECT_COMMITS="4 5": those commits)
#   make bench    baseline and patched side by side: the cost (guest
#                 instructions, QEMU -icount) and memory of USERPTR
#                 against copies and MMAP (build/bench/); BENCH_CLOCK=wall
#                 for plain TCG time (build/bench-wall/);
#                 BENCH_KERNELS="upstream upstream+proposed": the
#                 patch of patches/proposed/ on 6.12 (build/bench-*/;
#                 LAB_MAINLINE=6.12 is set then); BENCH_CASES=a,b,
#                 BENCH_REPS, BENCH_ROUNDS, BENCH_QUICK=1 (scripts/bench.sh)
#   make clock-soak  20 boots of baseline and patched, v4l2-compliance on
#                 vim2m, counting clock errors and unknown failures
#                 (SOAK_LOAD=1: with a kernel build running meanwhile)
#   make seen-to-fail  break the lab on purpose, each way, and check that it
#                 fails and says why (build/seen-to-fail/results.md)
#   make report-to-fail  break a copy of the results of make check, each
#                 way, and check that the report fails and says why
#                 (seconds: no build, no boot; build/report-to-fail/)
#   make lint     shellcheck; the README's verdict line against
#                 docs/verdict.md; then checkpatch --strict on patches/,
#                 proposed/ and lab/ (checkpatch needs the kernel trees of
#                 make check: on a fresh clone it is skipped, saying so,
#                 and make lint passes without it)
#   make deps     install the Debian packages the lab needs
#   make clean    remove build/ (the ccache stays in ~/.cache/ccache)
#   make help     print this
#
# KERNELS="K ..." checks those kernels instead (make check, make run):
# baseline, mediaonly, patched (6.1), upstream (7.3 with
# patches/mainline-7.3/), stock (Debian's 7.3 as it is); K@mem6g and
# K@swiotlb boot K another way; KERNEL_DEBUG=1 makes them debug kernels.
# E.g. KERNELS=upstream: the mainline series alone;
# LAB_MAINLINE=6.12 KERNELS=upstream+proposed: 6.12 with patches/proposed/
# on top.
# KSRC=/path/to/linux-6.1.y uses that tree instead of Debian's
# linux-source-6.1 (a git tree through git clone --shared, with its
# history: docs/series.md; KSRC_UPSTREAM for 6.12, KSRC_MAINLINE for 7.3);
# QEMU_EXTRA adds
# options to QEMU; LAB_INJECT=panic, hang, warn or expect makes the guest
# fail on purpose, to show that the lab catches it (QEMU_TIMEOUT=30
# makes the hang quick); also bug, taint,
# kill, nodmasg, nothp and compliance (see scripts/guest/init).
# LAB_CLOCK=bad boots the guest on jiffies, which the lab must call a clock
# error.
# LAB_MAINLINE=6.12 builds the upstream and stock kernels from Debian's
# 6.12 (patches/mainline/) instead of 7.3, into build/mainline-6.12/
# (docs/lab.md).
# ARCH=arm64 cross-builds the same kernels and tests for arm64 and boots
# them in qemu-system-aarch64, into build/arm64/ (make bench too; not
# make ci, series, bisect, clock-soak or seen-to-fail: docs/arm64.md).
# Every kernel runs sid's v4l-utils 1.32 (v4l2-compliance), held to
# scripts/compliance.known-<tree>@1.32 (docs/lab.md); V4L_UTILS=1.22 gives
# Debian 12's 1.22 to every kernel, held to compliance.known-<tree>.

SHELL := /bin/bash

.PHONY: run check ci deps clean lint series bisect bench clock-soak seen-to-fail report-to-fail help

run:
	@bash scripts/lab.sh run

check:
	@bash scripts/lab.sh check

ci:
	@bash scripts/ci.sh

series:
	@bash scripts/series.sh

bisect:
	@bash scripts/bisect.sh

bench:
	@bash scripts/bench.sh

seen-to-fail:
	@bash scripts/seen-to-fail.sh $(CASES)

report-to-fail:
	@bash scripts/report-to-fail.sh $(CASES)

clock-soak:
	@bash scripts/clock-soak.sh $(SOAK_BOOTS)

deps:
	@bash scripts/deps.sh

lint:
	@bash scripts/lint.sh

clean:
	rm -rf build

help:
	@sed -n '/^[^#]/q; s/^# \{0,1\}//p' Makefile
