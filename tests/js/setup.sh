#!/usr/bin/env bash
# Installs the pinned AWS SDK for JavaScript v3 AppFlow client (package-lock.json) into
# target/js-client (once), with lifecycle.mjs beside it, and prints that folder:
#   APPFLOW_JS="$(bash tests/js/setup.sh)" cargo test --test it -- --ignored clients::
# Prints nothing and exits 0 where Node.js 20+ or npm is missing (the test then says it skipped).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v node >/dev/null && command -v npm >/dev/null || { echo "SKIP: node or npm is not installed" >&2; exit 0; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || { echo "SKIP: Node.js $major is older than 20" >&2; exit 0; }
dir=target/js-client
mkdir -p "$dir"
cp tests/js/package.json tests/js/package-lock.json tests/js/lifecycle.mjs "$dir/"
if [ ! -d "$dir/node_modules/@aws-sdk/client-appflow" ]; then
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
echo "$PWD/$dir"
