#!/usr/bin/env bash
# Boot one kernel variant in QEMU and collect what the guest reports:
#   scripts/boot.sh baseline|mediaonly|patched|upstream|commit-N[-debug] [EXPECT]
# EXPECT: the kselftest's expectations, by default the kernel's own
# (scripts/lib.sh kernel_expect).
# build/results/<variant>/: console.log (ttyS0), results.tap (ttyS1, KTAP),
# dmesg.log (ttyS2), compliance.log (ttyS3), qemu.rc. Fails on a panic, a
# hang or a missing result. ARCH=arm64: build/arm64/results/<variant>/,
# the same files, from qemu-system-aarch64 -machine virt (the console on
# its PL011, the rest on virtio-serial ports).
. "$(dirname "$0")/lib.sh"

v=$1
expect=${2:-$(kernel_expect "$v")}
# KERNEL@CONF boots KERNEL's image and initramfs its own way (lib.sh).
OBJ=$ABUILD/obj/$(boot_kernel "$v")
mem=$(boot_mem "$v")
# BOOT_RES: where the results go (make bench keeps one directory per run).
RES=${BOOT_RES:-$ABUILD/results/$v}
# KASAN and lockdep make a TCG guest about 4 times slower.
case $v in *-debug) QEMU_TIMEOUT=${QEMU_TIMEOUT:-5400} ;; esac
QEMU_TIMEOUT=${QEMU_TIMEOUT:-1800}
# What the command line says for the architecture: x86's clock
# (guest_clock); on arm64 two 32 MiB hugetlb pages, which cannot be had
# at run time without CONTIG_ALLOC (scripts/guest/init, cow.c).
# QEMU_CPU: the arm64 guest's CPU model (x86: guest_cpu, lib.sh). The CPU
# model is in the results key on both.
case $LAB_ARCH in
x86_64) console=ttyS0 archargs=$(guest_clock) cpu=$(guest_cpu "$v") ;;
arm64) console=ttyAMA0 archargs="hugepagesz=32M hugepages=2"
	clk=$(guest_clock)
	[ -z "$clk" ] || archargs="$archargs $clk"
	cpu=${QEMU_CPU:-max,pauth-impdef=on} ;;
esac
keyextra=" cpu=$cpu"
# LAB_INJECT and LAB_NODES go into the kernel command line as they are:
# a space (or a quote) there would add parameters of its own, such as
# lab.stress=0, and the guest would record them as asked. Only the known
# faults, a node text made of the characters of the node labels, and
# switches that are 0 or 1.
case ${LAB_INJECT:-} in
'' | panic | hang | warn | bug | expect | nothp | nodmasg | kill | taint | compliance) ;;
*) die "LAB_INJECT=$LAB_INJECT: one of panic hang warn bug expect nothp nodmasg kill taint compliance" ;;
esac
for sw in "COMPLIANCE=${COMPLIANCE:-1}" "MM_TESTS=${MM_TESTS:-1}" "STRESS=${STRESS:-1}" "COW=${COW:-1}"; do
	case ${sw#*=} in 0 | 1) ;; *) die "$sw: 0 or 1" ;; esac
done
[[ ${LAB_MODE:-check} =~ ^[a-z]+$ ]] || die "LAB_MODE=$LAB_MODE: a word of lower-case letters (check, compliance, bench, ...)"
[[ ${LAB_NODES:-} =~ ^[A-Za-z0-9/_-]*$ ]] ||
	die "LAB_NODES=$LAB_NODES: letters, digits, '/', '_' and '-' only (a part of a node label, such as vim2m or vivid-004)"
[ -z "$(boot_args "$v")" ] || archargs="$archargs $(boot_args "$v")"
# make bench's switches, for scripts/guest/bench.c (scripts/bench.sh).
benchargs=
if [ "${LAB_MODE:-check}" = bench ]; then
	{ [[ ${BENCH_REPS:-7} =~ ^[1-9][0-9]*$ ]] && [ "${BENCH_REPS:-7}" -le 64 ]; } ||
		die "BENCH_REPS=$BENCH_REPS: 1 to 64 repetitions"
	case ${BENCH_QUICK:-0} in 0 | 1) ;; *) die "BENCH_QUICK=$BENCH_QUICK: 0 or 1" ;; esac
	bench_cases_valid
	benchargs="lab.quick=${BENCH_QUICK:-0}${BENCH_REPS:+ lab.reps=$BENCH_REPS}${BENCH_CASES:+ lab.cases=$BENCH_CASES}"
fi
# printk.devkmsg=on: the guest's "lab: run NAME" lines in the kernel log
# (scripts/guest/init) are not rate-limited away.
cmdline="console=$console panic=-1 loglevel=4 printk.devkmsg=on $archargs lab.mode=${LAB_MODE:-check} lab.expect=$expect lab.compliance=${COMPLIANCE:-1} lab.mm=${MM_TESTS:-1} lab.stress=${STRESS:-1} lab.cow=${COW:-1} lab.fuzzmin=$(fuzz_min "$v") ${LAB_INJECT:+lab.inject=$LAB_INJECT} ${LAB_NODES:+lab.nodes=$LAB_NODES}${benchargs:+ $benchargs}"
mkdir -p "$RES"

# Results stay valid while the kernel, the initramfs (tests included) and
# the options are the same: a warm run does not boot again. RETEST=1 does.
key=$( (sha256sum "$OBJ/$KIMAGE" "$OBJ/initramfs.cpio.gz" | cut -d' ' -f1
	echo "$cmdline ${QEMU_EXTRA:-}$keyextra mem=$mem smp=$GUEST_CPUS") | sha256sum | cut -c1-16)
if [ "${RETEST:-0}" = 0 ] && [ "$(cat "$RES/key" 2>/dev/null)" = "$key" ]; then
	say "$v: results up to date (same kernel, initramfs and options; RETEST=1 boots again)"
	exit 0
fi
rm -f "$RES"/*.log "$RES"/*.tap "$RES/qemu.rc" "$RES/key"

qemu() {
	if [ "$LAB_ARCH" = arm64 ]; then
		qemu_arm64 "$@"
		return
	fi
	# shellcheck disable=SC2086
	timeout "$QEMU_TIMEOUT" qemu-system-x86_64 "$@" -nodefaults -no-reboot \
		-display none -m "$mem" -smp "$(qemu_smp "$GUEST_CPUS")" \
		-kernel "$OBJ/bzImage" -initrd "$OBJ/initramfs.cpio.gz" \
		-append "$cmdline" \
		-serial "file:$RES/console.log" -serial "file:$RES/results.tap" \
		-serial "file:$RES/dmesg.log" -serial "file:$RES/compliance.log" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		${QEMU_EXTRA:-} >"$RES/qemu.out" 2>&1
}
# arm64: the console on the PL011; results, dmesg and v4l2-compliance on
# virtio-serial ports the guest finds by name (/sys/class/virtio-ports);
# lab-exit ends QEMU through semihosting (SYS_EXIT, from user space: it
# gives QEMU the status, as isa-debug-exit does on x86). Semihosting
# also lets the guest open host files: the lab's guest runs only the
# lab's programs.
qemu_arm64() {
	local p ports=() res=${RES//,/,,}
	# (a comma in a QEMU option value is written twice)
	for p in results:results.tap dmesg:dmesg.log compliance:compliance.log; do
		ports+=(-chardev "file,id=${p%%:*},path=$res/${p#*:}"
			-device "virtserialport,chardev=${p%%:*},name=lab.${p%%:*}")
	done
	# shellcheck disable=SC2086
	timeout "$QEMU_TIMEOUT" qemu-system-aarch64 "$@" -machine virt -nodefaults -no-reboot \
		-display none -m "$mem" -smp "$(qemu_smp "$GUEST_CPUS")" \
		-kernel "$OBJ/Image" -initrd "$OBJ/initramfs.cpio.gz" \
		-append "$cmdline" \
		-serial "file:$RES/console.log" \
		-device virtio-serial-device "${ports[@]}" \
		-semihosting-config enable=on,target=native,userspace=on \
		${QEMU_EXTRA:-} >"$RES/qemu.out" 2>&1
}

# TCG unless LAB_ACCEL=kvm: on the machines this lab runs on, /dev/kvm
# exists but QEMU either aborts on MSR 0x10a with -cpu host or starts a
# guest that prints nothing until the timeout, so trying KVM first costs a
# whole QEMU_TIMEOUT. With LAB_ACCEL=kvm a QEMU that fails to start falls
# back to TCG. An arm64 guest on this x86 host is TCG in any case.
set +e
rc=2
if [ "${LAB_ACCEL:-tcg}" = kvm ] && [ "$LAB_ARCH" = x86_64 ]; then
	# A subshell, so that a QEMU that aborts leaves no job message.
	(qemu -accel kvm -cpu host) 2>/dev/null
	rc=$?
	[ "$rc" = 1 ] || [ "$rc" = 0 ] || [ "$rc" = 124 ] || say "$v: KVM failed (status $rc), falling back to TCG"
	echo kvm >"$RES/accel"
fi
if [ "$rc" != 1 ] && [ "$rc" != 0 ] && [ "$rc" != 124 ]; then
	qemu -accel tcg -cpu "$cpu"
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
# A guest whose clock is not the TSC (on arm64: the architected timer,
# arch_sys_counter), at the start or at the end of its run, is a lab
# error: its timestamps (v4l2-compliance keys buffers by them) and
# timings mean nothing, whatever the tests said.
clocks=$(sed -n 's/^# lab: clocksource //p' "$RES/results.tap" | tr -d '\r' | sort -u | tr '\n' ' ')
if [ "$clocks" != "$GUEST_CLOCK " ]; then
	grep -iE 'tsc|clocksource|arch_timer' "$RES/dmesg.log" | head -n 8 >&2 || true
	hint=" (TSC calibration failed?)"
	[ "$GUEST_CLOCK" = tsc ] || hint=""
	die "$v: lab error, not a test result: the guest's clocksource was '${clocks% }', not $GUEST_CLOCK$hint; its results are void"
fi
echo "$key" >"$RES/key"
