#!/bin/bash
# The kernel module's layers, as docs/architecture.md draws them, against
# the code: every file of kernel/ is in exactly one layer of the table
# there, and every #include and every call (an undefined symbol of one
# object that another object of the module defines) goes to the same layer
# or one below.  No two files may reach each other, directly or around a
# circle, whatever their layers.
#
#   scripts/check-layers.sh OBJDIR    OBJDIR: a built copy of kernel/ (the
#                                     test variant, so kernel/test/ counts)
# Prints each violation; exit 1 if any.
set -euo pipefail
export LC_ALL=C
top=$(cd "$(dirname "$0")/.." && pwd)
objdir=${1:?usage: $0 OBJDIR}
doc=$top/docs/architecture.md
declare -A layer
bad=0

complain() { echo "$*"; bad=$((bad + 1)); }

# The table: | N | name | `kernel/a.c` `kernel/a.h` ... | what |
while IFS= read -r row; do
	n=$(echo "$row" | awk -F'|' '{ gsub(/ /, "", $2); print $2 }')
	for f in $(echo "$row" | grep -oE '`kernel/[A-Za-z0-9_/]+\.[ch]`' | tr -d '`'); do
		[ -z "${layer[$f]:-}" ] || complain "$f: in layers ${layer[$f]} and $n of $doc"
		layer[$f]=$n
	done
done < <(grep -E '^\| *[0-9]+ *\|' "$doc")

cd "$top"
for f in kernel/*.[ch] kernel/test/*.[ch]; do
	[ -e "$f" ] || continue
	[ -n "${layer[$f]:-}" ] || complain "$f: in no layer of docs/architecture.md"
done
[ "$bad" -eq 0 ] || exit 1

edges=$(mktemp)
trap 'rm -f "$edges"' EXIT

# includes: "x.h" is kernel/x.h from anywhere in the module (-I kernel/)
for f in "${!layer[@]}"; do
	[ -e "$f" ] || continue
	for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		echo "$f kernel/$h include"
	done
done >>"$edges"

# calls, from the objects' symbol tables
defs=$(mktemp)
trap 'rm -f "$edges" "$defs"' EXIT
for o in "$objdir"/*.o "$objdir"/test/*.o; do
	case $o in *.mod.o|*/userdma.o) continue ;; esac
	[ -e "$o" ] || continue
	src=kernel/${o#"$objdir"/}
	src=${src%.o}.c
	nm "$o" | awk -v s="$src" '$2 ~ /^[TDBR]$/ { print $3, s }'
done | sort -u >"$defs"
[ -s "$defs" ] || { echo "no objects under $objdir"; exit 1; }
for o in "$objdir"/*.o "$objdir"/test/*.o; do
	case $o in *.mod.o|*/userdma.o) continue ;; esac
	[ -e "$o" ] || continue
	src=kernel/${o#"$objdir"/}
	src=${src%.o}.c
	nm -u "$o" | awk '{ print $NF }' | sort -u |
		join - "$defs" | awk -v s="$src" '$2 != s { print s, $2, "call:" $1 }'
done >>"$edges"

while read -r from to how; do
	[ -n "${layer[$to]:-}" ] || { complain "$from: $how of $to, which is in no layer"; continue; }
	[ "${layer[$to]}" -le "${layer[$from]}" ] ||
		complain "$from (layer ${layer[$from]}) reaches up to $to (layer ${layer[$to]}): $how"
done <"$edges"

# circles: tsort reports a loop in the file graph
awk '$1 != $2 { print $1, $2 }' "$edges" | sort -u | tsort >/dev/null 2>"$defs.loop" ||
	true
if [ -s "$defs.loop" ]; then
	complain "a circle of files: $(tr '\n' ' ' <"$defs.loop")"
fi
rm -f "$defs.loop"
echo "# ${#layer[@]} files in $(printf '%s\n' "${layer[@]}" | sort -u | wc -l) layers, $(wc -l <"$edges") includes and calls checked, $bad violations"
[ "$bad" -eq 0 ]
