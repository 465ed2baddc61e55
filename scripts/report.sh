#!/usr/bin/env bash
# Read what each kernel's guest reported and decide:
#   scripts/report.sh VARIANT...
# Checks that every program the guest ran finished (exit 0 or 1) with a
# result for every case it planned, merges the KTAP of the runs (a case
# counts as failed if any run failed it, as skipped only if every run
# skipped it), holds the skips against scripts/expected-skips and cow.c's
# cases against scripts/cow-expected and each other, scans dmesg,
# checks the taint and the pin counters, writes build/results/summary.md
# and ends with "N passed, N failed, N skipped".
# Exits non-zero on any failed case, an unexpected or missing skip, an
# incomplete run, a dirty dmesg, a taint or a missing result.
. "$(dirname "$0")/lib.sh"

RES=$ABUILD/results
# The debug kernels (KERNEL_DEBUG=1) and the commits of make bisect get
# their own summary: make series puts the one of make check into the
# cover letter.
case $1 in
*-debug) SUM=$RES/summary-debug.md ;;
commit-*) SUM=$RES/summary-bisect.md ;;
*) SUM=$RES/summary.md ;;
esac
bad=0
# gate MESSAGE: say that a gate failed; the report repeats the list at
# its end, next to its counts, where a CI's log is read.
failed_gates=()
gate() {
	say "FAILED: $*"
	failed_gates+=("$*")
}
# What a kernel prints when it goes wrong: WARN, BUG and BUG_ON (x86
# prints "kernel BUG at" and "invalid opcode", without "Oops"), oopses and
# exceptions, hung-task and RCU-stall reports ("INFO:"), soft lockups and
# workqueue stalls ("BUG: workqueue lockup"), the OOM killer, a user
# program's segfault, and the list (DEBUG_LIST) and refcount checks: the
# watchdogs are in scripts/lab.config. Only words a kernel can print:
# KASAN, lockdep (its reports start with "WARNING:", "INFO:" or "BUG:") and
# kmemleak are the debug kernels' (scripts/debug.config, below); no
# kernel builds UBSAN, KFENCE or a hard-lockup detector (TCG has no PMU
# for its perf NMI), so their words are not looked for.
DIRTY='WARNING:|BUG:|kernel BUG at|invalid opcode|divide error|Oops|general protection fault|stack segment|double fault|Kernel panic|INFO:|rcu.*stall|soft lockup|blocked for more than|Out of memory|oom-kill|invoked oom-killer|segfault at|traps: |refcount_t:|list_add corruption|list_del corruption|Call Trace:'
DIRTY_DEBUG='KASAN|kmemleak:.*suspected|unreferenced object'
# arm64 says it its own way: a kernel fault ("Unable to handle kernel",
# then "Internal error: Oops"), an SError, an unexpected exception or BRK,
# and a user program's fault ("unhandled ... fault", x86's "segfault at");
# its backtraces start with "Call trace:".
[ "$LAB_ARCH" != arm64 ] ||
	DIRTY="$DIRTY"'|Unable to handle kernel|Internal error:|SError|Bad mode|Unexpected kernel|unhandled .*(fault|exception)|Call trace:'

# unnest TAP: run_kselftest.sh nests a test's output one level down,
# each line behind "# ", under its own "TAP version", plan and result
# line; the run the guest marks "# lab: run kselftest" is read as the test
# printed it, and the runner's result line is left as a comment (the
# guest gives its exit status in "# lab: exit").
unnest() {
	awk '{ sub(/\r$/, "") }
	/^# lab: run kselftest / { k = 1; print; next }
	/^# lab: / { k = 0; print; next }
	k && (/^TAP version / || /^1\.\.[0-9]+$/ || $0 == "#") { next }
	k && /^(not )?ok [0-9]+ selftests: / { print "# runner: " $0; next }
	k && /^# / { print substr($0, 3); next }
	{ print }' "$1"
}

compl=" "
for v in "$@"; do
	tap=$RES/$v/results.tap
	[ -s "$tap" ] || die "$v: no results ($tap)"
	unnest "$tap" >"$RES/$v/results.ktap"
	tap=$RES/$v/results.ktap
	k=${v%-debug}
	k=${k%%+*}
	tree=$(variant_tree "$k")
	dirty=$DIRTY
	case $v in *-debug) dirty="$DIRTY|$DIRTY_DEBUG" ;; esac
	grep -q '^# lab: done' "$tap" || { gate "$v: the guest reported no complete result (no \"# lab: done\")"; bad=1; }
	# What the guest was asked to run, as it recorded it (scripts/guest/init),
	# never this script's environment: each program asked for must have
	# run. Without the record, everything is asked for.
	asked_mode=check asked_compliance=1 asked_mm=1 asked_stress=1 asked_cow=1 asked_inject=""
	if sw=$(asked_switches "$tap"); then
		eval "$sw"
	else
		gate "$v: the guest did not record what it was asked to run (\"# lab: asked\"): results older than that record; RETEST=1 boots again"
		bad=1
	fi
	if [ -n "$asked_inject" ]; then
		gate "$v: the guest ran with an injected fault (LAB_INJECT=$asked_inject): never a green run"
		bad=1
	fi
	# program: the name of its run ("# lab: run NAME ..."), the prefix of
	# its cases, whether it was asked for
	progs=() off=()
	# (lab.mode=kselftest: the kselftest alone, through its runner)
	for pr in "media_userptr kselftest userptr $(case $asked_mode in check | kselftest) echo 1 ;; esac)" \
		"mm mm vm $([ "$asked_mode" = check ] && [ "$asked_mm" = 1 ] && echo 1)" \
		"stress stress stress $([ "$asked_mode" = check ] && [ "$asked_stress" = 1 ] && echo 1)" \
		"fuzz fuzz fuzz $([ "$asked_mode" = check ] && [ "$asked_stress" = 1 ] && echo 1)" \
		"cow cow cow $([ "$asked_mode" = check ] && [ "$asked_cow" = 1 ] && echo 1)"; do
		read -r name run prefix want <<<"$pr"
		if [ -z "$want" ]; then off+=("$name"); continue; fi
		progs+=("$prefix")
		if ! grep -q "^# lab: run $run " "$tap"; then
			gate "$v: asked to run $name, which never ran"
			# the lab ran the program itself before run_kselftest.sh did
			[ "$name" != media_userptr ] || ! grep -q '^# lab: run vim2m ' "$tap" ||
				say "$v: (these results ran media_userptr_test without run_kselftest.sh, as the lab did before: RETEST=1 boots again)"
			bad=1
		fi
	done
	[ "$asked_compliance" != 1 ] || compl="$compl $v "
	[ "$asked_compliance" = 1 ] || off+=(v4l2-compliance)
	[ ${#off[@]} = 0 ] || say "$v: not asked to run (the guest's switches): ${off[*]}"
	# The guest ran on the CPUs the lab gave it (scripts/lib.sh GUEST_CPUS).
	cpus=$(sed -n 's/^# lab: cpus //p' "$tap" | tr -d '\r')
	if [ "$cpus" != "$GUEST_CPUS" ]; then
		gate "$v: the guest ran on ${cpus:-an unreported number of} CPUs, not the lab's $GUEST_CPUS (scripts/lib.sh GUEST_CPUS)"
		bad=1
	fi
	# The watchdogs whose words the dmesg gate looks for were armed
	# (scripts/lab.config; the guest records them).
	wd=$(sed -n 's/^# lab: watchdogs //p' "$tap" | tr -d '\r')
	if ! [[ $wd =~ hung_task_timeout_secs=[1-9][0-9]*\ soft_watchdog=1\ wq_watchdog_thresh=[1-9] ]]; then
		gate "$v: the kernel's watchdogs were not armed (hung task, soft lockup, workqueue stall): ${wd:-not reported}"
		bad=1
	fi
	# dmesg: the whole of it, up to the lab's end marker, on fresh and
	# reused results alike (a missing file is not a clean one).
	dm=$RES/$v/dmesg.log
	if [ ! -s "$dm" ]; then
		gate "$v: no dmesg ($dm is missing or empty): dmesg cannot be judged"
		bad=1
	elif [ "$(tail -n 1 "$dm" | tr -d '\r')" != "# lab: end" ]; then
		gate "$v: dmesg.log does not end with the lab's end marker (\"# lab: end\"): cut short, dmesg cannot be judged"
		bad=1
	fi
	# name status reason, one line per case, merged over the runs
	awk '
	# The serial port ends lines with CR LF.
	{ sub(/\r$/, "") }
	# The harness names a case on its "#  RUN" line; its "ok" line may not.
	/^#  RUN / { cur = $3; seen_out = ""; seen_diff = ""; seen_layout = ""; seen_bug = ""; cow_run = ""; cow_msg = ""; next }
	# cow.c from 7.3 on reports as log_test_result() does: its result
	# line repeats the case'"'"'s "[RUN]" text, and what it found is the
	# message before it (ksft_print_msg, ksft_perror). Until 6.12 the
	# result line itself said it. Kept for the result rule below.
	/^# \[RUN\] / { cow_run = substr($0, 9); cow_msg = ""; next }
	/^# / && cow_run != "" { cow_msg = substr($0, 3) }
	# A failure the test puts down to a known bug says so, on a line of
	# its own or in an assertion'"'"'s message: that is its reason.
	/^# .*known bug/ { if (seen_bug == "") seen_bug = substr($0, 3) }
	/^# outcome: / { o = substr($0, 12); seen_out = seen_out (seen_out == "" ? "" : ", ") o; next }
	/^# difference: / { seen_diff = substr($0, 15); next }
	/^# layout: / { seen_layout = substr($0, 11); next }
	/^(not )?ok [0-9]+/ {
		st = ($1 == "not") ? "FAIL" : "PASS"
		reason = ""
		if (match($0, / # SKIP ?/)) { st = "SKIP"; reason = substr($0, RSTART + RLENGTH) }
		# kselftest.h: an expected failure (cow.c), neither pass nor fail
		else if (match($0, / # XFAIL ?/)) { st = "XFAIL"; reason = substr($0, RSTART + RLENGTH) }
		name = cur; cur = ""
		# A result without its "#  RUN" line fails; it is named by its
		# own line where it names itself (media_userptr.sh names the
		# cases a run that died never reported).
		if (name == "") {
			name = $0; sub(/^(not )?ok [0-9]+ */, "", name); sub(/ *#.*/, "", name)
			if (name !~ /^[A-Za-z0-9_.-]+$/) name = "?unnamed"
			st = "FAIL"
		}
		if (!(name in s)) order[n++] = name
		rank["FAIL"] = 3; rank["PASS"] = 2; rank["XFAIL"] = 2; rank["SKIP"] = 1
		if (st != "SKIP" && st != "XFAIL") reason = seen_out
		if (st == "FAIL" && seen_bug != "") reason = seen_bug
		# cow.c says what it found on its result line (until 6.12), or in
		# the message before a result line that repeats its "[RUN]" text
		# (7.3 on): that message is then the reason of a failure, a skip
		# or an xfail.
		if (name ~ /^cow\./ && cow_run != "" && cow_msg != "" && st != "PASS") {
			t = $0; sub(/^(not )?ok [0-9]+ */, "", t); sub(/^# (SKIP|XFAIL) ?/, "", t)
			if (t == cow_run) reason = cow_msg
		}
		if (reason == "" && name ~ /^cow\./ && st != "SKIP" && st != "XFAIL") { reason = $0; sub(/^(not )?ok [0-9]+ */, "", reason) }
		# Of the skips, the one of a run that had the device tells why.
		rk = rank[st]
		if (st == "SKIP" && reason !~ /^(not selected by MEDIA_USERPTR_ONLY|no .* device with the)/) rk = 1.5
		if (!(name in s) || rk > rks[name]) { s[name] = st; r[name] = reason; rks[name] = rk; d[name] = seen_diff; l[name] = seen_layout }
	}
	END { for (i = 0; i < n; i++) printf "%s\t%s\t%s\t%s\t%s\n", order[i], s[order[i]], r[order[i]], d[order[i]], l[order[i]] }
	' "$tap" >"$RES/$v/cases.tsv"
	[ -s "$RES/$v/cases.tsv" ] || { gate "$v: no test case reported"; bad=1; }
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
	# (kselftest.h gives xfail and xpass a result line each, too)
	run != "" && /^# Totals: / {
		tot = 0; n = split($0, w, /[ :]+/)
		for (i = 3; i < n; i += 2) tot += w[i + 1]
	}
	END { if (run != "") close_run("missing: the run never ended"); exit err }
	' "$tap" >"$RES/$v/runs.err"; then
		gate "$v: a test program did not finish its run:"
		cat "$RES/$v/runs.err"
		bad=1
	fi
	if grep -q '^# lab: error' "$tap"; then
		gate "$v: the guest could not set up the tests:"
		grep '^# lab: error' "$tap"
		bad=1
	fi
	# The cases each program asked for must report: the kselftest every
	# case of its plan (the runs above check each run's own), mm's
	# selftests one a line of scripts/guest/mmtests-<tree>, fuzz one a
	# video node the guest asked for (scripts/lib.sh asked_nodes), with at
	# least scripts/lib.sh fuzz_min calls judged; cow.c's cases are held across the
	# kernels below.
	asked_nodes "$k" "$tap" >"$RES/$v/nodes.asked"
	# The kselftest's script runs the program once per vim2m allocator
	# where vim2m has the parameter (patch 9), else once for every
	# variant: it says so in its "run:" lines, which must all be there.
	if kernel_has "$k" "media: vim2m: add an allocator module parameter"; then
		ks_runs="vim2m allocator=0 (vmalloc)|vim2m allocator=1 (dma-contig)|vim2m allocator=2 (dma-sg)"
	else
		ks_runs="every variant"
	fi
	if ! awk -F'\t' -v asked=" ${progs[*]} " -v mm="$(grep -c '^[^#]' "$LAB_TOP/scripts/guest/mmtests-$tree")" \
		-v nodes="$RES/$v/nodes.asked" -v min="$(fuzz_min "$v")" -v ks_runs="$ks_runs" '
	function want(p) { return index(asked, " " p " ") > 0 }
	FILENAME ~ /results.ktap$/ {
		sub(/\r$/, "")
		if ($0 ~ /^# lab: run kselftest /) { inrun = 1; next }
		if ($0 ~ /^# lab: (run|exit) /) { inrun = 0; next }
		if (inrun && $0 ~ /^1\.\.[0-9]+$/) plan[substr($0, 4) + 0] = 1
		if (inrun && $0 ~ /^# media_userptr\.sh: run: /) ks_ran[substr($0, 26)] = 1
		next
	}
	{ split($1, w, "."); n[w[1]]++ }
	$1 ~ /^fuzz\./ && $1 != "fuzz.pins" && $1 !~ /^fuzz\.request_two_buffers\./ { calls[substr($1, 6)] = $3 + 0 }
	END {
		if (want("userptr")) {
			np = 0; for (x in plan) { np++; want_u = x }
			if (np > 1) { printf "  media_userptr: its runs planned different numbers of cases\n"; err = 1 }
			else if (np == 1 && n["userptr"] != want_u) { printf "  media_userptr: %d cases, its plan has %d\n", n["userptr"], want_u; err = 1 }
			nr = split(ks_runs, need, "|")
			for (i = 1; i <= nr; i++) {
				found = 0
				for (x in ks_ran) if (x == need[i] || index(x, need[i] ",") == 1) found = 1
				if (!found) { printf "  media_userptr: media_userptr.sh did not run the program for %s\n", need[i]; err = 1 }
			}
		}
		if (want("vm") && n["vm"] != mm) { printf "  mm selftests: %d cases, scripts/guest/mmtests lists %d\n", n["vm"], mm; err = 1 }
		if (!want("fuzz")) exit err
		while ((getline l < nodes) > 0) {
			split(l, w, " ")
			if (w[1] == "?") { printf "  the nodes asked for: %s\n", l; err = 1; continue }
			# fuzz names a node as sysfs does, with "_" for "-"
			gsub(/-/, "_", w[1])
			asked_node[w[1]] = 1
		}
		# fuzz runs with the vim2m that stress and fuzz load (its default memop)
		asked_node["vim2m"] = 1
		for (x in asked_node) {
			if (!(x in calls)) { printf "  fuzz: no case for %s, a node the guest asked for\n", x; err = 1 }
			else if (calls[x] < min) { printf "  fuzz: %s: %d calls judged, fewer than %d\n", x, calls[x], min; err = 1 }
		}
		for (x in calls) if (!(x in asked_node)) { printf "  fuzz: %s, a node the guest did not ask for\n", x; err = 1 }
		exit err
	}' "$tap" "$RES/$v/cases.tsv" >"$RES/$v/counts.err"; then
		gate "$v: the cases reported are not those asked for:"
		head -n 40 "$RES/$v/counts.err"
		bad=1
	fi
	# Skips: exactly those scripts/expected-skips gives for this kernel
	# (scripts/lib.sh expected_skips picks them). A case an entry names
	# must skip, for the reason it gives; any other skip is unexpected.
	expected_skips "$k" >"$RES/$v/expected-skips"
	if ! awk -F'\t' -v kernel="$k" -v asked=" ${progs[*]} " '
	BEGIN { m = 0 }
	'"$AWK_GLOB"'
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
	END {
		# an entry of a program the guest was not asked to run is moot
		for (i = 0; i < m; i++) {
			split(en[i], w, ".")
			if (!hit[i] && index(asked, " " w[1] " ")) { printf "  no case is named %s\n", en[i]; err = 1 }
		}
		exit err
	}' "$RES/$v/expected-skips" "$RES/$v/cases.tsv" >"$RES/$v/skips.err"; then
		gate "$v: the skips are not the expected ones (scripts/expected-skips):"
		head -n 40 "$RES/$v/skips.err"
		bad=1
	fi
	# The failures that scripts/cow-expected (cow.c) and scripts/known-bugs
	# (the kselftest) give for this kernel become KFAIL: each such case
	# must fail, for the reason the entry gives, and any other failure
	# stays a failure.
	if ! awk -F'\t' -v OFS='\t' -v kernel="$k" -v out="$RES/$v/cases.new" -v arch="$LAB_ARCH" -v asked=" ${progs[*]} " '
	BEGIN { m = 0 }
	'"$AWK_GLOB"'
	'"$AWK_ARCH"'
	FILENAME ~ /(cow-expected|known-bugs)$/ {
		if ($0 ~ /^#/ || $1 != "fail") next
		f = FILENAME; sub(/.*\//, "scripts/", f)
		if (NF < 5) { printf "  %s: a fail entry without its reason: %s\n", f, $0; err = 1; next }
		if (("," arch_field($2) ",") !~ ("," kernel ",")) next
		ec[m] = glob($3); er[m] = glob($4); en[m] = $3; ew[m] = $4; ef[m] = f
		# the program whose cases the entry names
		ep[m] = f ~ /cow-expected$/ ? "cow" : "userptr"; m++; next
	}
	{
		for (i = 0; i < m; i++) if ($1 ~ ec[i]) break
		if (i < m) {
			hit[i]++
			if ($2 == "FAIL" && $3 ~ er[i]) $2 = "KFAIL"
			else if ($2 == "FAIL") { printf "  failed for another reason than %s gives (%s): %s: %s\n", ef[i], ew[i], $1, $3; err = 1 }
			else { printf "  should have failed (%s): %s: %s %s\n", ef[i], $1, $2, $3; err = 1 }
		}
		print > out
	}
	END {
		for (i = 0; i < m; i++) if (!hit[i] && index(asked, " " ep[i] " ")) { printf "  no case is named %s (%s)\n", en[i], ef[i]; err = 1 }
		exit err
	}' "$LAB_TOP/scripts/cow-expected" "$LAB_TOP/scripts/known-bugs" "$RES/$v/cases.tsv" >"$RES/$v/cow.err"; then
		gate "$v: the expected failures (scripts/cow-expected, scripts/known-bugs) are not the listed ones:"
		head -n 40 "$RES/$v/cow.err"
		bad=1
	fi
	mv "$RES/$v/cases.new" "$RES/$v/cases.tsv"
	# cow.c's counts
	if grep -q '^cow\.' "$RES/$v/cases.tsv"; then
		awk -F'\t' '$1 ~ /^cow\./ { c[$2]++ } END {
			printf "%d passed, %d failed, %d failed as expected (scripts/cow-expected), %d skipped, %d xfail\n", c["PASS"], c["FAIL"], c["KFAIL"], c["SKIP"], c["XFAIL"] }' \
			"$RES/$v/cases.tsv" >"$RES/$v/cow.counts"
		say "$v: cow.c: $(cat "$RES/$v/cow.counts")"
	else
		rm -f "$RES/$v/cow.counts"
		case " ${progs[*]} " in *" cow "*) gate "$v: cow.c reported no case"; bad=1 ;; esac
	fi
	# Every pin of the whole run released: the counters balance.
	pins=$(grep -m1 '^# lab: pins' "$tap" | tr -d '\r' || true)
	read -r _ _ _ _ acq _ rel _ <<<"${pins:-x x x x ? x ?}"
	if ! [[ $acq =~ ^[0-9]+$ && $rel =~ ^[0-9]+$ ]] || [ "$acq" != "$rel" ]; then
		gate "$v: pins do not balance: ${pins:-no pin counters reported}"
		bad=1
	fi
	# A taint without a line in dmesg is still a taint.
	taint=$(sed -n 's/^# lab: tainted //p' "$tap" | tr -d '\r')
	if [ "$taint" != 0 ]; then
		gate "$v: the kernel is tainted at the end of the run: ${taint:-not reported}"
		bad=1
	fi
	if [ -f "$dm" ] && grep -Eq "$dirty" "$dm"; then
		gate "$v: dmesg is dirty:"
		grep -E "$dirty" "$dm" | head -n 20
		# The first report whole (to its end line, at most 40 lines), and
		# what the guest was running then (its "lab: run NAME" lines in the
		# kernel log).
		echo "  the first, whole (${dm#"$LAB_TOP"/}):"
		awk -v re="$dirty" '/^lab: run / { at = substr($0, 10); next }
			!n && $0 ~ re { n = 40; print "    while running: " (at == "" ? "nothing yet (boot)" : at) }
			n > 0 { print "    " $0; if (--n == 0 || (n < 38 && /^=+$|---\[ end trace/)) exit }' "$dm"
		bad=1
	fi
	if grep -q $'\tFAIL\t' "$RES/$v/cases.tsv"; then
		gate "$v: failed cases:"
		awk -F'\t' '$2 == "FAIL" { print "  " $1 }' "$RES/$v/cases.tsv"
		# the harness' own lines for them
		grep -E '^# [A-Za-z_]+\.c:[0-9]+:' "$tap" | sort -u | head -n 40 || true
		# and, of each one's output (its "#  RUN" line to its result), the
		# lines that say fail, error or timeout, and its last lines
		awk -F'\t' 'NR == FNR { if ($2 == "FAIL") bad[$1] = 1; next }
			/^#  RUN  / { name = $0; sub(/^#  RUN +/, "", name); sub(/ \.\.\.$/, "", name); k = 0; next }
			/^(not )?ok [0-9]+ / { if (name in bad) { printf "  %s'"'"'s output, what says fail, error or timeout, then its end:\n", name
					m = 0
					for (i = 0; i < k && m < 20; i++) if (tolower(line[i]) ~ /fail|error|timeout|timed out|bail|abort/) { print "    " line[i]; m++ }
					print "    ..."
					for (i = (k > 6 ? k - 6 : 0); i < k; i++) print "    " line[i] }
				name = ""; next }
			name != "" { line[k++] = $0 }' "$RES/$v/cases.tsv" "$tap" | head -n 80
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
	if [ "$LAB_ARCH" = x86_64 ]; then echo "# media_userptr results"; else echo "# media_userptr results, $LAB_ARCH"; fi
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
		awk -F'\t' '$2 == "KFAIL" && $1 ~ /^userptr\./ { c[$3]++ }
		END { for (k in c) printf "  - failed as expected (scripts/known-bugs) %d: %s\n", c[k], k }' "$f" | sort
		[ ! -f "$RES/$v/cow.counts" ] || echo "  - cow.c: $(cat "$RES/$v/cow.counts")"
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
# and every other kernel whose guest was asked to run it (the upstream
# kernel, the patched one of make run) against its own known failures.
compliance() { # title KERNEL...
	local title=$1 out
	shift
	out=$RES/compliance-$(echo "$*" | tr ' ' '-').md
	if ! bash "$LAB_TOP/scripts/compliance.sh" "$@" >"$out"; then
		gate "v4l2-compliance ($title): the gate failed (see the problems column):"
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
case $compl in
*" baseline "*" patched "*)
	compliance "baseline against patched" baseline patched
	compl=${compl/ baseline / }
	compl=${compl/ patched / } ;;
esac
for v in $compl; do compliance "$v" "$v"; done

# Upstream is the judge: the patched 6.1 kernel and the upstream one must
# give the same result in every media_userptr case, but where the test says
# "# difference:" on upstream, and there they must differ.
sfx=""
case $1 in *-debug) sfx=-debug ;; esac
if ran "patched$sfx" && ran "upstream$sfx"; then
	if ! awk -F'\t' '
	FNR == 1 { k++ }
	# the union of both kernels'"'"' cases: one missing on either side fails
	$1 ~ /^userptr\./ { st[$1, k] = $2 ": " $3; d[$1, k] = $4; lay[$1, k] = $5; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
	END {
		print "| case | patched (6.1) | upstream (" mt ") | recorded difference |"
		print "|---|---|---|---|"
		if (n == 0) { print "| (none) | no media_userptr case on either kernel | | |"; err = 1 }
		for (i = 0; i < n; i++) {
			c = order[i]
			if (!((c, 1) in st)) { printf "| %s | missing | %s | |\n", c, st[c, 2]; missing++; err = 1; continue }
			if (!((c, 2) in st)) { printf "| %s | %s | missing | |\n", c, st[c, 1]; missing++; err = 1; continue }
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
		printf "\n%d of %d cases agree, %d differ as recorded, %d not compared (physical layout), %d missing on one kernel\n", agree, n, recorded, unlike, missing
		exit err
	}' mt="$MAINLINE_TREE" "$RES/patched$sfx/cases.tsv" "$RES/upstream$sfx/cases.tsv" >"$RES/upstream$sfx.md"; then
		gate "patched and upstream differ where the test records no difference, or agree where it does:"
		bad=1
	fi
	cat "$RES/upstream$sfx.md"
	{ echo; echo "## 6.1 patched against $MAINLINE_TREE upstream"; echo; cat "$RES/upstream$sfx.md"; } >>"$SUM"
fi

# cow.c: every case not listed as failing on a kernel (scripts/cow-expected,
# "fail") gives the same result (pass, fail, skip or xfail) on every kernel
# of the run that has it, but where an entry "differs" says that the
# mainline tree's (6.12, or LAB_MAINLINE's; the entry names it)
# kernels differ from the 6.1 ones, and why: there they must differ; and
# where an entry "varies" names a tree, the case's result on that tree's
# kernels is not compared (it changes from run to run), but must be PASS
# or XFAIL, and the entry must name a case that ran.
cowk=() cowf=()
for v in "$@"; do [ ! -f "$RES/$v/cow.counts" ] || { cowk+=("$v"); cowf+=("$RES/$v/cases.tsv"); }; done
if [ ${#cowk[@]} -gt 1 ]; then
	trees=$(for v in "${cowk[@]}"; do k=${v%-debug}; printf '%s=%s ' "$v" "$(variant_tree "${k%%+*}")"; done)
	if ! awk -F'\t' -v trees="$trees" -v arch="$LAB_ARCH" -v mt="$MAINLINE_TREE" '
	'"$AWK_GLOB"'
	'"$AWK_ARCH"'
	function row(t, why,   j) {
		printf "| %s |", t
		for (j = 1; j <= n; j++) printf " %s |", ((t, j) in st) ? st[t, j] : "-"
		printf " %s |\n", why
	}
	BEGIN { m = 0; mv = 0; n = split(trees, w, " "); for (i = 1; i <= n; i++) { split(w[i], kv, "="); kern[i] = kv[1]; tree[i] = kv[2] } }
	FILENAME ~ /cow-expected$/ {
		if ($0 ~ /^#/ || NF < 4 || arch_field($2) == "") next
		# (an entry of a tree that is not in this run, 6.12 when
		# LAB_MAINLINE names another, is not for this run)
		if ($1 == "varies" && arch_field($2) != mt && arch_field($2) != "6.1") next
		if ($1 == "varies") { vc[mv] = glob($3); vt[mv] = arch_field($2); vn[mv] = $3; vw[mv] = $4; mv++; next }
		# a difference recorded for another mainline tree is not for this run
		if ($1 != "differs" || arch_field($2) != mt) next
		dc[m] = glob($3); dn[m] = $3; dw[m] = $4; m++; next
	}
	FNR == 1 { k++ }
	$1 ~ /^cow\./ { if (!($1 in seen)) { seen[$1] = 1; order[c++] = $1 } st[$1, k] = $2 }
	END {
		printf "| case |"; for (j = 1; j <= n; j++) printf " %s |", kern[j]; print " why |"
		printf "|---|"; for (j = 1; j <= n; j++) printf "---|"; print "---|"
		for (i = 0; i < c; i++) {
			t = order[i]; a = ""; b = ""; why = ""
			# every kernel of a tree has the same cases
			miss = ""
			for (j = 1; j <= n; j++) if (!((t, j) in st)) {
				for (x = 1; x <= n; x++) if (tree[x] == tree[j] && ((t, x) in st)) break
				if (x <= n) miss = miss " " kern[j]
			}
			if (miss != "") { row(t, "**missing on" miss ", where another kernel of its tree has it**"); bad++; continue }
			# KFAIL: listed as failing on that kernel, not compared
			for (v = 0; v < mv; v++) if (t ~ vc[v]) break
			for (j = 1; j <= n; j++) {
				if (!((t, j) in st) || st[t, j] == "KFAIL") continue
				if (v < mv && tree[j] == vt[v]) {
					vhit[v]++
					if (st[t, j] != "PASS" && st[t, j] != "XFAIL")
						why = "varies on " vt[v] " (" vn[v] "), but " st[t, j] " is neither PASS nor XFAIL"
					else varied[t] = 1
					continue
				}
				if (tree[j] == mt) { if (b == "") b = st[t, j]; else if (b != st[t, j]) why = "differs within " mt }
				else { if (a == "") a = st[t, j]; else if (a != st[t, j]) why = "differs within 6.1" }
			}
			for (e = 0; e < m; e++) if (t ~ dc[e]) break
			if (why == "" && a != "" && b != "") {
				if (e < m) {
					dhit[e]++
					if (a == b) why = "recorded as a difference (" dn[e] "), but the same on both trees"
					else { rec++; row(t, "recorded: " dw[e]); continue }
				} else if (a != b) why = "differs between 6.1 and " mt ", and scripts/cow-expected does not record it"
			}
			if (why == "" && (t in varied)) { nvar++; row(t, "varies on " vt[v] ", not compared: " vw[v]); continue }
			if (why == "") continue
			row(t, "**" why "**"); bad++
		}
		for (j = 1; j <= n; j++) if (tree[j] == mt) u = 1; else o = 1
		for (e = 0; e < m; e++) if (u && o && !dhit[e]) {
			printf "| %s | recorded difference that no case on both trees has: %s |\n", dn[e], dw[e]; bad++
		}
		for (v = 0; v < mv; v++) if (!vhit[v]) {
			printf "| %s | recorded as varying, but no case of that name ran on %s: %s |\n", vn[v], vt[v], vw[v]; bad++
		}
		printf "\n%d cases, %d differ as recorded, %d vary as recorded, %d wrongly\n", c, rec, nvar, bad
		exit bad > 0
	}' "$LAB_TOP/scripts/cow-expected" "${cowf[@]}" >"$RES/cow.md" 2>&1; then
		gate "cow.c: the kernels differ where scripts/cow-expected records nothing, or agree where it does:"
		bad=1
	fi
	cat "$RES/cow.md"
	{ echo; echo "## cow.c across the kernels"; echo; cat "$RES/cow.md"; } >>"$SUM"
fi

# The kselftest is the same on every kernel: so are its cases.
if [ $# -gt 1 ] && ! awk -F'\t' -v n=$# '
	FNR == 1 { k++; name[k] = FILENAME; sub(/\/cases.tsv$/, "", name[k]); sub(/.*\//, "", name[k]) }
	$1 ~ /^userptr\./ { has[$1, k] = 1; if (!($1 in seen)) { seen[$1] = 1; order[c++] = $1 } }
	END {
		for (i = 0; i < c; i++) {
			miss = ""
			for (j = 1; j <= n; j++) if (!((order[i], j) in has)) miss = miss " " name[j]
			if (miss != "") { printf "  %s: missing on%s\n", order[i], miss; err++ }
		}
		exit err > 0
	}' "${tsvs[@]}" >"$RES/userptr-cases.err"; then
	gate "media_userptr: the kernels do not all report the same cases:"
	head -n 40 "$RES/userptr-cases.err"
	bad=1
fi

# The cases that scripts/cow-expected lists as failing without the mm
# patches, and those that scripts/known-bugs lists as failing without our
# fixes, must be there, and pass, with them: on the patched kernel and on
# the upstream one (each file where its program ran).
for v in "$@"; do
	k=${v%-debug}
	case ${k%%+*} in patched | upstream) ;; *) continue ;; esac
	ran=" "
	[ ! -f "$RES/$v/cow.counts" ] || ran="$ran cow "
	! grep -q '^userptr\.' "$RES/$v/cases.tsv" || ran="$ran userptr "
	if ! awk -F'\t' -v arch="$LAB_ARCH" -v ran="$ran" '
	'"$AWK_GLOB"'
	'"$AWK_ARCH"'
	BEGIN { m = 0 }
	FILENAME ~ /(cow-expected|known-bugs)$/ {
		if ($0 ~ /^#/ || $1 != "fail" || arch_field($2) == "") next
		p = FILENAME ~ /cow-expected$/ ? "cow" : "userptr"
		if (!index(ran, " " p " ")) next
		f = FILENAME; sub(/.*\//, "scripts/", f)
		ec[m] = glob($3); en[m] = $3; ef[m] = f; m++; next
	}
	{ for (i = 0; i < m; i++) if ($1 ~ ec[i]) { hit[i]++; if ($2 != "PASS") { printf "  %s: %s %s\n", $1, $2, $3; err = 1 } } }
	END {
		for (i = 0; i < m; i++) if (!hit[i]) { printf "  no case is named %s (%s)\n", en[i], ef[i]; err = 1 }
		exit err
	}' "$LAB_TOP/scripts/cow-expected" "$LAB_TOP/scripts/known-bugs" "$RES/$v/cases.tsv" >"$RES/$v/cow-fixed.err"; then
		gate "$v: the cases that fail without our fixes (scripts/cow-expected, scripts/known-bugs) do not all pass here:"
		head -n 40 "$RES/$v/cow-fixed.err"
		bad=1
	fi
done

p=0 f=0 s=0 kf=0 xf=0
for v in "$@"; do
	p=$((p + $(grep -c $'\tPASS\t' "$RES/$v/cases.tsv" || true)))
	f=$((f + $(grep -c $'\tFAIL\t' "$RES/$v/cases.tsv" || true)))
	s=$((s + $(grep -c $'\tSKIP\t' "$RES/$v/cases.tsv" || true)))
	kf=$((kf + $(grep -c $'\tKFAIL\t' "$RES/$v/cases.tsv" || true)))
	xf=$((xf + $(grep -c $'\tXFAIL\t' "$RES/$v/cases.tsv" || true)))
done
sed -n '3,/^$/p' "$SUM"
echo "summary: $SUM"
[ "$kf$xf" = 00 ] || echo "not counted below: $kf failed as expected (scripts/cow-expected, scripts/known-bugs), $xf xfail (cow.c's own)"
if [ ${#failed_gates[@]} != 0 ]; then
	echo "the gates that failed (their details are above):"
	printf '  %s\n' "${failed_gates[@]}"
fi
echo "$p passed, $f failed, $s skipped"
[ "$bad" = 0 ] && [ "$f" = 0 ]
