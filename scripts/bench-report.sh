#!/usr/bin/env bash
# Compare what scripts/guest/bench.c measured on the two kernels:
#   scripts/bench-report.sh OUTDIR baseline:FILE[,FILE...] patched:FILE[,FILE...]
# Each FILE is the CSV of one guest run; several runs of a kernel (run
# interleaved with the other kernel's) are combined row by row: the median
# of their medians, the min of their mins, the max of their maxes, the sum
# of their repetitions, the largest anon_kb, and the spread of the runs'
# medians (max - min, over their median): how far a round moves the
# figure. BENCH_CLOCK (icount or wall, scripts/bench.sh) says what the
# guest's clock counted; BENCH_OTHER names the results.csv of the other
# clock, whose ratios the report sets beside these; BENCH_PREV the
# previous run's of this clock, which every row is compared with.
# Writes OUTDIR/results.csv (the rows with a "kernel" column first, the
# clock last), OUTDIR/clocks.csv where BENCH_OTHER is given (each row's
# ratio and reach in both clocks),
# OUTDIR/results.md (tables, ratios and the targets, met or not) and
# OUTDIR/bench.png (gnuplot). Targets are reported, not asserted: the exit
# status is 0 whether they are met or not. Each is decided on the ratio
# and the round spreads of its two rows: met or not met where the ratio
# is further from the bar than the spreads reach, "undecided", which
# counts as not met, where they reach across it.
# "baseline" and "patched" are the roles: the kernel without the change
# and the kernel with it. BENCH_NAMES="A B" names the two kernels in the
# title (default "baseline patched"); BENCH_TARGETS=series (default: what
# the 6.1 series must meet) or proposed (what patches/proposed/ must meet
# on 6.12: one fault a page at the first pin, no row slower).
. "$(dirname "$0")/lib.sh"

[ $# -eq 3 ] || die "usage: $0 OUTDIR baseline:FILE[,FILE...] patched:FILE[,FILE...]"
out=$1
shift
mkdir -p "$out"
rm -f "$out/clocks.csv"
CLOCK=${BENCH_CLOCK:-wall}
case $CLOCK in icount | wall) ;; *) die "BENCH_CLOCK=$CLOCK: icount or wall" ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- read the runs ----

: >"$tmp/rows"
: >"$tmp/notes"
for arg in "$@"; do
	kernel=${arg%%:*}
	files=${arg#*:}
	case $kernel in
	baseline | patched) ;;
	*) die "$arg: expected baseline:FILES or patched:FILES" ;;
	esac
	if [ "$files" = "$arg" ] || [ -z "$files" ]; then
		die "$arg: no file"
	fi
	IFS=, read -r -a list <<<"$files"
	run=0
	for f in "${list[@]}"; do
		[ -s "$f" ] || die "$f: missing or empty"
		grep -q '^case,label,size_bytes,unit,median,min,max,reps,anon_kb' "$f" ||
			die "$f: not a bench CSV (no header line)"
		# Case 3 was stream_fps (frames/s, wall clock) before it became
		# stream_cpu (us/frame): the two do not compare.
		! grep -q '^stream_fps,' "$f" ||
			die "$f: from an older bench.c (case 3 stream_fps, in fps); run make bench again"
		run=$((run + 1))
		# kernel,case,label,size,unit,median,min,max,reps,anon
		tr -d '\r' <"$f" | awk -F, -v k="$kernel" '
			/^#/ || /^case,/ || NF != 9 { next }
			{ print k "," $0 }' >>"$tmp/rows"
		# The comment lines worth keeping, for the "Runs" section:
		# accel, kernel, run time, clock, memcpy speed, page faults of
		# first_pin, what QBUF of read-only shared memory did, what
		# stream_cpu's last repetition saw, skips.
		tr -d '\r' <"$f" | awk -v k="$kernel" -v r="$run" -v f="$f" '
			/^# accel:/ { print k "\taccel\t" $3 }
			/^# bench: kernel/ { sub(/^# bench: /, ""); print k "\tkernel\trun " r " (" f "): " $0 }
			/^# bench: done in/ { print k "\ttime\t" $5 }
			/^# clock:/ { sub(/^# clock: /, ""); print k "\tclock\trun " r ": " $0 }
			/^# (memcpy|calibration):/ { sub(/^# /, ""); print k "\tcopy\trun " r ": " $0 }
			/^# first_pin .*page faults/ { sub(/^# first_pin /, ""); print k "\tfaults\trun " r ": " $0 }
			/^# stream_cpu .*: last repetition/ { sub(/^# stream_cpu /, ""); print k "\tstream\trun " r ": " $0 }
			/^# zc_output .*: QBUF of the shared memory:/ {
				sub(/^# zc_output /, ""); print k "\tqbuf\t" $0 }
			/skipped/ { sub(/^# /, ""); print k "\tskip\trun " r ": " $0 }
		' >>"$tmp/notes"
	done
	echo "$kernel $run" >>"$tmp/runs"
done
grep -q '^baseline ' "$tmp/runs" || die "no baseline runs given"
grep -q '^patched ' "$tmp/runs" || die "no patched runs given"

# ---- combine the runs: results.csv ----

# Rows in bench order: by case, then as first seen (baseline first).
awk -F, '
function rank(c) {
	if (c == "zc_output") return 1
	if (c == "pin_cost") return 2
	if (c == "stream_cpu") return 3
	if (c == "capture_file") return 4
	if (c == "first_pin") return 5
	return 9
}
# Case 1 by size, then label; the others as first seen.
function before(a, b,    x, y) {
	split(a, x, SUBSEP); split(b, y, SUBSEP)
	if (rank(x[1]) != rank(y[1])) return rank(x[1]) < rank(y[1])
	if (x[1] != "zc_output") return seen[a] < seen[b]
	if (x[3] != y[3]) return x[3] + 0 < y[3] + 0
	return x[2] < y[2]
}
{
	row = $2 SUBSEP $3 SUBSEP $4 SUBSEP $5
	if (!(row in seen)) {
		seen[row] = nrows
		rows[nrows++] = row
	}
	key = $1 SUBSEP row
	i = n[key]++
	med[key, i] = $6
	if (i == 0 || $7 + 0 < mn[key]) mn[key] = $7
	if (i == 0 || $8 + 0 > mx[key]) mx[key] = $8
	reps[key] += $9
	if (i == 0 || $10 + 0 > anon[key]) anon[key] = $10
}
END {
	# insertion sorts: rows by (case, first seen), medians by value
	for (i = 1; i < nrows; i++)
		for (j = i; j > 0 && before(rows[j], rows[j - 1]); j--) {
			t = rows[j]; rows[j] = rows[j - 1]; rows[j - 1] = t
		}
	print "kernel,case,label,size_bytes,unit,median,min,max,reps,anon_kb,round_spread,clock"
	for (r = 0; r < nrows; r++)
		for (kk = 0; kk < 2; kk++) {
			k = kk ? "patched" : "baseline"
			key = k SUBSEP rows[r]
			if (!(key in n)) continue
			m = n[key]
			for (i = 0; i < m; i++) v[i] = med[key, i] + 0
			for (i = 1; i < m; i++)
				for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
					t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
				}
			md = m % 2 ? v[int(m / 2)] : (v[m / 2 - 1] + v[m / 2]) / 2
			split(rows[r], p, SUBSEP)
			printf "%s,%s,%s,%s,%s,%.3f,%s,%s,%d,%s,%.4f,%s\n", k, p[1], p[2], p[3], p[4],
			       md, mn[key], mx[key], reps[key], anon[key],
			       (m < 2 ? -1 : md > 0 ? (v[m - 1] - v[0]) / md : 0), clock
		}
}' clock="$CLOCK" "$tmp/rows" >"$out/results.csv"

# ---- results.md ----

notes() { # kind kernel -> the notes of that kind, one a line
	awk -F'\t' -v k="$2" -v w="$1" '$1 == k && $2 == w { print $3 }' "$tmp/notes"
}
accel() {
	local a
	a=$(notes accel "$1" | sort -u | paste -sd/ -)
	echo "${a:-unknown (no \"# accel:\" line)}"
}
runs() {
	awk -v k="$1" '$1 == k { print $2 }' "$tmp/runs"
}

# First-pin page faults per label, "label kernel faults/pages" a line, the
# same in every run or all of the runs' values.
faults() {
	local k
	for k in baseline patched; do
		notes faults "$k" | sed -n 's/^run [0-9]*: \([a-z_]*\): the first QBUF took \([0-9]*\) page faults for \([0-9]*\) pages$/\1 \2\/\3/p' |
			sort -u | awk -v k="$k" '{ v[$1] = v[$1] ? v[$1] "," $2 : $2 } END { for (l in v) print l, k, v[l] }'
	done | LC_ALL=C sort
}
read -r NAME_B NAME_P <<<"${BENCH_NAMES:-baseline patched}"
# The other clock's ratios, "case,label,size ratio spread" a line (its
# spread: the two rows' round spreads added; 0 where that file has none).
other_ratios() {
	[ -n "${BENCH_OTHER:-}" ] && [ -s "$BENCH_OTHER" ] || return 0
	awk -F, 'NR == 1 { next }
	{ row = $2 "," $3 "," $4; m[$1, row] = $6; sp[$1, row] = NF >= 11 ? $11 : 0; rows[row] = 1 }
	END { for (r in rows) if ((("baseline", r) in m) && (("patched", r) in m) && m["baseline", r] > 0)
		printf "%s %.4f %.4f\n", r, m["patched", r] / m["baseline", r], sp["baseline", r] + sp["patched", r] }' "$BENCH_OTHER"
}
TARGETS=${BENCH_TARGETS:-series}
case $TARGETS in series | proposed) ;; *) die "BENCH_TARGETS=$TARGETS: series or proposed" ;; esac

# The Markdown, from results.csv. Every unit is a cost (us/frame, ns/page,
# us: lower is better), so a ratio > 1 always means slower, and the best
# repetitions are the mins.
awk -F, -v acc_b="$(accel baseline)" -v acc_p="$(accel patched)" \
	-v runs_b="$(runs baseline)" -v runs_p="$(runs patched)" \
	-v name_b="$NAME_B" -v name_p="$NAME_P" -v targets="$TARGETS" -v faults="$(faults)" \
	-v clock="$CLOCK" -v other="$(other_ratios)" -v other_file="${BENCH_OTHER:-}" \
	-v clocks_csv="$out/clocks.csv" '
function human(s) {
	if (s % 1048576 == 0) return s / 1048576 " MiB"
	if (s % 1024 == 0) return s / 1024 " KiB"
	return s " B"
}
function num(x) {
	x += 0
	if (x >= 100 || x <= -100) return sprintf("%.0f", x)
	if (x >= 10 || x <= -10) return sprintf("%.1f", x)
	return sprintf("%.2f", x)
}
function has(k, c, l, s) { return (k, c, l, s) in M }
function cell(k, c, l, s) {
	if (!has(k, c, l, s)) return "-"
	return num(M[k, c, l, s]) " [" num(MN[k, c, l, s]) "-" num(MX[k, c, l, s]) "]"
}
# cost ratio a/b of two rows, or "" if either is missing
function ratio(ka, ca, la, sa, kb, cb, lb, sb,    x, y) {
	if (!has(ka, ca, la, sa) || !has(kb, cb, lb, sb)) return ""
	x = M[ka, ca, la, sa]; y = M[kb, cb, lb, sb]
	return y > 0 ? x / y : ""
}
# the same with the best repetitions of the rows: their mins
function ratio_best(ka, ca, la, sa, kb, cb, lb, sb,    x, y) {
	if (!has(ka, ca, la, sa) || !has(kb, cb, lb, sb)) return ""
	x = MN[ka, ca, la, sa]; y = MN[kb, cb, lb, sb]
	return y > 0 ? x / y : ""
}
function fr(r) { return r == "" ? "-" : sprintf("%.3f", r) }
# do the [min,max] ranges of two rows overlap?
function overlap(ka, ca, la, sa, kb, cb, lb, sb) {
	return MN[ka, ca, la, sa] + 0 <= MX[kb, cb, lb, sb] + 0 &&
	       MN[kb, cb, lb, sb] + 0 <= MX[ka, ca, la, sa] + 0
}
function verdict(ok) { return ok ? "**met**" : "**not met**" }
# the reach of a ratio of two rows: their round spreads added
# (-1: a row of one run, whose spread is not known)
function reach(ka, ca, la, sa, kb, cb, lb, sb) {
	if (SP[ka, ca, la, sa] < 0 || SP[kb, cb, lb, sb] < 0) return -1
	return SP[ka, ca, la, sa] + SP[kb, cb, lb, sb]
}
# decide RATIO OP BAR REACH: the bar met or not where the ratio, moved by
# its reach either way, stays on one side of it; else undecided, which
# is not met (op: le, lt, ge, gt: ratio <=, <, >=, > bar)
function decide(r, op, t, u,    lo, hi, ok, nok, gap) {
	if (u < 0) {
		undecided++
		return "**undecided, so not met**: one run, no spread to decide on (BENCH_ROUNDS of 2 or more)"
	}
	lo = r * (1 - u); hi = r * (1 + u)
	if (op == "le") { ok = hi <= t; nok = lo > t }
	else if (op == "lt") { ok = hi < t; nok = lo >= t }
	else if (op == "ge") { ok = lo >= t; nok = hi < t }
	else { ok = lo > t; nok = hi <= t }
	if (ok) return "**met**"
	if (nok) return "**not met**"
	undecided++
	gap = r - t
	if (gap < 0) gap = -gap
	# (both parts of the ratio: the reach moves r by r * u)
	return sprintf("**undecided, so not met**: the rounds spread %.2f%%, wider than the %.2f%% from %.3f to %s", \
	               u * 100, gap / r * 100, r, t)
}
function pct(x) { return x < 0 ? "?" : sprintf("%.2f%%", x * 100) }
# The bars of rows that no kernel measured (BENCH_CASES left their case
# out, or the case failed): each "case:label" of the list, not met.
function not_run(list, indent,    m, e, i, q) {
	m = split(list, e, " ")
	for (i = 1; i <= m; i++) {
		split(e[i], q, ":")
		if ((q[1], q[2]) in present) continue
		printf "%s- %s %s: **not met** (not run)\n", indent, q[1], q[2]
		notrun++
	}
}
# patches/proposed/ on 6.12: the first pin of a page takes one fault, not
# two, and costs less; nothing else moves.
function targets_proposed(    i, m, f, p, c, l, s, r, fb, fp) {
	not_run("first_pin:anon_untouched first_pin:private_file", "")
	m = split(faults, f, "\n")
	for (i = 1; i <= m; i++) {
		split(f[i], p, " ")
		FL[p[1], p[2]] = p[3]
	}
	for (i = 0; i < n; i++) {
		split(rows[i], p, SUBSEP); c = p[1]; l = p[2]; s = p[3]
		if (c != "first_pin") continue
		fb = FL[l, "baseline"]; fp = FL[l, "patched"]
		split(fp, f, "/")
		printf "- case 5, %s: page faults of the first QBUF %s -> %s, one a page: %s\n", \
		       l, fb == "" ? "-" : fb, fp == "" ? "-" : fp, \
		       verdict(fp != "" && fp !~ /,/ && f[1] == f[2])
		r = ratio("patched", c, l, s, "baseline", c, l, s)
		printf "- case 5, %s: time %s (< 1): %s; spread %s; best reps %s\n", l, fr(r), \
		       r == "" ? "**not met** (missing on a kernel)" : decide(r, "lt", 1, reach("patched", c, l, s, "baseline", c, l, s)), \
		       overlap("patched", c, l, s, "baseline", c, l, s) ? "overlaps" : "apart", \
		       fr(ratio_best("patched", c, l, s, "baseline", c, l, s))
	}
	print "- patched/baseline <= 1.03 on every other row (the patch changes only the first pin):"
	for (i = 0; i < n; i++) {
		split(rows[i], p, SUBSEP); c = p[1]; l = p[2]; s = p[3]
		if (c == "first_pin") continue
		r = ratio("patched", c, l, s, "baseline", c, l, s)
		if (r == "") {
			printf "  - %s %s %s: **not met** (missing on a kernel)\n", c, l, human(s)
			continue
		}
		printf "  - %s %s %s: %.3f: %s; spread %s; best reps %s\n", c, l, human(s), r, \
		       decide(r, "le", 1.03, reach("patched", c, l, s, "baseline", c, l, s)), \
		       overlap("patched", c, l, s, "baseline", c, l, s) ? "overlaps" : "apart", \
		       fr(ratio_best("patched", c, l, s, "baseline", c, l, s))
	}
}
NR == 1 { next }
{
	k = $1; c = $2; l = $3; s = $4
	M[k, c, l, s] = $6; MN[k, c, l, s] = $7; MX[k, c, l, s] = $8
	R[k, c, l, s] = $9; A[k, c, l, s] = $10; U[c] = $5; SP[k, c, l, s] = NF >= 11 ? $11 + 0 : -1
	row = c SUBSEP l SUBSEP s
	if (!(row in seen)) { seen[row] = 1; rows[n++] = row }
	present[c, l] = 1
	if (c == "zc_output") {
		split(l, p, ":")
		if (!(p[1] in src)) { src[p[1]] = 1; srcs[ns++] = p[1] }
		if (!(s in zsz)) { zsz[s] = 1; zsizes[nz++] = s }
	}
}
END {
	printf "# make bench: %s against %s\n", name_b, name_p
	print ""
	if (name_b != "baseline" || name_p != "patched")
		printf "Columns: \"baseline\" is %s, \"patched\" is %s.\n", name_b, name_p
	printf "accel: baseline %s, patched %s; runs: baseline %s, patched %s.\n", \
	       acc_b, acc_p, runs_b, runs_p
	if (clock == "icount")
		print "Clock: icount (QEMU -icount shift=0,sleep=off): guest time is the guest'\''s instruction count, 1 ns an instruction; what the host does does not move it."
	else
		print "Clock: wall (plain TCG): guest time is the host'\''s, and the host'\''s load moves it."
	print "Spread: how far the runs'\'' medians of a row lie apart (max - min, over their median)."
	print "Values: median [min-max] over the repetitions of all runs (median of the"
	print "runs'\'' medians, min of their mins, max of their maxes). Every value is a"
	print "cost (lower is better), so that a ratio above 1 means slower; \"best"
	print "reps\" compares the fastest repetitions (the mins), which the noise of a"
	print "shared host inflates least. Case 3 (stream_cpu) is the application'\''s cost"
	print "per frame of a vim2m stream, not the device'\''s pace: the CPU time of the"
	print "process (userptr, mmap) and the time inside its QBUF and DQBUF calls"
	print "(userptr_ioctls, mmap_ioctls), each the mean over a repetition'\''s"
	print "frames but those that took over 4 times the median CPU time (the ones"
	print "vim2m'\''s conversion ran in). What each case measures is in the header"
	print "of scripts/guest/bench.c."
	print ""
	print "| case | label | size | unit | baseline | patched | patched/baseline | same, best reps | spread b/p | anon kB (b/p) |"
	print "|---|---|---|---|---|---|---|---|---|---|"
	for (i = 0; i < n; i++) {
		split(rows[i], p, SUBSEP); c = p[1]; l = p[2]; s = p[3]
		r = ratio("patched", c, l, s, "baseline", c, l, s)
		ab = !has("baseline", c, l, s) ? "-" : A["baseline", c, l, s] < 0 ? "n/a" : A["baseline", c, l, s]
		ap = !has("patched", c, l, s) ? "-" : A["patched", c, l, s] < 0 ? "n/a" : A["patched", c, l, s]
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s/%s | %s/%s |\n", c, l, human(s), U[c], \
		       cell("baseline", c, l, s), cell("patched", c, l, s), fr(r), \
		       fr(ratio_best("patched", c, l, s, "baseline", c, l, s)), \
		       has("baseline", c, l, s) ? pct(SP["baseline", c, l, s]) : "-", \
		       has("patched", c, l, s) ? pct(SP["patched", c, l, s]) : "-", ab, ap
	}

	print ""
	print "## Case 1: zero-copy against copy"
	print ""
	print "The path each kernel could take for a frame in read-only shared memory,"
	print "and, for reference, the cheapest copy (into a reused anonymous buffer),"
	print "measured on both kernels."
	print ""
	print "| source | size | baseline path | baseline us/frame | patched path | patched us/frame | speedup | copy_pool b/p us/frame |"
	print "|---|---|---|---|---|---|---|---|"
	for (j = 0; j < ns; j++)
		for (i = 0; i < nz; i++) {
			sr = srcs[j]; s = zsizes[i]
			bl = has("baseline", "zc_output", sr ":direct", s) ? sr ":direct" : sr ":copy"
			pl = has("patched", "zc_output", sr ":direct", s) ? sr ":direct" : sr ":copy"
			r = ratio("baseline", "zc_output", bl, s, "patched", "zc_output", pl, s)
			printf "| %s | %s | %s | %s | %s | %s | %s | %s / %s |\n", sr, human(s), \
			       bl, cell("baseline", "zc_output", bl, s), pl, \
			       cell("patched", "zc_output", pl, s), \
			       r == "" ? "-" : sprintf("%.2fx", r), \
			       has("baseline", "zc_output", sr ":copy_pool", s) ? num(M["baseline", "zc_output", sr ":copy_pool", s]) : "-", \
			       has("patched", "zc_output", sr ":copy_pool", s) ? num(M["patched", "zc_output", sr ":copy_pool", s]) : "-"
		}

	print ""
	print "## USERPTR against MMAP (cost ratio, USERPTR/MMAP)"
	print ""
	print "| case | rows | baseline | patched |"
	print "|---|---|---|---|"
	nu = split("pin_cost:userptr_fresh:mmap stream_cpu:userptr:mmap stream_cpu:userptr_ioctls:mmap_ioctls capture_file:userptr_shared_file:mmap_write", pairs, " ")
	for (i = 1; i <= nu; i++) {
		split(pairs[i], p, ":")
		s = ""
		for (j = 0; j < n; j++) {
			split(rows[j], q, SUBSEP)
			if (q[1] == p[1]) { s = q[3]; break }
		}
		rb = ratio("baseline", p[1], p[2], s, "baseline", p[1], p[3], s)
		rp = ratio("patched", p[1], p[2], s, "patched", p[1], p[3], s)
		printf "| %s | %s / %s | %s | %s |\n", p[1], p[2], p[3], \
		       rb == "" ? "-" : sprintf("%.3f", rb), rp == "" ? "-" : sprintf("%.3f", rp)
		UM[pairs[i]] = rp
		UMR[pairs[i]] = reach("patched", p[1], p[2], s, "patched", p[1], p[3], s)
	}

	if (other != "") {
		no = split(other, ol, "\n")
		for (i = 1; i <= no; i++) { split(ol[i], q, " "); OR[q[1]] = q[2]; OU[q[1]] = q[3] }
		print ""
		printf "## Both clocks (the other: %s)\n", other_file
		print ""
		print "patched/baseline in each clock, with its reach (the two rows'\'' spreads"
		print "added, and 1% where they add up to less: a floor, not a measured bound);"
		print "\"differ\" where the two ranges do not meet: what one clock"
		print "counts and the other does not (instructions against caches, TLB misses,"
		print "memory bandwidth and the host'\''s load) moves that row."
		print ""
		oc = clock == "icount" ? "wall" : "icount"
		printf "| case | label | size | %s | %s | |\n", clock, oc
		print "|---|---|---|---|---|---|"
		printf "case,label,size_bytes,ratio_%s,reach_%s,ratio_%s,reach_%s,clocks\n", clock, clock, oc, oc > clocks_csv
		for (i = 0; i < n; i++) {
			split(rows[i], p, SUBSEP); c = p[1]; l = p[2]; s = p[3]
			r = ratio("patched", c, l, s, "baseline", c, l, s)
			key = c "," l "," s
			if (r == "" || !(key in OR)) continue
			u = reach("patched", c, l, s, "baseline", c, l, s)
			r2 = OR[key]; u2 = OU[key]
			# (a floor of 1% under each reach, so that rows whose rounds
			# never moved are not told apart by their fourth decimal)
			w = u > 0.01 ? u : 0.01; w2 = u2 > 0.01 ? u2 : 0.01
			d = u < 0 || u2 < 0 ? "?" : (r * (1 + w) < r2 * (1 - w2) || r2 * (1 + w2) < r * (1 - w)) ? "differ" : ""
			printf "| %s | %s | %s | %.3f (±%s) | %.3f (±%s) | %s |\n", c, l, human(s), r, pct(u < 0 ? u : w), r2, pct(u2 < 0 ? u2 : w2), d
			printf "%s,%s,%s,%.4f,%.4f,%.4f,%.4f,%s\n", c, l, s, r, u, r2, u2, d == "differ" ? "differ" : d == "?" ? "unknown" : "agree" > clocks_csv
			ndiff += d == "differ"
		}
		printf "\n%d rows differ between the clocks.\n", ndiff
	}

	print ""
	print "## Targets"
	print ""
	print "Reported, not asserted. Each bar is decided on its ratio and reach (the"
	print "round spreads of its two rows added): met or not met where the ratio,"
	print "moved by its reach either way, stays on one side of the bar; otherwise"
	print "undecided, which is not met. \"Spread\" after it tells whether the rows'\''"
	print "[min-max] ranges over all repetitions overlap."
	print ""
	if (targets == "proposed") {
		targets_proposed()
		printf "\n%d bars undecided, %d not run (%s clock)\n", undecided, notrun, clock
		exit
	}
	s = 4194304
	if (!ns) {
		print "- case 1, 4 MiB: direct against copy-then-queue and against a copy into one reused buffer: **not met** (not run)"
		notrun++
	}
	for (j = 0; j < ns; j++) {
		sr = srcs[j]
		d = sr ":direct"; cp = sr ":copy"
		if (!has("patched", "zc_output", d, s) || !has("baseline", "zc_output", cp, s)) {
			printf "- case 1, %s, 4 MiB: patched direct >= 3x faster than baseline copy, 0 anon kB: **not met** (no %s row on the patched kernel or no %s row on the baseline)\n", sr, d, cp
			continue
		}
		r = ratio("baseline", "zc_output", cp, s, "patched", "zc_output", d, s)
		a = A["patched", "zc_output", d, s]
		printf "- case 1, %s, 4 MiB: patched direct %.2fx faster than baseline copy (>= 3), anon %s kB (0): %s\n", \
		       sr, r, a, a + 0 != 0 ? "**not met** (anonymous memory)" : \
		       decide(r, "ge", 3, reach("baseline", "zc_output", cp, s, "patched", "zc_output", d, s))
		if (has("baseline", "zc_output", sr ":copy_pool", s)) {
			r2 = ratio("baseline", "zc_output", sr ":copy_pool", s, "patched", "zc_output", d, s)
			printf "- case 1, %s, 4 MiB: patched direct %.2fx faster than the baseline'\''s copy into one reused buffer (> 1): %s\n", \
			       sr, r2, decide(r2, "gt", 1, reach("baseline", "zc_output", sr ":copy_pool", s, "patched", "zc_output", d, s))
		} else
			printf "- case 1, %s, 4 MiB: against a copy into one reused buffer: **not met** (no %s:copy_pool row on the baseline)\n", sr, sr
	}
	not_run("first_pin:anon_untouched first_pin:private_file", "")
	for (i = 0; i < n; i++) {
		split(rows[i], p, SUBSEP); c = p[1]; l = p[2]; s = p[3]
		if (c != "first_pin") continue
		r = ratio("patched", c, l, s, "baseline", c, l, s)
		if (r == "") {
			printf "- case 5, %s: patched/baseline <= 1.10: **not met** (missing on a kernel)\n", l
			continue
		}
		printf "- case 5, %s: patched/baseline %.3f (<= 1.10): %s; spread %s; best reps %s\n", l, r, \
		       decide(r, "le", 1.10, reach("patched", c, l, s, "baseline", c, l, s)), \
		       overlap("patched", c, l, s, "baseline", c, l, s) ? "overlaps" : "apart", \
		       fr(ratio_best("patched", c, l, s, "baseline", c, l, s))
	}
	r = UM["stream_cpu:userptr:mmap"]; r2 = UM["stream_cpu:userptr_ioctls:mmap_ioctls"]
	printf "- case 3: patched USERPTR/MMAP, CPU time per frame %s (<= 1.10): %s; time in QBUF and DQBUF %s (reported)\n", \
	       r == "" ? "-" : sprintf("%.3f", r), \
	       r == "" ? "**not met** (missing)" : decide(r, "le", 1.10, UMR["stream_cpu:userptr:mmap"]), r2 == "" ? "-" : sprintf("%.3f", r2)
	print "- patched/baseline <= 1.03 on the rows the series must not change (cases 2, 3, 4, MMAP included):"
	for (i = 0; i < n; i++) {
		split(rows[i], p, SUBSEP); c = p[1]; l = p[2]; s = p[3]
		if (c != "pin_cost" && c != "stream_cpu" && c != "capture_file") continue
		r = ratio("patched", c, l, s, "baseline", c, l, s)
		if (r == "") {
			printf "  - %s %s: **not met** (missing on a kernel)\n", c, l
			continue
		}
		printf "  - %s %s: %.3f: %s; spread %s; best reps %s\n", c, l, r, \
		       decide(r, "le", 1.03, reach("patched", c, l, s, "baseline", c, l, s)), \
		       overlap("patched", c, l, s, "baseline", c, l, s) ? "overlaps" : "apart", \
		       fr(ratio_best("patched", c, l, s, "baseline", c, l, s))
	}
	not_run("pin_cost:userptr_fresh pin_cost:mmap stream_cpu:userptr stream_cpu:mmap stream_cpu:userptr_ioctls stream_cpu:mmap_ioctls capture_file:userptr_shared_file capture_file:mmap_write", "  ")
	printf "\n%d bars undecided, %d not run (%s clock)\n", undecided, notrun, clock
}' "$out/results.csv" >"$out/results.md"

# The previous run of this clock (BENCH_PREV, its results.csv, kept by
# scripts/bench.sh): row by row, how far each median moved between the
# two runs. Two runs of one clock that do not agree within 1% leave every
# ratio of this report in doubt, and it says so.
if [ -n "${BENCH_PREV:-}" ] && [ -s "$BENCH_PREV" ]; then
	awk -F, -v prev="$BENCH_PREV" '
	function sp(x) { return x < 0 ? "?" : sprintf("%.2f%%", 100 * x) }
	FNR == 1 { next }
	NR == FNR {
		k = $1 "," $2 "," $3 "," $4
		pm[k] = $6; ps[k] = NF >= 11 ? $11 : -1
		next
	}
	{
		key = $1 "," $2 "," $3 "," $4
		seen[key] = 1
		if (!(key in pm)) { missing++; next }
		if (pm[key] <= 0) { zero++; next }
		d = $6 / pm[key] - 1; a = d < 0 ? -d : d
		n++
		if (a > worst) { worst = a; wkey = key }
		if (a > 0.01)
			out[no++] = sprintf("  - %s: %.3f against %.3f (%+.2f%%); the rounds spread %s in this run, %s in the previous one", \
			                    key, $6, pm[key], 100 * d, sp($11), sp(ps[key]))
	}
	END {
		for (k in pm) if (!(k in seen)) gone++
		print ""
		printf "## Against the previous run (%s)\n\n", prev
		printf "%d rows in both runs", n
		if (missing) printf ", %d only in this one", missing
		if (gone) printf ", %d only in the previous one", gone
		if (zero) printf ", %d with a median of 0 there", zero
		if (n) printf "; the largest move of a median: %.2f%% (%s)", 100 * worst, wkey
		print "."
		if (no) {
			printf "%d rows moved more than 1%%: the two runs do not agree.\n", no
			for (i = 0; i < no; i++) print out[i]
		} else if (missing || gone || zero || !n)
			print "No row moved more than 1%, but the two runs did not measure the same rows."
		else
			print "Every row within 1% of the previous run: the two runs agree."
	}' "$BENCH_PREV" "$out/results.csv" >>"$out/results.md"
fi

{
	echo
	echo "## Runs"
	echo
	for k in baseline patched; do
		nm=$NAME_B
		[ "$k" = baseline ] || nm=$NAME_P
		notes kernel "$k" | sed "s/^/- $nm: /"
		notes time "$k" | paste -sd' ' - | sed -n "s/^./- $nm: guest run times (s): &/p"
		notes clock "$k" | sed "s/^/- $nm: clock: /"
		notes copy "$k" | sed "s/^/- $nm: /"
		notes faults "$k" | sed "s/^/- $nm: first_pin, /"
		notes stream "$k" | sed "s/^/- $nm: stream_cpu /"
		notes qbuf "$k" | awk -v k="$nm" '
			{ sub(/^[^ ]+ [0-9]+: QBUF of the shared memory: /, ""); c[$0]++ }
			END { for (x in c) printf "- %s: QBUF of read-only shared memory (case 1): %s (%d configurations)\n", k, x, c[x] }'
		notes skip "$k" | sed "s/^/- $nm: /"
	done
} >>"$out/results.md"

# ---- bench.png ----

plot() {
	local term=png
	if ! command -v gnuplot >/dev/null; then
		say "gnuplot missing: installing gnuplot-nox"
		local sudo=
		[ "$(id -u)" = 0 ] || sudo=sudo
		$sudo apt-get install -y gnuplot-nox 2>&1 | tail -n 3 || true
		command -v gnuplot >/dev/null || {
			say "no gnuplot: $out/bench.png not written"
			return 0
		}
	fi
	gnuplot -e 'set terminal pngcairo' 2>/dev/null && term=pngcairo

	# Case 1: one file per kernel and path: size_KiB median min max
	local k l d
	: >"$tmp/z.plt"
	for k in baseline patched; do
		while read -r l; do
			d="$tmp/z-$k-${l//:/_}.dat"
			awk -F, -v k="$k" -v l="$l" '$1 == k && $2 == "zc_output" && $3 == l {
				print $4 / 1024, $6, $7, $8 }' "$out/results.csv" >"$d"
			printf "'%s' using 1:2:3:4 with yerrorlines %s title '%s %s', \\\\\n" \
				"$d" "$(style "$k" "$l")" "$k" "$l" >>"$tmp/z.plt"
		done < <(awk -F, -v k="$k" '$1 == k && $2 == "zc_output" { print $3 }' \
			"$out/results.csv" | sort -u)
	done
	# Cases 2-5: label b_med b_min b_max p_med p_min p_max, one file each
	local c
	for c in pin_cost stream_cpu capture_file first_pin; do
		awk -F, -v c="$c" '
			$2 == c { k = ($1 == "patched"); L[$3] = 1; if (!($3 in o)) o[$3] = n++
				  v[$3, k] = $6 " " $7 " " $8; u = $5 }
			END { for (l in L) out[o[l]] = l
			      for (i = 0; i < n; i++) { l = out[i]
				print l, ((l SUBSEP 0) in v ? v[l, 0] : "0 0 0"),
				         ((l SUBSEP 1) in v ? v[l, 1] : "0 0 0") }
			      print u > "/dev/stderr" }' \
			"$out/results.csv" >"$tmp/$c.dat" 2>"$tmp/$c.unit"
	done
	{
		echo "set terminal $term size 1500,900 font ',10' noenhanced"
		echo "set output '$out/bench.png'"
		echo "set multiplot title 'make bench: $NAME_B against $NAME_P ($(accel patched), $CLOCK clock)'"
		echo "set origin 0,0; set size 0.5,1"
		echo "set title 'case 1 zc_output: time per frame against frame size'"
		echo "set logscale xy; set xlabel 'frame size (KiB)'; set ylabel 'us/frame'"
		echo "set key top left box opaque font ',8'; set grid"
		echo "set xtics (64, 256, 1024, 4096, 16384)"
		printf 'plot '
		sed '$ s/, \\$//' "$tmp/z.plt"
		echo
		echo "unset logscale; unset xlabel; set xtics auto font ',8'; set key below font ',8'"
		echo "set style data histograms; set style histogram errorbars gap 1 lw 1"
		echo "set style fill solid 0.6 border -1; set boxwidth 0.9; set yrange [0:*]"
		local i=0 x y
		for c in pin_cost stream_cpu capture_file first_pin; do
			x=$(awk -v i=$i 'BEGIN { print 0.5 + (i % 2) * 0.25 }')
			y=$(awk -v i=$i 'BEGIN { print (i < 2) ? 0.5 : 0 }')
			echo "set origin $x,$y; set size 0.25,0.48"
			echo "set title 'case $((i + 2)) $c'; set ylabel '$(cat "$tmp/$c.unit")'"
			# USERPTR pins cost tens of times what MMAP QBUFs do.
			if [ "$c" = pin_cost ]; then
				echo "set logscale y; set yrange [1:*]"
			else
				echo "unset logscale y; set yrange [0:*]"
			fi
			echo "plot '$tmp/$c.dat' using 2:3:4:xtic(1) title '$NAME_B' lc rgb '#4477aa', '' using 5:6:7 title '$NAME_P' lc rgb '#ee6677'"
			i=$((i + 1))
		done
		echo "unset multiplot"
	} >"$tmp/bench.gp"
	gnuplot "$tmp/bench.gp" 2>"$tmp/gnuplot.log" || {
		cat "$tmp/gnuplot.log" >&2
		say "gnuplot failed: $out/bench.png not written"
		return 0
	}
}

# Line style for case 1: colour by kernel and path, point by source.
style() { # kernel label
	local colour pt dash=1
	case $1:${2#*:} in
	baseline:copy) colour='#4477aa' ;;
	baseline:copy_pool) colour='#66ccee'; dash=2 ;;
	patched:direct) colour='#ee6677' ;;
	patched:copy_pool) colour='#ccbb44'; dash=2 ;;
	*) colour='#777777'; dash=3 ;;
	esac
	case ${2%%:*} in
	file_ro) pt=7 ;;
	*) pt=5 ;;
	esac
	echo "lc rgb '$colour' dt $dash pt $pt ps 1"
}

plot

say "$out/results.csv, $out/results.md$([ -s "$out/bench.png" ] && echo ", $out/bench.png")"
sed -n '/^## Targets/,/^## Runs/p' "$out/results.md" | sed '$d'
