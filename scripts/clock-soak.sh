#!/usr/bin/env bash
# Boot the baseline and the patched kernel in turn, N boots in all, each
# running v4l2-compliance -s on the vim2m nodes only (where a jiffies clock
# broke "Requests"), and count clock errors and failures that
# scripts/compliance.known-6.1 does not list:
#   scripts/clock-soak.sh [N]        (default 20; make clock-soak)
# SOAK_LOAD=1 keeps the host busy meanwhile, on purpose: a kernel build of
# the baseline tree without ccache, over and over, on all cores. LAB_CLOCK=bad
# shows what a bad clock looks like. The kernels must have been built
# (make check). Results: build/soak/<n>-<kernel>/, summary in build/soak/soak.md.
. "$(dirname "$0")/lib.sh"
x86_only "make clock-soak"
default_mainline_only "make clock-soak"

n=${1:-20}
SOAK=$BUILD/soak
rm -rf "$SOAK"
mkdir -p "$SOAK"
for v in baseline patched; do
	[ -f "$BUILD/obj/$v/initramfs.cpio.gz" ] || die "$v: not built; run make check first"
done

load=""
if [ "${SOAK_LOAD:-0}" = 1 ]; then
	# its own session, so that the whole build can be stopped at the end
	# shellcheck disable=SC2016
	setsid bash -c 'while :; do
		rm -rf "$1"
		CCACHE_DISABLE=1 make -C "$2" O="$1" -j"$(nproc)" \
			KCONFIG_ALLCONFIG="$3" allnoconfig bzImage >/dev/null 2>&1
	done' load "$SOAK/load-obj" "$BUILD/linux" "$BUILD/obj/baseline/.config" &
	load=$!
	trap 'kill -- -"$load" 2>/dev/null; sleep 1; rm -rf "$SOAK/load-obj"' EXIT
	say "load: a kernel build without ccache on $(nproc) cores, in a loop"
fi

clockerr=0 unknown=0
for i in $(seq 1 "$n"); do
	# vim2m has one node on the baseline, one per allocator with the series
	v=baseline nodes=1
	[ $((i % 2)) = 0 ] && v=patched nodes=3
	res=$SOAK/$(printf '%02d' "$i")-$v
	if ! LAB_MODE=compliance LAB_NODES=vim2m RETEST=1 BOOT_RES=$res \
		bash "$LAB_TOP/scripts/boot.sh" "$v" >"$res.log" 2>&1; then
		if grep -q "lab error.*clocksource" "$res.log"; then
			clockerr=$((clockerr + 1))
			say "boot $i ($v): $(grep -o "the guest's clocksource was '[^']*'" "$res.log")"
			continue
		fi
		tail -n 20 "$res.log"
		die "boot $i ($v) failed; see $res.log"
	fi
	# the failures of this boot that the known list lacks
	new=$(awk -F'\t' '
		FILENAME ~ /compliance.known-6.1$/ { if ($0 !~ /^#/) known[$1 "\t" $2] = 1; next }
		/^# compliance: [^e]/ { split($0, w, " "); node = w[3] }
		/^[ \t]*test .*: FAIL/ { t = $0; sub(/^[ \t]*test /, "", t); sub(/: FAIL.*/, "", t)
			if (!((node "\t" t) in known)) print node ": " t }
		/^Total for / { tot++ }
		END { if (tot != want) print "only " tot + 0 " of " want " vim2m nodes reported a total" }
	' want="$nodes" "$LAB_TOP/scripts/compliance.known-6.1" "$res/compliance.log")
	if [ -n "$new" ]; then
		unknown=$((unknown + 1))
		say "boot $i ($v): $(echo "$new" | tr '\n' ';')"
	else
		say "boot $i ($v): clocksource tsc, the vim2m nodes as known"
	fi
done
{
	echo "$n boots (baseline and patched in turn), load: ${SOAK_LOAD:-0}, clock: ${LAB_CLOCK:-tsc}"
	echo "clock errors: $clockerr; boots with a failure not in compliance.known: $unknown"
} | tee "$SOAK/soak.md"
[ "$clockerr" = 0 ] && [ "$unknown" = 0 ]
