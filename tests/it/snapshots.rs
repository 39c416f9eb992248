//! Snapshot review: the stub's answer to every row of the contract (both engines against the same
//! files), `check --snapshots` for any implementation, and the differential mode.

use crate::helpers::{Reply, Server, valid};
use appflow_harness::check::diff;
use appflow_harness::stub::{Engine, Fault, StubConfig};
use serde_json::{Value, json};

const ACCOUNT: &str = "123456789012";

fn shown(r: &Reply) -> Value {
    json!({"status": r.status, "content_type": r.content_type, "allow": r.allow, "body": r.body})
}

macro_rules! snap {
    ($name:expr, $reply:expr) => {
        insta::assert_json_snapshot!($name, shown(&$reply), {
            ".body.data.id" => "[id]",
            ".body.data.created_at" => "[created_at]",
            ".body.data.connectorProfileArn" => insta::dynamic_redaction(|value, _| {
                insta::internals::Content::from(value.as_str().unwrap_or_default().replace(ACCOUNT, "[account]"))
            }),
        })
    };
}

async fn every_row(engine: Engine) {
    let s = Server::start(
        engine,
        StubConfig {
            quota: 2,
            max_body: 4096,
            ..StubConfig::default()
        },
    )
    .await;
    let with_token = |mut b: Value, t: &str| {
        b["clientToken"] = json!(t);
        b
    };
    let first = with_token(valid("Snowflake", "snap-1"), "tok-snap");
    snap!("created", s.create(ACCOUNT, &first).await);
    snap!("replayed", s.create(ACCOUNT, &first).await);
    let mut changed = first.clone();
    changed["connectionMode"] = json!("Private");
    snap!("mismatch", s.create(ACCOUNT, &changed).await);
    snap!(
        "conflict",
        s.create(ACCOUNT, &valid("Snowflake", "snap-1")).await
    );
    s.create(ACCOUNT, &valid("S3", "snap-2"))
        .await
        .expect(200, None);
    snap!("quota", s.create(ACCOUNT, &valid("S3", "snap-3")).await);

    let mut bad_label = valid("CustomConnector", "snap-cc");
    bad_label["connectorLabel"] = json!("Google BigQuery");
    snap!("validation_pattern", s.create(ACCOUNT, &bad_label).await);
    let mut missing = valid("Snowflake", "snap-4");
    missing.as_object_mut().unwrap().remove("connectionMode");
    snap!("validation_required", s.create(ACCOUNT, &missing).await);
    let mut unknown = valid("S3", "snap-5");
    unknown["connectorProfileNmae"] = json!("typo");
    snap!(
        "validation_unknown_member",
        s.create(ACCOUNT, &unknown).await
    );
    let mut key = valid("S3", "snap-6");
    key["connectorProfileConfig"]["connectorProfileProperties"] = json!({"Salesforce": {}});
    snap!("validation_connector_key", s.create(ACCOUNT, &key).await);
    let mut range = valid("SAPOData", "snap-7");
    range["connectorProfileConfig"]["connectorProfileProperties"]["SAPOData"]["portNumber"] =
        json!(0);
    snap!("validation_range", s.create(ACCOUNT, &range).await);
    snap!(
        "validation_malformed_json",
        s.send(ACCOUNT, "application/json", b"{\"a\":".to_vec())
            .await
    );
    snap!(
        "validation_not_an_object",
        s.send(ACCOUNT, "application/json", b"[]".to_vec()).await
    );

    snap!(
        "not_found",
        Reply::read(s.client.post(s.url("/nope")).send().await.unwrap()).await
    );
    snap!(
        "method_not_allowed",
        Reply::read(
            s.client
                .get(s.url("/create-connector-profile"))
                .send()
                .await
                .unwrap()
        )
        .await
    );
    snap!(
        "payload_too_large",
        s.send(ACCOUNT, "application/json", vec![b' '; 5000]).await
    );
    snap!(
        "unsupported_media_type",
        s.send(ACCOUNT, "text/plain", b"{}".to_vec()).await
    );
    snap!(
        "unauthorized",
        s.create("not-an-account", &valid("S3", "snap-8")).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_row_of_the_contract_fast_engine() {
    every_row(Engine::Fast).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_row_of_the_contract_wiremock_engine_answers_the_same() {
    every_row(Engine::Wiremock).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_snapshots_are_stable_for_an_unchanged_implementation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let only = "envelope,idempotency,mismatch.connection-mode,validation.custom-label,secrets";
    // The binary writes the snapshots (the library only renders them).
    let check = |extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_appflow-harness"))
            .args(["check", "--quiet", "--snapshots", d, "--only", only])
            .args(extra)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        out.status.code()
    };
    assert_eq!(check(&[]), Some(0));
    let new: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(new.len() >= 8, "{new:?}");
    assert!(
        new.iter()
            .all(|p| p.to_string_lossy().ends_with(".snap.new"))
    );
    // Nothing volatile and nothing secret in them.
    for p in &new {
        let text = std::fs::read_to_string(p).unwrap();
        assert!(
            text.starts_with("---\nsource: appflow-harness check\n"),
            "{text}"
        );
        assert!(!text.contains("cp-"), "an id leaked into {}", p.display());
        assert!(
            !text.contains("pw-") && !text.contains("csecret-"),
            "a credential leaked into {}",
            p.display()
        );
    }
    // Accept them (what `cargo insta accept` does), run again: no new or changed snapshot.
    for p in &new {
        std::fs::rename(p, p.to_string_lossy().trim_end_matches(".new")).unwrap();
    }
    assert_eq!(check(&[]), Some(0));
    let pending: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".new"))
        .collect();
    assert_eq!(pending, Vec::<std::path::PathBuf>::new());
    // A changed implementation shows up as a pending snapshot.
    assert_eq!(check(&["--stub-fault", "bad-created-at"]), Some(1));
    let pending = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .to_string_lossy()
                .ends_with(".new")
        })
        .count();
    assert!(pending > 0);
}

/// Regression (issue 13): `race.*` snapshots changed on every run against an unchanged service,
/// because which concurrent request wins is the scheduler's choice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn race_snapshots_do_not_depend_on_the_order_answers_arrive_in() {
    let stub = std::sync::Arc::new(appflow_harness::Stub::new(StubConfig::default()));
    let base = crate::hostile::spawn_jittery_correct(stub).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap().to_owned();
    let check = |base: String, d: String| {
        std::process::Command::new(env!("CARGO_BIN_EXE_appflow-harness"))
            .args(["check", "--quiet", "--base-url", &base, "--only", "race"])
            .args(["--snapshots", &d])
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let pending = |dir: &std::path::Path| -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".new"))
            .collect()
    };
    let out = tokio::task::spawn_blocking({
        let (b, d) = (base.clone(), d.clone());
        move || check(b, d)
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let first = pending(dir.path());
    assert_eq!(first.len(), 4, "{first:?}");
    let same_name =
        std::fs::read_to_string(dir.path().join("appflow_harness__race__same_name.snap.new"))
            .unwrap();
    assert!(same_name.contains("× 200 success"), "{same_name}");
    assert!(same_name.contains("× 409 CONFLICT"), "{same_name}");
    for p in &first {
        std::fs::rename(p, p.to_string_lossy().trim_end_matches(".new")).unwrap();
    }
    // Three more runs against the unchanged service: the winners differ, the snapshots do not.
    for _ in 0..3 {
        let out = tokio::task::spawn_blocking({
            let (b, d) = (base.clone(), d.clone());
            move || check(b, d)
        })
        .await
        .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let changed: Vec<String> = pending(dir.path())
            .iter()
            .map(|p| {
                let now = std::fs::read_to_string(p).unwrap();
                let was = std::fs::read_to_string(p.with_extension("")).unwrap_or_default();
                format!("{}:\n--- accepted\n{was}\n+++ now\n{now}", p.display())
            })
            .collect();
        assert!(changed.is_empty(), "{}", changed.join("\n"));
    }
}

async fn recorded(base: &str, seed: u64) -> appflow_harness::check::Recorded {
    let opts = appflow_harness::check::CheckOptions::against(base)
        .unwrap()
        .with_seed(seed);
    appflow_harness::check::run_recorded(&opts, &|_| {}, true)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_of_the_stub_against_itself_finds_nothing() {
    let a = Server::start(Engine::Fast, StubConfig::default()).await;
    let b = Server::start(Engine::Wiremock, StubConfig::default()).await;
    let (ra, rb) = (
        recorded(&a.server.base_url(), 5).await,
        recorded(&b.server.base_url(), 5).await,
    );
    let diffs = diff::compare(&ra, &rb);
    assert!(
        diffs.is_empty(),
        "{}",
        diffs.iter().map(diff::render).collect::<String>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_names_what_a_fault_changes() {
    let a = Server::start(Engine::Fast, StubConfig::default()).await;
    let b = Server::start(
        Engine::Fast,
        StubConfig {
            faults: [Fault::WrongMismatchCode].into_iter().collect(),
            ..StubConfig::default()
        },
    )
    .await;
    let (ra, rb) = (
        recorded(&a.server.base_url(), 5).await,
        recorded(&b.server.base_url(), 5).await,
    );
    let diffs = diff::compare(&ra, &rb);
    let checks: std::collections::BTreeSet<&str> = diffs.iter().map(|d| d.check.as_str()).collect();
    // Every mismatch check differs; so do the others that send a mismatch (secrets.not-echoed sends one
    // per connector type, the fingerprint and token checks one each, the race one per loser).
    let mismatch = checks.iter().filter(|c| c.starts_with("mismatch.")).count();
    assert_eq!(mismatch, 7, "{checks:?}");
    assert!(
        checks.iter().all(|c| c.starts_with("mismatch.")
            || [
                "secrets.not-echoed",
                "order.token-before-name",
                "order.token-before-quota",
                "quota.refusals-use-no-quota",
                "idempotency.arrays-in-order",
                "idempotency.member-order-irrelevant",
                "idempotency.numbers-by-value",
                "idempotency.strings-exact",
                "idempotency.token-of-spaces",
                "race.same-token-other-parameters",
            ]
            .contains(c)),
        "{checks:?}"
    );
    // Each shows the code that changed (later steps may also be sent on one side only).
    for check in checks.iter().filter(|c| c.starts_with("mismatch.")) {
        assert!(
            diffs.iter().any(|d| d.check == *check
                && d.a.contains("IDEMPOTENT_PARAMETER_MISMATCH")
                && d.b.contains("\"CONFLICT\"")),
            "{check}: {}",
            diffs
                .iter()
                .filter(|d| d.check == *check)
                .map(diff::render)
                .collect::<String>()
        );
    }
    let shown = diff::render(
        diffs
            .iter()
            .find(|d| d.a.contains("IDEMPOTENT_PARAMETER_MISMATCH"))
            .unwrap(),
    );
    assert!(
        shown.contains("- ") && shown.contains("IDEMPOTENT_PARAMETER_MISMATCH"),
        "{shown}"
    );
    assert!(
        shown.contains("+ ") && shown.contains("\"CONFLICT\""),
        "{shown}"
    );
}

#[test]
fn diff_exit_codes() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let a = rt.block_on(Server::start(Engine::Fast, StubConfig::default()));
    let b = rt.block_on(Server::start(
        Engine::Fast,
        StubConfig {
            faults: [Fault::NoCreatedAt].into_iter().collect(),
            ..StubConfig::default()
        },
    ));
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_appflow-harness"))
            .args(args)
            .output()
            .unwrap()
    };
    let (ua, ub) = (a.server.base_url(), b.server.base_url());
    let same = run(&[
        "diff",
        "--base-url",
        &ua,
        "--base-url",
        &ua,
        "--only",
        "envelope,idempotency",
    ]);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
    let differ = run(&[
        "diff",
        "--base-url",
        &ua,
        "--base-url",
        &ub,
        "--only",
        "envelope",
    ]);
    assert_eq!(differ.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&differ.stdout).contains("envelope.success-shape"));
    let one = run(&["diff", "--base-url", &ua]);
    assert_eq!(one.status.code(), Some(2));
}

/// Regression: race snapshots judged every answer with the envelope's table, so in the AWS dialect
/// they read `200 (not an envelope)` and counted no ids.
#[test]
fn race_snapshots_read_answers_in_the_runs_dialect() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_appflow-harness"))
        .args([
            "check",
            "--quiet",
            "--dialect",
            "aws",
            "--only",
            "race.same-token",
        ])
        .arg("--snapshots")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let text = std::fs::read_to_string(
        dir.path()
            .join("appflow_harness__race__same_token.snap.new"),
    )
    .unwrap();
    assert!(text.contains("× 200 success"), "{text}");
    assert!(
        text.contains("\n1 distinct ids among the successes"),
        "{text}"
    );
}
