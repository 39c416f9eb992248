//! The JUnit XML report (quick-junit): one test suite per group, one test case per check.

use super::{Report, Status};
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::time::Duration;

/// The failure text of a check: every listed failure with expected, actual, request, response, curl.
pub fn failure_text(check: &super::CheckResult) -> String {
    let mut out = list(&check.failures);
    if check.unlisted_failures > 0 {
        out.push_str(&format!(
            "… and {} more failures\n",
            check.unlisted_failures
        ));
    }
    for r in &check.reproducers {
        out.push_str(&format!(
            "reproducer: {} requests, shrunk from a random program\n",
            r.requests
        ));
        for (i, s) in r.steps.iter().enumerate() {
            out.push_str(&format!("  {}. {s}\n", i + 1));
        }
        for c in &r.curl {
            out.push_str(&format!("  {c}\n"));
        }
    }
    out
}

/// The error text of a check: every request that got no answer, and why.
pub fn error_text(check: &super::CheckResult) -> String {
    list(&check.errors)
}

fn list(items: &[super::Failure]) -> String {
    let mut out = String::new();
    for f in items {
        out.push_str(&format!("- {}\n", f.message));
        for (label, v) in [("expected", &f.expected), ("actual", &f.actual)] {
            if let Some(v) = v {
                out.push_str(&format!("  {label}: {v}\n"));
            }
        }
        if let Some(r) = &f.request {
            out.push_str(&format!("  request:\n    {}\n", r.replace('\n', "\n    ")));
        }
        if let Some(r) = &f.response {
            out.push_str(&format!("  response:\n    {}\n", r.replace('\n', "\n    ")));
        }
        if let Some(c) = &f.curl {
            out.push_str(&format!("  reproduce: {c}\n"));
        }
    }
    out
}

/// The report as JUnit XML.
pub fn render(report: &Report) -> String {
    let mut junit = quick_junit::Report::new("appflow-harness");
    junit.set_time(Duration::from_millis(report.duration_ms));
    let mut suites: BTreeMap<&str, TestSuite> = BTreeMap::new();
    for check in &report.checks {
        let status = match check.status {
            Status::Passed => TestCaseStatus::success(),
            Status::Skipped => {
                let mut s = TestCaseStatus::skipped();
                if let Some(r) = &check.skip_reason {
                    s.set_message(r.as_str());
                }
                s
            }
            Status::Failed => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let first = check
                    .failures
                    .first()
                    .map(|f| f.message.as_str())
                    .unwrap_or("failed");
                s.set_message(first);
                s.set_type("contract violation");
                s.set_description(failure_text(check));
                s
            }
            Status::Error => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                let first = check
                    .errors
                    .first()
                    .map(|f| f.message.as_str())
                    .unwrap_or("no answer");
                s.set_message(first);
                s.set_type("transport error");
                s.set_description(error_text(check));
                s
            }
        };
        let mut case = TestCase::new(check.id.as_str(), status);
        case.set_classname(format!("appflow-harness.{}", check.group));
        case.set_time(Duration::from_millis(check.duration_ms));
        suites
            .entry(check.group.as_str())
            .or_insert_with(|| TestSuite::new(check.group.as_str()))
            .add_test_case(case);
    }
    if let Some(reason) = &report.stopped {
        for suite in suites.values_mut() {
            suite.set_system_err(format!("stopped early: {reason}"));
        }
    }
    junit.add_test_suites(suites.into_values());
    junit.to_string().unwrap_or_default()
}
