//! The stub under load, against baselines measured in the same run, driven by wrk (one thread, 32
//! connections, a Lua script that writes every request; `apt-get install wrk`):
//!
//! 1. `create`: the fast engine vs a bare hyper server that parses the same JSON body and answers a
//!    small envelope, for three request mixes: a replay of one token, fresh creates 100 per account,
//!    and fresh creates each to a new account. Each round gets fresh servers and is long enough to
//!    hold a million profiles (goal: throughput ≥ 0.9 of the echo's, p99 ≤ 1.5× the echo's);
//! 2. `memory`: bytes of RSS per stored profile (goal ≤ 1 KiB) and the p99 of replays with 1,000,000
//!    stored profiles vs none (goal ≤ 1.2×);
//! 3. `wiremock`: the wiremock engine's cost per request in µs over a bare wiremock responder (and,
//!    for scale, over one that does the echo's JSON work).
//!
//! Rounds run in pairs, one on each server back to back (alternating which goes first), and each
//! figure is the median of the per-pair ratios: this machine is noisy.
//! `cargo bench --bench stub_throughput` (env: BENCH_SECS=20 BENCH_ROUNDS=5 BENCH_CONNS=32
//! BENCH_PROFILES=1000000 BENCH_ONLY=create,memory,wiremock BENCH_MIXES=replay,create100,create1
//! BENCH_THP=on to keep transparent huge pages, which the binary turns off).

use appflow_harness::contract::{ExampleGen, Size};
use appflow_harness::stub::{self, Engine, Stub, StubConfig, StubRequest};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

/// The shipped binary's allocator, so the stub here is the stub users run (the echo gets it too).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn selected(var: &str, what: &str) -> bool {
    std::env::var(var)
        .map(|v| v.is_empty() || v.split(',').any(|s| s.trim() == what))
        .unwrap_or(true)
}

/// A typical request (≈ 540 bytes, Snowflake with credentials); `SLOT` (in the name and the token)
/// is filled in per request.
fn template() -> String {
    let mut body = ExampleGen::new(3).request_sized("Snowflake", "n-SLOT", Size::Typical);
    body["clientToken"] = serde_json::json!("t-SLOT");
    body.to_string()
}

/// What wrk sends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mix {
    /// The same request with one client token, over and over: after the first, every answer is a replay.
    Replay,
    /// Fresh names and tokens, 100 per account (each account fills its quota exactly).
    Create100,
    /// Fresh names and tokens, each to a new account.
    Create1,
}

impl Mix {
    fn name(self) -> &'static str {
        match self {
            Mix::Replay => "replay",
            Mix::Create100 => "create100",
            Mix::Create1 => "create1",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Mix::Replay => "replay of one token",
            Mix::Create100 => "creates, 100 per account",
            Mix::Create1 => "creates, one account each",
        }
    }

    /// The wrk script: `salt` keeps rounds apart (accounts `salt * 10^9 + k`).
    fn script(self, salt: u64) -> String {
        let template = template();
        let per_account = match self {
            Mix::Replay => 0,
            Mix::Create100 => 100,
            Mix::Create1 => 1,
        };
        format!(
            r#"local template = [==[{template}]==]
local salt, per_account = {salt}, {per_account}
local n = 0
local headers = {{ ["content-type"] = "application/json" }}
if per_account == 0 then
  headers["x-account-id"] = string.format("%012d", salt * 1000000000)
  local fixed = wrk.format("POST", "/create-connector-profile", headers, (template:gsub("SLOT", "replay")))
  function request() return fixed end
else
  function request()
    n = n + 1
    headers["x-account-id"] = string.format("%012d", salt * 1000000000 + math.floor(n / per_account))
    return wrk.format("POST", "/create-connector-profile", headers, (template:gsub("SLOT", salt .. "-" .. n)))
  end
end
"#
        )
    }
}

/// A bare hyper HTTP/1.1 server on its own runtime (a worker per core, as the stub's) that parses the
/// JSON body and answers a small envelope: the least a JSON service does per request.
fn start_echo() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(
                        |req: Request<hyper::body::Incoming>| async move {
                            let body = req
                                .into_body()
                                .collect()
                                .await
                                .map(|b| b.to_bytes())
                                .unwrap_or_default();
                            let v: serde_json::Value =
                                serde_json::from_slice(&body).unwrap_or_default();
                            let name = v["connectorProfileName"].as_str().unwrap_or("");
                            let out = serde_json::to_vec(&serde_json::json!({
                                "success": true,
                                "data": {"id": name, "created_at": "2026-01-01T00:00:00.000Z"},
                            }))
                            .unwrap_or_default();
                            Ok::<_, std::convert::Infallible>(
                                Response::builder()
                                    .header("content-type", "application/json")
                                    .body(Full::new(Bytes::from(out)))
                                    .unwrap(),
                            )
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
    });
    addr
}

/// What one round measured.
struct Round {
    rps: f64,
    p99_us: f64,
    requests: u64,
    /// This process's CPU time over the round (the servers': wrk is another process), per request.
    cpu_us: f64,
    /// This process's minor page faults over the round, per request.
    faults: f64,
}

/// This process's CPU time (user + system) so far, in µs (/proc/self/stat, in clock ticks of 10 ms).
fn cpu_micros() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
    (ticks(11) + ticks(12)) * 10_000.0
}

/// This process's minor page faults so far (field 10 of stat(5)).
fn minor_faults() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(7).and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

/// Parses wrk's "7.25ms" / "812.00us" / "1.02s" into µs.
fn micros(s: &str) -> f64 {
    appflow_harness::units::parse_micros(s, 1.0).unwrap_or(f64::NAN)
}

/// Drives `addr` with wrk for `secs`: one thread, `conns` connections, every request from `mix`.
/// Panics if any answer was not a 2xx: the bench measures the path it names or nothing.
fn drive(addr: SocketAddr, mix: Mix, conns: u64, secs: u64, salt: u64) -> Round {
    // Kept in target/bench-wrk/ (the last round's), for running wrk by hand against `serve`.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-wrk");
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join(format!("{}.lua", mix.name()));
    std::fs::write(&script, mix.script(salt)).unwrap();
    let cpu_before = cpu_micros();
    let faults_before = minor_faults();
    let out = Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{conns}"),
            &format!("-d{secs}s"),
            "--latency",
            "-s",
        ])
        .arg(&script)
        .arg(format!("http://{addr}/create-connector-profile"))
        .output()
        .expect("wrk runs (apt-get install wrk)");
    let cpu = cpu_micros() - cpu_before;
    let faults = minor_faults() - faults_before;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix).map(|r| r.trim().to_string()))
    };
    if let Some(bad) = field("Non-2xx or 3xx responses:") {
        panic!(
            "{bad} answers were not 2xx on the {} mix:\n{text}",
            mix.name()
        );
    }
    let rps = field("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no rate in wrk's output:\n{text}"));
    let p99 = field("99%").map(|v| micros(&v)).unwrap();
    let requests = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Round {
        rps,
        p99_us: p99,
        requests,
        cpu_us: cpu / requests.max(1) as f64,
        faults: faults / requests.max(1) as f64,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// The medians of one comparison.
struct Compared {
    /// Median over rounds of `a`'s throughput / `b`'s in the same round pair.
    throughput_ratio: f64,
    /// Median over rounds of `a`'s p99 / `b`'s in the same round pair.
    p99_ratio: f64,
    /// Medians of each side's throughput.
    rps: (f64, f64),
}

/// A server for one round: its address, and what stops it. Stopping waits until the server and its
/// state are gone (a million profiles take a while to free), so that no round pays for the last.
type Started = (SocketAddr, Box<dyn FnOnce()>);

/// Runs rounds in pairs, one on each server back to back (alternating which goes first, so a drift
/// in the machine's load favours neither), with servers that `a()` and `b()` give per round, and
/// takes the median of the per-pair ratios: on a noisy machine a pair shares its conditions far
/// better than two medians taken apart do.
fn compare(
    mix: Mix,
    label_a: &str,
    a: &mut dyn FnMut() -> Started,
    label_b: &str,
    b: &mut dyn FnMut() -> Started,
) -> Compared {
    let (secs, rounds, conns) = (
        env("BENCH_SECS", 20),
        env("BENCH_ROUNDS", 5),
        env("BENCH_CONNS", 32),
    );
    // Warm up (the client, the machine's caches) on throwaway servers.
    for (server, salt) in [(a(), 900), (b(), 901)] {
        drive(server.0, mix, conns, 1, salt);
        (server.1)();
    }
    let (mut ra, mut rb) = (Vec::new(), Vec::new());
    for r in 0..rounds {
        let salt = 2 * r + 1;
        let mut run_a = || {
            let (addr, stop) = a();
            let round = drive(addr, mix, conns, secs, salt);
            stop();
            round
        };
        let mut run_b = || {
            let (addr, stop) = b();
            let round = drive(addr, mix, conns, secs, salt + 1);
            stop();
            round
        };
        if r % 2 == 0 {
            ra.push(run_a());
            rb.push(run_b());
        } else {
            rb.push(run_b());
            ra.push(run_a());
        }
    }
    let med = |f: &dyn Fn(&Round, &Round) -> f64| {
        median(ra.iter().zip(&rb).map(|(x, y)| f(x, y)).collect())
    };
    let out = Compared {
        throughput_ratio: med(&|x, y| x.rps / y.rps),
        p99_ratio: med(&|x, y| x.p99_us / y.p99_us.max(1.0)),
        rps: (med(&|x, _| x.rps), med(&|_, y| y.rps)),
    };
    let requests = median(ra.iter().map(|x| x.requests as f64).collect());
    println!(
        "{label_a:<24} {:>9.0} req/s  p99 {:>6.2} ms  server CPU {:>5.1} us/request, {:.3} page faults/request   (medians of {rounds} rounds of {secs} s, {conns} connections, {requests:.0} requests a round)",
        out.rps.0,
        med(&|x, _| x.p99_us) / 1000.0,
        med(&|x, _| x.cpu_us),
        med(&|x, _| x.faults),
    );
    println!(
        "{label_b:<24} {:>9.0} req/s  p99 {:>6.2} ms  server CPU {:>5.1} us/request, {:.3} page faults/request",
        out.rps.1,
        med(&|_, y| y.p99_us) / 1000.0,
        med(&|_, y| y.cpu_us),
        med(&|_, y| y.faults),
    );
    let list = |f: &dyn Fn(&Round, &Round) -> f64| {
        ra.iter()
            .zip(&rb)
            .map(|(x, y)| format!("{:.2}", f(x, y)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "ratio {label_a} / {label_b} (median of round pairs): throughput {:.3} [{}], p99 {:.2}x [{}]",
        out.throughput_ratio,
        list(&|x, y| x.rps / y.rps),
        out.p99_ratio,
        list(&|x, y| x.p99_us / y.p99_us.max(1.0)),
    );
    out
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Fills a stub with `n` profiles through its transport-free core (100 per account).
fn fill(stub: &Stub, n: u64) {
    let template = template();
    for i in 0..n {
        let body = template.replace("SLOT", &format!("m{i}"));
        let account = format!("{:012}", 500_000_000_000 + i / 100);
        let r = stub.handle(&StubRequest {
            method: "POST",
            path: "/create-connector-profile",
            content_type: Some("application/json"),
            account: Some(&account),
            account_present: true,
            body: body.as_bytes(),
            body_truncated: false,
            authorization: None,
        });
        assert_eq!(r.status, 200);
    }
}

fn main() {
    // As the binary does (src/main.rs): no transparent huge pages, whose first touch stalls a request.
    // BENCH_THP=on keeps them, to measure what that costs.
    #[cfg(target_os = "linux")]
    if std::env::var("BENCH_THP").as_deref() != Ok("on") {
        let _ = nix::sys::prctl::set_thp_disable(true);
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    println!(
        "stub throughput on {} cores, {}, wrk -t1",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        chrono::Utc::now().format("%Y-%m-%d")
    );
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("wrk is not installed (apt-get install wrk): nothing measured");
        std::process::exit(2);
    }
    let fast = |rt: &tokio::runtime::Runtime, stub: Arc<Stub>| -> Started {
        let server = rt
            .block_on(stub::start(
                "127.0.0.1:0".parse().unwrap(),
                Engine::Fast,
                stub,
            ))
            .unwrap();
        let handle = rt.handle().clone();
        (
            server.addr(),
            Box::new(move || handle.block_on(server.shutdown())),
        )
    };

    // First, in a fresh process: later rounds leave freed heap behind that a fill would reuse.
    if selected("BENCH_ONLY", "memory") {
        let n = env("BENCH_PROFILES", 1_000_000);
        let stub = Arc::new(Stub::new(StubConfig::default()));
        let before = rss_bytes();
        let start = Instant::now();
        fill(&stub, n);
        let after = rss_bytes();
        println!(
            "\n== {n} stored profiles: {:.0} bytes of RSS per profile (goal <= 1024), filled in {:.1} s",
            (after.saturating_sub(before)) as f64 / n as f64,
            start.elapsed().as_secs_f64()
        );
        let full = fast(&rt, stub);
        let empty = fast(&rt, Arc::new(Stub::new(StubConfig::default())));
        println!("== replays with {n} stored profiles vs none (goal: p99 <= 1.2x)");
        compare(
            Mix::Replay,
            "fast stub, 1M stored",
            &mut || (full.0, Box::new(|| ())),
            "fast stub, empty",
            &mut || (empty.0, Box::new(|| ())),
        );
    }

    if selected("BENCH_ONLY", "create") {
        let echo = start_echo();
        for mix in [Mix::Replay, Mix::Create100, Mix::Create1] {
            if !selected("BENCH_MIXES", mix.name()) {
                continue;
            }
            println!(
                "\n== {}: fast engine vs hyper echo (goal: throughput >= 0.9, p99 <= 1.5x)",
                mix.label()
            );
            compare(
                mix,
                "fast stub",
                &mut || fast(&rt, Arc::new(Stub::new(StubConfig::default()))),
                "hyper echo",
                &mut || (echo, Box::new(|| ())),
            );
        }
    }

    if selected("BENCH_ONLY", "wiremock") {
        // wiremock keeps a copy of every request a mock matched (even with recording off), so a
        // MockServer slows as it grows: each round gets fresh servers, neither carrying history.
        let mut fresh_engine = || -> Started {
            let server = rt
                .block_on(stub::start(
                    "127.0.0.1:0".parse().unwrap(),
                    Engine::Wiremock,
                    Arc::new(Stub::new(StubConfig::default())),
                ))
                .unwrap();
            (server.addr(), Box::new(move || drop(server)))
        };
        let constant = wiremock::ResponseTemplate::new(200).set_body_raw(
            r#"{"success":true,"data":{"id":"cp-0","created_at":"2026-01-01T00:00:00.000Z"}}"#,
            "application/json",
        );
        // wiremock answers one request at a time on one thread, so the difference of the two
        // reciprocal rates is the time the engine adds to each request on that thread.
        let cost = |c: &Compared| (1.0 / c.rps.0 - 1.0 / c.rps.1) * 1e6;
        println!("\n== wiremock engine vs bare wiremock responder (creates, 100 per account)");
        let c = compare(
            Mix::Create100,
            "wiremock stub",
            &mut fresh_engine,
            "bare wiremock",
            &mut || bare_wiremock(&rt, constant.clone()),
        );
        println!(
            "wiremock engine cost: {:.1} us per request over the bare responder",
            cost(&c)
        );

        // For scale: a wiremock responder doing the hyper echo's work (parse the body).
        let echo = |req: &wiremock::Request| {
            let v: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
            let name = v["connectorProfileName"].as_str().unwrap_or("");
            wiremock::ResponseTemplate::new(200).set_body_raw(
                serde_json::to_vec(&serde_json::json!({
                    "success": true,
                    "data": {"id": name, "created_at": "2026-01-01T00:00:00.000Z"},
                }))
                .unwrap_or_default(),
                "application/json",
            )
        };
        println!(
            "\n== wiremock engine vs a wiremock JSON echo responder (creates, 100 per account)"
        );
        let c = compare(
            Mix::Create100,
            "wiremock stub",
            &mut fresh_engine,
            "wiremock JSON echo",
            &mut || bare_wiremock(&rt, echo),
        );
        println!(
            "wiremock engine cost: {:.1} us per request over the echo responder",
            cost(&c)
        );
    }
}

/// A fresh wiremock server (recording off) answering every request with `responder`.
fn bare_wiremock(
    rt: &tokio::runtime::Runtime,
    responder: impl wiremock::Respond + 'static,
) -> Started {
    let server = rt.block_on(async {
        let server = wiremock::MockServer::builder()
            .disable_request_recording()
            .start()
            .await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(responder)
            .mount(&server)
            .await;
        server
    });
    (*server.address(), Box::new(move || drop(server)))
}
