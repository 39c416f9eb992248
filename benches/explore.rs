//! Exploration overhead: requests per second of `check --only model.sequences --explore N` against
//! the stub, over `load smoke`'s against the same stub (one `serve` process for both), in
//! alternating rounds; the figure is the median of the per-round ratios (goal ≥ 0.5: the model's
//! work per request is small against the request's own). Uses the release binary.
//! `cargo bench --bench explore` (env: BENCH_ROUNDS=5 BENCH_EXPLORE=60000 BENCH_SECS=5)

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("a report")).expect("JSON")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let bin = env!("CARGO_BIN_EXE_appflow-harness");
    let (rounds, budget, secs) = (
        env("BENCH_ROUNDS", 5),
        env("BENCH_EXPLORE", 60_000),
        env("BENCH_SECS", 5),
    );
    let mut serve = Command::new(bin)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let mut line = String::new();
    BufReader::new(serve.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().rsplit(' ').next().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let (mut explore, mut load, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let report = dir.path().join(format!("check-{round}.json"));
        let status = Command::new(bin)
            .args(["check", "--quiet", "--keep", "--base-url", &url])
            .args([
                "--only",
                "model.sequences",
                "--explore",
                &budget.to_string(),
            ])
            .arg("--report")
            .arg(format!("json={}", report.display()))
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "the explorer found nothing in the stub");
        let r = json(&report);
        let e = r["summary"]["requests"].as_f64().unwrap() * 1000.0
            / r["duration_ms"].as_f64().unwrap();
        let result = dir.path().join(format!("load-{round}.json"));
        let status = Command::new(bin)
            .args(["load", "smoke", "--host", &url, "--run-time"])
            .arg(format!("{secs}s"))
            .arg("--result")
            .arg(&result)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "load smoke passes against the stub");
        let l = json(&result);
        let l = l["requests"].as_f64().unwrap() / l["duration_secs"].as_f64().unwrap();
        println!(
            "round {round}: explore {e:.0} req/s, load {l:.0} req/s, ratio {:.2}",
            e / l
        );
        explore.push(e);
        load.push(l);
        ratios.push(e / l);
    }
    let _ = serve.kill();
    let _ = serve.wait();
    println!(
        "explore/load: median {:.2} (explore median {:.0} req/s, load median {:.0} req/s; goal ≥ 0.5)",
        median(ratios),
        median(explore),
        median(load)
    );
}
