#!/usr/bin/env bash
# Soak: the `mixed` scenario against the fast stub for a fixed time, sampling the stub's resident memory
# and its state (profiles, live tokens) every few seconds. Tokens expire (the stub runs with a short TTL so
# expiry happens within the soak); state grows only with profiles, so RSS per stored profile must level off.
#
#   bash benches/soak.sh            (env: SECS=120 TTL=20s USERS=16 EVERY=10)
source "$(dirname "$0")/common.sh"
SECS=${SECS:-120}; TTL=${TTL:-20s}; USERS=${USERS:-16}; EVERY=${EVERY:-10}
start_stub --ttl "$TTL" --quota 100
# `mixed` without `replay`: its shared tokens are bound once at the start, so after the short TTL a replay
# is rightly a new call meeting CONFLICT. Every other transaction binds fresh tokens all the time.
sed '/^shared_tokens/d' scenarios/mixed.toml | awk 'BEGIN{RS="\n\n"; ORS="\n\n"} !/kind = "replay"/' \
  | sed 's/^name = "mixed"/name = "soak"/' > target/soak.toml
"$BIN" load target/soak.toml --host "$STUB_URL" --users "$USERS" --run-time "${SECS}s" --threshold 'error-rate<0.5%' \
  > target/soak-load.out 2>&1 &
LOAD_PID=$!
printf '%6s %10s %10s %10s %10s %12s\n' "t (s)" "RSS (MiB)" "profiles" "tokens" "served" "RSS/profile"
t=0
while kill -0 "$LOAD_PID" 2>/dev/null; do
  rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$STUB_PID/status")
  stats=$(curl -s "$STUB_URL/__admin/stats")
  profiles=$(echo "$stats" | sed 's/.*"profiles":\([0-9]*\).*/\1/')
  tokens=$(echo "$stats" | sed 's/.*"tokens":\([0-9]*\).*/\1/')
  served=$(echo "$stats" | sed 's/.*"served":\([0-9]*\).*/\1/')
  per=$([ "${profiles:-0}" -gt 0 ] && echo $(( rss_kb * 1024 / profiles )) || echo -)
  printf '%6s %10.1f %10s %10s %10s %12s\n' "$t" "$(echo "$rss_kb / 1024" | bc -l)" "$profiles" "$tokens" "$served" "$per"
  sleep "$EVERY"; t=$((t + EVERY))
done
wait "$LOAD_PID" && rc=0 || rc=$?
tail -12 target/soak-load.out
echo "load exit: $rc"
