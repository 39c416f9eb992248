//! `load` and `load merge`: their flags, the scenario file, the result files, and the summary.

use super::{Outcome, dialect, duration, fault, headers, read, write};
use appflow_harness::contract::Dialect;
use appflow_harness::load::result::{LoadResult, Rule};
use appflow_harness::load::scenario::Scenario;
use appflow_harness::load::{self, LoadOptions};
use appflow_harness::stub::Fault;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `load …` (raw flags).
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct LoadArgs {
    /// `load merge FILES…`: merge workers' result files.
    #[command(subcommand)]
    pub merge: Option<MergeCommand>,
    /// A scenario: a built-in name (smoke, steady, retry-storm, mixed, churn, quota-pressure) or a
    /// file path.
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
    #[arg(long, value_parser = duration)]
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
    #[arg(long, default_value = "10s", value_parser = duration)]
    pub timeout: Duration,
    /// Start the embedded stub with this fault (only without --host; repeatable).
    #[arg(long = "stub-fault", value_parser = fault(), value_name = "FAULT")]
    pub stub_faults: Vec<Fault>,
    /// How the target frames its answers: the envelope, or AppFlow's own REST-JSON (aws).
    #[arg(long, value_parser = dialect(), default_value = "envelope")]
    pub dialect: Dialect,
    /// No live progress line (on a terminal) nor a progress line every 10 s (off one).
    #[arg(short, long)]
    pub quiet: bool,
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

/// A built-in scenario's name, or a scenario file's path.
fn scenario(name_or_path: &str) -> anyhow::Result<Scenario> {
    let path = Path::new(name_or_path);
    if path.exists() {
        let text = read(path, "the scenario")?;
        return Ok(Scenario::parse(&text, name_or_path)?);
    }
    Ok(Scenario::built_in(name_or_path)?)
}

impl LoadArgs {
    /// Validates the flags (and loads the scenario file) into the load options.
    fn options(&self) -> anyhow::Result<LoadOptions> {
        let mut opts = LoadOptions::new(scenario(&self.scenario)?)
            .with_headers(headers(&self.headers)?)
            .with_account_header(&self.account_header)?
            .with_worker(self.worker_index, self.workers)?
            .with_timeout(self.timeout)?
            .with_goose_reports(self.reports.clone())?
            .with_stub_faults(self.stub_faults.clone())?
            .with_dialect(self.dialect);
        if let Some(u) = self.users {
            opts = opts.with_users(u)?;
        }
        if let Some(t) = self.run_time {
            opts = opts.with_run_time(t)?;
        }
        if !self.thresholds.is_empty() {
            opts = opts.with_thresholds(self.thresholds.clone())?;
        }
        if let Some(host) = &self.host {
            opts = opts.with_host(host)?;
        }
        if let Some(seed) = self.seed {
            opts = opts.with_seed(seed);
        }
        Ok(opts)
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

/// `appflow-harness load`.
pub async fn run(args: LoadArgs) -> anyhow::Result<Outcome> {
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
            .map_err(anyhow::Error::msg)?;
        let mut parts = Vec::with_capacity(files.len());
        for f in &files {
            let text = read(f, "the result")?;
            let part: LoadResult = serde_json::from_str(&text)
                .map_err(|e| anyhow::anyhow!("{} is not a result file: {e}", f.display()))?;
            parts.push(part);
        }
        let merged = load::merge(&parts, &rules);
        for r in &reports {
            write(r, &json(&merged.result), "the merged result")?;
        }
        print!("{}", load::summary(&merged.result, &merged.verdicts));
        return Ok(outcome(&merged));
    }
    let opts = args.options()?;
    let planned = opts
        .scenario
        .run_time
        .as_deref()
        .and_then(|t| appflow_harness::units::parse_duration(t).ok());
    let live = std::sync::Arc::new(appflow_harness::live::Live::new(planned));
    let opts = opts.with_live(live.clone());
    let display = super::progress::Progress::start(live, super::progress::load_line, args.quiet);
    // SIGTERM (a pod being stopped, `podman stop`) ends the run cleanly: its result is still written.
    #[cfg(unix)]
    let terminate = tokio::spawn(async {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            term.recv().await;
            load::stop("SIGTERM");
        }
    });
    let ran = load::run(&opts).await;
    #[cfg(unix)]
    terminate.abort();
    display.finish();
    let ran = ran?;
    if let Some(path) = &args.result {
        write(path, &json(&ran.result), "the result")?;
    }
    print!("{}", load::summary(&ran.result, &ran.verdicts));
    Ok(outcome(&ran))
}

/// The exit a run's (or a merge's) verdict gives.
fn outcome(o: &load::LoadOutcome) -> Outcome {
    match o.verdict {
        load::RunVerdict::Passed => Outcome::Pass,
        load::RunVerdict::Failed => Outcome::Fail,
        load::RunVerdict::Unverified => {
            if o.result.stopped.is_empty() {
                eprintln!("error: no request got an answer: nothing was verified");
            } else {
                eprintln!("error: the run stopped early: the target stopped answering");
            }
            Outcome::Unverified
        }
    }
}
