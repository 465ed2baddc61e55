#!/usr/bin/env bash
# make lint: shellcheck on the lab's shell, then checkpatch --strict on
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

TREE=$(tree_dir 6.1)
CHECKPATCH=$(tree_dir 6.12)/scripts/checkpatch.pl
if [ ! -f "$TREE/Makefile" ] || [ ! -f "$CHECKPATCH" ]; then
	say "checkpatch: skipped, not failed: it needs the kernel trees $TREE and" \
		"$(tree_dir 6.12), which make check unpacks (scripts/source.sh 6.1 and 6.12)"
	exit 0
fi

# The lab's tree has no history, so commit ids cannot be looked up. Given a
# path git tracks, checkpatch would check the .patch file itself as source:
# hence the patches by a path from the tree (../../patches), which its git
# does not track.
P=$(realpath --relative-to="$TREE" "$LAB_TOP/patches")
cd "$TREE"
perl "$CHECKPATCH" --strict --terse --ignore UNKNOWN_COMMIT_ID \
	"$P"/*.patch "$P"/proposed/*.patch "$P"/lab/*.patch
say "checkpatch --strict: clean"
