//! The run's result as data ([`Report`]), apart from its renderings: `text` (live progress and summary),
//! `json` (a published wire format, `schemas/report.schema.json`), `junit` and `markdown`.

pub mod json;
pub mod junit;
pub mod markdown;
pub mod text;

use serde::{Deserialize, Serialize};

/// One failed expectation, with everything needed to see why (secrets redacted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Failure {
    /// The contract rule the judge names for it (`envelope.schema`, `answer.unexpected`), when the
    /// judge found it; `None` for a check's own finding (a count, a replay, an exactly-once proof).
    pub rule: Option<String>,
    /// What went wrong.
    pub message: String,
    /// What the contract expects.
    pub expected: Option<String>,
    /// What the target did.
    pub actual: Option<String>,
    /// The request (credentials and `-H` values redacted).
    pub request: Option<String>,
    /// The response (clipped, secrets redacted).
    pub response: Option<String>,
    /// A curl line that sends the same request (redacted values must be filled in).
    pub curl: Option<String>,
}

impl Failure {
    /// A finding with no exchange behind it: why a check could not verify what it is for.
    pub fn cannot_verify(message: String) -> Failure {
        Failure {
            rule: None,
            message,
            expected: None,
            actual: None,
            request: None,
            response: None,
            curl: None,
        }
    }
}

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every expectation held.
    Passed,
    /// An answer broke a rule of the contract (see `failures`).
    Failed,
    /// No rule was seen broken, but answers the check needs never came (see `errors`): the contract
    /// is unverified, not broken.
    Error,
    /// Not run (see `skip_reason`).
    Skipped,
}

/// What a whole run says of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every check that ran passed (exit 0).
    Kept,
    /// An answer broke a rule (exit 1).
    Broken,
    /// Nothing broke, but some checks could not get the answers they need, or none ran (exit 2).
    Unverified,
}

impl Verdict {
    /// `contract kept`, `contract broken`, `contract unverified`.
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Kept => "contract kept",
            Verdict::Broken => "contract broken",
            Verdict::Unverified => "contract unverified",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckResult {
    /// Stable ID (`group.name`).
    pub id: String,
    /// The group (the ID up to the dot).
    pub group: String,
    /// What the check proves.
    pub description: String,
    /// How it ended.
    pub status: Status,
    /// Why it was skipped.
    pub skip_reason: Option<String>,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// Requests it sent.
    pub requests: u64,
    /// For repeated race checks: runs and failed runs.
    pub runs: Option<Runs>,
    /// Failures listed (at most 12).
    pub failures: Vec<Failure>,
    /// Failures beyond those listed.
    pub unlisted_failures: u64,
    /// Requests that got no answer (transport errors), listed (at most 12): `actual` says why.
    pub errors: Vec<Failure>,
    /// Requests sent again after a transport error that made it safe (see the README).
    pub retries: u64,
    /// Of those, retries after a connection that could not be made (the request reached nothing).
    pub unconnected_retries: u64,
    /// The explorer's shrunk reproducers of what it found (`model.*` checks only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reproducers: Vec<Reproducer>,
}

/// A shrunk program that parts from the model: the fewest requests the explorer found that still
/// show the failure, in words, as curl lines, and as the replay file `check --replay` runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reproducer {
    /// Requests it sends.
    pub requests: u64,
    /// What it shows.
    pub found: String,
    /// Its steps, in words.
    pub steps: Vec<String>,
    /// A curl line per request it sent (credentials and `-H` values redacted).
    pub curl: Vec<String>,
    /// Its replay file (recipes, never a credential).
    pub replay: crate::check::explore::replay::ReplayFile,
}

/// How many of the repeated runs of a race check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runs {
    /// Runs made.
    pub total: u32,
    /// Runs with a failure.
    pub failed: u32,
}

/// Counts over the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Checks in the report.
    pub total: u32,
    /// Passed.
    pub passed: u32,
    /// Failed.
    pub failed: u32,
    /// Ended in error (no rule seen broken, some answers missing).
    pub errors: u32,
    /// Skipped.
    pub skipped: u32,
    /// Requests sent.
    pub requests: u64,
    /// Requests sent again after a transport error.
    pub retries: u64,
    /// Of those, retries after a connection that could not be made.
    pub unconnected_retries: u64,
}

/// The whole run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// `appflow-harness`.
    pub tool: String,
    /// The harness's version.
    pub version: String,
    /// The base URL checked (` (embedded stub)` appended when no `--base-url` was given).
    pub target: String,
    /// When the run started (RFC 3339).
    pub started_at: String,
    /// Wall time of the run in milliseconds.
    pub duration_ms: u64,
    /// The seed of generated cases.
    pub seed: u64,
    /// Why the run was stopped before every check could finish (the target stopped answering, or the
    /// time budget ran out); `None` when it ran to the end.
    pub stopped: Option<String>,
    /// Counts.
    pub summary: Summary,
    /// Every selected check, in catalogue order.
    pub checks: Vec<CheckResult>,
    /// What the run deleted at its end of what it created (against a service with the lifecycle,
    /// unless `--keep`); `None` when it deleted nothing.
    pub cleaned_up: Option<CleanUp>,
    /// How much of the contract the run covered: every rule, and the answered cases that tested it
    /// each way.
    pub coverage: super::coverage::Coverage,
}

/// The clean-up at the end of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CleanUp {
    /// Profiles the run created and deleted (or found gone already).
    pub deleted: u64,
    /// Deletes that failed or got no answer: those profiles are left.
    pub failed: u64,
}

impl Report {
    /// Whether every check that ran passed (and at least one ran).
    pub fn passed(&self) -> bool {
        self.verdict() == Verdict::Kept
    }

    /// What the run says of the contract: broken when any check failed; unverified when none failed
    /// but some ended in error (or none ran); kept otherwise.
    pub fn verdict(&self) -> Verdict {
        let s = &self.summary;
        if s.failed > 0 {
            Verdict::Broken
        } else if s.errors > 0 || s.passed == 0 {
            Verdict::Unverified
        } else {
            Verdict::Kept
        }
    }

    /// The failed checks.
    pub fn failed(&self) -> impl Iterator<Item = &CheckResult> {
        self.with_status(Status::Failed)
    }

    /// The checks that ended with `status`.
    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(move |c| c.status == status)
    }
}

/// A report format for `--report FORMAT=PATH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `schemas/report.schema.json`.
    Json,
    /// JUnit XML.
    Junit,
    /// Markdown for a PR comment.
    Markdown,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Format::Json),
            "junit" => Ok(Format::Junit),
            "markdown" | "md" => Ok(Format::Markdown),
            other => Err(format!(
                "unknown report format `{other}` (json, junit, markdown)"
            )),
        }
    }
}

/// Renders the report in `format`.
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Json => json::render(report),
        Format::Junit => junit::render(report),
        Format::Markdown => markdown::render(report),
    }
}
