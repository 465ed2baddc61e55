#!/usr/bin/env bash
# make ci, which .ci/run runs, in three halves, and one last line that
# counts them all:
#   check  make check: the 6.1 kernels and the mainline judge, 7.3
#          (scripts/lib.sh DEFAULT_MAINLINE)
#   lts    the upstream and stock kernels on 6.12 (LAB_MAINLINE=6.12), the
#          LTS line where the fixes' "Cc: stable" lands, and Debian 13's
#          kernel: patches/mainline/ must apply and pass there too
#   debug  the kernels we ship built as debug kernels (KERNEL_DEBUG=1:
#          KASAN, DEBUG_VM, lockdep, atomic-sleep checks, kmemleak)
#
# The debug half boots the patched 6.1 kernel and the upstream one (7.3):
# the kernels with our code. It leaves out the baseline (Debian's 6.1 as
# it is: nothing of ours to check), the media-only kernel (its point,
# stale pins, is made by make check already), 6.12 (the same fixes as on
# 7.3, with a debug kernel's cost again), and the kernel's own mm
# selftests: under KASAN they take 5 to 6 minutes a kernel, and cow.c,
# which does run, drives the unsharing the mm patches add. KERNEL_DEBUG=1
# make check runs every debug kernel with everything.
. "$(dirname "$0")/lib.sh"
x86_only "make ci (the debug kernels)"
default_mainline_only "make ci"

p=0 f=0 s=0 rc=0 why=""
for half in check lts debug; do
	log=$LOGS/ci-$half.log
	set +e
	case $half in
	check) how=() ;;
	lts) how=(LAB_MAINLINE=6.12 KERNELS="upstream stock") ;;
	debug) how=(KERNEL_DEBUG=1 KERNELS="patched upstream" MM_TESTS=0) ;;
	esac
	env "${how[@]}" bash "$LAB_TOP/scripts/lab.sh" check 2>&1 | tee "$log"
	r=${PIPESTATUS[0]}
	set -e
	[ "$r" = 0 ] || rc=1
	read -r a _ b _ c _ < <(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -n 1 ||
		echo "0 passed, 1 failed, 0 skipped")
	p=$((p + a)) f=$((f + b)) s=$((s + c))
	# A run that stopped before counting is one failure.
	[ "$r" = 0 ] || [ "$b" != 0 ] || f=$((f + 1))
	# A CI shows the end of the output: what failed a half, a report's
	# gates (scripts/report.sh: "FAILED: ...") and a phase's error, comes
	# again above the last line, each with the two lines under it; a dirty
	# dmesg and failed cases with all their lines (the report bounds them:
	# the first splat whole, the end of each failed case's output), so
	# that a failure seen once in CI can be read there.
	[ "$r" = 0 ] || why="$why
the $half half failed (exit $r, ${log#"$LAB_TOP"/}):
$(awk '/^\[[0-9:]+\] (FAILED|ERROR): / { print; after = /dmesg is dirty|failed cases/ ? 140 : 2; next }
	/^\[[0-9:]+\] / { after = 0 }
	after > 0 { print "  " $0; after-- }' "$log" | tail -n 200)"
done
# The verdict (scripts/verdict.sh), from make ci's whole output, kept in
# build/logs/ci.log: build/verdict.md, what docs/verdict.md is copied from
# when the README cites this run. A run whose counts do not add up fails.
commit=$(git -C "$LAB_TOP" rev-parse --short HEAD 2>/dev/null || echo "an unknown commit")
[ -z "$(git -C "$LAB_TOP" status --porcelain 2>/dev/null)" ] || commit="$commit with uncommitted changes"
{
	cat "$LOGS/ci-check.log" "$LOGS/ci-lts.log" "$LOGS/ci-debug.log"
	[ -z "$why" ] || printf '%s\n' "$why"
	echo "$p passed, $f failed, $s skipped"
} >"$LOGS/ci.log"
if ! bash "$LAB_TOP/scripts/verdict.sh" "$LOGS/ci.log" "$commit" >"$BUILD/verdict.md" 2>"$LOGS/verdict.err"; then
	rm -f "$BUILD/verdict.md"
	why="$why
no verdict (scripts/verdict.sh ${LOGS#"$LAB_TOP"/}/ci.log): $(cat "$LOGS/verdict.err")"
	[ "$rc" != 0 ] || f=$((f + 1))
	rc=1
fi
[ -z "$why" ] || printf '%s\n' "$why"
[ ! -f "$BUILD/verdict.md" ] || echo "verdict: ${BUILD#"$LAB_TOP"/}/verdict.md"
echo "$p passed, $f failed, $s skipped"
exit "$rc"
