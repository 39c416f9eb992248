//! How many requests the runner keeps in flight to one target: a window that opens while answers
//! come about as fast as the fastest one did (slow start, then one more per window's worth of
//! answers), stops opening when they queue up, and halves when a connection cannot be made, an answer
//! does not come, or one takes over a second (the kernel resends a dropped connection after one). A
//! fast service soon gets the full concurrency the checks ask for; a small one (a single-threaded
//! server with a short accept backlog) is not flooded with more connections than its kernel keeps,
//! which would only turn into timeouts that prove nothing.
//!
//! The window opens only with answers to requests sent while it was full (as TCP validates its
//! congestion window, RFC 7661): a run of one request at a time, answered fast, proves nothing about
//! twenty at once, and a window grown by it would let the next burst through whole.

use parking_lot::Mutex;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

/// An answer slower than this counts as a loss: a connection the kernel dropped is resent after 1 s.
pub const SLOW_ANSWER: Duration = Duration::from_secs(1);

/// An answer opens the window only while it is this close to the fastest: twice its time plus this.
const QUEUEING_SLACK: Duration = Duration::from_millis(10);

/// The in-flight window of one target.
#[derive(Debug)]
pub struct Pace {
    sem: Semaphore,
    state: Mutex<State>,
    max: usize,
}

#[derive(Debug)]
struct State {
    /// The window now (permits handed out + available, less the debt still to forget).
    limit: usize,
    /// Below it the window grows by one per answer; above it by one per window of answers.
    threshold: usize,
    /// Answers counted towards the next step above the threshold.
    counted: usize,
    /// Permits in use that are to be forgotten, not returned, when released (a shrink).
    debt: usize,
    /// The fastest answer so far.
    fastest: Option<Duration>,
}

/// One request's place in the window; released (or forgotten, when the window shrank) on drop.
#[derive(Debug)]
pub struct Slot<'a> {
    permit: Option<SemaphorePermit<'a>>,
    pace: &'a Pace,
    /// Whether it took the window's last place (the window was in full use).
    pub full: bool,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let Some(permit) = self.permit.take() else {
            return;
        };
        let mut state = self.pace.state.lock();
        if state.debt > 0 {
            state.debt -= 1;
            permit.forget();
        }
    }
}

impl Pace {
    /// A window of `start` requests that may open up to `max`.
    pub fn new(start: usize, max: usize) -> Pace {
        let max = max.max(1);
        let start = start.clamp(1, max);
        Pace {
            sem: Semaphore::new(start),
            state: Mutex::new(State {
                limit: start,
                threshold: max,
                counted: 0,
                debt: 0,
                fastest: None,
            }),
            max,
        }
    }

    /// Waits for a place in the window.
    pub async fn slot(&self) -> Slot<'_> {
        let permit = self.sem.acquire().await.ok();
        Slot {
            full: self.sem.available_permits() == 0,
            permit,
            pace: self,
        }
    }

    /// An answer came after `took` to a request sent when the window was `full` (see
    /// [`Slot::full`]): the window may open by one, or must close if the answer was slow.
    pub fn answered(&self, took: Duration, full: bool) {
        if took >= SLOW_ANSWER {
            self.lost();
            return;
        }
        let mut s = self.state.lock();
        let fastest = *s.fastest.get_or_insert(took);
        s.fastest = Some(fastest.min(took));
        if !full || s.limit >= self.max || took > fastest * 2 + QUEUEING_SLACK {
            return;
        }
        let grow = if s.limit < s.threshold {
            true
        } else {
            s.counted += 1;
            s.counted >= s.limit
        };
        if grow {
            s.counted = 0;
            s.limit += 1;
            if s.debt > 0 {
                s.debt -= 1;
            } else {
                self.sem.add_permits(1);
            }
        }
    }

    /// A connection could not be made, or an answer did not come: halve the window.
    pub fn lost(&self) {
        let mut s = self.state.lock();
        let target = (s.limit / 2).max(1);
        let shrink = s.limit - target;
        s.limit = target;
        s.threshold = target;
        s.counted = 0;
        let forgotten = self.sem.forget_permits(shrink);
        s.debt += shrink - forgotten;
    }

    /// The window now.
    pub fn limit(&self) -> usize {
        self.state.lock().limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_window_opens_with_answers_and_halves_on_a_loss() {
        let fast = Duration::from_millis(1);
        let pace = Pace::new(4, 64);
        for _ in 0..10 {
            pace.answered(fast, true);
        }
        assert_eq!(pace.limit(), 14, "slow start: one more per answer");
        pace.lost();
        assert_eq!(pace.limit(), 7);
        for _ in 0..7 {
            pace.answered(fast, true);
        }
        assert_eq!(
            pace.limit(),
            8,
            "past a loss: one more per window of answers"
        );
        // Held slots are forgotten, not returned, when the window shrank under them.
        let held: Vec<_> = futures::future::join_all((0..8).map(|_| pace.slot())).await;
        pace.lost();
        assert_eq!(pace.sem.available_permits(), 0);
        drop(held);
        assert_eq!(pace.sem.available_permits(), 4);
    }

    #[tokio::test]
    async fn the_window_never_passes_its_maximum() {
        let pace = Pace::new(1, 3);
        for _ in 0..100 {
            pace.answered(Duration::from_millis(1), true);
        }
        assert_eq!(pace.limit(), 3);
        assert_eq!(pace.sem.available_permits(), 3);
    }

    #[test]
    fn queueing_stops_the_window_and_a_slow_answer_halves_it() {
        let pace = Pace::new(8, 64);
        pace.answered(Duration::from_millis(2), true);
        assert_eq!(pace.limit(), 9);
        // Answers that waited in a queue (far slower than the fastest) do not open it.
        for _ in 0..20 {
            pace.answered(Duration::from_millis(40), true);
        }
        assert_eq!(pace.limit(), 9);
        pace.answered(SLOW_ANSWER, false);
        assert_eq!(pace.limit(), 4);
    }

    #[tokio::test]
    async fn only_answers_from_a_full_window_open_it() {
        // Regression: one request at a time, answered fast, opened the window without bound, and the
        // next burst (the histories round's twelve creates) went out whole to a service with a backlog of 2:
        // its kernel held some of them half-open for the whole timeout.
        let pace = Pace::new(4, 64);
        for _ in 0..100 {
            let slot = pace.slot().await;
            assert!(!slot.full, "one of four places");
            pace.answered(Duration::from_millis(1), slot.full);
        }
        assert_eq!(
            pace.limit(),
            4,
            "a window never used in full stays as it is"
        );
        let held: Vec<_> = futures::future::join_all((0..4).map(|_| pace.slot())).await;
        assert_eq!(held.iter().filter(|s| s.full).count(), 1, "the last place");
        pace.answered(Duration::from_millis(1), true);
        assert_eq!(pace.limit(), 5);
    }
}
