//! The explorer (`model.*`) in both directions: against correct services (the stub, a slow one)
//! it finds nothing, whatever the seed; every fault of the stub it is meant for, it finds alone; the
//! sequence-dependent faults escape every hand-written check; a reproducer is shrunk to a handful of
//! requests, and its replay file fails again against the fault and passes against the clean stub.

use crate::check::{against_url, embedded, failed_ids, run};
use crate::faults::ENVELOPE_ONLY;
use appflow_harness::check::explore::replay::ReplayFile;
use appflow_harness::check::{CheckOptions, ContractConfig, Report, Status};
use appflow_harness::contract::Dialect;
use appflow_harness::stub::Fault;

/// The fault the explorer cannot fail, and why.
pub const NOT_FOR_THE_EXPLORER: &[(&str, &str)] = &[(
    "lose-response-after-create",
    "an answer that never came proves nothing: the explorer reports ERROR (unverified, exit 2), never FAIL (tested below)",
)];

/// Faults only concurrency shows: `model.histories` alone (their race window makes every lone
/// request of a sequence wait).
const RACY: &[&str] = &["racy-token", "racy-quota", "racy-mismatch"];

/// The sequence-dependent faults no hand-written check catches.
const SEQUENCE_ONLY: &[&str] = &[
    "forgets-old-tokens",
    "names-first-page-only",
    "in-progress-after-answer",
    "refusal-frees-slot",
];

fn model_run(fault: Option<&str>, dialect: Dialect, only: &str, budget: usize) -> CheckOptions {
    let opts = embedded(only)
        .with_explore(budget)
        .with_contract(ContractConfig::for_dialect(dialect))
        .unwrap();
    match fault {
        Some(f) => opts.with_stub_faults(vec![f.parse().unwrap()]).unwrap(),
        None => opts,
    }
}

fn model_failures(r: &Report) -> Vec<&str> {
    failed_ids(r)
        .into_iter()
        .filter(|id| id.starts_with("model."))
        .collect()
}

fn no_failure_nor_error(r: &Report, what: &str) {
    assert!(
        r.passed() && r.summary.errors == 0,
        "{what}: {:?}",
        r.checks
            .iter()
            .filter(|c| c.status != Status::Passed)
            .map(|c| (&c.id, &c.failures, &c.errors))
            .collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_seeds_against_the_stub_find_nothing() {
    for dialect in Dialect::ALL {
        for seed in 1..=10u64 {
            let opts = model_run(None, dialect, "model", 16_000).with_seed(seed);
            let r = run(opts).await;
            no_failure_nor_error(&r, &format!("{dialect:?} seed {seed}"));
            assert!(r.summary.requests >= 16_000, "{}", r.summary.requests);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_seeds_against_a_slow_correct_service_find_nothing() {
    // One request at a time, 1 ms each, an accept backlog of 2: answers come late and in another
    // order than the requests were sent.
    let stub = std::sync::Arc::new(appflow_harness::Stub::new(Default::default()));
    let base =
        crate::hostile::spawn_small_correct(2, std::time::Duration::from_millis(1), stub).await;
    for seed in 1..=20u64 {
        let opts = against_url(&base, "model")
            .with_explore(1_200)
            .with_seed(seed);
        let r = run(opts).await;
        no_failure_nor_error(&r, &format!("seed {seed}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_caught_by_the_explorer_alone() {
    let mut generous = Vec::new();
    for fault in Fault::ALL.iter().map(|f| f.name()) {
        if NOT_FOR_THE_EXPLORER.iter().any(|(f, _)| *f == fault) {
            continue;
        }
        let only = if RACY.contains(&fault) {
            "model.histories"
        } else {
            "model"
        };
        for dialect in Dialect::ALL {
            if dialect == Dialect::Aws && ENVELOPE_ONLY.contains(&fault) {
                continue;
            }
            // The default budget first; a generous one for the faults that hide in rarer cases.
            let mut caught = false;
            for budget in [4_000, 60_000, 240_000] {
                let r = run(model_run(Some(fault), dialect, only, budget)).await;
                if !model_failures(&r).is_empty() {
                    caught = true;
                    if budget > 4_000 {
                        generous.push(fault);
                    }
                    break;
                }
            }
            assert!(caught, "{dialect:?} {fault}: the explorer found nothing");
        }
    }
    eprintln!("needed the generous budget: {generous:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_is_an_error_of_the_explorer_never_a_failure() {
    let r = run(model_run(
        Some("lose-response-after-create"),
        Dialect::Envelope,
        "model",
        4_000,
    ))
    .await;
    assert!(model_failures(&r).is_empty(), "{:?}", failed_ids(&r));
    let seq = r.checks.iter().find(|c| c.id == "model.sequences").unwrap();
    assert_eq!(seq.status, Status::Error, "{seq:?}");
    assert_eq!(r.verdict(), appflow_harness::check::Verdict::Unverified);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequence_faults_escape_the_hand_written_catalogue() {
    for fault in SEQUENCE_ONLY {
        let opts = CheckOptions::embedded()
            .with_selection(&[], &["model".to_owned()])
            .unwrap()
            .with_stub_faults(vec![fault.parse().unwrap()])
            .unwrap();
        let r = run(opts).await;
        assert!(
            r.passed(),
            "{fault}: a hand-written check caught it: {:?}",
            failed_ids(&r)
        );
    }
}

/// The reproducer of `fault` found by `model.sequences` (the default budget, else a generous one).
async fn reproducer(fault: &str) -> ReplayFile {
    for budget in [4_000, 60_000] {
        let r = run(model_run(
            Some(fault),
            Dialect::Envelope,
            "model.sequences",
            budget,
        ))
        .await;
        let check = r.checks.iter().find(|c| c.id == "model.sequences").unwrap();
        if check.status != Status::Failed {
            continue;
        }
        let rep = check.reproducers.first().expect("a reproducer");
        assert_eq!(
            rep.curl.len() as u64,
            rep.requests,
            "{fault}: a curl line per request"
        );
        return rep.replay.clone();
    }
    panic!("{fault}: model.sequences found nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reproducers_are_a_handful_of_requests_and_replay() {
    // (fault, most requests, most steps): faults of a full account need the account filled (one
    // step of quota creates), the others a handful of requests.
    let cases: &[(&str, usize, usize)] = &[
        ("ignore-token", 3, 3),
        ("accept-mismatch", 3, 3),
        ("names-case-insensitive", 3, 3),
        ("forgets-old-tokens", 8, 8),
        ("names-first-page-only", 24, 4),
        ("in-progress-after-answer", 5, 5),
        ("refusal-frees-slot", 104, 4),
        ("quota-off-by-one", 102, 3),
        ("update-moves-created-at", 6, 6),
        ("no-default-account", 2, 1),
    ];
    for (fault, most, steps) in cases {
        let file = reproducer(fault).await;
        assert!(
            file.requests <= *most && file.steps.len() <= *steps,
            "{fault}: {} requests in {} steps: {:#?}",
            file.requests,
            file.steps.len(),
            file.steps
        );
        let text = file.text();
        assert!(
            !text.contains("connectorProfileCredentials") && !text.contains("s3cr3t"),
            "{fault}: the replay file holds no credential"
        );
        let again = ReplayFile::parse(&text).unwrap();
        assert_eq!(again, file);
        // Against the fault it fails again; against the clean stub it passes.
        let faulty = embedded("")
            .with_replay(again.clone())
            .with_stub_faults(vec![fault.parse().unwrap()])
            .unwrap();
        let r = run(faulty).await;
        assert_eq!(failed_ids(&r), ["model.replay"], "{fault}");
        let r = run(embedded("").with_replay(again)).await;
        no_failure_nor_error(&r, &format!("{fault}: replay against the clean stub"));
        assert_eq!(r.summary.total, 1, "only the replay runs");
    }
}

#[test]
fn check_replay_exits_1_against_the_fault_and_0_against_the_clean_stub() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_appflow-harness");
    let out = std::process::Command::new(bin)
        .args(["check", "--quiet", "--only", "model.sequences"])
        .args(["--stub-fault", "accept-mismatch", "--replays"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let file = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a replay file was written");
    let replay = |fault: Option<&str>| {
        let mut cmd = std::process::Command::new(bin);
        cmd.args(["check", "--quiet", "--replay"]).arg(&file);
        if let Some(f) = fault {
            cmd.args(["--stub-fault", f]);
        }
        cmd.output().unwrap()
    };
    let failing = replay(Some("accept-mismatch"));
    assert_eq!(failing.status.code(), Some(1), "{failing:?}");
    let passing = replay(None);
    assert_eq!(passing.status.code(), Some(0), "{passing:?}");
    let bad = std::process::Command::new(bin)
        .args(["check", "--replay", "Cargo.toml"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "not a replay file: {bad:?}");
}
