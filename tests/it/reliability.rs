//! Reliability and security: hostile input never breaks the stub, secrets never leave the harness,
//! and exactly-once holds at scale.

use crate::helpers::{Server, account};
use appflow_harness::contract::examples::SECRET_MARKER;
use appflow_harness::contract::{
    ErrorCode, ExampleGen, SchemaKind, connector_types, validate_against,
};
use appflow_harness::stub::{Engine, Stub, StubConfig, StubRequest};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Every answer is an envelope with a status of the contract's table, never a 500.
fn assert_contract_answer(
    status: u16,
    content_type: &str,
    body: &[u8],
) -> Result<(), TestCaseError> {
    prop_assert!(
        content_type.starts_with("application/json"),
        "content type {content_type}"
    );
    let v: Value =
        serde_json::from_slice(body).map_err(|e| TestCaseError::fail(format!("not JSON: {e}")))?;
    let kind = if status == 200 {
        SchemaKind::Success
    } else {
        SchemaKind::Error
    };
    prop_assert_eq!(validate_against(kind, &v), vec![], "{}", v);
    let allowed: Vec<u16> = std::iter::once(200)
        .chain(ErrorCode::ALL.iter().map(|c| c.status()))
        .collect();
    prop_assert!(
        allowed.contains(&status) && status != 500,
        "status {status}"
    );
    Ok(())
}

pub(crate) fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A valid request with one random edit at a random place.
pub(crate) fn mutated_request() -> impl Strategy<Value = Value> {
    (
        0..connector_types().len(),
        any::<u64>(),
        json_value(),
        0usize..4,
    )
        .prop_map(|(t, seed, replacement, op)| {
            let mut body =
                ExampleGen::new(seed).request(&connector_types()[t], &format!("p{seed}"));
            let mut paths: Vec<String> = Vec::new();
            fn collect(v: &Value, at: String, out: &mut Vec<String>) {
                out.push(at.clone());
                if let Value::Object(m) = v {
                    for (k, c) in m {
                        collect(c, format!("{at}/{k}"), out);
                    }
                }
            }
            collect(&body, String::new(), &mut paths);
            let path = paths[(seed as usize) % paths.len()].clone();
            match (op, body.pointer_mut(&path)) {
                (0, Some(slot)) => *slot = replacement,
                (1, Some(Value::Object(m))) => {
                    m.insert("extra".into(), replacement);
                }
                (2, Some(Value::Object(m))) => {
                    let first = m.keys().next().cloned();
                    if let Some(k) = first {
                        m.remove(&k);
                    }
                }
                _ => body["clientToken"] = json!(format!("t{}", seed % 7)),
            }
            body
        })
}

fn core_answer(stub: &Stub, content_type: &str, body: &[u8]) -> Result<(), TestCaseError> {
    let r = stub.handle(&StubRequest {
        method: "POST",
        path: "/create-connector-profile",
        content_type: Some(content_type),
        account: Some("111111111111"),
        account_present: true,
        body,
        body_truncated: false,
        authorization: None,
    });
    assert_contract_answer(r.status, r.content_type, &r.body)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn the_core_answers_arbitrary_bytes_with_an_envelope(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let stub = Stub::new(StubConfig::default());
        core_answer(&stub, "application/json", &bytes)?;
    }

    #[test]
    fn the_core_answers_arbitrary_json_with_an_envelope(v in json_value()) {
        let stub = Stub::new(StubConfig::default());
        core_answer(&stub, "application/json", &serde_json::to_vec(&v).unwrap())?;
    }

    #[test]
    fn the_core_answers_mutated_requests_with_an_envelope(v in mutated_request()) {
        let stub = Stub::new(StubConfig::default());
        core_answer(&stub, "application/json", &serde_json::to_vec(&v).unwrap())?;
        // And a second time: a replay, a mismatch or a conflict, still an envelope.
        core_answer(&stub, "application/json", &serde_json::to_vec(&v).unwrap())?;
    }
}

/// The same properties over HTTP, on both engines (fewer cases: each is a round trip).
async fn over_http(engine: Engine) {
    let s = Server::start(engine, StubConfig::default()).await;
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 150,
        ..ProptestConfig::default()
    });
    let strategy = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..1024),
        json_value().prop_map(|v| serde_json::to_vec(&v).unwrap()),
        mutated_request().prop_map(|v| serde_json::to_vec(&v).unwrap()),
    ];
    let acct = account();
    let rt = tokio::runtime::Handle::current();
    let result = tokio::task::block_in_place(|| {
        runner.run(&strategy, |body| {
            let r = rt.block_on(s.send(&acct, "application/json", body));
            assert_contract_answer(r.status, &r.content_type, &r.raw)
        })
    });
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_engines_answer_hostile_input_with_envelopes_fast() {
    over_http(Engine::Fast).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_engines_answer_hostile_input_with_envelopes_wiremock() {
    over_http(Engine::Wiremock).await;
}

/// Regression: a JSON number too large for u64 or i64 in a field typed integer.
#[test]
fn huge_numbers_are_validation_errors_not_panics() {
    let stub = Stub::new(StubConfig::default());
    let mut body = ExampleGen::new(1).request("SAPOData", "huge");
    for n in [
        "1e400",
        "18446744073709551616",
        "-9223372036854775809",
        "443.0000000001",
    ] {
        let text = body
            .to_string()
            .replace("\"portNumber\":443", &format!("\"portNumber\":{n}"));
        assert_ne!(text, body.to_string(), "the number was placed");
        core_answer(&stub, "application/json", text.as_bytes()).unwrap();
    }
    body["clientToken"] = json!("t");
    core_answer(&stub, "application/json", body.to_string().as_bytes()).unwrap();
}

// ---------------------------------------------------------------- secrets

fn all_text(dir: &std::path::Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.push_str(&all_text(&p));
        } else {
            out.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
        }
    }
    out
}

#[test]
fn planted_secrets_appear_in_no_output_or_file() {
    const HEADER_MARKER: &str = "hdr-marker-7f3a9c";
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_appflow-harness"))
            .args(args)
            .env("RUST_LOG", "debug")
            .env("NO_COLOR", "1")
            .current_dir(d)
            .output()
            .unwrap()
    };
    let auth = format!("Authorization: Bearer {HEADER_MARKER}");
    // A stub that echoes credentials, so the report must show responses that contain them.
    let check = run(&[
        "check",
        "--stub-fault",
        "echo-credentials",
        "-H",
        &auth,
        "--report",
        "json=r.json",
        "--report",
        "junit=r.xml",
        "--report",
        "markdown=r.md",
        "--snapshots",
        "snaps",
    ]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let load = run(&[
        "load",
        "smoke",
        "--users",
        "2",
        "--run-time",
        "1s",
        "-H",
        &auth,
        "--report",
        "l.html",
        "--report",
        "l.json",
        "--report",
        "l.md",
        "--result",
        "res.json",
    ]);
    assert_eq!(
        load.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&load.stdout)
    );
    let mut everything = all_text(d);
    for out in [&check, &load] {
        everything.push_str(&String::from_utf8_lossy(&out.stdout));
        everything.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    assert!(
        everything.contains("secrets: the response contains a credential value"),
        "the leak was reported"
    );
    assert!(
        everything.len() > 100_000,
        "the outputs are there: {} bytes",
        everything.len()
    );
    for marker in [SECRET_MARKER, HEADER_MARKER] {
        let at = everything.find(marker);
        assert!(
            at.is_none(),
            "`{marker}` leaked: …{}…",
            &everything[at.unwrap().saturating_sub(200)..at.unwrap() + 50]
        );
    }
}

// ---------------------------------------------------------------- exactly-once at scale

async fn rounds_of_same_token(rounds: usize) {
    // Eight accounts with room for 125 profiles each (the quota is raised, as the soft quota allows).
    let s = Server::start(
        Engine::Fast,
        StubConfig {
            quota: 1000,
            ..StubConfig::default()
        },
    )
    .await;
    let accounts: Vec<String> = (0..8).map(|_| account()).collect();
    for round in 0..rounds {
        let acct = &accounts[round % accounts.len()];
        let mut body = ExampleGen::new(round as u64).request("S3", &format!("scale-{round}"));
        body["clientToken"] = json!(format!("tok-{round}"));
        let replies = futures::future::join_all((0..64).map(|_| s.create(acct, &body))).await;
        let ids: std::collections::HashSet<&str> = replies.iter().map(|r| r.id()).collect();
        assert_eq!(ids.len(), 1, "round {round}");
    }
    let stats = s.get_json("/__admin/stats").await;
    assert_eq!(stats["profiles"], json!(rounds));
    let per_account: usize = futures::future::join_all(accounts.iter().map(|a| s.count(a)))
        .await
        .into_iter()
        .sum();
    assert_eq!(
        per_account, rounds,
        "no profile crossed into another account"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_once_over_many_rounds_of_64_concurrent_retries() {
    rounds_of_same_token(200).await;
}

/// The full size: 1,000 rounds of 64 concurrent requests. Run with
/// `cargo test --release -- --ignored exactly_once_at_scale`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn exactly_once_at_scale() {
    rounds_of_same_token(1000).await;
}
