//! The stub's fast path (a body read in place, [`Doc`]) and the `serde_json::Value` path must agree on
//! everything the fast path accepts: the value itself, the fingerprint and validity against the one
//! request schema. Whatever it declines goes the `Value` way, so these tests are what lets it exist.

use crate::reliability::{json_value, mutated_request};
use appflow_harness::contract::doc::{Doc, DocJson};
use appflow_harness::contract::fingerprint::fingerprint_of;
use appflow_harness::contract::schema::request_doc_validator;
use appflow_harness::contract::{
    ExampleGen, Size, connector_types, fingerprint, invalid_cases, validate,
};
use jsonschema::json::Node;
use proptest::prelude::*;
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
        request_doc_validator().is_valid(root),
        validate(&value).is_empty(),
        "validity differs for {}",
        text
    );
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
