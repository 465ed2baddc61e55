#!/usr/bin/env bash
# Build the guest's initramfs for one kernel variant:
#   scripts/initramfs.sh baseline|mediaonly|patched
# It holds busybox-static, the statically linked selftest, the kernel's
# modules and /init. Output: build/obj/<variant>/initramfs.cpio.gz
. "$(dirname "$0")/lib.sh"

v=$1
AM=$BUILD/am
OBJ=$BUILD/obj/$v
ST=$BUILD/selftest
ROOT=$BUILD/initramfs/$v

# The selftest and the exit helper are built once, statically. The selftest
# is built in-tree, from the patched branch (all branches carry the same one).
if [ ! -x "$ST/media_userptr_test" ] ||
	[ -n "$(find "$LAB_TOP/tools/testing/selftests/media_userptr" -newer "$ST/media_userptr_test")" ]; then
	mkdir -p "$ST"
	git -C "$AM" checkout -q -f --detach patched
	run_logged "$LOGS/selftest.log" make -C "$AM/tools/testing/selftests/media_userptr" \
		OUTPUT="$ST" LDFLAGS=-static
fi
# The mm selftests of scripts/guest/mmtests, built statically from the tree.
mapfile -t VMT < <(grep -v '^#' "$LAB_TOP/scripts/guest/mmtests" |
	awk -F'\t+' 'NF > 1 { split($2, w, " "); sub("^./", "", w[1]); print w[1] }' | sort -u)
for t in "${VMT[@]}"; do
	[ -x "$ST/vm/$t" ] && continue
	git -C "$AM" checkout -q -f --detach patched
	mkdir -p "$ST/vm"
	run_logged "$LOGS/vm-selftests.log" make -C "$AM/tools/testing/selftests/vm" \
		OUTPUT="$ST/vm" LDFLAGS=-static "${VMT[@]/#/$ST/vm/}"
	break
done
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
cp "$ST/media_userptr_test" "$LAB_TOP/tools/testing/selftests/media_userptr/settings" \
	"$ROOT/kselftest/media_userptr/"
cp -a "$OBJ/modroot/lib/modules/." "$ROOT/lib/modules/"
install -m 0755 "$LAB_TOP/scripts/guest/init" "$ROOT/init"
mkdir -p "$ROOT/mm"
for t in "${VMT[@]}"; do cp "$ST/vm/$t" "$ROOT/mm/"; done
cp "$LAB_TOP/scripts/guest/mmtests" "$ROOT/mm/"
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
