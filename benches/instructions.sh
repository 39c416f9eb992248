#!/usr/bin/env bash
# Instructions per request (callgrind): the stub's handle() against the bare echo's parse+serialize,
# each function's inclusive count divided by its calls. Deterministic, unlike timings on this machine.
# Needs valgrind (apt-get install valgrind).
#
#   bash benches/instructions.sh      (env: REQUESTS=10000)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed: apt-get install valgrind" >&2; exit 2; }
REQUESTS=${REQUESTS:-10000}
exe=$(cargo bench --bench instructions --no-run --message-format=json 2>/dev/null \
  | sed -n 's/.*"executable":"\([^"]*instructions[^"]*\)".*/\1/p' | tail -1)
out=$(mktemp)
REQUESTS=$REQUESTS valgrind --tool=callgrind --callgrind-out-file="$out" "$exe" >/dev/null 2>&1
count() { callgrind_annotate --inclusive=yes "$out" 2>/dev/null | grep -E "instructions::$1 \[" | head -1 | awk '{gsub(",","",$1); print $1}'; }
h=$(count handle); e=$(count echo)
awk -v h="$h" -v e="$e" -v n="$REQUESTS" 'BEGIN {
  printf "stub handle (create + replay): %.0f instructions per request\n", h / (2 * n)
  printf "echo parse + serialize:        %.0f instructions per request\n", e / n
  printf "ratio handle / echo: %.2f\n", (h / (2 * n)) / (e / n)
}'
rm -f "$out"
