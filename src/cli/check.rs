//! `check` and `diff`: their flags, their options, and the files and lines they write.

use super::{Outcome, dialect, duration, engine, fault, headers, read, write};
use anyhow::{Context, bail};
use appflow_harness::check::report::{self, text};
use appflow_harness::check::{
    self, CheckOptions, CheckResult, ContractConfig, Format, Verdict, diff, snapshots,
};
use appflow_harness::contract::Dialect;
use appflow_harness::stub::{Engine, Fault};
use std::path::{Path, PathBuf};
use std::time::Duration;

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
    #[arg(long, default_value = "10s", value_parser = duration)]
    pub timeout: Duration,
    /// How the target frames its answers: the envelope, or AppFlow's own REST-JSON (aws).
    #[arg(long, value_parser = dialect(), default_value = "envelope")]
    pub dialect: Dialect,
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
    #[arg(long, default_value_t = check::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// The whole run's time budget: past it nothing more is sent, and every unfinished check ends in
    /// error (exit 2 unless a check failed).
    #[arg(long, default_value = "10m", value_parser = duration)]
    pub max_time: Duration,
    /// Run each race check K times and report how many runs failed.
    #[arg(long, default_value_t = 1)]
    pub repeat: u32,
    /// Seed of the generated requests (the same seed sends the same cases).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Base URL of the stub's admin routes on the target (enables the TTL and listing-based checks).
    #[arg(long, value_name = "URL", requires = "base_url")]
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
    #[arg(long, value_parser = engine(), default_value = "fast")]
    pub engine: Engine,
    /// Start the embedded stub with this fault (only without --base-url; repeatable): shows what a
    /// broken service looks like.
    #[arg(long = "stub-fault", value_parser = fault(), value_name = "FAULT")]
    pub stub_faults: Vec<Fault>,
    /// Print only the summary, not a line per check.
    #[arg(short, long)]
    pub quiet: bool,
    /// List the checks (ID and description) and exit.
    #[arg(long)]
    pub list: bool,
    /// Print the coverage table: every rule of the contract, the answered cases that tested it each
    /// way, covered or not and why.
    #[arg(long)]
    pub coverage: bool,
    /// Leave the profiles the run created (by default a target with the lifecycle operations gets
    /// them deleted at the end of the run).
    #[arg(long)]
    pub keep: bool,
    /// Requests of model-based exploration (model.sequences gets three quarters, model.histories
    /// the rest); 0 skips it.
    #[arg(long, value_name = "N", default_value_t = check::explore::DEFAULT_BUDGET)]
    pub explore: usize,
    /// Clients per account in the explorer's concurrent rounds.
    #[arg(long, value_name = "N", default_value_t = check::explore::DEFAULT_CONCURRENCY)]
    pub explore_concurrency: usize,
    /// Run a replay file (a reproducer the explorer wrote) again, and nothing else: exit 1 while it
    /// still fails, 0 once it passes.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["only", "skip"])]
    pub replay: Option<PathBuf>,
    /// Where the explorer writes the replay file of each reproducer it finds.
    #[arg(long, value_name = "DIR", default_value = "appflow-replays")]
    pub replays: PathBuf,
}

/// `diff …` (raw flags).
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The two implementations: --base-url A --base-url B.
    #[arg(long = "base-url", value_name = "URL", required = true, num_args = 1)]
    pub base_urls: Vec<String>,
    /// Seed of the generated requests (both sides get the same).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Which checks' traffic both sides get, and how it is sent.
    #[command(flatten)]
    pub traffic: TrafficArgs,
}

/// The `--report FORMAT=PATH` flags, parsed.
fn reports(raw: &[String]) -> anyhow::Result<Vec<(Format, PathBuf)>> {
    raw.iter()
        .map(|r| {
            let (fmt, path) = r.split_once('=').with_context(|| {
                format!("--report `{r}`: use FORMAT=PATH, e.g. junit=results.xml")
            })?;
            let fmt = fmt.parse::<Format>().map_err(anyhow::Error::msg)?;
            Ok((fmt, PathBuf::from(path)))
        })
        .collect()
}

/// The options `traffic` and the rest ask for, against `base_url` or the embedded stub.
fn options(
    base_url: Option<&str>,
    traffic: &TrafficArgs,
    contract: Option<&Path>,
) -> anyhow::Result<CheckOptions> {
    let mut cfg = match contract {
        Some(p) => ContractConfig::from_toml_in(&read(p, "the contract file")?, traffic.dialect)?,
        None => ContractConfig::for_dialect(traffic.dialect),
    };
    if let Some(h) = &traffic.account_header {
        cfg.account_header = h.clone();
    }
    let opts = match base_url {
        Some(url) => CheckOptions::against(url)?,
        None => CheckOptions::embedded(),
    };
    Ok(opts
        .with_contract(cfg)?
        .with_headers(headers(&traffic.headers)?)
        .with_selection(&traffic.only, &traffic.skip)?
        .with_timeout(traffic.timeout)?)
}

impl CheckArgs {
    /// Validates the flags into the runner's options.
    fn options(&self) -> anyhow::Result<CheckOptions> {
        let mut opts = options(
            self.base_url.as_deref(),
            &self.traffic,
            self.contract.as_deref(),
        )?
        .with_concurrency(self.concurrency)?
        .with_max_time(self.max_time)?
        .with_repeat(self.repeat)?
        .with_seed(self.seed)
        .with_keep(self.keep)
        .with_explore(self.explore)
        .with_explore_concurrency(self.explore_concurrency)?
        .with_engine(self.engine)
        .with_stub_faults(self.stub_faults.clone())?;
        if let Some(admin) = &self.admin_url {
            opts = opts.with_admin_url(admin)?;
        }
        if let Some(path) = &self.replay {
            let file = check::explore::replay::ReplayFile::parse(&read(path, "the replay file")?)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            opts = opts.with_replay(file);
        }
        Ok(opts)
    }
}

/// `appflow-harness check`: runs, prints progress and summary, writes reports and snapshots.
pub async fn run(args: CheckArgs) -> anyhow::Result<Outcome> {
    if args.list {
        for c in check::checks::catalogue() {
            println!("{:<45} {}", c.id, c.description);
        }
        return Ok(Outcome::Pass);
    }
    let live = std::sync::Arc::new(appflow_harness::live::Live::default());
    let opts = args.options()?.with_live(live.clone());
    let reports = reports(&args.reports)?;
    let colour = text::use_colour();
    let lines = !args.quiet;
    let display = super::progress::Progress::start(live, super::progress::check_line, args.quiet);
    let on_result = |r: &CheckResult| {
        if lines {
            display.print(&text::check_line(r, colour));
        }
    };
    let recorded = check::run_recorded(&opts, &on_result, args.snapshots.is_some()).await;
    display.finish();
    let recorded = recorded?;
    let report = &recorded.report;
    if args.coverage {
        text::emit(&text::coverage_table(report, colour));
    }
    text::emit(&text::summary(report, colour));
    for (format, path) in &reports {
        write(path, &report::render(report, *format), "the report")?;
    }
    write_replays(&args.replays, report)?;
    if let Some(dir) = &args.snapshots {
        let changed = write_snapshots(dir, &snapshots::render(&recorded))?;
        if changed > 0 {
            println!(
                "{changed} snapshot(s) new or changed in {} (review with `cargo insta review`)",
                dir.display()
            );
        }
    }
    if report.summary.passed + report.summary.failed + report.summary.errors == 0 {
        bail!("nothing ran: every selected check was skipped");
    }
    Ok(match report.verdict() {
        Verdict::Kept => Outcome::Pass,
        Verdict::Broken => Outcome::Fail,
        Verdict::Unverified => {
            eprintln!(
                "error: the contract could not be verified: {} check(s) got no answer to requests they need (see ERROR above)",
                report.summary.errors
            );
            Outcome::Unverified
        }
    })
}

/// Writes each reproducer's replay file into `dir` (`model.sequences-seed1-1.json`) and says where.
fn write_replays(dir: &Path, report: &check::Report) -> anyhow::Result<()> {
    let all = report
        .checks
        .iter()
        .flat_map(|c| c.reproducers.iter().map(move |r| (c, r)));
    for (i, (c, r)) in all.enumerate() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the replay folder {}", dir.display()))?;
        let path = dir.join(format!("{}-seed{}-{}.json", c.id, report.seed, i + 1));
        write(&path, &r.replay.text(), "a replay file")?;
        println!(
            "reproducer of {} ({} requests) written to {}: run it again with `check --replay {}`",
            c.id,
            r.requests,
            path.display(),
            path.display()
        );
    }
    Ok(())
}

/// Writes each snapshot whose content changed (or is new) as `NAME.snap.new` beside `NAME.snap`, and
/// removes a stale `.snap.new` of an unchanged one; returns how many were new or changed.
fn write_snapshots(dir: &Path, snaps: &[snapshots::Snapshot]) -> anyhow::Result<usize> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the snapshot folder {}", dir.display()))?;
    let mut changed = 0;
    for snap in snaps {
        let file = dir.join(format!("{}.snap", snap.name));
        let new = dir.join(format!("{}.snap.new", snap.name));
        let existing = std::fs::read_to_string(&file).ok();
        if existing.as_deref().is_some_and(|e| snap.matches(e)) {
            let _ = std::fs::remove_file(&new);
        } else {
            write(&new, &snap.file_text(), "a snapshot")?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// `appflow-harness diff --base-url A --base-url B`.
pub async fn diff(args: DiffArgs) -> anyhow::Result<Outcome> {
    let [a, b] = <[String; 2]>::try_from(args.base_urls)
        .map_err(|v| anyhow::anyhow!("diff takes exactly two --base-url, got {}", v.len()))?;
    let side = |url: &str| -> anyhow::Result<CheckOptions> {
        Ok(options(Some(url), &args.traffic, None)?.with_seed(args.seed))
    };
    let (oa, ob) = (side(&a)?, side(&b)?);
    let quiet = |_: &CheckResult| {};
    let ra = check::run_recorded(&oa, &quiet, true).await?;
    let rb = check::run_recorded(&ob, &quiet, true).await?;
    let diffs = diff::compare(&ra, &rb);
    println!(
        "A = {}\nB = {}\n(- only in A's answer, + only in B's)\n",
        ra.report.target, rb.report.target
    );
    for d in &diffs {
        println!("{}", diff::render(d));
    }
    let requests = ra.report.summary.requests + rb.report.summary.requests;
    println!(
        "{} differing answers ({} requests sent, seed {})",
        diffs.len(),
        requests,
        args.seed
    );
    Ok(Outcome::of(diffs.is_empty()))
}
