#!/usr/bin/env bash
# Boot one kernel variant in QEMU and collect what the guest reports:
#   scripts/boot.sh baseline|mediaonly|patched[-debug] [EXPECT]
# build/results/<variant>/: console.log (ttyS0), results.tap (ttyS1, KTAP),
# dmesg.log (ttyS2), qemu.rc. Fails on a panic, a hang or a missing result.
. "$(dirname "$0")/lib.sh"

v=$1
expect=${2:-${v%-debug}}
OBJ=$BUILD/obj/$v
# BOOT_RES: where the results go (make bench keeps one directory per run).
RES=${BOOT_RES:-$BUILD/results/$v}
# KASAN and lockdep make a TCG guest about 4 times slower.
case $v in *-debug) QEMU_TIMEOUT=${QEMU_TIMEOUT:-5400} ;; esac
QEMU_TIMEOUT=${QEMU_TIMEOUT:-1800}
# tsc=reliable: the guest has no HPET or ACPI PM timer to check the TSC
# against, and a loaded host makes the kernel drop it for jiffies.
cmdline="console=ttyS0 panic=-1 loglevel=4 tsc=reliable lab.mode=${LAB_MODE:-check} lab.expect=$expect lab.compliance=${COMPLIANCE:-1} lab.mm=${MM_TESTS:-1} lab.stress=${STRESS:-1} ${LAB_INJECT:+lab.inject=$LAB_INJECT}"
mkdir -p "$RES"

# Results stay valid while the kernel, the initramfs (tests included) and
# the options are the same: a warm run does not boot again. RETEST=1 does.
key=$( (sha256sum "$OBJ/bzImage" "$OBJ/initramfs.cpio.gz" | cut -d' ' -f1
	echo "$cmdline ${QEMU_EXTRA:-}") | sha256sum | cut -c1-16)
if [ "${RETEST:-0}" = 0 ] && [ "$(cat "$RES/key" 2>/dev/null)" = "$key" ]; then
	say "$v: results up to date (same kernel, initramfs and options; RETEST=1 boots again)"
	exit 0
fi
rm -f "$RES"/*.log "$RES"/*.tap "$RES/qemu.rc" "$RES/key"

qemu() {
	# shellcheck disable=SC2086
	timeout "$QEMU_TIMEOUT" qemu-system-x86_64 "$@" -nodefaults -no-reboot \
		-display none -m 2G -smp 2 \
		-kernel "$OBJ/bzImage" -initrd "$OBJ/initramfs.cpio.gz" \
		-append "$cmdline" \
		-serial "file:$RES/console.log" -serial "file:$RES/results.tap" \
		-serial "file:$RES/dmesg.log" -serial "file:$RES/compliance.log" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		${QEMU_EXTRA:-} >"$RES/qemu.out" 2>&1
}

set +e
rc=2
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	# A subshell, so that a QEMU that aborts leaves no job message.
	(qemu -accel kvm -cpu host) 2>/dev/null
	rc=$?
	[ "$rc" = 1 ] || [ "$rc" = 0 ] || [ "$rc" = 124 ] || say "$v: KVM failed (status $rc), falling back to TCG"
	echo kvm >"$RES/accel"
fi
if [ "$rc" != 1 ] && [ "$rc" != 0 ] && [ "$rc" != 124 ]; then
	qemu -accel tcg -cpu max
	rc=$?
	echo tcg >"$RES/accel"
fi
set -e
echo "$rc" >"$RES/qemu.rc"
case $rc in
1) ;;
124) die "$v: the guest hung (no result after ${QEMU_TIMEOUT}s); see $RES/console.log" ;;
0) tail -n 30 "$RES/console.log" >&2
	die "$v: the guest stopped without reporting (panic or reboot); see $RES/console.log" ;;
*) cat "$RES/qemu.out" >&2
	die "$v: QEMU failed with status $rc" ;;
esac
grep -q '^# lab: done' "$RES/results.tap" ||
	die "$v: the guest reported no complete result; see $RES/console.log"
grep -q '^# lab: end' "$RES/dmesg.log" ||
	die "$v: the guest's dmesg did not arrive; see $RES/console.log"
echo "$key" >"$RES/key"
