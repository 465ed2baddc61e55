#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What run_kselftest.sh runs for media_userptr: set up what
# media_userptr_test needs, run it, and restore what was found.
#
# As root it loads vivid (five instances: vmalloc and, where this kernel's
# vivid has it, dma-sg, single- and multi-planar, and one with dma-contig
# whose MMAP buffers are the vb2_pfnmap kind's memory), and vim2m once per
# allocator where vim2m has the "allocator" parameter (vmalloc,
# dma-contig, dma-sg; else once); it mounts a tmpfs with huge=always for
# MEDIA_USERPTR_THP_DIR and a ramfs for MEDIA_USERPTR_DIR (unless they are
# set), and reserves hugetlb pages. Afterwards it unloads what it loaded,
# loads again, with the parameters they had, the modules it unloaded, and
# puts back nr_hugepages and the mounts.
#
# One KTAP document for all the runs: the program runs once per vim2m
# allocator, each run selecting (MEDIA_USERPTR_ONLY) the device variants
# that only it can test: the first run vivid and vim2m's vmalloc variants,
# the second vim2m on dma-contig, the third on dma-sg. The plan is every
# case of the program (a first run that selects nothing lists them), each
# case is reported once, by the run that selected it, with its own name,
# numbered in the order reported; the runs' own plans and totals become
# comments, and one "# Totals:" line ends the document. A run that ends
# before reporting all its cases (a crash, a signal) leaves each of them
# "not ok", saying so, and the exit status is then that run's.
#
# Exit status: 0 when no case failed and one passed, 1 when a case failed
# or something could not be set up, 4 (skip) when every case skipped,
# when not root, and when neither vivid nor vim2m is built.
#
# MEDIA_USERPTR_EXPECT and MEDIA_USERPTR_KNOWN_BUGS go to the program (see
# its header); MEDIA_USERPTR_VIVID_PARAMS replaces vivid's parameters.

ksft_skip=4
here=$(cd "$(dirname "$0")" && pwd)
prog=$here/media_userptr_test
tmp=""
say() {
	echo "# ${0##*/}: $*"
}

echo "TAP version 13"
# Before the plan: the whole program skips.
skip_all() {
	echo "1..0 # SKIP $*"
	exit $ksft_skip
}
# fail WHY: something the cases need could not be set up.
fail() {
	echo "Bail out! $*"
	exit 1
}

[ "$(id -u)" = 0 ] ||
	skip_all "not root: loading drivers, mounting and reserving hugetlb pages need root"
[ -x "$prog" ] || fail "no $prog"

# exists MODULE: the module is built, as a module or into the kernel.
exists() {
	[ -d "/sys/module/$1" ] && return 0
	# Its output, not its status: busybox's modinfo exits with 0 for a
	# module it cannot find.
	[ -n "$(modinfo -F filename "$1" 2>/dev/null)" ] && return 0
	[ -n "$(find "/lib/modules/$(uname -r)" -name "$1.ko*" 2>/dev/null | head -n 1)" ]
}
# params MODULE: its parameters as they are now, as modprobe takes them.
params() {
	for p in /sys/module/"$1"/parameters/*; do
		[ -r "$p" ] || continue
		printf '%s=%s ' "${p##*/}" "$(cat "$p")"
	done
}
# built_in MODULE: it is in the kernel, not a module.
built_in() {
	[ -d "/sys/module/$1" ] && [ ! -e "/sys/module/$1/initstate" ]
}

have_vivid=1 have_vim2m=1
exists vivid || have_vivid=0
exists vim2m || have_vim2m=0
[ $have_vivid = 1 ] || [ $have_vim2m = 1 ] ||
	skip_all "vivid and vim2m are not built (CONFIG_VIDEO_VIVID, CONFIG_VIDEO_VIM2M)"

# What is restored at the end.
reload_vivid="" reload_vim2m="" loaded_vivid=0 loaded_vim2m=0 mounts="" hugetlb=""
pid=""
# shellcheck disable=SC2317 # (called by the trap)
restore() {
	trap - EXIT INT TERM
	# A run still going (the runner's timeout): the program and the
	# processes of its cases, each in a process group of its own.
	if [ -n "$pid" ]; then
		for p in /proc/[0-9]*; do
			read -r _ _ _ ppid _ <"$p/stat" 2>/dev/null || continue
			[ "$ppid" != "$pid" ] || kill -KILL "${p#/proc/}" 2>/dev/null
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	[ "$loaded_vim2m" = 0 ] || rmmod vim2m 2>/dev/null || say "could not unload vim2m"
	[ "$loaded_vivid" = 0 ] || rmmod vivid 2>/dev/null || say "could not unload vivid"
	# shellcheck disable=SC2086
	[ -z "$reload_vivid" ] || modprobe vivid $reload_vivid ||
		say "could not load vivid again with $reload_vivid"
	# shellcheck disable=SC2086
	[ -z "$reload_vim2m" ] || modprobe vim2m $reload_vim2m ||
		say "could not load vim2m again with $reload_vim2m"
	for m in $mounts; do
		umount "$m" && rmdir "$m"
	done
	for h in $hugetlb; do
		echo "${h#*=}" >"${h%%=*}"
	done
	[ -z "$tmp" ] || rm -rf "$tmp"
}
trap restore EXIT
trap 'exit 1' INT TERM

# unload MODULE: unload it if it is loaded, to be loaded as the cases
# need it, and again as it was at the end.
unload() {
	[ -d "/sys/module/$1" ] || return 0
	if built_in "$1"; then
		say "$1 is built into the kernel: testing the devices it has"
		return 1
	fi
	r=$(params "$1")
	rmmod "$1" || fail "$1 is loaded and cannot be unloaded (in use?)"
	[ "$1" = vivid ] && reload_vivid=${r:- } || reload_vim2m=${r:- }
	return 0
}

tmp=$(mktemp -d /tmp/media_userptr.XXXXXX) || fail "no temporary directory"

# vivid: instances 0-3 for the vmalloc and dma-sg memops, single- and
# multi-planar; 4 with dma-contig, for the MMAP buffers of vb2_pfnmap.
# dma-sg (allocators=2) only where this vivid has it: another one takes
# vmalloc for it, and the dma-sg variants skip.
if [ $have_vivid = 1 ] && unload vivid; then
	sg=0
	ko=$(find "/lib/modules/$(uname -r)" -name 'vivid.ko' 2>/dev/null | head -n 1)
	{ modinfo -p vivid 2>/dev/null | grep -q '2 == dma-sg' ||
		{ [ -n "$ko" ] && grep -q '2 == dma-sg' "$ko"; }; } && sg=2
	vp="n_devs=5 node_types=0x101,0x101,0x101,0x101,0x101 multiplanar=1,1,2,2,1"
	vp=${MEDIA_USERPTR_VIVID_PARAMS:-$vp allocators=0,$sg,0,$sg,1}
	say "modprobe vivid $vp"
	# shellcheck disable=SC2086
	modprobe vivid $vp || fail "vivid is built but did not load (modprobe vivid $vp)"
	loaded_vivid=1
	[ $sg = 2 ] || say "this vivid has no dma-sg allocator: its dma-sg variants skip"
elif [ $have_vivid = 0 ]; then
	say "vivid is not built (CONFIG_VIDEO_VIVID): its cases skip"
fi

# vim2m: once per allocator where it has the parameter.
allocators=none
if [ $have_vim2m = 1 ] && unload vim2m; then
	if modinfo -p vim2m 2>/dev/null | grep -q '^allocator:'; then
		allocators="0 1 2"
	else
		allocators=default
	fi
elif [ $have_vim2m = 0 ]; then
	say "vim2m is not built (CONFIG_VIDEO_VIM2M): its cases skip"
fi

# File systems: a tmpfs that makes huge pages, for the pagecache THP case
# (where the kernel has THP), and a ramfs for the files.
# mnt TYPE OPTIONS: a mount of its own, $tmp/TYPE.
mnt() {
	mkdir -p "$tmp/$1" && mount -t "$1" -o "$2" "media_userptr_$1" "$tmp/$1" || return 1
	mounts="$tmp/$1 $mounts"
}
if [ -z "${MEDIA_USERPTR_THP_DIR:-}" ] && [ -d /sys/kernel/mm/transparent_hugepage ]; then
	mnt tmpfs huge=always,size=8m,mode=0700 ||
		fail "a tmpfs with huge=always could not be mounted, with THP in the kernel"
	export MEDIA_USERPTR_THP_DIR="$tmp/tmpfs"
fi
if [ -z "${MEDIA_USERPTR_DIR:-}" ]; then
	mnt ramfs mode=0700 || fail "a ramfs could not be mounted"
	export MEDIA_USERPTR_DIR="$tmp/ramfs"
fi
say "files in $MEDIA_USERPTR_DIR, the pagecache THP in ${MEDIA_USERPTR_THP_DIR:-(no THP)}"

# hugetlb pages: of the default size, and arm64's 64 KiB ones (a buffer
# takes up to 64) and 32 MiB ones; each at least as many as the cases need.
# reserve FILE N
reserve() {
	[ -w "$1" ] || return 0
	read -r was <"$1"
	[ "$was" -lt "$2" ] || return 0
	hugetlb="$hugetlb $1=$was"
	echo "$2" >"$1" 2>/dev/null
	read -r now <"$1"
	[ "$now" -ge "$2" ] || say "$1: $now hugetlb pages of the $2 wanted"
}
reserve /proc/sys/vm/nr_hugepages 16
reserve /sys/kernel/mm/hugepages/hugepages-64kB/nr_hugepages 64
reserve /sys/kernel/mm/hugepages/hugepages-32768kB/nr_hugepages 2

# The plan: every case the program has, in its order, from a run that
# selects none of them.
[ -z "${MEDIA_USERPTR_ONLY+set}" ] ||
	say "MEDIA_USERPTR_ONLY is the script's own: run $prog by hand for a part of it"
MEDIA_USERPTR_ONLY=" " "$prog" >"$tmp/list" 2>&1
rc=$?
awk '/^#  RUN / { print $3 }' "$tmp/list" >"$tmp/names"
total=$(wc -l <"$tmp/names")
if [ $rc != 0 ] || [ "$total" = 0 ]; then
	sed 's/^/# /' "$tmp/list"
	echo "Bail out! listing the cases: $prog ended with exit status $rc, listed $total cases"
	[ $rc = 0 ] && exit 1 || exit $rc
fi
echo "1..$total"
n=0 pass=0 fail=0 skip=0 status=0

# scope ONLY: the names of the cases whose variant contains one of the
# comma-separated texts of ONLY (all of them for "").
scope() {
	awk -v only="$1" '{
		split($0, w, "."); k = split(only, t, ",")
		if (only == "") { print; next }
		for (i = 1; i <= k; i++) if (t[i] != "" && index(w[2], t[i])) { print; next }
	}' "$tmp/names"
}
# failed WHY: each case of the list on stdin that is not in $tmp/done,
# reported failed, for WHY.
failed() {
	while read -r name; do
		grep -qxF "$name" "$tmp/done" 2>/dev/null && continue
		n=$((n + 1)) fail=$((fail + 1))
		echo "not ok $n $name # $1"
	done
}

# run LABEL ONLY: one run of the program, selecting ONLY (texts for
# MEDIA_USERPTR_ONLY, "" for every variant); its cases are printed as
# cases of this document, numbered from n + 1 on. The program and the
# filter run in the background, so that a signal (the runner's timeout)
# reaches the trap at once.
run() {
	say "run: $1${2:+, variants $2}"
	rm -f "$tmp/fifo" "$tmp/done" "$tmp/counts"
	mkfifo "$tmp/fifo" || fail "mkfifo $tmp/fifo"
	if [ -n "$2" ]; then
		MEDIA_USERPTR_ONLY=$2 "$prog" >"$tmp/fifo" 2>&1 &
	else
		env -u MEDIA_USERPTR_ONLY "$prog" >"$tmp/fifo" 2>&1 &
	fi
	pid=$!
	awk -v n="$n" -v done="$tmp/done" -v counts="$tmp/counts" '
	function flush(  i) { for (i = 0; i < nb; i++) print buf[i]; nb = 0 }
	BEGIN { nb = 0; cur = ""; p = 0; f = 0; s = 0; printf "" >done }
	# the run'"'"'s own header, plan and totals
	/^TAP version / || /^1\.\.[0-9]+/ || /^# Starting [0-9]+ tests/ { next }
	/^# (PASSED|FAILED): / || /^# Totals: / { print "# run: " substr($0, 3); next }
	/^#  RUN / { flush(); cur = $3; buf[nb++] = $0; next }
	/^(not )?ok [0-9]+/ {
		st = $1 == "not" ? "not ok" : "ok"
		rest = $0; sub(/^(not )?ok [0-9]+ ?/, "", rest)
		dir = ""
		if (substr(rest, 1, 1) == "#") dir = rest
		else if ((i = index(rest, " # ")) > 0) dir = substr(rest, i + 1)
		# a case of another run
		if (dir ~ /^# SKIP not selected by MEDIA_USERPTR_ONLY/) { nb = 0; cur = ""; next }
		name = cur != "" ? cur : "?unnamed"
		flush()
		printf "%s %d %s%s\n", st, ++n, name, dir == "" ? "" : " " dir
		print name >done
		cur = ""
		if (st == "not ok") f++
		else if (dir ~ /^# SKIP/) s++
		else p++
		fflush()
		next
	}
	{ if (cur != "") buf[nb++] = $0; else print }
	# a case the run began and never reported: not a "RUN" line of the
	# document, whose next result would be taken for it
	END {
		if (cur != "")
			sub(/^#  RUN /, "# unfinished: ", buf[0])
		flush(); close(done); printf "%d %d %d %d\n", n, p, f, s >counts
	}
	' <"$tmp/fifo" &
	wait $!
	wait "$pid"
	rc=$?
	pid=""
	read -r n p f s <"$tmp/counts"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	case $rc in
	0 | 1) ;;
	*) say "run: $1: exit status $rc (killed, crashed or timed out)"
		status=$rc ;;
	esac
	scope "$2" >"$tmp/scope"
	failed "the program ended (exit status $rc) before this case ended" <"$tmp/scope"
}

# vim2m ARGS: load vim2m so.
vim2m() {
	if [ $loaded_vim2m = 1 ]; then
		rmmod vim2m || fail "vim2m cannot be unloaded"
		loaded_vim2m=0
	fi
	# shellcheck disable=SC2086
	modprobe vim2m $1 default_transtime=1 || return 1
	loaded_vim2m=1
}

# (where modinfo could not tell, the loaded module can)
vim2m_loaded=0
if [ "$allocators" = default ] && vim2m ""; then
	vim2m_loaded=1
	[ ! -e /sys/module/vim2m/parameters/allocator ] || allocators="0 1 2"
fi
[ "$allocators" != default ] ||
	say "this vim2m has no allocator parameter: only vmalloc, its other variants skip"
case $allocators in
none)
	run "every variant" "" ;;
default)
	if [ $vim2m_loaded = 1 ]; then
		run "every variant" ""
	else
		run "vivid (vim2m did not load)" vivid_
		: >"$tmp/done"
		scope vim2m_ >"$tmp/scope"
		failed "vim2m is built but did not load" <"$tmp/scope"
	fi ;;
*)
	for a in $allocators; do
		case $a in
		0) only=vivid_,vim2m_out_vmalloc,vim2m_cap_vmalloc memop=vmalloc ;;
		1) only=vim2m_out_dma_contig,vim2m_cap_dma_contig memop=dma-contig ;;
		2) only=vim2m_out_dma_sg,vim2m_cap_dma_sg memop=dma-sg ;;
		esac
		if vim2m "allocator=$a"; then
			run "vim2m allocator=$a ($memop)" "$only"
		else
			say "vim2m is built but did not load with allocator=$a"
			[ "$a" != 0 ] || run "vivid (vim2m did not load)" vivid_
			: >"$tmp/done"
			scope "${only#vivid_,}" >"$tmp/scope"
			failed "vim2m allocator=$a did not load" <"$tmp/scope"
		fi
	done ;;
esac

echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
[ "$n" = "$total" ] || { say "reported $n cases of $total"; [ "$status" != 0 ] || status=1; }
[ "$status" = 0 ] || exit "$status"
[ "$fail" = 0 ] || exit 1
[ "$pass" != 0 ] || exit $ksft_skip
exit 0
