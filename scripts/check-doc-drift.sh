#!/bin/bash
# Lists in the documentation that must agree with the code they describe:
#
#   ioctls   the ioctls of include/uapi/linux/userdma.h (#define
#            USERDMA_IOC_<NAME> _IO...) are exactly those of README.md's
#            ioctl table, of docs/uapi.md's table (with their numbers and
#            magic), of userdma(4)'s SYNOPSIS (which also shows mmap()) and
#            of its .SS sections; a count of ioctls written out in words
#            ("five ioctls") must be the header's count.
#   symbols  libuserdma(3) names exactly the version nodes of
#            lib/libuserdma.map, lists every function the map exports as
#            ".BR name ()", and each has its page man/man3/<name>.3 (or a
#            .so link to the page that describes it); every project page
#            a man page refers to as name(S) exists.
#   paths    every /sys/class/userdma/... and /sys/kernel/debug/userdma/...
#            path in README.md, docs/ and man/ names the node's directory as
#            the kernel does (dev_set_name "userdma%d" in kernel/node.c):
#            userdmaN, userdma0, userdma*; debugfs also has fault/.
#
#   scripts/check-doc-drift.sh [ioctls|symbols|paths...]   default: all
# Prints each drift as FILE[:LINE]: what (where the code says otherwise),
# then "# N checks, M drifts" as its last line; exit 1 if any drift.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2

uapi=include/uapi/linux/userdma.h
map=lib/libuserdma.map
man4=man/man4/userdma.4
lib3=man/man3/libuserdma.3

checks=0 drifts=0
drift() {	# drift <message>
	echo "$1"
	drifts=$((drifts + 1))
}

# same_set <what> <file> <expected list> <found list> <source>: one check;
# every name missing from or extra in <file> is a drift.
same_set() {
	local what=$1 file=$2 want=$3 have=$4 src=$5 name
	checks=$((checks + 1))
	while read -r name; do
		[ -n "$name" ] && drift "$file: $what lacks $name (in $src)"
	done < <(comm -23 <(sort -u <<<"$want") <(sort -u <<<"$have"))
	while read -r name; do
		[ -n "$name" ] && drift "$file: $what has $name, which $src does not"
	done < <(comm -13 <(sort -u <<<"$want") <(sort -u <<<"$have"))
}

number_words=(zero one two three four five six seven eight nine ten eleven
	twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty)

check_ioctls() {
	local ioctls n name num line word count file want have magic
	# NAME NUMBER (decimal), one per line
	ioctls=$(sed -nE 's/^#define[[:space:]]+USERDMA_IOC_([A-Za-z0-9_]+)[[:space:]]+_IO[RW]*\([[:space:]]*USERDMA_IOC_MAGIC[[:space:]]*,[[:space:]]*([0-9a-fA-Fx]+)[[:space:]]*\).*/\1 \2/p' "$uapi" |
		while read -r name num; do echo "USERDMA_IOC_$name $((num))"; done)
	n=$(grep -c . <<<"$ioctls")
	checks=$((checks + 1))
	if [ "$n" -eq 0 ]; then
		drift "$uapi: no #define USERDMA_IOC_<NAME> _IO(USERDMA_IOC_MAGIC, n) found"
		return
	fi
	want=$(cut -d' ' -f1 <<<"$ioctls")

	# README.md: the rows of the ioctl table (first cell names ioctls)
	have=$(grep -E '^\|[^|]*USERDMA_IOC_' README.md | cut -d'|' -f2 |
		grep -oE 'USERDMA_IOC_[A-Z0-9_]+')
	same_set "ioctl table" README.md "$want" "$have" "$uapi"

	# docs/uapi.md: | 0xNN | `USERDMA_IOC_X` | ...; numbers too
	# shellcheck disable=SC2016 # the backquotes are Markdown's
	have=$(sed -nE 's/^\|[[:space:]]*(0x[0-9a-fA-F]+|[0-9]+)[[:space:]]*\|[[:space:]]*`(USERDMA_IOC_[A-Z0-9_]+)`.*/\2 \1/p' docs/uapi.md |
		while read -r name num; do echo "$name $((num))"; done)
	same_set "ioctl table" docs/uapi.md "$want" "$(cut -d' ' -f1 <<<"$have")" "$uapi"
	checks=$((checks + 1))
	while read -r name num; do
		[ -n "$name" ] || continue
		line=$(grep -E "^$name " <<<"$ioctls") || continue
		[ "${line#* }" = "$num" ] ||
			drift "docs/uapi.md: $name is number $num there, ${line#* } in $uapi"
	done <<<"$have"
	magic=$(sed -nE 's/^#define[[:space:]]+USERDMA_IOC_MAGIC[[:space:]]+(0x[0-9a-fA-F]+).*/\1/p' "$uapi")
	while IFS=: read -r line num; do
		num=${num#_IO(}
		[ $((num)) -eq $((magic)) ] ||
			drift "docs/uapi.md:$line: _IO($num, ...), but $uapi's USERDMA_IOC_MAGIC is $magic"
	done < <(grep -noE '_IO\(0x[0-9a-fA-F]+' docs/uapi.md)

	# userdma(4): SYNOPSIS, and one .SS section per ioctl
	have=$(sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$man4" | grep -oE 'USERDMA_IOC_[A-Z0-9_]+')
	same_set "SYNOPSIS" "$man4" "$want" "$have" "$uapi"
	checks=$((checks + 1))
	if grep -q 'USERDMA_MMAP_SHIFT' "$uapi" &&
		! sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$man4" | grep -q 'mmap('; then
		drift "$man4: SYNOPSIS lacks mmap() (the node maps buffers: USERDMA_MMAP_SHIFT in $uapi)"
	fi
	have=$(sed -nE 's/^\.SS "?(USERDMA_IOC_[A-Z0-9_]+).*/\1/p' "$man4")
	same_set ".SS sections" "$man4" "$want" "$have" "$uapi"

	# a count in words or digits must be the header's
	checks=$((checks + 1))
	for file in README.md docs/*.md man/man*/*.[0-9]; do
		while IFS=: read -r line word; do
			word=${word%% *}
			word=${word,,}
			count=
			for i in "${!number_words[@]}"; do
				[ "${number_words[$i]}" = "$word" ] && count=$i
			done
			[[ $word =~ ^[0-9]+$ ]] && count=$word
			[ -n "$count" ] && [ "$count" -ne "$n" ] &&
				drift "$file:$line: says $word ioctls; $uapi defines $n"
		done < <(grep -noiE '\b([a-z]+|[0-9]+)[[:space:]]+ioctls\b' "$file")
	done
}

check_symbols() {
	local nodes have funcs fn page target
	nodes=$(sed -nE 's/^[[:space:]]*(LIBUSERDMA_[0-9A-Za-z_.]+)[[:space:]]*\{.*/\1/p' "$map")
	have=$(grep -oE 'LIBUSERDMA_[0-9]+(\.[0-9]+)*' "$lib3")
	same_set "symbol versions" "$lib3" "$nodes" "$have" "$map"

	# the global: names of every node
	funcs=$(awk '/global:/ { g = 1; next } /local:|}/ { g = 0 }
		g && /^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*;/ { gsub(/[[:space:];]/, ""); print }' "$map")
	checks=$((checks + 1))
	for fn in $funcs; do
		grep -qE "^\.BR? $fn \(\)" "$lib3" ||
			drift "$lib3: does not list $fn () (exported by $map)"
	done
	checks=$((checks + 1))
	for fn in $funcs; do
		page=man/man3/$fn.3
		if [ ! -f "$page" ]; then
			drift "$page: missing ($fn is exported by $map)"
			continue
		fi
		target=$(sed -nE '1s/^\.so[[:space:]]+//p' "$page")
		if [ -n "$target" ]; then
			if [ ! -f "man/$target" ]; then
				drift "$page: .so $target, which does not exist"
				continue
			fi
			page=man/$target
		fi
		sed -n '/^\.SH NAME/,/^\.SH /p' "$page" | grep -qE "(^|[ ,])$fn([ ,]|$)" ||
			drift "$page: NAME does not name $fn (exported by $map)"
	done

	# every project page referred to as name(S) exists
	checks=$((checks + 1))
	while IFS=: read -r file line ref; do
		read -r name sect <<<"${ref#.B? }"
		sect=${sect#(}
		sect=${sect%%)*}
		[ -f "man/man$sect/$name.$sect" ] ||
			drift "$file:$line: refers to $name($sect): no man/man$sect/$name.$sect"
	done < <(grep -noE '^\.BR? (lib)?userdma[a-z_]* \([0-9]\)' man/man*/*.[0-9])
}

check_paths() {
	local file line path
	checks=$((checks + 1))
	# /sys/class/userdma itself is fine; below it only the node directories
	while IFS=: read -r file line path; do
		case ${path#/sys/class/userdma/} in
		userdmaN*|userdma[0-9]*|userdma\**|'userdma N'*|'userdma\fIN'*) ;;
		*) drift "$file:$line: \"$path\" is not a node directory (kernel/node.c names them userdmaN: /sys/class/userdma/userdmaN/)" ;;
		esac
	done < <(grep -noE '/sys/class/userdma/.{0,12}' README.md docs/*.md man/man*/*.[0-9])
	checks=$((checks + 1))
	while IFS=: read -r file line path; do
		case ${path#/sys/kernel/debug/userdma/} in
		userdmaN*|userdma[0-9]*|userdma\**|'userdma N'*|'userdma\fIN'*|fault*) ;;
		*) drift "$file:$line: \"$path\" is not a node directory (debugfs names them like the node: /sys/kernel/debug/userdma/userdmaN/)" ;;
		esac
	done < <(grep -noE '/sys/kernel/debug/userdma/.{0,12}' README.md docs/*.md man/man*/*.[0-9])
}

[ $# -gt 0 ] || set -- ioctls symbols paths
for kind in "$@"; do
	case $kind in
	ioctls) check_ioctls ;;
	symbols) check_symbols ;;
	paths) check_paths ;;
	*) echo "usage: $0 [ioctls|symbols|paths...]" >&2; exit 2 ;;
	esac
done
echo "# $checks checks, $drifts drifts"
[ "$drifts" -eq 0 ]
