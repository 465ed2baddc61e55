#!/usr/bin/env bash
# Make one branch per kernel in a tree's repository, each on top of "base":
#   scripts/tree.sh [TREE [VARIANT...]]     (default: 6.1 and its kernels)
# On 6.1 (build/linux):
#   baseline   the selftest only (no kernel patch)
#   mediaonly  the media patches without the mm prerequisite
#   patched    the whole series from patches/series
#   commit-N   its first N patches (make bisect, scripts/bisect.sh)
# On the mainline tree (build/linux-7.3, or build/linux-6.12 with
# LAB_MAINLINE=6.12: scripts/lib.sh):
#   upstream   what mainline still needs, from patches/mainline/series
#              (6.12), patches/mainline-<tree>/series (another tree),
#              after the lab-only patches of that directory's lab/
#   stock      the selftest only: Debian's kernel as a CI finds it
#   K+NAME     kernel K with scripts/breaks/NAME.patch (NAME-TREE.patch,
#              where it exists for K's tree) on top (LAB_BREAK=NAME): a
#              check broken on purpose, to see a test fail, or (dcvmap) a
#              code path forced, which must pass
#   K+proposed kernel K with patches/proposed/*.patch on top: what is
#              proposed to mainline apart (upstream+proposed), held to K's
#              expectations (KERNELS=upstream+proposed make check)
# What is mailed ends with the selftest commit, made from the plain files in
# tools/testing/selftests/media_userptr/: refs/mail/VARIANT points to it, on
# both trees. On 6.1 the lab's own kernel patches (patches/lab/*.patch, in
# file order; never mailed) follow it, on every branch, so that the tested
# tree is the mailed tree plus patches/lab. On the mainline tree, refs/mail/V
# is V.
# What is mailed starts after refs/mail-base/VARIANT. On the mainline tree
# the upstream branches (upstream, upstream+NAME) get the lab-only patches
# of the series' directory first (mainline_dir's lab/*.patch, in file
# order: stand-ins for fixes others posted, never mailed,
# patches/mainline/lab/README.md), and refs/mail-base/V is the commit after
# them; elsewhere it is base.
# A branch is remade only when its inputs changed. The branches are made
# in their own worktree, build/am, so that the files the kernels are built
# from (build/linux) are only touched where the branches differ.
. "$(dirname "$0")/lib.sh"

T=${1:-6.1}
[ $# = 0 ] || shift
TREE=$(tree_dir "$T")
AM=$(am_dir "$T")
SELFTEST=tools/testing/selftests/media_userptr
[ -d "$TREE/.git" ] || die "no source tree: run scripts/source.sh first"
if [ ! -e "$AM/.git" ]; then
	rm -rf "$AM"
	git -C "$TREE" worktree prune
	git -C "$TREE" worktree add -q --detach "$AM" base
fi
cd "$AM"
GIT=$(cd "$(git rev-parse --git-common-dir)" && pwd)

# The patches of a variant, in series order, as paths.
variant_patches() {
	local p
	case $1 in
	*+proposed) variant_patches "${1%%+*}"
		find "$LAB_TOP/patches/proposed" -maxdepth 1 -name '*.patch' | LC_ALL=C sort
		return 0 ;;
	*+*) variant_patches "${1%%+*}"
		local b=$LAB_TOP/scripts/breaks/${1#*+}
		# NAME-TREE.patch where the break differs between trees
		[ ! -f "$b-$T.patch" ] || b=$b-$T
		[ -f "$b.patch" ] || die "no scripts/breaks/${1#*+}.patch"
		printf '%s\n' "$b.patch"
		return 0 ;;
	commit-[0-9]*) variant_patches patched | sed -n "1,${1#commit-}p"
		return 0 ;;
	esac
	case $1 in baseline | stock) return 0 ;; esac
	local dir=$LAB_TOP/patches
	[ "$1" != upstream ] || dir=$(mainline_dir "$T")
	while read -r p; do
		case $p in '' | '#'*) continue ;; esac
		[ -f "$dir/$p" ] || die "$dir/series names $p, which is missing"
		if [ "$1" = mediaonly ] &&
			grep -qE '^Subject: \[PATCH[^]]*\] mm[:/]' "$dir/$p"; then
			continue
		fi
		printf '%s\n' "$dir/$p"
	done <"$dir/series"
}

# The lab-only patches that go on top of what is mailed: 6.1 only (6.12's
# and 7.3's gup_test have mainline's long-term pin ioctls already).
lab_patches() {
	[ "$T" = 6.1 ] || return 0
	find "$LAB_TOP/patches/lab" -maxdepth 1 -name '*.patch' | LC_ALL=C sort
}

# The lab-only patches that go before what is mailed: on the mainline tree,
# for the upstream kernel and its variants, mainline_dir's lab/ (the
# stand-in for Zhang Yi's v2, and test fixes backported for the tree's
# own selftests). Never the stock kernel's.
# LAB_STANDIN=DIR: the patches in DIR (*.patch, *.mbox, *.mbx, as b4 or a
# mail client saves them) instead of the stand-in (the lab/ patches named
# "...-lab-stand-in-..."), such as the posted v2 itself, to test a patch
# someone else posted; they come from the user, never from the repo. The
# other lab/ patches follow them.
lab_first_patches() { # variant
	[ "$T" != 6.1 ] || return 0
	case $1 in upstream | upstream+*) ;; *) return 0 ;; esac
	local dir
	dir=$(mainline_dir "$T")/lab
	if [ -n "${LAB_STANDIN:-}" ]; then
		[ -d "$LAB_STANDIN" ] || die "LAB_STANDIN=$LAB_STANDIN: not a directory"
		[ -n "$(find "$LAB_STANDIN" -maxdepth 1 \( -name '*.patch' -o -name '*.mbox' -o -name '*.mbx' \))" ] ||
			die "LAB_STANDIN=$LAB_STANDIN: no *.patch, *.mbox or *.mbx in it"
		find "$LAB_STANDIN" -maxdepth 1 \( -name '*.patch' -o -name '*.mbox' -o -name '*.mbx' \) | LC_ALL=C sort
		[ ! -d "$dir" ] || find "$dir" -maxdepth 1 -name '*.patch' ! -name '*-lab-stand-in-*' | LC_ALL=C sort
		return 0
	fi
	[ -d "$dir" ] || return 0
	find "$dir" -maxdepth 1 \( -name '*.patch' -o -name '*.mbox' -o -name '*.mbx' \) | LC_ALL=C sort
}

# git am, or stop with the reason.
am() { # variant patch
	if ! git am -q --keep-cr "$2" >"$LOGS/am-$1.log" 2>&1; then
		cat "$LOGS/am-$1.log" >&2
		git am --abort >/dev/null 2>&1 || true
		die "patch $(basename "$2") does not apply to $(cat "$GIT/lab-version") ($1)"
	fi
}

# The selftest's files, as paths relative to its directory.
selftest_files() {
	git -C "$LAB_TOP/$SELFTEST" ls-files -co --exclude-standard | sort
}

# Add the selftest from its plain files as the last commit of the branch.
selftest_commit() {
	rm -rf "$SELFTEST"
	mkdir -p "$SELFTEST"
	selftest_files | tar -C "$LAB_TOP/$SELFTEST" -cf - -T - | tar -xf - -C "$SELFTEST"
	grep -q '^TARGETS += media_userptr$' tools/testing/selftests/Makefile ||
		sed -i 's/^TARGETS += membarrier$/TARGETS += media_userptr\n&/' \
			tools/testing/selftests/Makefile
	# The test belongs to videobuf2's maintainers.
	grep -q "^F:	$SELFTEST/$" MAINTAINERS ||
		sed -i "/^VIDEOBUF2 FRAMEWORK$/,/^$/ s|^F:	include/media/videobuf2-\*$|&\nF:	$SELFTEST/|" \
			MAINTAINERS
	git add -A -f "$SELFTEST" tools/testing/selftests/Makefile MAINTAINERS
	# The author is the one who signs it off, as for the kernel patches.
	git commit -q -F "$LAB_TOP/scripts/selftest.commit" --author="$(sed -n \
		's/^Signed-off-by: //p' "$LAB_TOP/scripts/selftest.commit" | head -n 1)"
}

make_branch() {
	local v=$1 key p patches lab first
	patches=$(variant_patches "$v")
	lab=$(lab_patches)
	first=$(lab_first_patches "$v")
	# shellcheck disable=SC2086
	key=$( (cat "$GIT/lab-source" "$LAB_TOP/scripts/tree.sh"
		echo "lab patches first:"; [ -z "$first" ] || cat $first
		echo "series:"; [ -z "$patches" ] || cat $patches
		cat "$LAB_TOP/scripts/selftest.commit"
		cd "$LAB_TOP/$SELFTEST" && selftest_files | xargs cat
		echo "lab patches:"; [ -z "$lab" ] || cat $lab) |
		sha256sum | cut -c1-16)
	if [ "$(cat "$GIT/lab-branch-$v" 2>/dev/null)" = "$key" ] &&
		git rev-parse -q --verify "refs/heads/$v" >/dev/null &&
		git rev-parse -q --verify "refs/mail-base/$v" >/dev/null &&
		git rev-parse -q --verify "refs/mail/$v" >/dev/null; then
		return 0
	fi
	git am --abort >/dev/null 2>&1 || true
	git checkout -q -f -B "$v" base
	git clean -q -f -d
	for p in $first; do am "$v" "$p"; done
	git update-ref "refs/mail-base/$v" HEAD
	for p in $patches; do am "$v" "$p"; done
	selftest_commit
	git update-ref "refs/mail/$v" HEAD
	for p in $lab; do am "$v" "$p"; done
	git checkout -q --detach
	printf '%s\n' "$key" >"$GIT/lab-branch-$v"
	say "branch $v: $(git rev-list --count "base..refs/mail-base/$v") lab-only first, $(git rev-list --count "refs/mail-base/$v..refs/mail/$v") commits mailed and $(git rev-list --count "refs/mail/$v..$v") of patches/lab on $(cat "$GIT/lab-version")"
}

# shellcheck disable=SC2046
[ $# -gt 0 ] || set -- $(tree_variants "$T")
for v in "$@"; do
	make_branch "$v"
done
