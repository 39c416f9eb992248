#!/usr/bin/env bash
# run.sh ENDPOINT ADMIN_URL
#   ENDPOINT   the stub's AWS-dialect base URL (appflow-harness serve --dialect aws), e.g. http://127.0.0.1:8080
#   ADMIN_URL  where its /__admin/ routes are (usually the same URL)
# Drives the real Terraform 1.11 + hashicorp/aws 5.100.0 against it, fully offline:
#   init -> apply -> plan (must be "no changes") -> apply phase=updated (must be in place only)
#   -> plan (must be "no changes") -> destroy -> admin count must be 0.
# Exit 0 when every step held; 1 with a "FAIL:" line otherwise; 77 with a "SKIP:" line where
# terraform 1.11 or the hashicorp/aws 5.100.0 provider's filesystem mirror is not on the machine.
# Extra variables for every terraform call can be given in TF_RUN_VARS (e.g. "-var filler_count=0").
set -uo pipefail

ENDPOINT=${1:?usage: run.sh ENDPOINT ADMIN_URL}
ADMIN_URL=${2:?usage: run.sh ENDPOINT ADMIN_URL}
ACCOUNT=123456789012
HERE=$(cd "$(dirname "$0")" && pwd)

command -v terraform >/dev/null || { echo "SKIP: terraform is not installed"; exit 77; }
# The provider's filesystem mirror: the folder above registry.terraform.io/hashicorp/aws/5.100.0/.
provider=$(find /opt /usr/local /usr/share "$HOME/.terraform.d" -name 'terraform-provider-aws_v5.100.0*' 2>/dev/null | head -n 1)
[ -n "$provider" ] || { echo "SKIP: no hashicorp/aws 5.100.0 provider mirror (terraform-provider-aws_v5.100.0*) on this machine"; exit 77; }
mirror=${provider%%/registry.terraform.io/*}
RC=$(mktemp "${TMPDIR:-/tmp}/appflow-tf-rc.XXXXXX")
cat >"$RC" <<RC
disable_checkpoint = true
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
RC
export TF_CLI_CONFIG_FILE="$RC"                   # filesystem mirror only, no registry
export CHECKPOINT_DISABLE=1                       # no update check
export TF_IN_AUTOMATION=1 TF_INPUT=0
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_APPFLOW

WORK=$(mktemp -d "${TMPDIR:-/tmp}/appflow-tf.XXXXXX")
cp "$HERE/main.tf" "$WORK/"
[ -f "$HERE/.terraform.lock.hcl" ] && cp "$HERE/.terraform.lock.hcl" "$WORK/"
cd "$WORK" || exit 2
# shellcheck disable=SC2206
EXTRA=(${TF_RUN_VARS:-})
VARS=(-var "endpoint=$ENDPOINT" "${EXTRA[@]}")

APPLIED=0
step() { echo "== $*"; }
fail() {
  echo "FAIL: $*"
  if [ "$APPLIED" = 1 ]; then   # best effort: leave no profiles behind on the stub
    terraform destroy -auto-approve -input=false -no-color "${VARS[@]}" >"$WORK/cleanup.out" 2>&1 \
      && echo "(cleanup: destroyed what this run created)" || echo "(cleanup destroy failed: $WORK/cleanup.out)"
  fi
  echo "(work dir kept: $WORK)"
  exit 1
}
tf() { terraform "$@" -no-color >"$WORK/last.out" 2>&1; local rc=$?; cat "$WORK/last.out" >>"$WORK/all.out"; return $rc; }
admin_count() {
  curl -sf "$ADMIN_URL/__admin/accounts/$ACCOUNT/profiles" | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])'
}

step "init (offline, filesystem mirror $mirror)"
tf init -input=false || { cat last.out; fail "terraform init"; }

step "validate"
tf validate || { cat last.out; fail "terraform validate"; }

before=$(admin_count) || fail "admin listing $ADMIN_URL/__admin/accounts/$ACCOUNT/profiles did not answer"
step "account $ACCOUNT holds $before profiles before apply"

step "apply"
APPLIED=1
tf apply -auto-approve -input=false "${VARS[@]}" || { tail -40 last.out; fail "terraform apply"; }
expected=$(terraform output -raw profile_count)
now=$(admin_count)
[ "$now" -eq $((before + expected)) ] || fail "after apply the account holds $now profiles, expected $((before + expected))"
step "apply created $expected profiles (account now $now)"

step "plan -detailed-exitcode (must be 0: no drift)"
tf plan -detailed-exitcode -input=false "${VARS[@]}"; rc=$?
[ $rc -eq 0 ] || { tail -60 last.out; fail "plan after apply exited $rc (2 = drift, 1 = error)"; }

step "plan phase=updated (must be in-place updates only)"
tf plan -detailed-exitcode -input=false "${VARS[@]}" -var phase=updated; rc=$?
[ $rc -eq 2 ] || { tail -60 last.out; fail "plan for the update exited $rc, expected 2 (changes)"; }
grep -q "Plan: 0 to add, 2 to change, 0 to destroy." last.out || { tail -60 last.out; fail "the update is not 2 in-place changes"; }

step "apply phase=updated"
tf apply -auto-approve -input=false "${VARS[@]}" -var phase=updated || { tail -40 last.out; fail "terraform apply (update)"; }
grep -q "0 added, 2 changed, 0 destroyed" last.out || { tail -40 last.out; fail "update apply did not change exactly 2 in place"; }

step "plan -detailed-exitcode phase=updated (must be 0)"
tf plan -detailed-exitcode -input=false "${VARS[@]}" -var phase=updated; rc=$?
[ $rc -eq 0 ] || { tail -60 last.out; fail "plan after update exited $rc"; }

step "destroy"
tf destroy -auto-approve -input=false "${VARS[@]}" -var phase=updated || { tail -40 last.out; fail "terraform destroy"; }

after=$(admin_count) || fail "admin listing did not answer after destroy"
[ "$after" -eq "$before" ] || fail "after destroy the account holds $after profiles, expected $before"
[ "$after" -eq 0 ] || fail "after destroy the account holds $after profiles, expected 0"
step "destroy left $after profiles"

rm -rf "$WORK"
echo "PASS: terraform apply / plan (no drift) / update in place / plan / destroy against $ENDPOINT"
