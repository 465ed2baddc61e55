#!/usr/bin/env bash
# Read what each kernel's guest reported and decide:
#   scripts/report.sh VARIANT...
# Merges the KTAP of the runs (a case counts as failed if any run failed it,
# as skipped only if every run skipped it), scans dmesg, writes
# build/results/summary.md and ends with "N passed, N failed, N skipped".
# Exits non-zero on any failed case, a dirty dmesg or a missing result.
. "$(dirname "$0")/lib.sh"

RES=$BUILD/results
# The debug kernels (KERNEL_DEBUG=1) get their own summary: make series
# puts the one of make check into the cover letter.
case $1 in
*-debug) SUM=$RES/summary-debug.md ;;
*) SUM=$RES/summary.md ;;
esac
bad=0
DIRTY='WARNING:|BUG:|Oops|KASAN|refcount_t:|list_add corruption|list_del corruption|general protection fault|Kernel panic|kmemleak:.*suspected|unreferenced object'

for v in "$@"; do
	tap=$RES/$v/results.tap
	[ -s "$tap" ] || die "$v: no results ($tap)"
	# name status reason, one line per case, merged over the runs
	awk '
	# The harness names a case on its "#  RUN" line; its "ok" line may not.
	/^#  RUN / { cur = $3; seen_out = ""; next }
	/^# outcome: / { o = substr($0, 12); seen_out = seen_out (seen_out == "" ? "" : ", ") o; next }
	/^(not )?ok [0-9]+/ {
		st = ($1 == "not") ? "FAIL" : "PASS"
		reason = ""
		if (match($0, / # SKIP ?/)) { st = "SKIP"; reason = substr($0, RSTART + RLENGTH) }
		name = cur; cur = ""
		if (name == "") { name = "?unnamed"; st = "FAIL" }
		if (!(name in s)) order[n++] = name
		rank["FAIL"] = 3; rank["PASS"] = 2; rank["SKIP"] = 1
		if (st != "SKIP") reason = seen_out
		if (!(name in s) || rank[st] > rank[s[name]]) { s[name] = st; r[name] = reason }
	}
	END { for (i = 0; i < n; i++) printf "%s\t%s\t%s\n", order[i], s[order[i]], r[order[i]] }
	' "$tap" >"$RES/$v/cases.tsv"
	[ -s "$RES/$v/cases.tsv" ] || { say "$v: no test case reported"; bad=1; }
	if grep -q '^# lab: exit [^01]' "$tap"; then
		say "$v: a test run did not finish:"
		grep '^# lab: exit' "$tap"
		bad=1
	fi
	# Every pin of the whole run released: the counters balance.
	pins=$(grep -m1 '^# lab: pins' "$tap" | tr -d '\r' || true)
	read -r _ _ _ _ acq _ rel _ <<<"${pins:-x x x x ? x ?}"
	if [ "$acq" = "?" ] || [ "$acq" != "$rel" ]; then
		say "$v: pins do not balance: ${pins:-no pin counters reported}"
		bad=1
	fi
	if grep -Eq "$DIRTY" "$RES/$v/dmesg.log"; then
		say "$v: dmesg is dirty:"
		grep -E "$DIRTY" "$RES/$v/dmesg.log" | head -n 20
		bad=1
	fi
	if grep -q FAIL "$RES/$v/cases.tsv"; then
		say "$v: failed cases:"
		awk -F'\t' '$2 == "FAIL" { print "  " $1 }' "$RES/$v/cases.tsv"
		# the harness' own lines for them
		grep -E '^# [A-Za-z_]+\.c:[0-9]+:' "$tap" | sort -u | head -n 40 || true
		bad=1
	fi
done

# table diff|all VARIANT...: one row per case, one column per kernel. "diff"
# keeps the rows whose outcome (skips aside) is not the same everywhere and
# shows the outcome; "all" keeps every row and shows status and outcome.
table() {
	local mode=$1
	shift
	printf '| case |'; for v in "$@"; do printf ' %s |' "$v"; done; echo
	printf '|---|'; for v in "$@"; do printf -- '---|'; done; echo
	awk -F'\t' -v n=$# -v mode="$mode" '
	FNR == 1 { k++ }
	{ if (!($1 in seen)) { seen[$1] = 1; order[m++] = $1 } st[$1, k] = $2; out[$1, k] = $3 }
	function cell(c, j) {
		if (!((c, j) in st)) return "-"
		if (st[c, j] == "SKIP") return "SKIP"
		if (mode == "diff") return out[c, j]
		return out[c, j] == "" ? st[c, j] : st[c, j] ": " out[c, j]
	}
	END {
		for (i = 0; i < m; i++) {
			c = order[i]; first = ""; differ = 0
			for (j = 1; j <= n; j++) {
				if (!((c, j) in st) || st[c, j] == "SKIP") continue
				if (first == "") first = out[c, j]; else if (out[c, j] != first) differ = 1
			}
			if (mode == "diff" && !differ) continue
			printf "| %s |", c
			for (j = 1; j <= n; j++) printf " %s |", cell(c, j)
			print ""
		}
	}' "${tsvs[@]}"
}

tsvs=()
for v in "$@"; do tsvs+=("$RES/$v/cases.tsv"); done
{
	echo "# media_userptr results"
	echo
	for v in "$@"; do
		f=$RES/$v/cases.tsv
		printf -- '- **%s** (%s, %s, first test at %s): %s cases, %s passed, %s failed, %s skipped\n' "$v" \
			"$(grep -m1 '^# lab: kernel' "$RES/$v/results.tap" | sed 's/^# lab: //')" \
			"$(cat "$RES/$v/accel")" \
			"$(grep -m1 '^# lab: run' "$RES/$v/results.tap" | sed 's/.* at //')" \
			"$(wc -l <"$f")" "$(grep -c $'\tPASS\t' "$f" || true)" \
			"$(grep -c $'\tFAIL\t' "$f" || true)" "$(grep -c $'\tSKIP\t' "$f" || true)"
		grep -m1 '^# lab: pins' "$RES/$v/results.tap" | sed 's/^# lab: pins /  - pins over the whole run: /' || true
		awk -F'\t' '$2 == "SKIP" { c[$3]++ } END { for (k in c) printf "  - skipped %d: %s\n", c[k], k }' "$f" | sort
	done
	echo
	echo "## Where the kernels differ"
	echo
	table diff "$@"
	echo
	echo "## All cases"
	echo
	table all "$@"
} >"$SUM"

# v4l2-compliance: baseline against patched, when both ran it.
case " $* " in
*" baseline "*" patched "*)
	if [ -f "$RES/baseline/compliance.log" ] && [ -f "$RES/patched/compliance.log" ]; then
		if ! bash "$LAB_TOP/scripts/compliance.sh" baseline patched >"$RES/compliance.md"; then
			say "v4l2-compliance: the patched kernel fails where the baseline does not:"
			bad=1
		fi
		cat "$RES/compliance.md"
		{ echo; echo "## v4l2-compliance -s"; echo; cat "$RES/compliance.md"; } >>"$SUM"
	fi
	;;
esac

p=0 f=0 s=0
for v in "$@"; do
	p=$((p + $(grep -c $'\tPASS\t' "$RES/$v/cases.tsv" || true)))
	f=$((f + $(grep -c $'\tFAIL\t' "$RES/$v/cases.tsv" || true)))
	s=$((s + $(grep -c $'\tSKIP\t' "$RES/$v/cases.tsv" || true)))
done
sed -n '3,/^$/p' "$SUM"
echo "summary: $SUM"
echo "$p passed, $f failed, $s skipped"
[ "$bad" = 0 ] && [ "$f" = 0 ]
