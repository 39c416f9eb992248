#!/usr/bin/env bash
# Prints the path of the AppFlow API model that the request schema is generated from:
# botocore/data/appflow/2020-08-23/service-2.json.gz of a pinned botocore release from PyPI (the
# model as AWS publishes it for its SDKs). Downloads it once into target/appflow-model/.
#
#   cargo run -- schema generate "$(bash schemas/appflow-model.sh)" \
#       > schemas/create-connector-profile.request.schema.json
#
# Move the pin on purpose: a new model can change the contract (a new member, a new connector).
set -euo pipefail
BOTOCORE_VERSION=1.43.60
cd "$(dirname "$0")/.."
dir="target/appflow-model/botocore-$BOTOCORE_VERSION"
model="$dir/service-2.json.gz"
if [ ! -s "$model" ]; then
  mkdir -p "$dir"
  python3 -m pip download --quiet --no-deps --disable-pip-version-check \
    -d "$dir" "botocore==$BOTOCORE_VERSION" >&2
  python3 - "$dir" <<'PY'
import glob, sys, zipfile
d = sys.argv[1]
wheel = glob.glob(f"{d}/botocore-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    data = z.read("botocore/data/appflow/2020-08-23/service-2.json.gz")
open(f"{d}/service-2.json.gz", "wb").write(data)
PY
fi
echo "$PWD/$model"
