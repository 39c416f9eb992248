//! A fast, generic linearizability checker.
//!
//! A history of operations on a concurrent object (each with the client that sent it, the time it was
//! invoked and, if an answer came, the time it arrived) is checked against a sequential specification,
//! a [`Model`]. The model partitions the object into independent parts (Porcupine style); each part is
//! checked on its own, the parts in parallel (the first violation stops the others).
//!
//! Within a part the call and return events are taken in time order (calls first on ties, so an
//! operation that returns at the very instant another is invoked is concurrent with it). The search
//! works on *configurations*: the next return event, a model state, and which of the operations open
//! at that event are already linearized (a small bitset over slots of open operations). It is a
//! just-in-time, depth-first search with memoization:
//!
//! * at the return of an operation `o`, the children of a configuration are the configurations past
//!   that return, enumerated lazily: first a greedy guess (the open operations whose interval's middle
//!   comes before `o`'s, in that order, then `o`), then breadth first: `o` directly, then after one
//!   other open operation, after two, ... so a small repair is found before a large one;
//! * every configuration reached is remembered (deduplicated by hash), so none is explored twice;
//! * an operation the model declares [read-only](Model::read_only) is linearized as soon as it can be
//!   (never worse), which removes most of the orderings; an unanswered operation that would change
//!   nothing is never linearized (never better);
//! * with unanswered operations, a first pass lets each take effect only within a window after its
//!   call (twice the longest answered duration): what it finds is a real linearization, and it
//!   usually finds one fast. If it does not, the exact search (any time after the call, or never)
//!   decides.
//!
//! A violation comes with a witness: the configuration that got furthest, the linearization that led
//! to it, and the operation whose return could not be passed with the open operations left.
//!
//! Proving a violation may require trying every ordering, which can be exponential (in particular in
//! the number of unanswered operations that could still take effect): give a budget with
//! [`check_with`] to get [`Verdict::Unknown`] instead of waiting.
//!
//! ```
//! use appflow_harness::lincheck::{check, Entry, Model, Verdict};
//!
//! /// A register holding one integer: `Write(v)` or `Read(v)` (`None`: not answered).
//! struct Register;
//! enum Op { Write(i64), Read(Option<i64>) }
//!
//! impl Model for Register {
//!     type State = i64;
//!     type Op = Op;
//!     fn init(&self) -> i64 { 0 }
//!     fn partition(&self, _: &Op) -> u64 { 0 }
//!     fn step(&self, state: &i64, op: &Op, out: &mut Vec<i64>) {
//!         match op {
//!             Op::Write(v) => out.push(*v),
//!             Op::Read(None) => {}
//!             Op::Read(Some(v)) => if v == state { out.push(*state) },
//!         }
//!     }
//! }
//!
//! let history = vec![
//!     Entry { client: 0, call: 0, ret: Some(10), op: Op::Write(1) },
//!     Entry { client: 1, call: 5, ret: Some(6), op: Op::Read(Some(1)) }, // overlaps the write
//!     Entry { client: 1, call: 7, ret: Some(8), op: Op::Read(Some(0)) }, // after a read of 1
//! ];
//! assert!(matches!(check(&Register, &history), Verdict::Violation { stuck, .. } if stuck[0] == 2));
//! assert_eq!(check(&Register, &history[..2]), Verdict::Linearizable);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod search;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// A sequential specification of a concurrent object, partitioned (Porcupine style).
pub trait Model {
    /// The model's state: cheap to clone, comparable and hashable (configurations are deduplicated).
    type State: Clone + Eq + std::hash::Hash;
    /// One operation as recorded: its input and, when it was answered, its output.
    type Op;
    /// The state every partition starts in.
    fn init(&self) -> Self::State;
    /// Which independent part of the object an operation belongs to (for us: an account). Operations
    /// in different partitions never constrain each other, so each partition is checked alone.
    fn partition(&self, op: &Self::Op) -> u64;
    /// The states `op` may lead to from `state`, if it can be linearized there with what was
    /// observed; empty when it cannot. More than one state = nondeterminism the model allows. For an
    /// operation that got no answer (it may or may not have taken effect), the model returns every
    /// state it may lead to if it took effect; the checker itself also allows it to never take effect
    /// (so for such an operation a result equal to `state` may be left out: it changes nothing).
    ///
    /// `out` is empty when this is called; push the results onto it.
    fn step(&self, state: &Self::State, op: &Self::Op, out: &mut Vec<Self::State>);

    /// Whether `op` never changes the state: whatever the state, `step` returns nothing or that
    /// same state. Optional: the default `false` is always correct. `true` lets the checker
    /// linearize the operation as soon as it can be (which is never worse), and so skip most
    /// orderings of it, a large saving when many operations are concurrent. A wrong `true` can
    /// make the checker report a violation that is not one.
    fn read_only(&self, op: &Self::Op) -> bool {
        let _ = op;
        false
    }
}

/// One recorded operation: who sent it, when it was invoked and when its answer arrived (any
/// monotonic clock, e.g. nanoseconds since the start), `None` when no answer ever came.
///
/// An operation whose client gave up waiting (a timeout) has `ret: None`: it may still take effect
/// later. A `ret` earlier than `call` is read as `call`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry<O> {
    /// The client (thread, connection) that sent the operation; informative only.
    pub client: u32,
    /// When the operation was invoked.
    pub call: u64,
    /// When its answer arrived, `None` if it never did.
    pub ret: Option<u64>,
    /// The operation: input and observed output.
    pub op: O,
}

/// The answer of [`check`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every partition has a linearization.
    Linearizable,
    /// A partition has none. `prefix` is the longest linearizable prefix found (indices into the
    /// history, in linearization order), `stuck` the operations that could not follow it: first the
    /// operation whose return could not be satisfied, then the operations concurrent with it that
    /// were still pending and are not in `prefix` (in index order, unanswered ones included), as a
    /// minimal witness a person can read.
    Violation {
        /// The partition (see [`Model::partition`]) that has no linearization.
        partition: u64,
        /// A linearization of the operations before the failure, in order (history indices).
        prefix: Vec<usize>,
        /// The operation that could not be linearized, then the pending operations concurrent with it.
        stuck: Vec<usize>,
    },
    /// The search budget ([`Options::max_steps`]) ran out, or a partition had more than
    /// [`MAX_OPEN`] operations open at once, before an answer was found: nothing is known.
    /// `partition` is the one being checked when the search gave up.
    Unknown {
        /// The partition whose search gave up.
        partition: u64,
    },
}

/// The most operations of one partition that may be open (invoked and not returned, counting the
/// never answered ones) at the same time; past it the partition's verdict is [`Verdict::Unknown`].
pub const MAX_OPEN: usize = 4096;

/// Settings for [`check_with`].
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Worker threads; 0 (the default) uses [`std::thread::available_parallelism`].
    pub threads: usize,
    /// The most model steps ([`Model::step`] calls) the whole check may make, `None` for no limit.
    /// When it runs out the answer is [`Verdict::Unknown`] (counted in batches, so it may overrun
    /// by a few thousand steps per thread).
    pub max_steps: Option<u64>,
}

/// Checks that `history` is linearizable with respect to `model`, using every available core.
pub fn check<M: Model + Sync>(model: &M, history: &[Entry<M::Op>]) -> Verdict
where
    M::Op: Sync,
    M::State: Send,
{
    check_with(model, history, &Options::default())
}

/// Shared by the workers of one check: when to stop, and how much budget is left.
pub(crate) struct Control {
    stop: AtomicBool,
    steps: AtomicU64,
    budget: u64,
}

impl Control {
    /// Adds `n` steps to the count; false when the check should stop (budget out or stop asked).
    pub(crate) fn charge(&self, n: u64) -> bool {
        let used = self.steps.fetch_add(n, Ordering::Relaxed) + n;
        if used > self.budget {
            self.stop.store(true, Ordering::Relaxed);
        }
        !self.stopped()
    }

    /// Whether the check should stop.
    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// What the search of one partition found.
pub(crate) enum Found {
    /// The partition is linearizable.
    Ok,
    /// It is not: the witness (prefix, stuck).
    Violation((Vec<usize>, Vec<usize>)),
    /// The search gave up (budget, too many open operations) or was told to stop.
    GaveUp,
}

/// Like [`check`], with a thread count and a search budget.
pub fn check_with<M: Model + Sync>(
    model: &M,
    history: &[Entry<M::Op>],
    options: &Options,
) -> Verdict
where
    M::Op: Sync,
    M::State: Send,
{
    assert!(history.len() < u32::MAX as usize, "history too long");
    let mut groups: HashMap<u64, Vec<u32>, foldhash::fast::FixedState> = HashMap::default();
    for (i, e) in history.iter().enumerate() {
        groups
            .entry(model.partition(&e.op))
            .or_default()
            .push(i as u32);
    }
    let mut parts: Vec<(u64, Vec<u32>)> = groups.into_iter().collect();
    // Largest first (balances the threads), then by key so the order is deterministic.
    parts.sort_unstable_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));

    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(parts.len())
    .max(1);
    let ctl = Control {
        stop: AtomicBool::new(false),
        steps: AtomicU64::new(0),
        budget: options.max_steps.unwrap_or(u64::MAX),
    };
    let next = AtomicUsize::new(0);
    // (position in `parts`, verdict): the earliest position wins, for determinism.
    let result: Mutex<Option<(usize, Verdict)>> = Mutex::new(None);

    let work = || {
        loop {
            let k = next.fetch_add(1, Ordering::Relaxed);
            if k >= parts.len() || ctl.stop.load(Ordering::Relaxed) {
                return;
            }
            let (key, ops) = &parts[k];
            let verdict = match search::check_partition(model, history, ops, &ctl) {
                Found::Ok => continue,
                Found::Violation((prefix, stuck)) => {
                    ctl.stop.store(true, Ordering::Relaxed);
                    Verdict::Violation {
                        partition: *key,
                        prefix,
                        stuck,
                    }
                }
                Found::GaveUp => {
                    ctl.stop.store(true, Ordering::Relaxed);
                    Verdict::Unknown { partition: *key }
                }
            };
            let mut slot = result.lock().unwrap_or_else(|e| e.into_inner());
            // A definite violation beats an unknown; otherwise the earlier partition wins.
            let better = match &*slot {
                None => true,
                Some((j, old)) => match (old, &verdict) {
                    (Verdict::Unknown { .. }, Verdict::Violation { .. }) => true,
                    (Verdict::Violation { .. }, Verdict::Unknown { .. }) => false,
                    _ => k < *j,
                },
            };
            if better {
                *slot = Some((k, verdict));
            }
        }
    };
    if threads == 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(work);
            }
        });
    }
    let found = result.into_inner().unwrap_or_else(|e| e.into_inner());
    found.map_or(Verdict::Linearizable, |(_, v)| v)
}
