//! The stub under load, against baselines measured in the same run:
//!
//! 1. the fast engine (full validation and idempotency on) vs a bare hyper JSON echo: throughput ratio
//!    and both p99s (goal: ratio ≥ 0.85, p99 ≤ 2× the echo's);
//! 2. the wiremock engine vs a bare wiremock responder (goal: overhead ≤ 10%), and for scale vs a
//!    wiremock responder doing the echo's JSON work;
//! 3. memory per stored profile (goal ≤ 1 KiB) and p99 with 1,000,000 stored profiles vs none
//!    (goal ≤ 1.2×).
//!
//! Rounds alternate between the two servers of a pair and the medians are compared, because this
//! machine is noisy. `cargo bench --bench stub_throughput` (env: BENCH_SECS=3 BENCH_ROUNDS=5
//! BENCH_CONNS=32 BENCH_PROFILES=1000000 BENCH_ONLY=fast|wiremock|memory).

use appflow_harness::contract::{ExampleGen, Size};
use appflow_harness::load::result::Histogram;
use appflow_harness::stub::{self, Engine, Stub, StubConfig, StubRequest};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A typical request; `SLOT` (in the name and the token) is filled in per request.
fn template() -> String {
    let mut body = ExampleGen::new(3).request_sized("Snowflake", "n-SLOT", Size::Typical);
    body["clientToken"] = serde_json::json!("t-SLOT");
    body.to_string()
}

fn body_for(template: &str, unique: &str) -> String {
    template.replace("SLOT", unique)
}

/// A bare hyper HTTP/1.1 server on its own 2-worker runtime that parses the JSON body and sends it back.
fn start_echo() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
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
                            let out = serde_json::to_vec(&v).unwrap_or_default();
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
    p99_us: u64,
}

/// Drives `addr` with `conns` keep-alive connections for `secs`, each request a fresh create.
fn drive(addr: SocketAddr, conns: u64, secs: u64, salt: u64) -> Round {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let template = template();
    rt.block_on(async move {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let tasks: Vec<_> = (0..conns)
            .map(|c| {
                let template = template.clone();
                tokio::spawn(async move {
                    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                    stream.set_nodelay(true).unwrap();
                    let (mut sender, conn) =
                        hyper::client::conn::http1::handshake(TokioIo::new(stream))
                            .await
                            .unwrap();
                    tokio::spawn(conn);
                    let mut hist = Histogram::default();
                    let mut n: u64 = 0;
                    while Instant::now() < deadline {
                        let body = body_for(&template, &format!("b{salt}-{c}-{n}"));
                        let account = format!(
                            "{:012}",
                            (salt * 1_000_000_000 + c * 10_000_000 + n / 90) % 999_999_999_999 + 1
                        );
                        let req = Request::post("/create-connector-profile")
                            .header("host", "bench")
                            .header("content-type", "application/json")
                            .header("x-account-id", account)
                            .body(Full::new(Bytes::from(body)))
                            .unwrap();
                        let start = Instant::now();
                        let resp = sender.send_request(req).await.unwrap();
                        let status = resp.status();
                        let _ = resp.into_body().collect().await.unwrap();
                        hist.record(start.elapsed().as_micros() as u64);
                        assert!(status.is_success(), "status {status}");
                        n += 1;
                    }
                    hist
                })
            })
            .collect();
        let start = Instant::now();
        let mut all = Histogram::default();
        for t in tasks {
            all.merge(&t.await.unwrap());
        }
        let elapsed = start.elapsed().as_secs_f64().max(secs as f64);
        Round {
            rps: all.count as f64 / elapsed,
            p99_us: all.percentile(99.0).unwrap_or(0),
        }
    })
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
}

/// Runs rounds in pairs, one on each server back to back (alternating which goes first, so a drift
/// in the machine's load favours neither), and takes the median of the per-pair ratios: on a noisy
/// machine a pair shares its conditions far better than two medians taken apart do.
fn compare(label_a: &str, a: SocketAddr, label_b: &str, b: SocketAddr) -> Compared {
    compare_with(label_a, &mut || (a, Box::new(())), label_b, &mut || {
        (b, Box::new(()))
    })
}

/// A server for one round: its address, and what keeps it running until the round ends.
type Started = (SocketAddr, Box<dyn std::any::Any>);

/// [`compare`] with servers that `a()` and `b()` give per round (the same one, or a fresh one).
fn compare_with(
    label_a: &str,
    a: &mut dyn FnMut() -> Started,
    label_b: &str,
    b: &mut dyn FnMut() -> Started,
) -> Compared {
    let (secs, rounds, conns) = (
        env("BENCH_SECS", 3),
        env("BENCH_ROUNDS", 5),
        env("BENCH_CONNS", 32),
    );
    // Warm both up (connections, caches) before measuring.
    drive(a().0, conns, 1, 900);
    drive(b().0, conns, 1, 901);
    let (mut ra, mut rb) = (Vec::new(), Vec::new());
    for r in 0..rounds {
        let ((addr_a, _keep_a), (addr_b, _keep_b)) = (a(), b());
        if r % 2 == 0 {
            ra.push(drive(addr_a, conns, secs, 2 * r + 1));
            rb.push(drive(addr_b, conns, secs, 2 * r + 2));
        } else {
            rb.push(drive(addr_b, conns, secs, 2 * r + 2));
            ra.push(drive(addr_a, conns, secs, 2 * r + 1));
        }
    }
    let med = |f: &dyn Fn(&Round, &Round) -> f64| {
        median(ra.iter().zip(&rb).map(|(x, y)| f(x, y)).collect())
    };
    let rps_a = med(&|x, _| x.rps);
    let rps_b = med(&|_, y| y.rps);
    let p99_a = med(&|x, _| x.p99_us as f64);
    let p99_b = med(&|_, y| y.p99_us as f64);
    let out = Compared {
        throughput_ratio: med(&|x, y| x.rps / y.rps),
        p99_ratio: med(&|x, y| x.p99_us as f64 / y.p99_us.max(1) as f64),
    };
    println!(
        "{label_a:<22} {rps_a:>9.0} req/s  p99 {:>6.2} ms   (medians of {rounds} rounds of {secs}s, {conns} connections)",
        p99_a / 1000.0,
    );
    println!(
        "{label_b:<22} {rps_b:>9.0} req/s  p99 {:>6.2} ms",
        p99_b / 1000.0
    );
    let ratios: Vec<String> = ra
        .iter()
        .zip(&rb)
        .map(|(x, y)| format!("{:.2}", x.rps / y.rps))
        .collect();
    println!(
        "ratio {label_a} / {label_b} (median of round pairs): throughput {:.3} [{}], p99 {:.2}x",
        out.throughput_ratio,
        ratios.join(" "),
        out.p99_ratio
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
        let body = body_for(&template, &format!("m{i}"));
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
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    println!(
        "stub throughput on {} cores, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        chrono::Utc::now().format("%Y-%m-%d")
    );

    // First, in a fresh process: later rounds leave freed heap behind that a fill would reuse.
    if only.is_empty() || only == "memory" {
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
        let full = rt
            .block_on(stub::start(
                "127.0.0.1:0".parse().unwrap(),
                Engine::Fast,
                stub,
            ))
            .unwrap();
        let empty = rt
            .block_on(stub::start(
                "127.0.0.1:0".parse().unwrap(),
                Engine::Fast,
                Arc::new(Stub::new(StubConfig::default())),
            ))
            .unwrap();
        println!("== p99 with {n} stored profiles vs none (goal <= 1.2x)");
        compare(
            "fast stub, 1M stored",
            full.addr(),
            "fast stub, empty",
            empty.addr(),
        );
    }

    if only.is_empty() || only == "fast" {
        let fast = rt
            .block_on(stub::start(
                "127.0.0.1:0".parse().unwrap(),
                Engine::Fast,
                Arc::new(Stub::new(StubConfig::default())),
            ))
            .unwrap();
        let echo = start_echo();
        println!(
            "\n== fast engine vs bare hyper JSON echo (goal: throughput ratio >= 0.85, p99 <= 2x)"
        );
        compare("fast stub", fast.addr(), "hyper JSON echo", echo);
    }

    if only.is_empty() || only == "wiremock" {
        // wiremock keeps a copy of every request a mock matched (even with recording off), so a
        // MockServer slows as it grows: each round gets two fresh servers, neither carrying history.
        let mut fresh_engine = || -> Started {
            let server = rt
                .block_on(stub::start(
                    "127.0.0.1:0".parse().unwrap(),
                    Engine::Wiremock,
                    Arc::new(Stub::new(StubConfig::default())),
                ))
                .unwrap();
            (server.addr(), Box::new(server))
        };
        let constant = wiremock::ResponseTemplate::new(200).set_body_raw(
            r#"{"success":true,"data":{"id":"cp-0","created_at":"2026-01-01T00:00:00.000Z"}}"#,
            "application/json",
        );
        println!("\n== wiremock engine vs bare wiremock responder (goal: overhead <= 10%)");
        let c = compare_with(
            "wiremock stub",
            &mut fresh_engine,
            "bare wiremock",
            &mut || bare_wiremock(&rt, constant.clone()),
        );
        println!(
            "wiremock engine overhead: {:.1}%",
            (1.0 - c.throughput_ratio) * 100.0
        );

        // For scale: a wiremock responder doing the hyper echo's work (parse + serialize the body).
        let echo = |req: &wiremock::Request| {
            let v: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
            wiremock::ResponseTemplate::new(200).set_body_raw(
                serde_json::to_vec(&v).unwrap_or_default(),
                "application/json",
            )
        };
        println!("\n== wiremock engine vs a wiremock JSON echo responder (for scale, no goal)");
        compare_with(
            "wiremock stub",
            &mut fresh_engine,
            "wiremock JSON echo",
            &mut || bare_wiremock(&rt, echo),
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
    (*server.address(), Box::new(server))
}
