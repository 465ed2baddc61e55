#!/usr/bin/env bash
# Get one kernel tree's source into its directory (build/linux for 6.1,
# build/linux-<tree> for the others) as a git repository whose first
# commit, on branch "base", is the untouched source:
#   scripts/source.sh [6.1|6.12|7.3]
#
# Default: Debian's linux-source-<tree> tarball. 6.1 and 6.12 are Debian
# 12's, installed on the host (make deps); a newer tree is not in Debian 12:
# its linux-source-<tree> package is downloaded from LAB_SRC_SUITE
# (default trixie-backports) by the lab's own apt (scripts/apt.sh), never
# installed, and its tarball taken out of the .deb. Such a tree has no
# history: "base" is a single commit of the tarball's files with fixed
# dates, the same on every machine and in no other repository, so the
# series' "base-commit:" names a commit that only the lab has, and commit
# ids cannot be looked up in it (make series says so).
# KSRC=/path (6.1), KSRC_UPSTREAM=/path (6.12) or KSRC_MAINLINE=/path
# (newer): the user's own tree; it is only read, never changed. A git tree
# is cloned with "git clone --shared" (its objects are borrowed, not
# copied: nothing is written into it), and "base" is its HEAD commit, so
# "base-commit:" names a real commit of that tree and its history is there
# to look commit ids up in. The user must not then prune the commits the
# lab's tree borrows (git gc after deleting their branch): source.sh makes
# the tree again when they are gone. A tree that is not git is copied,
# history-less, as a tarball is.
. "$(dirname "$0")/lib.sh"

T=${1:-6.1}
TREE=$(tree_dir "$T")
PKGVER=""
case $T in
6.1)
	TARBALL=${TARBALL:-/usr/src/linux-source-6.1.tar.xz}
	KSRC=${KSRC:-} ;;
6.12)
	TARBALL=/usr/src/linux-source-$T.tar.xz
	KSRC=${KSRC_UPSTREAM:-} ;;
*)
	KSRC=${KSRC_MAINLINE:-}
	DEBS=$BUILD/apt/debs/linux-source-$T
	TARBALL=$DEBS/linux-source-$T.tar.xz
	if [ -z "$KSRC" ]; then
		bash "$LAB_TOP/scripts/apt.sh" get "linux-source-$T" \
			"linux-source-$T/${LAB_SRC_SUITE:-trixie-backports}"
		deb=$(find "$DEBS" -maxdepth 1 -name "linux-source-${T}_*.deb" | head -n 1)
		[ -n "$deb" ] || die "no linux-source-$T package in $DEBS"
		PKGVER=$(dpkg-deb -f "$deb" Version)
		if ! [ "$TARBALL" -nt "$deb" ]; then
			dpkg-deb --fsys-tarfile "$deb" |
				tar -xO "./usr/src/linux-source-$T.tar.xz" >"$TARBALL.tmp"
			mv "$TARBALL.tmp" "$TARBALL"
		fi
	fi ;;
esac

# The key names the source; the base commit is rebuilt only when it changes.
if [ -n "$KSRC" ]; then
	[ -f "$KSRC/Makefile" ] || die "KSRC=$KSRC is not a kernel tree"
	KSRC=$(cd "$KSRC" && pwd)
	if git -C "$KSRC" rev-parse --verify -q HEAD >/dev/null 2>&1; then
		KSRC_HEAD=$(git -C "$KSRC" rev-parse HEAD)
		origin="git $KSRC $KSRC_HEAD"
		[ -z "$(git -C "$KSRC" status --porcelain --untracked-files=no)" ] ||
			say "note: KSRC has uncommitted changes; the lab uses its HEAD commit"
	else
		origin="dir $KSRC $(find "$KSRC" -path "$KSRC/.git" -prune -o -type f \
			-printf '%P %s %T@\n' | sort | sha256sum | cut -c1-16)"
	fi
	# -clone: the git tree's clone (before, its files were copied).
	key=$(printf '%s' "$origin" | sha256sum | cut -c1-16)-clone
else
	[ -f "$TARBALL" ] || die "$TARBALL is missing: install Debian's linux-source-$T (make deps)"
	sha=$(sha256sum "$TARBALL" | cut -d' ' -f1)
	[ -n "$PKGVER" ] ||
		PKGVER=$(dpkg-query -W -f='${Version}' "linux-source-$T" 2>/dev/null || echo '?')
	origin="debian linux-source-$T $PKGVER ${TARBALL#"$LAB_TOP"/} sha256:$sha"
	key=${sha:0:16}-v2
fi

# A clone whose borrowed base commit is gone (pruned in KSRC) is made again.
if [ -f "$TREE/.git/lab-source" ] && [ "$(cat "$TREE/.git/lab-source")" = "$key" ] &&
	git -C "$TREE" cat-file -e 'base^{commit}' 2>/dev/null; then
	exit 0
fi

# The worktree of the branches (scripts/tree.sh) goes with the tree: its
# .git names the tree's, which is made again.
rm -rf "$TREE" "$(am_dir "$T")"
if [ -n "$KSRC" ] && [ "${origin%% *}" = git ]; then
	# The user's tree, with its history: a clone that borrows its objects
	# (objects/info/alternates), with one branch, "base", at its HEAD, and
	# its tags; not its remote: the lab makes its own branches.
	git clone -q --shared --no-checkout "$KSRC" "$TREE"
	git -C "$TREE" checkout -q -f -B base "$KSRC_HEAD"
	git -C "$TREE" for-each-ref --format='%(refname:short)' refs/heads/ |
		{ grep -vx base || true; } | xargs -r git -C "$TREE" branch -q -D
	git -C "$TREE" remote remove origin
else
	mkdir -p "$TREE"
	if [ -z "$KSRC" ]; then
		tar -xf "$TARBALL" -C "$TREE" --strip-components=1
	else
		tar -C "$KSRC" --exclude=./.git -cf - . | tar -x -C "$TREE"
	fi
fi

version=$(make -s -C "$TREE" kernelversion 2>/dev/null)
case $version in
"$T".*) ;;
*) rm -rf "$TREE"
	die "this tree must be Linux $T.y, but the source is $version" ;;
esac

cd "$TREE"
[ -d .git ] || git init -q -b base
git config user.name "media_userptr lab"
git config user.email "lab@localhost"
git config core.autocrlf false
git config gc.auto 0
if [ -z "$(git rev-parse -q --verify base 2>/dev/null)" ]; then
	# Debian's tarball carries a top-level .gitignore ending in "/*", which
	# would hide the whole tree; -f adds every file of the pristine source.
	git add -A -f .
	# Fixed dates make the base commit a function of the source alone, so
	# that the series' "base-commit:" names the same commit on every
	# machine (and on none outside the lab: this tree has no history).
	GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
		git commit -q -m "Linux $version" -m "Source: $origin"
fi
printf '%s\n' "$version" >.git/lab-version
printf '%s\n' "$origin" >.git/lab-origin
printf '%s\n' "$key" >.git/lab-source
