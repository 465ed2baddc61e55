# shellcheck shell=bash
# Shared helpers for the lab scripts: paths, progress lines, logs.
# Sourced, never executed.

set -eu
set -o pipefail

LAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$LAB_TOP/build}

# The architecture of the kernels and the guest: x86_64 (the default) or
# arm64 (cross-built, booted in qemu-system-aarch64), from ARCH (make
# check ARCH=arm64) or, in the phases lab.sh starts, LAB_ARCH. ARCH and
# CROSS_COMPILE leave the environment and MAKEFLAGS here, so that they
# reach no host build: the lab passes them to the kernel and selftest
# makes itself (lab_make_arch).
case ${ARCH:-${LAB_ARCH:-x86_64}} in
x86_64 | x86 | amd64) LAB_ARCH=x86_64 LAB_CROSS="" ;;
arm64 | aarch64) LAB_ARCH=arm64 LAB_CROSS=${CROSS_COMPILE:-${LAB_CROSS:-aarch64-linux-gnu-}} ;;
*) printf 'ERROR: ARCH=%s: the lab knows x86_64 and arm64\n' "${ARCH:-$LAB_ARCH}" >&2
	exit 1 ;;
esac
export LAB_ARCH LAB_CROSS
unset ARCH CROSS_COMPILE
if [ -n "${MAKEFLAGS:-}" ]; then
	MAKEFLAGS=$(printf '%s\n' "$MAKEFLAGS" | sed -E 's/(^| )(ARCH|CROSS_COMPILE)=[^ ]*//g')
	export MAKEFLAGS
fi
# The mainline tree: the tree the "upstream" and "stock" kernels are built
# from. DEFAULT_MAINLINE, 7.3: Debian's linux-source-7.3 (trixie-backports,
# scripts/source.sh), the newest tree Debian has, with
# patches/mainline-7.3/: make check's mainline judge. LAB_MAINLINE=6.12
# (make check LAB_MAINLINE=6.12) builds them from Debian's
# linux-source-6.12 with patches/mainline/ instead: the LTS line where the
# fixes' "Cc: stable" lands, which make ci runs as well (scripts/ci.sh).
# The kernels keep their names (upstream, stock), and so their
# expectations: what differs on a tree is said by the fact files' "TREE:"
# prefix (AWK_ARCH) and by the files named after the tree
# (lab-<tree>.config, guest/mmtests-<tree>, compliance.known-<tree>).
DEFAULT_MAINLINE=7.3
MAINLINE_TREE=${LAB_MAINLINE:-$DEFAULT_MAINLINE}
case $MAINLINE_TREE in
6.1) printf 'ERROR: LAB_MAINLINE=6.1: 6.1 is the series'"'"' tree; the mainline tree is %s (the default) or 6.12\n' "$DEFAULT_MAINLINE" >&2
	exit 1 ;;
[0-9]*.[0-9]*) [[ $MAINLINE_TREE =~ ^[0-9]+\.[0-9]+$ ]] || {
	printf 'ERROR: LAB_MAINLINE=%s: a tree, such as 6.12\n' "$MAINLINE_TREE" >&2
	exit 1; } ;;
*) printf 'ERROR: LAB_MAINLINE=%s: a tree, such as 6.12\n' "$MAINLINE_TREE" >&2
	exit 1 ;;
esac
LAB_MAINLINE=$MAINLINE_TREE
export LAB_MAINLINE
# ABUILD: where the artifacts of one architecture live: build/ itself for
# x86_64 (obj/, results/, selftest/, initramfs/, logs/), build/arm64/ for
# arm64 (the same, and sysroot/: the arm64 Debian packages the guest takes
# its programs from). The kernel trees (build/linux, build/am,
# build/linux-6.12, build/am-6.12, build/linux-7.3, ...) and build/host
# are shared. Another mainline tree than the default has an ABUILD of its
# own, build/mainline-<tree>/ (build/arm64/mainline-<tree>/): its kernels
# have the same names as the default's, and their objects, results and
# summary must not overwrite those of a default make check.
if [ "$LAB_ARCH" = x86_64 ]; then
	ABUILD=$BUILD
else
	ABUILD=$BUILD/$LAB_ARCH
fi
[ "$MAINLINE_TREE" = "$DEFAULT_MAINLINE" ] || ABUILD=$ABUILD/mainline-$MAINLINE_TREE
LOGS=$ABUILD/logs
mkdir -p "$LOGS"

# Time origin of the whole "make" invocation, so that every phase line shows
# the elapsed time since the user typed the command.
LAB_T0=${LAB_T0:-$(date +%s)}
export LAB_T0

elapsed() {
	local s=$(( $(date +%s) - LAB_T0 ))
	printf '%02d:%02d' $((s / 60)) $((s % 60))
}

say() {
	printf '[%s] %s\n' "$(elapsed)" "$*"
}

die() {
	printf '[%s] ERROR: %s\n' "$(elapsed)" "$*" >&2
	exit 1
}

# run_logged LOG CMD...: run CMD with its output in LOG; on failure print the
# last 50 lines of LOG and fail.
run_logged() {
	local log=$1
	shift
	if ! "$@" >"$log" 2>&1; then
		printf '[%s] ERROR: %s failed; last 50 lines of %s:\n' \
			"$(elapsed)" "$1" "$log" >&2
		tail -n 50 "$log" >&2
		exit 1
	fi
}

# phase NAME CMD...: one progress line per phase, with its duration.
phase() {
	local name=$1 t
	shift
	t=$(date +%s)
	"$@"
	say "$(printf '%-18s done in %ss' "$name" $(( $(date +%s) - t )))"
}

# Files whose content decides a step's output; hashing them gives the key
# under which the output is reused.
hash_files() {
	cat "$@" | sha256sum | cut -c1-16
}

# The x86 guest's CPU: QEMU's "max" (TCG), which has LA57, so the guest
# runs 5-level page tables. The debug kernels' CPU has no LA57. Their
# identify_cpu() clears boot_cpu_data's feature bits (memset) before it
# reads CPUID again, with interrupts on; until alternatives are patched,
# pgtable_l5_enabled() reads those bits. An interrupt in that window runs
# KASAN's check with 4-level bounds: the per-CPU address it checks, a
# 5-level one (0xff11...), is below them, and KASAN reports a wild access
# in rcu_is_watching(), a valid read. Read in 6.1.192 and 6.12.118; seen
# twice in make ci on patched-debug, and every time with the window made
# 100 ms long (an mdelay() after the memset), never with LA57 off.
# Nothing of the lab's kernels runs in that window; the kernels that are
# not debug kernels keep LA57 (no KASAN: the window is harmless there).
guest_cpu() {
	case $1 in
	*-debug) echo max,la57=off ;;
	*) echo max ;;
	esac
}
# guest_clock: the kernel command line for the guest's clock. The guest has no HPET, ACPI PM timer or kvmclock, and under
# TCG no TSC frequency in CPUID: it would calibrate the TSC against the PIT,
# which fails on a loaded host and leaves CLOCK_MONOTONIC on jiffies (4 ms
# steps), and v4l2-compliance then sees equal timestamps. Its TSC is the
# host's, so the host measures the frequency (scripts/host/tsc-khz.c,
# rounded to the MHz so that the results key stays the same) and passes it
# as tsc_early_khz=. tsc=reliable keeps the clocksource watchdog, which
# would judge the TSC against jiffies, from dropping it. LAB_CLOCK=bad
# forces the fallback instead (tsc=unstable), to show that the lab calls
# it a clock error, not a test failure.
# On arm64 the clocksource is the architected timer (arch_sys_counter),
# whose frequency the guest reads from CNTFRQ_EL0: nothing to calibrate,
# nothing to add; LAB_CLOCK=bad puts the guest on jiffies there.
guest_clock() {
	local khz=$BUILD/host/tsc-khz
	if [ "$LAB_ARCH" = arm64 ]; then
		case ${LAB_CLOCK:-tsc} in
		tsc) ;;
		bad) echo "clocksource=jiffies" ;;
		*) die "LAB_CLOCK=$LAB_CLOCK: tsc or bad" ;;
		esac
		return 0
	fi
	mkdir -p "$BUILD/host"
	[ "$khz" -nt "$LAB_TOP/scripts/host/tsc-khz.c" ] ||
		run_logged "$LOGS/tsc-khz.log" gcc -O2 -Wall -Wextra -o "$khz" "$LAB_TOP/scripts/host/tsc-khz.c"
	case ${LAB_CLOCK:-tsc} in
	tsc) echo "tsc_early_khz=$(( ($("$khz") + 500) / 1000 * 1000 )) tsc=reliable" ;;
	bad) echo "tsc=unstable" ;;
	*) die "LAB_CLOCK=$LAB_CLOCK: tsc or bad" ;;
	esac
}

# What depends on the architecture:
#   KARCH, KSRCARCH  the kernels' ARCH (for make) and their arch/ directory
#   LAB_MAKE_ARCH    what the kernel makes are given: ARCH, and
#                    CROSS_COMPILE when cross-building. On x86_64 ARCH=x86,
#                    what kbuild takes when ARCH is unset: with ARCH=x86_64
#                    tinyconfig gives another .config (64BIT has no prompt
#                    then, and its defaults follow: 4-level paging, no
#                    VMAP_STACK, ...).
#   ST_MAKE_ARCH     what the selftest makes are given: there ARCH=x86_64 is
#                    what they take from uname when it is unset
#   KIMAGE           the boot image: its make target, and its name in
#                    obj/<kernel>/
#   GUEST_CC         the compiler of the guest's programs (all static)
#   GUEST_CLOCK      the clocksource the guest's timestamps must come from
#   SYSROOT          the Debian packages of the guest's architecture that
#                    it takes busybox, v4l2-compliance and liburing from
#                    (scripts/deps.sh; x86_64 uses the host's)
#   LAB_TRIPLET      Debian's multiarch directory of the guest's
#                    architecture (/usr/lib/<triplet>), whatever compiler
#                    LAB_CROSS names
# shellcheck disable=SC2034
case $LAB_ARCH in
x86_64)
	KARCH=x86 KSRCARCH=x86 KIMAGE=bzImage GUEST_CC=gcc GUEST_CLOCK=tsc LAB_TRIPLET=x86_64-linux-gnu
	LAB_MAKE_ARCH=(ARCH=x86)
	ST_MAKE_ARCH=(ARCH=x86_64)
	SYSROOT="" ;;
arm64)
	KARCH=arm64 KSRCARCH=arm64 KIMAGE=Image GUEST_CC=${LAB_CROSS}gcc GUEST_CLOCK=arch_sys_counter
	LAB_TRIPLET=aarch64-linux-gnu
	LAB_MAKE_ARCH=(ARCH=arm64 "CROSS_COMPILE=$LAB_CROSS")
	ST_MAKE_ARCH=("${LAB_MAKE_ARCH[@]}")
	SYSROOT=$ABUILD/sysroot ;;
esac
export KARCH KSRCARCH KIMAGE GUEST_CC GUEST_CLOCK SYSROOT LAB_TRIPLET

# bench_cases_valid: BENCH_CASES, if set, names cases of
# scripts/guest/bench.c, comma-separated (a name it does not know would
# boot guests that run nothing).
BENCH_CASE_NAMES="zc_output pin_cost stream_cpu capture_file first_pin"
bench_cases_valid() {
	local c cases=${BENCH_CASES:-}
	[[ $cases =~ ^[a-z_]+(,[a-z_]+)*$ ]] || [ -z "$cases" ] ||
		die "BENCH_CASES=$cases: case names, comma-separated"
	for c in ${cases//,/ }; do
		case " $BENCH_CASE_NAMES " in *" $c "*) ;;
		*) die "BENCH_CASES: no case $c (there are: $BENCH_CASE_NAMES)" ;; esac
	done
}
# x86_only WHAT: stop a tool that knows only x86_64 (make series, bisect,
# clock-soak, seen-to-fail, try) when ARCH says otherwise.
x86_only() {
	[ "$LAB_ARCH" = x86_64 ] || die "$1 is x86_64 only for now (ARCH=$LAB_ARCH)"
}
# default_mainline_only WHAT: stop a tool that knows only the default
# mainline tree's facts and results (make series SERIES=6.1, bisect,
# clock-soak, report-to-fail) when LAB_MAINLINE names another tree.
default_mainline_only() {
	[ "$MAINLINE_TREE" = "$DEFAULT_MAINLINE" ] || die "$1 knows only the default mainline tree, $DEFAULT_MAINLINE, for now (LAB_MAINLINE=$MAINLINE_TREE)"
}
# lts_only WHAT: stop a tool whose patches or breaks are 6.12's (make
# bench's patches/proposed/, make seen-to-fail's breaks of the upstream
# kernel) unless the mainline tree is 6.12: those tools set LAB_MAINLINE
# to 6.12 themselves when it is unset, before sourcing this file.
lts_only() {
	[ "$MAINLINE_TREE" = 6.12 ] || die "$1 knows only the 6.12 tree for now (LAB_MAINLINE=$MAINLINE_TREE)"
}

# AWK_ARCH: an awk function, arch_field(f), for the columns of the fact
# files (scripts/expected-skips, scripts/cow-expected, scripts/known-bugs)
# that may name one architecture: "arm64:WHAT" holds on arm64 only, and
# gives WHAT there and "" elsewhere; an entry without such a prefix holds
# everywhere, as it is. Likewise a mainline tree: "7.3:WHAT" holds only
# when the mainline tree is 7.3 (LAB_MAINLINE, the default), "6.12:WHAT"
# only on 6.12; both prefixes may stand, the architecture's first
# ("arm64:7.3:upstream"). The awk program needs -v arch="$LAB_ARCH"; the
# tree it takes from the environment (LAB_MAINLINE, exported above).
# shellcheck disable=SC2016
AWK_ARCH='function arch_field(f,   a) {
	if (match(f, /^(x86_64|arm64):/)) { a = substr(f, 1, RLENGTH - 1); if (a != arch) return ""; f = substr(f, RLENGTH + 1) }
	if (match(f, /^[0-9]+\.[0-9]+:/)) { a = substr(f, 1, RLENGTH - 1); if (a != ENVIRON["LAB_MAINLINE"]) return ""; f = substr(f, RLENGTH + 1) }
	return f }'

# Boot configurations: KERNEL@CONF is KERNEL, built and packed as it is,
# booted another way, with the kselftest alone; its results are its own
# (results/KERNEL@CONF/), held to KERNEL's expectations and to the
# expected skips that name KERNEL@CONF. The default guest has 2 GiB and
# no swiotlb; the configurations are those a user's machine has and the
# lab's would not:
#   mem6g    6 GiB: QEMU puts 3 GiB above 4 GiB, where a device with a
#            32-bit DMA mask has its buffers bounced through swiotlb
#   swiotlb  swiotlb=force: every streaming DMA mapping is bounced, as in
#            a confidential computing guest
# boot_kernel V: the kernel a variant boots; boot_conf V: its
# configuration (empty for the default); boot_mem V, boot_args V: the
# guest's memory and the kernel arguments it adds.
BOOT_CONFS="mem6g swiotlb"

# The guest's CPUs. The lab gave QEMU "-smp 2", one socket of two cores;
# the x86 guest, which has no ACPI (scripts/lab.config), finds its CPUs in
# SeaBIOS's MP table, which lists one CPU a socket, so every guest ran on
# one CPU. qemu_smp N gives N sockets of one core: N CPUs in the guest.
# make check and make ci boot GUEST_CPUS, one, as every result so far was
# measured: with two, the one make ci run (at a663cb6) had our tests green
# but two of the kernel's own selftests failed once, uffd-unit-tests'
# events test (UFFDIO_COPY ENOENT, on upstream: a race of the test's
# own, which mainline's test has since fixed and the lab backports,
# patches/mainline/lab/0014; 0015 is another such fix, for a failure
# seen with one CPU) and a cow.c case that MADV_PAGEOUT could
# not swap out (on patched-debug). Until the second is understood the lab
# stays on one, and says so: the guest reports its CPUs ("# lab: cpus")
# and report.sh holds them to GUEST_CPUS. scripts/try.sh boots two
# (TRY_CPUS), for the threaded reproducers.
# shellcheck disable=SC2034 # (boot.sh, report.sh)
GUEST_CPUS=1
qemu_smp() {
	echo "$1,sockets=$1"
}
boot_kernel() {
	echo "${1%%@*}"
}
boot_conf() {
	case $1 in
	*@*) local c=${1#*@}
		case " $BOOT_CONFS " in *" $c "*) echo "$c" ;;
		*) die "$1: no boot configuration $c (there are: $BOOT_CONFS)" ;; esac ;;
	esac
}
boot_mem() {
	case $(boot_conf "$1") in
	mem6g) echo 6G ;;
	*) echo 2G ;;
	esac
}
boot_args() {
	case $(boot_conf "$1") in
	swiotlb) echo "swiotlb=force" ;;
	esac
}

# fuzz_min KERNEL: the least calls judged on each video node that the
# fuzzer makes on a kernel (scripts/guest/fuzz.c FUZZ_MIN_CALLS, given
# by boot.sh), and that report.sh then requires. The fuzzer has 50 s for
# all the nodes; make ci on a clean clone made 5776 to 10000 calls a node
# on the kernels without debugging, 357 to 3525 on the debug kernels
# (patched-debug 357 to 814), so a debug kernel is held to less. A node
# stops at this many calls only once its share of the 50 s is over: one
# that stalled (268 calls, on a patched kernel whose other nodes made
# 4201 to 10000) still gets its minimum, and the run stays bounded by the
# fuzzer's alarm.
fuzz_min() {
	case $1 in *-debug*) echo 100 ;; *) echo 1000 ;; esac
}

# The kernel trees. "6.1": Debian's linux-source-6.1 (or KSRC), where the
# series goes. The mainline tree (MAINLINE_TREE, above): "7.3",
# trixie-backports' linux-source-7.3 (or KSRC_MAINLINE), the nearest tree
# to mainline here, or with LAB_MAINLINE=6.12 Debian's linux-source-6.12
# (or KSRC_UPSTREAM), for the "upstream" kernel (with mainline_dir's series)
# and the "stock" one (Debian's kernel as it is, plus the selftest: what a
# CI that runs the kselftest on a distribution's kernel meets).
# variant_tree VARIANT: the tree a kernel variant is built from.
variant_tree() {
	case $1 in
	upstream* | stock*) echo "$MAINLINE_TREE" ;;
	*) echo 6.1 ;;
	esac
}
# mainline_dir [TREE]: the directory of the series the upstream kernel of
# a mainline tree gets (its "series" file names the patches in order):
# patches/mainline/ for 6.12, patches/mainline-<tree>/ for another (the
# 7.3 series, which make series SERIES=mainline mails, is
# patches/mainline-7.3/; 6.12's kept its first place).
mainline_dir() {
	local t=${1:-$MAINLINE_TREE}
	if [ "$t" = 6.12 ]; then echo "$LAB_TOP/patches/mainline"; else echo "$LAB_TOP/patches/mainline-$t"; fi
}
[ -f "$(mainline_dir "$MAINLINE_TREE")/series" ] ||
	{ printf 'ERROR: LAB_MAINLINE=%s: no %s/series\n' "$MAINLINE_TREE" "$(mainline_dir "$MAINLINE_TREE")" >&2; exit 1; }
# COW_TREE: the mainline tree whose upstream branch gives the 6.1 kernels
# mainline's cow.c (scripts/initramfs.sh, built against 6.1's uapi by
# scripts/cow/build.sh): 6.12, whatever LAB_MAINLINE says. 7.3's cow.c
# needs helpers (vm_util's log_test_*, hugepage_settings.c) that
# scripts/cow/compat.h does not give, and 6.12's is what the 6.1 kernels'
# expectations (scripts/cow-expected) were measured with. It is also the
# tree the 6.1 kernels' v4l2-compliance failures on nodes their baseline
# lacks (vim2m/1, vim2m/2, the dma-sg vivid nodes) are held against
# (scripts/compliance.sh): on 7.3 the dma-contig nodes import the vmalloc
# exporter's DMABUF buffers, which 6.1 and 6.12 refuse, because 7.3's
# vmalloc takes large blocks first (scripts/compliance.known-7.3), so 7.3
# has no entry to hold 6.1's against.
COW_TREE=6.12
# cow_tree_phases TREE...: the source and the upstream branch of COW_TREE
# where a 6.1 kernel is among the trees and no kernel of COW_TREE is: the
# 6.1 kernels' initramfs takes cow.c from there, in every mode (make
# check, bisect, bench).
cow_tree_phases() {
	case " $* " in
	*" $COW_TREE "*) ;;
	*" 6.1 "*)
		phase "source $COW_TREE" bash "$LAB_TOP/scripts/source.sh" "$COW_TREE"
		phase "tree $COW_TREE" bash "$LAB_TOP/scripts/tree.sh" "$COW_TREE" upstream ;;
	esac
}
# tree_dir TREE, am_dir TREE: its source (the kernels are built from it)
# and its worktree (where the branches are made).
tree_dir() {
	if [ "$1" = 6.1 ]; then echo "$BUILD/linux"; else echo "$BUILD/linux-$1"; fi
}
am_dir() {
	if [ "$1" = 6.1 ]; then echo "$BUILD/am"; else echo "$BUILD/am-$1"; fi
}
# tree_has_history DIR: the lab's tree in DIR has history: its "base" has a
# parent, as in a clone of a git KSRC (scripts/source.sh); a tree from a
# tarball, a plain directory or a shallow clone has none.
tree_has_history() {
	git -C "$1" rev-parse -q --verify 'base^1^{commit}' >/dev/null 2>&1
}
# lab_trees: the lab's kernel trees that scripts/source.sh made (build/linux,
# build/linux-<tree>), newest version first: "DIR VERSION" a line.
lab_trees() {
	local d
	for d in "$BUILD/linux" "$BUILD"/linux-*; do
		if [ ! -f "$d/.git/lab-version" ] || [ ! -f "$d/MAINTAINERS" ]; then continue; fi
		printf '%s %s\n' "$(cat "$d/.git/lab-version")" "$d"
	done | sort -V -r -k1,1 | awk '{ print $2, $1 }'
}
# history_objects DIR...: the object directories of those trees that have
# history, for GIT_ALTERNATE_OBJECT_DIRECTORIES (colon-separated): a commit
# id is then looked up in all of them (checkpatch's UNKNOWN_COMMIT_ID),
# without writing anything into any of them. Empty if none has history.
history_objects() {
	local d o out=""
	for d in "$@"; do
		tree_has_history "$d" || continue
		o=$(cd "$d" && cd "$(git rev-parse --git-common-dir)/objects" && pwd)
		out=${out:+$out:}$o
	done
	printf '%s\n' "$out"
}
# tree_variants TREE: its kernels, the first one built first (the others
# start from its objects).
tree_variants() {
	if [ "$1" = 6.1 ]; then echo "baseline mediaonly patched"; else echo "upstream stock"; fi
}

# The v4l2-compliance (and v4l2-ctl) a kernel's guest runs: Debian 12's
# v4l-utils 1.22, the host's own package (the arm64 sysroot's), or sid's
# 1.32, fetched by scripts/apt.sh with its own libraries and loader and
# carried under /opt/v4l-utils-1.32 in the guest (scripts/initramfs.sh).
# V4L_UTILS=1.32, the default, gives 1.32 to every kernel: 1.22 does not
# know what the mainline trees added (most of their 1.22 known lists were
# the tool), and on 6.1 1.32 runs more tests (1170 on the baseline's 11
# nodes) whose failures are each explained (scripts/compliance.known-6.1@1.32;
# the one 1.32 adds there is vivid's own rounding of CREATE_BUFS in 6.1).
# V4L_UTILS=1.22 (make check V4L_UTILS=1.22) gives 1.22 to every kernel,
# as before, held to the lists measured with it. One tool a tree: the gate
# holds a tree's kernels against each other and against the tree's known
# list, which is the tool's (known_list).
V4L_UTILS=${V4L_UTILS:-1.32}
case $V4L_UTILS in
1.22 | 1.32) ;;
*) printf 'ERROR: V4L_UTILS=%s: 1.32 (the default) or 1.22\n' "$V4L_UTILS" >&2
	exit 1 ;;
esac
export V4L_UTILS
# V4L132_PKGS: sid's packages 1.32 is taken from (scripts/deps.sh fetches
# them only when V4L_UTILS=1.32): v4l2-compliance and v4l2-ctl, and the
# libraries they need, down to sid's libc and its loader (the binaries
# need glibc 2.38, Debian 12 has 2.36). Not libudev1, libjson-c5 and
# libv4l2rds0t64: only media-ctl, v4l2-tracer and rds-ctl need them.
# V4L132_ROOT: where they are unpacked.
# shellcheck disable=SC2034 # (deps.sh, initramfs.sh)
V4L132_PKGS="v4l-utils libv4l-0t64 libv4lconvert0t64 libjpeg62-turbo libstdc++6 libgcc-s1 libc6"
# shellcheck disable=SC2034
V4L132_ROOT=$BUILD/v4l-utils-1.32/$LAB_ARCH
# known_list TREE VERSION: the tree's v4l2-compliance known failures for
# that version: scripts/compliance.known-<tree> for 1.22 (the lists as
# they always were), scripts/compliance.known-<tree>@<version> for another.
known_list() {
	if [ "$2" = 1.22 ]; then
		echo "$LAB_TOP/scripts/compliance.known-$1"
	else
		echo "$LAB_TOP/scripts/compliance.known-$1@$2"
	fi
}

# AWK_GLOB: an awk function, glob(g), that turns a shell glob (only *
# is special) into an anchored regular expression; spliced into the awk
# programs that read the lab's fact files.
# shellcheck disable=SC2016
AWK_GLOB='function glob(g) { gsub(/[.+^$(){}|\[\]\\]/, "\\\\&", g); gsub(/\*/, ".*", g); return "^" g "$" }'

# The kernels of make bisect (scripts/bisect.sh): commit-N is the 6.1 tree
# with the first N patches of patches/series, then the selftest commit, as
# every branch of scripts/tree.sh. What such a kernel must do follows from
# the subjects of the patches it has, never from their numbers, so that
# the series can change.
# series_subjects [N]: the subjects of the first N patches of patches/series
# (all of them without N), one a line, as git am makes them.
series_subjects() {
	local p n=0
	while read -r p; do
		case $p in '' | '#'*) continue ;; esac
		[ -z "${1:-}" ] || [ "$n" -lt "$1" ] || break
		n=$((n + 1))
		[ -f "$LAB_TOP/patches/$p" ] || die "patches/series names $p, which is missing"
		patch_subject "$LAB_TOP/patches/$p"
	done <"$LAB_TOP/patches/series"
}
# patch_subject FILE: the subject of a stored patch, as git am makes it
# (folded lines joined, the [PATCH ...] prefix dropped).
patch_subject() {
	awk '/^Subject: / {
		s = substr($0, 10)
		while ((getline l) > 0 && l ~ /^[ \t]/) s = s l
		sub(/^\[PATCH[^]]*\] /, "", s); print s; exit
	}' "$1"
}

# The patches that decide a commit's expectations: the pin's direction
# taken from the queue's, then FOLL_FORCE dropped.
NOFORCE_SUBJECT="media: videobuf2: do not pin USERPTR memory with FOLL_FORCE"
DIRECTION_SUBJECT="media: videobuf2: pin USERPTR memory for write only when the device writes"

# kernel_expect KERNEL: the kselftest's expectations (MEDIA_USERPTR_EXPECT)
# for a kernel. baseline, mediaonly, patched and upstream (with -debug or
# +BREAK) have their own; commit-N has
#   baseline   before the direction change (FOLL_FORCE | FOLL_WRITE);
#   direction  from then until FOLL_FORCE is dropped: pinned by direction,
#              still with FOLL_FORCE, after all the mm patches of the
#              series (subjects "mm..."), which come before it;
#   patched    once FOLL_FORCE is dropped too;
#   mediaonly  both media changes without any of the mm patches.
# The direction change comes first, as in mainline (e2fc6edd37ba, then
# cb78a634f3f7): no commit refuses a buffer that the baseline and the
# whole series accept.
kernel_expect() {
	local k=${1%%@*} s mm all
	k=${k%-debug}
	k=${k%%+*}
	case $k in
	commit-[0-9]*) ;;
	*) echo "$k"; return 0 ;;
	esac
	s=$(series_subjects "${k#commit-}")
	if ! grep -qxF "$DIRECTION_SUBJECT" <<<"$s"; then
		! grep -qxF "$NOFORCE_SUBJECT" <<<"$s" ||
			die "$k: FOLL_FORCE is dropped before the direction change: no expectations for that"
		echo baseline
		return 0
	fi
	mm=$(grep -cE '^mm[:/]' <<<"$s" || true)
	all=$(series_subjects | grep -cE '^mm[:/]' || true)
	if ! grep -qxF "$NOFORCE_SUBJECT" <<<"$s"; then
		[ "$mm" = "$all" ] ||
			die "$k: the direction change with $mm of the $all mm patches: no expectations for that"
		echo direction
	elif [ "$mm" = "$all" ]; then
		echo patched
	elif [ "$mm" = 0 ]; then
		echo mediaonly
	else
		die "$k: the media changes with $mm of the $all mm patches: no expectations for that"
	fi
}

# expected_skips KERNEL: the entries of scripts/expected-skips that hold for
# a kernel, with its name in the first column. That column is a kernel
# name or a glob of them ("commit-*"), and "GLOB until SUBJECT" holds for
# a commit-N kernel only while the patch with that subject is not in it
# (a subject that is not in patches/series is an error). "ARCH:KERNEL"
# holds on that architecture only (AWK_ARCH).
expected_skips() {
	local k=$1 s=""
	case $k in commit-[0-9]*) s=$(series_subjects "${k#commit-}") ;; esac
	# KERNEL@CONF: its own entries, then KERNEL's (the first that names a
	# case counts, so the file lists the KERNEL@CONF ones first).
	awk -F'\t' -v OFS='\t' -v kernel="$k" -v base="${k%%@*}" -v have="$s" -v all="$(series_subjects)" -v arch="$LAB_ARCH" '
	'"$AWK_GLOB"'
	function in_list(x, l) { return index("\n" l "\n", "\n" x "\n") > 0 }
	'"$AWK_ARCH"'
	/^#/ || NF < 4 { next }
	{
		who = arch_field($1); upto = ""
		if (who == "") next
		if ((i = index(who, " until ")) > 0) { upto = substr(who, i + 7); who = substr(who, 1, i - 1) }
		if (upto != "" && !in_list(upto, all)) {
			printf "scripts/expected-skips: no patch of patches/series is \"%s\"\n", upto > "/dev/stderr"
			err = 1; exit
		}
		if ((kernel !~ glob(who) && base !~ glob(who)) || (upto != "" && in_list(upto, have))) next
		$1 = kernel; print
	}
	END { exit err }' "$LAB_TOP/scripts/expected-skips"
}

# check_drift: what was tested must be what is committed, or the results
# (and the series that make series generates from the same files) describe
# code that nobody can check out. ALLOW_DIRTY=1 accepts it.
check_drift() {
	local dirty
	dirty=$(git -C "$LAB_TOP" status --porcelain -- patches tools/testing/selftests/media_userptr)
	[ -n "$dirty" ] || return 0
	echo "$dirty"
	[ "${ALLOW_DIRTY:-0}" = 1 ] ||
		die "drift: the kernels were tested with uncommitted changes to patches/ or the selftest (ALLOW_DIRTY=1 accepts that)"
	say "drift: tested with uncommitted changes (ALLOW_DIRTY=1)"
}

# kernel_has KERNEL SUBJECT: whether a kernel has the patch of
# patches/series with that subject: the baseline and the stock mainline
# kernel (with -debug or +BREAK) have none, commit-N the first N, every
# other kernel all of them (the upstream one has their mainline
# counterparts, patches/mainline).
kernel_has() {
	local k=${1%-debug}
	k=${k%%+*}
	case $k in
	baseline | stock) return 1 ;;
	commit-[0-9]*) series_subjects "${k#commit-}" | grep -qxF "$2" ;;
	*) return 0 ;;
	esac
}

# asked_switches TAP: what the guest recorded it was asked to run
# ("# lab: asked mode=... compliance=... mm=... stress=... cow=...
# inject=..." and "# lab: asked nodes=..."), as shell assignments
# (asked_mode=check ...), for eval; fails when the guest recorded nothing.
asked_switches() {
	tr -d '\r' <"$1" | awk '
	/^# lab: asked mode=/ {
		for (i = 4; i <= NF; i++) {
			k = $i; sub(/=.*/, "", k); val = substr($i, length(k) + 2)
			if (k ~ /^[a-z]+$/ && val ~ /^[A-Za-z0-9_]*$/) printf "asked_%s=%s\n", k, val
		}
		got = 1
	}
	/^# lab: asked nodes=/ { val = substr($0, 20); if (val ~ /^[A-Za-z0-9\/_-]*$/) printf "asked_nodes=%s\n", val; nodes = 1 }
	END { exit !(got && nodes) }'
}

# asked_nodes KERNEL TAP: the video nodes the guest asked for, from the
# module parameters it recorded ("# lab: asked vivid PARAMS", "# lab:
# asked vim2m allocator=N"), not from what came up: one a line, the sysfs
# name and the label scripts/guest/init gives the node (vivid by name and
# memop, vim2m by allocator). What a parameter means is the kernel's:
# without patch 7 vivid takes allocator 2 (dma-sg) for 0 (vmalloc), and
# without patch 9 vim2m has no allocator parameter (the guest then asks
# only for allocator 0). Prints "? WHY" for parameters it cannot read.
asked_nodes() {
	local sg=vmalloc va=0
	! kernel_has "$1" "media: vivid: add the dma-sg allocator" || sg=dma-sg
	! kernel_has "$1" "media: vim2m: add an allocator module parameter" || va=1
	tr -d '\r' <"$2" | awk -v sg="$sg" -v va="$va" '
	function hex(s,   v, i, c) {
		v = 0; s = tolower(s); sub(/^0x/, "", s)
		for (i = 1; i <= length(s); i++) {
			c = index("0123456789abcdef", substr(s, i, 1))
			if (!c) return -1
			v = v * 16 + c - 1
		}
		return v
	}
	/^# lab: asked vivid / {
		ndev = 1; ntypes = 0; nalloc = 0
		for (i = 5; i <= NF; i++) {
			k = $i; sub(/=.*/, "", k); val = substr($i, length(k) + 2)
			if (k == "n_devs") ndev = val + 0
			else if (k == "node_types") ntypes = split(val, types, ",")
			else if (k == "allocators") nalloc = split(val, alloc, ",")
		}
		if (ntypes < ndev) { print "? vivid: node_types names " ntypes " of " ndev " instances"; next }
		for (i = 1; i <= ndev; i++) {
			t = hex(types[i]); cap = int(t) % 2; out = int(t / 256) % 2
			if (t < 0 || t != cap + 256 * out) { print "? vivid: node_types " types[i] ": the lab knows only 0x1 (video capture) and 0x100 (video output)"; continue }
			a = (i <= nalloc) ? alloc[i] + 0 : 0
			m = a == 1 ? "dma-contig" : a == 2 ? sg : "vmalloc"
			if (cap) printf "vivid-%03d-vid-cap vivid-%03d-vid-cap/%s\n", i - 1, i - 1, m
			if (out) printf "vivid-%03d-vid-out vivid-%03d-vid-out/%s\n", i - 1, i - 1, m
		}
	}
	/^# lab: asked vim2m allocator=/ {
		a = substr($5, 11) + 0
		if (a == 0 || va) print "vim2m vim2m/" a
	}'
}
