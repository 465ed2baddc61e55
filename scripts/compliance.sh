#!/usr/bin/env bash
# The v4l2-compliance gate:
#   scripts/compliance.sh BASELINE PATCHED     (two kernels of one tree)
#   scripts/compliance.sh KERNEL               (one kernel on its own)
# Reads build/results/<kernel>/compliance.log (one v4l2-compliance -s run
# per node) and prints, as Markdown, each node's totals and failures. The
# known failures are those of the kernel's tree, in
# scripts/compliance.known-<tree>. It fails when:
# - a node's run has no "Total for" line, or an exit status that does not
#   agree with its failure count (v4l2-compliance crashed or could not open
#   the device);
# - a node fails a test that the known list does not give for it, or passes
#   one that the list says fails (the list is the whole truth);
# - a node of the baseline is missing on the patched kernel (vivid nodes are
#   the same device whatever their allocator; vim2m counts per allocator);
# - a node runs a different number of tests, or succeeds in fewer, than the
#   baseline's node, beyond the known failures that only it has.
. "$(dirname "$0")/lib.sh"

RES=$ABUILD/results
b=$1 p=${2:-$1}
for v in "$b" "$p"; do
	grep -q '^# compliance: end' "$RES/$v/compliance.log" 2>/dev/null ||
		die "$v: no complete v4l2-compliance result ($RES/$v/compliance.log)"
done

kb=$LAB_TOP/scripts/compliance.known-$(variant_tree "$b")
kp=$LAB_TOP/scripts/compliance.known-$(variant_tree "$p")
knowns=("$kb")
[ "$kp" = "$kb" ] || knowns+=("$kp")
logs=("$RES/$b/compliance.log")
[ "$p" = "$b" ] || logs+=("$RES/$p/compliance.log")
awk -v B="$b" -v P="$p" -v KB="$kb" -v KP="$kp" -F'\t' '
FILENAME == KB || FILENAME == KP {
	if ($0 ~ /^#/ || NF < 3) next
	if (FILENAME == KB) known[B, $1] = known[B, $1] "|" $2
	if (FILENAME == KP) known[P, $1] = known[P, $1] "|" $2
	next
}
FNR == 1 { k = (FILENAME ~ ("/" P "/")) ? P : B }
{ gsub(/\033\[[0-9;]*m/, ""); sub(/\r$/, "") }
/^# compliance: end/ { next }
/^# compliance: exit / { split($0, w, " "); rc[cur] = w[4]; next }
/^# compliance: / {
	split($0, w, " "); label = w[3]
	# the device: vivid by name, vim2m per allocator
	dev = label; if (dev !~ /^vim2m/) sub(/\/.*/, "", dev)
	cur = k SUBSEP dev
	if (!(cur in seen)) { seen[cur] = 1; if (!(dev in any)) { any[dev] = 1; order[n++] = dev } }
	lab[cur] = label; fails[cur] = ""; rc[cur] = ""; tot[cur] = ""; next
}
/^[ \t]*test .*: FAIL/ {
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
function check(c,   m, f, j, kn, e) {
	if (!(c in seen)) return ""
	if (tot[c] == "") return "no Total line (exit " rc[c] "): v4l2-compliance did not run to the end"
	if (rc[c] == "" || (rc[c] == 0) != (nfail[c] == 0) || rc[c] > 1)
		return "exit status " rc[c] " with " nfail[c] " failures"
	split(c, kc, SUBSEP)
	e = ""; kn = known[kc[1], lab[c]]
	m = split(fails[c], f, "|")
	for (j = 2; j <= m; j++) if (!has(kn, f[j])) e = e "|" f[j]
	if (e != "") e = "fails, not in compliance.known: " show(e)
	m = split(kn, f, "|")
	for (j = 2; j <= m; j++) if (!has(fails[c], f[j])) e = e (e == "" ? "" : "; ") "passes, though compliance.known says it fails: " f[j]
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
		if (ep != "") pr = pr (pr == "" ? "" : "; ") P ": " ep
		if (B == P) {
			if (eb != "") bad = 1
			printf "| %s | %s | %s |\n", dev, lab[bc] ": " tot[bc], eb == "" ? "none" : eb
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
