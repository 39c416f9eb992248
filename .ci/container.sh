#!/usr/bin/env bash
# The container image, built and run as containers (the README's "The container image" and "Beyond one
# machine"). With podman (installed with apt-get when missing, runc as its runtime):
#   1. builds the image with scripts/container-image.sh (static binary, FROM scratch) and checks its size,
#      user, labels and that it runs;
#   2. starts the stub from it (`serve`) on an internal container network, three times: the fast engine,
#      the wiremock engine, and the fast engine with a fault; runs the README's gate as a container
#      against them (`check --base-url http://stub-wiremock:8080`: exit 0; the fast engine from its own
#      network namespace: exit 0; the faulty one: exit 1), and shows the fast engine's known issue
#      across a network (oversized bodies: see the README's "The container image");
#   3. https: the stub behind a local TLS front with a CA made here; the image's own CA bundle is what
#      rustls loads (the certificate is refused as of an unknown issuer, not for want of roots), and with
#      SSL_CERT_FILE naming the CA the gate passes over https;
#   4. runs 3 `load` worker containers as the Indexed Job's pods would (JOB_COMPLETION_INDEX, one shared
#      results volume, one --seed), merges their results in a container, and compares the merged request
#      count with what the stub's /__admin/stats says it served;
#   5. the same from scenarios/k8s-indexed-job.yaml: its Jobs turned into Pods (.ci/container-pods.py)
#      and run with `podman kube play`, then its merge Job's Pod.
# Where podman cannot be installed or cannot run a container, prints `SKIP: reason` and exits 0.
# Needs root (apt-get, rootful podman, and nsenter into the stub's network namespace to read its admin
# routes without publishing a port), python3 with PyYAML (installed in a venv under target/ if missing).
# Everything it creates is removed on exit, the image (localhost/appflow-harness:ci) excepted.
set -euo pipefail
cd "$(dirname "$0")/.."

t0=$SECONDS
say() { echo "container: $*"; }
skip() { echo "SKIP: $*"; exit 0; }
fail() { echo "FAIL: $*"; exit 1; }
elapsed() { echo "$((SECONDS - t0)) s"; }

[[ $(id -u) -eq 0 ]] || skip "needs root (rootful podman, apt-get, nsenter); running as $(id -un)"

work=$(mktemp -d "${TMPDIR:-/tmp}/appflow-container.XXXXXX")
p=appflow-ci-$$                       # prefix of every container, network and volume made here
net=$p-net
vol=$p-results
image=localhost/appflow-harness:ci
proxy_pid=
containers=()

cleanup() {
  set +e
  [[ -n "$proxy_pid" ]] && kill "$proxy_pid" 2>/dev/null
  for f in "$work"/kube-*.yaml; do
    [[ -f "$f" ]] && podman kube play --down "$f" >/dev/null 2>&1
  done
  ((${#containers[@]})) && podman rm -f -t 0 "${containers[@]}" >/dev/null 2>&1
  podman volume rm -f "$vol" appflow-load-results >/dev/null 2>&1
  podman network rm -f "$net" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# --- podman, from Debian's packages when missing -----------------------------------------------------
packages=(podman runc netavark aardvark-dns iptables catatonit)
missing=()
if command -v dpkg-query >/dev/null; then
  for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
  done
elif ! command -v podman >/dev/null; then
  skip "podman is not installed, and this is not a Debian system to install it with apt-get"
fi
install_s=0
if ((${#missing[@]})); then
  i0=$SECONDS
  command -v apt-get >/dev/null || skip "podman needs ${missing[*]}, and there is no apt-get here"
  say "installing ${missing[*]} with apt-get"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$work/apt.log" 2>&1; then
    tail -n 5 "$work/apt.log"
    skip "apt-get could not install ${missing[*]}"
  fi
  install_s=$((SECONDS - i0))
fi

# podman's own configuration for this run. runc, because crun (Debian's default) refuses this kind of
# machine's cgroups ("cgroups in hybrid mode not supported"); ulimits no higher than this shell's hard
# limits, because podman's default (a million open files) is more than the sandbox lets even root raise
# to ("error setting rlimit type 7: operation not permitted"); no systemd or journald here, so cgroupfs
# and file-based events and logs.
nofile=$(ulimit -Hn)
[[ "$nofile" == unlimited || "$nofile" -gt 1048576 ]] && nofile=1048576
nproc=$(ulimit -Hu)
[[ "$nproc" == unlimited || "$nproc" -gt 32768 ]] && nproc=32768
cat >"$work/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
log_driver = "k8s-file"
[network]
network_backend = "netavark"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
export CONTAINERS_CONF="$work/containers.conf"
podman info >/dev/null 2>"$work/info.err" || skip "podman cannot start here: $(tail -n 1 "$work/info.err")"

python=python3
if ! python3 -c 'import yaml' 2>/dev/null; then
  venv=target/container/venv
  if ! "$venv/bin/python" -c 'import yaml' 2>/dev/null; then
    say "PyYAML for .ci/container-pods.py, in $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'PyYAML==6.0.3'
  fi
  python=$venv/bin/python
fi

# --- 1. the image ------------------------------------------------------------------------------------
say "building $image (scripts/container-image.sh)"
old_id=$(podman image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
b0=$SECONDS
bash scripts/container-image.sh "$image" >/dev/null 2>"$work/build.log" ||
  { cat "$work/build.log"; fail "scripts/container-image.sh could not build the image"; }
grep -E '^container-image:|^ *(Compiling|Finished|warning)' "$work/build.log" || true
build_s=$((SECONDS - b0))
new_id=$(podman image inspect -f '{{.Id}}' "$image")
# The image this tag named before is this script's to remove (the build leaves no stage images).
if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then
  podman rmi "$old_id" >/dev/null 2>&1 || true
fi
size=$(podman image inspect -f '{{.Size}}' "$image")
say "image $image: $((size / 1000)) kB, built in $build_s s"
((size < 30000000)) || fail "the image is $size bytes, over 30 MB"
[[ $(podman image inspect -f '{{.Config.User}}' "$image") == 65532:65532 ]] || fail "the image's user is not 65532"
[[ $(podman image inspect -f '{{index .Config.Labels "org.opencontainers.image.title"}}' "$image") == appflow-harness ]] ||
  fail "the image has no org.opencontainers.image.title label"

set +e
podman run --rm "$image" --version >"$work/version.out" 2>"$work/version.err"
rc=$?
set -e
# 125-127: podman itself could not run the container (runtime, cgroups, limits), not the binary.
if ((rc >= 125 && rc <= 127)); then
  skip "podman cannot run a container here: $(tail -n 1 "$work/version.err")"
fi
((rc == 0)) || fail "the image's --version exited $rc: $(cat "$work/version.err")"
say "runs: $(cat "$work/version.out")"

# --- 2. the stub and the gate on a container network -------------------------------------------------
# --internal: the containers reach each other and nothing else (no route, no NAT out of the machine).
podman network create --internal "$net" >/dev/null
podman volume create "$vol" >/dev/null

start_stub() { # NAME ALIAS [serve flags...]
  local name=$1 alias=$2
  shift 2
  containers+=("$name")
  # Its stderr to a file: the first container on a network starts aardvark-dns, which inherits it and
  # says "failed to connect to syslog" (there is no syslog here).
  podman run -d --name "$name" --network "$net" --network-alias "$alias" "$image" \
    serve --addr 0.0.0.0:8080 "$@" >/dev/null 2>>"$work/podman-run.err" ||
    { cat "$work/podman-run.err"; fail "could not start $name"; }
  for _ in $(seq 50); do
    podman logs "$name" 2>/dev/null | grep -q '^listening on http://0.0.0.0:8080' && return 0
    sleep 0.1
  done
  podman logs "$name"
  fail "$name did not print its listening line"
}

# The stub's /__admin/stats, read from inside its network namespace (nothing published on the host).
served() { # CONTAINER
  local pid
  pid=$(podman inspect -f '{{.State.Pid}}' "$1")
  nsenter -t "$pid" -n python3 -c '
import json, urllib.request
print(json.load(urllib.request.urlopen("http://127.0.0.1:8080/__admin/stats", timeout=5))["served"])'
}

run_rc() { # LOG podman-run-args...: the container's exit code, its output in LOG
  local log=$1
  shift
  set +e
  podman run --rm "$@" >"$log" 2>&1
  local rc=$?
  set -e
  echo "$rc"
}

# Every client container resolves the stubs through podman's aardvark-dns, which can drop a query while
# it reloads for a container being started; glibc then waits its default 5 s before asking again, and
# the harness's connect timeout (2.5 s, the lookup included) has passed: "cannot be reached", exit 2
# (seen in 2 of 12 worker starts here). Asking again after 1 s keeps the lookup well inside it.
dns=(--dns-option timeout:1 --dns-option attempts:4)

start_stub "$p-stub" stub
start_stub "$p-stub-wiremock" stub-wiremock --engine wiremock
start_stub "$p-stub-faulty" stub-faulty --fault ignore-token
say "stubs on $net: stub (serve), stub-wiremock (serve --engine wiremock), stub-faulty (serve --fault ignore-token)"

# The README's gate, container to container. Against the wiremock engine: the fast engine answers a
# body over the limit with 413 before reading it and closes with the rest unread, so the kernel resets
# the connection and, across a network link, the client often loses the answer (below).
rc=$(run_rc "$work/gate.log" --network "$net" "${dns[@]}" -v "$vol:/results" "$image" \
  check --base-url http://stub-wiremock:8080 --quiet --report junit=/results/conformance.xml)
say "gate: check --base-url http://stub-wiremock:8080 -> exit $rc: $(tail -n 1 "$work/gate.log")"
((rc == 0)) || { cat "$work/gate.log"; fail "the gate against the stub exited $rc, not 0"; }
results=$(podman volume inspect -f '{{.Mountpoint}}' "$vol")
grep -q '<testsuites' "$results/conformance.xml" || fail "the gate wrote no JUnit report into the volume"

# The fast engine (serve's default), from a container in its network namespace: loopback, where the
# reset does not lose the answer. `localhost` comes from the /etc/hosts podman writes.
rc=$(run_rc "$work/gate-fast.log" --network "container:$p-stub" "$image" check --base-url http://localhost:8080 --quiet)
say "gate: check --base-url http://localhost:8080 in stub's network namespace -> exit $rc: $(tail -n 1 "$work/gate-fast.log")"
((rc == 0)) || { cat "$work/gate-fast.log"; fail "the gate against the fast engine exited $rc, not 0"; }

# The same over the network: the fast engine drains a body over the limit before it answers 413, so
# the answer reaches a client that is still sending (it lost it to a reset before).
rc=$(run_rc "$work/gate-fast-net.log" --network "$net" "${dns[@]}" "$image" check --base-url http://stub:8080 --quiet)
say "gate: check --base-url http://stub:8080 (fast engine over the network) -> exit $rc: $(grep -E '^unverified|^contract' "$work/gate-fast-net.log" | head -n 1)"
((rc == 0)) || { cat "$work/gate-fast-net.log"; fail "the gate against the fast engine over the network exited $rc, not 0"; }

rc=$(run_rc "$work/gate-faulty.log" --network "$net" "${dns[@]}" "$image" check --base-url http://stub-faulty:8080 --quiet)
say "gate: check --base-url http://stub-faulty:8080 -> exit $rc: $(grep '^contract' "$work/gate-faulty.log")"
((rc == 1)) || { tail -n 20 "$work/gate-faulty.log"; fail "the gate against the faulty stub exited $rc, not 1"; }
grep -q 'idempotency.replay-same-response' "$work/gate-faulty.log" ||
  fail "the gate against ignore-token did not name idempotency.replay-same-response"

# --- 3. https ----------------------------------------------------------------------------------------
(
  cd "$work"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=appflow-ci-ca -keyout ca.key -out ca.pem
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=stub-wiremock \
    -keyout stub.key -out stub.csr
  printf 'subjectAltName=DNS:stub-wiremock\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >ext
  openssl x509 -req -in stub.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext -out stub.pem
  chmod 0644 ca.pem
) >"$work/openssl.log" 2>&1 || { cat "$work/openssl.log"; fail "openssl could not make the test certificates"; }
stub_pid=$(podman inspect -f '{{.State.Pid}}' "$p-stub-wiremock")
nsenter -t "$stub_pid" -n python3 .ci/container-tls-proxy.py "$work/stub.pem" "$work/stub.key" 8443 8080 \
  >"$work/proxy.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 50); do
  grep -q ready "$work/proxy.log" && break
  sleep 0.1
done
grep -q ready "$work/proxy.log" || { cat "$work/proxy.log"; fail "the TLS front did not start"; }

# The image's bundle alone: rustls loads it and refuses the certificate (its issuer is not a public
# root). Pointing SSL_CERT_FILE at a file that is not there shows the other error, no roots at all.
rc=$(run_rc "$work/tls-bundle.log" --network "$net" "${dns[@]}" "$image" check --base-url https://stub-wiremock:8443 --only envelope --quiet)
grep -q 'UnknownIssuer' "$work/tls-bundle.log" ||
  { cat "$work/tls-bundle.log"; fail "with the image's CA bundle the error was not an unknown issuer"; }
say "https with the image's CA bundle -> exit $rc, the certificate refused: UnknownIssuer (the roots were loaded)"
rc=$(run_rc "$work/tls-none.log" --network "$net" "${dns[@]}" -e SSL_CERT_FILE=/nonexistent.pem "$image" \
  check --base-url https://stub-wiremock:8443 --only envelope --quiet)
grep -qi 'no CA certificates' "$work/tls-none.log" ||
  { cat "$work/tls-none.log"; fail "without a CA bundle the error was not the missing roots"; }
say "https with SSL_CERT_FILE=/nonexistent.pem -> exit $rc: no CA certificates were loaded"
rc=$(run_rc "$work/tls-gate.log" --network "$net" "${dns[@]}" -v "$work/ca.pem:/ca.pem:ro" -e SSL_CERT_FILE=/ca.pem "$image" \
  check --base-url https://stub-wiremock:8443 --quiet)
say "gate over https (SSL_CERT_FILE=/ca.pem) -> exit $rc: $(tail -n 1 "$work/tls-gate.log")"
((rc == 0)) || { tail -n 20 "$work/tls-gate.log"; fail "the gate over https exited $rc, not 0"; }
kill "$proxy_pid"
wait "$proxy_pid" 2>/dev/null || true
proxy_pid=

# --- 4. three load workers, as the Indexed Job's pods ------------------------------------------------
workers=3
before=$(served "$p-stub")
for ((i = 0; i < workers; i++)); do
  containers+=("$p-worker-$i")
  podman run -d --name "$p-worker-$i" --network "$net" "${dns[@]}" -e JOB_COMPLETION_INDEX=$i -v "$vol:/results" "$image" \
    load smoke --host http://stub:8080 --workers $workers --users 6 --run-time 3s --seed 20261201 \
    --result "/results/worker-$i.json" >/dev/null
done
files=()
for ((i = 0; i < workers; i++)); do
  rc=$(podman wait "$p-worker-$i")
  ((rc == 0)) || { podman logs "$p-worker-$i" | tail -n 20; fail "worker $i exited $rc"; }
  files+=("/results/worker-$i.json")
done
after=$(served "$p-stub")
rc=$(run_rc "$work/merge.log" -v "$vol:/results" "$image" load merge "${files[@]}" --report /results/merged.json)
((rc == 0)) || { cat "$work/merge.log"; fail "load merge exited $rc"; }

compare() { # MERGED.json SERVED LABEL
  "$python" - "$@" <<'PY'
import json, sys
merged, served, label = json.load(open(sys.argv[1])), int(sys.argv[2]), sys.argv[3]
n = merged["worker_count"]
print(f"container: {label}: workers {merged['workers']} of {n}, merged {merged['requests']} requests "
      f"({merged['failures']} violations, {merged['transport_errors']} without an answer); "
      f"the stub served {served}")
ok = (merged["workers"] == list(range(n)) and merged["requests"] == served
      and merged["failures"] == 0 and merged["transport_errors"] == 0)
sys.exit(0 if ok else 1)
PY
}
compare "$results/merged.json" $((after - before)) "load, $workers worker containers" ||
  fail "the merged run is not what the stub served"

# --- 5. the manifest's own Pods, with podman kube play -----------------------------------------------
manifest=scenarios/k8s-indexed-job.yaml
"$python" .ci/container-pods.py "$manifest" --step load --image "$image" \
  --env STAGING_HOST=http://stub:8080 --append-args appflow-load=--run-time=3s \
  --dns-option timeout:1 --dns-option attempts:4 >"$work/kube-load.yaml"
"$python" .ci/container-pods.py "$manifest" --step merge --image "$image" >"$work/kube-merge.yaml"
pods=$(grep -c '^kind: Pod' "$work/kube-load.yaml")
podman volume rm -f appflow-load-results >/dev/null 2>&1 || true
before=$(served "$p-stub")
podman kube play --network "$net" "$work/kube-load.yaml" >"$work/kube-load.out" 2>&1 ||
  { cat "$work/kube-load.out"; fail "podman kube play refused the manifest's worker Pods"; }
for ((i = 0; i < pods; i++)); do
  rc=$(podman wait "appflow-load-$i-worker")
  ((rc == 0)) || { podman logs "appflow-load-$i-worker" | tail -n 20; fail "kube pod appflow-load-$i exited $rc"; }
done
after=$(served "$p-stub")
podman kube play --network "$net" "$work/kube-merge.yaml" >"$work/kube-merge.out" 2>&1 ||
  { cat "$work/kube-merge.out"; fail "podman kube play refused the manifest's merge Pod"; }
rc=$(podman wait appflow-load-merge-merge)
podman logs appflow-load-merge-merge >"$work/kube-merge.log" 2>&1
say "kube play: $pods worker Pods exited 0; the merge Pod exited $rc: $(grep -c '^threshold PASS' "$work/kube-merge.log") thresholds passed"
grep '^threshold' "$work/kube-merge.log" | sed 's/^/container:   /' || true
((rc == 0)) || { cat "$work/kube-merge.log"; fail "the manifest's merge exited $rc"; }
claim=$(podman volume inspect -f '{{.Mountpoint}}' appflow-load-results)
compare "$claim/merged.json" $((after - before)) "kube play of $manifest" ||
  fail "the manifest's merged run is not what the stub served"
ls "$claim"/worker-*.html >/dev/null || fail "the manifest's workers wrote no goose reports"

say "passed in $(elapsed): installing $install_s s, the image (static link included) $build_s s, the containers $((SECONDS - t0 - install_s - build_s)) s"
