#!/usr/bin/env bash
# Peer comparison: Schemathesis (from PyPI) against the fast stub through our OpenAPI export, timed beside
# `appflow-harness check` against the same stub. Schemathesis must find no failure in the stub.
#
#   bash benches/schemathesis.sh            (installs schemathesis into target/bench-venv once)
source "$(dirname "$0")/common.sh"
VENV=target/bench-venv
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'schemathesis==4.32.5'
fi
"$BIN" schema openapi > target/openapi.json
# A quota no run can reach: Schemathesis sends every case to the default account.
start_stub --quota 100000000
cat > target/schemathesis.toml <<'TOML'
# A valid request may meet 409 CONFLICT: Hypothesis reuses short names, and a taken name is the
# contract's answer to a schema-valid request.
[checks.positive_data_acceptance]
expected-statuses = ["200", "409"]
TOML
start=$(date +%s.%N)
set +e
"$VENV/bin/schemathesis" --config-file target/schemathesis.toml run target/openapi.json --url "$STUB_URL" \
  --checks all --max-examples "${MAX_EXAMPLES:-200}" --seed 1 --no-color > target/schemathesis.out 2>&1
st_rc=$?
set -e
st_time=$(echo "$(date +%s.%N) - $start" | bc)
tail -25 target/schemathesis.out
# The same stub binary and engine, restarted with the contract's quota (the runner proves the quota by
# filling it, which a raised quota would turn into 100 million creates).
stop_stub
start_stub
start=$(date +%s.%N)
"$BIN" check --base-url "$STUB_URL" --admin-url "$STUB_URL" --quiet >/dev/null && check_rc=0 || check_rc=$?
check_time=$(echo "$(date +%s.%N) - $start" | bc)
printf '\nschemathesis 4.32.5 (--checks all, %s examples): exit %s in %.2f s\n' "${MAX_EXAMPLES:-200}" "$st_rc" "$st_time"
printf 'appflow-harness check (43 checks):              exit %s in %.2f s\n' "$check_rc" "$check_time"
[ "$st_rc" -eq 0 ] || { echo "Schemathesis found failures in the stub: see target/schemathesis.out" >&2; exit 1; }
