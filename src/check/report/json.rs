//! The JSON report: the wire format `schemas/report.schema.json` describes.

use super::Report;

/// The report as pretty JSON.
pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default() + "\n"
}
