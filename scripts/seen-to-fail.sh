#!/usr/bin/env bash
# Break the lab on purpose, one way at a time, and check that it fails, and
# says why:
#   scripts/seen-to-fail.sh [NAME...]      (make seen-to-fail; default: all)
# Each run is a make run, make check or make series with what is not
# needed turned off, so that it takes a minute or two; its output is in
# build/seen-to-fail/<name>.log and build/seen-to-fail/results.md has the
# table. Fails if a broken run passes, or fails without the expected words.
# The breaks of the upstream kernel run on 6.12 (LAB_MAINLINE=6.12) and,
# those named so, on 7.3, the default tree.
. "$(dirname "$0")/lib.sh"
x86_only "make seen-to-fail"
default_mainline_only "make seen-to-fail"

OUT=$BUILD/seen-to-fail
mkdir -p "$OUT"
quick="COMPLIANCE=0 STRESS=0 MM_TESTS=0 COW=0"
# "failed: RE": a case matching RE in a kernel's list of failed cases (a
# skip would not do)
failed_thp='failed: ^  userptr\.[a-z_]*\.shmem_thp_private$'
# a R/O long-term pin case of cow.c in non-anonymous memory
failed_cow='failed: ^  cow\.r_o_longterm_gup(_fast)?_pin\.(shared_zeropage|huge_zeropage|memfd|tmpfile|pmd_mapped_tmpfs_thp|memfd_hugetlb_[0-9]+_kb)$'
# make series' robot checks (scripts/robot.sh), one at a time, on a
# throwaway commit that breaks it on top of the series (ROBOT_BREAK), the
# kernel builds and boots of make series left out
robot_quick="BISECT=0 WARNINGS=0 BOOT=0"
# name <TAB> what breaks <TAB> the command's environment and target <TAB>
# what the output must say (an extended regular expression, or "failed: RE")
cases="kill	the test program dies of SIGSEGV mid-run	LAB_INJECT=kill $quick run	exit status 139
bug	a kernel BUG() (x86 prints no Oops)	LAB_INJECT=bug $quick run	dmesg is dirty
taint	a taint with no line in dmesg	LAB_INJECT=taint $quick run	tainted at the end of the run: 512
nodmasg	vivid loaded without its dma-sg instances	LAB_INJECT=nodmasg $quick run	unexpected skip: userptr.vivid_cap_dma_sg
nothp	tmpfs that cannot PMD-map the pagecache THP (huge=never)	LAB_INJECT=nothp $quick run	$failed_thp
nopmdguard	patch 1's do_set_pmd() guard removed	LAB_BREAK=nopmdguard $quick run	$failed_thp
anononly	patch 3's gup_must_unshare() back to anonymous pages only	LAB_BREAK=anononly COMPLIANCE=0 STRESS=0 MM_TESTS=0 run	$failed_cow
nolivelockfix	6.12 without the lab's stand-in for Zhang Yi's v2 (patches/mainline/lab/0001)	LAB_MAINLINE=6.12 LAB_BREAK=upstream+nolivelockfix $quick run	$failed_thp
norequestfix	6.12 without the vivid and vim2m request fixes (files 0003 and 0005 of patches/mainline)	LAB_MAINLINE=6.12 LAB_BREAK=upstream+norequestfix COMPLIANCE=0 MM_TESTS=0 run	v4l2_ctrl_request_complete
nom2mrequestfix	6.12 with vim2m validating requests without v4l2_m2m_request_validate() (file 0005 of patches/mainline undone)	LAB_MAINLINE=6.12 LAB_BREAK=upstream+nom2mrequestfix COMPLIANCE=0 MM_TESTS=0 run	v4l2_ctrl_request_complete
norequestfix73	7.3 without the vivid and vim2m request fixes (files 0003 and 0005 of patches/mainline-7.3 taken out)	LAB_BREAK=upstream+norequestfix COMPLIANCE=0 MM_TESTS=0 run	v4l2_ctrl_request_complete
nodcoffset	7.3 with dma-contig's USERPTR mapping as released (file 0009 of patches/mainline-7.3 undone)	LAB_BREAK=upstream+nodcoffset $quick run	failed: ^  userptr\.vim2m_(cap|out)_dma_contig\.unaligned$
compliance	v4l2-compliance cannot open its node	LAB_INJECT=compliance LAB_NODES=vim2m STRESS=0 MM_TESTS=0 MM_AB=0 UPSTREAM=0 check	no Total line
dma32	the test drivers' 32-bit DMA mask back, in a 6 GiB guest	LAB_BREAK=dma32 KERNELS=patched+dma32@mem6g $quick check	failed: ^  userptr\.vivid_cap_dma_sg\.
dma32swiotlb	the same, with swiotlb=force	LAB_BREAK=dma32 KERNELS=patched+dma32@swiotlb $quick check	failed: ^  userptr\.vivid_cap_dma_sg\.
clock	the guest's clock falls back to jiffies	LAB_CLOCK=bad $quick run	lab error, not a test result: the guest's clocksource
robot-clang	a u8 compared with 256, which only clang's W=1 reports	$robot_quick ROBOT_BREAK=clang ROBOT_CHECKS=clang series	warning: result of comparison of constant 256 with expression of type 'u8'
robot-i386	a pointer cast to u64, of another size on i386	$robot_quick ROBOT_BREAK=i386 ROBOT_CHECKS=i386 series	warning: cast from pointer to integer of different size
robot-nothp	a helper that only THP code calls	$robot_quick ROBOT_BREAK=nothp ROBOT_CHECKS=nothp series	warning: 'robot_break_nothp' defined but not used
robot-cocci	a NULL test before kfree()	$robot_quick ROBOT_BREAK=cocci ROBOT_CHECKS=cocci series	WARNING: NULL check before some freeing functions is not needed
robot-htmldocs	a title with too short an underline in the uAPI docs	$robot_quick ROBOT_BREAK=htmldocs ROBOT_CHECKS=htmldocs series	WARNING: Title underline too short
robot-spdx	an SPDX-License-Identifier of no license	$robot_quick ROBOT_BREAK=spdx ROBOT_CHECKS=spdx series	Invalid License ID: GPL-2.0-robot-break"

want=" $* "
{
	echo "| what breaks | command | what the lab said | time |"
	echo "|---|---|---|---|"
} >"$OUT/results.md"
bad=0
while IFS='	' read -r name what cmd expect; do
	[ "$want" = "  " ] || case $want in *" $name "*) ;; *) continue ;; esac
	t=$(date +%s)
	# shellcheck disable=SC2086
	if env RETEST=1 ALLOW_DIRTY=1 ${cmd% *} make -C "$LAB_TOP" "${cmd##* }" >"$OUT/$name.log" 2>&1; then
		say "$name: the lab passed although $what"
		bad=1
		continue
	fi
	case $expect in
	"failed: "*)
		said=$(awk -v re="${expect#failed: }" '
			/: failed cases:$/ { infail = 1; next }
			infail && /^  / { if ($0 ~ re) { print "failed:" $0; exit } next }
			{ infail = 0 }' "$OUT/$name.log") ;;
	*) said=$(grep -Eo -m1 "$expect.*" "$OUT/$name.log" | cut -c1-160 || true) ;;
	esac
	if [ -z "$said" ]; then
		say "$name: the lab failed, but without \"$expect\"; see $OUT/$name.log"
		bad=1
		continue
	fi
	say "$name: failed as it must ($(( $(date +%s) - t ))s): $said"
	# shellcheck disable=SC2016
	printf '| %s | `make %s` | %s | %ss |\n' "$what" "$cmd" "$said" $(( $(date +%s) - t )) >>"$OUT/results.md"
done <<<"$cases"
[ "$bad" = 0 ]
