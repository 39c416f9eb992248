//! The stop rule: notices a target that stopped answering, and a run whose time budget ran out, and
//! then stops every request at once, so a run against a hung, dying or dead service ends within a few
//! timeouts, with the reason, instead of waiting out every request of every check.
//!
//! It is a circuit breaker with a half-open probe:
//!
//! * **closed** (the usual state): requests go out. Each request that ends without an answer
//!   (no connection, a reset, no answer within the timeout) is counted; any answer (even one that
//!   breaks the contract, even a body that broke off) resets the count.
//! * It **opens** when [`TRIP_AFTER`] requests in a row ended without an answer *and* no answer has
//!   come for a whole timeout. A service that answers at all within its timeout never trips it,
//!   however slow it is and however many connections its backlog drops.
//! * **half-open**: no new request is sent; one probe (`GET {base}/`, any HTTP answer will do) is,
//!   within the timeout. An answer closes it again. No answer stops the run: every request waiting
//!   or in flight ends at once with [`super::TransportError::Stopped`] and the reason.
//! * A second trip with no request answered since a probe answered stops the run too (a target that
//!   answers the probe but none of the requests).
//!
//! The same rule serves `check` and `load`; [`Health::stop`] is also how a run's `--max-time` ends it.

use futures::future::BoxFuture;
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Requests in a row that must end without an answer (and no answer for a whole timeout) before the
/// target is probed.
pub const TRIP_AFTER: u32 = 4;

/// A probe of the target: whether it answered anything within the timeout.
pub type Probe = Box<dyn Fn() -> BoxFuture<'static, bool> + Send + Sync>;

/// One target's health, shared by every request sent to it.
pub struct Health {
    started: Instant,
    timeout: Duration,
    probe: Probe,
    state: Mutex<State>,
    stopped: watch::Sender<Option<Arc<str>>>,
    /// Wakes requests waiting for a probe's result.
    probed: tokio::sync::Notify,
}

impl std::fmt::Debug for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Health")
            .field("state", &*self.state.lock())
            .field("stopped", &self.stopped())
            .finish()
    }
}

#[derive(Debug, Default)]
struct State {
    /// When the last answer came (`None`: none yet).
    last_answer: Option<Instant>,
    /// Requests in a row that ended without an answer since the last answer.
    unanswered: u32,
    /// Requests that ended without an answer, in all.
    unanswered_total: u64,
    /// A probe is running: no new request goes out until it ends.
    probing: bool,
    /// A probe answered and no request has been answered since.
    probe_answered: bool,
}

/// Whether a request may be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admit {
    /// Send it.
    Go,
    /// The run was stopped: send nothing (the reason).
    Stopped(Arc<str>),
}

impl Health {
    /// The health of a target whose requests time out after `timeout`, probed with `probe`.
    pub fn new(timeout: Duration, probe: Probe) -> Health {
        Health {
            started: Instant::now(),
            timeout,
            probe,
            state: Mutex::new(State::default()),
            stopped: watch::channel(None).0,
            probed: tokio::sync::Notify::new(),
        }
    }

    /// A health that never probes anything (tests, and targets nobody can probe): the first trip
    /// stops the run.
    pub fn without_probe(timeout: Duration) -> Health {
        Health::new(timeout, Box::new(|| Box::pin(async { false })))
    }

    /// Why the run was stopped, if it was.
    pub fn stopped(&self) -> Option<Arc<str>> {
        self.stopped.borrow().clone()
    }

    /// Stops the run with `reason` (the first reason stays).
    pub fn stop(&self, reason: impl Into<String>) {
        let reason: Arc<str> = reason.into().into();
        self.stopped.send_if_modified(|r| {
            if r.is_none() {
                *r = Some(reason);
                true
            } else {
                false
            }
        });
        self.probed.notify_waiters();
    }

    /// Resolves when the run is stopped, with the reason.
    pub async fn wait_stopped(&self) -> Arc<str> {
        let mut rx = self.stopped.subscribe();
        let reason = rx
            .wait_for(Option::is_some)
            .await
            .ok()
            .and_then(|r| r.clone());
        match reason {
            Some(r) => r,
            // The sender lives as long as `self`.
            None => std::future::pending().await,
        }
    }

    /// Waits while a probe runs; says whether a request may go out.
    pub async fn admit(&self) -> Admit {
        loop {
            let notified = self.probed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(reason) = self.stopped() {
                return Admit::Stopped(reason);
            }
            if !self.state.lock().probing {
                return Admit::Go;
            }
            notified.await;
        }
    }

    /// An answer came (any answer: the target is alive).
    pub fn answered(&self) {
        let mut s = self.state.lock();
        s.last_answer = Some(Instant::now());
        s.unanswered = 0;
        s.probe_answered = false;
    }

    /// A request ended without an answer: counts it, and probes the target (or stops the run) when
    /// the rule says so. Resolves once any probe this started has ended.
    pub async fn unanswered(&self) {
        let now = Instant::now();
        let final_trip = {
            let mut s = self.state.lock();
            s.unanswered += 1;
            s.unanswered_total += 1;
            let silent = now.duration_since(s.last_answer.unwrap_or(self.started));
            if s.probing || s.unanswered < TRIP_AFTER || silent < self.timeout {
                return;
            }
            if !s.probe_answered {
                s.probing = true;
            }
            s.probe_answered
        };
        if final_trip {
            let reason = self.reason(now, "a probe (GET /) answered, but no request since");
            self.stop(reason);
            return;
        }
        let alive = tokio::select! {
            alive = (self.probe)() => alive,
            _ = self.wait_stopped() => false,
        };
        {
            let mut s = self.state.lock();
            s.probing = false;
            if alive {
                s.unanswered = 0;
                s.probe_answered = true;
            }
        }
        if !alive && self.stopped().is_none() {
            let why = format!(
                "a probe (GET /) got no answer within {}",
                humantime::format_duration(self.timeout)
            );
            self.stop(self.reason(now, &why));
        }
        self.probed.notify_waiters();
    }

    /// Why the target is deemed to have stopped answering, with the counts and times.
    fn reason(&self, now: Instant, probe: &str) -> String {
        let s = self.state.lock();
        let at = |t: Instant| format!("{:.1} s", t.duration_since(self.started).as_secs_f64());
        let last = match s.last_answer {
            Some(t) => format!("the last answer at {} into the run", at(t)),
            None => "no answer at all".to_owned(),
        };
        format!(
            "the target stopped answering after {}: {} requests in a row without an answer ({} in all), {last}; {probe}",
            at(now),
            s.unanswered,
            s.unanswered_total,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn probed(answers: bool, asked: Arc<AtomicBool>) -> Probe {
        Box::new(move || {
            asked.store(true, Ordering::SeqCst);
            Box::pin(async move { answers })
        })
    }

    #[tokio::test]
    async fn answers_keep_it_closed_however_many_requests_fail_between_them() {
        let asked = Arc::new(AtomicBool::new(false));
        let h = Health::new(Duration::ZERO, probed(false, asked.clone()));
        for _ in 0..100 {
            for _ in 0..TRIP_AFTER - 1 {
                h.unanswered().await;
            }
            h.answered();
        }
        assert!(!asked.load(Ordering::SeqCst));
        assert_eq!(h.admit().await, Admit::Go);
    }

    #[tokio::test]
    async fn a_silent_target_is_probed_then_stopped_with_the_reason() {
        let asked = Arc::new(AtomicBool::new(false));
        let h = Health::new(Duration::ZERO, probed(false, asked.clone()));
        for _ in 0..TRIP_AFTER {
            h.unanswered().await;
        }
        assert!(asked.load(Ordering::SeqCst));
        let Admit::Stopped(reason) = h.admit().await else {
            panic!("not stopped");
        };
        assert!(reason.contains("stopped answering"), "{reason}");
        assert!(reason.contains("4 requests in a row"), "{reason}");
        assert!(reason.contains("no answer at all"), "{reason}");
        assert_eq!(&*h.wait_stopped().await, &*reason);
    }

    #[tokio::test]
    async fn no_trip_before_a_whole_timeout_without_an_answer() {
        let asked = Arc::new(AtomicBool::new(false));
        let h = Health::new(Duration::from_secs(3600), probed(false, asked.clone()));
        for _ in 0..50 {
            h.unanswered().await;
        }
        assert!(!asked.load(Ordering::SeqCst));
        assert_eq!(h.admit().await, Admit::Go);
    }

    #[tokio::test]
    async fn a_probe_that_answers_closes_it_and_a_second_silent_trip_stops() {
        let asked = Arc::new(AtomicBool::new(false));
        let h = Health::new(Duration::ZERO, probed(true, asked.clone()));
        for _ in 0..TRIP_AFTER {
            h.unanswered().await;
        }
        assert!(asked.load(Ordering::SeqCst));
        assert_eq!(h.admit().await, Admit::Go);
        for _ in 0..TRIP_AFTER {
            h.unanswered().await;
        }
        let Admit::Stopped(reason) = h.admit().await else {
            panic!("not stopped");
        };
        assert!(
            reason.contains("answered, but no request since"),
            "{reason}"
        );
    }

    #[tokio::test]
    async fn the_first_stop_reason_stays() {
        let h = Health::without_probe(Duration::from_secs(1));
        h.stop("budget");
        h.stop("other");
        assert_eq!(h.stopped().as_deref(), Some("budget"));
    }
}
