# shellcheck shell=bash
# The reply of make series SERIES=livelock (scripts/series.sh sources this,
# after lib.sh): our answer to Zhang Yi's "[PATCH v2] mm: do not install PMD
# mappings when handling a COW fault", from scripts/reply-livelock.txt and
# the lab's results. Host-side only: it reads files, builds nothing.
#
# The figures come from the per-kernel results that make check and make
# run leave (RESULTS/KERNEL/cases.tsv and results.tap, scripts/report.sh),
# not from summary.md, which the last run overwrites:
#   upstream                 make check [LAB_MAINLINE=6.12]: the tree with
#                            the lab's stand-in for v2 (and our media
#                            patches)
#   upstream+nolivelockfix   make run LAB_BREAK=upstream+nolivelockfix
#                            COMPLIANCE=0 STRESS=0 [LAB_MAINLINE=6.12]: the
#                            same, the stand-in reverted
#   stock                    make check [LAB_MAINLINE=6.12]: Debian's
#                            kernel as released, the kselftest alone
# A figure that is missing, of another kernel version, or from an upstream
# or stock run with a failed case, is not made up: the mail says
# "[[NOT READY: ...]]" there, and the reason goes to the MISSING file,
# which make series turns into open items (NOT READY TO MAIL).

# reply_kernel_line DIR KERNEL: the kernel the results are of ("6.12.118+").
reply_kernel_line() {
	tr -d '\r' <"$1/$2/results.tap" 2>/dev/null | sed -n 's/^# lab: kernel \([^ ,]*\).*/\1/p' | head -n 1
}

# reply_usable DIR KERNEL VERSION: whether the results can be quoted; if not,
# prints why and fails.
reply_usable() {
	local f=$1/$2/cases.tsv k
	if [ ! -s "$f" ]; then
		echo "no $f"
		return 1
	fi
	k=$(reply_kernel_line "$1" "$2")
	case $k in
	"$3" | "$3"[+-]*) ;;
	*) echo "$f is of kernel ${k:-unknown}, not $3"; return 1 ;;
	esac
	if [ "$2" != upstream+nolivelockfix ] && grep -q $'\tFAIL\t' "$f"; then
		echo "$f has failed cases"
		return 1
	fi
}

# reply_group DIR KERNEL REGEX TITLE: one line, how many of the cases that
# match and ran passed, and why the others did not, then the skipped ones;
# nothing if no case ran.
reply_group() {
	tr -d '\r' <"$1/$2/cases.tsv" | awk -F'\t' -v re="$3" -v title="$4" '
	function why(st, r) {
		if (match(r, /has not returned in [0-9]+ s/))
			return "hung in QBUF, killed after " substr(r, RSTART + 20, RLENGTH - 20)
		if (match(r, /did not finish within [0-9]+ seconds/))
			return "hung, killed after " substr(r, RSTART + 22, RLENGTH - 30) " s"
		sub(/: known bug.*/, "", r)
		if (length(r) > 60) r = substr(r, 1, 57) "..."
		return "failed" (r != "" ? ": " r : "")
	}
	$1 ~ re && $2 == "SKIP" { sk++; next }
	$1 ~ re { n++
		if ($2 == "PASS") { p++; next }
		w = why($2, $3); if (!(w in c)) o[m++] = w; c[w]++ }
	END {
		if (!n) exit
		printf "      %s: %d of %d passed", title, p, n
		for (i = 0; i < m; i++) printf "%s%d %s", (i ? "; " : " ("), c[o[i]], o[i]
		print (m ? ")" : "") (sk ? ", " sk " skipped" : "")
	}'
}

# reply_cow_counts DIR KERNEL: cow.c's counts over all of its cases.
reply_cow_counts() {
	tr -d '\r' <"$1/$2/cases.tsv" | awk -F'\t' '$1 ~ /^cow\./ { n++; c[$2]++ }
		END { if (n) printf "      cow, all of its %d cases: %d passed, %d failed, %d skipped\n",
			n, c["PASS"], c["FAIL"] + c["KFAIL"], c["SKIP"] + c["XFAIL"] }'
}

# reply_figures TREE DIR VERSION MISSING SOURCES: the figures of one tree,
# the reasons for any that are missing appended to MISSING, and for each
# kernel quoted the file and the command it came from to SOURCES.
reply_figures() {
	local t=$1 dir=$2 ver=$3 miss=$4 src=$5 mk="" k title cmd why cow thp
	[ "$t" = "$DEFAULT_MAINLINE" ] || mk=" LAB_MAINLINE=$t"
	cow='^cow\..*\.pmd_mapped_tmpfs_thp$'
	thp='^userptr\..*_out_.*\.shmem_thp_private$'
	echo "  Debian's $ver:"
	# What the upstream kernel had for v2: v2 as posted (LAB_STANDIN=DIR
	# with its mail; only where it applies), or the lab's stand-in. A
	# Tested-by is for v2 as posted: where it applies, the stand-in's
	# figures are an open item.
	local fix applies=1
	fix=$(git -C "$(tree_dir "$t")" log --format='%an|%s' base..refs/mail-base/upstream 2>/dev/null |
		grep -c '^Zhang Yi|mm: do not install PMD mappings when handling a COW fault$' || true)
	# v2 does not apply to 7.3.4 (patch --dry-run: its context became
	# is_pmd_order(), and is_cow_mapping() is gone); it does to 6.12.118.
	[ "$t" != 7.3 ] || applies=0
	for k in upstream upstream+nolivelockfix stock; do
		case $k in
		upstream) cmd="make check$mk"
			if [ "$fix" = 1 ]; then
				title="with v2 as posted"
			elif [ "$applies" = 0 ]; then
				title="with v2's condition, adapted (v2 does not apply to $ver)"
			else
				title="with the lab's stand-in for v2"
				printf '%s\n' "the $ver figures are of the lab's stand-in, not of v2 as posted, which applies there: for the Tested-by, save v2's mail in a directory and run LAB_STANDIN=DIR $cmd" >>"$miss"
				echo "      [[NOT READY: tested with the lab's stand-in, not with v2 as posted]]"
			fi ;;
		upstream+nolivelockfix) title="the same kernel with v2's change reverted"
			cmd="make run LAB_BREAK=upstream+nolivelockfix COMPLIANCE=0 STRESS=0$mk" ;;
		stock) title="Debian's kernel as released" cmd="make check$mk" ;;
		esac
		echo "    $title:"
		if ! why=$(reply_usable "$dir" "$k" "$ver"); then
			echo "      [[NOT READY: figures missing: $why]]"
			printf '%s\n' "the reply lacks the figures of $ver, $title ($k): $why; run $cmd, then make series SERIES=livelock again" >>"$miss"
			continue
		fi
		if [ "$k" != stock ] && ! cut -f1 "$dir/$k/cases.tsv" | grep -qE "$cow"; then
			echo "      [[NOT READY: no cow case on a PMD-mapped tmpfs THP in $dir/$k]]"
			printf '%s\n' "the reply lacks cow's PMD-mapped tmpfs THP cases of $ver, $title ($k): none in $dir/$k/cases.tsv; run $cmd" >>"$miss"
		fi
		reply_group "$dir" "$k" "$cow" "cow, the cases on a PMD-mapped tmpfs THP"
		[ "$k" != upstream ] || reply_cow_counts "$dir" "$k"
		reply_group "$dir" "$k" "$thp" "media_userptr, OUTPUT buffers on a PMD-mapped tmpfs THP"
		printf '%s, %s: %s/%s/cases.tsv (kernel %s), from %s\n' "$ver" "$title" "$dir" "$k" \
			"$(reply_kernel_line "$dir" "$k")" "$cmd" >>"$src"
	done
}

# reply_mail TEMPLATE SENDER FIGURES: the reply, as an mbox message that git
# send-email takes: the template's headers (its "#" lines dropped), From:
# the sender, then its body with the line @RESULTS@ replaced by FIGURES and
# @SENDER@ by the sender.
reply_mail() {
	echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
	echo "From: $2"
	echo "Date: $(LC_ALL=C date -R)"
	awk '/^#/ { next } /^$/ { exit } { print }' "$1"
	echo
	SENDER=$2 awk -v figf="$3" '
	function rep(s, from, to,   i, o) { o = ""
		while ((i = index(s, from)) > 0) { o = o substr(s, 1, i - 1) to; s = substr(s, i + length(from)) }
		return o s }
	head && /^#/ { next }
	head && /^$/ { head = 0; next }
	head { next }
	$0 == "@RESULTS@" { while ((getline l < figf) > 0) print l; next }
	{ print rep($0, "@SENDER@", ENVIRON["SENDER"]) }' head=1 "$1"
}
