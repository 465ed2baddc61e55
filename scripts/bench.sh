#!/usr/bin/env bash
# make bench: what the series costs and saves, measured on the baseline and
# the patched kernel in one host run. The guest runs scripts/guest/bench.c
# (lab.mode=bench); the kernels take turns, BENCH_ROUNDS times (default 3),
# the order flipping every round, so that drift of the host hits both.
# BENCH_REPS sets the repetitions inside each run (default 7) and
# BENCH_QUICK=1 makes a short smoke run. Output in build/bench/:
# results.csv, results.md, bench.png (scripts/bench-report.sh).
# Timing lives here and only here: make check asserts no speed.
. "$(dirname "$0")/lib.sh"
x86_only "make bench"

OUT=$BUILD/bench
ROUNDS=${BENCH_ROUNDS:-3}

phase deps bash "$LAB_TOP/scripts/deps.sh"
phase source bash "$LAB_TOP/scripts/source.sh"
phase tree bash "$LAB_TOP/scripts/tree.sh"
for v in baseline patched; do
	phase "build $v" bash "$LAB_TOP/scripts/kernel.sh" "$v"
	phase "initramfs $v" bash "$LAB_TOP/scripts/initramfs.sh" "$v"
done

rm -rf "$OUT"
mkdir -p "$OUT"
args=()
for r in $(seq 1 "$ROUNDS"); do
	order="baseline patched"
	[ $((r % 2)) = 1 ] || order="patched baseline"
	for v in $order; do
		res=$OUT/$v-$r
		LAB_MODE=bench RETEST=1 BOOT_RES=$res COMPLIANCE=0 MM_TESTS=0 STRESS=0 \
			phase "bench $v, round $r" bash "$LAB_TOP/scripts/boot.sh" "$v"
		grep -q '^# lab: exit 0' "$res/results.tap" || {
			tail -n 30 "$res/results.tap"
			die "bench: the benchmark failed on $v (round $r); see $res/results.tap"
		}
		{
			echo "# accel: $(cat "$res/accel")"
			tr -d '\r' <"$res/results.tap" | grep -v '^# lab:'
		} >"$res.csv"
	done
done
for v in baseline patched; do
	files=$(printf '%s,' "$OUT/$v"-*.csv)
	args+=("$v:${files%,}")
done
phase report bash "$LAB_TOP/scripts/bench-report.sh" "$OUT" "${args[@]}"
cat "$OUT/results.md"
