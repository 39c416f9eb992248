//! `appflow-harness diff`: the same deterministic traffic (every check's requests, same seed, fresh
//! accounts on each side) sent to two implementations, and every pair of normalized responses that
//! differ (status, code, envelope shape, replay behaviour), shown as a readable diff.

use super::Recorded;
use super::snapshots::render_parts;
use crate::contract::ErrorTable;
use crate::contract::judge::{self, Answer};
use crate::http::Exchange;
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

fn exchanges<'a>(run: &'a Recorded, id: &str) -> &'a [Exchange] {
    run.exchanges
        .iter()
        .find(|(i, _)| i == id)
        .map(|(_, e)| e.as_slice())
        .unwrap_or(&[])
}

fn answers(run: &Recorded, id: &str) -> Vec<(String, String)> {
    let mut parts: Vec<(String, String)> = exchanges(run, id)
        .iter()
        .map(|e| render_parts(&run.target, e))
        .collect();
    parts.sort();
    parts
}

/// Every difference between two recorded runs of the same checks and seed.
pub fn compare(a: &Recorded, b: &Recorded) -> Vec<Difference> {
    let mut out = Vec::new();
    for (id, _) in &a.exchanges {
        if super::checks::group_of(id) == "race" {
            // Which of N concurrent requests wins is up to the scheduler: compare how many of each
            // answer (status and code) each side gave, not which request got which.
            let (ea, eb) = (exchanges(a, id), exchanges(b, id));
            let (sa, sb) = (tally(ea), tally(eb));
            if sa != sb {
                out.push(Difference {
                    check: id.clone(),
                    request: format!(
                        "{} concurrent requests (answers counted by status and code)",
                        ea.len()
                    ),
                    a: sa,
                    b: sb,
                });
            }
            continue;
        }
        let (pa, pb) = (answers(a, id), answers(b, id));
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

/// How many answers of each status and code a check got (read by the judge), one line each.
pub fn tally(exchanges: &[Exchange]) -> String {
    let table = ErrorTable::default();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for ex in exchanges {
        let outcome = match &ex.result {
            Ok(r) => judge::judge(
                &table,
                &Answer {
                    status: r.status,
                    content_type: r.content_type.as_deref(),
                    headers: "",
                    body: &r.body,
                    truncated: r.truncated,
                },
                &[],
            )
            .outcome(),
            Err(e) => format!("no response ({})", e.kind()),
        };
        *counts.entry(outcome).or_default() += 1;
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
