//! The work of one request in instructions, which a noisy machine cannot blur: the stub's whole
//! `handle` (a fresh create, then a replay of each) against what the bare hyper echo of
//! `stub_throughput` does with the same body (parse + serialize).
//!
//! Run under callgrind by `bash benches/instructions.sh`, which divides each function's inclusive
//! count by its calls. Run alone (`cargo bench --bench instructions`) it only checks that it works.

use appflow_harness::contract::{self, ExampleGen, Size};
use appflow_harness::stub::{Stub, StubConfig, StubRequest};
use std::hint::black_box;

fn main() {
    let n: u64 = std::env::var("REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    // The same requests as `stub_throughput`: a typical Snowflake profile, 90 per account.
    let mut template = ExampleGen::new(3).request_sized("Snowflake", "n-SLOT", Size::Typical);
    template["clientToken"] = serde_json::json!("t-SLOT");
    let template = template.to_string();
    let requests: Vec<(String, String)> = (0..n)
        .map(|i| {
            (
                template.replace("SLOT", &format!("c{i}")),
                format!("{:012}", 100_000_000_000 + i / 90),
            )
        })
        .collect();
    let stub = Stub::new(StubConfig::default());
    for _pass in ["create", "replay"] {
        for (body, account) in &requests {
            assert_eq!(handle(&stub, body.as_bytes(), account), 200);
        }
    }
    for (body, _) in &requests {
        black_box(echo(body.as_bytes()));
    }
    println!("{n} creates, {n} replays, {n} echoes");
}

#[inline(never)]
fn handle(stub: &Stub, body: &[u8], account: &str) -> u16 {
    stub.handle(&StubRequest {
        method: "POST",
        path: contract::ENDPOINT,
        content_type: Some("application/json"),
        account: Some(account),
        account_present: true,
        body: black_box(body),
        body_truncated: false,
        authorization: None,
    })
    .status
}

/// The bare echo's work: parse the body to a `Value`, write it back.
#[inline(never)]
fn echo(body: &[u8]) -> Vec<u8> {
    let v: serde_json::Value = serde_json::from_slice(black_box(body)).unwrap_or_default();
    serde_json::to_vec(&v).unwrap_or_default()
}
