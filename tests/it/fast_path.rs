//! The stub's fast path (a body read in place, [`Doc`]) and the `serde_json::Value` path must agree on
//! everything the fast path accepts: the value itself, the fingerprint and validity against the one
//! request schema. Whatever it declines goes the `Value` way, so these tests are what lets it exist.

use crate::reliability::{json_value, mutated_request};
use appflow_harness::contract::SchemaKind;
use appflow_harness::contract::doc::{Doc, DocJson};
use appflow_harness::contract::fingerprint::fingerprint_of;
use appflow_harness::contract::{
    ExampleGen, Size, connector_types, fingerprint, invalid_cases, validate,
};
use jsonschema::json::Node;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::Value;

/// Asserts both paths agree on `text`; returns whether the fast path read it.
fn agree(text: &str) -> Result<bool, TestCaseError> {
    let Some(doc) = Doc::parse(text.as_bytes()) else {
        return Ok(false);
    };
    let value: Value = serde_json::from_str(text)
        .map_err(|e| TestCaseError::fail(format!("fast path read what serde_json refuses: {e}")))?;
    let root = doc.root();
    prop_assert_eq!(&*root.to_value(), &value);
    prop_assert_eq!(fingerprint_of::<DocJson>(root), fingerprint(&value));
    prop_assert_eq!(
        SchemaKind::Request.doc_validator().is_valid(root),
        validate(&value).is_empty(),
        "validity differs for {}",
        text
    );
    // The load generator judges answers in place too, against the envelope schemas.
    for kind in [SchemaKind::Success, SchemaKind::Error] {
        prop_assert_eq!(
            kind.doc_validator().is_valid(root),
            kind.validator().is_valid(&value),
            "{:?} validity differs for {}",
            kind,
            text
        );
    }
    Ok(true)
}

/// `v` written with its members in reverse order (a `Value` always writes them sorted).
fn reversed(v: &Value) -> String {
    match v {
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .rev()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), reversed(v)))
                .collect::<Vec<_>>()
                .join(" ,\n")
        ),
        Value::Array(items) => format!(
            "[ {} ]",
            items.iter().map(reversed).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

/// JSON inside the fast path's subset: unsigned integers and strings without escapes.
fn subset_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<u64>().prop_map(Value::from),
        "[a-zA-Z0-9 é🦀/_.@-]{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn both_paths_agree_on_the_subset(v in subset_value()) {
        prop_assert!(agree(&v.to_string())?, "declined {}", v);
        prop_assert!(agree(&reversed(&v))?, "declined {}", reversed(&v));
    }

    #[test]
    fn both_paths_agree_on_any_json_the_fast_path_reads(v in json_value()) {
        agree(&v.to_string())?;
        agree(&reversed(&v))?;
    }

    #[test]
    fn both_paths_judge_mutated_requests_alike(v in mutated_request()) {
        agree(&v.to_string())?;
        agree(&reversed(&v))?;
    }

    #[test]
    fn both_paths_judge_envelopes_alike(v in envelope()) {
        prop_assert!(agree(&v.to_string())?, "declined {}", v);
        prop_assert!(agree(&reversed(&v))?, "declined {}", reversed(&v));
    }

    #[test]
    fn arbitrary_bytes_never_break_the_fast_path(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            agree(text)?;
        } else {
            prop_assert!(Doc::parse(&bytes).is_none());
        }
    }
}

#[test]
fn every_generated_request_takes_the_fast_path_and_every_invalid_case_is_judged_alike() {
    let mut g = ExampleGen::new(17);
    let (mut cases, mut read) = (0, 0);
    for t in connector_types() {
        for size in [Size::Minimal, Size::Typical, Size::Largest] {
            let mut valid = g.request_sized(t, "fast-path", size);
            valid["clientToken"] = Value::String("tok-1".into());
            assert!(agree(&valid.to_string()).unwrap(), "{t} was declined");
            assert!(agree(&reversed(&valid)).unwrap(), "{t} was declined");
            for case in invalid_cases(&valid) {
                cases += 1;
                read += usize::from(agree(&case.body.to_string()).unwrap());
            }
        }
    }
    // Most invalid cases are in the subset too (wrong lengths, patterns, enums, members), so the
    // comparison above is not vacuous.
    assert!(
        read * 2 > cases,
        "only {read} of {cases} invalid cases were read"
    );
}

/// Envelopes as a contract-keeping server answers them, and as broken ones do.
fn envelope() -> impl Strategy<Value = Value> {
    let success = serde_json::json!({"success": true, "data": {
        "id": "4f1c2a9e-0000-4000-8000-00000000002a",
        "created_at": "2026-11-29T20:08:08Z",
        "connectorProfileArn": "arn:aws:appflow:us-east-1:123456789012:connectorprofile/p-1"}});
    let error = serde_json::json!({"success": false, "error": {
        "code": "CONFLICT", "message": "A connector profile with this name already exists"}});
    let base = prop_oneof![Just(success), Just(error)];
    let leaf = prop_oneof![
        Just(Value::Null),
        Just(Value::Bool(false)),
        Just(Value::from(200u64)),
        Just(Value::from("")),
        Just(Value::from("2026-11-29 20:08:08")),
        Just(Value::from("2026-13-29T20:08:08Z")),
        Just(Value::from("VALIDATION_ERROR")),
        Just(serde_json::json!({})),
    ];
    (
        base,
        prop::collection::vec((0..8usize, 0..4usize, leaf), 0..3),
    )
        .prop_map(|(mut v, edits)| {
            for (member, op, leaf) in edits {
                let inner = if v["success"] == true {
                    "data"
                } else {
                    "error"
                };
                let keys: Vec<String> = v[inner]
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                match (op, keys.get(member % keys.len().max(1))) {
                    (0, Some(k)) => {
                        v[inner].as_object_mut().map(|m| m.remove(k));
                    }
                    (1, Some(k)) => v[inner][k.as_str()] = leaf,
                    (2, _) => v["extra"] = leaf,
                    _ => v["success"] = leaf,
                }
            }
            v
        })
}

#[test]
fn the_envelope_cases_are_not_vacuous() {
    // Both verdicts occur for both schemas, so agreement above compares real decisions.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..500 {
        let v = envelope().new_tree(&mut runner).unwrap().current();
        let doc_text = v.to_string();
        let doc = Doc::parse(doc_text.as_bytes()).expect("in the subset");
        for kind in [SchemaKind::Success, SchemaKind::Error] {
            seen.insert((kind as usize, kind.doc_validator().is_valid(doc.root())));
        }
    }
    assert_eq!(seen.len(), 4, "{seen:?}");
}
