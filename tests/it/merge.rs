//! Load results merged across workers: histograms add exactly, shares add up, two worker processes
//! merge to what the stub served, and a merge gives the verdict a single run would.

use crate::load::short;
use appflow_harness::load;
use appflow_harness::load::result::{Histogram, LoadResult, Rule, TransactionStats};
use appflow_harness::stub::Fault;

#[test]
fn merging_hand_made_histograms_gives_the_exact_combined_percentiles() {
    let mut a = LoadResult {
        duration_secs: 10.0,
        requests: 100,
        workers: vec![0],
        worker_count: 2,
        ..Default::default()
    };
    let mut b = LoadResult {
        duration_secs: 12.0,
        requests: 100,
        workers: vec![1],
        worker_count: 2,
        ..Default::default()
    };
    let mut ta = TransactionStats {
        requests: 100,
        ..Default::default()
    };
    let mut tb = TransactionStats {
        requests: 100,
        failures: 2,
        ..Default::default()
    };
    let mut all = Histogram::default();
    for i in 1..=100u64 {
        ta.latency.record(i * 100); // 0.1 .. 10 ms
        tb.latency.record(10_000 + i * 100); // 10.1 .. 20 ms
        all.record(i * 100);
        all.record(10_000 + i * 100);
    }
    a.transactions.insert("create".into(), ta);
    b.transactions.insert("create".into(), tb);
    b.failures = 2;
    let mut merged = a.clone();
    merged.merge(&b);
    assert_eq!(
        merged.latency(),
        all,
        "the merge is the histogram of all samples"
    );
    assert_eq!(merged.latency().percentile(50.0), Some(10_000));
    assert_eq!(merged.latency().percentile(95.0), Some(19_000));
    assert_eq!(merged.latency().percentile(100.0), Some(20_000));
    // Averaging the two workers' p95s would claim 14.5 ms; the merge knows it is 19 ms.
    assert_eq!(merged.requests, 200);
    assert_eq!(merged.duration_secs, 12.0);
    assert_eq!(merged.workers, vec![0, 1]);
    let judge = |r: &str| r.parse::<Rule>().unwrap().judge(&merged).passed;
    assert!(judge("p95<=19ms"));
    assert!(!judge("p95<19ms"));
    assert!(judge("error-rate<=1%"));
    assert!(!judge("error-rate<1%"));
    // Workers that saw different ids for one shared token are a violation of the whole run.
    let mut x = LoadResult::default();
    x.replay_ids.insert("t".into(), "id-1".into());
    let mut y = LoadResult::default();
    y.replay_ids.insert("t".into(), "id-2".into());
    x.merge(&y);
    assert_eq!(
        x.failures_by_rule.get("idempotency.replay-differs"),
        Some(&1)
    );
}

#[test]
fn worker_shares_add_up_to_the_users() {
    for users in [1usize, 7, 64, 1000] {
        for workers in [1u32, 2, 3, 8] {
            let total: usize = (0..workers).map(|i| load::share(users, i, workers)).sum();
            assert_eq!(total, users);
        }
    }
}

#[test]
fn two_worker_processes_merge_to_exactly_what_the_stub_served() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(crate::helpers::Server::start(
        appflow_harness::stub::Engine::Fast,
        Default::default(),
    ));
    let base = server.server.base_url();
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<String> = (0..2)
        .map(|i| dir.path().join(format!("w{i}.json")).display().to_string())
        .collect();
    let workers: Vec<std::process::Child> = (0..2)
        .map(|i| {
            std::process::Command::new(env!("CARGO_BIN_EXE_appflow-harness"))
                .args([
                    "load",
                    "mixed",
                    "--host",
                    &base,
                    "--users",
                    "4",
                    "--run-time",
                    "2s",
                    "--workers",
                    "2",
                    "--seed",
                    "77",
                ])
                .args(["--worker-index", &i.to_string(), "--result", &files[i]])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut w in workers {
        assert!(w.wait().unwrap().success());
    }
    let merged_path = dir.path().join("merged.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_appflow-harness"))
        .args([
            "load",
            "merge",
            &files[0],
            &files[1],
            "--threshold",
            "error-rate<1%",
            "--report",
            merged_path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let merged: LoadResult =
        serde_json::from_str(&std::fs::read_to_string(&merged_path).unwrap()).unwrap();
    assert_eq!(merged.workers, vec![0, 1]);
    assert_eq!(
        merged.requests,
        server.server.stub().served(),
        "every request the stub served is counted once"
    );
    assert_eq!(merged.latency().count, merged.requests);
    assert_eq!(merged.failures, 0);
    // Both workers replayed the same shared tokens, to the same ids.
    assert!(!merged.replay_ids.is_empty());
}

fn two_workers_then_merge(
    base: &str,
    merge_args: &[&str],
) -> (Vec<Option<i32>>, Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<String> = (0..2)
        .map(|i| dir.path().join(format!("w{i}.json")).display().to_string())
        .collect();
    let workers: Vec<_> = (0..2)
        .map(|i| {
            std::process::Command::new(env!("CARGO_BIN_EXE_appflow-harness"))
                .args([
                    "load",
                    "smoke",
                    "--host",
                    base,
                    "--users",
                    "2",
                    "--run-time",
                    "1s",
                ])
                .args([
                    "--workers",
                    "2",
                    "--seed",
                    "5",
                    "--worker-index",
                    &i.to_string(),
                ])
                .args(["--result", &files[i]])
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let codes = workers
        .into_iter()
        .map(|mut w| w.wait().unwrap().code())
        .collect();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_appflow-harness"))
        .args(["load", "merge", &files[0], &files[1]])
        .args(merge_args)
        .output()
        .unwrap();
    (
        codes,
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// Regression (issue 13): two workers that both saw envelope violations merged to exit 0; the merge
/// fails on any violation under the scenario's `fail_on_violation`, as a single run does.
#[test]
fn a_merge_of_workers_that_saw_violations_fails_as_a_single_run_would() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(crate::helpers::Server::start(
        appflow_harness::stub::Engine::Fast,
        appflow_harness::StubConfig {
            faults: [Fault::BadCreatedAt].into_iter().collect(),
            ..Default::default()
        },
    ));
    let (workers, merged, stdout) = two_workers_then_merge(&server.server.base_url(), &[]);
    assert_eq!(
        workers,
        vec![Some(1), Some(1)],
        "each worker fails on its own"
    );
    assert_eq!(merged, Some(1), "the merge fails too: {stdout}");
    assert!(stdout.contains("violation envelope.schema"), "{stdout}");
    // And a healthy service's workers merge to a pass.
    let healthy = runtime.block_on(crate::helpers::Server::start(
        appflow_harness::stub::Engine::Fast,
        Default::default(),
    ));
    let (workers, merged, stdout) = two_workers_then_merge(&healthy.server.base_url(), &[]);
    assert_eq!(workers, vec![Some(0), Some(0)]);
    assert_eq!(merged, Some(0), "{stdout}");
}

/// Regression (issue 13): thresholds were judged twice, by goose (which stopped a run early on a
/// miss, over its own steady phase) and by the harness (over the whole wall time). Now one judge
/// decides, at the end of the whole run, and a merge of the run's file gives the same verdicts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_judge_gives_a_run_and_its_merge_the_same_verdicts() {
    let rules: Vec<String> = ["p50<1us", "error-rate<1%", "rps>=1"]
        .map(str::to_owned)
        .to_vec();
    let opts = short("smoke", 2, 3).with_thresholds(rules.clone()).unwrap();
    let run = load::run(&opts).await.unwrap();
    assert_eq!(run.verdict, load::RunVerdict::Failed);
    assert!(
        run.result.duration_secs >= 2.9,
        "a missed threshold no longer stops the run early ({:.2} s)",
        run.result.duration_secs
    );
    let parsed: Vec<Rule> = rules.iter().map(|r| r.parse().unwrap()).collect();
    let merged = load::merge(std::slice::from_ref(&run.result), &parsed);
    assert_eq!(merged.verdicts, run.verdicts);
    assert_eq!(merged.verdict, run.verdict);
    let passed: Vec<bool> = run.verdicts.iter().map(|v| v.passed).collect();
    assert_eq!(passed, vec![false, true, true]);
}
