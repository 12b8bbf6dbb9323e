#!/bin/bash
# Every code reference in the documentation must resolve.  A reference is
# a backquoted relative path with at least one slash (`kernel/pin.c`,
# `tests/harness/`), optionally followed by :function (`kernel/pin.c:udma_pin`),
# or the target of a relative Markdown link.  Paths must exist in the
# tree; a function must be defined (or declared) in that file: its name
# followed by "(" at the start of a line or after a type.  Generated paths
# (build/...) and absolute paths (/dev, /sys, /proc) are not references;
# <lane>/<test> (`main/fork`) means tests/cases/<lane>/<test>.c.
#
#   scripts/check-doc-refs.sh [FILE.md...]    default: README.md docs/*.md
# Prints each broken reference as FILE:LINE: ref (why); exit 1 if any.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ $# -gt 0 ] || set -- README.md docs/*.md

bad=0 n=0
check_ref() {	# FILE LINE REF
	local file=$1 line=$2 ref=$3 path func
	path=${ref%%:*}
	func=
	[ "$path" = "$ref" ] || func=${ref#*:}
	func=${func%()}
	n=$((n + 1))
	case $path in build/*|/*|*://*) return 0 ;; esac
	# "main/fork": a test named by lane, as the harness prints it
	[ ! -d "tests/cases/${path%%/*}" ] || path=tests/cases/$path.c
	if [ ! -e "$path" ]; then
		echo "$file:$line: $ref (no such file)"
		bad=$((bad + 1))
		return 0
	fi
	if [ -n "$func" ] && ! grep -Eq "(^|[ *])$func\(" "$path"; then
		echo "$file:$line: $ref (no function $func in $path)"
		bad=$((bad + 1))
	fi
}

for md in "$@"; do
	dir=$(dirname "$md")
	while IFS=: read -r line ref; do
		check_ref "$md" "$line" "$ref"
	done < <(grep -noE '`[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]*)+(:[A-Za-z_][A-Za-z0-9_]*(\(\))?)?`' "$md" |
		sed 's/`//g')
	# relative Markdown links, resolved from the document's directory
	while IFS=: read -r line ref; do
		ref=${ref#*](}
		ref=${ref%)}
		ref=${ref%%#*}
		case $ref in ''|http*|mailto:*|/*) continue ;; esac
		n=$((n + 1))
		[ -e "$dir/$ref" ] || { echo "$md:$line: $ref (broken link)"; bad=$((bad + 1)); }
	done < <(grep -noE '\]\([^)]+\)' "$md")
done
echo "# $n references checked in $# files, $bad broken"
[ "$bad" -eq 0 ]
