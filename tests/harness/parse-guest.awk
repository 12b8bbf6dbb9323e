# Turn one guest's result stream (<logbase>.tap) into a block of unnumbered
# TAP lines for the matrix ("ok - <prefix>/<name>: <desc>"); the caller
# numbers them.  Whatever the guest could not report is reported here:
# programs it never reached, the one it died in, a missing or inconsistent
# summary.
#
# Variables (-v): prefix   "6.12/strict/main"
#                 expected file with the program names the guest should run
#                 reason   why the guest stopped, if it did not power off
#                 verbose  1 = keep every diagnostic, else only those of
#                          programs that failed and of the guest itself

function out(line) {
	if (cur != "")
		buf[nbuf++] = line
	else
		print line
}

# Drop the guest's own number: "ok 12 - x" -> "ok - <prefix>/x".
function renumber(line,    status, rest) {
	status = (line ~ /^not ok/) ? "not ok" : "ok"
	rest = line
	sub(/^(not )?ok[ \t]*[0-9]*[ \t]*(-[ \t]*)?/, "", rest)
	return status " - " prefix "/" rest
}

function flush_block(failed,    i) {
	for (i = 0; i < nbuf; i++)
		if (failed || verbose || buf[i] !~ /^#/)
			print buf[i]
	nbuf = 0
}

BEGIN {
	while ((getline name < expected) > 0)
		if (name != "")
			want[++nwant] = name
	cur = ""; nbuf = 0; seen_summary = 0
}

{ sub(/\r$/, "") }

/^# userdma-test: begin / {
	cur = $4; began[cur] = 1; block_failed = 0
	next
}

/^# userdma-test: end / {
	cur = ""
	flush_block(block_failed)
	next
}

/^(not )?ok([ \t]|$)/ {
	if ($0 ~ /^not ok/ && $0 !~ /#[ \t]*TODO/)
		block_failed = 1
	if ($0 ~ /^not ok/ && $0 !~ /#[ \t]*TODO/) nf++
	else if ($0 ~ /#[ \t]*[Ss][Kk][Ii][Pp]/ || $0 ~ /#[ \t]*TODO/) ns++
	else np++
	out(renumber($0))
	next
}

/^userdma-guest-summary: / {
	seen_summary = 1
	sp = $2; sf = $4; ss = $6
	next
}

/^1\.\.[0-9]+$/ { next }

/^#/ { out($0); next }

# Stray text (e.g. a shell error of the runner itself): keep it visible.
NF { out("# " $0) }

END {
	why = (reason != "") ? reason : "it powered off without finishing"
	if (cur != "") {
		flush_block(1)
		print "not ok - " prefix "/" cur ": no result: the guest stopped while it was running (" why ")"
	}
	for (i = 1; i <= nwant; i++) {
		n = want[i]
		if (!(n in began))
			print "not ok - " prefix "/" n ": not run: the guest stopped before it (" \
				(cur != "" ? "during " cur ", " : "") why ")"
	}
	if (!seen_summary)
		print "not ok - " prefix "/guest: no summary line, the guest did not finish (" why ")"
	else if (sp != np + 0 || sf != nf + 0 || ss != ns + 0)
		print "not ok - " prefix "/guest: summary says " sp "/" sf "/" ss \
			" passed/failed/skipped but the stream has " np + 0 "/" nf + 0 "/" ns + 0
	else if (reason != "")
		print "not ok - " prefix "/guest: finished, but " reason
}
