//! Differential: whatever the stub's in-place reader accepts, serde_json must read as the same value,
//! with the same fingerprint and the same validity against the request schema.
#![no_main]

use appflow_harness::contract::doc::{Doc, DocJson};
use appflow_harness::contract::fingerprint::fingerprint_of;
use appflow_harness::contract::SchemaKind;
use appflow_harness::contract::{fingerprint, validate};
use jsonschema::json::Node;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(doc) = Doc::parse(data) else {
        return;
    };
    let value: serde_json::Value =
        serde_json::from_slice(data).expect("the in-place reader accepted what serde_json refuses");
    let root = doc.root();
    assert_eq!(*root.to_value(), value);
    assert_eq!(fingerprint_of::<DocJson>(root), fingerprint(&value));
    assert_eq!(
        SchemaKind::Request.doc_validator().is_valid(root),
        validate(&value).is_empty()
    );
});
