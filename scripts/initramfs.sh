#!/usr/bin/env bash
# Build the guest's initramfs for one kernel variant:
#   scripts/initramfs.sh baseline|mediaonly|patched|upstream[-debug]
# It holds busybox-static, the statically linked selftest, the mm
# selftests of the kernel's tree, mainline's cow.c (6.12's, on every
# kernel), the lab's guest programs, the kernel's modules and /init.
# Output: build/obj/<variant>/initramfs.cpio.gz
. "$(dirname "$0")/lib.sh"

v=$1
T=$(variant_tree "${v%-debug}")
AM=$(am_dir "$T")
OBJ=$BUILD/obj/$v
ST=$BUILD/selftest
TST=$ST/$T
ROOT=$BUILD/initramfs/$v
# The branch the tree's selftests are built from (all of a tree's branches
# carry the same media_userptr test), and where its mm selftests live.
if [ "$T" = 6.1 ]; then
	branch=patched MMDIR=vm
else
	branch=upstream MMDIR=mm
fi

# The selftests are built once per tree, statically, in-tree, and again
# whenever the branch's copy of media_userptr changes: the key is its git
# tree, not a file time, which an edit made while the branch was being
# made would defeat.
stkey=$(git -C "$AM" rev-parse "$branch:tools/testing/selftests/media_userptr")
if [ ! -x "$TST/media_userptr_test" ] || [ "$(cat "$TST/media_userptr_test.key" 2>/dev/null)" != "$stkey" ]; then
	mkdir -p "$TST"
	git -C "$AM" checkout -q -f --detach "$branch"
	rm -f "$TST/media_userptr_test"
	run_logged "$LOGS/selftest-$T.log" make -C "$AM/tools/testing/selftests/media_userptr" \
		OUTPUT="$TST" LDFLAGS=-static
	echo "$stkey" >"$TST/media_userptr_test.key"
fi
# The mm selftests of scripts/guest/mmtests-<tree>, built statically from
# the tree, against its own uapi headers.
MMTESTS=$LAB_TOP/scripts/guest/mmtests-$T
mapfile -t VMT < <(grep -v '^#' "$MMTESTS" |
	awk -F'\t+' 'NF > 1 { split($2, w, " "); sub("^./", "", w[1]); print w[1] }' | sort -u)
for t in "${VMT[@]}"; do
	[ -x "$TST/mm/$t" ] && continue
	git -C "$AM" checkout -q -f --detach "$branch"
	[ "$T" = 6.1 ] || run_logged "$LOGS/headers-$T.log" make -C "$AM" headers
	mkdir -p "$TST/mm"
	run_logged "$LOGS/mm-selftests-$T.log" make -C "$AM/tools/testing/selftests/$MMDIR" \
		OUTPUT="$TST/mm" LDFLAGS=-static "${VMT[@]/#/$TST/mm/}"
	break
done
# Mainline's mm selftest cow.c, as /cow/cow. On 6.12 it is one of the
# tree's mm selftests, built with them. On 6.1 it is the upstream branch's
# cow.c (6.12 with patches/mainline, so the same cases as on upstream),
# built by scripts/cow/build.sh statically against the 6.1 branch's uapi
# headers (a headers_install into build/selftest/6.1/uapi). Both are keyed
# on the git trees they come from, not on file times.
cowsrc() { # the upstream branch's files cow.c is built from, as git ids
	local t=$BUILD/linux-6.12
	git -C "$t" rev-parse -q --verify refs/heads/upstream >/dev/null 2>&1 ||
		die "cow.c comes from the 6.12 tree's upstream branch: run scripts/source.sh 6.12 and scripts/tree.sh 6.12 upstream"
	git -C "$t" rev-parse upstream:tools/testing/selftests/mm \
		upstream:tools/testing/selftests/kselftest.h upstream:mm/gup_test.h
}
COW=$TST/cow/cow
if [ "$T" = 6.1 ]; then
	UAPI=$TST/uapi
	hkey=$(git -C "$AM" rev-parse "$branch:include/uapi" "$branch:arch/x86/include/uapi" | sha256sum | cut -c1-16)
	if [ "$(cat "$UAPI/key" 2>/dev/null)" != "$hkey" ]; then
		git -C "$AM" checkout -q -f --detach "$branch"
		rm -rf "$UAPI"
		run_logged "$LOGS/headers-$T.log" make -C "$AM" headers_install INSTALL_HDR_PATH="$UAPI"
		echo "$hkey" >"$UAPI/key"
	fi
	ckey=$( (cowsrc; echo "$hkey"; cat "$LAB_TOP/scripts/cow/build.sh" "$LAB_TOP/scripts/cow/compat.h") |
		sha256sum | cut -c1-16)
	if [ ! -x "$COW" ] || [ "$(cat "$COW.key" 2>/dev/null)" != "$ckey" ]; then
		AMU=$(am_dir 6.12)
		[ -e "$AMU/.git" ] || die "no $AMU: run scripts/tree.sh 6.12 upstream"
		git -C "$AMU" checkout -q -f --detach upstream
		rm -f "$COW"
		run_logged "$LOGS/cow-$T.log" sh "$LAB_TOP/scripts/cow/build.sh" "$TST/cow" "$AMU" "$UAPI"
		echo "$ckey" >"$COW.key"
	fi
else
	ckey=$(cowsrc | sha256sum | cut -c1-16)
	if [ ! -x "$COW" ] || [ "$(cat "$COW.key" 2>/dev/null)" != "$ckey" ]; then
		git -C "$AM" checkout -q -f --detach "$branch"
		run_logged "$LOGS/headers-$T.log" make -C "$AM" headers
		mkdir -p "$TST/cow"
		rm -f "$COW"
		run_logged "$LOGS/cow-$T.log" make -C "$AM/tools/testing/selftests/$MMDIR" \
			OUTPUT="$TST/cow" LDFLAGS=-static "$COW"
		echo "$ckey" >"$COW.key"
	fi
fi
# cow.c's io_uring cases need liburing, linked in.
grep -q io_uring_queue_init "$COW" ||
	die "$COW has no io_uring (liburing-dev missing when it was built?)"

# The lab's own guest programs (lab-exit, stress, fuzz, bench): the ones
# git tracks, so that a file being written is not picked up.
mapfile -t PROGS < <(git -C "$LAB_TOP" ls-files 'scripts/guest/*.c' | sed "s|^|$LAB_TOP/|")
for c in "${PROGS[@]}"; do
	b=$ST/$(basename "$c" .c)
	[ -x "$b" ] && [ "$b" -nt "$c" ] && [ "$b" -nt "$LAB_TOP/scripts/guest/guest.h" ] && continue
	run_logged "$LOGS/guest-programs.log" gcc -O2 -Wall -Wextra -static -o "$b" "$c"
done

rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,proc,sys,dev,tmp,mnt,lib/modules,kselftest/media_userptr}
cp /bin/busybox "$ROOT/bin/busybox"
for c in "${PROGS[@]}"; do cp "$ST/$(basename "$c" .c)" "$ROOT/bin/"; done
cp "$TST/media_userptr_test" "$LAB_TOP/tools/testing/selftests/media_userptr/settings" \
	"$ROOT/kselftest/media_userptr/"
cp -a "$OBJ/modroot/lib/modules/." "$ROOT/lib/modules/"
install -m 0755 "$LAB_TOP/scripts/guest/init" "$ROOT/init"
mkdir -p "$ROOT/mm"
for t in "${VMT[@]}"; do cp "$TST/mm/$t" "$ROOT/mm/"; done
cp "$MMTESTS" "$ROOT/mm/mmtests"
mkdir -p "$ROOT/cow"
cp "$COW" "$ROOT/cow/"
mkdir -p "$ROOT/etc"

# v4l2-compliance and v4l2-ctl from Debian's v4l-utils, with the shared
# libraries they need.
mkdir -p "$ROOT/usr/bin"
cp /usr/bin/v4l2-compliance /usr/bin/v4l2-ctl "$ROOT/usr/bin/"
ldd /usr/bin/v4l2-compliance /usr/bin/v4l2-ctl | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }' |
	sort -u | while read -r lib; do
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib"
	done
# Reproducible: the same content gives the same archive, so that boot.sh
# can tell when its results are still valid.
find "$ROOT" -exec touch -h -d @0 {} +
(cd "$ROOT" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --reproducible |
	gzip -n -1) >"$OBJ/initramfs.cpio.gz"
