//! Load scenarios: every shipped file parses, smoke runs against the stub and writes its reports,
//! thresholds and violations gate the exit code, and answers are judged as `check` judges them.

use appflow_harness::load::scenario::{BUILT_IN, Scenario};
use appflow_harness::load::{self, LoadOptions};
use appflow_harness::stub::Fault;

/// A built-in scenario with `users` held for `secs` seconds against the embedded stub.
pub fn short(scenario: &str, users: usize, secs: u64) -> LoadOptions {
    LoadOptions::new(Scenario::built_in(scenario).unwrap())
        .with_users(users)
        .and_then(|o| o.with_run_time(std::time::Duration::from_secs(secs)))
        .unwrap()
}

#[test]
fn every_shipped_scenario_parses_and_matches_its_file() {
    for (name, text) in BUILT_IN {
        let s = Scenario::parse(text, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(&s.name, name);
        let on_disk = std::fs::read_to_string(format!(
            "{}/scenarios/{name}.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert_eq!(&on_disk, text);
    }
}

#[test]
fn bad_scenarios_are_refused_with_clear_errors() {
    let cases = [
        (
            "name = 'x'\nusers = 1\nrun_time = '1s'\ntransactions = []\n",
            "no [[transactions]]",
        ),
        (
            "name = 'x'\nusers = 0\nrun_time = '1s'\n[[transactions]]\nkind = 'create'\n",
            "users must be at least 1",
        ),
        (
            "name = 'x'\nusers = 1\nrun_time = 'soon'\n[[transactions]]\nkind = 'create'\n",
            "run_time",
        ),
        (
            "name = 'x'\nusers = 1\nrun_time = '1s'\nthresholds = ['p100<1s']\n[[transactions]]\nkind = 'create'\n",
            "threshold",
        ),
        (
            "name = 'x'\nusers = 1\nrun_time = '1s'\n[[transactions]]\nkind = 'replay'\n",
            "shared_tokens",
        ),
        (
            "name = 'x'\nusers = 1\nrun_time = '1s'\n[[transactions]]\nkind = 'teleport'\n",
            "unknown variant",
        ),
        (
            "name = 'x'\nusers = 1\nrun_time = '1s'\nuser = 3\n[[transactions]]\nkind = 'create'\n",
            "unknown field",
        ),
        (
            "name = 'x'\nusers = 1\nrun_time = '1s'\n[[transactions]]\nkind = 'create'\nconnector_types = ['Sales']\n",
            "unknown connector type",
        ),
    ];
    for (text, expect) in cases {
        let err = Scenario::parse(text, "test.toml").unwrap_err().to_string();
        assert!(err.contains(expect), "`{expect}` not in `{err}`");
        assert!(err.contains("test.toml"), "{err}");
    }
    assert!(Scenario::built_in("no-such-scenario").is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_runs_against_the_embedded_stub_and_writes_goose_reports() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("smoke.json");
    let md = dir.path().join("smoke.md");
    let opts = LoadOptions::new(Scenario::built_in("smoke").unwrap())
        .with_goose_reports(vec![json.clone(), md.clone()])
        .unwrap();
    let out = load::run(&opts).await.unwrap();
    assert!(
        out.passed(),
        "{}",
        load::summary(&out.result, &out.verdicts)
    );
    assert_eq!(out.result.failures, 0);
    for kind in ["create", "replay", "mismatch", "invalid", "duplicate"] {
        assert!(
            out.result.transactions[kind].requests > 0,
            "{kind} never ran"
        );
    }
    assert_eq!(out.verdicts.len(), 2);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(report.is_object());
    assert!(std::fs::read_to_string(&md).unwrap().contains("create"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impossible_threshold_fails_its_run_and_only_its_run() {
    // goose's early stop is process-wide; without turns, the failing run cancels the healthy one.
    let failing = short("smoke", 2, 2)
        .with_thresholds(vec!["p50<1us".into()])
        .unwrap();
    let healthy = short("smoke", 2, 2);
    let (failing, healthy) = tokio::join!(load::run(&failing), load::run(&healthy));
    let failing = failing.unwrap();
    assert!(!failing.passed());
    assert!(
        failing
            .verdicts
            .iter()
            .any(|v| !v.passed && v.rule == "p50<1us")
    );
    let healthy = healthy.unwrap();
    assert!(
        healthy.passed(),
        "{}",
        load::summary(&healthy.result, &healthy.verdicts)
    );
    assert!(healthy.result.requests > 0);
    // Canceled runs end early; a run given its turn lasts its whole run time.
    assert!(
        healthy.result.duration_secs >= 1.9,
        "the healthy run was cut short after {:.2} s",
        healthy.result.duration_secs
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_storm_catches_a_stub_that_answers_a_new_id_on_replay() {
    let ok = load::run(&short("retry-storm", 8, 2)).await.unwrap();
    assert!(ok.passed(), "{}", load::summary(&ok.result, &ok.verdicts));
    let bad = load::run(
        &short("retry-storm", 8, 2)
            .with_stub_faults(vec![Fault::NewIdOnReplay])
            .unwrap(),
    )
    .await
    .unwrap();
    assert!(!bad.passed());
    assert!(
        bad.result
            .failures_by_rule
            .get("idempotency.replay-differs")
            .copied()
            .unwrap_or(0)
            > 0,
        "{:?}",
        bad.result.failures_by_rule
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_that_break_the_envelope_are_counted_by_the_rule_they_break() {
    for (fault, rule) in [
        (Fault::BadCreatedAt, "envelope.schema"),
        (Fault::NoCreatedAt, "envelope.schema"),
        (Fault::ErrorsAs200, "answer.unexpected"),
        (Fault::WrongMismatchCode, "answer.unexpected"),
        (Fault::TextPlain, "envelope.content-type"),
    ] {
        let opts = short("smoke", 2, 1).with_stub_faults(vec![fault]).unwrap();
        let out = load::run(&opts).await.unwrap();
        assert!(!out.passed(), "{fault:?} passed");
        assert!(
            out.result.failures_by_rule.get(rule).copied().unwrap_or(0) > 0,
            "{fault:?}: {:?}",
            out.result.failures_by_rule
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quota_pressure_expects_402_past_the_quota() {
    // The shipped scenario with a quota of 5, so every user crosses it many times even on a busy machine.
    let text = BUILT_IN
        .iter()
        .find(|(n, _)| *n == "quota-pressure")
        .unwrap()
        .1;
    let scenario = Scenario::parse(&text.replace("quota = 100", "quota = 5"), "quota-5").unwrap();
    let run = |faults: Vec<Fault>| {
        LoadOptions::new(scenario.clone())
            .with_users(4)
            .and_then(|o| o.with_run_time(std::time::Duration::from_secs(2)))
            .and_then(|o| o.with_stub_faults(faults))
            .unwrap()
    };
    let out = load::run(&run(vec![])).await.unwrap();
    assert!(
        out.passed(),
        "{}",
        load::summary(&out.result, &out.verdicts)
    );
    assert!(
        out.result.transactions["quota"].requests > 4 * 6,
        "every user crossed the quota"
    );
    let bad = load::run(&run(vec![Fault::QuotaOffByOne])).await.unwrap();
    assert!(!bad.passed());
    assert!(
        bad.result
            .failures_by_rule
            .contains_key("answer.unexpected"),
        "{:?}",
        bad.result.failures_by_rule
    );
}

#[test]
fn the_binary_exits_2_on_a_bad_scenario_or_an_unreachable_host() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = 'x'\n").unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    for args in [
        vec!["load", bad.to_str().unwrap()],
        vec![
            "load",
            "smoke",
            "--host",
            &format!("http://127.0.0.1:{port}"),
        ],
        vec!["load", "smoke", "--report", "out.txt"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_appflow-harness"))
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_and_load_name_the_same_rules_for_the_same_broken_answers() {
    use appflow_harness::check::{self, CheckOptions};
    use std::collections::BTreeSet;
    // One judge: whichever part of the harness sees an answer, a broken rule has one name.
    for (fault, rule) in [
        (Fault::TextPlain, "envelope.content-type"),
        (Fault::NoCreatedAt, "envelope.schema"),
        (Fault::BadCreatedAt, "envelope.schema"),
        (Fault::ErrorsAs200, "envelope.error-status"),
    ] {
        let opts = CheckOptions::embedded()
            .with_selection(&["envelope".into(), "idempotency".into()], &[])
            .and_then(|o| o.with_stub_faults(vec![fault]))
            .unwrap();
        let report = check::run(&opts, &|_| {}).await.unwrap();
        let by_check: BTreeSet<String> = report
            .checks
            .iter()
            .flat_map(|c| c.failures.iter().filter_map(|f| f.rule.clone()))
            .filter(|r| r.starts_with("envelope."))
            .collect();
        let out = load::run(&short("smoke", 2, 1).with_stub_faults(vec![fault]).unwrap())
            .await
            .unwrap();
        let by_load: BTreeSet<String> = out
            .result
            .failures_by_rule
            .keys()
            .filter(|r| r.starts_with("envelope."))
            .cloned()
            .collect();
        assert!(
            by_check.contains(rule),
            "{fault:?}: check named {by_check:?}"
        );
        assert_eq!(by_check, by_load, "{fault:?}: check and load disagree");
    }
}

/// Runs two worker processes of `smoke` against `base` and merges their files; returns the workers'
/// and the merge's exit codes, and the merge's stdout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_judges_the_aws_dialect_with_the_same_judge() {
    use appflow_harness::contract::Dialect;
    let ok = load::run(&short("smoke", 2, 1).with_dialect(Dialect::Aws))
        .await
        .unwrap();
    assert!(ok.passed(), "{}", load::summary(&ok.result, &ok.verdicts));
    assert!(ok.result.transactions["mismatch"].requests > 0);
    // The mismatch answered as ConflictException is seen in this dialect too.
    let bad = load::run(
        &short("smoke", 2, 1)
            .with_dialect(Dialect::Aws)
            .with_stub_faults(vec![Fault::WrongMismatchCode])
            .unwrap(),
    )
    .await
    .unwrap();
    assert!(!bad.passed());
    assert!(
        bad.result
            .failures_by_rule
            .contains_key("answer.unexpected"),
        "{:?}",
        bad.result.failures_by_rule
    );
}

/// Users send on their own connections (`http::Direct`) unless goose's report files are asked for,
/// when goose and reqwest carry the requests: both transports must come to the same judgement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_transports_judge_the_same_broken_answers_alike() {
    let dir = tempfile::tempdir().unwrap();
    for fault in [Fault::TextPlain, Fault::ErrorsAs200] {
        let direct = short("smoke", 2, 1).with_stub_faults(vec![fault]).unwrap();
        let through_goose = direct
            .clone()
            .with_goose_reports(vec![dir.path().join("goose.json")])
            .unwrap();
        let a = load::run(&direct).await.unwrap();
        let b = load::run(&through_goose).await.unwrap();
        assert!(a.result.requests > 0 && b.result.requests > 0);
        assert_eq!(
            a.result.failures_by_rule.keys().collect::<Vec<_>>(),
            b.result.failures_by_rule.keys().collect::<Vec<_>>(),
            "{fault:?}"
        );
        assert_eq!(
            (a.verdict, b.verdict),
            (load::RunVerdict::Failed, load::RunVerdict::Failed)
        );
    }
}

/// A hostile service: what got no answer is counted apart by its kind and proves nothing; bytes that
/// are not HTTP are an answer that breaks the contract.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_counts_lost_answers_apart_and_garbage_as_a_violation() {
    use crate::hostile::{Behaviour, spawn};
    for (behaviour, kind, rule) in [
        (Behaviour::Reset, Some("reset"), None),
        (Behaviour::Hang, Some("timeout"), None),
        (Behaviour::Garbage, None, Some("http.malformed")),
    ] {
        let url = spawn(behaviour).await;
        let opts = short("smoke", 2, 1)
            .with_host(&url)
            .and_then(|o| o.with_timeout(std::time::Duration::from_millis(300)))
            .unwrap();
        let out = match load::run(&opts).await {
            Ok(out) => out,
            // The preflight may already find that the service does not answer: nothing was judged.
            Err(e) => {
                assert!(kind.is_some(), "{behaviour:?}: {e}");
                continue;
            }
        };
        let r = &out.result;
        assert!(r.requests > 0, "{behaviour:?}");
        if let Some(kind) = kind {
            assert_eq!(r.failures, 0, "{behaviour:?}: {:?}", r.failures_by_rule);
            assert_eq!(r.transport_errors, r.requests, "{behaviour:?}");
            assert!(
                r.transport_errors_by_kind.contains_key(kind),
                "{behaviour:?}: {:?}",
                r.transport_errors_by_kind
            );
            assert_eq!(out.verdict, load::RunVerdict::Unverified, "{behaviour:?}");
        }
        if let Some(rule) = rule {
            assert_eq!(r.failures, r.requests, "{behaviour:?}");
            assert!(
                r.failures_by_rule.contains_key(rule),
                "{behaviour:?}: {:?}",
                r.failures_by_rule
            );
            assert_eq!(out.verdict, load::RunVerdict::Failed, "{behaviour:?}");
        }
    }
}
