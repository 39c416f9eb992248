//! `appflow-harness diff`: the same deterministic traffic (every check's requests, same seed, fresh
//! accounts on each side) sent to two implementations, and every pair of normalized responses that
//! differ (status, code, envelope shape, replay behaviour), shown as a readable diff.

use super::Recorded;
use super::snapshots::{race_summary, render_parts};
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
            let (sa, sb) = (race_summary(&a.table, ea), race_summary(&b.table, eb));
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

/// A line diff of two answers, as `git diff` shows one: lines only in A with `-`, only in B with `+`,
/// unchanged ones with a space, in order (repeated lines included).
pub fn render(d: &Difference) -> String {
    let mut out = format!(
        "── {}\n{}",
        d.check,
        d.request
            .lines()
            .map(|l| format!("   {l}\n"))
            .collect::<String>()
    );
    let diff = similar::TextDiff::from_lines(&d.a, &d.b);
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
            similar::ChangeTag::Equal => ' ',
        };
        out.push_str(&format!(" {sign} {}", change.value()));
        if change.missing_newline() {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_keeps_order_and_repeated_lines() {
        let d = Difference {
            check: "x.y".into(),
            request: "POST /".into(),
            a: "a\nb\nb\nc\n".into(),
            b: "a\nb\nc\nb\n".into(),
        };
        let text = render(&d);
        let body: Vec<&str> = text.lines().skip(2).collect();
        // A set comparison would see no difference at all: both sides hold a, b and c.
        assert!(body.iter().any(|l| l.starts_with(" - ")), "{text}");
        assert!(body.iter().any(|l| l.starts_with(" + ")), "{text}");
        // Each side reads back whole and in order from its lines (` ` and `-`, or ` ` and `+`).
        let side = |mark: &str| -> String {
            body.iter()
                .filter(|l| l.starts_with("   ") || l.starts_with(mark))
                .map(|l| format!("{}\n", &l[3..]))
                .collect()
        };
        assert_eq!(side(" - "), d.a);
        assert_eq!(side(" + "), d.b);
    }
}
