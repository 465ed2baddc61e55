#!/usr/bin/env bash
# The lab's own apt: Debian suites the host does not follow (trixie,
# trixie-backports, sid), from the mirror the host's apt already uses, with
# lists, state and cache of its own under build/apt/. Packages are
# downloaded, never installed: the host's apt lists, its dpkg database and
# its packages are neither read for resolving nor changed.
#   scripts/apt.sh update               fetch the suites' lists again
#   scripts/apt.sh get SET PKG[/SUITE]...
#       download the .debs of exactly these packages (no dependencies) into
#       build/apt/debs/SET/, with MANIFEST: package, version, suite, size,
#       sha256. Done once: the set is fetched again only when its list
#       of packages changes or the directory is removed.
#   scripts/apt.sh source SET PKG[/SUITE]...
#       the same with apt-get source --download-only (.dsc and tarballs)
#       into build/apt/src/SET/.
#
# The mirror: LAB_APT_MIRROR, or the URI of the host's first Debian entry
# in /etc/apt/sources.list, sources.list.d/*.list and *.sources (deb822).
# The host's Debian archive keyring verifies the suites' Release files:
# apt-get fails, as it does by default, on a suite it cannot verify.
. "$(dirname "$0")/lib.sh"

APT=$BUILD/apt
APT_SUITES=${LAB_APT_SUITES:-trixie trixie-backports sid}
APT_KEYRING=${LAB_APT_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
APT_LOG=$LOGS/apt-lab.log
# The host's apt configuration, read for its mirror only (another for tests).
HOST_APT=${LAB_APT_HOST_ETC:-/etc/apt}

# host_mirrors: the URIs of the host's Debian entries, first first. A Debian
# entry is a "deb" entry of a suite of the Debian archive proper (a
# codename or a release class, with -updates, -backports or
# -proposed-updates): not -security, which is another archive, nor a
# third party's suite. Files apt itself would skip (other extensions,
# "Enabled: no") are skipped too.
host_mirrors() {
	local files=() f
	[ -f "$HOST_APT/sources.list" ] && files+=("$HOST_APT/sources.list")
	for f in "$HOST_APT"/sources.list.d/*.list "$HOST_APT"/sources.list.d/*.sources; do
		[ -f "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] || return 0
	awk '
	function debian(s) {
		return s ~ /^(buzz|rex|bo|hamm|slink|potato|woody|sarge|etch|lenny|squeeze|wheezy|jessie|stretch|buster|bullseye|bookworm|trixie|forky|duke|sid|oldoldstable|oldstable|stable|testing|unstable|experimental)(-updates|-backports|-proposed-updates)?$/
	}
	function flush(   n, i, u, s, ok) {
		if (st_types ~ /(^| )deb( |$)/ && st_enabled !~ /^(no|false)$/) {
			n = split(st_suites, s, " ")
			ok = 0
			for (i = 1; i <= n; i++) if (debian(s[i])) ok = 1
			if (ok) { n = split(st_uris, u, " "); for (i = 1; i <= n; i++) print u[i] }
		}
		st_types = st_uris = st_suites = st_enabled = ""
	}
	FNR == 1 { if (deb822) flush(); deb822 = FILENAME ~ /\.sources$/ }
	deb822 && /^[ \t]*#/ { next }
	{ sub(/#.*/, "") }
	!deb822 {
		if ($1 != "deb") next
		line = $0
		sub(/^deb[ \t]+/, "", line)
		if (line ~ /^\[/) sub(/^\[[^]]*\][ \t]*/, "", line)
		split(line, w, /[ \t]+/)
		if (debian(w[2])) print w[1]
		next
	}
	/^[ \t]*$/ { flush(); next }
	/^[ \t]/ { next }
	{
		k = tolower($0); sub(/:.*/, "", k)
		v = $0; sub(/^[^:]*:[ \t]*/, "", v); sub(/[ \t]+$/, "", v)
		if (k == "types") st_types = v
		else if (k == "uris") st_uris = v
		else if (k == "suites") st_suites = v
		else if (k == "enabled") st_enabled = tolower(v)
	}
	END { if (deb822) flush() }
	' "${files[@]}" | sed 's,/*$,,' | awk '!seen[$0]++'
}

# configure: build/apt/{sources.list,apt.conf,preferences.d,state,cache}.
# Prints nothing; the sources list names the mirror, under build/ only.
configure() {
	local mirror archs
	mirror=${LAB_APT_MIRROR:-$(host_mirrors | head -n 1)}
	[ -n "$mirror" ] ||
		die "no Debian entry in the host's apt sources (/etc/apt/sources.list, sources.list.d/): set LAB_APT_MIRROR"
	[ -r "$APT_KEYRING" ] ||
		die "$APT_KEYRING is missing: install debian-archive-keyring (make deps)"
	archs=$(dpkg --print-architecture)
	case $LAB_ARCH in
	arm64) [ "$archs" = arm64 ] || archs="$archs arm64" ;;
	esac
	mkdir -p "$APT/state/lists/partial" "$APT/cache/archives/partial" "$APT/preferences.d" \
		"$APT/debs" "$APT/src"
	: >"$APT/state/status.new"
	[ -f "$APT/state/status" ] || mv "$APT/state/status.new" "$APT/state/status"
	rm -f "$APT/state/status.new"
	cat >"$APT/lab.sources.new" <<EOF
# Written by scripts/apt.sh: the host's Debian mirror, the lab's suites.
Types: deb deb-src
URIs: $mirror
Suites: $APT_SUITES
Components: main
Architectures: $archs
Signed-By: $APT_KEYRING
EOF
	# The hooks the host runs after its own updates (PackageKit's and
	# AppStream's cache refreshes, ...) are cleared: this update is not
	# the host's. Its other settings (proxies, ...) still hold.
	cat >"$APT/apt.conf.new" <<EOF
// Written by scripts/apt.sh: apt-get -c this file.
Dir::Etc::SourceList "$APT/lab.sources";
Dir::Etc::SourceParts "-";
Dir::Etc::Preferences "$APT/preferences";
Dir::Etc::PreferencesParts "$APT/preferences.d";
Dir::State "$APT/state";
Dir::State::Lists "$APT/state/lists";
Dir::State::status "$APT/state/status";
Dir::Cache "$APT/cache";
Dir::Cache::Archives "$APT/cache/archives";
Acquire::AllowInsecureRepositories "false";
Acquire::AllowDowngradeToInsecureRepositories "false";
APT::Get::AllowUnauthenticated "false";
#clear APT::Update::Pre-Invoke;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
#clear DPkg::Pre-Invoke;
#clear DPkg::Post-Invoke;
EOF
	local f
	for f in lab.sources apt.conf; do
		if cmp -s "$APT/$f.new" "$APT/$f"; then
			rm "$APT/$f.new"
		else
			mv "$APT/$f.new" "$APT/$f"
			rm -f "$APT/state/lab-updated"
		fi
	done
}

lab_apt() {
	local tool=$1
	shift
	"$tool" -c "$APT/apt.conf" "$@"
}

update() {
	local t
	t=$(date +%s)
	run_logged "$APT_LOG" lab_apt apt-get -q update
	# apt-get update only warns about a suite it could not fetch.
	if grep -E '^(W|E): ' "$APT_LOG" | grep -v -E 'unsandboxed as root' >&2; then
		die "apt-get update of the lab's suites ($APT_SUITES) was not clean: $APT_LOG"
	fi
	date +%s >"$APT/state/lab-updated"
	say "apt: $APT_SUITES from $(sed -n 's/^URIs: //p' "$APT/lab.sources"):" \
		"$(grep -o 'Fetched .*' "$APT_LOG" || echo 'lists unchanged'), in $(( $(date +%s) - t ))s"
}

ensure_lists() {
	[ -f "$APT/state/lab-updated" ] || update
}

# fetch KIND SET PKG...: KIND is get or source.
fetch() {
	local kind=$1 set=$2 dir want t p name suite ver
	shift 2
	[ $# -gt 0 ] || die "apt.sh $kind $set: no packages"
	case $kind in get) dir=$APT/debs/$set ;; *) dir=$APT/src/$set ;; esac
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	[ "$(cat "$dir/.lab-packages" 2>/dev/null)" != "$want" ] || return 0
	ensure_lists
	rm -rf "$dir"
	mkdir -p "$dir"
	t=$(date +%s)
	# A package that is not at the named suite's candidate any more (sid
	# moves every day) is looked for again with fresh lists, once.
	local args=()
	for p in "$@"; do
		case $LAB_ARCH:$kind:$p in
		arm64:get:*/*) args+=("${p%%/*}:arm64/${p#*/}") ;;
		arm64:get:*) args+=("$p:arm64") ;;
		*) args+=("$p") ;;
		esac
	done
	if ! (cd "$dir" && fetch_cmd "$kind" "${args[@]}") >"$LOGS/apt-lab-$set.log" 2>&1; then
		update
		rm -rf "$dir"
		mkdir -p "$dir"
		if ! (cd "$dir" && fetch_cmd "$kind" "${args[@]}") >"$LOGS/apt-lab-$set.log" 2>&1; then
			tail -n 20 "$LOGS/apt-lab-$set.log" >&2
			die "downloading $set ($*) failed"
		fi
	fi
	{
		printf '# package version suite size sha256\n'
		for p in "$@"; do
			name=${p%%/*}
			suite=-
			[ "$name" = "$p" ] || suite=${p#*/}
			if [ "$kind" = get ]; then
				for f in "$dir/${name}"_*.deb; do
					ver=$(dpkg-deb -f "$f" Version)
					printf '%s %s %s %s %s\n' "$name" "$ver" "$suite" \
						"$(stat -c %s "$f")" "$(sha256sum "$f" | cut -d' ' -f1)"
				done
			fi
		done
		if [ "$kind" = source ]; then
			for f in "$dir"/*; do
				printf '%s - - %s %s\n' "${f##*/}" \
					"$(stat -c %s "$f")" "$(sha256sum "$f" | cut -d' ' -f1)"
			done
		fi
	} >"$dir/MANIFEST"
	printf '%s' "$want" >"$dir/.lab-packages"
	say "apt: $set: $(du -sh --apparent-size "$dir" | cut -f1)B in $(( $(date +%s) - t ))s" \
		"($(grep -v '^#' "$dir/MANIFEST" | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }'))"
}

fetch_cmd() {
	local kind=$1
	shift
	case $kind in
	get) lab_apt apt-get -q download "$@" ;;
	source) lab_apt apt-get -q source --download-only "$@" ;;
	esac
}

cmd=${1:-}
[ $# -eq 0 ] || shift
case $cmd in
update) configure; update ;;
get | source)
	[ $# -ge 1 ] || die "usage: scripts/apt.sh $cmd SET PKG[/SUITE]..."
	configure
	fetch "$cmd" "$@" ;;
mirrors) host_mirrors ;;
*) die "usage: scripts/apt.sh update | get SET PKG[/SUITE]... | source SET PKG[/SUITE]... | mirrors" ;;
esac
