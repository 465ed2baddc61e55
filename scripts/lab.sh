#!/usr/bin/env bash
# The lab's front door, called by the Makefile:
#   scripts/lab.sh run     build the patched kernel, boot it, run the tests
#   scripts/lab.sh check   the same on the baseline and the patched kernel,
#                          asserting both; MM_AB=1 adds the media-only kernel
# KERNEL_DEBUG=1 builds and tests the same kernels with KASAN, DEBUG_VM,
# lockdep, DEBUG_ATOMIC_SLEEP and kmemleak (scripts/debug.config), named
# <kernel>-debug, without v4l2-compliance.
. "$(dirname "$0")/lib.sh"

mode=${1:-run}
case $mode in
run) variants="patched" ;;
check) variants="baseline patched"
	[ "${MM_AB:-1}" = 0 ] || variants="baseline mediaonly patched" ;;
*) die "usage: $0 run|check" ;;
esac
# LAB_BREAK=NAME: the patched kernel with scripts/breaks/NAME.patch on top,
# alone, to see a check fail.
if [ -n "${LAB_BREAK:-}" ]; then
	variants="patched+$LAB_BREAK"
	export VARIANTS="baseline mediaonly patched $variants"
fi
base=baseline
if [ "${KERNEL_DEBUG:-0}" = 1 ]; then
	variants="${variants// /-debug }-debug"
	base=baseline-debug
	export COMPLIANCE=0
fi

phase deps bash "$LAB_TOP/scripts/deps.sh"
phase source bash "$LAB_TOP/scripts/source.sh"
say "source: $(cat "$BUILD/linux/.git/lab-origin")"
phase tree bash "$LAB_TOP/scripts/tree.sh"
# The baseline is built first in any case: the other kernels start from its
# objects.
phase "build $base" bash "$LAB_TOP/scripts/kernel.sh" "$base"
for v in $variants; do
	[ "$v" = "$base" ] || phase "build $v" bash "$LAB_TOP/scripts/kernel.sh" "$v"
done
for v in $variants; do
	phase "initramfs $v" bash "$LAB_TOP/scripts/initramfs.sh" "$v"
	# v4l2-compliance, the mm selftests, stress and fuzz run on the
	# baseline and the patched kernel only: the media-only kernel is
	# there to show stale pins, which stress would report as well.
	case $v in
	mediaonly*)
		COMPLIANCE=0 MM_TESTS=0 STRESS=0 phase "boot $v" bash "$LAB_TOP/scripts/boot.sh" "$v" ;;
	*)
		phase "boot $v" bash "$LAB_TOP/scripts/boot.sh" "$v" ;;
	esac
done
# shellcheck disable=SC2086
phase report bash "$LAB_TOP/scripts/report.sh" $variants

# Drift: what was tested must be what is committed, or the results (and the
# series that make series generates from the same files) describe code
# that nobody can check out.
dirty=$(git -C "$LAB_TOP" status --porcelain -- patches tools/testing/selftests/media_userptr)
if [ -n "$dirty" ]; then
	echo "$dirty"
	[ "${ALLOW_DIRTY:-0}" = 1 ] ||
		die "drift: the kernels were tested with uncommitted changes to patches/ or the selftest (ALLOW_DIRTY=1 accepts that)"
	say "drift: tested with uncommitted changes (ALLOW_DIRTY=1)"
fi
