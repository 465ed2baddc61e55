# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153,SC2154 # series.sh's TREE, base, tip, version, fail
# The kernel test robot's checks, for make series: what 0-day builds and
# runs on a series once it is posted, run here before it is. Sourced by
# scripts/series.sh, which calls robot_checks after its W=1 check, with
# TREE, T, base, tip, SERIES, version, OUT, open and fail set. Each check
# runs on the base and on the series' last commit and fails only on what
# is new; one line each, with its time:
#   clang     LLVM=1 W=1, the lab's x86_64 config, the objects of the C
#             files the series changes (tools/ aside)
#   i386      ARCH=i386 W=1 with PAE and THP (scripts/robot-i386.config),
#             the same objects
#   nothp     x86_64 W=1 without THP and hugetlbfs
#             (scripts/robot-nothp.config), the same objects
#   cocci     scripts/coccicheck MODE=report on those C files and headers
#   htmldocs  make htmldocs, SPHINXDIRS the books of the files the series
#             changes in Documentation/ (none changed: nothing to do)
#   spdx      scripts/spdxcheck.py on every file the series changes
# The builds configure their own objects (build/obj/robot-<check>-<tree>,
# kept between runs: make check's are not needed), run make prepare, and
# compile only those objects, with ccache. coccicheck's and htmldocs'
# findings are kept by the content they ran on (build/obj/robot-cocci-*,
# robot-htmldocs-*): the base's are made once.
# The packages they need are installed when they first run (scripts/deps.sh
# robot), not by make deps: make check and make ci do without them. A
# check that cannot run is an open item (NOT RUN), and one whose tool
# fails is FAILED: never silence.
#   ROBOT=0            none of them (each an open item)
#   ROBOT_CHECKS="clang spdx"  only those (the others open items)
#   ROBOT_BREAK=NAME   the checks run on a throwaway commit on top of the
#                      series that breaks NAME's check on purpose (the
#                      mail is made from the series as it is): make
#                      seen-to-fail shows that each of them fails
# The builds, coccicheck and htmldocs check out the base and the series
# in the tree's source directory, as W=1 does (not while another build
# uses it); the series' last commit is checked out again at the end.

ROBOT_ALL="clang i386 nothp cocci htmldocs spdx"
# Debian's python3, whose packages (ply, GitPython, Sphinx) deps.sh
# installs: "python3" on the PATH may be another one (a pyenv's), without
# them.
ROBOT_PY=${ROBOT_PY:-/usr/bin/python3}

robot_label() { # CHECK: its name in the output
	case $1 in
	clang) echo "robot clang (LLVM=1 W=1)" ;;
	i386) echo "robot i386 (ARCH=i386 W=1, PAE, THP)" ;;
	nothp) echo "robot nothp (x86_64 W=1, !THP, !HUGETLBFS)" ;;
	cocci) echo "robot coccicheck (MODE=report)" ;;
	htmldocs) echo "robot htmldocs" ;;
	spdx) echo "robot spdxcheck" ;;
	esac
}
robot_not_run() { # CHECK WHY: an open item, as not_run's
	say "$(robot_label "$1"): NOT RUN ($2): open item"
	open+=("not checked: $(robot_label "$1") ($2)")
}
robot_failed() { # CHECK T0 WHY
	say "$(robot_label "$1"): FAILED: $3 ($(($(date +%s) - $2))s)"
	fail=1
}
robot_checkout() {
	git -C "$TREE" checkout -q -f --detach "$1"
}
# robot_make ARGS...: make in the tree, with the ccache settings of
# scripts/kernel.sh (objects of other object directories are hits), and
# without the variables of "make series ..." in MAKEFLAGS: the kernel's
# make takes them as its own, and WARNINGS=0 became tools/objtool's
# compiler flags ("gcc: error: 0: linker input file not found").
robot_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKEOVERRIDES -u MAKELEVEL \
		CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}" CCACHE_BASEDIR="$BUILD" CCACHE_NOHASHDIR=1 \
		CCACHE_SLOPPINESS=time_macros make -C "$TREE" -j"$(nproc)" "$@"
}
# robot_changed [PATHSPEC...]: the files the series (ROBOT_TIP) changes.
robot_changed() {
	git -C "$TREE" diff --name-only "$base" "$ROBOT_TIP" -- "$@"
}
# robot_copy REF DIR FILE...: the files as REF has them, under DIR (those
# REF has); prints their paths in DIR.
robot_copy() {
	local ref=$1 dir=$2 f
	shift 2
	rm -rf "$dir"
	mkdir -p "$dir"
	for f in "$@"; do
		git -C "$TREE" cat-file -e "$ref:$f" 2>/dev/null || continue
		mkdir -p "$dir/$(dirname "$f")"
		git -C "$TREE" show "$ref:$f" >"$dir/$f"
		echo "$dir/$f"
	done
}
# robot_new CHECK T0 WHAT: compare OUT/robot-CHECK-{base,series}.txt
# (sorted, one finding a line, repeats kept: comm takes them as a
# multiset) and say so; a finding the base lacks fails.
robot_new() {
	local c=$1 t0=$2 what=$3 b s new
	b=$(wc -l <"$OUT/robot-$c-base.txt")
	s=$(wc -l <"$OUT/robot-$c-series.txt")
	new=$(LC_ALL=C comm -13 "$OUT/robot-$c-base.txt" "$OUT/robot-$c-series.txt")
	if [ -n "$new" ]; then
		echo "$new"
		robot_failed "$c" "$t0" "$(echo "$new" | wc -l) new (above), $what: $b on $version, $s with the series (logs: $LOGS/robot-$SERIES-$c-*.log; $OUT/robot-$c-*.txt)"
	else
		say "$(robot_label "$c"): $what: $b on $version, $s with the series, none new ($(($(date +%s) - t0))s)"
	fi
}

# The config of a build: tinyconfig and the fragments, a later one's
# value of an option over an earlier one's. clang and nothp start from
# the lab's x86_64 kernels' (scripts/kernel.sh); i386 leaves out
# lab.config (64BIT=y) and the x86_64 guest's.
robot_frags() {
	local st=$LAB_TOP/tools/testing/selftests/media_userptr/config s=$LAB_TOP/scripts
	case $1 in
	clang) echo "$st $s/lab.config $s/lab-$T.config $s/mm.config $s/cow/config $s/arch-x86_64.config" ;;
	nothp) echo "$st $s/lab.config $s/lab-$T.config $s/mm.config $s/cow/config $s/arch-x86_64.config $s/robot-nothp.config" ;;
	i386) echo "$st $s/lab-$T.config $s/mm.config $s/cow/config $s/robot-i386.config" ;;
	esac
}
# robot_config_lost CONFIG FRAG...: the options of the fragments (the
# last one's value of each) that olddefconfig did not keep. Not lost: an
# option that scripts/lab-<tree>.config says is gone ("# lab: gone"), or
# that no Kconfig of the tree knows (7.x has no HIGHMEM64G: X86_PAE is
# asked for on its own too).
robot_config_lost() {
	local cfg=$1 opt val known gone
	shift
	gone=" $(sed -n 's/^# lab: gone \(CONFIG_[A-Za-z0-9_]*\)$/\1/p' "$LAB_TOP/scripts/lab-$T.config" | tr '\n' ' ')"
	known=""
	while IFS='=' read -r opt val; do
		case $gone in *" $opt "*) continue ;; esac
		if [ "$val" = n ]; then
			! grep -qx "$opt=[ym].*" "$cfg" && continue
		else
			! grep -qxF "$opt=$val" "$cfg" || continue
		fi
		[ -n "$known" ] || known=$(git -C "$TREE" grep -hoE '^[[:space:]]*(menu)?config [A-Za-z0-9_]+' -- '*Kconfig*' |
			awk '{ print "CONFIG_" $2 }' | LC_ALL=C sort -u)
		grep -qxF "$opt" <<<"$known" || continue
		printf ' %s=%s' "$opt" "$val"
	done < <(sed -nE 's/^(CONFIG_[A-Za-z0-9_]+)=(.*)$/\1=\2/p; s/^# (CONFIG_[A-Za-z0-9_]+) is not set$/\1=n/p' "$@" |
		awk -F= '{ v[$1] = $2; if (!($1 in o)) o[$1] = ++n } END { for (k in o) print o[k] "\t" k "=" v[k] }' |
		sort -n | cut -f2)
}
# robot_built LOG MAKEARGS...: which of ROBOT_OBJS this config builds
# (removed before): make -n of their directories names the ones it would
# compile. An object may be of a driver or a feature the config leaves
# out, and compiling it by name would give errors of no config.
robot_built() {
	local log=$1 dirs o plan
	shift
	dirs=$(printf '%s\n' "${ROBOT_OBJS[@]}" | xargs -n1 dirname | LC_ALL=C sort -u | sed 's|$|/|')
	# shellcheck disable=SC2086
	plan=$(robot_make "$@" -n $dirs 2>>"$log") || {
		echo "robot: make -n $dirs failed" >>"$log"
		return 1
	}
	for o in "${ROBOT_OBJS[@]}"; do
		! grep -qE -- "-o $o( |;|\$)" <<<"$plan" || echo "$o"
	done
}
# robot_build CHECK: clang, i386 or nothp.
robot_build() {
	local c=$1 t0 obj arch cc tools key frags lost side ref log rc o min have
	local mk=() built=() nb=() ns=()
	t0=$(date +%s)
	if [ "${#ROBOT_OBJS[@]}" = 0 ]; then
		say "$(robot_label "$c"): the series changes no C file outside tools/"
		return 0
	fi
	case $c in
	clang) arch=x86 cc=clang mk=(LLVM=1 "CC=ccache clang" "HOSTCC=ccache clang") ;;
	i386) arch=i386 cc=gcc mk=("CC=ccache gcc" "HOSTCC=ccache gcc") ;;
	nothp) arch=x86 cc=gcc mk=("CC=ccache gcc" "HOSTCC=ccache gcc") ;;
	esac
	tools=$cc
	[ "$c" != clang ] || tools="clang ld.lld llvm-ar llvm-nm llvm-objcopy"
	for o in $tools; do
		command -v "$o" >/dev/null || { robot_not_run "$c" "no $o: scripts/deps.sh robot did not install it"; return 0; }
	done
	# The tree's kbuild refuses a clang older than its minimum (7.x wants
	# 17, Debian 12 has 14): not run, rather than failed.
	if [ "$c" = clang ]; then
		min=$(SRCARCH=x86 sh "$TREE/scripts/min-tool-version.sh" llvm)
		have=$(clang -dumpversion)
		if [ "$(printf '%s\n' "$min" "$have" | sort -V | head -n 1)" != "$min" ]; then
			robot_not_run "$c" "clang $have, $version's kbuild needs $min or newer"
			return 0
		fi
	fi
	obj=$BUILD/obj/robot-$c-$T
	mk=(O="$obj" ARCH="$arch" "${mk[@]}" W=1)
	read -r -a frags <<<"$(robot_frags "$c")"
	# Configured again only when a fragment, the compiler or the base
	# changes: the series' Kconfig changes reach it through kbuild's
	# syncconfig, as they would a user's .config.
	key=$( (cat "${frags[@]}"; echo "${mk[*]}"; git -C "$TREE" rev-parse "$base"; $cc --version | head -n 1) |
		sha256sum | cut -c1-16)
	if [ "$(cat "$obj/lab-robot-key" 2>/dev/null)" != "$key" ]; then
		robot_checkout "$base"
		rm -f "$obj/lab-robot-key"
		mkdir -p "$obj"
		log=$LOGS/robot-$SERIES-$c-config.log
		if ! (robot_make "${mk[@]}" tinyconfig
			"$TREE/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}"
			robot_make "${mk[@]}" olddefconfig) >"$log" 2>&1; then
			tail -n 20 "$log"
			robot_failed "$c" "$t0" "configuring failed (log: $log)"
			return 0
		fi
		lost=$(robot_config_lost "$obj/.config" "${frags[@]}")
		if [ -n "$lost" ]; then
			robot_failed "$c" "$t0" "options lost after olddefconfig:$lost (log: $log)"
			return 0
		fi
		echo "$key" >"$obj/lab-robot-key"
	fi
	for side in base series; do
		ref=$base
		[ "$side" = base ] || ref=$ROBOT_TIP
		robot_checkout "$ref"
		log=$LOGS/robot-$SERIES-$c-$side.log
		for o in "${ROBOT_OBJS[@]}"; do rm -f "$obj/$o"; done
		rc=0 built=()
		robot_make "${mk[@]}" prepare >"$log" 2>&1 || rc=1
		[ "$rc" = 1 ] || robot_built "$log" "${mk[@]}" >"$obj/lab-robot-built" || rc=1
		[ "$rc" = 1 ] || mapfile -t built <"$obj/lab-robot-built"
		# In the C locale, the compilers quote with ' whatever the user's
		# (not LC_ALL=C: the kernel's Makefile unexports LC_ALL).
		if [ "$rc" = 0 ] && [ "${#built[@]}" -gt 0 ]; then
			LANG=C LC_CTYPE=C LC_MESSAGES=C robot_make "${mk[@]}" "${built[@]}" >>"$log" 2>&1 || rc=2
		fi
		# A compiler's error is a finding, counted as warnings are (the
		# base has none); make failing without one is the tool failing.
		grep -E '(warning|error):' "$log" | sed -E 's/:[0-9]+:[0-9]+:/:/' |
			sed -e "s|$TREE/||g" -e "s|$(realpath -m --relative-to="$obj" "$TREE")/||g" |
			LC_ALL=C sort >"$OUT/robot-$c-$side.txt" || true
		if [ "$rc" = 1 ] || { [ "$rc" = 2 ] && ! grep -q 'error:' "$log"; }; then
			tail -n 20 "$log"
			robot_failed "$c" "$t0" "make failed on the $side (log: $log)"
			return 0
		fi
		for o in "${built[@]}"; do
			[ "$rc" = 2 ] || [ -f "$obj/$o" ] || {
				robot_failed "$c" "$t0" "$o not built on the $side (log: $log)"
				return 0
			}
		done
		if [ "$side" = base ]; then nb=("${built[@]}"); else ns=("${built[@]}"); fi
	done
	local what="${#ns[@]} of ${#ROBOT_OBJS[@]} objects"
	[ "${#ns[@]}" = "${#nb[@]}" ] || what="$what (${#nb[@]} on the base)"
	[ "${#ns[@]}" = "${#ROBOT_OBJS[@]}" ] ||
		what="$what, not in its config: $(printf '%s\n' "${ROBOT_OBJS[@]}" "${ns[@]}" | sort | uniq -u | paste -sd' ' -)"
	robot_new "$c" "$t0" "$what, warnings"
}

# robot_cocci: scripts/coccicheck MODE=report on the C files and headers
# the series changes (tools/ aside), as "make coccicheck M=DIR" runs it
# on a directory: DIR is a copy of those files as the side has them (in
# the tree, spatch's prefilter greps all of it). In a git work tree
# spatch picks the files with git grep, which sees only tracked files:
# in build/, which the lab's git ignores, it found none ("0 files
# match") and said nothing; so DIR is a git work tree of its own, its
# files in its index, and a run whose prefilter matches none of them
# fails. Every semantic patch of the side's scripts/coccinelle, one
# spatch each, J jobs. The findings are kept by the files' and semantic
# patches' ids: the base's are made once.
robot_cocci() {
	local t0 side ref key dir log cache f files=() paths=()
	t0=$(date +%s)
	mapfile -t files < <(robot_changed '*.c' '*.h' ':!tools/')
	if [ "${#files[@]}" = 0 ]; then
		say "$(robot_label cocci): the series changes no C file outside tools/"
		return 0
	fi
	command -v spatch >/dev/null || { robot_not_run cocci "no spatch: scripts/deps.sh robot did not install coccinelle"; return 0; }
	mkdir -p "$BUILD/obj/robot-cocci-$T"
	for side in base series; do
		ref=$base
		[ "$side" = base ] || ref=$ROBOT_TIP
		key=$( (for f in "${files[@]}"; do git -C "$TREE" rev-parse -q --verify "$ref:$f" || echo "$f: none"; done
			git -C "$TREE" rev-parse "$ref:scripts/coccinelle" "$ref:scripts/coccicheck"
			spatch --version | head -n 1) | sha256sum | cut -c1-16)
		cache=$BUILD/obj/robot-cocci-$T/$key.txt
		log=$LOGS/robot-$SERIES-cocci-$side.log
		if [ ! -f "$cache" ]; then
			robot_checkout "$ref"
			dir=$BUILD/obj/robot-cocci-$T/$side
			mapfile -t paths < <(robot_copy "$ref" "$dir" "${files[@]}")
			git init -q "$dir"
			git -C "$dir" add -A
			if ! (cd "$TREE" && env -u C -u COCCI -u SPFLAGS -u DEBUG_FILE -u V MODE=report \
				J="$(nproc)" srctree="$TREE" KBUILD_EXTMOD="$dir" SPATCH=spatch \
				bash scripts/coccicheck) >"$log" 2>&1 ||
				! grep -q "^$(command -v spatch) " "$log"; then
				tail -n 20 "$log"
				robot_failed cocci "$t0" "coccicheck failed on the $side (log: $log)"
				return 0
			fi
			if [ "${#paths[@]}" -gt 0 ] && grep -q ' files match$' "$log" &&
				! grep -qE '^[1-9][0-9]* files match$' "$log"; then
				robot_failed cocci "$t0" "spatch's prefilter matched none of the ${#paths[@]} files on the $side: it did not read them (log: $log)"
				return 0
			fi
			# Without the line numbers, which the series moves.
			grep "^$dir/" "$log" | sed -e "s|^$dir/||" -E -e 's/:[0-9]+:[0-9]+(-[0-9]+)?:/:/' \
				-e 's/line [0-9]+/line N/g' | LC_ALL=C sort >"$cache.tmp" || true
			mv "$cache.tmp" "$cache"
			cp "$log" "${cache%.txt}.log"
		else
			cp "${cache%.txt}.log" "$log" 2>/dev/null || true
		fi
		cp "$cache" "$OUT/robot-cocci-$side.txt"
	done
	robot_new cocci "$t0" "${#files[@]} files, reports"
}

# robot_htmldocs: make htmldocs of the books (SPHINXDIRS) that hold the
# files the series changes in Documentation/: the second level's
# directory that has an index.rst (userspace-api/media), else the first's.
# Sphinx reads again only what changed since its last run, and warns only
# there: each side is built whole (-E), and its warnings kept by the
# tree's Documentation/, include/ and scripts/ (kernel-doc, the
# extensions).
robot_htmldocs() {
	local t0 side ref key o log cache sd a r b f docs=() sdirs=()
	t0=$(date +%s)
	mapfile -t docs < <(robot_changed Documentation/)
	if [ "${#docs[@]}" = 0 ]; then
		say "$(robot_label htmldocs): the series changes nothing in Documentation/"
		return 0
	fi
	if [ ! -x /usr/bin/sphinx-build ] || ! command -v dot >/dev/null; then
		robot_not_run htmldocs "no /usr/bin/sphinx-build or dot: scripts/deps.sh robot did not install python3-sphinx and graphviz"
		return 0
	fi
	mapfile -t sdirs < <(for f in "${docs[@]}"; do
		r=${f#Documentation/} a=${r%%/*} b=""
		[ "$a" = "$r" ] || { b=${r#*/}; b=${b%%/*}; }
		if [ -n "$b" ] && [ "$b" != "${r#*/}" ] &&
			git -C "$TREE" cat-file -e "$ROBOT_TIP:Documentation/$a/$b/index.rst" 2>/dev/null; then
			echo "$a/$b"
		elif [ "$a" != "$r" ] && git -C "$TREE" cat-file -e "$ROBOT_TIP:Documentation/$a/index.rst" 2>/dev/null; then
			echo "$a"
		else
			echo .
		fi
	done | LC_ALL=C sort -u)
	# The whole of Documentation/ holds every book.
	! printf '%s\n' "${sdirs[@]}" | grep -qx . || sdirs=(.)
	mkdir -p "$BUILD/obj/robot-htmldocs-$T"
	for side in base series; do
		ref=$base
		[ "$side" = base ] || ref=$ROBOT_TIP
		key=$( (git -C "$TREE" rev-parse "$ref:Documentation" "$ref:include" "$ref:scripts"
			echo "${sdirs[*]}"; /usr/bin/sphinx-build --version) | sha256sum | cut -c1-16)
		cache=$BUILD/obj/robot-htmldocs-$T/$key.txt
		log=$LOGS/robot-$SERIES-htmldocs-$side.log
		o=$BUILD/obj/robot-htmldocs-$T/$side
		if [ ! -f "$cache" ]; then
			robot_checkout "$ref"
			if ! robot_make O="$o" SPHINXDIRS="${sdirs[*]}" SPHINXOPTS="-E -q" \
				PYTHON3="$ROBOT_PY" SPHINXBUILD=/usr/bin/sphinx-build htmldocs >"$log" 2>&1; then
				tail -n 20 "$log"
				robot_failed htmldocs "$t0" "make htmldocs failed on the $side (log: $log)"
				return 0
			fi
			for sd in "${sdirs[@]}"; do
				[ -f "$o/Documentation/output/$sd/index.html" ] || {
					robot_failed htmldocs "$t0" "no $sd/index.html on the $side (log: $log)"
					return 0
				}
			done
			grep -E '(WARNING|ERROR|SEVERE|CRITICAL):|(warning|error): ' "$log" |
				sed -e "s|$o/||g" -e "s|$TREE/||g" -E -e 's/:[0-9]+:/:/g' |
				LC_ALL=C sort >"$cache.tmp" || true
			mv "$cache.tmp" "$cache"
			cp "$log" "${cache%.txt}.log"
		else
			cp "${cache%.txt}.log" "$log" 2>/dev/null || true
		fi
		cp "$cache" "$OUT/robot-htmldocs-$side.txt"
	done
	robot_new htmldocs "$t0" "SPHINXDIRS=${sdirs[*]}, warnings"
}

# robot_spdx: scripts/spdxcheck.py on every file the series changes,
# selftests and docs too, as each side has it. It reads the valid
# licenses from the tree's git (LICENSES/), with Debian's python3 and its
# ply and GitPython; run on a copy of the files, it names them by their
# path there. It exits 0 whatever it finds (on stdout): a traceback and
# exit 1 is the tool failing, and "Files checked" (-v, on stderr) must be
# every file given.
robot_spdx() {
	local t0 side ref dir log checked files=() paths=()
	t0=$(date +%s)
	mapfile -t files < <(robot_changed)
	if ! "$ROBOT_PY" -c 'import ply, git' 2>"$LOGS/robot-$SERIES-spdx-import.log"; then
		robot_not_run spdx "$ROBOT_PY cannot import ply and git ($(tail -n 1 "$LOGS/robot-$SERIES-spdx-import.log")): scripts/deps.sh robot installs python3-ply and python3-git, for /usr/bin/python3"
		return 0
	fi
	for side in base series; do
		ref=$base
		[ "$side" = base ] || ref=$ROBOT_TIP
		dir=$BUILD/obj/robot-spdx-$T/$side
		log=$LOGS/robot-$SERIES-spdx-$side.log
		mapfile -t paths < <(robot_copy "$ref" "$dir" "${files[@]}")
		if [ "${#paths[@]}" = 0 ]; then
			: >"$OUT/robot-spdx-$side.txt"
			continue
		fi
		if ! (cd "$TREE" && "$ROBOT_PY" scripts/spdxcheck.py -v "${paths[@]}") \
			>"$OUT/robot-spdx-$side.raw" 2>"$log"; then
			tail -n 20 "$log"
			robot_failed spdx "$t0" "spdxcheck.py failed on the $side (log: $log)"
			return 0
		fi
		checked=$(sed -n 's/^Files checked: *//p' "$log")
		if [ "$checked" != "${#paths[@]}" ]; then
			cat "$log"
			robot_failed spdx "$t0" "spdxcheck.py checked ${checked:-no} files of ${#paths[@]} on the $side (log: $log)"
			return 0
		fi
		sed -e "s|^$dir/||" -E -e 's/: [0-9]+:[0-9]+ /: /' "$OUT/robot-spdx-$side.raw" |
			LC_ALL=C sort >"$OUT/robot-spdx-$side.txt"
		rm -f "$OUT/robot-spdx-$side.raw"
	done
	robot_new spdx "$t0" "${#files[@]} files, findings"
}

# ROBOT_BREAK=NAME: a throwaway commit on top of the series (in the
# tree's object store only, on no branch) that NAME's check must find:
#   clang     a u8 compared with 256: clang's W=1 warns
#             (-Wtautological-constant-out-of-range-compare), gcc's has
#             -Wno-type-limits (and an unused static inline function
#             would not do: the kernel marks them __maybe_unused up to W=2)
#   i386      a pointer cast to u64: of another size on 32-bit only
#   nothp     a helper that only code under CONFIG_TRANSPARENT_HUGEPAGE
#             calls: unused without THP
#   cocci     a NULL test before kfree(), which ifnullfree.cocci reports
#   htmldocs  a section title with too short an underline
#   spdx      an SPDX-License-Identifier of no license
# in the first C file that the series changes (htmldocs: its first
# Documentation/ file, one of the uAPI's if it changes any).
robot_break_edit() { # NAME: the breaking change, stdin to stdout
	cat
	echo
	case $1 in
	clang) printf '%s\n' "/* ROBOT_BREAK=clang: always false, which only clang's W=1 reports */" \
		"int robot_break_clang(u8 v);" "int robot_break_clang(u8 v)" "{" "	return v > 256;" "}" ;;
	i386) printf '%s\n' "/* ROBOT_BREAK=i386: a pointer is not 64-bit on i386 */" \
		"u64 robot_break_i386(void *p);" "u64 robot_break_i386(void *p)" "{" "	return (u64)p;" "}" ;;
	nothp) printf '%s\n' "/* ROBOT_BREAK=nothp: unused without THP */" \
		"static void robot_break_nothp(void)" "{" "}" "" \
		"#ifdef CONFIG_TRANSPARENT_HUGEPAGE" "void robot_break_nothp_user(void);" \
		"void robot_break_nothp_user(void)" "{" "	robot_break_nothp();" "}" "#endif" ;;
	cocci) printf '%s\n' "/* ROBOT_BREAK=cocci: kfree(NULL) is fine */" "#include <linux/slab.h>" \
		"void robot_break_cocci(void *p);" "void robot_break_cocci(void *p)" "{" \
		"	if (p)" "		kfree(p);" "}" ;;
	htmldocs) printf '%s\n' "Robot break" "=====" "" "ROBOT_BREAK=htmldocs: the title's underline is too short." ;;
	esac
}
robot_break_commit() { # NAME: prints the commit and what it broke where
	local f idx blob tree commit
	case $1 in
	htmldocs) f=$( (robot_changed 'Documentation/userspace-api/*.rst'
		robot_changed 'Documentation/*.rst') | head -n 1) ;;
	*) f=$(robot_changed '*.c' ':!tools/' | head -n 1) ;;
	esac
	[ -n "$f" ] || die "ROBOT_BREAK=$1: the series changes no file that it could break"
	git -C "$TREE" cat-file -e "$ROBOT_TIP:$f" || die "ROBOT_BREAK=$1: $f is deleted by the series"
	if [ "$1" = spdx ]; then
		blob=$(git -C "$TREE" show "$ROBOT_TIP:$f" |
			sed '0,/SPDX-License-Identifier: /s/\(SPDX-License-Identifier: \)[^*]*[^ *]/\1GPL-2.0-robot-break/' |
			git -C "$TREE" hash-object -w --stdin)
	else
		blob=$(git -C "$TREE" show "$ROBOT_TIP:$f" | robot_break_edit "$1" |
			git -C "$TREE" hash-object -w --stdin)
	fi
	idx=$(mktemp)
	rm -f "$idx"
	GIT_INDEX_FILE=$idx git -C "$TREE" read-tree "$ROBOT_TIP"
	GIT_INDEX_FILE=$idx git -C "$TREE" update-index --cacheinfo "100644,$blob,$f"
	tree=$(GIT_INDEX_FILE=$idx git -C "$TREE" write-tree)
	rm -f "$idx"
	commit=$(git -C "$TREE" commit-tree -p "$ROBOT_TIP" -m "ROBOT_BREAK=$1 (make series, thrown away)" "$tree")
	[ "$(git -C "$TREE" diff --name-only "$ROBOT_TIP" "$commit")" = "$f" ] ||
		die "ROBOT_BREAK=$1: the change to $f did not take"
	echo "$commit $f"
}

robot_checks() {
	local c f want=${ROBOT_CHECKS:-$ROBOT_ALL}
	for c in $want; do
		case " $ROBOT_ALL " in *" $c "*) ;; *) die "ROBOT_CHECKS=$want: $c is none of $ROBOT_ALL" ;; esac
	done
	if [ "${ROBOT:-1}" = 0 ]; then
		for c in $ROBOT_ALL; do robot_not_run "$c" "ROBOT=0"; done
		return 0
	fi
	ROBOT_TIP=$tip
	if [ -n "${ROBOT_BREAK:-}" ]; then
		case " $ROBOT_ALL " in *" $ROBOT_BREAK "*) ;; *) die "ROBOT_BREAK=$ROBOT_BREAK: one of $ROBOT_ALL" ;; esac
		f=$(robot_break_commit "$ROBOT_BREAK")
		ROBOT_TIP=${f%% *} f=${f#* }
		say "robot: ROBOT_BREAK=$ROBOT_BREAK: the checks run on a throwaway commit (${ROBOT_TIP:0:12}) that breaks $f on top of the series; the mail is the series as it is"
		open+=("ROBOT_BREAK=$ROBOT_BREAK: the robot checks ran on a broken copy of the series, not on the series")
	fi
	# Only what is missing is installed; a failure leaves the checks
	# whose tools are missing not run (each says so).
	if ! bash "$LAB_TOP/scripts/deps.sh" robot; then
		say "robot: installing the robot's packages FAILED (log: $LOGS/apt-install.log): the checks that lack their tools are not run"
	fi
	ROBOT_OBJS=()
	mapfile -t ROBOT_OBJS < <(robot_changed '*.c' ':!tools/' | sed 's/\.c$/.o/')
	for c in $ROBOT_ALL; do
		case " $want " in *" $c "*) ;; *) robot_not_run "$c" "ROBOT_CHECKS=$want"; continue ;; esac
		case $c in
		clang | i386 | nothp) robot_build "$c" ;;
		cocci) robot_cocci ;;
		htmldocs) robot_htmldocs ;;
		spdx) robot_spdx ;;
		esac
	done
	robot_checkout "$tip"
}
