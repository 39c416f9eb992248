//! The conformance runner: checks any base URL against the contract and reports, as data, what it finds.
//!
//! Raw flags ([`CheckArgs`]) are validated into [`CheckOptions`]; [`run`] executes the selected checks of
//! the [`checks::catalogue`] and returns a [`Report`]; [`report`] renders it.

pub mod checks;
pub mod config;
pub mod ctx;
pub mod diff;
pub mod http;
pub mod report;
pub mod snapshots;

pub use config::ContractConfig;
pub use report::{CheckResult, Failure, Format, Report, Status};

use crate::stub::{self, Engine, Fault, Stub, StubConfig};
use crate::{Error, Outcome};
use checks::{CheckDef, Needs};
use ctx::{Ctx, Settings};
use futures::StreamExt;
use reqwest::header::{HeaderName, HeaderValue};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Concurrent requests in race checks unless `--concurrency` says otherwise.
pub const DEFAULT_CONCURRENCY: usize = 32;

/// The flags `check` and `diff` share: which checks run, and the headers and timeout of their requests.
#[derive(Debug, Clone, clap::Args)]
pub struct TrafficArgs {
    /// Header that names the caller's account [default: X-Account-Id, or check's --contract file's].
    #[arg(long, value_name = "NAME")]
    pub account_header: Option<String>,
    /// Extra header on every request, e.g. auth (repeatable). Values never appear in any output.
    #[arg(short = 'H', long = "header", value_name = "'Name: value'")]
    pub headers: Vec<String>,
    /// Run only these checks: IDs or whole groups, comma-separated (repeatable).
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    pub only: Vec<String>,
    /// Skip these checks: IDs or whole groups, comma-separated (repeatable).
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    pub skip: Vec<String>,
    /// Timeout of each request (connect, send, read).
    #[arg(long, default_value = "10s", value_parser = crate::cli::parse_duration)]
    pub timeout: Duration,
}

/// `check …` (raw flags).
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Base URL of the service to check; without it the embedded stub is started and checked.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Which checks' traffic, and how it is sent.
    #[command(flatten)]
    pub traffic: TrafficArgs,
    /// Concurrent requests in race checks (and in-flight requests within a check).
    #[arg(long, default_value_t = DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// Run each race check K times and report how many runs failed.
    #[arg(long, default_value_t = 1)]
    pub repeat: u32,
    /// Seed of the generated requests (the same seed sends the same cases).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Base URL of the stub's admin routes on the target (enables the TTL and listing-based checks).
    #[arg(long, value_name = "URL")]
    pub admin_url: Option<String>,
    /// TOML file overriding the contract's codes, statuses, quota, TTL and body limit.
    #[arg(long, value_name = "FILE")]
    pub contract: Option<PathBuf>,
    /// Write a report: json, junit or markdown (repeatable), e.g. --report junit=results.xml.
    #[arg(long = "report", value_name = "FORMAT=PATH")]
    pub reports: Vec<String>,
    /// Write every exchange as insta snapshot files into DIR (review with `cargo insta review`).
    #[arg(long, value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// Engine of the embedded stub (only without --base-url).
    #[arg(long, value_enum, default_value_t = Engine::default())]
    pub engine: Engine,
    /// Start the embedded stub with this fault (only without --base-url; repeatable): shows what a
    /// broken service looks like.
    #[arg(long = "stub-fault", value_enum, value_name = "FAULT")]
    pub stub_faults: Vec<Fault>,
    /// Print only the summary, not a line per check.
    #[arg(short, long)]
    pub quiet: bool,
    /// List the checks (ID and description) and exit.
    #[arg(long)]
    pub list: bool,
}

/// Validated options of a run.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The target, or `None` for the embedded stub.
    pub base_url: Option<String>,
    /// The stub's admin routes on the target.
    pub admin_url: Option<String>,
    /// Extra headers.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The IDs to run, in catalogue order.
    pub selected: Vec<&'static str>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Race concurrency.
    pub concurrency: usize,
    /// Race repetitions.
    pub repeat: u32,
    /// Generator seed.
    pub seed: u64,
    /// The expected contract.
    pub contract: ContractConfig,
    /// Reports to write.
    pub reports: Vec<(Format, PathBuf)>,
    /// Where to write snapshots.
    pub snapshots: Option<PathBuf>,
    /// The embedded stub's engine.
    pub engine: Engine,
    /// The embedded stub's faults.
    pub stub_faults: Vec<Fault>,
    /// Print a line per check.
    pub progress: bool,
}

fn usage(msg: impl Into<String>) -> Error {
    Error::Usage(msg.into())
}

fn resolve_selection(only: &[String], skip: &[String]) -> Result<Vec<&'static str>, Error> {
    let all = checks::catalogue();
    let matches = |sel: &str, c: &CheckDef| c.id == sel || c.group() == sel;
    for sel in only.iter().chain(skip) {
        if !all.iter().any(|c| matches(sel, c)) {
            return Err(usage(format!(
                "unknown check or group `{sel}` (see `check --list`)"
            )));
        }
    }
    Ok(all
        .iter()
        .filter(|c| only.is_empty() || only.iter().any(|s| matches(s, c)))
        .filter(|c| !skip.iter().any(|s| matches(s, c)))
        .map(|c| c.id)
        .collect())
}

impl CheckArgs {
    /// Validates the flags.
    pub fn validate(self) -> Result<CheckOptions, Error> {
        let mut contract = match &self.contract {
            Some(p) => ContractConfig::load(p)?,
            None => ContractConfig::default(),
        };
        let traffic = self.traffic;
        if let Some(h) = traffic.account_header {
            contract.account_header = h;
        }
        HeaderName::from_bytes(contract.account_header.as_bytes()).map_err(|_| {
            usage(format!(
                "--account-header `{}` is not a header name",
                contract.account_header
            ))
        })?;
        let headers = traffic
            .headers
            .iter()
            .map(|h| crate::cli::parse_header(h))
            .collect::<Result<Vec<_>, Error>>()?;
        if self.concurrency == 0 {
            return Err(usage("--concurrency must be at least 1"));
        }
        if self.repeat == 0 {
            return Err(usage("--repeat must be at least 1"));
        }
        if traffic.timeout.is_zero() {
            return Err(usage("--timeout must be more than 0"));
        }
        if self.base_url.is_some() && !self.stub_faults.is_empty() {
            return Err(usage(
                "--stub-fault applies to the embedded stub only; drop --base-url",
            ));
        }
        let reports = self
            .reports
            .iter()
            .map(|r| {
                let (fmt, path) = r.split_once('=').ok_or_else(|| {
                    usage(format!(
                        "--report `{r}`: use FORMAT=PATH, e.g. junit=results.xml"
                    ))
                })?;
                Ok((fmt.parse::<Format>().map_err(usage)?, PathBuf::from(path)))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let selected = resolve_selection(&traffic.only, &traffic.skip)?;
        if selected.is_empty() {
            return Err(usage("--only/--skip leave no check to run"));
        }
        Ok(CheckOptions {
            base_url: self
                .base_url
                .as_deref()
                .map(|u| crate::cli::parse_base_url(u, "--base-url"))
                .transpose()?,
            admin_url: self
                .admin_url
                .as_deref()
                .map(|u| crate::cli::parse_base_url(u, "--admin-url"))
                .transpose()?,
            headers,
            selected,
            timeout: traffic.timeout,
            concurrency: self.concurrency,
            repeat: self.repeat,
            seed: self.seed,
            contract,
            reports,
            snapshots: self.snapshots,
            engine: self.engine,
            stub_faults: self.stub_faults,
            progress: !self.quiet,
        })
    }
}

/// How many checks run at once (each check also runs its own requests concurrently).
const PARALLEL_CHECKS: usize = 6;

async fn run_one(
    def: &CheckDef,
    target: &Arc<http::Target>,
    cfg: &Arc<ContractConfig>,
    settings: &Arc<Settings>,
    seed: u64,
    keep: bool,
) -> (CheckResult, Vec<http::Exchange>) {
    let start = Instant::now();
    let ctx = Ctx::new(target.clone(), cfg.clone(), settings.clone(), seed, keep);
    let _ = (def.run)(&ctx).await;
    let ctx::Finished {
        failures,
        unlisted,
        requests,
        runs,
        exchanges,
    } = ctx.finish();
    let status = if failures.is_empty() && unlisted == 0 {
        Status::Passed
    } else {
        Status::Failed
    };
    (
        CheckResult {
            id: def.id.into(),
            group: def.group().into(),
            description: def.description.into(),
            status,
            skip_reason: None,
            duration_ms: start.elapsed().as_millis() as u64,
            requests: requests as u64,
            runs: runs.map(|(total, failed)| report::Runs { total, failed }),
            failures,
            unlisted_failures: unlisted as u64,
        },
        exchanges,
    )
}

fn skipped(def: &CheckDef, reason: &str) -> CheckResult {
    CheckResult {
        id: def.id.into(),
        group: def.group().into(),
        description: def.description.into(),
        status: Status::Skipped,
        skip_reason: Some(reason.into()),
        duration_ms: 0,
        requests: 0,
        runs: None,
        failures: Vec::new(),
        unlisted_failures: 0,
    }
}

/// Runs the selected checks; `on_result` sees each result as it finishes (for live progress).
/// Writes the snapshots `--snapshots` asks for.
pub async fn run(
    opts: &CheckOptions,
    on_result: &(dyn Fn(&CheckResult) + Sync),
) -> Result<Report, Error> {
    let recorded = run_recorded(opts, on_result, opts.snapshots.is_some()).await?;
    if let Some(dir) = &opts.snapshots {
        let all: Vec<(&str, &[http::Exchange])> = recorded
            .exchanges
            .iter()
            .map(|(id, ex)| (id.as_str(), ex.as_slice()))
            .collect();
        snapshots::write(dir, &recorded.target, &all)?;
    }
    Ok(recorded.report)
}

/// A finished run, with every exchange of every check when they were kept.
pub struct Recorded {
    /// The report.
    pub report: Report,
    /// Per check ID, its exchanges (empty unless kept).
    pub exchanges: Vec<(String, Vec<http::Exchange>)>,
    /// The target the run sent to.
    pub target: Arc<http::Target>,
}

/// Runs the selected checks, keeping every exchange when `keep` is set.
pub async fn run_recorded(
    opts: &CheckOptions,
    on_result: &(dyn Fn(&CheckResult) + Sync),
    keep: bool,
) -> Result<Recorded, Error> {
    let started = Instant::now();
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut _embedded = None;
    let (base, admin) = match &opts.base_url {
        Some(b) => (b.clone(), opts.admin_url.clone()),
        None => {
            let config = StubConfig {
                quota: opts.contract.quota,
                token_ttl: opts.contract.token_ttl,
                max_body: opts.contract.max_body,
                faults: opts.stub_faults.iter().copied().collect(),
                ..StubConfig::default()
            };
            let server = stub::start(
                "127.0.0.1:0".parse().expect("literal address"),
                opts.engine,
                Arc::new(Stub::new(config)),
            )
            .await?;
            let base = server.base_url();
            _embedded = Some(server);
            (base.clone(), Some(opts.admin_url.clone().unwrap_or(base)))
        }
    };
    let target = Arc::new(
        http::Target::new(
            &base,
            admin.as_deref(),
            opts.headers.clone(),
            &opts.contract.account_header,
            opts.timeout,
        )
        .map_err(Error::Usage)?,
    );
    preflight(&target).await?;

    let run_id: String = crate::contract::examples::SplitMix64::new(rand::random()).alnum(6);
    let settings = Arc::new(Settings {
        concurrency: opts.concurrency,
        repeat: opts.repeat,
        seed: opts.seed,
        prefix: format!("ah-{run_id}-"),
    });
    let cfg = Arc::new(opts.contract.clone());
    let catalogue = checks::catalogue();
    let selected: Vec<(usize, &CheckDef)> = catalogue
        .iter()
        .enumerate()
        .filter(|(_, c)| opts.selected.contains(&c.id))
        .collect();

    let mut results: Vec<(usize, CheckResult, Vec<http::Exchange>)> = Vec::new();
    let endpoint_checks = selected.iter().filter(|(_, c)| c.needs == Needs::Endpoint);
    let mut stream = futures::stream::iter(endpoint_checks.map(|(i, def)| {
        let (target, cfg, settings) = (&target, &cfg, &settings);
        async move {
            let (r, ex) = run_one(
                def,
                target,
                cfg,
                settings,
                opts.seed.wrapping_add(*i as u64),
                keep,
            )
            .await;
            (*i, r, ex)
        }
    }))
    .buffer_unordered(PARALLEL_CHECKS);
    while let Some((i, r, ex)) = stream.next().await {
        on_result(&r);
        results.push((i, r, ex));
    }
    drop(stream);
    // Checks that move the target's clock run alone, after everything else.
    for (i, def) in selected
        .iter()
        .filter(|(_, c)| c.needs == Needs::AdminClock)
    {
        let (r, ex) = if target.admin().is_some() {
            run_one(
                def,
                &target,
                &cfg,
                &settings,
                opts.seed.wrapping_add(*i as u64),
                keep,
            )
            .await
        } else {
            (
                skipped(
                    def,
                    "needs --admin-url (the stub's /__admin/clock) to move the target's clock",
                ),
                Vec::new(),
            )
        };
        on_result(&r);
        results.push((*i, r, ex));
    }
    results.sort_by_key(|(i, _, _)| *i);

    let mut exchanges = Vec::with_capacity(results.len());
    let mut checks = Vec::with_capacity(results.len());
    for (_, r, ex) in results {
        exchanges.push((r.id.clone(), ex));
        checks.push(r);
    }
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count() as u32;
    let summary = report::Summary {
        total: checks.len() as u32,
        passed: count(Status::Passed),
        failed: count(Status::Failed),
        skipped: count(Status::Skipped),
        requests: checks.iter().map(|c| c.requests).sum(),
    };
    let report = Report {
        tool: "appflow-harness".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        target: if opts.base_url.is_some() {
            base
        } else {
            format!("{base} (embedded stub)")
        },
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        seed: opts.seed,
        summary,
        checks,
    };
    Ok(Recorded {
        report,
        exchanges,
        target,
    })
}

/// Proves the target answers at all; a refused connection or a bad host is exit 2, not a failed check.
async fn preflight(target: &http::Target) -> Result<(), Error> {
    let sent = target.request(
        reqwest::Method::POST,
        crate::contract::ENDPOINT,
        None,
        Some("application/json"),
        "{}",
        Arc::default(),
    );
    let ex = target.exchange(sent).await;
    match ex.result {
        Err(e) if e.starts_with("cannot connect") || e.contains("dns") || e.contains("resolve") => {
            Err(Error::Unreachable(target.base().to_owned(), e.into()))
        }
        _ => Ok(()),
    }
}

/// `appflow-harness check`: runs, prints progress and summary, writes reports, maps to an outcome.
pub async fn run_cli(args: CheckArgs) -> Result<Outcome, Error> {
    if args.list {
        for c in checks::catalogue() {
            println!("{:<45} {}", c.id, c.description);
        }
        return Ok(Outcome::Pass);
    }
    let opts = args.validate()?;
    let colour = report::text::use_colour();
    let progress = opts.progress;
    let report = run(&opts, &move |r: &CheckResult| {
        if progress {
            report::text::emit(&report::text::check_line(r, colour));
        }
    })
    .await?;
    report::text::emit(&report::text::summary(&report, colour));
    for (format, path) in &opts.reports {
        std::fs::write(path, report::render(&report, *format)).map_err(|source| Error::Io {
            what: "cannot write the report",
            path: path.display().to_string(),
            source,
        })?;
    }
    if report.summary.passed + report.summary.failed == 0 {
        return Err(Error::Usage(
            "nothing ran: every selected check was skipped".into(),
        ));
    }
    Ok(if report.passed() {
        Outcome::Pass
    } else {
        Outcome::Fail
    })
}
