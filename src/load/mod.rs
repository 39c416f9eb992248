//! Load generation with goose 0.19: scenario files, contract-judged transactions, thresholds that gate
//! CI, and an exact merge of workers' results for runs spread over many machines.

pub mod result;
pub mod scenario;
pub mod transactions;

use crate::Error;
use crate::stub::{self, Engine, Fault, StubConfig};
use goose::config::{GooseConfiguration, GooseDefault, GooseDefaultType};
use goose::prelude::{GooseAttack, Scenario as GooseScenario};
use reqwest::header::{HeaderName, HeaderValue};
use result::{LoadResult, Rule, Verdict};
use scenario::Scenario;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use transactions::LoadState;

/// Validated options of a load run.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The scenario.
    pub scenario: Scenario,
    /// The target, or `None` for the embedded fast stub.
    pub host: Option<String>,
    /// Extra headers.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The account header.
    pub account_header: HeaderName,
    /// Rules judged (the scenario's unless replaced).
    pub thresholds: Vec<String>,
    /// goose's own reports, by extension (.html, .json, .md); goose writes them.
    pub goose_reports: Vec<PathBuf>,
    /// Worker index.
    pub worker_index: u32,
    /// Worker count.
    pub workers: u32,
    /// Seed of accounts and tokens (give every worker of one run the same).
    pub seed: u64,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Embedded stub faults.
    pub stub_faults: Vec<Fault>,
    /// How the target frames its answers.
    pub dialect: crate::contract::Dialect,
    /// Live counters for a progress display (none by default).
    pub live: Option<Arc<crate::live::Live>>,
}

fn usage(msg: impl Into<String>) -> Error {
    Error::Usage(msg.into())
}

impl LoadOptions {
    /// `scenario` against the embedded stub, one worker, a random seed, the scenario's thresholds.
    pub fn new(scenario: Scenario) -> LoadOptions {
        LoadOptions {
            thresholds: scenario.thresholds.clone(),
            scenario,
            host: None,
            headers: Vec::new(),
            account_header: HeaderName::from_static(crate::contract::ACCOUNT_HEADER),
            goose_reports: Vec::new(),
            worker_index: 0,
            workers: 1,
            seed: rand::random(),
            timeout: Duration::from_secs(10),
            stub_faults: Vec::new(),
            dialect: crate::contract::Dialect::Envelope,
            live: None,
        }
    }

    /// Keeps `live` up to date as the run goes (for a progress display).
    pub fn with_live(mut self, live: Arc<crate::live::Live>) -> LoadOptions {
        self.live = Some(live);
        self
    }

    /// How the target frames its answers (the embedded stub then frames them so too).
    pub fn with_dialect(mut self, dialect: crate::contract::Dialect) -> LoadOptions {
        self.dialect = dialect;
        self
    }

    /// Loads the service at `url` instead of the embedded stub.
    pub fn with_host(mut self, url: &str) -> Result<LoadOptions, Error> {
        if !self.stub_faults.is_empty() {
            return Err(usage(
                "--stub-fault applies to the embedded stub only; drop --host",
            ));
        }
        self.host = Some(crate::http::base_url(url, "--host")?);
        Ok(self)
    }

    /// Starts the embedded stub with these faults; an error with a host.
    pub fn with_stub_faults(mut self, faults: Vec<Fault>) -> Result<LoadOptions, Error> {
        if self.host.is_some() && !faults.is_empty() {
            return Err(usage(
                "--stub-fault applies to the embedded stub only; drop --host",
            ));
        }
        self.stub_faults = faults;
        Ok(self)
    }

    /// Overrides the scenario's users (at least 1; replaces its test plan).
    pub fn with_users(mut self, users: usize) -> Result<LoadOptions, Error> {
        if users == 0 {
            return Err(usage("--users must be at least 1"));
        }
        self.scenario.users = Some(users);
        self.scenario.test_plan = None;
        Ok(self)
    }

    /// Overrides how long the load is held (replaces the test plan, so the users must be known by
    /// the time the run starts).
    pub fn with_run_time(mut self, t: Duration) -> Result<LoadOptions, Error> {
        self.scenario.run_time = Some(format!("{}s", t.as_secs().max(1)));
        self.scenario.test_plan = None;
        Ok(self)
    }

    /// Replaces the scenario's thresholds (each must parse as goose would).
    pub fn with_thresholds(mut self, rules: Vec<String>) -> Result<LoadOptions, Error> {
        for t in &rules {
            t.parse::<Rule>().map_err(usage)?;
        }
        self.thresholds = rules;
        Ok(self)
    }

    /// goose's own reports, by extension: .html, .json or .md.
    pub fn with_goose_reports(mut self, reports: Vec<PathBuf>) -> Result<LoadOptions, Error> {
        for r in &reports {
            let ok = r
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "html" | "htm" | "json" | "md"));
            if !ok {
                return Err(usage(format!(
                    "--report {}: the extension picks the format: .html, .json or .md",
                    r.display()
                )));
            }
        }
        self.goose_reports = reports;
        Ok(self)
    }

    /// This process is worker `index` of `workers` sharing the scenario's users.
    pub fn with_worker(mut self, index: u32, workers: u32) -> Result<LoadOptions, Error> {
        if workers == 0 || index >= workers {
            return Err(usage(format!(
                "--worker-index {index} is not below --workers {workers}"
            )));
        }
        self.worker_index = index;
        self.workers = workers;
        Ok(self)
    }

    /// Extra headers on every request.
    pub fn with_headers(mut self, headers: Vec<(HeaderName, HeaderValue)>) -> LoadOptions {
        self.headers = headers;
        self
    }

    /// The header that names the caller's account.
    pub fn with_account_header(mut self, name: &str) -> Result<LoadOptions, Error> {
        self.account_header = crate::http::header_name(name)?;
        Ok(self)
    }

    /// The seed of accounts and tokens.
    pub fn with_seed(mut self, seed: u64) -> LoadOptions {
        self.seed = seed;
        self
    }

    /// The per-request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Result<LoadOptions, Error> {
        if timeout.is_zero() {
            return Err(usage("--timeout must be more than 0"));
        }
        self.timeout = timeout;
        Ok(self)
    }
}

/// This worker's share of `users`.
pub fn share(users: usize, index: u32, workers: u32) -> usize {
    let (w, i) = (workers as usize, index as usize);
    users / w + usize::from(i < users % w)
}

/// How a run, or a merge of workers' runs, ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunVerdict {
    /// Every threshold met, and no contract violation where the scenario forbids them (exit 0).
    Passed,
    /// A threshold missed, or a contract violation where the scenario forbids them (exit 1).
    Failed,
    /// No request got an answer: nothing was proven either way (exit 2).
    Unverified,
}

/// What a load run (or a merge) found.
#[derive(Debug, Clone)]
pub struct LoadOutcome {
    /// Counts and histograms.
    pub result: LoadResult,
    /// Each threshold judged on the result.
    pub verdicts: Vec<Verdict>,
    /// The verdict on the whole.
    pub verdict: RunVerdict,
}

impl LoadOutcome {
    /// Whether the run passed.
    pub fn passed(&self) -> bool {
        self.verdict == RunVerdict::Passed
    }
}

/// The one judge of a run and of a merge, so that both give the same verdict on the same requests:
/// `rules` judged on `result` (rps is requests over `result.duration_secs`, see [`LoadResult`]), and
/// its contract violations under the scenario's `fail_on_violation`. A run that stopped early
/// (the target stopped answering) is unverified, unless an answer broke the contract: its
/// thresholds are not judged, since it did not run its course.
pub fn judge(result: LoadResult, rules: &[Rule]) -> LoadOutcome {
    let answered = result.requests - result.transport_errors.min(result.requests);
    let violated = result.fail_on_violation && result.failures > 0;
    let stopped = !result.stopped.is_empty();
    let verdicts: Vec<Verdict> = if stopped {
        Vec::new()
    } else {
        rules.iter().map(|r| r.judge(&result)).collect()
    };
    let verdict = if answered == 0 {
        RunVerdict::Unverified
    } else if violated || verdicts.iter().any(|v| !v.passed) {
        RunVerdict::Failed
    } else if stopped {
        RunVerdict::Unverified
    } else {
        RunVerdict::Passed
    };
    LoadOutcome {
        result,
        verdicts,
        verdict,
    }
}

/// goose keeps one killswitch and one set of process-wide counters: runs in one process take turns.
static ONE_ATTACK_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs a scenario.
///
/// Runs started concurrently in one process are serialized, because goose's
/// early stop is process-wide.
pub async fn run(opts: &LoadOptions) -> Result<LoadOutcome, Error> {
    let scenario = &opts.scenario;
    if scenario.test_plan.is_none() && scenario.users.is_none() {
        return Err(usage(
            "--run-time replaces the scenario's test_plan: give --users too",
        ));
    }
    let _turn = ONE_ATTACK_AT_A_TIME.lock().await;
    let client = crate::http::client(opts.timeout)?;
    let mut _embedded = None;
    let host = match &opts.host {
        Some(h) => {
            crate::http::preflight(&client, h, opts.timeout).await?;
            h.clone()
        }
        None => {
            let config = StubConfig {
                quota: scenario.quota,
                dialect: opts.dialect,
                faults: opts.stub_faults.iter().copied().collect(),
                ..StubConfig::default()
            };
            let server = stub::start_local(Engine::Fast, config).await?;
            let url = server.base_url();
            _embedded = Some(server);
            url
        }
    };
    let health = Arc::new(crate::http::health(&client, &host, opts.timeout));
    let mut state = LoadState::new(client, opts, health.clone());
    state.start();
    let state = Arc::new(state);
    // The stop rule ends the attack early, through goose's own killswitch.
    let stopper = {
        let health = health.clone();
        tokio::spawn(async move {
            let reason = health.wait_stopped().await;
            goose::trigger_killswitch(&reason);
        })
    };
    let ticker = opts.live.clone().map(|live| {
        let state = state.clone();
        tokio::spawn(async move {
            loop {
                state.update(&live);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
    });

    let goose_err = |e: goose::GooseError| Error::Load(e.to_string());
    let mut config = GooseConfiguration::default();
    config.host = Some(host);
    config.no_telnet = true;
    config.no_reset_metrics = true;
    // The harness keeps its own counts and latencies (`LoadState`); goose's metrics are only needed
    // for goose's own report files, and then goose carries the requests. Without them goose sends
    // nothing per request to its parent.
    config.no_metrics = state.sends_directly();
    config.quiet = 1;
    config.report_file = opts
        .goose_reports
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    // goose judges no threshold: the harness's one judge does (`judge`), on the same numbers for
    // a single run and for a merge.
    config.timeout = Some(opts.timeout.as_secs_f64().to_string());
    if scenario.test_plan.is_none() {
        let users = share(scenario.users.unwrap_or(1), opts.worker_index, opts.workers).max(1);
        config.users = Some(users);
        let rate = scenario.increase_rate.unwrap_or(users as f64) / f64::from(opts.workers);
        config.increase_rate = Some(format!("{}", rate.max(0.001)));
        config.run_time = scenario.run_time.clone();
    }
    let mut goose_scenario = GooseScenario::new(&scenario.name);
    for t in &scenario.transactions {
        goose_scenario = goose_scenario.register_transaction(
            transactions::transaction(state.clone(), t.kind)
                .set_weight(t.weight)
                .map_err(goose_err)?,
        );
    }
    // Users send with the harness's one client (`http::client`); this only keeps goose from building
    // a client per user before they replace it.
    let attack = GooseAttack::initialize_with_config(config)
        .map_err(goose_err)?
        .set_client_builder_without_cookies(
            goose::client::GooseClientBuilder::new().without_cookies(),
        )
        .map_err(goose_err)?
        .register_scenario(goose_scenario);
    let attack = match &scenario.test_plan {
        Some(plan) => *attack
            .set_default(GooseDefault::TestPlan, plan.as_str())
            .map_err(goose_err)?,
        None => attack,
    };
    let executed = attack.execute().await;
    stopper.abort();
    if let Some(t) = ticker {
        t.abort();
    }
    if health.stopped().is_some() {
        // The next run in this process starts without the killswitch.
        goose::reset_killswitch();
    }
    executed.map_err(goose_err)?;
    if let Some(live) = &opts.live {
        state.update(live);
    }
    // A worker of several judges no threshold alone (its share says little): the merge does.
    let rules: Vec<Rule> = if opts.workers > 1 {
        Vec::new()
    } else {
        opts.thresholds
            .iter()
            .filter_map(|t| t.parse::<Rule>().ok())
            .collect()
    };
    Ok(judge(state.result(), &rules))
}

/// Ends the running attack as soon as goose can (what `SIGTERM` does to a `load` run): the users
/// stop, and the run's result is judged and returned as for a run that ran its course.
pub fn stop(reason: &str) {
    goose::trigger_killswitch(reason);
}

/// The summary printed after a run or a merge.
pub fn summary(result: &LoadResult, verdicts: &[Verdict]) -> String {
    let ms = |v: Option<u64>| v.map_or("-".to_owned(), |v| format!("{:.2}", v as f64 / 1000.0));
    let mut out = format!(
        "\nscenario {} · workers {:?} of {} · {:.1} s · {} requests · {:.0} req/s · {} contract violations · {} without an answer\n",
        result.scenario,
        result.workers,
        result.worker_count,
        result.duration_secs,
        result.requests,
        if result.duration_secs > 0.0 {
            result.requests as f64 / result.duration_secs
        } else {
            0.0
        },
        result.failures,
        result.transport_errors
    );
    out.push_str(&format!(
        "{:<12} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
        "transaction", "requests", "failures", "p50 ms", "p95 ms", "p99 ms"
    ));
    for (name, t) in &result.transactions {
        out.push_str(&format!(
            "{:<12} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
            name,
            t.requests,
            t.failures,
            ms(t.latency.percentile(50.0)),
            ms(t.latency.percentile(95.0)),
            ms(t.latency.percentile(99.0))
        ));
    }
    for (rule, n) in &result.failures_by_rule {
        out.push_str(&format!("violation {rule}: {n}\n"));
    }
    for (kind, n) in &result.transport_errors_by_kind {
        out.push_str(&format!("no answer ({kind}): {n}\n"));
    }
    for reason in &result.stopped {
        out.push_str(&format!(
            "stopped early: {reason} (thresholds not judged)\n"
        ));
    }
    for v in verdicts {
        out.push_str(&format!(
            "threshold {} {} (observed {})\n",
            if v.passed { "PASS" } else { "FAIL" },
            v.rule,
            v.observed
        ));
    }
    out
}

/// Merges workers' results exactly (histograms bucket by bucket) and judges the whole as one run.
pub fn merge(parts: &[LoadResult], rules: &[Rule]) -> LoadOutcome {
    let mut merged = LoadResult::default();
    for part in parts {
        merged.merge(part);
    }
    judge(merged, rules)
}
