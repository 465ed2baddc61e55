#!/usr/bin/env bash
# Run something in the lab's guest, for development:
#   scripts/try.sh VARIANT DIR
# DIR holds an executable "run" (a busybox sh script or a static binary)
# and whatever it needs; the guest has it at /try, with vivid loaded as in
# make check and vim2m loaded with allocator=$TRY_ALLOC (default 0). What
# "run" prints appears here; its dirty dmesg lines are printed, and the
# guest has TRY_CPUS CPUs (default 2, for the threaded reproducers; make
# check's guests have scripts/lib.sh GUEST_CPUS); the
# logs stay in build/try/<pid>/ (or TRY_OUT). The kernel and initramfs must
# have been built (make check or make run).
. "$(dirname "$0")/lib.sh"
x86_only "scripts/try.sh"

v=$1 dir=$2
OBJ=$BUILD/obj/$v
OUT=${TRY_OUT:-$BUILD/try/$$}
[ -x "$dir/run" ] || die "$dir/run: not an executable"
[ -f "$OBJ/initramfs.cpio.gz" ] || die "$v: no initramfs; run make check first"
rm -rf "$OUT"
mkdir -p "$OUT/root/try"
cp -a "$dir/." "$OUT/root/try/"
# A second archive, concatenated: the kernel unpacks both.
(cd "$OUT/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$OUT/try.cpio.gz"
cat "$OBJ/initramfs.cpio.gz" "$OUT/try.cpio.gz" >"$OUT/initramfs.cpio.gz"
set +e
timeout "${QEMU_TIMEOUT:-600}" qemu-system-x86_64 -accel tcg -cpu "$(guest_cpu "$v")" -nodefaults \
	-no-reboot -display none -m 2G -smp "$(qemu_smp "${TRY_CPUS:-2}")" \
	-kernel "$OBJ/bzImage" -initrd "$OUT/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 loglevel=4 $(guest_clock) lab.mode=try lab.alloc=${TRY_ALLOC:-0}" \
	-serial "file:$OUT/console.log" -serial "file:$OUT/out.log" \
	-serial "file:$OUT/dmesg.log" -serial null \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 >"$OUT/qemu.out" 2>&1
rc=$?
set -e
cat "$OUT/out.log"
grep -E 'WARNING:|BUG:|Oops|KASAN|refcount_t:|corruption|general protection|Kernel panic' \
	"$OUT/dmesg.log" "$OUT/console.log" || true
# QEMU's own errors exit with 1 too, like lab-exit 0: check the guest's
# last word.
if [ "$rc" != 1 ] || ! grep -q '^# lab: done' "$OUT/out.log"; then
	die "the guest did not finish (QEMU status $rc); see $OUT/console.log and $OUT/qemu.out"
fi
