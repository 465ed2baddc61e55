#!/usr/bin/env bash
# make ci, which .ci/run runs: make check, then the same kernels built as
# debug kernels (KERNEL_DEBUG=1: KASAN, DEBUG_VM, lockdep, atomic-sleep
# checks, kmemleak), and one last line that counts both.
. "$(dirname "$0")/lib.sh"
x86_only "make ci (the debug kernels)"

p=0 f=0 s=0 rc=0
for debug in 0 1; do
	log=$LOGS/ci-check-$debug.log
	set +e
	# The debug run leaves out the media-only kernel: its point, stale
	# pins, is made by make check already.
	mm_ab=$((1 - debug))
	KERNEL_DEBUG=$debug MM_AB=$mm_ab bash "$LAB_TOP/scripts/lab.sh" check 2>&1 | tee "$log"
	r=${PIPESTATUS[0]}
	set -e
	[ "$r" = 0 ] || rc=1
	read -r a _ b _ c _ < <(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log" | tail -n 1 ||
		echo "0 passed, 1 failed, 0 skipped")
	p=$((p + a)) f=$((f + b)) s=$((s + c))
	# A run that stopped before counting is one failure.
	[ "$r" = 0 ] || [ "$b" != 0 ] || f=$((f + 1))
done
echo "$p passed, $f failed, $s skipped"
exit "$rc"
