#!/usr/bin/env bash
# The verdict of a make ci, as markdown, from what that make ci printed:
#   scripts/verdict.sh LOG COMMIT >FILE
# LOG is make ci's whole output (make ci keeps it in build/logs/ci.log and
# writes its verdict to build/verdict.md); COMMIT says what it ran on. The
# README's latest verdict is docs/verdict.md, written so from the run it
# cites, never by hand; make lint checks that the README quotes its
# verdict line as it is.
#
# Every figure is one the run printed: the report's line per kernel, its
# cow.c and known-bugs lines, the comparisons, each half's last line and
# make ci's, and the phases' times. A kernel whose cases are not its
# passed, failed, skipped and counted-apart cases added up fails this
# script, and so does a log without make ci's three halves (make check,
# the 6.12 kernels, the debug kernels: scripts/ci.sh). The kernels of the
# mainline trees are named with their tree ("upstream 7.3"): both trees
# have an upstream and a stock kernel.
set -eu
if [ $# != 2 ] || [ ! -f "$1" ]; then
	echo "usage: $0 LOG COMMIT" >&2
	exit 2
fi
LOG=$1 COMMIT=$2

awk -v commit="$COMMIT" -v logname="$LOG" '
function secs(t,  a) { split(t, a, ":"); return a[1] * 60 + a[2] }
function mmss(s) { return sprintf("%d:%02d", int(s / 60), s % 60) }
# key(NAME): a kernel as the verdict names it, with its tree if it is one
# of the mainline tree'\''s (the half'\''s: htree, below).
function key(v) { return v ~ /^(upstream|stock)/ ? v " " htree[ntot + 1] : v }
# What each kernel of make check and make ci is (scripts/lib.sh, tree.sh).
BEGIN {
	what["baseline"] = "Debian'\''s 6.1 as it is"
	what["mediaonly"] = "6.1 with the media patches, without the mm ones"
	what["patched"] = "6.1 with the whole series"
	what["upstream 7.3"] = "7.3 with the stand-in for Zhang Yi'\''s v2 and `patches/mainline-7.3/`: the mainline judge"
	what["stock 7.3"] = "Debian'\''s 7.3 as it is: the kselftest alone, through `run_kselftest.sh`"
	what["upstream 6.12"] = "6.12, the LTS line, with the stand-in for Zhang Yi'\''s v2 and `patches/mainline/`"
	what["stock 6.12"] = "Debian'\''s 6.12 as it is (Debian 13'\''s kernel): the kselftest alone, through `run_kselftest.sh`"
	what["patched@mem6g"] = "patched, booted with 6 GiB: the kselftest alone"
	what["patched@swiotlb"] = "patched, booted with `swiotlb=force`: the kselftest alone"
	what["patched-debug"] = "patched as a debug kernel (KASAN, lockdep, kmemleak, DEBUG_VM)"
	what["upstream-debug 7.3"] = "upstream 7.3 as a debug kernel"
	hname[1] = "`make check`"; hname[2] = "the 6.12 half"; hname[3] = "the debug half"
}
/^\[[0-9]+:[0-9]+\] / { last = substr($1, 2, length($1) - 2) }
# A half names its kernels without their tree: the tree of its mainline
# kernels is that of its "source" line other than 6.1.
/^\[[0-9]+:[0-9]+\] source [0-9.]+: / {
	t = $3; sub(/:$/, "", t)
	if (!(t in src)) { src[t] = $0; sub(/^[^:]*:[^:]*: /, "", src[t]); srcs[++nsrc] = t }
	if (t != "6.1") htree[ntot + 1] = t
}
/^\[[0-9]+:[0-9]+\] build [^ ]+ +done in [0-9]+s$/ { v = key($3); b = $NF; sub(/s$/, "", b); build[v] = b }
/^\[[0-9]+:[0-9]+\] boot [^ ]+ +done in [0-9]+s$/ { v = key($3); b = $NF; sub(/s$/, "", b); boot[v] = b }
/^\[[0-9]+:[0-9]+\] [^ ]+: not asked to run \(the guest.s switches\): / { v = $2; sub(/:$/, "", v); v = key(v); l = $0; sub(/^.*switches\): /, "", l); notrun[v] = l }
/^- \*\*[^*]+\*\* \(kernel / {
	v = $2; gsub(/\*/, "", v)
	l = $0; sub(/^[^(]*\(kernel /, "", l); split(l, a, ",")
	v = key(v); cur = v
	if (!(v in cases)) order[++n] = v
	half[v] = ntot + 1
	kver[v] = a[1]
	l = $0; sub(/.*\): /, "", l); split(l, a, /, /)
	cases[v] = a[1] + 0; pass[v] = a[2] + 0; fail[v] = a[3] + 0; skip[v] = a[4] + 0
	kfail[v] = 0; known[v] = 0; xfail[v] = 0; cow[v] = ""
	next
}
/^  - cow\.c: / && cur != "" {
	l = $0; sub(/^  - cow\.c: /, "", l); cow[cur] = l
	if (match(l, /[0-9]+ failed as expected/)) kfail[cur] = substr(l, RSTART, RLENGTH) + 0
	if (match(l, /[0-9]+ xfail/)) xfail[cur] = substr(l, RSTART, RLENGTH) + 0
	next
}
/^  - pins over the whole run: / && cur != "" { pins[cur] = $8 " / " $10; next }
/^  - failed as expected \(scripts\/known-bugs\) [0-9]+: / && cur != "" {
	l = $0; sub(/^  - failed as expected \(scripts\/known-bugs\) /, "", l); known[cur] += l + 0
	next
}
/^[^ -]/ { cur = "" }
/^[0-9]+ of [0-9]+ cases agree/ { cmp[ntot + 1] = $0; cmptree[ntot + 1] = htree[ntot + 1] }
/^[0-9]+ cases, [0-9]+ differ as recorded/ { cowcmp[ntot + 1] = $0 }
/^not counted below: / { apart[++napart] = $0; aparth[napart] = ntot + 1 }
/^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$/ { tot[++ntot] = $0; at[ntot] = last }
END {
	if (ntot != 4) {
		printf "%s: %d lines \"N passed, N failed, N skipped\", not 4 (make check, the 6.12 half, the debug half, make ci): not the whole output of a make ci\n", logname, ntot > "/dev/stderr"
		exit 1
	}
	split(tot[4], f, " "); green = (f[3] == 0)
	print "# The latest verdict: `make ci`"
	print ""
	printf "Written by `scripts/verdict.sh` from the output of that `make ci`,\n"
	printf "never by hand (`make ci` writes its own to `build/verdict.md`).\n\n"
	printf "Verdict: `make ci` at %s, %s in %s: `%s`\n\n", commit, green ? "green" : "RED", last, tot[4]
	printf "- `make check`, the first half, ended at %s: `%s`\n", at[1], tot[1]
	printf "- the 6.12 kernels, the second half, took %s: `%s`\n", mmss(secs(at[2]) - secs(at[1])), tot[2]
	printf "- the debug kernels, the third half, took %s: `%s`\n", mmss(secs(last) - secs(at[2])), tot[3]
	for (i = 1; i <= nsrc; i++) printf "- the %s source: %s\n", srcs[i], src[srcs[i]]
	for (h = 1; h <= 3; h++) if (h in cmp) printf "- patched 6.1 against upstream %s, kselftest case by case, in %s: %s\n", cmptree[h], hname[h], cmp[h]
	for (h = 1; h <= 3; h++) if (h in cowcmp) printf "- cow.c across the kernels of a tree, in %s: %s\n", hname[h], cowcmp[h]
	for (i = 1; i <= napart; i++) printf "- the line above the last of %s: `%s`\n", hname[aparth[i]], apart[i]
	print ""
	ks = "cases"
	if (match(cmp[1], / of [0-9]+ cases/)) ks = substr(cmp[1], RSTART + 4, RLENGTH - 10) " cases"
	print "Per kernel, as the report printed it. A kernel'\''s cases are the kselftest'\''s"
	print ks " and, where its guest ran them, those of the mm selftests, stress,"
	print "fuzz and cow.c. **cases = passed + failed + skipped + counted apart.**"
	print "Counted apart are the cases that must fail on that kernel and did, for"
	print "the reason their entry gives (`scripts/cow-expected` for cow.c,"
	print "`scripts/known-bugs` for the kselftest), and cow.c'\''s own xfail: they"
	print "are in neither passed, failed nor skipped, nor in the last line."
	print ""
	print "| kernel | what it is | version | cases | passed | failed | skipped | counted apart: failed as expected + cow.c xfail | pins acquired / released | build | boot and tests |"
	print "|---|---|---|---|---|---|---|---|---|---|---|"
	bad = 0
	for (i = 1; i <= n; i++) {
		v = order[i]
		ap = cases[v] - pass[v] - fail[v] - skip[v]
		if (ap != kfail[v] + known[v] + xfail[v]) {
			printf "%s: %d cases, but %d passed + %d failed + %d skipped + %d failed as expected + %d xfail = %d\n", v, cases[v], pass[v], fail[v], skip[v], kfail[v] + known[v], xfail[v], pass[v] + fail[v] + skip[v] + kfail[v] + known[v] + xfail[v] > "/dev/stderr"
			bad = 1
		}
		printf "| %s | %s | %s | %d | %d | %d | %d | %s | %s | %s | %s |\n", v, (v in what) ? what[v] : "", kver[v], cases[v], pass[v], fail[v], skip[v], \
			(kfail[v] + known[v] + xfail[v]) ? (kfail[v] + known[v]) " + " xfail[v] : "0", pins[v], \
			(v in build) ? mmss(build[v]) : "reused", (v in boot) ? mmss(boot[v]) : "reused"
	}
	# Each half'\''s last line adds up its kernels; make ci'\''s the three halves
	# (its failed may count one more for a half that stopped: scripts/ci.sh).
	for (h = 1; h <= 3; h++) {
		split(tot[h], f, " "); sp = 0; sf = 0; ss = 0
		for (i = 1; i <= n; i++) if (half[order[i]] == h) { sp += pass[order[i]]; sf += fail[order[i]]; ss += skip[order[i]] }
		if (sp != f[1] || sf != f[3] || ss != f[5]) {
			printf "half %d: its kernels add up to %d passed, %d failed, %d skipped, its last line says %s\n", h, sp, sf, ss, tot[h] > "/dev/stderr"
			bad = 1
		}
		hp[h] = f[1]; hf[h] = f[3]; hs[h] = f[5]
	}
	split(tot[4], f, " ")
	if (f[1] != hp[1] + hp[2] + hp[3] || f[5] != hs[1] + hs[2] + hs[3] || f[3] < hf[1] + hf[2] + hf[3]) {
		printf "make ci'\''s last line, %s, is not the sum of its halves\n", tot[3] > "/dev/stderr"
		bad = 1
	}
	if (bad) exit 1
	print ""
	print "Each half'\''s last line is its kernels'\'' passed, failed and skipped added"
	print "up, and make ci'\''s the three halves'\'' (this script checks both)."
	print ""
	print "Every kernel has the kselftest commit too, and the 6.1 ones `patches/lab/`"
	print "(gup_test'\''s long-term pin ioctls, for cow.c)."
	print ""
	print "cow.c, per kernel:"
	print ""
	for (i = 1; i <= n; i++) if (cow[order[i]] != "") printf "- %s: %s\n", order[i], cow[order[i]]
	for (i = 1; i <= n; i++) if (known[order[i]]) printf "- %s: %d kselftest cases failed as expected (scripts/known-bugs)\n", order[i], known[order[i]]
	print ""
	print "What a guest was not asked to run (the others ran the kselftest, the mm"
	print "selftests, stress, fuzz, cow.c and v4l2-compliance):"
	print ""
	for (i = 1; i <= n; i++) if (order[i] in notrun) printf "- %s: %s\n", order[i], notrun[order[i]]
	print ""
	print "\"0 failed\" means that every case did what that kernel'\''s expectations"
	print "say. The baseline'\''s are its own, buggy, ones (`lab.expect=baseline`:"
	print "a capture into read-only memory must be accepted, for one), and its"
	print "cow.c R/O long-term pins of non-anonymous memory must fail: its"
	print "\"0 failed\" means that it behaved as the bugs predict, not that it is"
	print "right. So does the media-only kernel'\''s, whose stale data the kselftest"
	print "expects. Every skip is expected with its reason (`scripts/expected-skips`)."
}' "$LOG"
