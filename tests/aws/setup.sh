#!/usr/bin/env bash
# Installs the pinned AWS clients the real-client tests use into target/aws-venv (once), and
# prints the path of its Python: APPFLOW_PYTHON="$(bash tests/aws/setup.sh)" cargo test --test it -- --ignored aws::
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/aws-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import boto3, awscli' 2>/dev/null; then
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    boto3==1.44.8 awscli==1.46.3 >&2
fi
echo "$PWD/$venv/bin/python"
