#!/usr/bin/env bash
# make series [SERIES=6.1|mainline|livelock]: build a mailable series from
# one of the lab's branches, write it to build/series/<SERIES>/ and check it.
#   6.1       patches/ and the selftest commit, for 6.1.y: branch "patched"
#             of build/linux (the default)
#   mainline  the mainline series and the selftest commit, for the media
#             and mm trees: branch "upstream" of the mainline tree, 7.3
#             (patches/mainline-7.3/; LAB_MAINLINE=6.12: patches/mainline/
#             on Debian's 6.12)
#   livelock  our reply to Zhang Yi's "[PATCH v2] mm: do not install PMD
#             mappings when handling a COW fault" (scripts/reply-livelock.txt,
#             with the lab's figures of 7.3.4 and 6.12.118 with and without
#             v2's change) and, in reply to v2 too, our cow.c case
#             (patches/mainline-7.3/0002) as "[PATCH] selftests/mm: ...",
#             on branch "upstream" of build/linux-7.3 (LAB_MAINLINE=7.3,
#             which this series sets); no cover letter
# What is mailed is refs/mail-base/V..refs/mail/V (scripts/tree.sh records
# the last mailed commit, the selftest commit, in refs/mail/V); on 6.1 the
# lab's own patches/lab/*.patch follow it in every branch, and on the
# mainline tree the lab-only patches of patches/mainline*/lab/ (the
# stand-in for Zhang Yi's v2) come before refs/mail-base/V: neither is
# ever mailed.
# The checks, one line each; any failure fails the run:
#   - checkpatch --strict on every patch; a known item (KNOWN below) is
#     reported by name as open, and must be resolved before mailing;
#   - git am of the mbox onto a fresh base gives refs/mail/V, and
#     patches/lab/ on top of it the tree that make check tested;
#   - git send-email --dry-run accepts it (nothing is sent);
#   - every commit builds, in order (BISECT=0 skips it);
#   - W=1 and sparse (C=2) on the directories whose C files the series
#     changes: no new warning against the base (WARNINGS=0 skips it);
#   - the kernel test robot's checks (scripts/robot.sh), each against the
#     base, new findings only: clang LLVM=1 W=1, ARCH=i386 with PAE and
#     THP, x86_64 without THP and hugetlbfs (the objects of the changed C
#     files, in object dirs of their own), coccicheck, htmldocs of the
#     changed books, spdxcheck (ROBOT=0 skips them; their packages are
#     installed on first use; ROBOT_BREAK=NAME breaks one on purpose);
#   - on 6.1, every commit boots and passes the kselftest as that commit
#     must (make bisect, scripts/bisect.sh; BOOT=0 skips it).
# make series needs the trees (scripts/source.sh, scripts/tree.sh: a
# minute), not make check: the results of the last make check are reused
# when they are there, and when they are not (or are of another tree) the
# mail is made all the same, its results replaced by a [[NOT READY: ...]]
# paragraph that says which of the cover letter's claims are then
# untested, each an open item (NOT READY TO MAIL). Likewise the bisect
# build, W=1 and the boots: without make check's kernel (build/obj/V)
# they are not run unless asked for (BISECT=1, WARNINGS=1, BOOT=1), and
# each check not run is an open item. The robot's checks need no make
# check: they configure objects of their own.
# SERIES_VERSION=N sets the -vN of the series (default 1). RESULTS=DIR: the
# make check results the cover letter carries (default build/results).
# SERIES_COVER=FILE: another cover template than scripts/cover-letter*.txt.
# SERIES=livelock is 7.3's: its follow-up patch must apply on 7.3.4 with
# the lab's stand-in for v2, and its figures come from both mainline trees.
if [ "${SERIES:-6.1}" = livelock ]; then
	[ "${LAB_MAINLINE:-7.3}" = 7.3 ] || {
		echo "ERROR: SERIES=livelock is against 7.3 (LAB_MAINLINE=7.3), not LAB_MAINLINE=$LAB_MAINLINE" >&2
		exit 1
	}
	export LAB_MAINLINE=7.3
fi
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/reply.sh"
. "$(dirname "$0")/robot.sh"
x86_only "make series"
# SERIES=mainline is against the mainline tree (7.3, whose copy of the
# series has dw100's fix too, or LAB_MAINLINE's: 6.12); the 6.1 series
# takes its results from the default make check.
case ${SERIES:-6.1} in livelock | mainline) ;; *) default_mainline_only "make series SERIES=${SERIES:-6.1}" ;; esac

# What differs between the series: the tree and its tested kernel (V), how
# many of the mailed commits go (all, or the first N), what their subjects
# must be, the cover template, who else gets the cover letter, the kernels
# whose make check results it carries, and the subject prefix (PREFIX:
# the 6.1 series names the kernel it is for).
SERIES=${SERIES:-6.1}
PREFIX=PATCH
case $SERIES in
6.1) T=6.1 V=patched PICK=all MUST='' TEMPLATE=cover-letter.txt PREFIX='PATCH 6.1'
	# For distribution and vendor 6.1 trees, not for 6.1.y: the mainline
	# mm commits were never marked for stable, and they change behaviour
	# for every R/O long-term pinner (the cover letter says what). So the
	# stable list is not asked to take it; the maintainers and lists of
	# the code it changes get it.
	COVER_CC='' NEED="baseline patched" ;;
mainline) T=$MAINLINE_TREE V=upstream PICK=all MUST='' TEMPLATE=cover-letter-mainline.txt
	COVER_CC='' NEED=upstream ;;
# livelock: no series and no cover letter, but a reply (the template) and
# one patch, both in reply to v2 (the template's In-Reply-To); the
# figures are read where they are, and a missing one is an open item.
livelock) T=7.3 V=upstream PICK=1 MUST='^selftests/mm[/:]' TEMPLATE=reply-livelock.txt
	COVER_CC='' NEED='' ;;
*) die "SERIES=$SERIES: 6.1, mainline or livelock" ;;
esac
TREE=$(tree_dir "$T")
OUT=$BUILD/series/$SERIES
VERIFY=$BUILD/series-verify-$SERIES
RESULTS=${RESULTS:-$ABUILD/results}
TEMPLATE=${SERIES_COVER:-$LAB_TOP/scripts/$TEMPLATE}
# kernel.sh builds a variant from the branch of its name, on the tree that
# variant_tree() gives: upstream* is the mainline tree's.
BISECT_V=bisect
[ "$T" = 6.1 ] || BISECT_V=upstream-bisect
N=${SERIES_VERSION:-1}
# The sender: who the mail is from, and who signs the patches off. It is
# git's author identity where make series runs (user.name and user.email,
# or GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL), never the identity the
# patches are stored with, which is the team's and not a person's.
SENDER=$(git -C "$LAB_TOP" var GIT_AUTHOR_IDENT 2>/dev/null | sed -E 's/ [0-9]+ [-+][0-9]{4}$//') ||
	die "git has no author identity: set user.name and user.email (git config), the sender's own"
# placeholder IDENT: why the identity cannot be a sender's, or nothing. An
# address of a domain reserved for examples and tests (RFC 2606, RFC 6761),
# a no-reply address or a group's name is one.
placeholder() {
	local name=${1% <*} mail=${1##*<}
	mail=${mail%>}
	case ${mail##*@} in
	example | example.com | example.net | example.org | *.example | *.example.com | \
		*.example.net | *.example.org | invalid | *.invalid | test | *.test | \
		localhost | *.localhost | localdomain | *.localdomain)
		echo "the address $mail is of a domain reserved for examples and tests"; return 0 ;;
	esac
	case $mail in *noreply* | *no-reply*)
		echo "the address $mail takes no reply"; return 0 ;;
	esac
	case " $name " in *[Mm]aintainers* | *" "[Tt]eam" "*)
		echo "the name \"$name\" is a group's, not a person's"; return 0 ;;
	esac
}

# checkpatch items known and named, with what must be done before mailing:
# subject, checkpatch type, why. They do not fail the run, they are listed
# as open; one that checkpatch no longer reports fails, so that the list
# stays true.
KNOWN=$(printf '%s\t%s\t%s\n' \
	'media: v4l2-mem2mem: add v4l2_m2m_request_validate()' MISSING_FIXES_TAG \
	'Cc: stable without Fixes:, as the prerequisite of the vim2m and verisilicon fixes that follow, which stable-kernel-rules.rst allows; those carry the Fixes: tags: nothing to change here, but say so in the mail' \
	'media: verisilicon: refuse a request with more than one buffer' MISSING_FIXES_TAG \
	'Cc: stable without Fixes:, because the id of "media: rockchip/vpu: Support the Request API" (v5.3) could not be verified here; verify it in mainline and add the Fixes: tag' \
	'media: vim2m: refuse a request with more than one buffer' MISSING_FIXES_TAG \
	'Cc: stable without Fixes:, because the id of "media: vim2m: support requests" (v4.20) could not be verified here; verify it in mainline and add the Fixes: tag' \
	'media: exynos4-is: do not leave a returned buffer with the MIPI-CSIS' MISSING_FIXES_TAG \
	'Cc: stable without Fixes:, because the id of "[media] s5p-fimc: Add support for V4L2_PIX_FMT_S5C_UYVY_JPG fourcc" (2012), which gave fimc-capture the meta data plane, could not be verified here (said below its ---); verify it in mainline and add the Fixes: tag' \
	"media: exynos4-is: take the meta data plane's address in buf_prepare" MISSING_FIXES_TAG \
	'Cc: stable without Fixes:, as the prerequisite of the next patch (said below its ---), which stable-kernel-rules.rst allows: nothing to change here')

[ -f "$TEMPLATE" ] || die "no cover template $TEMPLATE"
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
# Why the cover letter has no results (below), or nothing; livelock reads
# its figures apart (scripts/reply.sh).
NORESULTS=""
if [ "$SERIES" != livelock ]; then

# The cover letter carries the results of the last make check, for the
# kernels this series needs, without a failed case: a failed case stops the
# run. Results that are not there do not: the mail is made without them
# (NORESULTS says why), and what they would back is an open item.
ran=""
if [ ! -f "$RESULTS/summary.md" ]; then
	NORESULTS="no $RESULTS/summary.md (make check writes it)"
	: >"$summary"
else
	# The kernel's lines in it come from the serial port: no CR goes in a mail.
	tr -d '\r' <"$RESULTS/summary.md" >"$summary"
	ran=$(sed -n 's/^- \*\*\([^*]*\)\*\* (.*/\1/p' "$summary" | paste -sd' ' -)
	lack=""
	for k in $NEED; do
		if ! line=$(grep "^- \*\*$k\*\* (" "$summary"); then
			lack="$lack $k"
			continue
		fi
		case $line in *", 0 failed,"*) ;; *) die "$RESULTS/summary.md: $k has failed cases: fix them, run make check" ;; esac
	done
	[ -z "$lack" ] ||
		NORESULTS="$RESULTS/summary.md has no results for${lack} (it has: ${ran:-none}; the last make check ran other kernels)"
fi
# compliance_ok TITLE: the summary has that v4l2-compliance section (false
# if not), with a problem in none of its nodes (or the run stops here).
compliance_ok() {
	grep -q "^## v4l2-compliance -s, $1\$" "$summary" || return 1
	sed -n "/^## v4l2-compliance -s, $1\$/,/^## /p" "$summary" | awk -F' \\| ' '
		/^\| node / || /^\|---/ { next }
		/^\| / { n++; p = $NF; sub(/ \|$/, "", p); if (p != "none") bad = 1 }
		END { exit (n == 0 || bad) }' ||
		die "$RESULTS/summary.md: v4l2-compliance ($1) has problems: fix them, run make check"
}
if [ -z "$NORESULTS" ] && [ "$SERIES" = mainline ]; then
	cmp=$(sed -n "/^## 6.1 patched against $MAINLINE_TREE upstream/,/^## /p" "$summary")
	[ -n "$cmp" ] ||
		NORESULTS="$RESULTS/summary.md has no comparison of patched and upstream (a make check of both writes it)"
	! echo "$cmp" | grep -qE '\| (NOT RECORDED|recorded, but .*) \|$|\| missing \|' ||
		die "$RESULTS/summary.md: patched and upstream differ where the test records no difference: run make check"
	compliance_ok upstream || true
fi
[ -n "$NORESULTS" ] || [ "$SERIES" != 6.1 ] || compliance_ok "baseline against patched" || true
if [ -z "$NORESULTS" ]; then
	say "results: $RESULTS/summary.md (kernels: $ran)"
else
	say "results: NONE for the cover letter: $NORESULTS; the mail is made without them, NOT READY TO MAIL (open items below)"
fi
fi

phase "source $T" bash "$LAB_TOP/scripts/source.sh" "$T"
# checkpatch comes from the series' own tree, or from 6.12 for the 6.1
# series: its checks are the ones a maintainer runs today.
CP_T=$T
[ "$T" != 6.1 ] || CP_T=6.12
[ "$CP_T" = "$T" ] || phase "source $CP_T" bash "$LAB_TOP/scripts/source.sh" "$CP_T"
CHECKPATCH=$(tree_dir "$CP_T")/scripts/checkpatch.pl
phase "tree $T" bash "$LAB_TOP/scripts/tree.sh" "$T" "$V"
git -C "$TREE" rev-parse -q --verify "refs/mail/$V" >/dev/null ||
	die "no refs/mail/$V in $TREE: scripts/tree.sh records the last mailed commit of $V there"
# What is mailed starts after refs/mail-base/V: on the mainline tree the
# lab-only patches of mainline_dir's lab/ (the stand-in for Zhang Yi's v2)
# come first and are never mailed (patches/mainline/lab/README.md);
# elsewhere it is the tree's base.
git -C "$TREE" rev-parse -q --verify "refs/mail-base/$V" >/dev/null ||
	die "no refs/mail-base/$V in $TREE: scripts/tree.sh records where what is mailed starts there"
base=$(git -C "$TREE" rev-parse "refs/mail-base/$V")
mail=$(git -C "$TREE" rev-parse "refs/mail/$V")
git -C "$TREE" merge-base --is-ancestor "$base" "$mail" ||
	die "refs/mail-base/$V is not below refs/mail/$V: run scripts/tree.sh $T"
git -C "$TREE" merge-base --is-ancestor "$mail" "$V" ||
	die "refs/mail/$V is not on branch $V: run scripts/tree.sh $T"
version=$(cat "$TREE/.git/lab-version")
origin=$(cat "$TREE/.git/lab-origin")
# The lab's own patches, in the order tree.sh applies them (6.1 only).
lab=()
if [ "$T" = 6.1 ]; then
	mapfile -t lab < <(find "$LAB_TOP/patches/lab" -maxdepth 1 -name '*.patch' | LC_ALL=C sort)
fi

mapfile -t commits < <(git -C "$TREE" rev-list --reverse "$base..$mail")
[ "${#commits[@]}" -gt 0 ] || die "refs/mail/$V is base: nothing to mail"
if [ "$PICK" != all ]; then
	[ "${#commits[@]}" -ge "$PICK" ] || die "refs/mail/$V has fewer than $PICK commits"
	commits=("${commits[@]:0:$PICK}")
fi
tip=${commits[${#commits[@]} - 1]}
subj() { git -C "$TREE" log -1 --format=%s "$1"; }
if [ -n "$MUST" ]; then
	for c in "${commits[@]}"; do
		subj "$c" | grep -qE "$MUST" || die "SERIES=$SERIES takes only commits whose subject matches $MUST, not: $(subj "$c")"
	done
fi

# The series: format-patch of the commits (the selftest one made by tree.sh
# from the plain files, with its TARGETS line and MAINTAINERS entry).
rm -rf "$OUT"
mkdir -p "$OUT"
# base-commit: the tree's base, which is a commit of the user's tree when
# KSRC (KSRC_UPSTREAM, KSRC_MAINLINE) is a git tree, and else the lab's
# own history-less commit of Debian's tarball (scripts/source.sh): a commit
# that exists nowhere else. On the mainline tree the lab-only stand-in for
# v2 that comes before the series is then a prerequisite-patch-id:.
# livelock: one patch in v2's thread, no cover letter, "[PATCH]" for a
# first version, and no base-commit: (its base is 7.3.4 with the stand-in,
# which the message names instead).
tree_base=$(git -C "$TREE" rev-parse base)
if [ "$SERIES" = livelock ]; then
	:
elif tree_has_history "$TREE"; then
	say "base-commit: $tree_base, $(git -C "$TREE" log -1 --format='%s' "$tree_base") (KSRC's HEAD: ${origin#git })"
else
	say "base-commit: $tree_base, the lab's history-less commit of $(cut -d' ' -f1-2 <<<"$origin") $version: it exists in no other repository (KSRC=<a git tree> gives a real one: docs/series.md)"
fi
fp_opts=(--cover-letter --base="$tree_base" -v"$N")
if [ "$SERIES" = livelock ]; then
	fp_opts=(--no-cover-letter)
	[ "$N" = 1 ] || fp_opts+=(-v"$N")
fi
git -C "$TREE" format-patch -q --no-signature "${fp_opts[@]}" \
	--subject-prefix="$PREFIX" -o "$OUT" "$base..$tip"
patches=() cover=""
for p in "$OUT"/*.patch; do
	case $p in *-0000-cover-letter.patch) cover=$p ;; *) patches+=("$p") ;; esac
done
# livelock: the reply to v2 takes the cover letter's place (written below,
# from the template); the template's headers name the thread and its
# people, whom the patch goes to as well.
if [ "$SERIES" = livelock ]; then
	cover=$OUT/0000-reply-to-v2.eml
	reply_header() { # NAME: the template's header of that name
		awk -v h="$1: " '/^#/ { next } /^$/ { exit } index($0, h) == 1 { print substr($0, length(h) + 1); exit }' "$TEMPLATE"
	}
	thread_id=$(reply_header In-Reply-To)
	thread_to=$(reply_header To)
	thread_cc=$(reply_header Cc)
	if [ -z "$thread_id" ] || [ -z "$thread_to" ] || [ -z "$(reply_header Subject)" ]; then
		die "$TEMPLATE: its headers need Subject:, In-Reply-To: and To:"
	fi
fi
count=${#patches[@]}
[ "$count" = "${#commits[@]}" ] || die "format-patch wrote $count patches for ${#commits[@]} commits"
# What a stored patch file has below its "---" (how it was tested, what
# stable needs) is no part of its commit: git am drops it. It goes below
# the "---" of the mail of the same subject.
series_dir=$LAB_TOP/patches
[ "$T" = 6.1 ] || series_dir=$(mainline_dir "$T")
below_dashes() { # patch file -> its lines between "---" and the diffstat
	awk 'f && (/^ / || /^diff --git /) { exit } f { print } /^---$/ { f = 1 }' "$1"
}
with_notes=0
for ((j = 0; j < count; j++)); do
	s=$(subj "${commits[$j]}")
	while read -r f; do
		case $f in '' | '#'*) continue ;; esac
		[ "$(patch_subject "$series_dir/$f")" = "$s" ] || continue
		notes=$(below_dashes "$series_dir/$f")
		if [ -n "$notes" ]; then
			NOTES=$notes perl -0pi -e 's/^---\n/---\n$ENV{NOTES}\n\n/m' "${patches[$j]}"
			with_notes=$((with_notes + 1))
		fi
		break
	done <"$series_dir/series"
done
say "notes below ---: $with_notes patch(es), from their files in ${series_dir#"$LAB_TOP"/}/"
# The sender's identity in From: and Signed-off-by:, in place of the
# identity the patches are stored with (their commits' authors).
mapfile -t stored < <(git -C "$TREE" log --format='%an <%ae>' "$base..$tip" | LC_ALL=C sort -u)
for p in "$cover" "${patches[@]}"; do
	[ -f "$p" ] || continue
	for id in "${stored[@]}"; do
		ID=$id SENDER=$SENDER perl -0pi -e '
			my ($id, $to) = ($ENV{ID}, $ENV{SENDER});
			my ($n, $m) = $id =~ /^(.*) <(.*)>$/;
			# format-patch folds a long From: line after the name.
			s/^From: \Q$n\E\n? <\Q$m\E>$/From: $to/mg;
			s/^Signed-off-by: \Q$id\E$/Signed-off-by: $to/mg;
			# the cover letter'"'"'s shortlog names the author alone
			my ($tn) = $to =~ /^(.*) </;
			s/^\Q$n\E( \(\d+\):)$/$tn$1/mg;' "$p"
	done
done
say "from and signed off by: $SENDER$([ "${#stored[@]}" = 1 ] && [ "${stored[0]}" = "$SENDER" ] || printf ' (stored as %s)' "$(printf '%s, ' "${stored[@]}" | sed 's/, $//')")"

# Recipients, per patch, from the newest MAINTAINERS the lab has (7.3's
# when build/linux-7.3 is there, else 6.12's), not the series' own tree's:
# 6.1's lists people who have since left. get_maintainer.pl reads the
# MAINTAINERS and .mailmap of the tree it runs in: it runs in the newest
# tree, with --mpath the MAINTAINERS of its base plus the F: line that the
# selftest commit adds (as scripts/tree.sh's selftest_commit does), and
# takes the patch files as they are. Maintainers and reviewers in To, lists
# in Cc. The cover letter goes to all of them.
read -r MT_DIR MT_VER < <(lab_trees | head -n 1) || die "no kernel tree in $BUILD for get_maintainer.pl"
MT_FILE=$(mktemp)
trap 'rm -f "$summary" "$MT_FILE"' EXIT
git -C "$MT_DIR" show base:MAINTAINERS >"$MT_FILE"
grep -q "^F:	tools/testing/selftests/media_userptr/$" "$MT_FILE" ||
	sed -i "/^VIDEOBUF2 FRAMEWORK$/,/^$/ s|^F:	include/media/videobuf2-\*$|&\nF:	tools/testing/selftests/media_userptr/|" "$MT_FILE"
grep -q "^F:	tools/testing/selftests/media_userptr/$" "$MT_FILE" ||
	die "${MT_DIR#"$LAB_TOP"/}/MAINTAINERS: no VIDEOBUF2 FRAMEWORK entry to give the selftest's F: line"
say "recipients: get_maintainer.pl and MAINTAINERS of ${MT_DIR#"$LAB_TOP"/} ($MT_VER, the newest tree the lab has$([ "$MT_DIR" = "$TREE" ] || printf ', not the series'"'"' %s' "$version")), with the selftest's F: line"
recipients() { # patch -> "To: ..." and "Cc: ..." lines
	(cd "$MT_DIR" && perl scripts/get_maintainer.pl --mpath "$MT_FILE" --no-git --no-git-fallback \
		--no-fixes --no-rolestats --roles "$1" 2>/dev/null) | awk '
		/\((maintainer|reviewer|supporter)[:)]/ { sub(/ \(.*/, ""); to = to (to ? ", " : "") $0; next }
		/@/ { sub(/ \(.*/, ""); cc = cc (cc ? ", " : "") $0 }
		END { print "To: " to; print "Cc: " cc }'
}
add_headers() { # patch "To: ..." "Cc: ..."
	awk -v to="$2" -v cc="$3" 'done || !/^Subject: / { print; next }
		{ print to; print cc; print; done = 1 }' "$1" >"$1.new"
	mv "$1.new" "$1"
}
uniq_list() { tr ',' '\n' | sed 's/^ *//' | grep -v '^$' | awk '!seen[$0]++' | paste -sd, - | sed 's/,/, /g'; }
all_to="" all_cc=""
if [ "$SERIES" = livelock ]; then
	printf '%s\n' "--- the $SERIES mailing (a reply to v2 and $count patch in its thread, on $version with the lab's stand-in for v2) and its recipients"
else
	printf '%s\n' "--- the $SERIES series (v$N, $count patches + cover letter, on $version) and its recipients"
fi
for p in "${patches[@]}"; do
	r=$(recipients "$p")
	to=$(echo "$r" | sed -n 's/^To: //p')
	cc=$(echo "$r" | sed -n 's/^Cc: //p')
	[ -n "$to" ] || die "get_maintainer.pl (${MT_DIR#"$LAB_TOP"/}) gave no maintainer for $(basename "$p")"
	if [ "$SERIES" = livelock ]; then
		# In v2's thread: its people too, and In-Reply-To/References.
		cc=$( (echo "$to" | uniq_list | tr ',' '\n' | sed 's/^ *//' | sed 's/^/-/'
			echo "$cc, $thread_to, $thread_cc" | uniq_list | tr ',' '\n' | sed 's/^ *//') |
			awk '/^-/ { drop[substr($0, 2)] = 1; next } !($0 in drop)' | uniq_list)
		awk -v id="$thread_id" 'done || !/^Subject: / { print; next }
			{ print "In-Reply-To: " id; print "References: " id; print; done = 1 }' "$p" >"$p.new"
		mv "$p.new" "$p"
	fi
	add_headers "$p" "To: $to" "Cc: $cc"
	all_to="$all_to, $to"
	all_cc="$all_cc, $cc"
	printf '%s\n  To: %s\n  Cc: %s\n' "$(basename "$p")" "$to" "$cc"
done
if [ "$SERIES" = livelock ]; then
	printf '%s\n  To: %s\n  Cc: %s\n  In-Reply-To: %s\n' "$(basename "$cover")" "$thread_to" "$thread_cc" "$thread_id"
else
	cover_to=$(echo "$all_to" | uniq_list)
	cover_cc=$(echo "$all_cc, $COVER_CC" | uniq_list)
	add_headers "$cover" "To: $cover_to" "Cc: $cover_cc"
	printf '%s\n  To: %s\n  Cc: %s\n' "$(basename "$cover")" "$cover_to" "$cover_cc"
fi

# --- The cover letter: the template's first line is the subject, the rest
# the body, where @VERSION@ and @ORIGIN@ are the tree's and a line @FIXES@
# becomes the list of fixes with their Fixes: tags; the results of the
# last make check follow, and what else the series needs said.

# The patches that fix something: their Fixes: tags, or that they have none.
fixes_list() {
	local i=0 c f st
	for c in "${commits[@]}"; do
		i=$((i + 1))
		f=$(git -C "$TREE" log -1 --format=%B "$c" | sed -n 's/^Fixes: //p')
		st=$(git -C "$TREE" log -1 --format=%B "$c" | grep -c '^Cc: stable@' || true)
		[ -n "$f" ] || [ "$st" != 0 ] || continue
		printf '  %-2s %s\n' "$i" "$(subj "$c")"
		if [ -n "$f" ]; then
			git -C "$TREE" log -1 --format=%B "$c" | sed -n 's/^Fixes: /     Fixes: /p'
		else
			echo "     no Fixes: tag (see the patch)"
		fi
		[ "$st" = 0 ] || echo "     Cc: stable"
	done
}
# The summary's line of a kernel, with its notes (pins, skips).
kernel_lines() { # KERNEL
	awk -v k="- **$1** (" '{ sub(/[ \t]+$/, "") }
		index($0, k) == 1 { p = 1; gsub(/\*\*/, ""); print "  " $0; next }
		p && /^  - / { print "  " $0; next } { p = 0 }' "$summary"
}
# Every case of a kernel, from the summary's last table: case TAB result.
cases() { # KERNEL
	awk -v k="$1" '
	/^## / { ins = ($0 == "## All cases"); col = 0; next }
	ins && /^\| case \|/ { n = split($0, h, / \| /)
		for (i = 2; i <= n; i++) { x = h[i]; sub(/ \|$/, "", x); if (x == k) col = i }
		next }
	ins && col && /^\| [a-z]/ { split($0, f, / \| /); c = f[1]; sub(/^\| /, "", c)
		v = f[col]; sub(/ \|$/, "", v); print c "\t" v }' "$summary"
}
# Counts per program: the kselftest, mm's selftests, stress, fuzz.
per_program() { # KERNEL
	cases "$1" | awk -F'\t' '
	$2 == "-" { next }
	{ split($1, w, "."); p = w[1]; s = $2; sub(/:.*/, "", s)
	  if (!(p in n)) order[m++] = p; n[p]++; c[p, s]++ }
	END {
		name["userptr"] = "media_userptr kselftest"; name["vm"] = "mm selftests"
		name["cow"] = "mm selftest cow"; name["stress"] = "stress"; name["fuzz"] = "fuzz"
		k = split("PASS FAIL KFAIL XFAIL SKIP", st, " ")
		w["PASS"] = "passed"; w["FAIL"] = "failed"; w["KFAIL"] = "failed as expected"
		w["XFAIL"] = "xfail"; w["SKIP"] = "skipped"
		for (i = 0; i < m; i++) { p = order[i]
			printf "  %s: %d cases, %d passed, %d failed", (p in name) ? name[p] : p, n[p], c[p, "PASS"], c[p, "FAIL"]
			for (j = 3; j <= k; j++) if (c[p, st[j]]) printf ", %d %s", c[p, st[j]], w[st[j]]
			print "" }
	}'
}
# A group of cases of a kernel: how many passed, and their results.
case_group() { # KERNEL REGEX TITLE
	cases "$1" | awk -F'\t' -v re="$2" -v title="$3" '
	$1 ~ re { n++; if ($2 ~ /^PASS/) p++; r = $2; sub(/^PASS: /, "", r); if (!(r in seen)) { seen[r] = 1; rs = rs (rs ? "; " : "") r } }
	END { if (n) printf "  %s: %d of %d passed (%s)\n", title, p, n, rs }'
}
compliance_line() { # KERNEL
	compliance_ok "$1" || return 0
	echo "  v4l2-compliance -s on $1: no failure outside its list of known"
	echo "  failures for $T, each listed there with its cause"
}
lab_note() {
	[ "${#lab[@]}" -gt 0 ] || return 0
	echo
	echo "The kernels the lab tested also carry, on top of the series, the lab's"
	echo "own patches, which are not part of it:"
	for p in "${lab[@]}"; do
		awk '/^Subject: / { s = $0; sub(/^Subject: (\[PATCH[^]]*\] )?/, "", s); on = 1; next }
			on && /^[ \t]/ { sub(/^[ \t]+/, " "); s = s $0; next }
			on { print "  " s; exit }' "$p"
	done
}

results_6_1() {
	echo "Results of the lab's make check (the media_userptr kselftest in QEMU):"
	echo
	sed -n '/^- \*\*/p' "$summary" | sed 's/\*\*//g'
	echo
	echo "Where the kernels differ, vmalloc memop (dma-sg and dma-contig show"
	echo "the same on mediaonly and patched; baseline = $version, mediaonly ="
	echo "the media patches without the mm ones, patched = this series$(
		case " $ran " in *" upstream "*) printf ',\nupstream = %s with the mainline patches, which patched must agree with' \
			"$(cat "$(tree_dir "$MAINLINE_TREE")/.git/lab-version" 2>/dev/null || echo "$MAINLINE_TREE")" ;; esac)):"
	echo
	sed -n '/^## Where the kernels differ/,/^## All cases/p' "$summary" | sed '1,2d;$d' |
		grep -E '^\| (case|userptr\.[a-z0-9_]*vmalloc\.)' |
		sed -E -e 's/^\| userptr\./| /' -e 's/ *\|$//' -e 's/^\| //' -e 's/ \| /  |  /g' \
			-e 's/, re-queue [1-9]: stale//g' -e 's/re-queue 0: /re-queued 8 times: /g'
	if compliance_ok "baseline against patched"; then
		echo
		echo "v4l2-compliance -s, baseline against patched: no new failure."
	fi
	notes_6_1
}
# What the 6.1 letter says with or without results: the lab's own
# patches, and the callers of the changed functions.
notes_6_1() {
	lab_note
	echo
	echo "Callers of the changed functions (git grep in $version):"
	(cd "$TREE" && git grep -n -E '(get_vaddr_frames|vb2_create_framevec)\(' "$tip" -- '*.c' '*.h' |
		sed "s/^$tip://" | grep -vE '^[^:]*:[0-9]+:[[:space:]]*/?\*' | sed 's/^/  /')
}

results_mainline() {
	echo "Results of the lab's last make check, $version with this series, in QEMU"
	echo "(the kernel also carries, before the series, the lab's stand-in for"
	echo "Zhang Yi's \"mm: do not install PMD mappings when handling a COW"
	echo "fault\" v2: the same condition in do_set_pmd(); it is not part of it):"
	echo
	kernel_lines upstream
	per_program upstream
	case_group upstream '^userptr\..*_out_.*\.shmem_thp_private$' \
		"R/O pins of a PMD-mapped tmpfs THP (Zhang Yi's v2, the lab's stand-in)"
	case_group upstream '^cow\..*\.pmd_mapped_tmpfs_thp$' "mm's cow test, patch 1's case"
	case_group upstream '^userptr\..*dma_contig\.unaligned$' \
		"dma-contig, a buffer that does not start on a page (patch 8)"
	compliance_line upstream
	echo
	echo "The same kselftest on 6.1.y with our 6.1 series (which makes the"
	echo "change mainline made in 6.2) against this kernel, case by case:"
	sed -n "/^## 6.1 patched against $MAINLINE_TREE upstream/,\$p" "$summary" |
		sed -n 's/^\([0-9][0-9]* of [0-9]* cases agree.*\)/  \1/p'
	sed -n "/^## 6.1 patched against $MAINLINE_TREE upstream/,\$p" "$summary" |
		awk -F' \\| ' '/^\| userptr\./ { r = $4; sub(/ \|$/, "", r); n[r]++; if (!(r in s)) { s[r] = 1; o[m++] = r } }
		END { for (i = 0; i < m; i++) printf "    %d: %s\n", n[o[i]], o[i] }'
}

# untested_claims: what the cover letter says that rests on make check's
# results, one a line: untested when those are missing or of another tree.
untested_claims() {
	case $SERIES in
	6.1)
		echo "the results at the end of the letter (make check of baseline and patched: their counts, the cases where the kernels differ, v4l2-compliance baseline against patched)"
		echo "\"The lab proves it: the \"mediaonly\" kernel ... feeds the device stale data\" (make check's mediaonly kernel)"
		echo "the figures \"Measured: ...\" of \"What users of a 6.1 tree will see\" (vm.rolongterm on baseline and patched)"
		echo "\"the lab that built, booted and tested this series\" (make check of this tree)" ;;
	mainline)
		echo "the results in the letter (make check of upstream: its counts per program, the cases of each fix, v4l2-compliance, and the comparison with the patched 6.1 kernel)"
		echo "\"The lab's make check boots this kernel, ... and asserts every result\" (make check of this tree)" ;;
	esac
}
# not_ready_results: the paragraph that stands in the letter for results
# that are not there.
not_ready_results() {
	echo "[[NOT READY: no results of make check for this letter: $NORESULTS."
	echo "Untested, until make check has run on this tree and make series"
	echo "runs again:"
	untested_claims | sed 's/^/  - /'
	echo "]]"
}

# livelock: the reply to v2 instead (scripts/reply.sh): the figures of
# 7.3 (RESULTS) and 6.12 (RESULTS_6_12, default build/mainline-6.12/results), where
# they come from in figures.txt, and what is missing in missing.txt.
if [ "$SERIES" = livelock ]; then
	RESULTS_6_12=${RESULTS_6_12:-$BUILD/mainline-6.12/results}
	figures=$(mktemp)
	: >"$OUT/missing.txt"
	: >"$OUT/figures.txt"
	for t in 7.3 6.12; do
		d=$RESULTS
		[ "$t" = 7.3 ] || d=$RESULTS_6_12
		v=$(cat "$(tree_dir "$t")/.git/lab-version" 2>/dev/null || echo "$t")
		[ "$t" = 7.3 ] || echo
		reply_figures "$t" "$d" "$v" "$OUT/missing.txt" "$OUT/figures.txt"
	done >"$figures"
	reply_mail "$TEMPLATE" "$SENDER" "$figures" >"$cover"
	rm -f "$figures"
	say "reply: $(basename "$cover"), its figures from: $OUT/figures.txt"
	sed 's/^/  /' "$OUT/figures.txt"
else
fixes=$(mktemp)
body=$(mktemp)
fixes_list >"$fixes"
{
	VERSION=$version ORIGIN=$origin awk -v fixesf="$fixes" '
	function rep(s, from, to,   i, o) { o = ""
		while ((i = index(s, from)) > 0) { o = o substr(s, 1, i - 1) to; s = substr(s, i + length(from)) }
		return o s }
	NR == 1 || (NR == 2 && $0 == "") { next }
	$0 == "@FIXES@" { while ((getline l < fixesf) > 0) print l; next }
	{ print rep(rep($0, "@VERSION@", ENVIRON["VERSION"]), "@ORIGIN@", ENVIRON["ORIGIN"]) }' "$TEMPLATE"
	echo
	if [ -n "$NORESULTS" ]; then
		not_ready_results
		[ "$SERIES" != 6.1 ] || notes_6_1
	else
		case $SERIES in
		6.1) results_6_1 ;;
		mainline) results_mainline ;;
		esac
	fi
} >"$body"
subject=$(sed -n '1p' "$TEMPLATE")
awk -v subj="$subject" -v bodyf="$body" '
	/^Subject: / { sub(/\*\*\* SUBJECT HERE \*\*\*/, subj); print; next }
	/^\*\*\* BLURB HERE \*\*\*/ { while ((getline l < bodyf) > 0) print l; next }
	{ print }' "$cover" >"$cover.new"
mv "$cover.new" "$cover"
rm -f "$body" "$fixes"
fi
! grep -n '@[A-Z]\+@' "$cover" || die "$(basename "$cover"): a placeholder of $TEMPLATE was not filled in"

fail=0
open=()
if [ -n "$NORESULTS" ]; then
	while IFS= read -r l; do
		open+=("untested, no make check results ($NORESULTS): $l")
	done < <(untested_claims)
fi
why=$(placeholder "$SENDER")
[ -z "$why" ] ||
	open+=("From: and Signed-off-by: $SENDER is a placeholder ($why): set git config user.name and user.email to the sender's own, and run make series again")
# livelock: a figure the reply lacks is an open item.
if [ "$SERIES" = livelock ]; then
	while IFS= read -r l; do open+=("$l"); done <"$OUT/missing.txt"
	rm -f "$OUT/missing.txt"
fi
# checkpatch --strict, patch by patch, in the series' tree. The commit ids
# the patches name (Fixes:, "commit <id> (...)") are looked up in the
# history of the series' tree and of the lab's newer trees, those that
# have one (a clone of a git KSRC, KSRC_UPSTREAM or KSRC_MAINLINE:
# scripts/source.sh): the 6.1 series names mainline commits newer than
# 6.1, which a 6.12.y tree has; an older tree cannot have what a series
# names. Only when none has history (Debian's tarballs, the default) is
# UNKNOWN_COMMIT_ID left out, and the ids are not verified.
all_trees=()
while read -r d v; do
	[ "$d" != "$TREE" ] || continue
	[ "$(printf '%s\n' "$version" "$v" | sort -V | head -n 1)" != "$version" ] || all_trees+=("$d")
done < <(lab_trees)
HIST=$(history_objects "$TREE" "${all_trees[@]}")
cp_ignore=()
if [ -n "$HIST" ]; then
	hist_names=$(for d in "$TREE" "${all_trees[@]}"; do
		! tree_has_history "$d" || echo "${d#"$LAB_TOP"/}"; done | paste -sd, - | sed 's/,/, /g')
	say "checkpatch: commit ids looked up in the history of $hist_names"
else
	cp_ignore=(--ignore UNKNOWN_COMMIT_ID)
	say "checkpatch: commit ids NOT verified (UNKNOWN_COMMIT_ID left out): neither $version ($(cut -d' ' -f1-2 <<<"$origin")) nor a newer tree of the lab has history; KSRC, KSRC_UPSTREAM or KSRC_MAINLINE set to a git tree gives it: docs/series.md"
fi
errors=0 warnings=0 checks=0 known_hit="" unknown_ids=0
i=0
for p in "${patches[@]}"; do
	s=$(subj "${commits[$i]}")
	i=$((i + 1))
	out=$( (cd "$TREE" && GIT_ALTERNATE_OBJECT_DIRECTORIES=$HIST perl "$CHECKPATCH" \
		--strict --terse --show-types "${cp_ignore[@]}" "$p") 2>&1 || true)
	unknown_ids=$((unknown_ids + $(grep -c ':UNKNOWN_COMMIT_ID:' <<<"$out" || true)))
	while IFS= read -r l; do
		type=$(echo "$l" | sed -nE 's/.*(ERROR|WARNING|CHECK):([A-Z0-9_]+):.*/\2/p')
		why=$(printf '%s\n' "$KNOWN" | awk -F'\t' -v s="$s" -v t="$type" '$1 == s && $2 == t { print $3 }')
		if [ -n "$why" ]; then
			known_hit="$known_hit$s	$type
"
			open+=("patch $i, \"$s\": checkpatch $type: $why")
			continue
		fi
		echo "$l"
		case $l in *ERROR:*) errors=$((errors + 1)) ;; *WARNING:*) warnings=$((warnings + 1)) ;; *) checks=$((checks + 1)) ;; esac
	done < <(echo "$out" | grep -E '(ERROR|WARNING|CHECK):' || true)
done
# A known item whose patch is in the series but that checkpatch no longer
# reports is resolved: it must leave the list.
stale=$(printf '%s\n' "$KNOWN" | while IFS=$'\t' read -r s t _; do
	for c in "${commits[@]}"; do
		[ "$(subj "$c")" = "$s" ] || continue
		printf '%s' "$known_hit" | grep -qxF "$s	$t" || echo "  $s: $t"
	done
done)
note=""
[ "${#open[@]}" = 0 ] || note=", and ${#open[@]} item(s) open (below)"
if [ $((errors + warnings + checks)) != 0 ]; then
	say "checkpatch --strict: FAILED: $errors errors, $warnings warnings, $checks checks (above)$note"
	fail=1
else
	say "checkpatch --strict: $count patches, 0 errors, 0 warnings, 0 checks$note"
fi
[ "$unknown_ids" = 0 ] ||
	say "checkpatch: $unknown_ids commit id(s) not found in $hist_names: a typo, or a commit none of these trees has (the 6.1 series names mainline commits of 6.2: a 6.12.y tree with history has them, KSRC_UPSTREAM=; docs/series.md)"
if [ -n "$stale" ]; then
	echo "$stale"
	say "checkpatch --strict: known items (KNOWN in scripts/series.sh) no longer reported: take them off the list"
	fail=1
fi
for o in "${open[@]}"; do echo "  OPEN: $o"; done

# git am onto a fresh base gives what tree.sh made, and with patches/lab/
# on top, the tree that make check tested.
am_check() {
	local got want tested with_lab="" onto=""
	[ "$base" = "$(git -C "$TREE" rev-parse base)" ] ||
		onto=" with the lab-only $(git -C "$TREE" log --format=%s "base..$base" | paste -sd';' -)"
	[ "${#lab[@]}" = 0 ] || with_lab=" and of patches/lab/ (${#lab[@]} lab-only, not mailed)"
	if ! git -C "$VERIFY" am -q "${patches[@]}" >"$LOGS/series-am.log" 2>&1; then
		tail -n 20 "$LOGS/series-am.log"
		say "git am of the series: FAILED (log: $LOGS/series-am.log)"
		return 1
	fi
	got=$(git -C "$VERIFY" rev-parse 'HEAD^{tree}')
	want=$(git -C "$TREE" rev-parse "$tip^{tree}")
	if [ "$got" != "$want" ]; then
		say "git am of the series: the tree differs from commit $count of refs/mail/$V"
		return 1
	fi
	if [ "$tip" != "$mail" ]; then
		say "git am of the series onto $version$onto: the tree of the first $count commits of refs/mail/$V (${got:0:12}); make check tested the whole $V branch, not these alone"
		# What the series changes in tools/ (its selftests) is what the
		# tested branch has there: the later commits leave it alone.
		local tdirs=()
		mapfile -t tdirs < <(git -C "$TREE" diff --name-only "$base" "$tip" -- tools/ | xargs -r -n1 dirname | LC_ALL=C sort -u)
		if [ "${#tdirs[@]}" -gt 0 ]; then
			if ! git -C "$TREE" diff --quiet "$tip" "$V" -- "${tdirs[@]}"; then
				say "git am: branch $V, which make check tested, has other files in ${tdirs[*]} than the series"
				return 1
			fi
			say "git am: ${tdirs[*]} as in branch $V, which make check built and ran"
		fi
		return 0
	fi
	if [ "${#lab[@]}" -gt 0 ] &&
		! git -C "$VERIFY" am -q "${lab[@]}" >"$LOGS/series-am-lab.log" 2>&1; then
		tail -n 20 "$LOGS/series-am-lab.log"
		say "git am of patches/lab/ on the series: FAILED (log: $LOGS/series-am-lab.log)"
		return 1
	fi
	got=$(git -C "$VERIFY" rev-parse 'HEAD^{tree}')
	tested=$(cat "$ABUILD/obj/$V/lab-tree" 2>/dev/null || echo none)
	if [ "$got" != "$(git -C "$TREE" rev-parse "$V^{tree}")" ]; then
		say "git am of the series$with_lab: the tree differs from branch $V"
		return 1
	elif [ "$got" != "$tested" ]; then
		# The mail is made all the same; what rests on make check is not
		# tested on it (untested_claims), unless the letter already says so.
		say "git am of the series$with_lab: the tree of branch $V, but not the one make check tested (build/obj/$V/lab-tree: ${tested:0:12}): open item"
		if [ -z "$NORESULTS" ] && [ "$SERIES" != livelock ]; then
			while IFS= read -r l; do
				open+=("untested, make check's results are of another tree than this series (build/obj/$V/lab-tree ${tested:0:12}, the series ${got:0:12}: run make check): $l")
			done < <(untested_claims)
		fi
		return 0
	fi
	say "git am of the series onto $version$with_lab: the tree make check tested ($V, ${got:0:12})"
}
rm -rf "$VERIFY"
git -C "$TREE" worktree prune
git -C "$TREE" worktree add -q --detach "$VERIFY" "$base"
am_check || fail=1
git -C "$TREE" worktree remove --force "$VERIFY"

# git send-email accepts it; --dry-run sends nothing and needs no network.
# livelock: every message in reply to v2, by its own In-Reply-To (so
# --no-thread), which the log must show.
se_opts=()
[ "$SERIES" != livelock ] || se_opts=(--no-thread)
if git -C "$TREE" send-email --dry-run --confirm=never --from="$SENDER" "${se_opts[@]}" \
	--smtp-server=/bin/false "$cover" "${patches[@]}" >"$LOGS/send-email-$SERIES.log" 2>&1; then
	if [ "$SERIES" = livelock ] &&
		[ "$(grep -cxF "In-Reply-To: $thread_id" "$LOGS/send-email-$SERIES.log")" != $((count + 1)) ]; then
		say "git send-email --dry-run: not every message is in reply to $thread_id (log: $LOGS/send-email-$SERIES.log)"
		fail=1
	fi
	say "git send-email --dry-run: accepted $((count + 1)) messages"
else
	tail -n 20 "$LOGS/send-email-$SERIES.log"
	say "git send-email --dry-run: FAILED (log: $LOGS/send-email-$SERIES.log)"
	fail=1
fi

# The kernel builds and boots of the last checks: run by default when make
# check's kernel of V is there (build/obj/V: the bisect build starts from
# its objects, W=1 copies them), else not unless asked for (BISECT=1,
# WARNINGS=1, BOOT=1). A check not run, either way, is an open item: the
# series is not checked in full.
HAVE_KERNEL=0
[ ! -f "$ABUILD/obj/$V/$KIMAGE" ] || HAVE_KERNEL=1
not_run() { # CHECK VAR WHY: say that CHECK was not run, and make it an open item
	local why="$2=0"
	[ -n "${!2:-}" ] || why="no kernel of make check in build/obj/$V: $3"
	say "$1: NOT RUN ($why): open item"
	open+=("not checked: $1 ($why)")
}
# Bisect build: every commit of the series builds, in order; not when the
# series changes nothing outside tools/ (livelock's cow.c case): make
# check built and ran the selftests.
if [ -z "$(git -C "$TREE" diff --name-only "$base" "$tip" -- ':!tools/')" ]; then
	say "bisect build: skipped, the series changes only tools/"
elif [ "${BISECT:-$HAVE_KERNEL}" = 1 ]; then
	n=0
	for c in "${commits[@]}"; do
		n=$((n + 1))
		git -C "$TREE" branch -f "$BISECT_V" "$c"
		if bash "$LAB_TOP/scripts/kernel.sh" "$BISECT_V" >"$LOGS/bisect-$SERIES-$n.log" 2>&1; then
			say "bisect build $n/$count: ok  $(subj "$c")"
		else
			tail -n 30 "$LOGS/bisect-$SERIES-$n.log"
			say "bisect build $n/$count: FAILED  $(subj "$c") (log: $LOGS/bisect-$SERIES-$n.log)"
			fail=1
			break
		fi
	done
else
	not_run "bisect build, every commit builds" BISECT \
		"make check first, or BISECT=1 to build every commit from scratch"
fi

# W=1 and sparse (C=2: every file) on the directories whose C files the
# series changes (tools/ aside), on the base and with the series: no new
# warning. Objects: a copy of the tested kernel's, whose .o in those
# directories are removed first, so that every file is compiled again.
targets=$(git -C "$TREE" diff --name-only "$base" "$tip" -- '*.c' ':!tools/' |
		xargs -r -n1 dirname | LC_ALL=C sort -u | awk '
		{ for (i = 1; i <= n; i++) if (index($0 "/", d[i] "/") == 1) next; d[++n] = $0 }
		END { for (i = 1; i <= n; i++) printf "%s/ ", d[i] }')
targets=${targets% }
if [ -z "$targets" ]; then
	say "W=1 and sparse: the series changes no C file outside tools/"
elif [ "${WARNINGS:-$HAVE_KERNEL}" = 1 ]; then
	[ -d "$ABUILD/obj/$V" ] ||
		die "W=1 and sparse start from make check's objects of $V: no $ABUILD/obj/$V (make check, or WARNINGS=0)"
	for side in base series; do
		if [ "$side" = base ]; then ref=$base obj=$ABUILD/obj/w1-$T-base; else ref=$tip obj=$ABUILD/obj/w1-$SERIES; fi
		[ -d "$obj" ] || cp -a "$ABUILD/obj/$V" "$obj"
		for d in $targets; do
			[ ! -d "$obj/$d" ] || find "$obj/$d" -name '*.o' -delete
		done
		git -C "$TREE" checkout -q -f --detach "$ref"
		# sparse's errors make make fail: they are counted, as warnings are.
		# shellcheck disable=SC2086
		make -C "$TREE" O="$obj" -j"$(nproc)" CC="ccache gcc" W=1 C=2 CHECK=sparse \
			$targets >"$LOGS/w1-$SERIES-$side.log" 2>&1 || true
		grep -E '(warning|error):' "$LOGS/w1-$SERIES-$side.log" | sed -E 's/:[0-9]+:[0-9]+:/:/' |
			sed "s|$TREE/||" | LC_ALL=C sort -u >"$OUT/w1-$side.txt" || true
	done
	new=$(LC_ALL=C comm -13 "$OUT/w1-base.txt" "$OUT/w1-series.txt")
	if [ -n "$new" ]; then
		echo "$new"
		say "W=1 and sparse: new warnings (above; logs: $LOGS/w1-$SERIES-*.log)"
		fail=1
	else
		say "W=1 and sparse on $targets: $(wc -l <"$OUT/w1-base.txt") warnings on $version, $(wc -l <"$OUT/w1-series.txt") with the series, none new"
	fi
else
	not_run "W=1 and sparse on $targets, no new warning" WARNINGS \
		"it compiles in copies of those objects: make check first"
fi

# The kernel test robot's checks, each against the base: clang, i386,
# !THP, coccicheck, htmldocs, spdxcheck (scripts/robot.sh; ROBOT=0 leaves
# them out, an open item).
robot_checks

# Every commit booted (make bisect): each commit of the series with the
# selftest commit on top, the kselftest held against what that commit
# must do. BOOT=0 leaves it out.
if [ "$SERIES" != 6.1 ]; then
	say "boot every commit: not the 6.1 series"
elif [ "${BOOT:-$HAVE_KERNEL}" = 1 ]; then
	bash "$LAB_TOP/scripts/bisect.sh" || fail=1
else
	not_run "boot every commit (make bisect), the cover letter's \"Patch 4 builds and boots on its own\"" BOOT \
		"make check first, or BOOT=1 (make bisect builds and boots every commit)"
fi

rm -f "$OUT/open-items.txt"
if [ "${#open[@]}" -gt 0 ]; then
	printf '%s\n' "${open[@]}" >"$OUT/open-items.txt"
fi

echo "series: $OUT"
[ "$fail" = 0 ] || exit 1
if [ "${#open[@]}" -gt 0 ]; then
	printf '  open: %s\n' "${open[@]}"
	say "checked, but NOT READY TO MAIL: ${#open[@]} item(s) open ($OUT/open-items.txt)"
else
	if [ "$SERIES" = livelock ]; then
		say "checked, and ready to mail as $SENDER: git send-email --no-thread $cover ${patches[*]}"
	else
		say "checked, and ready to mail as $SENDER: git send-email $OUT/*.patch"
	fi
fi
