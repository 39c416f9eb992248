//! Load generation with goose 0.19: scenario files, contract-judged transactions, thresholds that gate
//! CI, and an exact merge of workers' results for runs spread over many machines.

pub mod result;
pub mod scenario;
pub mod transactions;

use crate::stub::{self, Engine, Fault, Stub, StubConfig};
use crate::{Error, Outcome};
use goose::config::{GooseConfiguration, GooseDefault, GooseDefaultType};
use goose::prelude::{GooseAttack, Scenario as GooseScenario};
use reqwest::header::{HeaderName, HeaderValue};
use result::{LoadResult, Rule, Verdict};
use scenario::Scenario;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use transactions::LoadState;

/// `load …` (raw flags).
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct LoadArgs {
    /// `load merge FILES…`: merge workers' result files.
    #[command(subcommand)]
    pub merge: Option<MergeCommand>,
    /// A scenario: a built-in name (smoke, steady, retry-storm, mixed, quota-pressure) or a file path.
    #[arg(default_value = "smoke")]
    pub scenario: String,
    /// Base URL to load; without it the embedded fast stub is started and loaded.
    #[arg(long, value_name = "URL")]
    pub host: Option<String>,
    /// Extra header on every request (repeatable); values never appear in any output.
    #[arg(short = 'H', long = "header", value_name = "'Name: value'")]
    pub headers: Vec<String>,
    /// Header naming the caller's account.
    #[arg(long, default_value = "X-Account-Id", value_name = "NAME")]
    pub account_header: String,
    /// Users (overrides the scenario).
    #[arg(long)]
    pub users: Option<usize>,
    /// How long to hold the load (overrides the scenario), e.g. 30s, 5m.
    #[arg(long, value_parser = crate::cli::parse_duration)]
    pub run_time: Option<Duration>,
    /// A threshold rule, e.g. 'p95<50ms', 'error-rate<1%', 'rps>=1000' (repeatable; replaces the scenario's).
    #[arg(long = "threshold", value_name = "RULE")]
    pub thresholds: Vec<String>,
    /// goose report by extension: .html, .json or .md (repeatable).
    #[arg(long = "report", value_name = "PATH")]
    pub reports: Vec<PathBuf>,
    /// Write this worker's result (latency histograms, counts) for `load merge`.
    #[arg(long, value_name = "PATH")]
    pub result: Option<PathBuf>,
    /// This worker's index (0-based) when the load is spread over --workers processes.
    #[arg(long, default_value_t = 0, env = "JOB_COMPLETION_INDEX")]
    pub worker_index: u32,
    /// How many workers share the scenario's users.
    #[arg(long, default_value_t = 1)]
    pub workers: u32,
    /// Seed of accounts and tokens; give every worker of one run the same seed [default: random].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Per-request timeout.
    #[arg(long, default_value = "10s", value_parser = crate::cli::parse_duration)]
    pub timeout: Duration,
    /// Start the embedded stub with this fault (only without --host; repeatable).
    #[arg(long = "stub-fault", value_enum, value_name = "FAULT")]
    pub stub_faults: Vec<Fault>,
}

/// `load merge`.
#[derive(Debug, clap::Subcommand)]
pub enum MergeCommand {
    /// Merge workers' result files exactly and judge thresholds on the whole run.
    Merge {
        /// Result files written with --result.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A threshold rule judged on the merged result (repeatable).
        #[arg(long = "threshold", value_name = "RULE")]
        thresholds: Vec<String>,
        /// Write the merged result (JSON) here.
        #[arg(long = "report", value_name = "PATH")]
        reports: Vec<PathBuf>,
    },
}

/// Validated options of a load run.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The scenario.
    pub scenario: Scenario,
    /// The target, or the embedded stub.
    pub host: Option<String>,
    /// Extra headers.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The account header.
    pub account_header: HeaderName,
    /// Rules judged (the scenario's, or --threshold's).
    pub thresholds: Vec<String>,
    /// goose reports.
    pub reports: Vec<PathBuf>,
    /// The result file.
    pub result: Option<PathBuf>,
    /// Worker index.
    pub worker_index: u32,
    /// Worker count.
    pub workers: u32,
    /// Seed.
    pub seed: u64,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Embedded stub faults.
    pub stub_faults: Vec<Fault>,
}

fn usage(msg: impl Into<String>) -> Error {
    Error::Usage(msg.into())
}

impl LoadArgs {
    /// Validates the flags (and loads the scenario file).
    pub fn validate(self) -> Result<LoadOptions, Error> {
        let mut scenario = Scenario::resolve(&self.scenario)?;
        if let Some(u) = self.users {
            if u == 0 {
                return Err(usage("--users must be at least 1"));
            }
            scenario.users = Some(u);
            scenario.test_plan = None;
        }
        if let Some(t) = self.run_time {
            scenario.run_time = Some(format!("{}s", t.as_secs().max(1)));
            scenario.test_plan = None;
        }
        if scenario.test_plan.is_none() && scenario.users.is_none() {
            return Err(usage(
                "--run-time replaces the scenario's test_plan: give --users too",
            ));
        }
        let thresholds = if self.thresholds.is_empty() {
            scenario.thresholds.clone()
        } else {
            self.thresholds
        };
        for t in &thresholds {
            t.parse::<Rule>().map_err(usage)?;
        }
        if self.workers == 0 || self.worker_index >= self.workers {
            return Err(usage(format!(
                "--worker-index {} is not below --workers {}",
                self.worker_index, self.workers
            )));
        }
        if self.host.is_some() && !self.stub_faults.is_empty() {
            return Err(usage(
                "--stub-fault applies to the embedded stub only; drop --host",
            ));
        }
        for r in &self.reports {
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
        let headers = self
            .headers
            .iter()
            .map(|h| crate::cli::parse_header(h))
            .collect::<Result<Vec<_>, Error>>()?;
        let host = self
            .host
            .as_deref()
            .map(|h| crate::cli::parse_base_url(h, "--host"))
            .transpose()?;
        Ok(LoadOptions {
            scenario,
            host,
            headers,
            account_header: HeaderName::from_bytes(self.account_header.as_bytes()).map_err(
                |_| {
                    usage(format!(
                        "--account-header `{}` is not a header name",
                        self.account_header
                    ))
                },
            )?,
            thresholds,
            reports: self.reports,
            result: self.result,
            worker_index: self.worker_index,
            workers: self.workers,
            seed: self.seed.unwrap_or_else(rand::random),
            timeout: self.timeout,
            stub_faults: self.stub_faults,
        })
    }
}

/// This worker's share of `users`.
pub fn share(users: usize, index: u32, workers: u32) -> usize {
    let (w, i) = (workers as usize, index as usize);
    users / w + usize::from(i < users % w)
}

/// What a load run found.
#[derive(Debug, Clone)]
pub struct LoadOutcome {
    /// Counts and histograms.
    pub result: LoadResult,
    /// Each threshold judged on the result.
    pub verdicts: Vec<Verdict>,
    /// goose's own threshold verdict (it may also stop the run early).
    pub goose_thresholds_failed: bool,
    /// Whether the run passes: thresholds met, and no violation when the scenario forbids them.
    pub passed: bool,
}

/// goose keeps one killswitch for the whole process: a run that stops early on a
/// threshold would also stop any other run in flight. Runs in one process
/// therefore take turns.
static ONE_ATTACK_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs a scenario.
///
/// Runs started concurrently in one process are serialized, because goose's
/// early stop is process-wide.
pub async fn run(opts: &LoadOptions) -> Result<LoadOutcome, Error> {
    let _turn = ONE_ATTACK_AT_A_TIME.lock().await;
    let scenario = &opts.scenario;
    let client = load_client(opts.timeout)?;
    let mut _embedded = None;
    let host = match &opts.host {
        Some(h) => {
            preflight(&client, h).await?;
            h.clone()
        }
        None => {
            let config = StubConfig {
                quota: scenario.quota,
                faults: opts.stub_faults.iter().copied().collect(),
                ..StubConfig::default()
            };
            let server = stub::start(
                "127.0.0.1:0".parse().expect("literal"),
                Engine::Fast,
                Arc::new(Stub::new(config)),
            )
            .await?;
            let url = server.base_url();
            _embedded = Some(server);
            url
        }
    };
    let mut state = LoadState::new(
        client,
        scenario.clone(),
        opts.account_header.clone(),
        opts.headers.clone(),
        opts.seed,
        opts.worker_index,
        opts.workers,
    );
    state.start();
    let state = Arc::new(state);

    let goose_err = |e: goose::GooseError| Error::Load(e.to_string());
    let mut config = GooseConfiguration::default();
    config.host = Some(host);
    config.no_telnet = true;
    config.no_reset_metrics = true;
    config.quiet = 1;
    config.report_file = opts
        .reports
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    // Workers judge nothing alone: the merge judges the whole run.
    config.threshold = if opts.workers > 1 {
        Vec::new()
    } else {
        opts.thresholds.clone()
    };
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
    // Users send with `load_client`'s client; this only keeps goose from building a client per user
    // before they replace it.
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
    let goose_thresholds_failed = match attack.execute().await {
        Ok(_) => false,
        Err(goose::GooseError::ThresholdsFailed { .. }) => true,
        Err(e) => return Err(goose_err(e)),
    };
    let result = state.result();
    if let Some(path) = &opts.result {
        write_json(path, &result)?;
    }
    let verdicts: Vec<Verdict> = if opts.workers > 1 {
        Vec::new()
    } else {
        opts.thresholds
            .iter()
            .filter_map(|t| t.parse::<Rule>().ok())
            .map(|r| r.judge(&result))
            .collect()
    };
    let violations_ok = !scenario.fail_on_violation || result.failures == 0;
    let passed = !goose_thresholds_failed
        && verdicts.iter().all(|v| v.passed)
        && violations_ok
        && result.requests > 0;
    Ok(LoadOutcome {
        result,
        verdicts,
        goose_thresholds_failed,
        passed,
    })
}

fn write_json<T: serde::Serialize>(path: &std::path::Path, value: &T) -> Result<(), Error> {
    std::fs::write(
        path,
        serde_json::to_string_pretty(value).unwrap_or_default() + "\n",
    )
    .map_err(|source| Error::Io {
        what: "cannot write",
        path: path.display().to_string(),
        source,
    })
}

/// The client every user shares: one connection pool, no cookies, and nothing that would hide what
/// the service answered or add work per request. No retries (a load generator counts every attempt),
/// no redirects (the contract has none; a 3xx is an unexpected status), no compression (the
/// envelopes are small; the load is on the service, not on gzip).
fn load_client(timeout: Duration) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .user_agent(concat!("appflow-harness/", env!("CARGO_PKG_VERSION")))
        .timeout(timeout)
        .retry(reqwest::retry::never())
        .redirect(reqwest::redirect::Policy::none())
        .gzip(false)
        .build()
        .map_err(|e| Error::Load(e.to_string()))
}

async fn preflight(client: &reqwest::Client, host: &str) -> Result<(), Error> {
    match client.get(format!("{host}/")).send().await {
        Err(e) if e.is_connect() || e.is_builder() => {
            Err(Error::Unreachable(host.to_owned(), Box::new(e)))
        }
        _ => Ok(()),
    }
}

/// The summary printed after a run or a merge.
pub fn summary(result: &LoadResult, verdicts: &[Verdict]) -> String {
    let ms = |v: Option<u64>| v.map_or("-".to_owned(), |v| format!("{:.2}", v as f64 / 1000.0));
    let mut out = format!(
        "\nscenario {} · workers {:?} of {} · {:.1} s · {} requests · {:.0} req/s · {} contract violations\n",
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
        result.failures
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

/// `appflow-harness load`.
pub async fn run_cli(args: LoadArgs) -> Result<Outcome, Error> {
    if let Some(MergeCommand::Merge {
        files,
        thresholds,
        reports,
    }) = args.merge
    {
        let rules = thresholds
            .iter()
            .map(|t| t.parse::<Rule>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(usage)?;
        let mut merged = LoadResult::default();
        for f in &files {
            let text = std::fs::read_to_string(f).map_err(|source| Error::Io {
                what: "cannot read the result",
                path: f.display().to_string(),
                source,
            })?;
            let part: LoadResult = serde_json::from_str(&text).map_err(|source| Error::Json {
                what: format!("{} is not a result file", f.display()),
                source,
            })?;
            merged.merge(&part);
        }
        let verdicts: Vec<Verdict> = rules.iter().map(|r| r.judge(&merged)).collect();
        for r in &reports {
            write_json(r, &merged)?;
        }
        print!("{}", summary(&merged, &verdicts));
        let passed = verdicts.iter().all(|v| v.passed)
            && merged
                .failures_by_rule
                .get("replay-id")
                .is_none_or(|n| *n == 0);
        return Ok(if passed { Outcome::Pass } else { Outcome::Fail });
    }
    let opts = args.validate()?;
    let outcome = run(&opts).await?;
    print!("{}", summary(&outcome.result, &outcome.verdicts));
    if outcome.goose_thresholds_failed {
        println!("goose stopped or failed the run on a threshold");
    }
    Ok(if outcome.passed {
        Outcome::Pass
    } else {
        Outcome::Fail
    })
}
