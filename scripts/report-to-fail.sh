#!/usr/bin/env bash
# Break a copy of real results one way at a time, and check that the
# report fails, and says why; the unbroken copy must pass:
#   scripts/report-to-fail.sh [NAME...]     (make report-to-fail; default: all)
# The results are those of a make check (baseline, mediaonly, patched,
# upstream and stock, in build/results/, or RESULTS=DIR), with the kselftest run by
# run_kselftest.sh ("# lab: run kselftest"; results from before that fail
# the control case, "green": RETEST=1 boots again). Each case copies them, and
# the lab's scripts and patches (a case may change a fact file), to
# build/report-to-fail/<name>/, changes one thing there, runs that copy's
# scripts/report.sh on it (no build, no boot: seconds) and checks that it
# fails with the expected words; its output is in
# build/report-to-fail/<name>.log, and results.md has the table. The
# control case, "green", changes nothing and must pass.
. "$(dirname "$0")/lib.sh"
default_mainline_only "make report-to-fail"

SRC=${RESULTS:-$ABUILD/results}
OUT=$ABUILD/report-to-fail
# KERNELS="patched": the results of make run (the cases that change another
# kernel's results are left out)
KERNELS=${KERNELS:-baseline mediaonly patched upstream stock}
for k in $KERNELS; do
	[ -s "$SRC/$k/results.tap" ] || die "no results of $k in $SRC: run make check first (or RESULTS=DIR)"
done
mkdir -p "$OUT"

# The changes, made in the copy's results directory (R) and scripts (L); a
# change that names a kernel the results lack (KERNELS=) is left out.
# needs KERNEL...: a case that only the results of those kernels show
# (the gates across kernels); with KERNELS= lacking one, the case is left out
needs() { :; }
# drop_block FILE START END: every block of FILE from a line that starts
# with START to the next line that matches the regular expression END.
drop_block() {
	awk -v start="$2" -v end="$3" '
	{ l = $0; sub(/\r$/, "", l) }
	index(l, start) == 1 { skip = 1 }
	!skip { print }
	skip && l ~ end { skip = 0 }' "$1" >"$1.t" && mv "$1.t" "$1"
}
# drop_run KERNEL NAME: a whole program's run, "# lab: run NAME" to its
# "# lab: exit" (every run of that name).
drop_run() {
	drop_block "$R/$1/results.tap" "# lab: run $2 " '^# lab: exit '
}
# drop_case KERNEL CASE: one case, its "#  RUN" line to its result line,
# with its run's plan and totals made to agree (so that only the gate
# under test can see it). In the kselftest's run, run_kselftest.sh nests
# the test's lines behind "# " (scripts/report.sh unnest): they are read
# without it, and its own lines not at all.
drop_case() {
	awk -v c="$2" '
	{ l = $0; sub(/\r$/, "", l); lines[NR] = $0 }
	l ~ /^# lab: / { nest = l ~ /^# lab: run kselftest /; pfx[NR] = ""; clean[NR] = l; next }
	nest && l ~ /^# / { pfx[NR] = "# "; clean[NR] = substr(l, 3); next }
	nest { pfx[NR] = ""; clean[NR] = "# runner: " l; next }
	{ pfx[NR] = ""; clean[NR] = l }
	END {
		for (i = 1; i <= NR; i++) {
			if (clean[i] ~ /^# lab: run /) run = i
			if (clean[i] ~ /^#  RUN / && (split(clean[i], w, " ") >= 3) && w[3] == c) { from = i; start = run; break }
		}
		if (!from) { print "drop_case: no case " c > "/dev/stderr"; exit 1 }
		for (i = from + 1; i <= NR && clean[i] !~ /^(not )?ok [0-9]+/; i++) ;
		to = i; st = clean[to] ~ /^not ok/ ? "fail" : clean[to] ~ / # SKIP/ ? "skip" : clean[to] ~ / # XFAIL/ ? "xfail" : "pass"
		for (i = 1; i <= NR; i++) {
			if (i >= from && i <= to) continue
			l = lines[i]
			if (i > start && clean[i] ~ /^# lab: exit /) inrun_done = 1
			if (i > start && !inrun_done && clean[i] ~ /^1\.\.[0-9]+$/ && !planned) { l = pfx[i] "1.." (substr(clean[i], 4) - 1); planned = 1 }
			if (i > start && !inrun_done && clean[i] ~ /^# Totals: / && !totalled) {
				n = split(clean[i], w, " "); l = pfx[i] w[1] " " w[2]
				for (j = 3; j <= n; j++) { split(w[j], kv, ":"); if (kv[1] == st) kv[2]--; l = l " " kv[1] ":" kv[2] }
				totalled = 1
			}
			print l
		}
	}' "$R/$1/results.tap" >"$R/$1/t" && mv "$R/$1/t" "$R/$1/results.tap"
}
# drop_cases KERNEL CASE: the case in every run that has it
drop_cases() {
	drop_case "$1" "$2"
	while grep -Eq "^(# )?#  RUN  *$2 " "$R/$1/results.tap"; do drop_case "$1" "$2"; done
}
# drop_node KERNEL LABEL: one node's v4l2-compliance run
drop_node() {
	drop_block "$R/$1/compliance.log" "# compliance: $2 " '^# compliance: exit '
}
# fail_test KERNEL LABEL TEST [OPTION...]: a test of a node's v4l2-compliance
# run fails, with its Total line and exit status made to agree. Options:
# "nototal" leaves the Total line and the exit status as they were; "cr"
# takes only a result that shares its line with frame counters (after a
# CR), as vivid's streaming results do.
fail_test() {
	local k=$1 node=$2 t=$3
	shift 3
	awk -v name="# compliance: $node " -v t="test $t: OK" -v f="test $t: FAIL" -v opts=" $* " '
	{ l = $0; sub(/\r$/, "", l) }
	index(l, name) == 1 { in_node = 1 }
	in_node && !done && (i = index($0, t)) && (!index(opts, " cr ") || index(substr($0, 1, i), "\r")) {
		$0 = substr($0, 1, i - 1) f substr($0, i + length(t)); done = 1
	}
	in_node && done && !index(opts, " nototal ") && l ~ /^Total for / {
		match(l, /Succeeded: [0-9]+/); s = substr(l, RSTART + 11, RLENGTH - 11) - 1
		match(l, /Failed: [0-9]+/); fl = substr(l, RSTART + 8, RLENGTH - 8) + 1
		sub(/Succeeded: [0-9]+/, "Succeeded: " s); sub(/Failed: [0-9]+/, "Failed: " fl)
	}
	in_node && done && !index(opts, " nototal ") && l ~ /^# compliance: exit / { sub(/exit [0-9]+/, "exit 1") }
	in_node && l ~ /^# compliance: exit / { in_node = 0 }
	{ print }
	END { if (!done) { print "fail_test: no \"" t "\" in " name > "/dev/stderr"; exit 1 } }' \
		"$R/$k/compliance.log" >"$R/$k/t" && mv "$R/$k/t" "$R/$k/compliance.log"
}

# rerun_node KERNEL LABEL [race] [TEST]: a node's v4l2-compliance run given
# twice, as /init runs it after the Requests race (scripts/guest/init):
# the first copy with the race when asked ("race"), and with TEST failing
# as well when given.
rerun_node() {
	awk -v name="# compliance: $2 " -v race="${3:-}" -v t="${4:-}" '
	{ l = $0; sub(/\r$/, "", l) }
	index(l, name) == 1 { in_node = 1; n = 0 }
	in_node { blk[++n] = $0 }
	in_node && l ~ /^# compliance: exit / {
		in_node = 0
		for (i = 1; i <= n; i++) {
			x = blk[i]
			# (the failure is printed just before the result of the test,
			# which may share a line with frame counters)
			if (race && !raced && index(x, "test Requests: OK"))
				raced = sub(/\ttest Requests: OK/, "\t\tfail: v4l2-test-buffers.cpp(2371): !(buf.g_flags() \\& V4L2_BUF_FLAG_QUEUED)\r\n\ttest Requests: FAIL", x)
			if (t != "" && !failed && index(x, "test " t ": OK")) failed = sub("test " t ": OK", "test " t ": FAIL", x)
			print x
		}
		sub(/attempt 1 /, "attempt 2 ", blk[1])
		for (i = 1; i <= n; i++) print blk[i]
		done = 1
		next
	}
	!in_node { print }
	END { if (!done || (race && !raced)) { print "rerun_node: no such node, or no Requests test in it: " name > "/dev/stderr"; exit 1 } }' \
		"$R/$1/compliance.log" >"$R/$1/t" && mv "$R/$1/t" "$R/$1/compliance.log"
}

# (the changes are expanded when they run, with R and L set)
# shellcheck disable=SC2016
# name <TAB> what breaks (the hole it closes) <TAB> the change (shell) <TAB> what the report must say (ERE)
cases='green	nothing: the unbroken copy	:	^[0-9]+ passed, 0 failed, [0-9]+ skipped$
no-userptr	patched without its media_userptr results (1)	drop_run patched kselftest	patched: asked to run media_userptr, which never ran
no-mm	patched without the mm selftests (1)	drop_run patched "mm selftests"	patched: asked to run mm, which never ran
no-stress-fuzz	patched without stress and fuzz (1)	drop_run patched stress; drop_run patched fuzz	patched: asked to run stress, which never ran
no-asked	results without the record of what the guest was asked (1)	sed -i "/^# lab: asked/d" "$R/patched/results.tap"	patched: the guest did not record what it was asked to run
union	a media_userptr case upstream has and patched lacks (1)	needs upstream; drop_cases patched userptr.vivid_cap_vmalloc.anon_rw	userptr.vivid_cap_vmalloc.anon_rw: missing on patched
vivid-gone	vivid-004-vid-cap missing on baseline and patched alike (2)	drop_node baseline vivid-004-vid-cap/dma-contig; drop_node patched vivid-004-vid-cap/dma-contig	never ran, though the guest asked for vivid-004-vid-cap/dma-contig
vim2m-gone	vim2m/2 missing on patched, a node the baseline lacks (2)	drop_node patched vim2m/2	never ran, though the guest asked for vim2m/2
fuzz-node-gone	fuzz without vivid-004-vid-out on patched (2)	drop_cases patched fuzz.vivid_004_vid_out	fuzz: no case for vivid_004_vid_out, a node the guest asked for
fuzz-few-calls	fuzz judged 12 calls on vim2m (a)	sed -i "/^#  RUN  *fuzz.vim2m /,/^ok /s/^# outcome: [0-9]* calls/# outcome: 12 calls/" "$R/patched/results.tap"	fuzz: vim2m: 12 calls judged, fewer than 1000
cr-fail	a FAIL after frame counters (CR) on upstream, totals agreeing (3)	fail_test upstream vivid-000-vid-cap/vmalloc "MMAP (select, REQBUFS)" cr	fails, not in compliance.known: MMAP \(select, REQBUFS\)
cr-total	a FAIL after frame counters (CR) the Total line does not count (3)	fail_test patched vivid-002-vid-cap/vmalloc "USERPTR (select)" cr nototal	[0-9]+ "test \.\.\.: FAIL" lines, the Total line says Failed: 3
known-patched-only	a known entry excusing a failure only patched has, on vim2m/2 (4)	printf "vim2m/2\tVIDIOC_QUERYCAP\tinjected\n" >>"$L/scripts/compliance.known-6.1@1.32"; fail_test patched vim2m/2 VIDIOC_QUERYCAP	must stand in compliance.known-6.12@1.32 too
known-memop-only	a known entry excusing a failure of vivid-001 on dma-sg that vivid-001 on vmalloc (the baseline) does not have (4)	printf "vivid-001-vid-cap/dma-sg\tVIDIOC_QUERYCAP\tinjected\n" >>"$L/scripts/compliance.known-6.1@1.32"; fail_test patched vivid-001-vid-cap/dma-sg VIDIOC_QUERYCAP	must stand in compliance.known-6.12@1.32 too
cow-gone	patched without one of the cases cow-expected lists as failing elsewhere (5)	needs baseline; drop_cases patched cow.r_o_longterm_gup_pin.memfd	cow.r_o_longterm_gup_pin.memfd .*missing on patched, where another kernel of its tree has it
cow-reason	the R/O pin case of the baseline fails with a broken ioctl (7)	sed -i "/^#  RUN  *cow.r_o_longterm_gup_pin.memfd /,/^not ok /s/^not ok \\([0-9]*\\) .*/not ok \\1 PIN_LONGTERM_TEST_START failed/" "$R/baseline/results.tap"	failed for another reason than scripts/cow-expected gives
watchdogs	a kernel without the hung-task watchdog (6)	sed -i "s/hung_task_timeout_secs=[0-9]*/hung_task_timeout_secs=none/" "$R/patched/results.tap"	patched: the kernel.s watchdogs were not armed
hung-task	a hung-task report in dmesg (6)	sed -i "s/^# lab: end/INFO: task media_userptr_t:1234 blocked for more than 60 seconds.\\n&/" "$R/patched/dmesg.log"	patched: dmesg is dirty
no-dmesg	patched without dmesg.log (8)	rm "$R/patched/dmesg.log"	patched: no dmesg
cut-dmesg	the dmesg.log of patched cut before its end marker (8)	sed -i "\$d" "$R/patched/dmesg.log"	patched: dmesg.log does not end with the lab.s end marker
rerun-norace	a node run twice on patched without the Requests race (9)	rerun_node patched vivid-002-vid-cap/vmalloc	run twice, though the first run did not meet the Requests race
rerun-other	a node run twice after the Requests race that also failed another test (9)	rerun_node patched vivid-002-vid-cap/vmalloc race "VIDIOC_G/S_PARM"	run twice after the Requests race, but the first run also failed: VIDIOC_G/S_PARM
known-pass	the stock kernel without its known bug: the livelock case passes (issue 25)	sed -i "/^# #  RUN  *userptr.vivid_out_vmalloc.shmem_thp_private /,/^# not ok /{/known bug/d;s/^# not ok /# ok /}" "$R/stock/results.tap"	should have failed \(scripts/known-bugs\): userptr.vivid_out_vmalloc.shmem_thp_private
known-reason	the livelock case fails on stock without naming the bug (issue 25)	sed -i "/^# #  RUN  *userptr.vivid_out_vmalloc.shmem_thp_private /,/^# not ok /{/known bug/d}" "$R/stock/results.tap"	failed for another reason than scripts/known-bugs gives
known-other	another case fails on stock (issue 25)	sed -i "s/^# ok \([0-9]*\) userptr.vivid_cap_vmalloc.anon_rw/# not ok \1 userptr.vivid_cap_vmalloc.anon_rw/" "$R/stock/results.tap"	stock: failed cases
known-fixed	the livelock case fails on upstream, which has the fix (issue 25)	sed -i "s/^# ok \([0-9]*\) userptr.vivid_out_vmalloc.shmem_thp_private/# not ok \1 userptr.vivid_out_vmalloc.shmem_thp_private/" "$R/upstream/results.tap"	upstream: the cases that fail without our fixes \(scripts/cow-expected, scripts/known-bugs\) do not all pass here'

want=" $* "
{
	echo "| what breaks | what the report said | status |"
	echo "|---|---|---|"
} >"$OUT/results.md"
bad=0
while IFS='	' read -r name what change expect; do
	[ "$want" = "  " ] || case $want in *" $name "*) ;; *) continue ;; esac
	for k in baseline mediaonly patched upstream stock; do
		case " $change " in *[\ /]${k}[\ /\;]*) case " $KERNELS " in *" $k "*) ;; *) continue 2 ;; esac ;; esac
	done
	W=$OUT/$name
	rm -rf "$W"
	mkdir -p "$W/lab" "$W/build"
	cp -a "$LAB_TOP/scripts" "$LAB_TOP/patches" "$W/lab/"
	cp -a "$SRC" "$W/build/results"
	R=$W/build/results L=$W/lab
	eval "$change" || die "$name: the change failed: $change"
	rc=0
	# shellcheck disable=SC2086
	env -u RESULTS BUILD="$W/build" ARCH="$LAB_ARCH" bash "$L/scripts/report.sh" $KERNELS >"$OUT/$name.log" 2>&1 || rc=$?
	# (a row of the report's tables ends with " |")
	said=$(grep -Eo -m1 -- "$expect.*" "$OUT/$name.log" | sed 's/ |$//' | cut -c1-200 || true)
	if [ "$name" = green ]; then
		if [ "$rc" != 0 ] || [ -z "$said" ]; then
			say "green: the unbroken copy did not pass (status $rc); see $OUT/$name.log"
			bad=1
			continue
		fi
	elif [ "$rc" = 0 ]; then
		say "$name: the report passed although $what"
		bad=1
		continue
	elif [ -z "$said" ]; then
		say "$name: the report failed (status $rc), but without \"$expect\"; see $OUT/$name.log"
		bad=1
		continue
	fi
	say "$name: status $rc: $said"
	printf '| %s | %s | %s |\n' "$what" "${said//|/\\|}" "$rc" >>"$OUT/results.md"
done <<<"$cases"
[ "$bad" = 0 ]
