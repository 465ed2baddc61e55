#!/usr/bin/env bash
# The lab's front door, called by the Makefile:
#   scripts/lab.sh run     build the patched kernel, boot it, run the tests
#   scripts/lab.sh check   the same on the baseline, media-only, patched and
#                          upstream kernels, asserting each, and the
#                          kselftest alone on the stock kernel (MM_AB=0
#                          leaves out the media-only kernel, UPSTREAM=0 the
#                          upstream and stock ones)
# The upstream and stock kernels are of the mainline tree, 7.3;
# LAB_MAINLINE=6.12: of the 6.12 tree instead, in build/mainline-6.12/
# (scripts/lib.sh, docs/lab.md).
# KERNEL_DEBUG=1 builds and tests the same kernels with KASAN, DEBUG_VM,
# lockdep, DEBUG_ATOMIC_SLEEP and kmemleak (scripts/debug.config), named
# <kernel>-debug, without v4l2-compliance.
# ARCH=arm64: the same kernels and tests cross-built for arm64 and booted in
# qemu-system-aarch64 (build/arm64/; scripts/lib.sh, docs/arm64.md).
. "$(dirname "$0")/lib.sh"

mode=${1:-run}
case $mode in
run) variants="patched" ;;
check) variants="baseline patched"
	[ "${MM_AB:-1}" = 0 ] || variants="baseline mediaonly patched"
	[ "${UPSTREAM:-1}" = 0 ] || variants="$variants upstream"
	# Debian's mainline tree without our fixes, run as a CI runs the kselftest:
	# its known bugs must fail by name. Not as a debug kernel: nothing of
	# ours is in it.
	[ "${UPSTREAM:-1}" = 0 ] || [ "${KERNEL_DEBUG:-0}" = 1 ] || variants="$variants stock"
	# The patched kernel also boots as users' machines do (lib.sh
	# BOOT_CONFS): more than 4 GiB, and swiotlb=force. Not the debug
	# kernels: the point is DMA bouncing, not the kernel's checks.
	if [ "${BOOT_CONFIGS:-1}" = 1 ] && [ "${KERNEL_DEBUG:-0}" != 1 ]; then
		variants="$variants patched@mem6g patched@swiotlb"
	fi ;;
*) die "usage: $0 run|check" ;;
esac
# LAB_BREAK=NAME (or KERNEL+NAME, default patched): that kernel with
# scripts/breaks/NAME.patch on top, alone. Most of these break a check on
# purpose, to see it fail; dcvmap forces a code path and must pass
# (docs/lab.md).
if [ -n "${LAB_BREAK:-}" ]; then
	case $LAB_BREAK in
	*+*) variants=$LAB_BREAK ;;
	*) variants="patched+$LAB_BREAK" ;;
	esac
fi
# KERNELS="K ...": those kernels instead, each held to its own
# expectations (K+proposed and K+BREAK to K's).
[ -z "${KERNELS:-}" ] || variants=$KERNELS
# The kernels to build: every variant's, KERNEL@CONF boots KERNEL's.
kernels=""
for v in $variants; do
	k=$(boot_kernel "$v")
	[ "$k" = "$v" ] || boot_conf "$v" >/dev/null
	case " $kernels " in *" $k "*) ;; *) kernels="$kernels $k" ;; esac
done
# The trees these kernels come from, and each tree's branches to make.
trees=""
for v in $kernels; do
	t=$(variant_tree "$v")
	case " $trees " in *" $t "*) ;; *) trees="$trees $t" ;; esac
done
if [ "${KERNEL_DEBUG:-0}" = 1 ]; then
	variants="${variants// /-debug }-debug"
	kernels=$variants
	export COMPLIANCE=0
fi

[ "$LAB_ARCH" = x86_64 ] || say "arch $LAB_ARCH: cross-built with ${LAB_CROSS}gcc, results in ${ABUILD#"$LAB_TOP"/}/results"
phase deps bash "$LAB_TOP/scripts/deps.sh"
# The 6.1 kernels run mainline's cow.c from the upstream branch of
# COW_TREE, 6.12: that branch is made even when no kernel of that tree is.
# shellcheck disable=SC2086 # (the trees, one a word)
cow_tree_phases $trees
built=" "
for t in $trees; do
	phase "source $t" bash "$LAB_TOP/scripts/source.sh" "$t"
	say "source $t: $(cat "$(tree_dir "$t")/.git/lab-origin")"
	# the tree's usual branches, and any broken one asked for
	breaks=$(for v in $kernels; do
		v=${v%-debug}
		case $v in *+*) [ "$(variant_tree "$v")" != "$t" ] || echo "$v" ;; esac
	done)
	# shellcheck disable=SC2046,SC2086
	phase "tree $t" bash "$LAB_TOP/scripts/tree.sh" "$t" $(tree_variants "$t") $breaks
	# The tree's first kernel is built first in any case: the others
	# start from its objects.
	first=$(tree_variants "$t")
	first=${first%% *}
	[ "${KERNEL_DEBUG:-0}" = 1 ] && first=$first-debug
	phase "build $first" bash "$LAB_TOP/scripts/kernel.sh" "$first"
	built="$built$first "
done
for v in $kernels; do
	case $built in *" $v "*) continue ;; esac
	phase "build $v" bash "$LAB_TOP/scripts/kernel.sh" "$v"
done
for v in $kernels; do
	phase "initramfs $v" bash "$LAB_TOP/scripts/initramfs.sh" "$v"
done
for v in $variants; do
	# v4l2-compliance, the mm selftests, stress and fuzz run on every
	# kernel but the media-only one: it is there to show stale pins,
	# which stress would report as well. A boot configuration runs the
	# kselftest alone: what it changes is where buffers live for DMA.
	case $v in
	*@*)
		COMPLIANCE=0 MM_TESTS=0 STRESS=0 COW=0 phase "boot $v" bash "$LAB_TOP/scripts/boot.sh" "$v" ;;
	mediaonly*)
		COMPLIANCE=0 MM_TESTS=0 STRESS=0 phase "boot $v" bash "$LAB_TOP/scripts/boot.sh" "$v" ;;
	# The stock kernel: the kselftest through run_kselftest.sh alone, as
	# KernelCI and LKFT run it (the guest loads nothing and sets no
	# MEDIA_USERPTR_*: the test's default, mainline's, expectations).
	stock*)
		LAB_MODE=kselftest COMPLIANCE=0 MM_TESTS=0 STRESS=0 COW=0 \
			phase "boot $v" bash "$LAB_TOP/scripts/boot.sh" "$v" ;;
	*)
		phase "boot $v" bash "$LAB_TOP/scripts/boot.sh" "$v" ;;
	esac
done
# shellcheck disable=SC2086
phase report bash "$LAB_TOP/scripts/report.sh" $variants

# Drift: what was tested must be what is committed (scripts/lib.sh).
check_drift
