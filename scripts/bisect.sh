#!/usr/bin/env bash
# make bisect: boot every commit of the 6.1 series and run the
# media_userptr kselftest on it, held against what that commit must do.
#   scripts/bisect.sh              build, boot and check each commit
#   DRY_RUN=1 scripts/bisect.sh    print the plan only (no tree, build or boot)
#   BISECT_COMMITS="4 5"           only those commits
# The kernel commit-N is Debian's 6.1 with the first N patches of
# patches/series and then the selftest commit, as every branch of
# scripts/tree.sh: the kselftest is the same file on every commit, and
# commit-<last> is the whole series. What a commit must do follows from
# the subjects of the patches it has (scripts/lib.sh): its expectations
# (kernel_expect: baseline, then direction once the pin follows the
# queue's direction, then patched once FOLL_FORCE is dropped) and its skips (expected_skips:
# the "commit-*" entries of scripts/expected-skips; a driver variant whose
# patch is not in yet skips, with its reason). Only the kselftest runs:
# no v4l2-compliance, stress, fuzz or mm selftests. Every commit is tried,
# after a failing one too; the run fails if any commit did not build, boot
# or pass, and names each. Results: build/results/commit-N/, and all of
# them side by side in build/results/summary-bisect.md.
. "$(dirname "$0")/lib.sh"
x86_only "make bisect"
default_mainline_only "make bisect"

export COMPLIANCE=0 STRESS=0 MM_TESTS=0 COW=0

mapfile -t subjects < <(series_subjects)
count=${#subjects[@]}
[ "$count" -gt 0 ] || die "patches/series has no patch"
commits=${BISECT_COMMITS:-$(seq 1 "$count")}
for n in $commits; do
	if ! [[ $n =~ ^[1-9][0-9]*$ ]] || [ "$n" -gt "$count" ]; then
		die "BISECT_COMMITS: $n is not a commit of the series (1 to $count)"
	fi
done

# The plan: every commit, its kernel, its expectations, and its expected
# skips where they change.
declare -A expect
say "make bisect: $(wc -w <<<"$commits") of the $count commits of the 6.1 series, each with the selftest commit on top; the kselftest only"
printf '%3s  %-10s %-9s %s\n' "#" kernel expect "subject (and the expected skips, where they change)"
prev=""
for n in $commits; do
	k=commit-$n
	expect[$k]=$(kernel_expect "$k")
	printf '%3s  %-10s %-9s %s\n' "$n" "$k" "${expect[$k]}" "${subjects[n - 1]}"
	skips=$(expected_skips "$k" | cut -f2-)
	[ "$skips" = "$prev" ] ||
		awk -F'\t' '{ printf "%26s skips %s: %s\n", "", $1, $3 }' <<<"$skips"
	prev=$skips
done
if [ "${DRY_RUN:-0}" = 1 ]; then
	exit 0
fi

# step NAME CMD...: like phase, but a failure is returned, so that the
# other commits still run.
step() {
	local name=$1 t rc=0
	shift
	t=$(date +%s)
	"$@" || rc=$?
	local what="done"
	[ "$rc" = 0 ] || what=FAILED
	say "$(printf '%-18s %s in %ss' "$name" "$what" $(( $(date +%s) - t )))"
	return "$rc"
}

TREE=$(tree_dir 6.1)
phase deps bash "$LAB_TOP/scripts/deps.sh"
phase "source 6.1" bash "$LAB_TOP/scripts/source.sh" 6.1
# The guest's cow.c comes from the 6.12 tree's upstream branch
# (scripts/initramfs.sh), even where it does not run.
cow_tree_phases 6.1
# The baseline is built first, the commits start from its objects; the
# guest's kselftest is built from the patched branch (scripts/initramfs.sh).
# shellcheck disable=SC2046,SC2086
phase "tree 6.1" bash "$LAB_TOP/scripts/tree.sh" 6.1 baseline patched $(printf 'commit-%s ' $commits)
# Each branch has the patches the plan was made from.
for n in $commits; do
	got=$(git -C "$TREE" log --reverse --format=%s "base..commit-$n" | sed -n "1,${n}p")
	[ "$got" = "$(series_subjects "$n")" ] ||
		die "branch commit-$n does not begin with the first $n patches of patches/series"
done
phase "build baseline" bash "$LAB_TOP/scripts/kernel.sh" baseline

failed=() booted=()
for n in $commits; do
	k=commit-$n
	t=$(date +%s)
	if step "build $k" bash "$LAB_TOP/scripts/kernel.sh" "$k" &&
		step "initramfs $k" bash "$LAB_TOP/scripts/initramfs.sh" "$k" &&
		step "boot $k" bash "$LAB_TOP/scripts/boot.sh" "$k"; then
		booted+=("$k")
		if bash "$LAB_TOP/scripts/report.sh" "$k" >"$LOGS/report-$k.log" 2>&1; then
			verdict="ok, $(tail -n 1 "$LOGS/report-$k.log")"
		else
			grep -vE '^(- |  - |summary: )' "$LOGS/report-$k.log" || true
			verdict="FAILED, $(tail -n 1 "$LOGS/report-$k.log")"
			failed+=("$k")
		fi
	else
		verdict="FAILED to build or boot"
		failed+=("$k")
	fi
	say "$k (${expect[$k]}): $verdict, in $(( $(date +%s) - t ))s: ${subjects[n - 1]}"
done

# All of them side by side: its "Where the kernels differ" shows which
# case changes at which commit.
if [ ${#booted[@]} -gt 0 ]; then
	bash "$LAB_TOP/scripts/report.sh" "${booted[@]}" >"$LOGS/report-bisect.log" 2>&1 || true
	say "the commits side by side: $BUILD/results/summary-bisect.md"
fi
check_drift
[ ${#failed[@]} = 0 ] ||
	die "make bisect: ${#failed[@]} commit(s) failed: $(for k in "${failed[@]}"; do
		n=${k#commit-}; printf '%s "%s"; ' "$k" "${subjects[n - 1]}"; done)"
say "make bisect: every commit passed ($(wc -w <<<"$commits") booted)"
