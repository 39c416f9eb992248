//! `serve`: the stub as a long-running HTTP server.

use super::{Outcome, dialect, duration, engine, fault, size};
use appflow_harness::contract;
use appflow_harness::contract::Dialect;
use appflow_harness::stub::{self, Engine, Fault, Stub, StubConfig};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// `serve …` (raw flags).
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the first line printed names it).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Which HTTP server carries the stub.
    #[arg(long, value_parser = engine(), default_value = "fast")]
    pub engine: Engine,
    /// Profiles per account.
    #[arg(long, default_value_t = contract::DEFAULT_QUOTA)]
    pub quota: u32,
    /// How long a client token stays bound (e.g. 8h, 30m, 90s).
    #[arg(long, default_value = "8h", value_parser = duration)]
    pub ttl: Duration,
    /// Refuse requests without the X-Account-Id header (401).
    #[arg(long)]
    pub require_account: bool,
    /// Largest request body accepted (e.g. 256KiB, 1MiB, 1000).
    #[arg(long, default_value = "256KiB", value_parser = size)]
    pub max_body: usize,
    /// Break one rule of the contract on purpose (repeatable), to prove a checker catches it.
    #[arg(long = "fault", value_parser = fault())]
    pub faults: Vec<Fault>,
    /// How answers are framed: the envelope, or AppFlow's own REST-JSON (aws), which the AWS SDKs
    /// and the AWS CLI read (`endpoint_url`).
    #[arg(long, value_parser = dialect(), default_value = "envelope")]
    pub dialect: Dialect,
}

impl ServeArgs {
    /// The stub configuration these flags ask for.
    fn config(&self) -> StubConfig {
        StubConfig {
            quota: self.quota,
            token_ttl: self.ttl,
            require_account: self.require_account,
            max_body: self.max_body,
            dialect: self.dialect,
            faults: self.faults.iter().copied().collect(),
            ..StubConfig::default()
        }
    }
}

/// `appflow-harness serve`: until SIGINT or SIGTERM.
pub async fn run(args: ServeArgs) -> anyhow::Result<Outcome> {
    let stub = Arc::new(Stub::new(args.config()));
    let server = stub::start(args.addr, args.engine, stub).await?;
    println!("listening on {}", server.base_url());
    let _ = std::io::stdout().flush();
    if args.engine == Engine::Wiremock {
        eprintln!(
            "note: wiremock keeps a copy of every request it matched (about 5 KB each), so memory grows \
             and throughput falls as it serves; use --engine fast for long or heavy runs"
        );
    }
    wait_for_signal().await;
    server.shutdown().await;
    Ok(Outcome::Pass)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
