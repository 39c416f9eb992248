//! Fuzzes the stub's request-deciding core: any body, content type and account header must get an
//! envelope with a status of the contract's table, and never a panic.
#![no_main]

use appflow_harness::contract::{ErrorCode, SchemaKind, validate_against};
use appflow_harness::stub::{Stub, StubConfig, StubRequest};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static STUB: LazyLock<Stub> = LazyLock::new(|| {
    Stub::new(StubConfig {
        quota: 5,
        ..StubConfig::default()
    })
});

fuzz_target!(|data: &[u8]| {
    // The first byte picks the content type and account, the rest is the body.
    let (selector, body) = data.split_first().unwrap_or((&0, &[]));
    let content_type = [
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/vnd.x+json",
    ][(*selector & 3) as usize];
    let account = ["111111111111", "222222222222", "bad", ""][((*selector >> 2) & 3) as usize];
    let r = STUB.handle(&StubRequest {
        method: "POST",
        path: "/create-connector-profile",
        content_type: Some(content_type),
        account: (!account.is_empty()).then_some(account),
        account_present: !account.is_empty(),
        body,
        body_truncated: false,
        authorization: None,
    });
    let v: serde_json::Value = serde_json::from_slice(&r.body).expect("the answer is JSON");
    let kind = if r.status == 200 {
        SchemaKind::Success
    } else {
        SchemaKind::Error
    };
    assert!(
        validate_against(kind, &v).is_empty(),
        "not an envelope: {v}"
    );
    assert!(
        r.status == 200
            || ErrorCode::ALL
                .iter()
                .any(|c| c.status() == r.status && c != &ErrorCode::InternalError)
    );
});
