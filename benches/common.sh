# Shared by the bench scripts: build once, start a stub on a free port, stop it on exit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release -q
BIN="$PWD/target/release/appflow-harness"
STUB_PID=""
stop_stub() { [ -n "$STUB_PID" ] && kill "$STUB_PID" 2>/dev/null; wait "$STUB_PID" 2>/dev/null || true; }
trap stop_stub EXIT
# start_stub ARGS...: sets STUB_URL from the server's first line.
start_stub() {
  local out
  out=$(mktemp)
  "$BIN" serve --addr 127.0.0.1:0 "$@" >"$out" &
  STUB_PID=$!
  for _ in $(seq 100); do
    STUB_URL=$(sed -n 's/^listening on //p' "$out")
    [ -n "$STUB_URL" ] && return 0
    sleep 0.05
  done
  echo "the stub did not start" >&2
  exit 2
}
