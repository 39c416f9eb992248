#!/usr/bin/env bash
# The load generator's request rate against its peers', in one run: oha (a Rust generator on hyper,
# `cargo install oha`) and wrk (`apt-get install wrk`), against the same fast stub and the same request
# (a replay of one token, so the server's work is identical for all three). Rounds run the three back
# to back, rotating which goes first; each ratio is the median of the per-round ratios.
#
#   bash benches/load_vs_peers.sh      (env: SECS=10 CONNS=32 ROUNDS=5)
source "$(dirname "$0")/common.sh"
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 2; }
command -v oha >/dev/null || { echo "oha is not installed: cargo install oha" >&2; exit 2; }
SECS=${SECS:-10}; CONNS=${CONNS:-32}; ROUNDS=${ROUNDS:-5}
start_stub
body='{"connectorProfileName":"storm-wrk","connectorType":"Salesforce","connectionMode":"Public","connectorProfileConfig":{"connectorProfileProperties":{"Salesforce":{}}},"clientToken":"storm-wrk"}'
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
run_wrk() {
  wrk -t2 -c"$CONNS" -d"${SECS}s" -s target/wrk-post.lua "$STUB_URL/create-connector-profile" | awk '/Requests\/sec/ {print $2}'
}
run_oha() {
  oha --no-tui --output-format json -z "${SECS}s" -c "$CONNS" -m POST -T application/json \
    -H "x-account-id: 424242424242" -d "$body" "$STUB_URL/create-connector-profile" |
    python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["summary"]["requestsPerSec"]); sys.exit(0 if s["summary"]["successRate"] == 1 else 1)'
}
run_load() {
  "$BIN" load target/storm-1.toml --host "$STUB_URL" 2>/dev/null | sed -n 's/.* requests · \([0-9]*\) req\/s.*/\1/p'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# A warm-up of each, not counted.
SECS=2 run_wrk >/dev/null; SECS=2 run_oha >/dev/null
vs_oha=(); vs_wrk=(); rates=()
for r in $(seq "$ROUNDS"); do
  case $((r % 3)) in
    1) w=$(run_wrk); o=$(run_oha); a=$(run_load) ;;
    2) o=$(run_oha); a=$(run_load); w=$(run_wrk) ;;
    0) a=$(run_load); w=$(run_wrk); o=$(run_oha) ;;
  esac
  printf 'round %s: wrk %.0f req/s, oha %.0f req/s, appflow-harness load %.0f req/s: load/oha %.2f, load/wrk %.2f, oha/wrk %.2f\n' \
    "$r" "$w" "$o" "$a" "$(echo "$a / $o" | bc -l)" "$(echo "$a / $w" | bc -l)" "$(echo "$o / $w" | bc -l)"
  vs_oha+=("$(echo "$a / $o" | bc -l)"); vs_wrk+=("$(echo "$a / $w" | bc -l)")
  rates+=("$w $o $a")
done
W=$(printf '%s\n' "${rates[@]}" | awk '{print $1}' | median)
O=$(printf '%s\n' "${rates[@]}" | awk '{print $2}' | median)
A=$(printf '%s\n' "${rates[@]}" | awk '{print $3}' | median)
printf 'medians of %s rounds of %s s, %s connections: wrk %.0f req/s, oha %.0f req/s, appflow-harness load %.0f req/s\n' "$ROUNDS" "$SECS" "$CONNS" "$W" "$O" "$A"
printf 'ratio load / oha %.3f (goal >= 0.8), load / wrk %.3f (goal >= 0.7) (medians of per-round ratios)\n' \
  "$(printf '%s\n' "${vs_oha[@]}" | median)" "$(printf '%s\n' "${vs_wrk[@]}" | median)"
