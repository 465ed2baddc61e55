#!/usr/bin/env bash
# make lint: shellcheck on the lab's shell, the README's verdict line
# against docs/verdict.md, then checkpatch --strict on
# patches/, patches/proposed/ and patches/lab/ (patches/mainline/: make
# series).
#
# checkpatch is the newest the lab has (6.12's), run in the 6.1 tree. Both
# trees are unpacked by make check (scripts/source.sh 6.1 and 6.12). On a
# fresh clone they are not there yet: the checkpatch part is then skipped,
# saying so, and does not fail make lint.
. "$(dirname "$0")/lib.sh"

cd "$LAB_TOP"
shellcheck scripts/*.sh scripts/guest/init .ci/run
say "shellcheck: clean"

# The README quotes the verdict line of docs/verdict.md, which
# scripts/verdict.sh wrote from a make ci's output: one source for it.
v=$(grep -m 1 '^Verdict: ' docs/verdict.md) || die "docs/verdict.md has no verdict line"
grep -qxF -- "$v" README.md ||
	die "README.md does not quote docs/verdict.md's verdict line as it is: $v"
say "README: its verdict line is docs/verdict.md's"

TREE=$(tree_dir 6.1)
CHECKPATCH=$(tree_dir 6.12)/scripts/checkpatch.pl
if [ ! -f "$TREE/Makefile" ] || [ ! -f "$CHECKPATCH" ]; then
	say "checkpatch: skipped, not failed: it needs the kernel trees $TREE and" \
		"$(tree_dir 6.12), which make check unpacks (scripts/source.sh 6.1 and 6.12)"
	exit 0
fi

# Commit ids are looked up in the history of the 6.1 and newer trees, those
# that have one (a git KSRC: scripts/source.sh); when none has (Debian's
# tarballs), UNKNOWN_COMMIT_ID is left out, saying so. Given a path git
# tracks, checkpatch would check the .patch file itself as source: hence
# the patches by a path from the tree (../../patches), which its git does
# not track.
mapfile -t trees < <(lab_trees | awk '{ print $1 }')
HIST=$(history_objects "${trees[@]}")
ignore=()
[ -n "$HIST" ] || ignore=(--ignore UNKNOWN_COMMIT_ID)
P=$(realpath --relative-to="$TREE" "$LAB_TOP/patches")
cd "$TREE"
GIT_ALTERNATE_OBJECT_DIRECTORIES=$HIST perl "$CHECKPATCH" --strict --terse "${ignore[@]}" \
	"$P"/*.patch "$P"/proposed/*.patch "$P"/lab/*.patch
if [ -n "$HIST" ]; then
	say "checkpatch --strict: clean, commit ids verified"
else
	say "checkpatch --strict: clean (commit ids not verified: no tree of the lab has history)"
fi
