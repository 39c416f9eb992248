//! The Markdown report, for a pull-request comment.

use super::{Report, Status};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The report as Markdown.
pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let verdict = if report.passed() {
        "✅ contract kept"
    } else {
        "❌ contract broken"
    };
    let mut out = format!(
        "## appflow-harness: {verdict}\n\nTarget `{}` · {} checks: **{} passed**, **{} failed**, {} skipped · {} requests in {:.2} s · seed {}\n\n",
        report.target,
        s.total,
        s.passed,
        s.failed,
        s.skipped,
        s.requests,
        report.duration_ms as f64 / 1000.0,
        report.seed
    );
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
    out
}
