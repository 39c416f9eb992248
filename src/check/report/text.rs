//! The terminal rendering: one line per check as it finishes, failures in full, counts at the end.
//! Colour only on a terminal and never when `NO_COLOR` is set.

use super::{CheckResult, Report, Status};
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
        Status::Skipped => paint(colour, "33", "SKIP"),
    };
    let mut line = format!(
        "{tag} {:<45} {:>5} req {:>6} ms",
        c.id, c.requests, c.duration_ms
    );
    if let Some(r) = c.runs {
        line.push_str(&format!("  ({} of {} runs failed)", r.failed, r.total));
    }
    if let Some(reason) = &c.skip_reason {
        line.push_str(&format!("  {reason}"));
    }
    line.push('\n');
    if c.status == Status::Failed {
        for l in super::junit::failure_text(c).lines() {
            line.push_str(&format!("     {l}\n"));
        }
    }
    line
}

/// The closing lines: counts and wall time.
pub fn summary(report: &Report, colour: bool) -> String {
    let s = &report.summary;
    let verdict = if report.passed() {
        paint(colour, "32;1", "contract kept")
    } else {
        paint(colour, "31;1", "contract broken")
    };
    let mut out = format!(
        "\n{verdict}: {} checks, {} passed, {} failed, {} skipped; {} requests in {:.2} s (seed {})\n",
        s.total,
        s.passed,
        s.failed,
        s.skipped,
        s.requests,
        report.duration_ms as f64 / 1000.0,
        report.seed
    );
    if s.failed > 0 {
        let ids: Vec<&str> = report.failed().map(|c| c.id.as_str()).collect();
        out.push_str(&format!("failed: {}\n", ids.join(", ")));
    }
    out
}

/// Writes a line to stdout, ignoring a closed pipe.
pub fn emit(s: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(s.as_bytes());
    let _ = out.flush();
}
