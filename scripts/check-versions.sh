#!/bin/bash
# Facts the tree writes in more than one place must agree with their one
# source.
#
# The version: lib/Makefile's VERSION (which debian/rules, mk/install.mk
# and tests/packaging read) is the project's; dkms.conf's PACKAGE_VERSION,
# debian/changelog's top entry and the footer of every man page (.TH's
# fourth argument, "userdma <version>") must say the same, and so must
# the Python package's __version__ (python/userdma/__init__.py), which
# python/pyproject.toml takes as its version (dynamic, from
# userdma.__version__; a version of its own would be a second one).  The
# soname:
# lib/Makefile's SONAME is also mk/install.mk's LIB_SONAME, the name
# python/userdma/_lib.py loads and debian/libuserdma0.symbols' library.
#
# The kernels: the top Makefile's KERNELS default is the matrix `make check`
# (and so .ci/run) runs.  docs/kernels.md's first table has one row per
# entry, with its `KERNELS` entry and configurations (an entry's own
# ":a,b", else the Makefile's CONFIGS); README.md's table of supported
# kernels names the same kernels with the same configurations.  Prose
# elsewhere points at docs/kernels.md rather than listing kernels.
#
#   scripts/check-versions.sh
# Prints each drift as FILE:LINE: what (expected what); exit 1 if any.
# The last line is "# N checks, N drifts".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

n=0 bad=0
drift() {	# drift FILE:LINE MESSAGE
	echo "$1: $2"
	bad=$((bad + 1))
}
# same WHERE WHAT GOT WANT: one check
same() {
	n=$((n + 1))
	[ "$3" = "$4" ] || drift "$1" "$2 is '$3' (expected '$4')"
}
# lineof FILE REGEX: FILE:LINE of REGEX's first match (FILE:1 if none)
lineof() {
	local l
	l=$(grep -nE -m 1 -- "$2" "$1" 2>/dev/null | cut -d: -f1)
	echo "$1:${l:-1}"
}
# A make variable's value as written (continuation lines joined).
make_var() {	# make_var FILE NAME
	awk -v name="$2" '
		{ line = $0 }
		cont { val = val " " line }
		!cont && line ~ "^" name "[ \t]*[?:]?=" {
			sub("^" name "[ \t]*[?:]?=[ \t]*", "", line); val = line; found = 1
		}
		{ if (found && !done) { cont = (val ~ /\\$/); if (cont) sub(/\\$/, "", val); else done = 1 } }
		END { if (found) { gsub(/[ \t]+/, " ", val); sub(/^ /, "", val); sub(/ $/, "", val); print val } }
	' "$1"
}

# --- the version ---------------------------------------------------------
version=$(make_var lib/Makefile VERSION)
n=$((n + 1))
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
	drift "$(lineof lib/Makefile '^VERSION')" "no VERSION := X.Y.Z (got '$version')"
fi

same "$(lineof dkms.conf '^PACKAGE_VERSION=')" "dkms.conf's PACKAGE_VERSION" \
	"$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' dkms.conf)" "$version"

# the top entry: "userdma (VERSION) suite; urgency=..."
same "$(lineof debian/changelog '^[a-z]')" "debian/changelog's top entry" \
	"$(sed -n '1{s/^[^ ]* (\([^)]*\)).*/\1/p;q}' debian/changelog)" "$version"

pages=0
for page in man/man[0-9]/*.[0-9]; do
	[ -f "$page" ] || continue
	grep -q '^\.TH ' "$page" || continue	# .so links have no footer
	pages=$((pages + 1))
	# .TH TITLE SECTION DATE "SOURCE" "MANUAL": the first quoted argument
	same "$(lineof "$page" '^\.TH ')" "$page's footer (.TH source)" \
		"$(grep -m 1 '^\.TH ' "$page" | grep -o '"[^"]*"' | head -n 1 | tr -d '"')" \
		"userdma $version"
done
n=$((n + 1))
[ "$pages" -gt 0 ] || drift man/man1/userdma.1:1 "no man page with a .TH line found"

# the Python package: __version__ = "X.Y.Z", and pyproject.toml's version
# is that one
same "$(lineof python/userdma/__init__.py '^__version__')" "python/userdma/__init__.py's __version__" \
	"$(sed -n 's/^__version__ = "\([^"]*\)"$/\1/p' python/userdma/__init__.py)" "$version"
pyversion=$(sed -n 's/^version = \(.*\)$/\1/p' python/pyproject.toml | head -n 1)
grep -qx 'dynamic = \["version"\]' python/pyproject.toml ||
	pyversion="its own (not dynamic): ${pyversion:-none}"
same "$(lineof python/pyproject.toml '^(version|dynamic) =')" "python/pyproject.toml's version" \
	"$pyversion" '{attr = "userdma.__version__"}'

soname=$(make_var lib/Makefile SONAME)
same "$(lineof mk/install.mk '^LIB_SONAME')" "mk/install.mk's LIB_SONAME" \
	"$(make_var mk/install.mk LIB_SONAME)" "$soname"
same "$(lineof python/userdma/_lib.py '"libuserdma\.so')" "the library python/userdma/_lib.py loads" \
	"$(grep -o '"libuserdma\.so[.0-9]*"' python/userdma/_lib.py | head -n 1 | tr -d '"')" "$soname"
same debian/libuserdma0.symbols:1 "debian/libuserdma0.symbols' library" \
	"$(sed -n '1s/ .*//p' debian/libuserdma0.symbols)" "$soname"

# --- the kernels ---------------------------------------------------------
# configurations "strict, lazy" or "strict lazy" -> "lazy,strict": the
# set, in any order
cfgs() { sed 's/[, ]/\n/g' | sed '/^$/d' | LC_ALL=C sort | paste -sd, -; }
# "entry|a,b,c" per KERNELS entry, sorted
configs=$(make_var Makefile CONFIGS)
matrix=$(for spec in $(make_var Makefile KERNELS); do
	c=$configs
	[ "${spec#*:}" = "$spec" ] || c=${spec#*:}
	echo "${spec%%:*}|$(echo "$c" | cfgs)"
done | LC_ALL=C sort)
n=$((n + 1))
[ -n "$matrix" ] || drift "$(lineof Makefile '^KERNELS')" "no KERNELS default found"

# a Markdown table's rows after the header line starting with HEADER:
# cells trimmed, joined by "|"
table() {	# table FILE HEADER
	awk -v h="$2" '
		!in_t && index($0, h) == 1 { in_t = 1; next }
		in_t && /^\| *---/ { next }
		in_t && !/^\|/ { exit }
		in_t {
			s = $0; sub(/^\| */, "", s); sub(/ *\|$/, "", s)
			gsub(/ *\| */, "|", s); print s
		}' "$1"
}
# a kernel's name as both tables write it: "5.10 (LTS ended 2026)" and
# "5.10 LTS" -> "5.10"; "6.12 debug" stays
kname() { sed -E 's/^([0-9][0-9.]*(-rc[0-9]+)?( debug)?).*/\1/'; }

# shellcheck disable=SC2016 # backquotes, as the Markdown writes them
khead='| kernel | `KERNELS` entry |'
krows=$(table docs/kernels.md "$khead")
n=$((n + 1))
if [ -z "$krows" ]; then
	drift docs/kernels.md:1 "no table with the header '$khead ...'"
else
	doc=$(while IFS='|' read -r _ entry _ _ _ c; do
		echo "${entry//\`/}|$(echo "$c" | cfgs)"
	done <<<"$krows" | LC_ALL=C sort)
	if [ "$doc" != "$matrix" ]; then
		drift "$(lineof docs/kernels.md "^\\| kernel \\| \`KERNELS\` entry")" \
			"the kernel table is not the Makefile's KERNELS (entry|configurations; < Makefile, > docs/kernels.md):"
		diff <(echo "$matrix") <(echo "$doc") | grep '^[<>]' | sed 's/^/  /'
	fi
fi

# README's table: the same kernels, the same configurations
rhead='| kernel | from Debian | configurations tested |'
rrows=$(table README.md "$rhead")
n=$((n + 1))
if [ -z "$rrows" ]; then
	drift README.md:1 "no table with the header '$rhead'"
elif [ -n "$krows" ]; then
	want=$(while IFS='|' read -r k _ _ _ _ c; do
		echo "$(echo "$k" | kname)|$(echo "$c" | cfgs)"
	done <<<"$krows" | LC_ALL=C sort)
	got=$(while IFS='|' read -r k _ c; do
		echo "$(echo "$k" | kname)|$(echo "$c" | cfgs)"
	done <<<"$rrows" | LC_ALL=C sort)
	if [ "$got" != "$want" ]; then
		drift "$(lineof README.md "^\\| kernel \\| from Debian")" \
			"the supported kernels are not docs/kernels.md's (kernel|configurations; < docs/kernels.md, > README.md):"
		diff <(echo "$want") <(echo "$got") | grep '^[<>]' | sed 's/^/  /'
	fi
fi

echo "# $n checks, $bad drifts"
[ "$bad" -eq 0 ]
