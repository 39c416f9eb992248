//! The hot path of every part (stub, runner, load transactions): parse a request, validate it,
//! fingerprint it (as a `serde_json::Value`, and read in place as the stub's fast path does),
//! serialize an envelope. Throughput is in bytes so sizes compare.
//!
//! `cargo bench --bench contract`

use appflow_harness::contract::SchemaKind;
use appflow_harness::contract::doc::{Doc, DocJson};
use appflow_harness::contract::fingerprint::fingerprint_of;
use appflow_harness::contract::{
    self, CreateConnectorProfileRequest, Created, ErrorCode, ErrorEnvelope, ExampleGen, Size,
    SuccessEnvelope, fingerprint, validate,
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;
use std::hint::black_box;

fn requests() -> Vec<(&'static str, Value)> {
    let mut g = ExampleGen::new(11);
    let mut typical = g.request_sized("Snowflake", "bench-typical", Size::Typical);
    typical["clientToken"] = Value::String("tok-bench".into());
    vec![
        (
            "small",
            g.request_sized("Salesforce", "bench-small", Size::Minimal),
        ),
        ("typical", typical),
        (
            "largest",
            g.request_sized("CustomConnector", "bench-largest", Size::Largest),
        ),
    ]
}

fn serde(c: &mut Criterion) {
    let mut group = c.benchmark_group("request");
    for (size, doc) in requests() {
        let text = serde_json::to_string(&doc).unwrap();
        let typed: CreateConnectorProfileRequest = serde_json::from_str(&text).unwrap();
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("deserialize-typed", size),
            &text,
            |b, t| {
                b.iter(|| {
                    serde_json::from_str::<CreateConnectorProfileRequest>(black_box(t)).unwrap()
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("deserialize-value", size),
            &text,
            |b, t| b.iter(|| serde_json::from_str::<Value>(black_box(t)).unwrap()),
        );
        group.bench_with_input(BenchmarkId::new("serialize-typed", size), &typed, |b, t| {
            b.iter(|| serde_json::to_vec(black_box(t)).unwrap())
        });
        group.bench_with_input(BenchmarkId::new("serialize-value", size), &doc, |b, d| {
            b.iter(|| serde_json::to_vec(black_box(d)).unwrap())
        });
    }
    group.finish();

    let mut group = c.benchmark_group("envelope");
    let ok = SuccessEnvelope::new(Created {
        id: "cp-0123456789abcdef0123456789abcdef".into(),
        created_at: "2026-11-29T12:00:00.000Z".into(),
        connector_profile_arn: Some(
            "arn:aws:appflow:us-east-1:123456789012:connectorprofile/bench".into(),
        ),
    });
    let err = ErrorEnvelope::validation(validate(
        &serde_json::json!({"connectorProfileName": "x y"}),
    ));
    let conflict = ErrorEnvelope::new(ErrorCode::Conflict);
    for (name, bytes) in [
        ("success", serde_json::to_vec(&ok).unwrap()),
        ("validation-error", serde_json::to_vec(&err).unwrap()),
    ] {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        match name {
            "success" => group.bench_function("serialize-success", |b| {
                b.iter(|| serde_json::to_vec(black_box(&ok)).unwrap())
            }),
            _ => group.bench_function("serialize-validation-error", |b| {
                b.iter(|| serde_json::to_vec(black_box(&err)).unwrap())
            }),
        };
    }
    group.bench_function("serialize-conflict", |b| {
        b.iter(|| serde_json::to_vec(black_box(&conflict)).unwrap())
    });
    group.finish();
}

fn validation(c: &mut Criterion) {
    let _ = contract::SchemaKind::Request.validator(); // compiled once, outside the measurement
    let mut group = c.benchmark_group("validate");
    for (size, doc) in requests() {
        let bytes = serde_json::to_vec(&doc).unwrap().len() as u64;
        group.throughput(Throughput::Bytes(bytes));
        group.bench_with_input(BenchmarkId::new("valid", size), &doc, |b, d| {
            b.iter(|| validate(black_box(d)))
        });
        let invalid = contract::invalid_cases(&doc)
            .into_iter()
            .find(|c| c.class == contract::CaseClass::Pattern)
            .unwrap()
            .body;
        group.bench_with_input(
            BenchmarkId::new("invalid-with-report", size),
            &invalid,
            |b, d| b.iter(|| validate(black_box(d))),
        );
    }
    group.finish();

    let mut group = c.benchmark_group("fingerprint");
    for (size, doc) in requests() {
        let text = serde_json::to_string(&doc).unwrap();
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(BenchmarkId::new("fingerprint", size), &doc, |b, d| {
            b.iter(|| fingerprint(black_box(d)))
        });
    }
    // The same members in reverse order: the same fingerprint, and no slower.
    let (_, typical) = requests().remove(1);
    let reversed: Value = serde_json::from_str(&reverse(&typical)).unwrap();
    assert_eq!(fingerprint(&typical), fingerprint(&reversed));
    group.bench_function("fingerprint/typical-reordered", |b| {
        b.iter(|| fingerprint(black_box(&reversed)))
    });
    group.finish();

    // The whole hot path of one request, as the stub runs it: bytes → value → validate → fingerprint.
    let mut group = c.benchmark_group("hot-path");
    for (size, doc) in requests() {
        let text = serde_json::to_vec(&doc).unwrap();
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("parse+validate+fingerprint", size),
            &text,
            |b, t| {
                b.iter(|| {
                    let v: Value = serde_json::from_slice(black_box(t)).unwrap();
                    assert!(validate(&v).is_empty());
                    fingerprint(&v)
                })
            },
        );
        // The stub's fast path: the body read in place, the same schema, the same fingerprint.
        group.bench_with_input(
            BenchmarkId::new("in-place-parse+validate+fingerprint", size),
            &text,
            |b, t| {
                b.iter(|| {
                    let doc = Doc::parse(black_box(t)).unwrap();
                    assert!(SchemaKind::Request.doc_validator().is_valid(doc.root()));
                    fingerprint_of::<DocJson>(doc.root())
                })
            },
        );
    }
    group.finish();
}

fn reverse(v: &Value) -> String {
    match v {
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .rev()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), reverse(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        other => other.to_string(),
    }
}

fn generator(c: &mut Criterion) {
    let mut group = c.benchmark_group("generator");
    group.throughput(Throughput::Elements(1));
    let mut g = ExampleGen::new(5);
    group.bench_function("request/typical", |b| {
        b.iter(|| g.request(black_box("Snowflake"), "gen"))
    });
    group.bench_function("one-per-type", |b| b.iter(|| g.one_per_type("gen-")));
    group.finish();
}

/// The stub's whole `handle` for one request, against what the bench's bare hyper echo does with the same
/// body (parse + serialize): the per-request work the fast server adds, without any transport.
fn stub_handle(c: &mut Criterion) {
    use appflow_harness::stub::{Stub, StubConfig, StubRequest};
    let mut g = ExampleGen::new(3);
    let mut template = g.request_sized("Snowflake", "n-SLOT", Size::Typical);
    template["clientToken"] = Value::String("t-SLOT".into());
    let template = template.to_string();
    let request = |body: &[u8], account: &str| -> u16 {
        let stub_req = StubRequest {
            method: "POST",
            path: contract::ENDPOINT,
            content_type: Some("application/json"),
            account: Some(account),
            account_present: true,
            body,
            body_truncated: false,
            authorization: None,
        };
        STUB.with(|s| s.handle(&stub_req).status)
    };
    thread_local! {
        static STUB: Stub = Stub::new(StubConfig::default());
    }
    let mut group = c.benchmark_group("stub");
    group.throughput(Throughput::Elements(1));
    let mut n: u64 = 0;
    group.bench_function("handle/fresh-create", |b| {
        b.iter_batched(
            || {
                n += 1;
                if n % 100_000 == 0 {
                    // Bounded state (at most 100,000 profiles), so later samples measure the same store.
                    STUB.with(Stub::reset);
                }
                (
                    template.replace("SLOT", &format!("c{n}")),
                    format!("{:012}", 100_000_000_000 + n / 90),
                )
            },
            |(body, account)| assert_eq!(request(body.as_bytes(), &account), 200),
            criterion::BatchSize::SmallInput,
        )
    });
    let replay = template.replace("SLOT", "replayed");
    assert_eq!(request(replay.as_bytes(), "000000000001"), 200);
    group.bench_function("handle/replay", |b| {
        b.iter(|| assert_eq!(request(black_box(replay.as_bytes()), "000000000001"), 200))
    });
    group.bench_function("echo/parse+serialize", |b| {
        b.iter(|| {
            let v: Value = serde_json::from_slice(black_box(replay.as_bytes())).unwrap();
            serde_json::to_vec(&v).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, serde, validation, generator, stub_handle);
criterion_main!(benches);
