//! Scenario files (`scenarios/*.toml`): who loads the endpoint, how fast, with which mix of
//! transactions, and which thresholds gate the run. Validated on load with clear errors.

use super::result::Rule;
use crate::Error;
use serde::Deserialize;

/// The scenarios shipped in `scenarios/`, embedded so `load smoke` works from any directory.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("smoke", include_str!("../../scenarios/smoke.toml")),
    ("steady", include_str!("../../scenarios/steady.toml")),
    (
        "retry-storm",
        include_str!("../../scenarios/retry-storm.toml"),
    ),
    ("mixed", include_str!("../../scenarios/mixed.toml")),
    ("churn", include_str!("../../scenarios/churn.toml")),
    (
        "quota-pressure",
        include_str!("../../scenarios/quota-pressure.toml"),
    ),
];

/// What a transaction does, and what the contract says it must get back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A valid create with a fresh name and token in the user's account: 200.
    Create,
    /// One of the scenario's shared tokens replayed (by every user): 200 with the first `id`.
    Replay,
    /// The user's last token with another connectionMode: 409 IDEMPOTENT_PARAMETER_MISMATCH.
    Mismatch,
    /// A generated invalid request: 400 VALIDATION_ERROR.
    Invalid,
    /// The user's last name with a new token: 409 CONFLICT.
    Duplicate,
    /// Creates in an account driven to its quota: 200 until the quota, 402 QUOTA_EXCEEDED past it.
    Quota,
    /// A describe of the user's account (one page): 200 with the page.
    Describe,
    /// An update of one of the user's profiles (the other connectionMode): 200 (a create when the
    /// user has none).
    Update,
    /// A delete of the user's oldest profile: 200, and its place is free (a create when it has none).
    Delete,
}

impl Kind {
    /// The name in reports and `for NAME` thresholds.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Create => "create",
            Kind::Replay => "replay",
            Kind::Mismatch => "mismatch",
            Kind::Invalid => "invalid",
            Kind::Duplicate => "duplicate",
            Kind::Quota => "quota",
            Kind::Describe => "describe",
            Kind::Update => "update",
            Kind::Delete => "delete",
        }
    }
}

/// One weighted transaction of the mix.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransactionSpec {
    /// What it does.
    pub kind: Kind,
    /// Its share of the mix (goose weight, at least 1).
    #[serde(default = "one")]
    pub weight: usize,
    /// Connector types its requests use (all 24 when empty).
    #[serde(default)]
    pub connector_types: Vec<String>,
}

fn one() -> usize {
    1
}

/// A scenario file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Its name.
    pub name: String,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// Users (goose users, each with its own fresh accounts).
    #[serde(default)]
    pub users: Option<usize>,
    /// Users started per second.
    #[serde(default)]
    pub increase_rate: Option<f64>,
    /// How long to hold the load (`30s`, `5m`).
    #[serde(default)]
    pub run_time: Option<String>,
    /// A goose test plan instead of users/increase_rate/run_time (`"10,5s;10,1m;0,5s"`).
    #[serde(default)]
    pub test_plan: Option<String>,
    /// goose 0.19 threshold rules (`p95<50ms`, `error-rate<1%`, `rps>=1000`, `p99<2s for create`).
    #[serde(default)]
    pub thresholds: Vec<String>,
    /// The target's quota per account (quota transactions expect 402 past it).
    #[serde(default = "default_quota")]
    pub quota: u32,
    /// How many shared tokens `replay` transactions draw from.
    #[serde(default)]
    pub shared_tokens: usize,
    /// Whether any contract violation fails the run (exit 1) even when every threshold passes.
    #[serde(default = "yes")]
    pub fail_on_violation: bool,
    /// The mix.
    pub transactions: Vec<TransactionSpec>,
}

fn default_quota() -> u32 {
    crate::contract::DEFAULT_QUOTA
}

fn yes() -> bool {
    true
}

fn bad(name: &str, msg: impl std::fmt::Display) -> Error {
    Error::Usage(format!("scenario {name}: {msg}"))
}

impl Scenario {
    /// Parses and validates a scenario file's text (`origin` names it in errors).
    pub fn parse(text: &str, origin: &str) -> Result<Scenario, Error> {
        let s: Scenario = toml::from_str(text).map_err(|e| bad(origin, e))?;
        s.validate(origin)?;
        Ok(s)
    }

    fn validate(&self, origin: &str) -> Result<(), Error> {
        if self.transactions.is_empty() {
            return Err(bad(origin, "no [[transactions]]"));
        }
        if self.test_plan.is_some()
            && (self.users.is_some() || self.run_time.is_some() || self.increase_rate.is_some())
        {
            return Err(bad(
                origin,
                "give either test_plan or users/increase_rate/run_time, not both",
            ));
        }
        if let Some(plan) = &self.test_plan {
            plan.parse::<goose::test_plan::TestPlan>()
                .map_err(|e| bad(origin, format!("test_plan: {e}")))?;
        } else {
            if self.users.unwrap_or(0) == 0 {
                return Err(bad(origin, "users must be at least 1"));
            }
            match &self.run_time {
                Some(t) => {
                    crate::units::parse_duration(t)
                        .map_err(|e| bad(origin, format!("run_time: {e}")))?;
                }
                None => return Err(bad(origin, "run_time is required (or a test_plan)")),
            }
            if self
                .increase_rate
                .is_some_and(|r| r <= 0.0 || !r.is_finite())
            {
                return Err(bad(origin, "increase_rate must be more than 0"));
            }
        }
        for rule in &self.thresholds {
            rule.parse::<Rule>().map_err(|e| bad(origin, e))?;
        }
        for t in &self.transactions {
            if t.weight == 0 {
                return Err(bad(
                    origin,
                    format!("{}: weight must be at least 1", t.kind.name()),
                ));
            }
            for c in &t.connector_types {
                if !crate::contract::connector_types().contains(c) {
                    return Err(bad(
                        origin,
                        format!("{}: unknown connector type `{c}`", t.kind.name()),
                    ));
                }
            }
            if t.kind == Kind::Replay && self.shared_tokens == 0 {
                return Err(bad(
                    origin,
                    "replay transactions need shared_tokens of at least 1",
                ));
            }
        }
        if self.shared_tokens as u64 > u64::from(self.quota) {
            return Err(bad(
                origin,
                "shared_tokens cannot exceed the quota (they live in one account)",
            ));
        }
        if self.quota == 0 {
            return Err(bad(origin, "quota must be at least 1"));
        }
        Ok(())
    }

    /// A built-in scenario by name (`smoke`, `steady`, `retry-storm`, `mixed`, `quota-pressure`).
    pub fn built_in(name: &str) -> Result<Scenario, Error> {
        match BUILT_IN.iter().find(|(n, _)| *n == name) {
            Some((n, text)) => Scenario::parse(text, n),
            None => Err(Error::Usage(format!(
                "no scenario file `{name}` and no built-in scenario of that name ({})",
                BUILT_IN
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }
}
