#!/usr/bin/env bash
# Configure and build one kernel variant out of tree, with ccache:
#   scripts/kernel.sh baseline|mediaonly|patched|upstream|commit-N|bisect[-debug]
# (bisect builds the commit that the "bisect" branch points to; a -debug
# variant adds scripts/debug.config to the same branch.) The variant's tree
# (scripts/lib.sh) gives the source and scripts/lab-<tree>.config.
# The objects live in build/obj/<variant> (build/arm64/obj/<variant> for
# ARCH=arm64, cross-built: scripts/lib.sh). A variant built for the first
# time starts from a copy of the objects of its tree's first kernel (the
# baseline on 6.1), so only what its patches touch is compiled again.
# Output: build/obj/<variant>/{bzImage,modroot} (arm64: Image, not bzImage).
. "$(dirname "$0")/lib.sh"

v=$1
branch=${v%-debug}
T=$(variant_tree "$branch")
TREE=$(tree_dir "$T")
OBJ=$ABUILD/obj/$v
# scripts/cow/config: what mainline's cow.c needs (swap on zram, io_uring,
# hugetlb, THP), on every kernel of both trees. scripts/arch-<arch>.config:
# what the guest of that architecture needs (its console, its way out).
FRAGS="$LAB_TOP/tools/testing/selftests/media_userptr/config $LAB_TOP/scripts/lab.config $LAB_TOP/scripts/lab-$T.config $LAB_TOP/scripts/mm.config $LAB_TOP/scripts/cow/config $LAB_TOP/scripts/arch-$LAB_ARCH.config"
first=$(tree_variants "$T")
seed=$ABUILD/obj/${first%% *}
if [ "$branch" != "$v" ]; then
	FRAGS="$FRAGS $LAB_TOP/scripts/debug.config"
	seed=$seed-debug
fi
[ -z "${KCONFIG_EXTRA:-}" ] || FRAGS="$FRAGS $KCONFIG_EXTRA"

export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$BUILD
export CCACHE_NOHASHDIR=1
export CCACHE_SLOPPINESS=time_macros
export KBUILD_BUILD_TIMESTAMP="lab"
export KBUILD_BUILD_USER=lab KBUILD_BUILD_HOST=lab
ccache -M 8G >/dev/null
JOBS=${JOBS:-$(nproc)}
KMAKE=(make -C "$TREE" O="$OBJ" -j"$JOBS" "${LAB_MAKE_ARCH[@]}" CC="ccache ${LAB_CROSS}gcc" HOSTCC="ccache gcc")
if [ -n "${KMAKE_EXTRA:-}" ]; then
	read -r -a extra <<<"$KMAKE_EXTRA"
	KMAKE+=("${extra[@]}")
fi

commit=$(git -C "$TREE" rev-parse "$branch")
# The kernel does not depend on tools/: key it on the rest of the tree.
# shellcheck disable=SC2086
key=$( (git -C "$TREE" ls-tree "$commit" | grep -v '	tools$'
	echo "${KMAKE_EXTRA:-}"; cat $FRAGS) | sha256sum | cut -c1-16)
# The whole tree, selftest included, that this kernel's run tests.
tree=$(git -C "$TREE" rev-parse "$commit^{tree}")
# The source tree the objects are built from (lab-source, below).
src="$T $(cat "$TREE/.git/lab-version" 2>/dev/null || echo unknown)"
if [ -f "$OBJ/$KIMAGE" ] && [ "$(cat "$OBJ/lab-key" 2>/dev/null)" = "$key" ]; then
	say "kernel $v: up to date ($(cat "$OBJ/kernelrelease"))"
	echo "$tree" >"$OBJ/lab-tree"
	# (the key covers the tree's files: objects of the same key are of it)
	echo "$src" >"$OBJ/lab-source"
	exit 0
fi

# Objects of another tree are not reused: the mainline tree's kernels keep
# their names when it moves (LAB_MAINLINE), and kbuild would keep files
# it generated from the old tree (6.12's objtool inat-tables.c broke 7.3's
# objtool). The objects say what they were built from in lab-source.
if [ -d "$OBJ" ] && [ "$(cat "$OBJ/lab-source" 2>/dev/null)" != "$src" ]; then
	say "kernel $v: objects of $(cat "$OBJ/lab-source" 2>/dev/null || echo "an unrecorded tree") in ${OBJ#"$LAB_TOP"/}, not of $src: built afresh"
	rm -rf "$OBJ"
fi
[ ! -d "$seed" ] || [ "$(cat "$seed/lab-source" 2>/dev/null)" = "$src" ] || seed=""
if [ ! -d "$OBJ" ] && [ -n "$seed" ] && [ "$OBJ" != "$seed" ] && [ -f "$seed/vmlinux" ]; then
	cp -a "$seed" "$OBJ"
fi
mkdir -p "$OBJ"
rm -f "$OBJ/lab-key" "$OBJ/$KIMAGE"
echo "$src" >"$OBJ/lab-source"

if [ "$(git -C "$TREE" rev-parse HEAD)" != "$commit" ] ||
	[ -n "$(git -C "$TREE" status --porcelain)" ]; then
	git -C "$TREE" checkout -q -f --detach "$branch"
	git -C "$TREE" clean -q -f -d
fi

# tinyconfig, then the fragments, then check that every requested option
# survived olddefconfig.
# shellcheck disable=SC2086
(
	"${KMAKE[@]}" tinyconfig
	"$TREE/scripts/kconfig/merge_config.sh" -m -O "$OBJ" "$OBJ/.config" $FRAGS
	"${KMAKE[@]}" olddefconfig
) >"$LOGS/config-$v.log" 2>&1 || {
	tail -n 50 "$LOGS/config-$v.log"
	die "configuring $v failed (log: $LOGS/config-$v.log)"
}
missing=""
# Options a tree no longer has (renamed), which the fragments shared with
# older trees still give: scripts/lab-<tree>.config names each on a line
# "# lab: gone CONFIG_NAME" (and gives its new name itself).
gone=" $(sed -n 's/^# lab: gone \(CONFIG_[A-Za-z0-9_]*\)$/\1/p' "$LAB_TOP/scripts/lab-$T.config" | tr '\n' ' ')"
# shellcheck disable=SC2086
while IFS= read -r line; do
	case $line in CONFIG_*=*) ;; *) continue ;; esac
	opt=${line%%=*} val=${line#*=}
	case $gone in *" $opt "*) continue ;; esac
	if [ "$val" = n ]; then
		grep -qx "$opt=[ym].*" "$OBJ/.config" && missing="$missing $line"
	else
		grep -qxF "$line" "$OBJ/.config" || missing="$missing $line"
	fi
done < <(cat $FRAGS)
[ -z "$missing" ] || die "options lost after olddefconfig ($v):$missing"

run_logged "$LOGS/build-$v.log" "${KMAKE[@]}" "$KIMAGE" modules
rm -rf "$OBJ/modroot"
run_logged "$LOGS/modules-$v.log" "${KMAKE[@]}" INSTALL_MOD_PATH="$OBJ/modroot" \
	INSTALL_MOD_STRIP=1 DEPMOD=/sbin/depmod modules_install
"${KMAKE[@]}" -s kernelrelease >"$OBJ/kernelrelease"
cp "$OBJ/arch/$KSRCARCH/boot/$KIMAGE" "$OBJ/$KIMAGE"
printf '%s\n' "$key" >"$OBJ/lab-key"
echo "$tree" >"$OBJ/lab-tree"
say "kernel $v: built $(cat "$OBJ/kernelrelease")"
