//! Live counters of a running `check` or `load`, for a progress display. The library only counts;
//! the binary reads them on its own timer and draws (a live line on a terminal, a plain line every
//! few seconds in a CI log).

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What a run has done so far. Cheap to update (relaxed atomics); shared as `Arc<Live>`.
#[derive(Debug)]
pub struct Live {
    started: Instant,
    /// How long the run is meant to last, when that is known (a load run's plan).
    planned: Option<Duration>,
    requests: AtomicU64,
    unanswered: AtomicU64,
    violations: AtomicU64,
    p99_us: AtomicU64,
    done: AtomicU32,
    total: AtomicU32,
}

/// One reading of [`Live`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// Time since the run started.
    pub elapsed: Duration,
    /// How long the run is meant to last, when known.
    pub planned: Option<Duration>,
    /// Requests sent.
    pub requests: u64,
    /// Requests that got no answer.
    pub unanswered: u64,
    /// Answers that broke a rule of the contract (load) or checks that failed (check).
    pub violations: u64,
    /// The 99th percentile of latencies so far, in microseconds (0 while unknown).
    pub p99_us: u64,
    /// Checks finished (check), and how many there are.
    pub done: u32,
    /// Checks in the run (0 for load).
    pub total: u32,
}

impl Reading {
    /// Requests per second so far.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.requests as f64 / secs
        } else {
            0.0
        }
    }
}

impl Live {
    /// Counters of a run starting now, meant to last `planned` (when known).
    pub fn new(planned: Option<Duration>) -> Live {
        Live {
            started: Instant::now(),
            planned,
            requests: AtomicU64::new(0),
            unanswered: AtomicU64::new(0),
            violations: AtomicU64::new(0),
            p99_us: AtomicU64::new(0),
            done: AtomicU32::new(0),
            total: AtomicU32::new(0),
        }
    }

    /// The counters now.
    pub fn read(&self) -> Reading {
        Reading {
            elapsed: self.started.elapsed(),
            planned: self.planned,
            requests: self.requests.load(Ordering::Relaxed),
            unanswered: self.unanswered.load(Ordering::Relaxed),
            violations: self.violations.load(Ordering::Relaxed),
            p99_us: self.p99_us.load(Ordering::Relaxed),
            done: self.done.load(Ordering::Relaxed),
            total: self.total.load(Ordering::Relaxed),
        }
    }

    /// Counts one request sent, and whether it got an answer.
    pub fn request(&self, answered: bool) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if !answered {
            self.unanswered.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Sets the totals a load run keeps itself (its counts, its violations, its p99 so far).
    pub fn set_load(&self, requests: u64, unanswered: u64, violations: u64, p99_us: Option<u64>) {
        self.requests.store(requests, Ordering::Relaxed);
        self.unanswered.store(unanswered, Ordering::Relaxed);
        self.violations.store(violations, Ordering::Relaxed);
        self.p99_us.store(p99_us.unwrap_or(0), Ordering::Relaxed);
    }

    /// Sets how many checks the run has.
    pub fn set_total(&self, total: u32) {
        self.total.store(total, Ordering::Relaxed);
    }

    /// Counts one finished check, and whether it failed.
    pub fn finished(&self, failed: bool) {
        self.done.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.violations.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Default for Live {
    fn default() -> Self {
        Live::new(None)
    }
}
