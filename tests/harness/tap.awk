# The harness's one TAP normaliser.  Every TAP the test suite produces
# passes through it, so that one set of rules decides what a line is and
# how it counts: the guest runner (tests/guest/run-tests.sh, busybox awk)
# sends each test program's output through it, the host each guest's
# stream (tests/harness/stream.sh: run_guest) and then every result of the
# merged stream, which it numbers (stream.sh: emit).
#
#   "ok [N] [-] text"      passed; skipped if a "# SKIP" directive follows
#   "not ok [N] [-] text"  failed; skipped if a "# TODO" directive follows
#                          (a directive: '#', blanks, the word in any case)
#   "1..N [...]"           a plan: kept for the counts, not printed
#   "# text"               a diagnostic, printed as it is; "#" alone dropped
#   any other text         printed as the diagnostic "# text"; blank lines
#                          dropped
# A result is printed as "ok|not ok [number] - <prefix><text>".
#
# Variables (-v):
#   prefix    put before each result's text ("mmap_api: ", "6.12/strict/main/")
#   start     number results from start + 1; empty: no numbers ("ok - ...")
#   counts    file to append one line to at the end:
#             "<label> <passed> <failed> <skipped> <plan or -> <last diagnostic>"
#   label     that line's first word
# A guest's stream (the host, -v expected=FILE) is framed by the runner's
# "# userdma-test: begin|end <program>" lines and ends with
# "userdma-guest-summary: P passed, F failed, S skipped"; whatever the
# guest could not report is reported here: programs it never reached, the
# one it died in, a missing or inconsistent summary.
#   expected  file with the program names the guest should run
#   reason    why the guest stopped, if it did not power off
#   verbose   1 = keep every diagnostic, else only those of programs that
#             failed and of the guest itself

# pass, fail or skip: the one counting rule.
function tap_kind(line,    low) {
	low = tolower(line)
	if (low ~ /^not ok/)
		return (low ~ /#[ \t]*todo/) ? "skip" : "fail"
	return (low ~ /#[ \t]*skip/) ? "skip" : "pass"
}

# Count one result and rewrite it with this stream's number and prefix.
function tap_result(line,    kind, status) {
	kind = tap_kind(line)
	count[kind]++
	results++
	status = (line ~ /^not ok/) ? "not ok" : "ok"
	if (start != "")
		status = status " " (start + results)
	# one blank after the dash: more is the text's own indentation
	sub(/^(not )?ok[ \t]*[0-9]*[ \t]*(-[ \t]?)?/, "", line)
	return status " - " prefix line
}

# Print now, or hold while a guest's program is running (its diagnostics
# are shown only if it fails, unless verbose).
function out(line) {
	if (cur != "") {
		buf[nbuf++] = line
		return
	}
	print line
	# the guest dying must not lose what was already said
	fflush()
}

function flush_block(failed,    i) {
	for (i = 0; i < nbuf; i++)
		if (failed || verbose || buf[i] !~ /^#/)
			print buf[i]
	nbuf = 0
}

BEGIN {
	guest = (expected != "")
	while (guest && (getline name < expected) > 0)
		if (name != "")
			want[++nwant] = name
	cur = ""; nbuf = 0; results = 0; plan = "-"; lastdiag = ""
}

{ sub(/\r$/, "") }

guest && /^# userdma-test: begin / {
	cur = $4; began[cur] = 1; block_failed = 0
	next
}

guest && /^# userdma-test: end / {
	cur = ""
	flush_block(block_failed)
	next
}

guest && /^userdma-guest-summary: / {
	seen_summary = 1
	sp = $2; sf = $4; ss = $6
	next
}

/^(not )?ok([ \t]|$)/ {
	if (tap_kind($0) == "fail")
		block_failed = 1
	out(tap_result($0))
	next
}

/^1\.\.[0-9]+/ {
	plan = substr($0, 4)
	sub(/[^0-9].*/, "", plan)
	next
}

/^#[ \t]*$/ { next }

/^#/ {
	lastdiag = $0
	sub(/^# ?/, "", lastdiag)
	out($0)
	next
}

# Stray text (a shell error, a program's stderr): kept visible.
NF { out("# " $0) }

function guest_end(    why, i, n) {
	why = (reason != "") ? reason : "it powered off without finishing"
	if (cur != "") {
		flush_block(1)
		print "not ok - " prefix cur ": no result: the guest stopped while it was running (" why ")"
	}
	for (i = 1; i <= nwant; i++) {
		n = want[i]
		if (!(n in began))
			print "not ok - " prefix n ": not run: the guest stopped before it (" \
				(cur != "" ? "during " cur ", " : "") why ")"
	}
	if (!seen_summary)
		print "not ok - " prefix "guest: no summary line, the guest did not finish (" why ")"
	else if (sp != count["pass"] + 0 || sf != count["fail"] + 0 || ss != count["skip"] + 0)
		print "not ok - " prefix "guest: summary says " sp "/" sf "/" ss \
			" passed/failed/skipped but the stream has " \
			count["pass"] + 0 "/" count["fail"] + 0 "/" count["skip"] + 0
	else if (reason != "")
		print "not ok - " prefix "guest: finished, but " reason
}

END {
	if (guest)
		guest_end()
	if (counts != "")
		print label, count["pass"] + 0, count["fail"] + 0, count["skip"] + 0, plan, lastdiag >>counts
}
