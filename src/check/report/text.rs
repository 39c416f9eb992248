//! The terminal rendering: one line per check as it finishes, failures in full, counts at the end.
//! Colour only on a terminal and never when `NO_COLOR` is set.

use super::{CheckResult, Report, Status, Verdict};
use std::io::{IsTerminal, Write};

/// Whether to colour output on stdout.
pub fn use_colour() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

fn paint(colour: bool, code: &str, s: &str) -> String {
    if colour {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_owned()
    }
}

/// One check's progress line (and its failures, indented).
pub fn check_line(c: &CheckResult, colour: bool) -> String {
    let tag = match c.status {
        Status::Passed => paint(colour, "32", "PASS"),
        Status::Failed => paint(colour, "31;1", "FAIL"),
        Status::Error => paint(colour, "35;1", "ERROR"),
        Status::Skipped => paint(colour, "33", "SKIP"),
    };
    let mut line = format!(
        "{tag} {:<45} {:>5} req {:>6} ms",
        c.id, c.requests, c.duration_ms
    );
    match (c.retries, c.unconnected_retries) {
        (0, _) => {}
        (n, 0) => line.push_str(&format!("  ({n} retried)")),
        (n, u) => line.push_str(&format!("  ({n} retried, {u} never connected)")),
    }
    if let Some(r) = c.runs {
        line.push_str(&format!("  ({} of {} runs failed)", r.failed, r.total));
    }
    if let Some(reason) = &c.skip_reason {
        line.push_str(&format!("  {reason}"));
    }
    line.push('\n');
    let details = match c.status {
        Status::Failed => super::junit::failure_text(c),
        Status::Error => super::junit::error_text(c),
        _ => String::new(),
    };
    for l in details.lines() {
        line.push_str(&format!("      {l}\n"));
    }
    line
}

/// The closing lines: counts and wall time.
pub fn summary(report: &Report, colour: bool) -> String {
    let s = &report.summary;
    let verdict = report.verdict();
    let code = match verdict {
        Verdict::Kept => "32;1",
        Verdict::Broken => "31;1",
        Verdict::Unverified => "35;1",
    };
    let mut out = format!(
        "\n{}: {} checks, {} passed, {} failed, {} errors, {} skipped; {} requests ({} retried, {} of them never connected) in {:.2} s (seed {})\n",
        paint(colour, code, verdict.text()),
        s.total,
        s.passed,
        s.failed,
        s.errors,
        s.skipped,
        s.requests,
        s.retries,
        s.unconnected_retries,
        report.duration_ms as f64 / 1000.0,
        report.seed
    );
    let cov = &report.coverage;
    out.push_str(&format!(
        "coverage: {} of {} rules of the contract covered both ways ({:.1}%; {} vacuous, {} uncovered{})\n",
        cov.covered + cov.vacuous,
        cov.total,
        cov.percent(),
        cov.vacuous,
        cov.uncovered,
        if cov.uncovered > 0 { "; see --coverage" } else { "" },
    ));
    if let Some(c) = &report.cleaned_up {
        out.push_str(&format!(
            "cleaned up: deleted the {} profiles the run created ({} could not be; --keep leaves them)\n",
            c.deleted, c.failed
        ));
    }
    if let Some(reason) = &report.stopped {
        out.push_str(&format!("stopped early: {reason}\n"));
    }
    for (status, label) in [
        (Status::Failed, "failed"),
        (Status::Error, "unverified (no answer)"),
    ] {
        let ids: Vec<&str> = report.with_status(status).map(|c| c.id.as_str()).collect();
        if !ids.is_empty() {
            out.push_str(&format!("{label}: {}\n", ids.join(", ")));
        }
    }
    out
}

/// The coverage table of `check --coverage`: every rule, the answered cases that tested it each way,
/// and, for the vacuous and uncovered ones, why.
pub fn coverage_table(report: &Report, colour: bool) -> String {
    use crate::check::coverage::CoverageStatus;
    let mut out = format!(
        "{:<10} {:>8} {:>8}  rule\n",
        "status", "refused", "accepted"
    );
    for r in &report.coverage.rules {
        let tag = match r.status {
            CoverageStatus::Covered => paint(colour, "32", "covered  "),
            CoverageStatus::Vacuous => paint(colour, "33", "vacuous  "),
            CoverageStatus::Uncovered => paint(colour, "31;1", "UNCOVERED"),
        };
        out.push_str(&format!(
            "{tag}  {:>8} {:>8}  {}  ({})\n",
            r.refused, r.accepted, r.id, r.description
        ));
        if let Some(why) = &r.why {
            out.push_str(&format!("{:>31}{why}\n", ""));
        }
    }
    out
}

/// Writes a line to stdout, ignoring a closed pipe.
pub fn emit(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}
