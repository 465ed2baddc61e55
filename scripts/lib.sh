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
