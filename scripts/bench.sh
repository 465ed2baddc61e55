#!/usr/bin/env bash
# make bench: what the series costs and saves, measured on the baseline and
# the patched kernel in one host run. The guest runs scripts/guest/bench.c
# (lab.mode=bench); the kernels take turns, BENCH_ROUNDS times (default 3),
# the order flipping every round, so that drift of the host hits both.
# BENCH_REPS sets the repetitions inside each run (default 7),
# BENCH_QUICK=1 makes a short smoke run and BENCH_CASES=a,b runs only the
# cases named (zc_output, pin_cost, stream_cpu, capture_file, first_pin;
# the bars of the others then say "not run"). Output in build/bench/:
# results.csv, results.md, bench.png (scripts/bench-report.sh).
# BENCH_KERNELS="A B" compares two other kernels of one tree, A without a
# change and B with it, into build/bench-B/: "upstream upstream+proposed"
# measures patches/proposed/ on 6.12 (BENCH_TARGETS=proposed, set then).
# BENCH_CLOCK: what the guest's clock counts. icount (the default): QEMU
# runs the guest with "-icount shift=0,sleep=off", one nanosecond of guest
# time per instruction, so that a figure is the guest's instructions and
# the host's load does not move it; wall: plain TCG, guest time as the
# host's, into build/bench-wall/ (and build/bench-B-wall/). Where the
# other clock's results exist, the report sets both side by side.
# Timing lives here and only here: make check asserts no speed.
# patches/proposed/ is 6.12's: kernels of the mainline tree are 6.12's
# unless LAB_MAINLINE says otherwise (and then lts_only stops).
case ${BENCH_KERNELS:-} in
*upstream* | *stock*) export LAB_MAINLINE=${LAB_MAINLINE:-6.12} ;;
esac
. "$(dirname "$0")/lib.sh"
case ${BENCH_KERNELS:-} in
*upstream* | *stock*) lts_only "make bench BENCH_KERNELS=\"$BENCH_KERNELS\"" ;;
*) default_mainline_only "make bench" ;;
esac

bench_cases_valid
read -r KA KB rest <<<"${BENCH_KERNELS:-baseline patched}"
if [ -z "${KB:-}" ] || [ -n "${rest:-}" ]; then
	die "BENCH_KERNELS=\"${BENCH_KERNELS:-}\": two kernels"
fi
T=$(variant_tree "$KA")
[ "$(variant_tree "$KB")" = "$T" ] || die "BENCH_KERNELS: $KA and $KB are not of one tree"
# ARCH=arm64: the same in build/arm64/ (qemu-system-aarch64 counts
# instructions too).
OUT=$BUILD/bench
[ "$LAB_ARCH" = x86_64 ] || OUT=$BUILD/$LAB_ARCH/bench
if [ "$KA $KB" != "baseline patched" ]; then
	OUT=$OUT-${KB//+/-}
	case $KB in *+proposed) export BENCH_TARGETS=${BENCH_TARGETS:-proposed} ;; esac
fi
export BENCH_NAMES="$KA $KB"
ROUNDS=${BENCH_ROUNDS:-3}
export BENCH_CLOCK=${BENCH_CLOCK:-icount}
case $BENCH_CLOCK in
icount)
	[ "${LAB_ACCEL:-tcg}" = tcg ] || die "BENCH_CLOCK=icount: QEMU counts instructions under TCG only (LAB_ACCEL=$LAB_ACCEL)"
	# (single-threaded TCG: the vCPUs take turns)
	export QEMU_EXTRA="${QEMU_EXTRA:-} -icount shift=0,sleep=off" ;;
wall) OUT=$OUT-wall ;;
*) die "BENCH_CLOCK=$BENCH_CLOCK: icount or wall" ;;
esac

phase deps bash "$LAB_TOP/scripts/deps.sh"
phase source bash "$LAB_TOP/scripts/source.sh" "$T"
# (the 6.1 kernels' initramfs takes cow.c from there: seen failing on a
# clean clone, "cow.c comes from the 6.12 tree's upstream branch")
cow_tree_phases "$T"
# shellcheck disable=SC2046
phase tree bash "$LAB_TOP/scripts/tree.sh" "$T" $(tree_variants "$T") "$KA" "$KB"
# The tree's first kernel seeds the objects of the others (kernel.sh).
first=$(tree_variants "$T")
first=${first%% *}
built=" "
for v in "$first" "$KA" "$KB"; do
	case $built in *" $v "*) continue ;; esac
	phase "build $v" bash "$LAB_TOP/scripts/kernel.sh" "$v"
	built="$built$v "
done
for v in "$KA" "$KB"; do
	phase "initramfs $v" bash "$LAB_TOP/scripts/initramfs.sh" "$v"
done

# The previous run of this clock, for the report's comparison: kept
# beside OUT, which is made anew.
rm -f "$OUT.prev.csv"
[ ! -s "$OUT/results.csv" ] || cp "$OUT/results.csv" "$OUT.prev.csv"
rm -rf "$OUT"
mkdir -p "$OUT"
args=()
for r in $(seq 1 "$ROUNDS"); do
	order="$KA $KB"
	[ $((r % 2)) = 1 ] || order="$KB $KA"
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
for v in "$KA" "$KB"; do
	files=$(printf '%s,' "$OUT/$v"-*.csv)
	role=baseline
	[ "$v" = "$KA" ] || role=patched
	args+=("$role:${files%,}")
done
# the other clock's results, if a run left them
other=${OUT%-wall}
[ "$BENCH_CLOCK" = wall ] || other=$OUT-wall
[ ! -s "$other/results.csv" ] || export BENCH_OTHER=$other/results.csv
[ ! -s "$OUT.prev.csv" ] || export BENCH_PREV=$OUT.prev.csv
phase report bash "$LAB_TOP/scripts/bench-report.sh" "$OUT" "${args[@]}"
cat "$OUT/results.md"
