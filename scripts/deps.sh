#!/usr/bin/env bash
# Install the Debian packages the lab needs, where they are missing. With
# ARCH=arm64 also the cross compiler and qemu-system-aarch64, and the arm64
# packages the guest takes its programs from (busybox, v4l2-compliance and
# the libraries it needs, liburing for cow.c): downloaded with apt-get
# download and unpacked into build/arm64/sysroot, never installed.
#   scripts/deps.sh robot   only what make series' robot checks need
#                           (scripts/robot.sh), nothing else
# The robot's packages are not the lab's: make deps, make check and make
# ci do without them (so CI does not install them), and make series
# installs them the first time it runs those checks.
. "$(dirname "$0")/lib.sh"

PKGS="linux-source-6.1 linux-source-6.12 gcc make bc bison flex libelf-dev libssl-dev cpio xz-utils
ccache shellcheck git git-email kmod sparse rsync"
# The 7.3 tree (the default mainline tree, scripts/lib.sh) comes through
# the lab's own apt (scripts/apt.sh), whose suites the host's Debian
# keyring verifies. So does v4l-utils 1.32 (V4L_UTILS, scripts/lib.sh).
if [ "$MAINLINE_TREE" != 6.12 ] || [ "$V4L_UTILS" != 1.22 ]; then
	PKGS="$PKGS debian-archive-keyring"
fi
case $LAB_ARCH in
x86_64) PKGS="$PKGS qemu-system-x86 busybox-static v4l-utils liburing-dev" ;;
arm64) PKGS="$PKGS gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu qemu-system-arm" ;;
esac
# The guest's packages of another architecture (SYSROOT, scripts/lib.sh).
GUEST_PKGS="busybox-static v4l-utils libv4l-0 libv4lconvert0 libjpeg62-turbo libstdc++6 libgcc-s1 libc6
liburing-dev liburing2"

# The robot checks of make series (scripts/robot.sh): clang, ld.lld and
# the llvm tools for LLVM=1; spatch for coccicheck; ply and GitPython,
# which scripts/spdxcheck.py imports; Sphinx, the Read the Docs theme
# (6.1's conf.py asks for it), PyYAML and graphviz's dot (the media docs'
# figures) for htmldocs, as scripts/sphinx-pre-install lists them for
# Debian (not LaTeX: HTML only). Debian 12's own versions; nothing is
# upgraded.
ROBOT_PKGS="clang lld llvm coccinelle python3-ply python3-git python3-sphinx
python3-sphinx-rtd-theme python3-yaml graphviz"

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
# install_missing [--update] PKG...: apt-get install those of PKG that are
# not installed (none installed is upgraded); --update runs apt-get
# update first even when none is missing.
install_missing() {
	local p missing="" update=0
	if [ "$1" = --update ]; then update=1; shift; fi
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	if [ -n "$missing" ] || [ "$update" = 1 ]; then
		run_logged "$LOGS/apt-update.log" $SUDO apt-get update -q
	fi
	[ -n "$missing" ] || return 0
	say "installing:$missing"
	# shellcheck disable=SC2086
	if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-upgrade $missing \
		>"$LOGS/apt-install.log" 2>&1; then
		tail -n 20 "$LOGS/apt-install.log" >&2
		for p in $missing; do
			apt-cache show "$p" >/dev/null 2>&1 || say "package $p cannot be had"
		done
		die "installing the packages failed:$missing"
	fi
}

if [ "${1:-}" = robot ]; then
	# shellcheck disable=SC2086
	install_missing $ROBOT_PKGS
	exit 0
fi
[ $# = 0 ] || die "scripts/deps.sh [robot], not $*"

foreign=1
if [ "$LAB_ARCH" != x86_64 ] && ! dpkg --print-foreign-architectures | grep -qx "$LAB_ARCH"; then
	say "adding the $LAB_ARCH architecture to dpkg (for apt-get download)"
	$SUDO dpkg --add-architecture "$LAB_ARCH"
	foreign=0
fi
upd=()
[ "$foreign" = 1 ] || upd=(--update)
# shellcheck disable=SC2086
install_missing "${upd[@]}" $PKGS

# v4l-utils 1.32 (V4L_UTILS=1.32, the default): sid's packages (scripts/lib.sh
# V4L132_PKGS), through the lab's own apt, unpacked into V4L132_ROOT,
# never installed; unpacked again whenever the set's MANIFEST changes
# (scripts/apt.sh fetches a set once; removing build/apt/debs/<set>
# fetches sid's current versions).
v4l132() {
	local set=v4l-utils-1.32-$LAB_ARCH debs d ver
	debs=$BUILD/apt/debs/$set
	# shellcheck disable=SC2046,SC2086
	bash "$LAB_TOP/scripts/apt.sh" get "$set" $(printf '%s/sid ' $V4L132_PKGS)
	ver=$(awk '$1 == "v4l-utils" { print $2 }' "$debs/MANIFEST")
	case $ver in
	1.32.*) ;;
	*) die "sid's v4l-utils is $ver, not 1.32 (remove $debs when sid has moved on, and see what the new version needs)" ;;
	esac
	cmp -s "$debs/MANIFEST" "$V4L132_ROOT/.lab-manifest" && return 0
	rm -rf "$V4L132_ROOT"
	mkdir -p "$V4L132_ROOT"
	for d in "$debs"/*.deb; do
		dpkg-deb -x "$d" "$V4L132_ROOT"
	done
	cp "$debs/MANIFEST" "$V4L132_ROOT/.lab-manifest"
	say "v4l-utils $ver from sid, with its libraries, unpacked into ${V4L132_ROOT#"$LAB_TOP"/}"
}
[ "$V4L_UTILS" = 1.22 ] || v4l132
[ -n "$SYSROOT" ] || exit 0

# The sysroot: unpacked once; removing it (or make clean) fetches the
# packages' current versions again.
# shellcheck disable=SC2086
want=$(printf '%s\n' $GUEST_PKGS | sort | tr '\n' ' ')
[ "$(cat "$SYSROOT/.lab-packages" 2>/dev/null)" != "$want" ] || exit 0
DEBS=$ABUILD/debs
rm -rf "$DEBS" "$SYSROOT"
mkdir -p "$DEBS" "$SYSROOT"
say "downloading the guest's $LAB_ARCH packages into $SYSROOT"
# shellcheck disable=SC2086
mapfile -t dl < <(printf "%s:$LAB_ARCH\n" $GUEST_PKGS)
if ! (cd "$DEBS" && apt-get download "${dl[@]}") >"$LOGS/apt-download.log" 2>&1; then
	tail -n 20 "$LOGS/apt-download.log" >&2
	die "downloading the $LAB_ARCH packages failed"
fi
for d in "$DEBS"/*.deb; do
	dpkg-deb -x "$d" "$SYSROOT"
done
printf '%s' "$want" >"$SYSROOT/.lab-packages"
