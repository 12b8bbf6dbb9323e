# shellcheck shell=bash
# main_source: "URI component..." of the first enabled apt source of this
# machine serving $codename (deb822 .sources files first, then one-line
# .list files).  Used by install-deps.sh (to add backports) and by the
# packaging tests (the debootstrap mirror): no mirror is ever named in the
# repository.
main_source() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		awk -v s="$codename" '
			BEGIN { RS = ""; FS = "\n" }
			{
				uri = ""; suites = ""; comps = ""; types = ""; ok = 1
				for (i = 1; i <= NF; i++) {
					if ($i ~ /^URIs:/)       { uri = $i;    sub(/^URIs:[ \t]*/, "", uri) }
					if ($i ~ /^Suites:/)     { suites = $i; sub(/^Suites:[ \t]*/, "", suites) }
					if ($i ~ /^Components:/) { comps = $i;  sub(/^Components:[ \t]*/, "", comps) }
					if ($i ~ /^Types:/)      { types = $i }
					if ($i ~ /^Enabled:[ \t]*no/) ok = 0
				}
				n = split(suites, a, /[ \t]+/)
				for (j = 1; j <= n; j++)
					if (a[j] == s && ok && types ~ /deb([ \t]|$)/) {
						split(uri, u, /[ \t]+/); print u[1], comps; exit
					}
			}' "$f" && return 0
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -e "$f" ] || continue
		awk -v s="$codename" '$1 == "deb" {
				i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
				if ($(i + 1) == s) {
					line = $i; for (k = i + 2; k <= NF; k++) line = line " " $k
					print line; exit
				}
			}' "$f"
	done
}
