//! The Markdown report, for a pull-request comment.

use super::{Report, Status, Verdict};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The report as Markdown.
pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let mark = match report.verdict() {
        Verdict::Kept => "✅",
        Verdict::Broken => "❌",
        Verdict::Unverified => "⚠️",
    };
    let mut out = format!(
        "## appflow-harness: {mark} {}\n\nTarget `{}` · {} checks: **{} passed**, **{} failed**, {} errors, {} skipped · {} requests ({} retried, {} of them never connected) in {:.2} s · seed {}\n\n",
        report.verdict().text(),
        report.target,
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
    if let Some(reason) = &report.stopped {
        out.push_str(&format!("> ⚠️ **Stopped early**: {}\n\n", cell(reason)));
    }
    let cov = &report.coverage;
    out.push_str(&format!(
        "Coverage of the contract: **{} of {} rules** covered both ways ({:.1}%; {} vacuous, {} uncovered)\n\n",
        cov.covered + cov.vacuous,
        cov.total,
        cov.percent(),
        cov.vacuous,
        cov.uncovered
    ));
    if cov.uncovered > 0 {
        out.push_str("<details><summary>Rules not covered both ways</summary>\n\n| rule | refused | accepted | why |\n|---|---|---|---|\n");
        for h in cov.holes() {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                h.id,
                h.refused,
                h.accepted,
                cell(h.why.as_deref().unwrap_or(""))
            ));
        }
        out.push_str("\n</details>\n\n");
    }
    out.push_str("| | check | what it proves | note |\n|---|---|---|---|\n");
    for c in &report.checks {
        let (mark, note) = match c.status {
            Status::Passed => ("✅", String::new()),
            Status::Failed => (
                "❌",
                c.failures
                    .first()
                    .map(|f| f.message.clone())
                    .unwrap_or_default(),
            ),
            Status::Error => (
                "⚠️",
                c.errors
                    .first()
                    .map(|f| format!("{} ({})", f.message, f.actual.as_deref().unwrap_or("")))
                    .unwrap_or_default(),
            ),
            Status::Skipped => ("⏭️", c.skip_reason.clone().unwrap_or_default()),
        };
        let runs = c
            .runs
            .map(|r| format!(" ({} of {} runs failed)", r.failed, r.total))
            .unwrap_or_default();
        out.push_str(&format!(
            "| {mark} | `{}` | {} | {}{} |\n",
            c.id,
            cell(&c.description),
            cell(&note),
            runs
        ));
    }
    for c in report.failed() {
        out.push_str(&format!(
            "\n<details><summary><code>{}</code>: {} failure(s)</summary>\n\n```text\n{}```\n</details>\n",
            c.id,
            c.failures.len() as u64 + c.unlisted_failures,
            super::junit::failure_text(c)
        ));
    }
    for c in report.with_status(Status::Error) {
        out.push_str(&format!(
            "\n<details><summary><code>{}</code>: {} request(s) without an answer</summary>\n\n```text\n{}```\n</details>\n",
            c.id,
            c.errors.len(),
            super::junit::error_text(c)
        ));
    }
    out
}
