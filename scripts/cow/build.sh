#!/bin/sh
# Build mainline's mm selftest cow.c, statically, for the lab's 6.1 guests:
#
#   scripts/cow/build.sh OUTDIR [TREE [HDRS]]
#
# TREE (or $COW_TREE; default build/linux-6.12): a mainline tree that has
#   tools/testing/selftests/mm/cow.c, read only: cow.c, vm_util.c and
#   thp_settings.c are compiled from it as they are.
# HDRS (or $COW_HDRS): the INSTALL_HDR_PATH of a 6.1 "make headers_install";
#   cow.c is built against the uapi of the kernel it runs on, and
#   scripts/cow/compat.h fills in what that lacks.
# CC (default gcc), COW_CFLAGS and COW_LDFLAGS (default none: where
# another architecture's liburing is, scripts/initramfs.sh).
#
# Writes OUTDIR/cow and OUTDIR/local_config.h (the tree's check_config.sh
# writes that file into the tree itself; we write our own). cow.c takes its
# io_uring test cases only with liburing, statically here: Debian's
# liburing-dev ships liburing.a. Without it the build goes on, and cow.c
# reports those cases as skipped.
#
# cow.c uses gup_test's PIN_LONGTERM_TEST_* ioctls, which 6.1 lacks:
# patches/lab/0001-*.patch adds them with mainline's ABI, which is why the
# tree's mm/gup_test.h (included by cow.c) is the right header.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
	echo "usage: $0 OUTDIR [TREE [HDRS]]" >&2
	exit 2
fi
out=$1
tree=${2:-${COW_TREE:-$top/build/linux-6.12}}
hdrs=${3:-${COW_HDRS:-}}
cc=${CC:-gcc}
cflags=${COW_CFLAGS:-}
ldflags=${COW_LDFLAGS:-}

[ -n "$hdrs" ] || { echo "$0: no 6.1 uapi headers: give HDRS or COW_HDRS" >&2; exit 2; }
mm=$tree/tools/testing/selftests/mm
[ -f "$mm/cow.c" ] || { echo "$0: no $mm/cow.c" >&2; exit 1; }
[ -f "$hdrs/include/linux/mman.h" ] ||
	{ echo "$0: $hdrs is not a headers_install dir" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

# liburing, linked statically.
uring=""
# shellcheck disable=SC2086
if printf '#include <liburing.h>\nint main(void) { return io_uring_queue_exit == 0; }\n' |
	"$cc" $cflags -static -x c -o /dev/null - $ldflags -luring >/dev/null 2>&1; then
	uring=-luring
	echo "#define LOCAL_CONFIG_HAVE_LIBURING 1" >"$out/local_config.h"
else
	echo "$0: no static liburing (liburing-dev): io_uring cases will skip" >&2
	echo "// No liburing support found" >"$out/local_config.h"
fi
# A local_config.h in the tree wins over ours (cow.c includes it with
# quotes, from its own directory first): link as that one says.
if [ -f "$mm/local_config.h" ]; then
	if grep -q LOCAL_CONFIG_HAVE_LIBURING "$mm/local_config.h"; then
		[ -n "$uring" ] || { echo "$0: $mm/local_config.h wants liburing" >&2; exit 1; }
	else
		uring=""
	fi
fi

set -x
# shellcheck disable=SC2086
"$cc" -Wall -O2 -U_FORTIFY_SOURCE -static \
	-I "$tree" -I "$out" -isystem "$hdrs/include" -include "$here/compat.h" $cflags \
	"$mm/cow.c" "$mm/vm_util.c" "$mm/thp_settings.c" \
	$ldflags $uring -lrt -lpthread -lm -o "$out/cow"
