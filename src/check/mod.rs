//! The conformance runner: checks any base URL against the contract and returns, as data, what it
//! finds.
//!
//! Build [`CheckOptions`] ([`CheckOptions::embedded`] or [`CheckOptions::against`], then its `with_`
//! setters); [`run`] executes the selected checks of the [`checks::catalogue`] and returns a
//! [`Report`]; [`report`] renders it. The runner writes no files and prints nothing: the binary does.

pub mod checks;
pub mod config;
pub mod coverage;
pub mod ctx;
pub mod diff;
pub mod explore;
pub mod report;
pub mod snapshots;

pub use config::ContractConfig;
pub use report::{CheckResult, Failure, Format, Report, Status, Verdict};

use crate::Error;
use crate::http::{self, Exchange, Target};
use crate::stub::{self, Engine, Fault, StubConfig};
use checks::{CheckDef, Needs};
use ctx::{Ctx, Settings};
use futures::StreamExt;
use reqwest::header::{HeaderName, HeaderValue};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Concurrent requests in race checks unless the options say otherwise.
pub const DEFAULT_CONCURRENCY: usize = 32;
/// Per-request timeout unless the options say otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The whole run's time budget unless the options say otherwise: past it, every unfinished check ends
/// in error (the default run takes under a second against the embedded stub, and under a minute
/// against a small, slow service).
pub const DEFAULT_MAX_TIME: Duration = Duration::from_secs(10 * 60);

/// What to check: the embedded stub (started for the run) or a service at a base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// The embedded stub on this engine, with these faults.
    Embedded {
        /// Its engine.
        engine: Engine,
        /// The rules it breaks on purpose.
        faults: Vec<Fault>,
    },
    /// A service at `base` (validated, no trailing slash), with the stub's admin routes at `admin`.
    Url {
        /// The base URL.
        base: String,
        /// The admin routes' base URL, if the target has them.
        admin: Option<String>,
    },
}

/// Validated options of a run.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// What is checked.
    pub subject: Subject,
    /// Extra headers on every request.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The IDs to run, in catalogue order.
    pub selected: Vec<&'static str>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// The whole run's time budget.
    pub max_time: Duration,
    /// Race concurrency (and in-flight requests within a check).
    pub concurrency: usize,
    /// Race repetitions.
    pub repeat: u32,
    /// Generator seed.
    pub seed: u64,
    /// The expected contract.
    pub contract: ContractConfig,
    /// Live counters for a progress display (none by default).
    pub live: Option<Arc<crate::live::Live>>,
    /// Leave the profiles the run created (else a target with the lifecycle gets them deleted).
    pub keep: bool,
    /// The explorer's budget, concurrency and replay file.
    pub explore: explore::Explore,
}

impl CheckOptions {
    fn new(subject: Subject) -> CheckOptions {
        CheckOptions {
            subject,
            headers: Vec::new(),
            selected: resolve_selection(&[], &[]).unwrap_or_default(),
            timeout: DEFAULT_TIMEOUT,
            max_time: DEFAULT_MAX_TIME,
            concurrency: DEFAULT_CONCURRENCY,
            repeat: 1,
            seed: 1,
            contract: ContractConfig::default(),
            live: None,
            keep: false,
            explore: explore::Explore::default(),
        }
    }

    /// Every check against the embedded stub (fast engine, no fault), with the defaults.
    pub fn embedded() -> CheckOptions {
        Self::new(Subject::Embedded {
            engine: Engine::default(),
            faults: Vec::new(),
        })
    }

    /// Every check against the service at `base_url` (http or https), with the defaults.
    pub fn against(base_url: &str) -> Result<CheckOptions, Error> {
        Ok(Self::new(Subject::Url {
            base: http::base_url(base_url, "--base-url")?,
            admin: None,
        }))
    }

    /// The target's admin routes (enables the TTL and listing-based checks).
    pub fn with_admin_url(mut self, url: &str) -> Result<CheckOptions, Error> {
        let url = http::base_url(url, "--admin-url")?;
        match &mut self.subject {
            Subject::Url { admin, .. } => *admin = Some(url),
            Subject::Embedded { .. } => {
                return Err(Error::Usage(
                    "--admin-url needs --base-url: the embedded stub's admin routes are always used"
                        .into(),
                ));
            }
        }
        Ok(self)
    }

    /// The embedded stub's engine (ignored for a URL).
    pub fn with_engine(mut self, e: Engine) -> CheckOptions {
        if let Subject::Embedded { engine, .. } = &mut self.subject {
            *engine = e;
        }
        self
    }

    /// The embedded stub's faults; an error for a URL.
    pub fn with_stub_faults(mut self, f: Vec<Fault>) -> Result<CheckOptions, Error> {
        match &mut self.subject {
            Subject::Embedded { faults, .. } => *faults = f,
            Subject::Url { .. } if f.is_empty() => {}
            Subject::Url { .. } => {
                return Err(Error::Usage(
                    "--stub-fault applies to the embedded stub only; drop --base-url".into(),
                ));
            }
        }
        Ok(self)
    }

    /// Runs only the checks `only` names (IDs or groups; all when empty), less those `skip` names.
    pub fn with_selection(
        mut self,
        only: &[String],
        skip: &[String],
    ) -> Result<CheckOptions, Error> {
        self.selected = resolve_selection(only, skip)?;
        if self.selected.is_empty() {
            return Err(Error::Usage("--only/--skip leave no check to run".into()));
        }
        Ok(self)
    }

    /// Extra headers on every request.
    pub fn with_headers(mut self, headers: Vec<(HeaderName, HeaderValue)>) -> CheckOptions {
        self.headers = headers;
        self
    }

    /// The per-request timeout (more than zero).
    pub fn with_timeout(mut self, timeout: Duration) -> Result<CheckOptions, Error> {
        if timeout.is_zero() {
            return Err(Error::Usage("--timeout must be more than 0".into()));
        }
        self.timeout = timeout;
        Ok(self)
    }

    /// The whole run's time budget (more than zero): when it runs out, nothing more is sent and
    /// every unfinished check ends in error, with the reason.
    pub fn with_max_time(mut self, max_time: Duration) -> Result<CheckOptions, Error> {
        if max_time.is_zero() {
            return Err(Error::Usage("--max-time must be more than 0".into()));
        }
        self.max_time = max_time;
        Ok(self)
    }

    /// Concurrent requests in race checks (at least 1).
    pub fn with_concurrency(mut self, n: usize) -> Result<CheckOptions, Error> {
        if n == 0 {
            return Err(Error::Usage("--concurrency must be at least 1".into()));
        }
        self.concurrency = n;
        Ok(self)
    }

    /// How many times each race check runs (at least 1).
    pub fn with_repeat(mut self, n: u32) -> Result<CheckOptions, Error> {
        if n == 0 {
            return Err(Error::Usage("--repeat must be at least 1".into()));
        }
        self.repeat = n;
        Ok(self)
    }

    /// The generator's seed (the same seed sends the same cases).
    pub fn with_seed(mut self, seed: u64) -> CheckOptions {
        self.seed = seed;
        self
    }

    /// Whether to leave the profiles the run created. Otherwise, against a service with the
    /// lifecycle operations, the run deletes them at its end, so runs against a shared staging
    /// leave nothing behind (the embedded stub is thrown away anyway).
    pub fn with_keep(mut self, keep: bool) -> CheckOptions {
        self.keep = keep;
        self
    }

    /// Requests of exploration (`model.sequences` gets three quarters, `model.histories` the rest);
    /// 0 skips both.
    pub fn with_explore(mut self, budget: usize) -> CheckOptions {
        self.explore.budget = budget;
        self
    }

    /// Clients per account in the explorer's concurrent rounds (at least 1).
    pub fn with_explore_concurrency(mut self, n: usize) -> Result<CheckOptions, Error> {
        if n == 0 {
            return Err(Error::Usage(
                "--explore-concurrency must be at least 1".into(),
            ));
        }
        self.explore.concurrency = n;
        Ok(self)
    }

    /// Runs a replay file (`model.replay`) and nothing else, with the seed it was made with.
    pub fn with_replay(mut self, file: explore::replay::ReplayFile) -> CheckOptions {
        self.seed = file.seed;
        self.explore.replay = Some(Arc::new(file));
        self.selected = vec!["model.replay"];
        self
    }

    /// Counts requests and finished checks into `live` as the run goes (for a progress display).
    pub fn with_live(mut self, live: Arc<crate::live::Live>) -> CheckOptions {
        self.live = Some(live);
        self
    }

    /// The contract the target is held to (its account header must be a header name).
    pub fn with_contract(mut self, contract: ContractConfig) -> Result<CheckOptions, Error> {
        http::header_name(&contract.account_header)?;
        self.contract = contract;
        Ok(self)
    }
}

fn resolve_selection(only: &[String], skip: &[String]) -> Result<Vec<&'static str>, Error> {
    let all = checks::catalogue();
    let matches = |sel: &str, c: &CheckDef| c.id == sel || c.group() == sel;
    for sel in only.iter().chain(skip) {
        if !all.iter().any(|c| matches(sel, c)) {
            return Err(Error::Usage(format!(
                "unknown check or group `{sel}` (see `check --list`)"
            )));
        }
    }
    Ok(all
        .iter()
        .filter(|c| c.id != "model.replay" || only.iter().any(|s| s == c.id)) // needs a file
        .filter(|c| only.is_empty() || only.iter().any(|s| matches(s, c)))
        .filter(|c| !skip.iter().any(|s| matches(s, c)))
        .map(|c| c.id)
        .collect())
}

/// How many checks run at once (each check also runs its own requests concurrently).
const PARALLEL_CHECKS: usize = 6;

async fn run_one(
    def: &CheckDef,
    target: &Arc<Target>,
    cfg: &Arc<ContractConfig>,
    settings: &Arc<Settings>,
    seed: u64,
    keep: bool,
) -> (CheckResult, Vec<Exchange>) {
    let start = Instant::now();
    // The explorer's thousands of exchanges are not snapshotted: its failures carry a reproducer.
    let keep = keep && checks::group_of(def.id) != "model";
    let ctx = Ctx::new(target.clone(), cfg.clone(), settings.clone(), seed, keep);
    let _ = (def.run)(&ctx).await;
    let ctx::Finished {
        skipped,
        failures,
        unlisted,
        errors,
        retries,
        unconnected_retries,
        requests,
        runs,
        exchanges,
        reproducers,
    } = ctx.finish();
    // A broken rule proven by an answer fails the check; answers that never came leave it unverified.
    let mut errors = errors;
    let status = if !failures.is_empty() || unlisted > 0 {
        Status::Failed
    } else if skipped.is_some() && errors.is_empty() {
        Status::Skipped
    } else if !errors.is_empty() {
        Status::Error
    } else if let Some(reason) = target.health().stopped() {
        // Stopped before it could finish: whatever it saw, it did not see everything it needs.
        errors.push(Failure::cannot_verify(format!(
            "the run was stopped: {reason}"
        )));
        Status::Error
    } else {
        Status::Passed
    };
    (
        CheckResult {
            id: def.id.into(),
            group: def.group().into(),
            description: def.description.into(),
            status,
            skip_reason: skipped.filter(|_| status == Status::Skipped),
            duration_ms: start.elapsed().as_millis() as u64,
            requests: requests as u64,
            runs: runs.map(|(total, failed)| report::Runs { total, failed }),
            failures,
            unlisted_failures: unlisted as u64,
            errors,
            retries: retries as u64,
            unconnected_retries: unconnected_retries as u64,
            reproducers,
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
        errors: Vec::new(),
        retries: 0,
        unconnected_retries: 0,
        reproducers: Vec::new(),
    }
}

/// Deletes every profile the run created (that is still there), 16 at a time; returns how many were
/// deleted and how many could not be.
async fn clean_up(target: &Arc<Target>, settings: &Arc<Settings>) -> report::CleanUp {
    let created = std::mem::take(&mut *settings.created.lock());
    let (target, deleted, failed) = (
        target.clone(),
        &std::sync::atomic::AtomicU64::new(0),
        &std::sync::atomic::AtomicU64::new(0),
    );
    futures::stream::iter(created.into_iter().map(|(account, name)| {
        let target = target.clone();
        async move {
            let body = serde_json::json!({ "connectorProfileName": name });
            let sent = target.request(
                reqwest::Method::POST,
                crate::contract::Operation::Delete.path(),
                account.as_deref(),
                Some("application/json"),
                serde_json::to_vec(&body).unwrap_or_default(),
                Arc::default(),
            );
            let ex = target.exchange(sent).await;
            // Deleted, or already gone (a check deleted it): either way nothing is left.
            match ex.result.map(|r| r.status) {
                Ok(200) | Ok(404) => deleted.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                _ => failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            };
        }
    }))
    .buffer_unordered(16)
    .collect::<Vec<()>>()
    .await;
    report::CleanUp {
        deleted: deleted.load(std::sync::atomic::Ordering::Relaxed),
        failed: failed.load(std::sync::atomic::Ordering::Relaxed),
    }
}

/// Runs the selected checks; `on_result` sees each result as it finishes (for live progress).
pub async fn run(
    opts: &CheckOptions,
    on_result: &(dyn Fn(&CheckResult) + Sync),
) -> Result<Report, Error> {
    Ok(run_recorded(opts, on_result, false).await?.report)
}

/// A finished run, with every exchange of every check when they were kept.
pub struct Recorded {
    /// The report.
    pub report: Report,
    /// Per check ID, its exchanges (empty unless kept).
    pub exchanges: Vec<(String, Vec<Exchange>)>,
    /// The target the run sent to.
    pub target: Arc<Target>,
    /// The error table (and so the dialect) its answers were judged by.
    pub table: crate::contract::ErrorTable,
}

/// Runs the selected checks, keeping every exchange when `keep` is set (for snapshots and `diff`).
pub async fn run_recorded(
    opts: &CheckOptions,
    on_result: &(dyn Fn(&CheckResult) + Sync),
    keep: bool,
) -> Result<Recorded, Error> {
    let started = Instant::now();
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut _embedded = None;
    let (base, admin) = match &opts.subject {
        Subject::Url { base, admin } => (base.clone(), admin.clone()),
        Subject::Embedded { engine, faults } => {
            let config = StubConfig {
                quota: opts.contract.quota,
                token_ttl: opts.contract.token_ttl,
                max_body: opts.contract.max_body,
                require_account: opts.contract.require_account,
                dialect: opts.contract.errors.dialect(),
                faults: faults.iter().copied().collect(),
                ..StubConfig::default()
            };
            let server = stub::start_local(*engine, config).await?;
            let base = server.base_url();
            _embedded = Some(server);
            (base.clone(), Some(base))
        }
    };
    let client = http::client(opts.timeout)?;
    let health = Arc::new(http::health(&client, &base, opts.timeout));
    if !http::preflight(&client, &base, opts.timeout).await? {
        health.unanswered().await;
    }
    let target = Arc::new(Target::new(
        client,
        &base,
        admin.as_deref(),
        opts.headers.clone(),
        http::header_name(&opts.contract.account_header)?,
        opts.timeout,
        health.clone(),
    ));
    // The run's budget: when it runs out, the same stop as for a target that stopped answering.
    let budget = {
        let (health, max) = (health.clone(), opts.max_time);
        tokio::spawn(async move {
            tokio::time::sleep(max).await;
            health.stop(format!(
                "the run's time budget (--max-time {}) ran out",
                humantime::format_duration(max)
            ));
        })
    };

    let run_id: String = crate::contract::examples::SplitMix64::new(rand::random()).alnum(6);
    let settings = Arc::new(Settings {
        concurrency: opts.concurrency,
        repeat: opts.repeat,
        seed: opts.seed,
        prefix: format!("ah-{run_id}-"),
        live: opts.live.clone(),
        rules: Arc::default(),
        coverage: Arc::default(),
        lifecycle: Arc::default(),
        created: Arc::default(),
        explore: opts.explore.clone(),
    });
    let cfg = Arc::new(opts.contract.clone());
    let catalogue = checks::catalogue();
    let selected: Vec<(usize, &CheckDef)> = catalogue
        .iter()
        .enumerate()
        .filter(|(_, c)| opts.selected.contains(&c.id))
        .collect();

    if let Some(live) = &opts.live {
        live.set_total(selected.len() as u32);
    }
    let on_result = |r: &CheckResult| {
        if let Some(live) = &opts.live {
            live.finished(r.status == Status::Failed);
        }
        on_result(r);
    };
    let mut results: Vec<(usize, CheckResult, Vec<Exchange>)> = Vec::new();
    let endpoint_checks = selected.iter().filter(|(_, c)| c.needs == Needs::Endpoint);
    let mut stream = futures::stream::iter(endpoint_checks.map(|(i, def)| {
        let (target, cfg, settings) = (&target, &cfg, &settings);
        async move {
            let seed = opts.seed.wrapping_add(*i as u64);
            let (r, ex) = run_one(def, target, cfg, settings, seed, keep).await;
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
            let seed = opts.seed.wrapping_add(*i as u64);
            run_one(def, &target, &cfg, &settings, seed, keep).await
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
    budget.abort();
    let cleaned = match &opts.subject {
        Subject::Url { .. } if !opts.keep && settings.lifecycle.get() == Some(&true) => {
            Some(clean_up(&target, &settings).await)
        }
        _ => None,
    };
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
        errors: count(Status::Error),
        skipped: count(Status::Skipped),
        requests: checks.iter().map(|c| c.requests).sum(),
        retries: checks.iter().map(|c| c.retries).sum(),
        unconnected_retries: checks.iter().map(|c| c.unconnected_retries).sum(),
    };
    let report = Report {
        tool: "appflow-harness".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        target: match &opts.subject {
            Subject::Url { .. } => base,
            Subject::Embedded { .. } => format!("{base} (embedded stub)"),
        },
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        seed: opts.seed,
        stopped: health.stopped().map(|r| r.to_string()),
        summary,
        checks,
        cleaned_up: cleaned,
        coverage: {
            let set = settings.rule_set();
            coverage::compute(&set.rules, &set.missing, &settings.coverage.lock())
        },
    };
    Ok(Recorded {
        report,
        exchanges,
        target,
        table: opts.contract.errors.clone(),
    })
}
