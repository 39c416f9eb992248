//! Both directions of every verdict: each fault mode of the stub is caught by the check named for
//! it, and every check of the catalogue fails under some fault (none of them cannot fail).

use crate::check::{embedded, failed_ids, run};
use appflow_harness::check::{self, ContractConfig, Status};
use appflow_harness::contract::Dialect;
use appflow_harness::stub::Fault;

/// The README's table: each fault mode of the stub, and the check named for it.
pub const FAULT_TABLE: &[(&str, &str)] = &[
    ("ignore-token", "idempotency.replay-same-response"),
    ("new-id-on-replay", "idempotency.replay-same-response"),
    ("accept-mismatch", "mismatch.connection-mode"),
    ("wrong-mismatch-code", "mismatch.connector-profile-name"),
    ("quota-off-by-one", "quota.limit-enforced"),
    ("shared-quota", "isolation.quota"),
    ("shared-names", "isolation.names"),
    ("racy-token", "race.same-token"),
    ("racy-quota", "race.near-quota"),
    ("no-created-at", "envelope.success-shape"),
    ("bad-created-at", "envelope.success-shape"),
    ("errors-as200", "envelope.error-shape"),
    ("html500-on-malformed-json", "validation.malformed-json"),
    ("unanchored-patterns", "validation.pattern"),
    ("no-label-rule", "validation.custom-label"),
    ("echo-credentials", "secrets.not-echoed"),
    ("refuse-replay-at-quota", "idempotency.replay-at-full-quota"),
    ("failed-binds-token", "idempotency.failure-binds-nothing"),
    ("text-plain", "envelope.success-shape"),
    ("max-length-exclusive", "boundary.max-length"),
    ("integer-floats-refused", "boundary.integer-as-float"),
    ("label-only-for-custom", "boundary.optional-members"),
    ("quota-before-name", "order.name-before-quota"),
    ("size-after-identity", "order.size-before-identity"),
    ("refusals-use-quota", "quota.refusals-use-no-quota"),
    ("strict-media-type", "http.json-media-types"),
    ("body-limit-off-by-one", "http.body-limit-in-bytes"),
    ("no-default-account", "http.default-account"),
    ("big-numbers-500", "json.unusual-but-well-formed"),
    ("detail-fields-not-pointers", "envelope.error-shape"),
    ("lose-response-after-create", "envelope.success-shape"),
    ("error-500-after-create", "envelope.success-shape"),
    // Issue 21's families: each caught by the cases derived from the contract's rules.
    ("map-keys-unchecked", "validation.pattern"),
    ("list-items-unchecked", "validation.type"),
    ("second-alternative-unanchored", "validation.pattern"),
    ("jwt-as-base64url", "validation.pattern"),
    ("kms-any-partition", "validation.pattern"),
    ("connector-type-as-model-key", "validation.enum"),
    ("null-as-absent", "validation.type"),
    ("pattern-prefix-only", "validation.pattern"),
    ("kms-arn-strict", "boundary.min-length"),
    ("f64-overflow-saturates", "validation.range"),
    ("methods-case-insensitive", "http.method-case"),
    ("trailing-data-accepted", "http.trailing-data"),
    ("empty-account-as-default", "validation.account-header"),
    ("names-case-insensitive", "uniqueness.names-exact"),
    ("tokens-case-insensitive", "idempotency.token-exact"),
    ("blank-token-ignored", "idempotency.token-of-spaces"),
    ("tokens-any-unicode", "validation.pattern"),
    ("arrays-as-sets", "idempotency.arrays-in-order"),
    ("fingerprint-ignores-case", "idempotency.strings-exact"),
    ("replay-drops-arn", "idempotency.replay-same-response"),
    ("echo-secrets-in-errors", "secrets.not-echoed"),
    ("quota-skips-token-creates", "quota.limit-enforced"),
    ("racy-mismatch", "race.same-token-other-parameters"),
    ("empty-strings-refused", "boundary.pattern-alternatives"),
    // Issue 22: the rest of the lifecycle.
    ("delete-keeps-slot", "lifecycle.delete-frees"),
    ("describe-drops-properties", "lifecycle.describe-details"),
    ("describe-shows-credentials", "lifecycle.describe-details"),
    ("page-skips-profile", "lifecycle.describe-pages"),
    ("update-moves-created-at", "lifecycle.update-replaces"),
    ("describe-ignores-type-filter", "lifecycle.describe-filters"),
    ("update-ignores-token", "lifecycle.update-idempotency"),
    ("update-missing-is400", "lifecycle.update-missing"),
    ("delete-missing-succeeds", "lifecycle.delete-missing"),
    (
        "delete-forgets-tokens",
        "lifecycle.create-token-after-delete",
    ),
    ("query-string-not-found", "http.query-string"),
    ("token-on-last-page", "lifecycle.describe-pages"),
    // Sequence-dependent faults: no hand-written check catches them (`sequence_faults_escape_the_
    // hand_written_catalogue` in explore.rs); the explorer does.
    ("forgets-old-tokens", "model.sequences"),
    ("names-first-page-only", "model.sequences"),
    ("in-progress-after-answer", "model.sequences"),
    ("refusal-frees-slot", "model.sequences"),
];

/// The checks no row of [`FAULT_TABLE`] names, each with a fault it catches (in both dialects): with
/// the table, every check of the catalogue fails under some fault, so none of them cannot fail.
/// Several are caught only by a broad fault (`errors-as200` answers every error 200) for now.
pub const ALSO_CAUGHT: &[(&str, &str)] = &[
    ("model.histories", "racy-mismatch"),
    ("envelope.not-found", "errors-as200"),
    ("envelope.method-not-allowed", "errors-as200"),
    (
        "validation.accepts-every-connector-type",
        "max-length-exclusive",
    ),
    ("validation.required", "label-only-for-custom"),
    ("validation.length", "map-keys-unchecked"),
    ("validation.unknown-member", "label-only-for-custom"),
    ("validation.connector-key", "label-only-for-custom"),
    ("validation.non-object-body", "errors-as200"),
    ("validation.media-type", "errors-as200"),
    ("validation.payload-too-large", "errors-as200"),
    ("boundary.integer-range", "label-only-for-custom"),
    ("boundary.enum-values", "label-only-for-custom"),
    ("boundary.sizes", "kms-arn-strict"),
    ("http.not-json-media-types", "errors-as200"),
    ("http.head-without-body", "errors-as200"),
    ("order.method-before-media-type", "errors-as200"),
    ("order.media-type-before-size", "errors-as200"),
    ("order.identity-before-validation", "errors-as200"),
    ("order.validation-before-token", "failed-binds-token"),
    ("order.token-before-name", "accept-mismatch"),
    ("order.token-before-quota", "refuse-replay-at-quota"),
    ("idempotency.replay-after-other-creates", "ignore-token"),
    ("idempotency.replay-with-taken-name", "ignore-token"),
    ("idempotency.no-token-new-call", "echo-credentials"),
    ("idempotency.member-order-irrelevant", "accept-mismatch"),
    ("idempotency.numbers-by-value", "integer-floats-refused"),
    ("mismatch.connector-type", "accept-mismatch"),
    ("mismatch.connector-label", "accept-mismatch"),
    ("mismatch.kms-arn", "accept-mismatch"),
    ("mismatch.connector-profile-properties", "accept-mismatch"),
    ("mismatch.connector-profile-credentials", "accept-mismatch"),
    ("uniqueness.same-name-new-token", "echo-credentials"),
    ("quota.counts-every-create", "quota-off-by-one"),
    ("isolation.tokens", "echo-credentials"),
    ("race.same-name", "racy-quota"),
    ("ttl.token-expires", "failed-binds-token"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_of_the_catalogue_fails_under_some_fault() {
    let named: std::collections::BTreeSet<&str> = FAULT_TABLE
        .iter()
        .map(|(_, c)| *c)
        .chain(ALSO_CAUGHT.iter().map(|(c, _)| *c))
        // Runs only with a replay file: explore.rs proves it fails against a fault.
        .chain(["model.replay"])
        .collect();
    let ids: Vec<String> = check::checks::catalogue()
        .into_iter()
        .map(|c| c.id.to_string())
        .collect();
    let uncaught: Vec<&String> = ids.iter().filter(|i| !named.contains(i.as_str())).collect();
    assert!(uncaught.is_empty(), "checks no fault proves: {uncaught:?}");
    for dialect in Dialect::ALL {
        for (id, fault) in ALSO_CAUGHT {
            let opts = embedded(id)
                .with_contract(ContractConfig::for_dialect(dialect))
                .and_then(|o| o.with_stub_faults(vec![fault.parse().unwrap()]))
                .unwrap();
            let r = run(opts).await;
            let check = r.checks.iter().find(|c| c.id == *id).unwrap();
            assert_eq!(check.status, Status::Failed, "{dialect:?} {fault}: {id}");
        }
    }
}

/// Faults that break members only the envelope has (`id`, `created_at`, `details`): the AWS
/// framing (`{"connectorProfileArn"}`, `{"message"}`) carries none of them, so there is nothing to see.
pub const ENVELOPE_ONLY: &[&str] = &[
    "new-id-on-replay",
    "no-created-at",
    "bad-created-at",
    "detail-fields-not-pointers",
    "replay-drops-arn",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_mode_is_caught_by_the_check_named_for_it_in_both_dialects() {
    let named: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
    let table: Vec<&str> = FAULT_TABLE.iter().map(|(f, _)| *f).collect();
    assert_eq!(named, table, "every fault has a row");
    for dialect in Dialect::ALL {
        for (fault, id) in FAULT_TABLE {
            if dialect == Dialect::Aws && ENVELOPE_ONLY.contains(fault) {
                continue;
            }
            let group = id.split('.').next().unwrap();
            // The explorer's rows get a generous budget (explore.rs: which faults need it).
            let budget = if group == "model" {
                60_000
            } else {
                appflow_harness::check::explore::DEFAULT_BUDGET
            };
            let opts = embedded(group)
                .with_explore(budget)
                .with_contract(ContractConfig::for_dialect(dialect))
                .and_then(|o| o.with_stub_faults(vec![fault.parse().unwrap()]))
                .unwrap();
            let r = run(opts).await;
            let check = r.checks.iter().find(|c| c.id == *id).unwrap();
            if *fault == "lose-response-after-create" {
                // A lost answer proves nothing, and every create the runner sends carries a token:
                // the retry is a replay, which gets the answer the first attempt lost.
                assert_eq!(
                    check.status,
                    Status::Passed,
                    "{dialect:?} {fault}: {check:?}"
                );
                assert!(check.retries > 0, "{dialect:?} {fault}: not retried");
                continue;
            }
            assert!(!r.passed(), "{dialect:?} {fault}: the run passed");
            assert_eq!(
                check.status,
                Status::Failed,
                "{dialect:?} {fault}: {id} {:?}",
                failed_ids(&r)
            );
        }
    }
}
