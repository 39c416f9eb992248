//! `appflow-harness diff`: the same deterministic traffic (every check's requests, same seed, fresh
//! accounts on each side) sent to two implementations, and every pair of normalized responses that
//! differ (status, code, envelope shape, replay behaviour), shown as a readable diff.

use super::http::Exchange;
use super::snapshots::render_parts;
use super::{CheckOptions, Recorded, run_recorded};
use crate::{Error, Outcome};
use std::collections::BTreeMap;

/// One request whose answers differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The check that sent it.
    pub check: String,
    /// The request, normalized and redacted (for race checks: the whole check's traffic).
    pub request: String,
    /// A's normalized answer.
    pub a: String,
    /// B's normalized answer.
    pub b: String,
}

fn group(check: &str) -> &str {
    check.split('.').next().unwrap_or(check)
}

fn answers(run: &Recorded, id: &str) -> Vec<(String, String)> {
    let ex: &[Exchange] = run
        .exchanges
        .iter()
        .find(|(i, _)| i == id)
        .map(|(_, e)| e.as_slice())
        .unwrap_or(&[]);
    let mut parts: Vec<(String, String)> =
        ex.iter().map(|e| render_parts(&run.target, e)).collect();
    parts.sort();
    parts
}

/// Every difference between two recorded runs of the same checks and seed.
pub fn compare(a: &Recorded, b: &Recorded) -> Vec<Difference> {
    let mut out = Vec::new();
    for (id, _) in &a.exchanges {
        let (pa, pb) = (answers(a, id), answers(b, id));
        if group(id) == "race" {
            // Which of N concurrent requests wins is up to the scheduler: compare how many of each
            // answer (status and code) each side gave, not which request got which.
            let (sa, sb) = (summarize(&pa), summarize(&pb));
            if sa != sb {
                out.push(Difference {
                    check: id.clone(),
                    request: format!(
                        "{} concurrent requests (answers counted by status and code)",
                        pa.len()
                    ),
                    a: sa,
                    b: sb,
                });
            }
            continue;
        }
        // Pair answers by their request; a request sent k times pairs its k answers in order.
        let mut by_request: BTreeMap<&str, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
        for (req, resp) in &pa {
            by_request.entry(req).or_default().0.push(resp);
        }
        for (req, resp) in &pb {
            by_request.entry(req).or_default().1.push(resp);
        }
        for (req, (ra, rb)) in by_request {
            let n = ra.len().max(rb.len());
            for i in 0..n {
                let (x, y) = (
                    ra.get(i).copied().unwrap_or("(not sent)\n"),
                    rb.get(i).copied().unwrap_or("(not sent)\n"),
                );
                if x != y {
                    out.push(Difference {
                        check: id.clone(),
                        request: req.to_owned(),
                        a: x.to_owned(),
                        b: y.to_owned(),
                    });
                }
            }
        }
    }
    out
}

/// How many answers of each status and code a check got.
fn summarize(parts: &[(String, String)]) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (_, r) in parts {
        let status = r.lines().next().unwrap_or("");
        let code = r
            .lines()
            .find(|l| l.trim_start().starts_with("\"code\""))
            .map(str::trim)
            .unwrap_or("");
        *counts.entry(format!("{status} {code}")).or_default() += 1;
    }
    counts
        .iter()
        .map(|(line, n)| format!("{n} × {line}\n"))
        .collect()
}

/// A line diff of two answers: lines only in A with `-`, only in B with `+`.
pub fn render(d: &Difference) -> String {
    let (la, lb): (Vec<&str>, Vec<&str>) = (d.a.lines().collect(), d.b.lines().collect());
    let mut out = format!(
        "── {}\n{}",
        d.check,
        d.request
            .lines()
            .map(|l| format!("   {l}\n"))
            .collect::<String>()
    );
    for l in &la {
        if !lb.contains(l) {
            out.push_str(&format!(" - {l}\n"));
        }
    }
    for l in &lb {
        if !la.contains(l) {
            out.push_str(&format!(" + {l}\n"));
        }
    }
    out
}

/// `appflow-harness diff --base-url A --base-url B`.
pub async fn run_cli(a: CheckOptions, b: CheckOptions) -> Result<Outcome, Error> {
    let quiet = |_: &super::CheckResult| {};
    let ra = run_recorded(&a, &quiet, true).await?;
    let rb = run_recorded(&b, &quiet, true).await?;
    let diffs = compare(&ra, &rb);
    println!(
        "A = {}\nB = {}\n(- only in A's answer, + only in B's)\n",
        ra.report.target, rb.report.target
    );
    for d in &diffs {
        println!("{}", render(d));
    }
    let requests = ra.report.summary.requests + rb.report.summary.requests;
    println!(
        "{} differing answers ({} requests sent, seed {})",
        diffs.len(),
        requests,
        a.seed
    );
    Ok(if diffs.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Fail
    })
}
