#!/usr/bin/env bash
# Install the Debian packages the lab needs, where they are missing.
. "$(dirname "$0")/lib.sh"

PKGS="linux-source-6.1 linux-source-6.12 gcc make bc bison flex libelf-dev libssl-dev cpio xz-utils
ccache qemu-system-x86 busybox-static v4l-utils shellcheck git git-email kmod sparse
liburing-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -n "$missing" ] || exit 0
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
say "installing:$missing"
run_logged "$LOGS/apt-update.log" $SUDO apt-get update -q
# shellcheck disable=SC2086
if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing \
	>"$LOGS/apt-install.log" 2>&1; then
	tail -n 20 "$LOGS/apt-install.log" >&2
	for p in $missing; do
		apt-cache show "$p" >/dev/null 2>&1 || say "package $p cannot be had"
	done
	die "installing the packages failed:$missing"
fi
