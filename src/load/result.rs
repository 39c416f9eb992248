//! A worker's result as data: latency histograms (exactly mergeable), counts by transaction and by
//! contract rule, and the first `id` each shared token replayed to. `load merge` adds workers' results
//! (histograms added bucket by bucket, never percentiles averaged) and judges thresholds on the whole.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Latencies in microseconds, bucketed to three significant digits (at most 0.1% below the true value).
/// Two histograms merge exactly: the merge of A and B equals the histogram of A's and B's samples.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Histogram {
    /// Bucket lower bound (µs) → samples.
    pub buckets: BTreeMap<u64, u64>,
    /// Number of samples.
    pub count: u64,
    /// Sum of the samples' bucketed values, for the average.
    pub sum_us: u64,
    /// The largest sample (exact).
    pub max_us: u64,
}

/// The bucket a value falls into: the value itself below 1000 µs, else its first three digits.
pub fn bucket(us: u64) -> u64 {
    if us < 1000 {
        return us;
    }
    let digits = us.ilog10() + 1;
    let scale = 10u64.pow(digits - 3);
    us / scale * scale
}

impl Histogram {
    /// Records one latency.
    pub fn record(&mut self, us: u64) {
        let b = bucket(us);
        *self.buckets.entry(b).or_default() += 1;
        self.count += 1;
        self.sum_us += b;
        self.max_us = self.max_us.max(us);
    }

    /// Adds another histogram's samples to this one.
    pub fn merge(&mut self, other: &Histogram) {
        for (b, n) in &other.buckets {
            *self.buckets.entry(*b).or_default() += n;
        }
        self.count += other.count;
        self.sum_us += other.sum_us;
        self.max_us = self.max_us.max(other.max_us);
    }

    /// The `p`-th percentile (0 < p ≤ 100): the smallest bucket at or under which `p`% of samples lie.
    pub fn percentile(&self, p: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((p / 100.0) * self.count as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (b, n) in &self.buckets {
            seen += n;
            if seen >= rank {
                return Some(*b);
            }
        }
        self.buckets.keys().next_back().copied()
    }

    /// The average (of bucketed values).
    pub fn average(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_us as f64 / self.count as f64)
    }
}

/// Counts of one transaction kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransactionStats {
    /// Requests sent.
    pub requests: u64,
    /// Requests whose answer broke the contract.
    pub failures: u64,
    /// Requests that got no answer (they prove nothing about the contract).
    #[serde(default)]
    pub transport_errors: u64,
    /// Their latencies.
    pub latency: Histogram,
}

/// One worker's (or a merge's) result file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadResult {
    /// The scenario's name.
    pub scenario: String,
    /// The worker indexes this result covers.
    pub workers: Vec<u32>,
    /// Of how many workers.
    pub worker_count: u32,
    /// Wall time of the longest worker, in seconds (workers run side by side): from the start of the
    /// attack, ramp-up included, to its end. `rps` thresholds are requests over this.
    pub duration_secs: f64,
    /// Requests sent.
    pub requests: u64,
    /// Answers that broke the contract.
    pub failures: u64,
    /// Requests that got no answer (connect, timeout, reset, body): not contract failures, but they
    /// count in `error-rate`.
    #[serde(default)]
    pub transport_errors: u64,
    /// Whether a contract violation fails the run (the scenario's `fail_on_violation`); a merge
    /// judges by it as a single run would.
    #[serde(default = "yes")]
    pub fail_on_violation: bool,
    /// Per transaction kind.
    pub transactions: BTreeMap<String, TransactionStats>,
    /// Contract failures by the rule broken (the judge's names).
    pub failures_by_rule: BTreeMap<String, u64>,
    /// Requests without an answer, by kind (`connect`, `timeout`, `reset`, `body`, `other`).
    #[serde(default)]
    pub transport_errors_by_kind: BTreeMap<String, u64>,
    /// The first `id` each shared token replayed to (all workers must agree).
    pub replay_ids: BTreeMap<String, String>,
    /// Why the run ended early (the target stopped answering), for each worker that did; a run that
    /// stopped early proves nothing about its thresholds.
    #[serde(default)]
    pub stopped: Vec<String>,
}

impl LoadResult {
    /// All requests' latencies together.
    pub fn latency(&self) -> Histogram {
        let mut h = Histogram::default();
        for t in self.transactions.values() {
            h.merge(&t.latency);
        }
        h
    }

    /// Adds another worker's result. Replayed ids that disagree become `idempotency.replay-differs` failures.
    pub fn merge(&mut self, other: &LoadResult) {
        if self.scenario.is_empty() {
            self.scenario = other.scenario.clone();
        }
        self.workers.extend(&other.workers);
        self.workers.sort_unstable();
        self.worker_count = self.worker_count.max(other.worker_count);
        self.duration_secs = self.duration_secs.max(other.duration_secs);
        self.requests += other.requests;
        self.failures += other.failures;
        self.transport_errors += other.transport_errors;
        self.stopped.extend(other.stopped.iter().cloned());
        // A merge forbids violations when any worker's scenario did (an empty result forbids none).
        self.fail_on_violation |= other.fail_on_violation;
        for (name, t) in &other.transactions {
            let mine = self.transactions.entry(name.clone()).or_default();
            mine.requests += t.requests;
            mine.failures += t.failures;
            mine.transport_errors += t.transport_errors;
            mine.latency.merge(&t.latency);
        }
        for (rule, n) in &other.failures_by_rule {
            *self.failures_by_rule.entry(rule.clone()).or_default() += n;
        }
        for (kind, n) in &other.transport_errors_by_kind {
            *self
                .transport_errors_by_kind
                .entry(kind.clone())
                .or_default() += n;
        }
        for (token, id) in &other.replay_ids {
            match self.replay_ids.get(token) {
                Some(first) if first != id => {
                    self.failures += 1;
                    *self
                        .failures_by_rule
                        .entry(super::transactions::REPLAY_RULE.into())
                        .or_default() += 1;
                }
                Some(_) => {}
                None => {
                    self.replay_ids.insert(token.clone(), id.clone());
                }
            }
        }
    }
}

fn yes() -> bool {
    true
}

/// What a threshold rule measures.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Metric {
    Percentile(f64),
    Average,
    Maximum,
    ErrorRate,
    Rps,
}

/// A threshold rule in goose 0.19's grammar (`p95<50ms`, `error-rate<1%`, `rps>=1000`,
/// `p99<2s for create`), judged on a [`LoadResult`].
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    text: String,
    metric: Metric,
    op: &'static str,
    limit: f64,
    only: Option<String>,
}

/// A judged rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// The rule as written.
    pub rule: String,
    /// What was observed.
    pub observed: String,
    /// Whether it passed.
    pub passed: bool,
}

/// A threshold's time in µs (`50ms`, `800us`, `1s`; a bare number is in milliseconds).
fn parse_time_us(v: &str) -> Option<f64> {
    crate::units::parse_micros(v, 1000.0)
}

impl std::str::FromStr for Rule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let text = s.trim().to_owned();
        // The grammar is goose's: refuse what goose refuses.
        text.parse::<goose::threshold::Threshold>()
            .map_err(|e| format!("threshold `{text}`: {e}"))?;
        let (rule, only) = match text.split_once(" for ") {
            Some((r, n)) => (r.trim(), Some(n.trim().to_owned())),
            None => (text.as_str(), None),
        };
        let ops = ["<=", ">=", "<", ">"];
        let (pos, op) = ops
            .iter()
            .filter_map(|op| rule.find(op).map(|p| (p, *op)))
            .min_by_key(|(p, op)| (*p, std::cmp::Reverse(op.len())))
            .ok_or_else(|| format!("threshold `{text}`: no comparison"))?;
        let (name, value) = (&rule[..pos], rule[pos + op.len()..].trim());
        let bad = || format!("threshold `{text}`: cannot read `{value}`");
        let (metric, limit) = match name.trim() {
            "avg" => (Metric::Average, parse_time_us(value).ok_or_else(bad)?),
            "max" => (Metric::Maximum, parse_time_us(value).ok_or_else(bad)?),
            "error-rate" => (
                Metric::ErrorRate,
                value
                    .trim_end_matches('%')
                    .trim()
                    .parse()
                    .map_err(|_| bad())?,
            ),
            "rps" => (Metric::Rps, value.parse().map_err(|_| bad())?),
            p if p.starts_with('p') => (
                Metric::Percentile(p[1..].parse().map_err(|_| bad())?),
                parse_time_us(value).ok_or_else(bad)?,
            ),
            other => return Err(format!("threshold `{text}`: unknown metric `{other}`")),
        };
        Ok(Rule {
            text,
            metric,
            op,
            limit,
            only,
        })
    }
}

impl Rule {
    /// Judges the rule on a result.
    pub fn judge(&self, r: &LoadResult) -> Verdict {
        let (hist, requests, failures) = match &self.only {
            // A request is an error for the rate when it broke the contract or got no answer.
            Some(name) => match r.transactions.get(name) {
                Some(t) => (
                    t.latency.clone(),
                    t.requests,
                    t.failures + t.transport_errors,
                ),
                None => (Histogram::default(), 0, 0),
            },
            None => (r.latency(), r.requests, r.failures + r.transport_errors),
        };
        let observed = match self.metric {
            Metric::Percentile(p) => hist.percentile(p).map(|v| v as f64),
            Metric::Average => hist.average(),
            Metric::Maximum => (hist.count > 0).then_some(hist.max_us as f64),
            Metric::ErrorRate => (requests > 0).then(|| failures as f64 * 100.0 / requests as f64),
            Metric::Rps => (r.duration_secs > 0.0).then(|| requests as f64 / r.duration_secs),
        };
        let Some(v) = observed else {
            return Verdict {
                rule: self.text.clone(),
                observed: "no samples".into(),
                passed: false,
            };
        };
        let passed = match self.op {
            "<" => v < self.limit,
            "<=" => v <= self.limit,
            ">" => v > self.limit,
            _ => v >= self.limit,
        };
        let shown = match self.metric {
            Metric::ErrorRate => format!("{v:.2}%"),
            Metric::Rps => format!("{v:.0} rps"),
            _ => format!("{:.3} ms", v / 1000.0),
        };
        Verdict {
            rule: self.text.clone(),
            observed: shown,
            passed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_keep_three_significant_digits() {
        assert_eq!(bucket(999), 999);
        assert_eq!(bucket(1234), 1230);
        assert_eq!(bucket(98_765), 98_700);
        assert_eq!(bucket(1_000_001), 1_000_000);
    }

    #[test]
    fn rules_parse_like_goose_and_judge() {
        let mut r = LoadResult {
            duration_secs: 2.0,
            requests: 100,
            failures: 1,
            ..Default::default()
        };
        let mut t = TransactionStats {
            requests: 100,
            failures: 1,
            ..Default::default()
        };
        for us in 1..=100 {
            t.latency.record(us * 1000);
        }
        r.transactions.insert("create".into(), t);
        let judge = |s: &str| s.parse::<Rule>().unwrap().judge(&r).passed;
        assert!(judge("p95<=95ms"));
        assert!(!judge("p95<95ms"));
        assert!(judge("error-rate<2%"));
        assert!(!judge("error-rate<1%"));
        assert!(judge("rps>=50"));
        assert!(!judge("rps>50"));
        assert!(judge("max<101ms"));
        assert!(judge("p50<51ms for create"));
        assert!(!judge("p50<51ms for replay"), "no samples fails");
        assert!("p100<2s".parse::<Rule>().is_err());
        assert!("latency<2s".parse::<Rule>().is_err());
    }
}
