//! A verdict in seconds, whatever the target does (issue 20): the stop rule ends a run against a
//! service that hangs, hangs mid-run or closes every connection within a few timeouts, with every
//! unfinished check in error and the reason in the report; `--max-time` does the same; a correct
//! service with any quota passes when the contract file declares it.

use crate::check::{against_url, run};
use crate::hostile::{Behaviour, spawn, spawn_hanging_after};
use appflow_harness::check::{Report, Status, Verdict};
use std::time::{Duration, Instant};

/// Checks that every check either kept its verdict (passed, or skipped) or ended in error with the
/// stop's reason, that none failed, and that the report says why the run stopped.
fn assert_stopped(r: &Report, what: &str) {
    assert_eq!(r.verdict(), Verdict::Unverified, "{what}: {:?}", r.summary);
    assert_eq!(r.summary.failed, 0, "{what}: no answer is ever a failure");
    let reason = r
        .stopped
        .as_deref()
        .unwrap_or_else(|| panic!("{what}: not stopped"));
    assert!(reason.contains("stopped answering"), "{what}: {reason}");
    for c in r.with_status(Status::Error) {
        let text = format!("{:?}", c.errors);
        assert!(
            text.contains("stopped answering") || text.contains("no response"),
            "{what}: {} {text}",
            c.id
        );
    }
}

fn bin(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_appflow-harness"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

/// The bound the stop rule promises for a run with `--timeout 1s`: the first requests wait out one
/// timeout, the probe another, plus start-up (a liveness bound with room to spare, not a timing
/// measurement: the rule itself ends such a run in about two timeouts).
const BOUND_1S: Duration = Duration::from_secs(3 + 5);

#[test]
fn a_hung_service_ends_the_run_in_seconds_with_exit_2_and_the_reason() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    for behaviour in [Behaviour::Hang, Behaviour::Close] {
        let url = rt.block_on(spawn(behaviour));
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("r.json");
        let started = Instant::now();
        let out = bin(&[
            "check",
            "--base-url",
            &url,
            "--timeout",
            "1s",
            "--quiet",
            "--report",
            &format!("json={}", json.display()),
        ]);
        let took = started.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{behaviour:?}: {stdout}");
        assert!(took < BOUND_1S, "{behaviour:?}: {took:?}");
        assert!(
            stdout.contains("stopped early: the target stopped answering"),
            "{behaviour:?}: {stdout}"
        );
        let r: Report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_stopped(&r, &format!("{behaviour:?}"));
        assert_eq!(r.summary.passed, 0, "{behaviour:?}");
        // Nothing more is sent once it stopped: a handful of requests, not the catalogue's thousands.
        assert!(
            r.summary.requests < 100 || matches!(behaviour, Behaviour::Close),
            "{behaviour:?}: {} requests",
            r.summary.requests
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_hangs_mid_run_keeps_the_verdicts_already_judged() {
    let stub = std::sync::Arc::new(appflow_harness::Stub::new(Default::default()));
    let url = spawn_hanging_after(100, stub).await;
    let started = Instant::now();
    let r = run(against_url(&url, "")
        .with_timeout(Duration::from_secs(1))
        .unwrap())
    .await;
    assert!(started.elapsed() < BOUND_1S, "{:?}", started.elapsed());
    assert_stopped(&r, "hang after 100");
    assert!(
        r.summary.passed > 0,
        "the checks judged before the hang keep their verdicts"
    );
    assert!(r.summary.errors > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_slower_than_the_timeout_is_stopped_not_failed() {
    // Every answer comes after 2 s, so with a 300 ms timeout none ever arrives in time.
    let url = spawn(Behaviour::Slow).await;
    let r = run(against_url(&url, "")
        .with_timeout(Duration::from_millis(300))
        .unwrap())
    .await;
    assert_stopped(&r, "slow");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_budget_ends_the_run_with_every_unfinished_check_in_error() {
    let stub = std::sync::Arc::new(appflow_harness::Stub::new(Default::default()));
    // A correct but slow service: the whole catalogue would take far longer than the budget.
    let url = crate::hostile::spawn_small_correct(8, Duration::from_millis(5), stub).await;
    let r = run(against_url(&url, "")
        .with_max_time(Duration::from_millis(1500))
        .unwrap())
    .await;
    let reason = r.stopped.as_deref().expect("stopped");
    assert!(reason.contains("--max-time 1s 500ms"), "{reason}");
    assert_eq!(r.verdict(), Verdict::Unverified);
    assert_eq!(r.summary.failed, 0);
    let unfinished: Vec<_> = r.with_status(Status::Error).collect();
    assert!(!unfinished.is_empty());
    for c in unfinished {
        assert!(format!("{:?}", c.errors).contains("--max-time"), "{}", c.id);
    }
}

/// The whole default catalogue against a correct service whose quota is `quota`, told by the
/// contract file, and against the same service letting one profile too many in.
async fn with_quota(quota: u32, faults: Vec<appflow_harness::stub::Fault>) -> Report {
    use appflow_harness::check::ContractConfig;
    use appflow_harness::stub::{self, Engine, Stub, StubConfig};
    let config = StubConfig {
        quota,
        faults: faults.into_iter().collect(),
        ..StubConfig::default()
    };
    let server = stub::start(
        "127.0.0.1:0".parse().unwrap(),
        Engine::Fast,
        std::sync::Arc::new(Stub::new(config)),
    )
    .await
    .unwrap();
    let contract = ContractConfig::from_toml(&format!("quota = {quota}\n")).unwrap();
    let r = run(against_url(&server.base_url(), "")
        .with_contract(contract)
        .unwrap())
    .await;
    server.shutdown().await;
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correct_service_passes_with_whatever_quota_its_contract_declares() {
    use appflow_harness::stub::Fault;
    for quota in [1, 2, 5, 37, 100, 1000] {
        let r = with_quota(quota, Vec::new()).await;
        assert_eq!(
            r.verdict(),
            Verdict::Kept,
            "quota {quota}: failed {:?}",
            r.failed()
                .map(|c| (&c.id, &c.failures[0].message))
                .collect::<Vec<_>>()
        );
        for c in r.with_status(Status::Skipped) {
            let reason = c.skip_reason.as_deref().unwrap_or_default();
            assert!(
                c.id == "ttl.token-expires" || reason.contains("needs a quota of at least"),
                "quota {quota}: {} skipped: {reason}",
                c.id
            );
        }
        let broken = with_quota(quota, vec![Fault::QuotaOffByOne]).await;
        let limit = broken
            .checks
            .iter()
            .find(|c| c.id == "quota.limit-enforced")
            .unwrap();
        assert_eq!(limit.status, Status::Failed, "quota {quota}: {limit:?}");
    }
}

#[test]
fn a_load_run_against_a_target_that_stopped_answering_ends_early_with_exit_2() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = rt.block_on(spawn(Behaviour::Hang));
    let started = Instant::now();
    let out = bin(&[
        "load",
        "smoke",
        "--host",
        &url,
        "--timeout",
        "1s",
        "--run-time",
        "60s",
        "--users",
        "4",
        "--quiet",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("stopped early: the target stopped answering"),
        "{stdout}"
    );
    assert!(stdout.contains("thresholds not judged"), "{stdout}");
    // A minute was planned; the stop rule ends it after a few timeouts (a liveness bound).
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
