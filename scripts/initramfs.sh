#!/usr/bin/env bash
# Build the guest's initramfs for one kernel variant:
#   scripts/initramfs.sh baseline|mediaonly|patched|upstream[-debug]
# It holds busybox-static, the statically linked selftest, the mm
# selftests of the kernel's tree, mainline's cow.c (the mainline tree's
# on its kernels, 6.12's on the 6.1 ones), the lab's guest programs, the
# kernel's modules and /init.
# Output: build/obj/<variant>/initramfs.cpio.gz (build/arm64/... for
# ARCH=arm64: every program cross-built, busybox, v4l2-compliance and
# liburing from Debian's arm64 packages in build/arm64/sysroot).
. "$(dirname "$0")/lib.sh"

v=$1
T=$(variant_tree "${v%-debug}")
AM=$(am_dir "$T")
OBJ=$ABUILD/obj/$v
ST=$ABUILD/selftest
TST=$ST/$T
ROOT=$ABUILD/initramfs/$v
# The branch the tree's selftests are built from (all of a tree's branches
# carry the same media_userptr test), and where its mm selftests live.
if [ "$T" = 6.1 ]; then
	branch=patched MMDIR=vm
else
	branch=upstream MMDIR=mm
fi
# The make arguments of the selftests: the architecture, and where the
# uapi headers are (scripts/lib.sh).
STMAKE=("${ST_MAKE_ARCH[@]}")

# uapi: the branch's uapi headers, installed into $UAPI (the key in
# $HKEY); again whenever they change. On x86_64 they are installed from
# the worktree itself, as they always were (which leaves them in its
# usr/include too, where the selftests find them). Any other
# architecture installs them from a build directory of its own (O=), so
# that the worktree, which both architectures share, keeps x86_64's: its
# selftests are built against $UAPI alone (KHDR_INCLUDES), never against
# the worktree's usr/include, and never make headers there.
UAPI=$TST/uapi
uapi() {
	HKEY=$(git -C "$AM" rev-parse "$branch:include/uapi" "$branch:arch/$KSRCARCH/include/uapi" | sha256sum | cut -c1-16)
	[ "$(cat "$UAPI/key" 2>/dev/null)" != "$HKEY" ] || return 0
	git -C "$AM" checkout -q -f --detach "$branch"
	rm -rf "$UAPI"
	if [ "$LAB_ARCH" = x86_64 ]; then
		run_logged "$LOGS/headers-$T.log" make -C "$AM" headers_install INSTALL_HDR_PATH="$UAPI"
	else
		run_logged "$LOGS/headers-$T.log" make -C "$AM" O="$TST/headers" "${LAB_MAKE_ARCH[@]}" \
			headers_install INSTALL_HDR_PATH="$UAPI"
	fi
	echo "$HKEY" >"$UAPI/key"
}
if [ "$LAB_ARCH" != x86_64 ]; then
	uapi
	# MACHINE: 6.1's vm Makefile takes the architecture from uname;
	# CC with the sysroot's headers, so that mm's check_config.sh finds
	# liburing (the mainline tree's cow.c), as on x86_64.
	STMAKE+=(MACHINE="$LAB_ARCH" "KHDR_INCLUDES=-isystem $UAPI/include"
		"CC=$GUEST_CC -isystem $SYSROOT/usr/include"
		"LDFLAGS=-static -L$SYSROOT/usr/lib/${LAB_CROSS%-}")
else
	STMAKE+=(LDFLAGS=-static)
fi

# The media_userptr kselftest is installed as a runner installs it, with
# the tree's own run_kselftest.sh and kselftest/runner.sh: make -C
# tools/testing/selftests TARGETS=media_userptr install, into
# $TST/kselftest, statically, once per tree, and again whenever the
# branch's copy of media_userptr or of the selftests' runner changes: the
# key is their git trees, not a file time, which an edit made while the
# branch was being made would defeat.
KST=$TST/kselftest
stkey=$(git -C "$AM" rev-parse "$branch:tools/testing/selftests/media_userptr" \
	"$branch:tools/testing/selftests/kselftest" "$branch:tools/testing/selftests/run_kselftest.sh" |
	sha256sum | cut -c1-16)
if [ ! -x "$KST/media_userptr/media_userptr_test" ] || [ "$(cat "$KST.key" 2>/dev/null)" != "$stkey" ]; then
	mkdir -p "$TST"
	git -C "$AM" checkout -q -f --detach "$branch"
	rm -rf "$KST"
	run_logged "$LOGS/selftest-$T.log" make -C "$AM/tools/testing/selftests" \
		TARGETS=media_userptr install INSTALL_PATH="$KST" "${STMAKE[@]}"
	echo "$stkey" >"$KST.key"
fi
# The mm selftests of scripts/guest/mmtests-<tree>, built statically from
# the tree, against its own uapi headers; not those "not on" the
# architecture. Only the commands ./NAME come from the tree: the others
# are the lab's own guest programs (/bin/rolongterm), built below. Built
# again whenever the branch's mm selftests or the kselftest harness
# change (a lab patch such as patches/mainline/lab/0014): the key is
# their git trees, as for the kselftest above.
MMTESTS=$LAB_TOP/scripts/guest/mmtests-$T
mapfile -t VMT < <(grep -v '^#' "$MMTESTS" |
	awk -F'\t+' -v arch="$LAB_ARCH" 'NF > 1 && index($3, "not on " arch ":") != 1 {
		split($2, w, " "); if (w[1] !~ /^\.\//) next; sub("^./", "", w[1]); print w[1] }' | sort -u)
mmkey=$(git -C "$AM" rev-parse "$branch:tools/testing/selftests/$MMDIR" \
	"$branch:tools/testing/selftests/kselftest.h" | sha256sum | cut -c1-16)
if [ "$(cat "$TST/mm.key" 2>/dev/null)" != "$mmkey" ]; then
	rm -rf "$TST/mm"
fi
for t in "${VMT[@]}"; do
	[ -x "$TST/mm/$t" ] && continue
	git -C "$AM" checkout -q -f --detach "$branch"
	[ "$T" = 6.1 ] || [ "$LAB_ARCH" != x86_64 ] || run_logged "$LOGS/headers-$T.log" make -C "$AM" "${LAB_MAKE_ARCH[@]}" headers
	mkdir -p "$TST/mm"
	run_logged "$LOGS/mm-selftests-$T.log" make -C "$AM/tools/testing/selftests/$MMDIR" \
		OUTPUT="$TST/mm" "${STMAKE[@]}" "${VMT[@]/#/$TST/mm/}"
	break
done
echo "$mmkey" >"$TST/mm.key"
# Mainline's mm selftest cow.c, as /cow/cow. On the mainline tree (6.12,
# or LAB_MAINLINE's) it is one of the tree's mm selftests, from its
# upstream branch, built with them. On 6.1 it is the upstream branch's
# cow.c of COW_TREE (6.12 with patches/mainline, so the same cases as on
# 6.12's upstream; scripts/lib.sh), built by scripts/cow/build.sh
# statically against the 6.1 branch's uapi headers (a headers_install
# into build/selftest/6.1/uapi), with the architecture's compiler and
# liburing. Both are keyed on the git trees they come from, not on file
# times.
cowsrc() { # TREE: the upstream branch's files cow.c is built from, as git ids
	local t
	t=$(tree_dir "$1")
	git -C "$t" rev-parse -q --verify refs/heads/upstream >/dev/null 2>&1 ||
		die "cow.c comes from the $1 tree's upstream branch: run scripts/source.sh $1 and scripts/tree.sh $1 upstream"
	git -C "$t" rev-parse upstream:tools/testing/selftests/mm \
		upstream:tools/testing/selftests/kselftest.h upstream:mm/gup_test.h
}
COW=$TST/cow/cow
if [ "$T" = 6.1 ]; then
	uapi
	# (on x86_64 the key is what it always was)
	ckey=$( (cowsrc "$COW_TREE"; echo "$HKEY"; cat "$LAB_TOP/scripts/cow/build.sh" "$LAB_TOP/scripts/cow/compat.h"
		[ "$LAB_ARCH" = x86_64 ] || echo "$GUEST_CC") | sha256sum | cut -c1-16)
	if [ ! -x "$COW" ] || [ "$(cat "$COW.key" 2>/dev/null)" != "$ckey" ]; then
		AMU=$(am_dir "$COW_TREE")
		[ -e "$AMU/.git" ] || die "no $AMU: run scripts/tree.sh $COW_TREE upstream"
		git -C "$AMU" checkout -q -f --detach upstream
		rm -f "$COW"
		if [ "$LAB_ARCH" = x86_64 ]; then
			run_logged "$LOGS/cow-$T.log" sh "$LAB_TOP/scripts/cow/build.sh" "$TST/cow" "$AMU" "$UAPI"
		else
			CC=$GUEST_CC COW_CFLAGS="-isystem $SYSROOT/usr/include" \
				COW_LDFLAGS="-L$SYSROOT/usr/lib/${LAB_CROSS%-}" \
				run_logged "$LOGS/cow-$T.log" sh "$LAB_TOP/scripts/cow/build.sh" "$TST/cow" "$AMU" "$UAPI"
		fi
		echo "$ckey" >"$COW.key"
	fi
else
	ckey=$(cowsrc "$T" | sha256sum | cut -c1-16)
	if [ ! -x "$COW" ] || [ "$(cat "$COW.key" 2>/dev/null)" != "$ckey" ]; then
		git -C "$AM" checkout -q -f --detach "$branch"
		[ "$LAB_ARCH" != x86_64 ] || run_logged "$LOGS/headers-$T.log" make -C "$AM" "${LAB_MAKE_ARCH[@]}" headers
		mkdir -p "$TST/cow"
		rm -f "$COW"
		run_logged "$LOGS/cow-$T.log" make -C "$AM/tools/testing/selftests/$MMDIR" \
			OUTPUT="$TST/cow" "${STMAKE[@]}" "$COW"
		echo "$ckey" >"$COW.key"
	fi
fi
# cow.c's io_uring cases need liburing, linked in.
grep -q io_uring_queue_init "$COW" ||
	die "$COW has no io_uring (liburing-dev missing when it was built?)"

# The lab's own guest programs (lab-exit, stress, fuzz, bench, rolongterm,
# pmdrace): the ones git tracks, so that a file being written is not
# picked up. All go to /bin; /init runs some, the others (pmdrace) are for
# scripts/try.sh. -pthread for pmdrace's threads (glibc 2.34+ needs no
# libpthread, but the flag is what a threaded program is built with).
mapfile -t PROGS < <(git -C "$LAB_TOP" ls-files 'scripts/guest/*.c' | sed "s|^|$LAB_TOP/|")
for c in "${PROGS[@]}"; do
	b=$ST/$(basename "$c" .c)
	[ -x "$b" ] && [ "$b" -nt "$c" ] && [ "$b" -nt "$LAB_TOP/scripts/guest/guest.h" ] &&
		[ "$b" -nt "$LAB_TOP/scripts/guest/gup_longterm.h" ] && continue
	run_logged "$LOGS/guest-programs.log" "$GUEST_CC" -O2 -Wall -Wextra -static -pthread -o "$b" "$c"
done

rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,proc,sys,dev,tmp,mnt,lib/modules,kselftest,usr/bin}
cp "$SYSROOT/bin/busybox" "$ROOT/bin/busybox"
for c in "${PROGS[@]}"; do cp "$ST/$(basename "$c" .c)" "$ROOT/bin/"; done
cp -a "$KST/." "$ROOT/kselftest/"
# runner.sh bounds a test by its settings' timeout with /usr/bin/timeout
# --foreground, which busybox's timeout does not take.
# shellcheck disable=SC2016
printf '#!/bin/sh\n# runner.sh'"'"'s timeout, by busybox'"'"'s, which has no --foreground\n[ "$1" != --foreground ] || shift\nexec /bin/busybox timeout "$@"\n' >"$ROOT/usr/bin/timeout"
chmod 0755 "$ROOT/usr/bin/timeout"
cp -a "$OBJ/modroot/lib/modules/." "$ROOT/lib/modules/"
install -m 0755 "$LAB_TOP/scripts/guest/init" "$ROOT/init"
mkdir -p "$ROOT/mm"
for t in "${VMT[@]}"; do cp "$TST/mm/$t" "$ROOT/mm/"; done
cp "$MMTESTS" "$ROOT/mm/mmtests"
mkdir -p "$ROOT/cow"
cp "$COW" "$ROOT/cow/"
mkdir -p "$ROOT/etc"

# guest_libs ROOT BINARY...: the shared libraries the binaries need, and
# theirs, and the dynamic loader, as paths inside ROOT (a Debian root:
# the sysroot of another architecture, where ldd cannot run them, or
# sid's v4l-utils, V4L132_ROOT). The libraries are looked for in the
# architecture's multiarch directories (LAB_TRIPLET), then /lib and
# /usr/lib. The loader is the binary's PT_INTERP path; a root unpacked
# from the packages of a merged-/usr release (sid) has it only under
# /usr (an installed system's /lib64 and /lib are base-files' symlinks
# to /usr), and then it is that path.
# interp_of BINARY: its PT_INTERP path (the dynamic loader it asks for).
interp_of() {
	"${LAB_CROSS}readelf" -l "$1" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p'
}
guest_libs() {
	local root=$1 f lib d interp todo seen=" "
	shift
	todo=("$@")
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		interp=$(interp_of "$f")
		if [ -z "$interp" ]; then
			:
		elif [ -e "$root$interp" ]; then
			echo "$interp"
		elif [ -e "$root/usr$interp" ]; then
			echo "/usr$interp"
		else
			die "$interp, the loader $f asks for, is not in $root"
		fi
		for lib in $("${LAB_CROSS}readelf" -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
			case $seen in *" $lib "*) continue ;; esac
			seen="$seen$lib "
			for d in "/lib/$LAB_TRIPLET" "/usr/lib/$LAB_TRIPLET" /lib /usr/lib; do
				[ -e "$root$d/$lib" ] || continue
				echo "$d/$lib"
				todo+=("$root$d/$lib")
				continue 2
			done
			die "$lib, which $f needs, is not in $root (scripts/deps.sh)"
		done
	done
}

# v4l2-compliance and v4l2-ctl, in /usr/bin, the version every kernel
# runs (V4L_UTILS, scripts/lib.sh).
mkdir -p "$ROOT/usr/bin"
V4L=$V4L_UTILS
if [ "$V4L" = 1.22 ]; then
	# Debian 12's v4l-utils, with the shared libraries they need: the
	# host's on x86_64 (ldd finds them), the sysroot's on arm64, found by
	# their DT_NEEDED entries (guest_libs).
	cp "$SYSROOT/usr/bin/v4l2-compliance" "$SYSROOT/usr/bin/v4l2-ctl" "$ROOT/usr/bin/"
	if [ -z "$SYSROOT" ]; then
		ldd /usr/bin/v4l2-compliance /usr/bin/v4l2-ctl | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }'
	else
		guest_libs "$SYSROOT" "$SYSROOT/usr/bin/v4l2-compliance" "$SYSROOT/usr/bin/v4l2-ctl"
	fi | sort -u | while read -r lib; do
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$SYSROOT$lib" "$ROOT$lib"
	done
else
	# sid's v4l-utils (scripts/deps.sh), under a prefix of its own with
	# all its libraries and its loader, which do not replace anything of
	# the guest's: /opt/v4l-utils-<version>/bin and lib. /usr/bin/NAME
	# runs it through that loader, with that library path only.
	src=$V4L132_ROOT
	[ -f "$src/.lab-manifest" ] ||
		die "$v takes v4l-utils $V4L, which is not in $src: scripts/deps.sh fetches it (V4L_UTILS=$V4L)"
	opt=/opt/v4l-utils-$V4L
	mkdir -p "$ROOT$opt/bin" "$ROOT$opt/lib"
	cp "$src/usr/bin/v4l2-compliance" "$src/usr/bin/v4l2-ctl" "$ROOT$opt/bin/"
	cp "$src/.lab-manifest" "$ROOT$opt/MANIFEST"
	guest_libs "$src" "$src/usr/bin/v4l2-compliance" "$src/usr/bin/v4l2-ctl" | sort -u |
		while read -r lib; do
			# (the loader comes twice: by its PT_INTERP path and as
			# libc's DT_NEEDED)
			if [ -e "$ROOT$opt/lib/${lib##*/}" ]; then
				cmp -s "$src$lib" "$ROOT$opt/lib/${lib##*/}" ||
					die "two different libraries named ${lib##*/} in $src"
				continue
			fi
			cp -L "$src$lib" "$ROOT$opt/lib/"
		done
	ld=$(interp_of "$src/usr/bin/v4l2-compliance")
	ld=$opt/lib/${ld##*/}
	[ -x "$ROOT$ld" ] || die "no loader $ld in the initramfs"
	for b in v4l2-compliance v4l2-ctl; do
		# shellcheck disable=SC2016
		printf '#!/bin/sh\n# v4l-utils %s from sid, its own loader and libraries (scripts/initramfs.sh)\nexec %s --library-path %s %s "$@"\n' \
			"$V4L" "$ld" "$opt/lib" "$opt/bin/$b" >"$ROOT/usr/bin/$b"
		chmod 0755 "$ROOT/usr/bin/$b"
	done
fi
# Reproducible: the same content gives the same archive, so that boot.sh
# can tell when its results are still valid.
find "$ROOT" -exec touch -h -d @0 {} +
(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --reproducible |
	gzip -n -1) >"$OBJ/initramfs.cpio.gz"
