#!/usr/bin/env bash
# The v4l2-compliance gate: the patched kernel may have no failure that the
# baseline lacks.
#   scripts/compliance.sh BASELINE PATCHED
# Reads build/results/<kernel>/compliance.log, writes
# build/results/<kernel>/compliance.tsv (node, attempts, final failures,
# failures that went away on a re-run, totals) and prints the comparison as
# Markdown. Exits non-zero on a new failure or a missing result.
. "$(dirname "$0")/lib.sh"

RES=$BUILD/results

parse() { # log -> tsv
	awk '
	/^# compliance: end/ { next }
	/^# compliance: exit / { next }
	/^# compliance: / {
		node = $3
		if (!(node in att)) order[n++] = node
		att[node] = $6; cur = node; fails[node] = ""; next
	}
	/^[ \t]*test .*: FAIL/ {
		t = $0; sub(/^[ \t]*test /, "", t); sub(/: FAIL.*/, "", t)
		fails[cur] = fails[cur] (fails[cur] == "" ? "" : "; ") t
		ever[cur] = ever[cur] "\034" t; next
	}
	/^Total for / { tot[cur] = $0; sub(/^Total for [^:]*: /, "", tot[cur]) }
	END {
		for (i = 0; i < n; i++) {
			c = order[i]; flaky = ""
			k = split(ever[c], e, "\034")
			for (j = 2; j <= k; j++)
				if (index("; " fails[c] "; ", "; " e[j] "; ") == 0 && index(flaky, e[j]) == 0)
					flaky = flaky (flaky == "" ? "" : "; ") e[j]
			printf "%s\t%s\t%s\t%s\t%s\n", c, att[c], fails[c], flaky, tot[c]
		}
	}' "$1"
}

b=$1 p=$2
for v in "$b" "$p"; do
	log=$RES/$v/compliance.log
	grep -q '^# compliance: end' "$log" 2>/dev/null ||
		die "$v: no complete v4l2-compliance result ($log)"
	parse "$log" >"$RES/$v/compliance.tsv"
done

# The baseline node to compare with: the same node, or for an allocator the
# baseline lacks, the same driver's vmalloc node.
counterpart() {
	local node=$1 base=${1%/*}
	if grep -q "^${node//\//\\/}	" "$RES/$b/compliance.tsv"; then
		echo "$node"
	elif [ "${base}" = vim2m ]; then
		echo "vim2m/0"
	else
		echo "$base/vmalloc"
	fi
}

new=0
echo "| node/allocator | $b | $p | new in $p | flaky (failed, then passed on a re-run) |"
echo "|---|---|---|---|---|"
while IFS=$'\t' read -r node att fails flaky tot; do
	cp=$(counterpart "$node")
	bline=$(grep "^${cp//\//\\/}	" "$RES/$b/compliance.tsv" || true)
	bfails=$(printf '%s' "$bline" | cut -f3)
	btot=$(printf '%s' "$bline" | cut -f5)
	bflaky=$(printf '%s' "$bline" | cut -f4)
	extra=""
	IFS=';' read -r -a list <<<"$fails"
	for t in "${list[@]}"; do
		t=${t# }
		[ -n "$t" ] || continue
		case "; $bfails; " in *"; $t; "*) ;; *) extra="$extra${extra:+; }$t" ;; esac
	done
	[ -z "$extra" ] || new=1
	[ -n "$bline" ] || btot="(no such node)"
	echo "| $node | ${btot:-?}${bfails:+ FAIL: $bfails} | ${tot:-?}${fails:+ FAIL: $fails} | ${extra:-none} | ${flaky:+$p: $flaky (attempts: $att)}${bflaky:+ $b: $bflaky} |"
done <"$RES/$p/compliance.tsv"
[ "$new" = 0 ]
