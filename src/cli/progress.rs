//! The live progress of a long run, drawn from the library's [`Live`] counters: on a terminal one
//! line kept up to date (indicatif), as k6 and oha do; off a terminal (a CI log) a plain line every
//! 10 s; nothing with `--quiet`. It goes to stderr, so stdout keeps only the run's own lines.

use appflow_harness::live::{Live, Reading};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

/// How often a plain progress line is printed off a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// A run shorter than this shows no live line (it would only flicker).
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// What a progress line says, from a reading.
pub type Line = fn(&Reading) -> String;

/// A running display; [`Progress::finish`] clears it.
pub struct Progress {
    bar: Option<ProgressBar>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Progress {
    /// Shows `live` as `line` says, unless `quiet`.
    pub fn start(live: Arc<Live>, line: Line, quiet: bool) -> Progress {
        if quiet {
            return Progress {
                bar: None,
                task: None,
            };
        }
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(10));
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}").expect("a valid template"),
            );
            let shown = bar.clone();
            let task = tokio::spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    let r = live.read();
                    if r.elapsed >= SHOW_AFTER {
                        shown.set_message(line(&r));
                        shown.tick();
                    }
                }
            });
            Progress {
                bar: Some(bar),
                task: Some(task),
            }
        } else {
            let task = tokio::spawn(async move {
                loop {
                    tokio::time::sleep(PLAIN_EVERY).await;
                    eprintln!("{}", line(&live.read()));
                }
            });
            Progress {
                bar: None,
                task: Some(task),
            }
        }
    }

    /// Prints `text` to stdout without tearing the live line.
    pub fn print(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| appflow_harness::check::report::text::emit(text)),
            None => appflow_harness::check::report::text::emit(text),
        }
    }

    /// Stops and clears the display.
    pub fn finish(self) {
        if let Some(t) = &self.task {
            t.abort();
        }
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

/// `load`'s line: elapsed of planned, request rate, p99 so far, violations, requests without an answer.
pub fn load_line(r: &Reading) -> String {
    let of = r
        .planned
        .map(|p| format!(" of {:.0} s", p.as_secs_f64()))
        .unwrap_or_default();
    format!(
        "{:.1} s{of} · {} requests ({:.0}/s) · p99 {} · {} contract violations · {} without an answer",
        r.elapsed.as_secs_f64(),
        r.requests,
        r.rate(),
        if r.p99_us > 0 {
            ms(r.p99_us)
        } else {
            "-".into()
        },
        r.violations,
        r.unanswered,
    )
}

/// `check`'s line: elapsed, checks done, requests, failed checks, requests without an answer.
pub fn check_line(r: &Reading) -> String {
    format!(
        "{:.1} s · {} of {} checks · {} requests ({:.0}/s) · {} failed · {} without an answer",
        r.elapsed.as_secs_f64(),
        r.done,
        r.total,
        r.requests,
        r.rate(),
        r.violations,
        r.unanswered,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lines_say_what_the_counters_hold() {
        let live = Live::new(Some(Duration::from_secs(60)));
        live.set_load(1000, 3, 2, Some(1500));
        let line = load_line(&live.read());
        assert!(line.contains("of 60 s"), "{line}");
        assert!(line.contains("1000 requests"), "{line}");
        assert!(line.contains("p99 1.50 ms"), "{line}");
        assert!(line.contains("2 contract violations"), "{line}");
        assert!(line.contains("3 without an answer"), "{line}");
        let live = Live::default();
        live.set_total(63);
        live.finished(true);
        live.request(false);
        let line = check_line(&live.read());
        assert!(line.contains("1 of 63 checks"), "{line}");
        assert!(line.contains("1 failed"), "{line}");
        assert!(line.contains("1 without an answer"), "{line}");
    }
}
