#!/usr/bin/env bash
# The v4l2-compliance gate:
#   scripts/compliance.sh BASELINE PATCHED     (two kernels of one tree)
#   scripts/compliance.sh KERNEL               (one kernel on its own)
# Reads build/results/<kernel>/compliance.log (one v4l2-compliance -s run
# per node) and prints, as Markdown, each node's totals and failures. The
# known failures are those of the kernel's tree and of the v4l2-compliance
# it runs (V4L_UTILS, scripts/lib.sh): scripts/compliance.known-<tree> for
# 1.22, scripts/compliance.known-<tree>@<version> for another. It fails
# when:
# - a node's run does not say it is the version the lab gives the kernel;
# - a node's run has no "Total for" line, or an exit status that does not
#   agree with its failure count (v4l2-compliance crashed or could not open
#   the device);
# - a node fails a test that the known list does not give for it, or passes
#   one that the list says fails (the list is the whole truth);
# - a node's "Total for" line does not add up: its Succeeded and Failed
#   are not its total, or its Failed is not the number of "test ...: FAIL"
#   lines (a record is a line up to LF or CR: vivid's streaming tests
#   print their results after frame counters that end in CR);
# - a node the guest asked for (the module parameters it recorded,
#   scripts/lib.sh asked_nodes) never ran, or a node ran that it did not
#   ask for: a known failure of a node that never ran does not fail, so
#   it would otherwise never be checked;
# - a node of the baseline is missing on the patched kernel (vivid nodes are
#   the same device whatever their allocator; vim2m counts per allocator);
# - a node runs a different number of tests, or succeeds in fewer, than the
#   baseline's node, beyond the known failures that only it has;
# - a known failure of a 6.1 kernel with the series (the patched one, with
#   the baseline or alone) on a node the baseline does not have as it is
#   (a label the baseline lacks: vim2m/1, vim2m/2; or another memop:
#   vivid-001 and -003 are vmalloc there, dma-sg here) and that the
#   baseline's node does not fail as well is not also in
#   scripts/compliance.known-6.12 (COW_TREE's, whatever LAB_MAINLINE says:
#   scripts/lib.sh; the list for the 6.1 kernel's version of
#   v4l2-compliance): there is nothing to hold it against on 6.1, so
#   mainline must have it too (and the 6.12 upstream kernel's gate, in
#   make ci, requires it to fail there);
# - an entry of the known list names a node that no kernel checked here
#   asked for.
. "$(dirname "$0")/lib.sh"

RES=$ABUILD/results
b=$1 p=${2:-$1}
for v in "$b" "$p"; do
	grep -q '^# compliance: end' "$RES/$v/compliance.log" 2>/dev/null ||
		die "$v: no complete v4l2-compliance result ($RES/$v/compliance.log)"
	# the nodes the guest asked for, and of them those lab.nodes selects
	sw=$(asked_switches "$RES/$v/results.tap") ||
		die "$v: the guest did not record what it was asked to run (\"# lab: asked\")"
	asked_nodes="" asked_compliance=0
	eval "$sw"
	[ "$asked_compliance" = 1 ] || die "$v: the guest was not asked to run v4l2-compliance"
	asked_nodes "$v" "$RES/$v/results.tap" | awk -v only="$asked_nodes" '{ print (index($2, only) || $1 == "?") ? $2 : "" }' |
		grep -v '^$' >"$RES/$v/nodes.compliance" || true
	if [ -z "$asked_nodes" ]; then echo all; else echo some; fi >"$RES/$v/nodes.filter"
done

# The known lists are the tree's for the version of v4l2-compliance every
# kernel runs (V4L_UTILS; scripts/lib.sh known_list); the mainline tree's
# that the 6.1 check below reads is COW_TREE's. vb and vp are what the
# awk program requires each node's run to print.
vb=$V4L_UTILS vp=$V4L_UTILS
kb=$(known_list "$(variant_tree "$b")" "$vb")
kp=$(known_list "$(variant_tree "$p")" "$vp")
k12=$(known_list "$COW_TREE" "$vp")
for k in "$kb" "$kp" "$k12"; do
	[ -f "$k" ] || die "no ${k#"$LAB_TOP"/} (scripts/lib.sh known_list), for the kernels $b and $p (V4L_UTILS=$V4L_UTILS)"
done
knowns=("$kb")
[ "$kp" = "$kb" ] || knowns+=("$kp")
[ "$k12" = "$kb" ] || [ "$k12" = "$kp" ] || knowns+=("$k12")
logs=("$RES/$b/compliance.log")
[ "$p" = "$b" ] || logs+=("$RES/$p/compliance.log")
# The nodes the baseline would have, asked as the patched kernel was
# (its labels: scripts/lib.sh asked_nodes), for the check of the known
# failures of nodes the baseline does not have as they are.
pk=${p%-debug}
chk61=0
[ "$(variant_tree "$p")" != 6.1 ] || [ "${pk%%+*}" = baseline ] || chk61=1
asked_nodes baseline "$RES/$p/results.tap" | awk '{ print $2 }' >"$RES/$p/nodes.baseline"
# all: every node asked for was selected (no lab.nodes), on both kernels
filt=all
[ "$(cat "$RES/$b/nodes.filter" "$RES/$p/nodes.filter" | sort -u)" = all ] || filt=some
awk -v B="$b" -v P="$p" -v VB="$vb" -v VP="$vp" -v KB="$kb" -v KP="$kp" -v K12="$k12" -v K12N="${k12##*/}" -v filt="$filt" \
	-v EB="$RES/$b/nodes.compliance" -v EP="$RES/$p/nodes.compliance" \
	-v EBASE="$RES/$p/nodes.baseline" -v chk61="$chk61" -F'\t' '
BEGIN {
	# a record ends at LF or CR (and the serial port ends lines with CR LF)
	RS = "[\r\n]+"
	while ((getline l < EB) > 0) asked(B, l)
	while ((getline l < EP) > 0) asked(P, l)
	while ((getline l < EBASE) > 0) basel[l] = 1
}
function devof(label,   d) { d = label; if (d !~ /^vim2m/) sub(/\/.*/, "", d); return d }
function asked(k, label,   dev, c) {
	if (label ~ /^\? /) { bad_ask = bad_ask "; " k ": " substr(label, 3); return }
	dev = devof(label); c = k SUBSEP dev
	want[c] = label; wantlabel[k, label] = 1; anyask[label] = 1
	if (!(dev in any)) { any[dev] = 1; order[n++] = dev }
}
FILENAME == KB || FILENAME == KP || FILENAME == K12 {
	if ($0 ~ /^#/ || NF < 3) next
	if (FILENAME == KB) { known[B, $1] = known[B, $1] "|" $2; klabel[B, $1] = 1 }
	if (FILENAME == KP && P != B) { known[P, $1] = known[P, $1] "|" $2; klabel[P, $1] = 1 }
	if (FILENAME == K12) known12[$1] = known12[$1] "|" $2
	next
}
FNR == 1 { k = (FILENAME ~ ("/" P "/")) ? P : B }
{ gsub(/\033\[[0-9;]*m/, "") }
/^# compliance: end/ { next }
/^# compliance: exit / { split($0, w, " "); rc[cur] = w[4]; next }
/^# compliance: / {
	split($0, w, " "); label = w[3]
	# the device: vivid by name, vim2m per allocator
	dev = devof(label)
	cur = k SUBSEP dev
	if (!(cur in seen)) { seen[cur] = 1; if (!(dev in any)) { any[dev] = 1; order[n++] = dev } }
	# A second run of a node (scripts/guest/init): only after the
	# Requests race, and only when the first run failed nothing else
	# that the known list lacks. Then the second run is the result.
	if (w[5] == "attempt" && w[6] > 1) rerun(cur, label, w[6])
	else { rerr[cur] = ""; reran[cur] = 0 }
	lab[cur] = label; fails[cur] = ""; rc[cur] = ""; tot[cur] = ""; nfl[cur] = 0
	race[cur] = 0; pend = 0; ver[cur] = ""; next
}
# the version the run says it is: "v4l2-compliance 1.32.0, 64 bits, ..."
/^v4l2-compliance [0-9]+\.[0-9]+\.[0-9]+, / && ver[cur] == "" {
	v = $0; sub(/^v4l2-compliance /, "", v); sub(/,.*/, "", v); ver[cur] = v; next
}
function rerun(c, label, a,   kc, kn, m, f, j, e) {
	if (a > 2) { rerr[c] = "run " a " times: at most twice"; return }
	split(c, kc, SUBSEP); kn = known[kc[1], label]
	m = split(fails[c], f, "|")
	for (j = 2; j <= m; j++) if (f[j] != "Requests" && !has(kn, f[j])) e = e "|" f[j]
	if (!race[c]) rerr[c] = "run twice, though the first run did not meet the Requests race"
	else if (e != "") rerr[c] = "run twice after the Requests race, but the first run also failed: " show(e)
	else reran[c] = 1
}
# the Requests race: this line, then the Requests test failing
pend && /^[ \t]*test Requests: FAIL/ { race[cur] = 1 }
{ pend = 0 }
# (QUERYBUF says the buffer is no longer QUEUED, or REINIT of its request
# succeeds: the buffer, and so the request, completed before the check)
/fail: v4l2-test-buffers\.cpp\([0-9]+\): (!\(buf\.g_flags\(\) & V4L2_BUF_FLAG_QUEUED\)|doioctl_fd\(buf_req_fds\[i\], MEDIA_REQUEST_IOC_REINIT, nullptr\) != EBUSY)$/ { pend = 1 }
/^[ \t]*test .*: FAIL/ {
	nfl[cur]++
	t = $0; sub(/^[ \t]*test /, "", t); sub(/: FAIL.*/, "", t)
	if (!has(fails[cur], t)) fails[cur] = fails[cur] "|" t
	next
}
/^Total for / {
	t = $0; sub(/^Total for [^:]*: /, "", t); tot[cur] = t
	split(t, c, /[^0-9]+/); ntot[cur] = c[1]; nok[cur] = c[2]; nfail[cur] = c[3]
}
function has(list, t) { return index(list "|", "|" t "|") > 0 }
function show(list) { s = list; sub(/^\|/, "", s); gsub(/\|/, "; ", s); return s == "" ? "none" : s }
# problems of one kernel node, "" if none
function check(c,   m, f, j, kn, e, bc) {
	if (!(c in seen)) return (c in want) ? "never ran, though the guest asked for " want[c] : ""
	if (!(c in want)) return "ran as " lab[c] ", which the guest did not ask for"
	if (lab[c] != want[c]) return "ran as " lab[c] ", the guest asked for " want[c]
	if (rerr[c] != "") return rerr[c]
	split(c, kc, SUBSEP); wv = kc[1] == P ? VP : VB
	if (index(ver[c], wv ".") != 1) return "ran v4l2-compliance " (ver[c] == "" ? "of no version line" : ver[c]) ", the lab gives this kernel " wv
	if (tot[c] == "") return "no Total line (exit " rc[c] "): v4l2-compliance did not run to the end"
	if (rc[c] == "" || (rc[c] == 0) != (nfail[c] == 0) || rc[c] > 1)
		return "exit status " rc[c] " with " nfail[c] " failures"
	if (nok[c] + nfail[c] != ntot[c]) return "the Total line does not add up: " tot[c]
	if (nfl[c] != nfail[c]) return nfl[c] " \"test ...: FAIL\" lines, the Total line says Failed: " nfail[c]
	split(c, kc, SUBSEP)
	e = ""; kn = known[kc[1], lab[c]]
	m = split(fails[c], f, "|")
	for (j = 2; j <= m; j++) if (!has(kn, f[j])) e = e "|" f[j]
	if (e != "") e = "fails, not in compliance.known: " show(e)
	m = split(kn, f, "|")
	for (j = 2; j <= m; j++) if (!has(fails[c], f[j])) e = e (e == "" ? "" : "; ") "passes, though compliance.known says it fails: " f[j]
	# a node the baseline lacks as it is: its known failures must be
	# mainline'"'"'s too
	# (one the baseline'"'"'s node fails as well, under its own label, is
	# the node'"'"'s, not the memop'"'"'s: vivid'"'"'s are the same device whatever
	# their allocator)
	if (chk61 && kc[1] == P && !(lab[c] in basel)) {
		bc = B SUBSEP kc[2]
		for (j = 2; j <= m; j++) if (!has(known12[lab[c]], f[j]) && !((bc in seen) && has(fails[bc], f[j])))
			e = e (e == "" ? "" : "; ") "known on 6.1 only, for a node the baseline lacks (" lab[c] "): " f[j] " must stand in " K12N " too"
	}
	return e
}
END {
	if (B == P) { print "| node | " B " | problems |"; print "|---|---|---|" }
	else { print "| node | " B " | " P " | problems |"; print "|---|---|---|---|" }
	bad = 0
	for (i = 0; i < n; i++) {
		dev = order[i]; bc = B SUBSEP dev; pc = P SUBSEP dev; pr = ""
		eb = check(bc); ep = check(pc)
		if (eb != "") pr = B ": " eb
		if (ep != "" && B != P) pr = pr (pr == "" ? "" : "; ") P ": " ep
		if (B == P) {
			if (eb != "") bad = 1
			printf "| %s | %s | %s |\n", dev, (bc in seen) ? lab[bc] ": " tot[bc] : "-", eb == "" ? "none" : eb
			continue
		}
		if ((bc in seen) && !(pc in seen)) pr = pr (pr == "" ? "" : "; ") "missing on " P
		if ((bc in seen) && (pc in seen) && pr == "") {
			if (ntot[pc] != ntot[bc]) pr = "ran " ntot[pc] " tests, " B " ran " ntot[bc]
			else {
				extra = 0; m = split(fails[pc], f, "|")
				for (j = 2; j <= m; j++) if (!has(fails[bc], f[j])) extra++
				if (nok[pc] + extra < nok[bc]) pr = "succeeded in " nok[pc] ", " B " in " nok[bc]
			}
		}
		if (pr != "") bad = 1
		printf "| %s | %s | %s | %s |\n", dev \
			, (bc in seen) ? lab[bc] ": " tot[bc] : "-" \
			, (pc in seen) ? lab[pc] ": " tot[pc] : "-" \
			, pr == "" ? "none" : pr
	}
	if (bad_ask != "") { printf "\nthe nodes asked for cannot be read%s\n", bad_ask; bad = 1 }
	for (x in reran) if (reran[x]) { split(x, kx, SUBSEP); again = again ", " kx[2] " (" kx[1] ")" }
	if (again != "") printf "\nrun twice, the first run having met the Requests race (scripts/guest/init): %s\n", substr(again, 3)
	# an entry of the known list for a node that no kernel here asked for
	# (checked where every node of the tree was asked for and selected)
	if (filt == "all" && (B != P || KB == K12)) {
		for (x in klabel) {
			split(x, kx, SUBSEP)
			if (!(kx[2] in anyask)) { stale = stale "; " kx[2]; bad = 1 }
		}
		if (stale != "") printf "\ncompliance.known names nodes that no kernel here asked for: %s\n", substr(stale, 3)
	}
	print ""
	print "Failing tests, each listed with its cause in " (KB == KP ? KB : KB " and " KP) ":"
	print ""
	for (i = 0; i < n; i++) {
		pc = P SUBSEP order[i]; bc = B SUBSEP order[i]
		if (B == P && fails[bc] != "") print "- " order[i] ": " show(fails[bc])
		else if (B != P && (fails[pc] != "" || fails[bc] != ""))
			print "- " order[i] ": " P ": " show(fails[pc]) "; " B ": " show(fails[bc])
	}
	if (n == 0) { print "no v4l2-compliance run at all"; bad = 1 }
	exit bad
}' "${knowns[@]}" "${logs[@]}"
