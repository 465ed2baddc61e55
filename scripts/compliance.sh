#!/usr/bin/env bash
# The v4l2-compliance gate: the patched kernel may have no failure that the
# baseline lacks.
#   scripts/compliance.sh BASELINE PATCHED
# Reads build/results/<kernel>/compliance.log and prints, as Markdown, each
# node's totals and failures on both kernels, the failures that are new,
# and the ones that went away on a re-run (flaky). A node the baseline does
# not have (a new allocator) is compared with the same driver's vmalloc
# node; failures explained in scripts/compliance.known are accepted there.
# Exits non-zero on a new failure or a missing result.
. "$(dirname "$0")/lib.sh"

RES=$BUILD/results
b=$1 p=$2
for v in "$b" "$p"; do
	grep -q '^# compliance: end' "$RES/$v/compliance.log" 2>/dev/null ||
		die "$v: no complete v4l2-compliance result ($RES/$v/compliance.log)"
done

# More boots of the patched kernel (lab.sh makes them while the first
# shows a new failure): the last attempt decides, and a failure that a
# later boot does not repeat is listed as flaky.
logs=("$RES/$b/compliance.log" "$RES/$p/compliance.log")
for i in 1 2 3; do
	if grep -q '^# compliance: end' "$RES/$p-rerun$i/compliance.log" 2>/dev/null; then
		logs+=("$RES/$p-rerun$i/compliance.log")
	fi
done

awk -v B="$b" -v P="$p" -F'\t' '
# the known failures
FILENAME ~ /compliance.known$/ { if ($0 !~ /^#/ && NF >= 3) known[$1 SUBSEP $2] = $3; next }
FNR == 1 { k = (FILENAME ~ ("/" B "/")) ? B : P }
{ gsub(/\033\[[0-9;]*m/, "") }
/^# compliance: end/ || /^# compliance: exit / { next }
/^# compliance: / {
	split($0, w, " "); node = w[3]; cur = k SUBSEP node
	if (!(cur in seen)) { seen[cur] = 1; if (k == P) order[n++] = node }
	att[cur] = w[6]; fails[cur] = ""; next
}
/^[ \t]*test .*: FAIL/ {
	t = $0; sub(/^[ \t]*test /, "", t); sub(/: FAIL.*/, "", t)
	if (!has(fails[cur], t)) fails[cur] = fails[cur] "|" t
	if (!has(ever[cur], t)) ever[cur] = ever[cur] "|" t
	next
}
/^Total for / { t = $0; sub(/^Total for [^:]*: /, "", t); tot[cur] = t }
function has(list, t) { return index(list "|", "|" t "|") > 0 }
function show(list) { s = list; sub(/^\|/, "", s); gsub(/\|/, "; ", s); return s }
function flaky(c,   m, e, i, s) {
	m = split(ever[c], e, "|"); s = ""
	for (i = 2; i <= m; i++) if (!has(fails[c], e[i]) && !has(s, e[i])) s = s "|" e[i]
	return s
}
END {
	print "| node/allocator | " B " | " P " | new in " P " | known, for a node " B " lacks | flaky (failed, then passed on the re-run) |"
	print "|---|---|---|---|---|"
	bad = 0
	for (i = 0; i < n; i++) {
		node = order[i]; pc = P SUBSEP node
		cp = node
		if (!((B SUBSEP cp) in seen)) { cp = node; sub(/\/.*/, "", cp); cp = (cp == "vim2m") ? "vim2m/0" : cp "/vmalloc" }
		bc = B SUBSEP cp
		newf = ""; kn = ""
		m = split(fails[pc], f, "|")
		for (j = 2; j <= m; j++) {
			if (has(fails[bc], f[j])) continue
			if (cp != node && (node SUBSEP f[j]) in known) kn = kn "|" f[j]; else newf = newf "|" f[j]
		}
		if (newf != "" || !(bc in seen)) bad = 1
		fl = flaky(pc); bfl = flaky(bc)
		printf "| %s | %s%s | %s | %s | %s | %s |\n", node \
			, (bc in seen) ? tot[bc] : "missing", (cp != node) ? " (" cp ")" : "" \
			, tot[pc] \
			, newf == "" ? "none" : show(newf), show(kn) \
			, (fl == "" ? "" : P ": " show(fl)) (bfl == "" ? "" : " " B ": " show(bfl))
	}
	print ""
	print "Failing tests (the same on both kernels unless listed as new above):"
	print ""
	for (i = 0; i < n; i++) if (fails[P SUBSEP order[i]] != "") print "- " order[i] ": " show(fails[P SUBSEP order[i]])
	exit bad
}' "$LAB_TOP/scripts/compliance.known" "${logs[@]}"
