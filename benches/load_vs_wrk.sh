#!/usr/bin/env bash
# The load generator's request rate against wrk's, in one run, against the same fast stub and the same
# request (a replay of one token, so the server's work is identical). Needs wrk (apt-get install wrk).
#
#   bash benches/load_vs_wrk.sh      (env: SECS=10 CONNS=32 ROUNDS=3)
source "$(dirname "$0")/common.sh"
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 2; }
SECS=${SECS:-10}; CONNS=${CONNS:-32}; ROUNDS=${ROUNDS:-3}
start_stub
body=$("$BIN" schema print request >/dev/null; cat <<'JSON'
{"connectorProfileName":"storm-wrk","connectorType":"Salesforce","connectionMode":"Public","connectorProfileConfig":{"connectorProfileProperties":{"Salesforce":{}}},"clientToken":"storm-wrk"}
JSON
)
cat > target/wrk-post.lua <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["content-type"] = "application/json"
wrk.headers["x-account-id"] = "424242424242"
LUA
cat > target/storm-1.toml <<TOML
name = "storm-1"
users = $CONNS
increase_rate = 1000
run_time = "${SECS}s"
shared_tokens = 1
fail_on_violation = true
[[transactions]]
kind = "replay"
connector_types = ["Salesforce"]
TOML
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
wrk_rates=(); ah_rates=()
for r in $(seq "$ROUNDS"); do
  w=$(wrk -t2 -c"$CONNS" -d"${SECS}s" -s target/wrk-post.lua "$STUB_URL/create-connector-profile" | awk '/Requests\/sec/ {print $2}')
  a=$("$BIN" load target/storm-1.toml --host "$STUB_URL" 2>/dev/null | sed -n 's/.* requests · \([0-9]*\) req\/s.*/\1/p')
  echo "round $r: wrk $w req/s, appflow-harness load $a req/s"
  wrk_rates+=("$w"); ah_rates+=("$a")
done
W=$(printf '%s\n' "${wrk_rates[@]}" | median); A=$(printf '%s\n' "${ah_rates[@]}" | median)
printf 'median: wrk %.0f req/s, appflow-harness load %.0f req/s, ratio %.2f (goal >= 0.5)\n' "$W" "$A" "$(echo "$A / $W" | bc -l)"
