# shellcheck shell=bash
# Shared helpers for the lab scripts: paths, progress lines, logs.
# Sourced, never executed.

set -eu
set -o pipefail

LAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$LAB_TOP/build}
LOGS=$BUILD/logs
mkdir -p "$LOGS"

# Time origin of the whole "make" invocation, so that every phase line shows
# the elapsed time since the user typed the command.
LAB_T0=${LAB_T0:-$(date +%s)}
export LAB_T0

elapsed() {
	local s=$(( $(date +%s) - LAB_T0 ))
	printf '%02d:%02d' $((s / 60)) $((s % 60))
}

say() {
	printf '[%s] %s\n' "$(elapsed)" "$*"
}

die() {
	printf '[%s] ERROR: %s\n' "$(elapsed)" "$*" >&2
	exit 1
}

# run_logged LOG CMD...: run CMD with its output in LOG; on failure print the
# last 50 lines of LOG and fail.
run_logged() {
	local log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		printf '[%s] ERROR: %s failed; last 50 lines of %s:\n' \
			"$(elapsed)" "$1" "$log" >&2
		tail -n 50 "$log" >&2
		exit 1
	fi
}

# phase NAME CMD...: one progress line per phase, with its duration.
phase() {
	local name=$1 t
	shift
	t=$(date +%s)
	"$@"
	say "$(printf '%-18s done in %ss' "$name" $(( $(date +%s) - t )))"
}

# Files whose content decides a step's output; hashing them gives the key
# under which the output is reused.
hash_files() {
	cat "$@" | sha256sum | cut -c1-16
}

# guest_clock: the kernel command line for the guest's clock. The guest has no HPET, ACPI PM timer or kvmclock, and under
# TCG no TSC frequency in CPUID: it would calibrate the TSC against the PIT,
# which fails on a loaded host and leaves CLOCK_MONOTONIC on jiffies (4 ms
# steps), and v4l2-compliance then sees equal timestamps. Its TSC is the
# host's, so the host measures the frequency (scripts/host/tsc-khz.c,
# rounded to the MHz so that the results key stays the same) and passes it
# as tsc_early_khz=. tsc=reliable keeps the clocksource watchdog, which
# would judge the TSC against jiffies, from dropping it. LAB_CLOCK=bad
# forces the fallback instead (tsc=unstable), to show that the lab calls
# it a clock error, not a test failure.
guest_clock() {
	local khz=$BUILD/host/tsc-khz
	mkdir -p "$BUILD/host"
	[ "$khz" -nt "$LAB_TOP/scripts/host/tsc-khz.c" ] ||
		run_logged "$LOGS/tsc-khz.log" gcc -O2 -Wall -Wextra -o "$khz" "$LAB_TOP/scripts/host/tsc-khz.c"
	case ${LAB_CLOCK:-tsc} in
	tsc) echo "tsc_early_khz=$(( ($("$khz") + 500) / 1000 * 1000 )) tsc=reliable" ;;
	bad) echo "tsc=unstable" ;;
	*) die "LAB_CLOCK=$LAB_CLOCK: tsc or bad" ;;
	esac
}

# The kernel trees. "6.1": Debian's linux-source-6.1 (or KSRC), where the
# series goes. "6.12": Debian's linux-source-6.12 (or KSRC_UPSTREAM), the
# nearest tree to mainline here, for the "upstream" kernels.
# variant_tree VARIANT: the tree a kernel variant is built from.
variant_tree() {
	case $1 in
	upstream*) echo 6.12 ;;
	*) echo 6.1 ;;
	esac
}
# tree_dir TREE, am_dir TREE: its source (the kernels are built from it)
# and its worktree (where the branches are made).
tree_dir() {
	if [ "$1" = 6.1 ]; then echo "$BUILD/linux"; else echo "$BUILD/linux-$1"; fi
}
am_dir() {
	if [ "$1" = 6.1 ]; then echo "$BUILD/am"; else echo "$BUILD/am-$1"; fi
}
# tree_variants TREE: its kernels, the first one built first (the others
# start from its objects).
tree_variants() {
	if [ "$1" = 6.1 ]; then echo "baseline mediaonly patched"; else echo upstream; fi
}
