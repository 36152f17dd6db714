#!/bin/bash
# Writes <log>.expected.json beside each demo log: what the trusted tools
# count on it, so tests can compare even where aureport is not installed.
set -euo pipefail
cd "$(dirname "$0")"
summary() { awk 'NR>5 && $1 ~ /^[0-9]+$/ { n=$1; $1=""; sub(/^ +/, ""); printf "%s\t%s\n", n, $0 }'; }
for log in *.audit.log; do
  execs=$(ausearch -if "$log" -sc execve -sv yes --raw 2>/dev/null | aureport -x --summary 2>/dev/null | summary)
  node -e '
    const rows = (process.argv[1] || "").split("\n").filter(Boolean).map((l) => l.split("\t"));
    const out = { tool: "ausearch -sc execve -sv yes --raw | aureport -x --summary", execs: Object.fromEntries(rows.map(([n, p]) => [p, Number(n)])) };
    process.stdout.write(JSON.stringify(out, null, 2) + "\n");' "$execs" > "$log.expected.json"
done
ls -l *.expected.json
