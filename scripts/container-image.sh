#!/usr/bin/env bash
# Builds the appflow-harness container image without a registry: the statically linked binary is built on
# this machine, laid out with the CA bundle in target/container/rootfs/, and the Containerfile's
# `prebuilt` stage (FROM scratch) copies it in. No base image is pulled.
#
#   bash scripts/container-image.sh [TAG]       build the image (default TAG: localhost/appflow-harness:latest);
#                                               prints TAG on stdout, the rest goes to stderr
#   bash scripts/container-image.sh rootfs DIR  only lay out the root file system in DIR (the Containerfile's
#                                               `build` stage runs this inside the Rust image)
#
# ENGINE=podman|docker picks the builder (default: podman if installed, else docker). Needs cargo, gcc
# with glibc's static libraries (Debian: libc6-dev), readelf, and the CA bundle of Debian's ca-certificates.
set -euo pipefail
cd "$(dirname "$0")/.."

CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

log() { echo "container-image: $*" >&2; }

# The static binary. `cargo rustc` gives the flags to this one crate only: its dependencies are the
# ordinary release build's (the same target directory, profile and features as `cargo build --release`),
# so after that build this is a recompile of the binary crate and a static link, not a second full build.
# On the gnu target `crt-static` changes only the final link (static-pie against glibc's libc.a); the
# dependencies' objects do not depend on it (cc and aws-lc-sys read it only for MSVC). The musl target
# would need its own toolchain component, which a machine without the internet may not get.
# cargo keeps this build beside the ordinary one (the extra flags give it its own hash): until the next
# `cargo build --release` puts the ordinary binary back, target/release/appflow-harness is the static one.
static_binary() {
  local target_dir
  target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
  [[ -n "$target_dir" ]] || { log "cannot find cargo's target directory"; exit 2; }
  log "static release build (cargo rustc --release -- -C target-feature=+crt-static) in $target_dir"
  cargo rustc --release --locked --bin appflow-harness -- \
    -C target-feature=+crt-static -C strip=symbols >&2
  local bin="$target_dir/release/appflow-harness"
  # A static-pie executable has no program interpreter; a dynamic one names ld-linux.
  if readelf --program-headers "$bin" | grep -q 'program interpreter'; then
    log "$bin is dynamically linked: this target does not link glibc statically"
    exit 2
  fi
  printf '%s\n' "$bin"
}

# The image's whole root file system: the binary, the CA bundle that rustls-native-certs reads
# (SSL_CERT_FILE in the Containerfile; also the first place its search looks), an nsswitch.conf
# that makes glibc's resolver read /etc/hosts (which the runtime writes) before DNS, and /results and
# /tmp writable by any user id.
rootfs() {
  local dir=$1 bin
  # DIR is replaced whole: only an empty directory or an earlier layout of this script.
  if [[ -d "$dir" && -n "$(ls -A "$dir")" && ! -e "$dir/appflow-harness" ]]; then
    log "$dir is not empty and not a root file system this script laid out: not replacing it"
    exit 2
  fi
  [[ -r "$CA_BUNDLE" ]] || { log "no CA bundle at $CA_BUNDLE (install ca-certificates)"; exit 2; }
  bin=$(static_binary)
  rm -rf "$dir"
  mkdir -p "$dir/etc/ssl/certs"
  install -m 0755 "$bin" "$dir/appflow-harness"
  install -m 0644 "$CA_BUNDLE" "$dir/etc/ssl/certs/ca-certificates.crt"
  printf 'hosts: files dns\n' >"$dir/etc/nsswitch.conf"
  mkdir -m 1777 "$dir/results" "$dir/tmp"
  log "root file system in $dir: $(du -sh "$dir" | cut -f1)"
}

if [[ "${1:-}" == rootfs ]]; then
  [[ $# -eq 2 ]] || { echo "usage: $0 rootfs DIR" >&2; exit 2; }
  rootfs "$2"
  exit 0
fi
[[ $# -le 1 ]] || { echo "usage: $0 [TAG] | $0 rootfs DIR" >&2; exit 2; }
tag=${1:-localhost/appflow-harness:latest}

engine=${ENGINE:-}
if [[ -z "$engine" ]]; then
  if command -v podman >/dev/null; then engine=podman; else engine=docker; fi
fi

rootfs target/container/rootfs
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [[ "$revision" != unknown ]] && ! git diff --quiet HEAD 2>/dev/null; then
  revision="$revision-dirty"
fi
# The commit's time, not the clock's: the same commit gives the same label.
created=$(git log -1 --format=%cI 2>/dev/null || echo unknown)
source=$(git remote get-url origin 2>/dev/null || true)

# buildah 1.28 (Debian 12's podman) reuses a cached stage when only a build arg changed, which would keep
# an older commit's labels; without its layer cache it also leaves no stage images behind. The stages
# are FROM scratch and a COPY each, so nothing is lost.
flags=()
[[ "$engine" == podman ]] && flags=(--no-cache --layers=false)
log "$engine build --target prebuilt ${flags[*]} -t $tag"
"$engine" build -f Containerfile --target prebuilt "${flags[@]}" \
  --build-arg VERSION="$version" --build-arg REVISION="$revision" \
  --build-arg CREATED="$created" --build-arg SOURCE="$source" \
  -t "$tag" . >&2
printf '%s\n' "$tag"
