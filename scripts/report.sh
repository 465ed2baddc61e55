#!/usr/bin/env bash
# Read what each kernel's guest reported and decide:
#   scripts/report.sh VARIANT...
# Checks that every program the guest ran finished (exit 0 or 1) with a
# result for every case it planned, merges the KTAP of the runs (a case
# counts as failed if any run failed it, as skipped only if every run
# skipped it), holds the skips against scripts/expected-skips, scans dmesg,
# checks the taint and the pin counters, writes build/results/summary.md
# and ends with "N passed, N failed, N skipped".
# Exits non-zero on any failed case, an unexpected or missing skip, an
# incomplete run, a dirty dmesg, a taint or a missing result.
. "$(dirname "$0")/lib.sh"

RES=$BUILD/results
# The debug kernels (KERNEL_DEBUG=1) and the commits of make bisect get
# their own summary: make series puts the one of make check into the
# cover letter.
case $1 in
*-debug) SUM=$RES/summary-debug.md ;;
commit-*) SUM=$RES/summary-bisect.md ;;
*) SUM=$RES/summary.md ;;
esac
bad=0
# What a kernel prints when it goes wrong: WARN, BUG and BUG_ON (x86
# prints "kernel BUG at" and "invalid opcode", without "Oops"), oopses and
# exceptions, sanitizers, lockdep and hung-task reports ("INFO:"; one of
# them turns lockdep off), RCU stalls, lockups, the OOM killer, a user
# program's segfault, and the list and refcount checks.
DIRTY='WARNING:|BUG:|kernel BUG at|invalid opcode|divide error|Oops|general protection fault|stack segment|double fault|Kernel panic|KASAN|UBSAN|KFENCE|INFO:|rcu.*stall|soft lockup|hard LOCKUP|blocked for more than|Out of memory|oom-kill|invoked oom-killer|segfault at|traps: |refcount_t:|list_add corruption|list_del corruption|kmemleak:.*suspected|unreferenced object|Call Trace:'

for v in "$@"; do
	tap=$RES/$v/results.tap
	[ -s "$tap" ] || die "$v: no results ($tap)"
	# name status reason, one line per case, merged over the runs
	awk '
	# The serial port ends lines with CR LF.
	{ sub(/\r$/, "") }
	# The harness names a case on its "#  RUN" line; its "ok" line may not.
	/^#  RUN / { cur = $3; seen_out = ""; seen_diff = ""; seen_layout = ""; next }
	/^# outcome: / { o = substr($0, 12); seen_out = seen_out (seen_out == "" ? "" : ", ") o; next }
	/^# difference: / { seen_diff = substr($0, 15); next }
	/^# layout: / { seen_layout = substr($0, 11); next }
	/^(not )?ok [0-9]+/ {
		st = ($1 == "not") ? "FAIL" : "PASS"
		reason = ""
		if (match($0, / # SKIP ?/)) { st = "SKIP"; reason = substr($0, RSTART + RLENGTH) }
		name = cur; cur = ""
		if (name == "") { name = "?unnamed"; st = "FAIL" }
		if (!(name in s)) order[n++] = name
		rank["FAIL"] = 3; rank["PASS"] = 2; rank["SKIP"] = 1
		if (st != "SKIP") reason = seen_out
		# Of the skips, the one of a run that had the device tells why.
		rk = rank[st]
		if (st == "SKIP" && reason !~ /^(not selected by MEDIA_USERPTR_ONLY|no .* device with the)/) rk = 1.5
		if (!(name in s) || rk > rks[name]) { s[name] = st; r[name] = reason; rks[name] = rk; d[name] = seen_diff; l[name] = seen_layout }
	}
	END { for (i = 0; i < n; i++) printf "%s\t%s\t%s\t%s\t%s\n", order[i], s[order[i]], r[order[i]], d[order[i]], l[order[i]] }
	' "$tap" >"$RES/$v/cases.tsv"
	[ -s "$RES/$v/cases.tsv" ] || { say "$v: no test case reported"; bad=1; }
	# Every program run ("# lab: run" to "# lab: exit"): exit 0 or 1 (a
	# signal or a timeout is neither), its plan ("1..N") met by N results,
	# and the harness' totals, where it prints them, equal to those.
	if ! awk '
	function fin(why) { printf "  %s: %s\n", run, why; err = 1 }
	function close_run(rc) {
		if (rc != "0" && rc != "1") fin("exit status " rc " (killed, crashed or timed out)")
		if (plan < 0) fin("no plan (1..N)")
		else if (got != plan) fin("planned " plan " cases, reported " got)
		if (tot >= 0 && tot != got) fin("totals say " tot " cases, reported " got)
		run = ""
	}
	{ sub(/\r$/, "") }
	/^# lab: run / { if (run != "") close_run("missing"); run = substr($0, 8); plan = -1; got = 0; tot = -1; next }
	/^# lab: exit / { if (run == "") { run = "?"; plan = 0 } close_run($4); next }
	run != "" && /^1\.\.[0-9]+$/ { plan = substr($0, 4) + 0; next }
	run != "" && /^(not )?ok [0-9]+/ { got++; next }
	run != "" && /^# Totals: / {
		tot = 0; n = split($0, w, /[ :]+/)
		for (i = 3; i < n; i += 2) if (w[i] != "xfail" && w[i] != "xpass") tot += w[i + 1]
	}
	END { if (run != "") close_run("missing: the run never ended"); exit err }
	' "$tap" >"$RES/$v/runs.err"; then
		say "$v: a test program did not finish its run:"
		cat "$RES/$v/runs.err"
		bad=1
	fi
	if grep -q '^# lab: error' "$tap"; then
		say "$v: the guest could not set up the tests:"
		grep '^# lab: error' "$tap"
		bad=1
	fi
	# Skips: exactly those scripts/expected-skips gives for this kernel
	# (scripts/lib.sh expected_skips picks them). A case an entry names
	# must skip, for the reason it gives; any other skip is unexpected.
	k=${v%-debug}
	k=${k%%+*}
	expected_skips "$k" >"$RES/$v/expected-skips"
	if ! awk -F'\t' -v kernel="$k" '
	BEGIN { m = 0 }
	function glob(g) { gsub(/[.+^$(){}|\[\]\\]/, "\\\\&", g); gsub(/\*/, ".*", g); return "^" g "$" }
	FILENAME ~ /expected-skips$/ {
		if ($0 ~ /^#/ || NF < 4 || $1 != kernel) next
		ec[m] = glob($2); er[m] = glob($3); en[m] = $2; m++; next
	}
	{
		for (i = 0; i < m; i++) if ($1 ~ ec[i]) break
		if (i < m) {
			hit[i]++
			if ($2 != "SKIP" || $3 !~ er[i]) { printf "  should have skipped: %s: %s %s\n", $1, $2, $3; err = 1 }
		} else if ($2 == "SKIP") { printf "  unexpected skip: %s (%s)\n", $1, $3; err = 1 }
	}
	# the program an entry is about (the name up to its first dot) ran
	{ split($1, w, "."); prog[w[1]] = 1 }
	END {
		for (i = 0; i < m; i++) {
			split(en[i], w, ".")
			if (!hit[i] && (w[1] in prog)) { printf "  no case is named %s\n", en[i]; err = 1 }
		}
		exit err
	}' "$RES/$v/expected-skips" "$RES/$v/cases.tsv" >"$RES/$v/skips.err"; then
		say "$v: the skips are not the expected ones (scripts/expected-skips):"
		head -n 40 "$RES/$v/skips.err"
		bad=1
	fi
	# Every pin of the whole run released: the counters balance.
	pins=$(grep -m1 '^# lab: pins' "$tap" | tr -d '\r' || true)
	read -r _ _ _ _ acq _ rel _ <<<"${pins:-x x x x ? x ?}"
	if ! [[ $acq =~ ^[0-9]+$ && $rel =~ ^[0-9]+$ ]] || [ "$acq" != "$rel" ]; then
		say "$v: pins do not balance: ${pins:-no pin counters reported}"
		bad=1
	fi
	# A taint without a line in dmesg is still a taint.
	taint=$(sed -n 's/^# lab: tainted //p' "$tap" | tr -d '\r')
	if [ "$taint" != 0 ]; then
		say "$v: the kernel is tainted at the end of the run: ${taint:-not reported}"
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

# v4l2-compliance: baseline against patched, whenever both booted with it,
# and the upstream kernel against its own known failures.
compliance() { # title KERNEL...
	local title=$1 out
	shift
	out=$RES/compliance-$(echo "$*" | tr ' ' '-').md
	if ! bash "$LAB_TOP/scripts/compliance.sh" "$@" >"$out"; then
		say "v4l2-compliance ($title): the gate failed (see the problems column):"
		bad=1
	fi
	cat "$out"
	{ echo; echo "## v4l2-compliance -s, $title"; echo; cat "$out"; } >>"$SUM"
}
# ran KERNEL: whether this report covers that kernel
ran() {
	case " $KERNELS " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}
KERNELS="$*"
if [ "${COMPLIANCE:-1}" = 1 ]; then
	! ran baseline || ! ran patched || compliance "baseline against patched" baseline patched
	! ran upstream || compliance "upstream" upstream
fi

# Upstream is the judge: the patched 6.1 kernel and the upstream one must
# give the same result in every media_userptr case, but where the test says
# "# difference:" on upstream, and there they must differ.
sfx=""
case $1 in *-debug) sfx=-debug ;; esac
if ran "patched$sfx" && ran "upstream$sfx"; then
	if ! awk -F'\t' '
	FNR == 1 { k++ }
	$1 ~ /^userptr\./ { st[$1, k] = $2 ": " $3; d[$1, k] = $4; lay[$1, k] = $5; if (k == 1) order[n++] = $1 }
	END {
		print "| case | patched (6.1) | upstream (6.12) | recorded difference |"
		print "|---|---|---|---|"
		for (i = 0; i < n; i++) {
			c = order[i]
			if (!((c, 2) in st)) { printf "| %s | %s | missing | |\n", c, st[c, 1]; err = 1; continue }
			# dma-contig: whether the pages were physically contiguous,
			# which decides QBUF there, is chance; compare only alike.
			if (lay[c, 1] != lay[c, 2]) {
				printf "| %s | %s (%s) | %s (%s) | not compared: the physical layout differs |\n", c, st[c, 1], lay[c, 1], st[c, 2], lay[c, 2]
				unlike++; continue
			}
			same = st[c, 1] == st[c, 2]
			if (same && d[c, 2] == "") { agree++; continue }
			if (same) { why = "recorded, but the results agree: " d[c, 2]; err = 1 }
			else if (d[c, 2] == "") { why = "NOT RECORDED"; err = 1 }
			else { why = d[c, 2]; recorded++ }
			printf "| %s | %s | %s | %s |\n", c, st[c, 1], st[c, 2], why
		}
		printf "\n%d of %d cases agree, %d differ as recorded, %d not compared (physical layout)\n", agree, n, recorded, unlike
		exit err
	}' "$RES/patched$sfx/cases.tsv" "$RES/upstream$sfx/cases.tsv" >"$RES/upstream$sfx.md"; then
		say "patched and upstream differ where the test records no difference, or agree where it does:"
		bad=1
	fi
	cat "$RES/upstream$sfx.md"
	{ echo; echo "## 6.1 patched against 6.12 upstream"; echo; cat "$RES/upstream$sfx.md"; } >>"$SUM"
fi

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
