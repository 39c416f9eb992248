//! The search over one partition: a depth-first search over configurations, memoized.

use super::{Control, Entry, Found, MAX_OPEN, Model};
use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

/// No index / no operation.
const NONE: u32 = u32::MAX;
/// Model steps between two looks at the shared stop flag and budget.
const BATCH: u64 = 2048;

/// A set of slots of open operations.
trait Bits: Copy + Eq + Hash {
    fn zero() -> Self;
    fn get(&self, i: usize) -> bool;
    fn with(self, i: usize) -> Self;
    fn without(self, i: usize) -> Self;
    fn count(&self) -> u32;
}

impl<const N: usize> Bits for [u64; N] {
    fn zero() -> Self {
        [0; N]
    }
    fn get(&self, i: usize) -> bool {
        self[i / 64] >> (i % 64) & 1 == 1
    }
    fn with(mut self, i: usize) -> Self {
        self[i / 64] |= 1 << (i % 64);
        self
    }
    fn without(mut self, i: usize) -> Self {
        self[i / 64] &= !(1 << (i % 64));
        self
    }
    fn count(&self) -> u32 {
        self.iter().map(|w| w.count_ones()).sum()
    }
}

/// A hasher for keys that already are hashes.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = x;
    }
}

/// A configuration: the next return event whose operation is not linearized yet, a model state,
/// the open operations (slots) already linearized; and how it was first reached (for the witness).
struct Config<S, B> {
    event: u32,
    state: S,
    bits: B,
    /// The configuration it was reached from, and the operation (local index) linearized then.
    parent: u32,
    op: u32,
    /// The read-only operations then linearized on the spot: `forced[start..start + len]`.
    start: u32,
    len: u32,
}

/// The configurations seen so far, deduplicated: they are also the nodes of the search.
struct ConfigSet<S, B> {
    items: Vec<Config<S, B>>,
    /// Full hash -> the last item with that hash; `next` chains items with equal hashes.
    heads: HashMap<u64, u32, BuildHasherDefault<IdHasher>>,
    next: Vec<u32>,
}

impl<S: Eq, B: Bits> ConfigSet<S, B> {
    fn new() -> Self {
        ConfigSet {
            items: Vec::new(),
            heads: HashMap::default(),
            next: Vec::new(),
        }
    }

    /// Adds `c` (whose hash is `h`) unless an equal configuration is there; true if added.
    fn insert(&mut self, h: u64, c: Config<S, B>) -> bool {
        let idx = self.items.len() as u32;
        let prev = match self.heads.entry(h) {
            MapEntry::Vacant(e) => {
                e.insert(idx);
                NONE
            }
            MapEntry::Occupied(mut e) => {
                let mut i = *e.get();
                while i != NONE {
                    let o = &self.items[i as usize];
                    if o.event == c.event && o.bits == c.bits && o.state == c.state {
                        return false;
                    }
                    i = self.next[i as usize];
                }
                e.insert(idx)
            }
        };
        self.items.push(c);
        self.next.push(prev);
        true
    }
}

/// Checks one partition (`ops`: its history indices, ascending); a violation comes with its witness
/// (prefix, stuck) in history indices.
///
/// With operations that never returned, a first pass lets each take effect only until the first
/// return after twice the longest answered duration past its call: fewer choices, and a subset of
/// the linearizations allowed, so what it finds is a real linearization; it proves most
/// linearizable histories quickly. Only if it fails does the exact search run.
pub(crate) fn check_partition<M: Model>(
    model: &M,
    history: &[Entry<M::Op>],
    ops: &[u32],
    ctl: &Control,
) -> Found {
    let entries = || ops.iter().map(|&g| &history[g as usize]);
    if entries().any(|e| e.ret.is_none()) {
        // Twice the longest answered duration: the longest an operation plausibly took to take
        // effect, plus the longest it took an operation linearized before it to return.
        let longest = entries()
            .filter_map(|e| e.ret.map(|r| r.saturating_sub(e.call)))
            .max();
        let window = longest.unwrap_or(0).saturating_mul(2);
        match search(model, history, ops, Some(window), ctl) {
            Found::Ok => return Found::Ok,
            Found::GaveUp if ctl.stopped() => return Found::GaveUp,
            _ => {}
        }
    }
    search(model, history, ops, None, ctl)
}

/// One search; `window`: how long after its call an unanswered operation may take effect (`None`:
/// any time).
fn search<M: Model>(
    model: &M,
    history: &[Entry<M::Op>],
    ops: &[u32],
    window: Option<u64>,
    ctl: &Control,
) -> Found {
    let plan = Plan::new(history, ops, window);
    match plan.width {
        0..=64 => Search::<M, [u64; 1]>::new(model, history, ops, plan).run(ctl),
        65..=128 => Search::<M, [u64; 2]>::new(model, history, ops, plan).run(ctl),
        129..=256 => Search::<M, [u64; 4]>::new(model, history, ops, plan).run(ctl),
        257..=1024 => Search::<M, [u64; 16]>::new(model, history, ops, plan).run(ctl),
        w if w <= MAX_OPEN => Search::<M, [u64; 64]>::new(model, history, ops, plan).run(ctl),
        _ => Found::GaveUp,
    }
}

/// What the search needs to know of a partition's events, computed once.
struct Plan {
    /// The returning operations (local indices) in the order of their returns.
    rets: Vec<u32>,
    /// Per return event `a`, `open[starts[a]..starts[a + 1]]`: the (slot, operation) pairs open just
    /// before it (the returning one included), in order of preference.
    starts: Vec<u32>,
    open: Vec<(u16, u32)>,
    /// Per return event `a`, `expired[ends[a]..ends[a + 1]]`: the slots of unanswered operations
    /// whose window closed before it (after the previous one): open at `a`, not after.
    ends: Vec<u32>,
    expired: Vec<u16>,
    /// Local index -> its slot (while open).
    slot_of: Vec<u16>,
    /// The most operations open at once.
    width: usize,
}

impl Plan {
    fn new<O>(history: &[Entry<O>], ops: &[u32], window: Option<u64>) -> Self {
        let entry = |local: u32| &history[ops[local as usize] as usize];
        // Events: (time, kind << 32 | local index), kind 0 = call, 1 = return, 2 = the window of
        // an unanswered operation closes; in that order on ties.
        let mut events: Vec<(u64, u64)> = Vec::with_capacity(ops.len() * 2);
        for local in 0..ops.len() as u32 {
            let e = entry(local);
            events.push((e.call, local.into()));
            match (e.ret, window) {
                (Some(ret), _) => events.push((ret.max(e.call), 1 << 32 | u64::from(local))),
                (None, Some(w)) => {
                    events.push((e.call.saturating_add(w), 2 << 32 | u64::from(local)))
                }
                (None, None) => {}
            }
        }
        events.sort_unstable();
        // Preference: by the middle of the interval (an unbiased guess of when an operation took
        // effect), operations that never returned last.
        let key = |local: u32| {
            let e = entry(local);
            e.ret.map_or(u128::MAX, |r| {
                u128::from(e.call) + u128::from(r.max(e.call))
            })
        };
        let mut plan = Plan {
            rets: Vec::new(),
            starts: vec![0],
            open: Vec::new(),
            ends: Vec::new(),
            expired: Vec::new(),
            slot_of: vec![0; ops.len()],
            width: 0,
        };
        let mut free: Vec<u16> = Vec::new();
        let mut live: Vec<(u16, u32)> = Vec::new();
        let mut expiring: Vec<u16> = Vec::new();
        for &(_, tag) in &events {
            let local = tag as u32;
            if tag >> 32 == 0 {
                let slot = free.pop().unwrap_or(live.len() as u16);
                plan.slot_of[local as usize] = slot;
                let at = live.partition_point(|&(_, o)| key(o) <= key(local));
                live.insert(at, (slot, local));
                plan.width = plan.width.max(live.len());
                if plan.width > MAX_OPEN {
                    return plan;
                }
            } else if tag >> 32 == 2 {
                // Still open until the next return: it may take effect until then.
                expiring.push(plan.slot_of[local as usize]);
            } else {
                plan.rets.push(local);
                plan.open.extend_from_slice(&live);
                plan.starts.push(plan.open.len() as u32);
                plan.ends.push(plan.expired.len() as u32);
                plan.expired.append(&mut expiring);
                let slot = plan.slot_of[local as usize];
                let gone = &plan.expired[*plan.ends.last().expect("pushed") as usize..];
                live.retain(|&(s, _)| s != slot && !gone.contains(&s));
                free.push(slot);
                free.extend_from_slice(gone);
            }
        }
        plan.ends.push(plan.expired.len() as u32);
        plan
    }
}

/// A node of the search: a configuration whose returning operation is not linearized yet, and where
/// the breadth-first enumeration of its children (the configurations past that return) stands.
struct Frame {
    cfg: u32,
    /// Intermediate configurations (same event) found so far; `at` = 0 is `cfg` itself, `at` = i
    /// is `queue[i - 1]`.
    queue: Vec<u32>,
    at: u32,
    /// Whether the returning operation was tried on the current intermediate yet.
    expanding: bool,
    /// Whether the greedy child was tried yet.
    guessed: bool,
    /// Next candidate (position in the event's open list) and result of its step to try.
    next: u32,
    result: u32,
}

/// The search of one partition.
struct Search<'a, M: Model, B> {
    model: &'a M,
    history: &'a [Entry<M::Op>],
    ops: &'a [u32],
    plan: Plan,
    read_only: Vec<bool>,
    endless: Vec<bool>,
    seen: ConfigSet<M::State, B>,
    /// The read-only operations linearized on the spot by each configuration (see `Config`).
    forced: Vec<u32>,
    hasher: foldhash::fast::FixedState,
    out: Vec<M::State>,
    steps: u64,
    /// The configuration that got furthest (most return events, then most operations).
    best: u32,
}

impl<'a, M: Model, B: Bits> Search<'a, M, B> {
    fn new(model: &'a M, history: &'a [Entry<M::Op>], ops: &'a [u32], plan: Plan) -> Self {
        let entry = |local: usize| &history[ops[local] as usize];
        Search {
            model,
            history,
            ops,
            plan,
            read_only: (0..ops.len())
                .map(|l| model.read_only(&entry(l).op))
                .collect(),
            endless: (0..ops.len()).map(|l| entry(l).ret.is_none()).collect(),
            seen: ConfigSet::new(),
            forced: Vec::new(),
            hasher: foldhash::fast::FixedState::with_seed(0x5eed),
            out: Vec::new(),
            steps: 0,
            best: 0,
        }
    }

    /// Steps `local` from `state` into `self.out`.
    fn step(&mut self, state: &M::State, local: u32) {
        self.out.clear();
        let op = &self.history[self.ops[local as usize] as usize].op;
        self.model.step(state, op, &mut self.out);
        self.steps += 1;
    }

    /// Records the configuration reached from `parent` by linearizing `op` (to `state`, `bits`),
    /// after passing the return events whose operation it has linearized and linearizing the
    /// read-only operations that can be (which is never worse). Its index if it is new.
    fn add(
        &mut self,
        mut event: u32,
        state: M::State,
        mut bits: B,
        parent: u32,
        op: u32,
    ) -> Option<u32> {
        let start = self.forced.len() as u32;
        let rets = self.plan.rets.len() as u32;
        let mut changed = true;
        while changed && event < rets {
            changed = false;
            let slot = self.plan.slot_of[self.plan.rets[event as usize] as usize] as usize;
            // Past the return, unless operations whose window closes here are left: then the
            // search decides (they may still go first).
            if bits.get(slot) && !self.closing(event, bits) {
                bits = self.passed(event, bits);
                event += 1;
                changed = true;
                continue;
            }
            let (from, to) = (
                self.plan.starts[event as usize],
                self.plan.starts[event as usize + 1],
            );
            for k in from..to {
                let (s, local) = self.plan.open[k as usize];
                let (l, s) = (local as usize, s as usize);
                if self.read_only[l] && !self.endless[l] && !bits.get(s) {
                    self.step(&state, local);
                    if !self.out.is_empty() {
                        bits = bits.with(s);
                        self.forced.push(local);
                        changed = true;
                    }
                }
            }
        }
        let mut h = self.hasher.build_hasher();
        h.write_u32(event);
        state.hash(&mut h);
        bits.hash(&mut h);
        let len = self.forced.len() as u32 - start;
        let c = Config {
            event,
            state,
            bits,
            parent,
            op,
            start,
            len,
        };
        if !self.seen.insert(h.finish(), c) {
            self.forced.truncate(start as usize);
            return None;
        }
        let idx = self.seen.items.len() as u32 - 1;
        let rank = |c: &Config<M::State, B>| (c.event, c.bits.count());
        if rank(&self.seen.items[idx as usize]) > rank(&self.seen.items[self.best as usize]) {
            self.best = idx;
        }
        Some(idx)
    }

    /// The slots of the operations whose window closes at return event `a`.
    fn expired(&self, a: u32) -> &[u16] {
        &self.plan.expired
            [self.plan.ends[a as usize] as usize..self.plan.ends[a as usize + 1] as usize]
    }

    /// Whether operations whose window closes at `a` are left in `bits`.
    fn closing(&self, a: u32, bits: B) -> bool {
        self.expired(a).iter().any(|&s| !bits.get(s.into()))
    }

    /// `bits` past return event `a`: without its returning operation and closed windows.
    fn passed(&self, a: u32, bits: B) -> B {
        let slot = self.plan.slot_of[self.plan.rets[a as usize] as usize];
        let bits = self
            .expired(a)
            .iter()
            .fold(bits, |b, &s| b.without(s.into()));
        bits.without(slot.into())
    }

    fn run(mut self, ctl: &Control) -> Found {
        let done = self.plan.rets.len() as u32;
        let root = self
            .add(0, self.model.init(), B::zero(), NONE, NONE)
            .expect("first");
        if self.seen.items[root as usize].event == done {
            return Found::Ok;
        }
        let frame = |cfg| Frame {
            cfg,
            queue: Vec::new(),
            at: 0,
            expanding: false,
            guessed: false,
            next: 0,
            result: 0,
        };
        let mut stack = vec![frame(root)];
        while let Some(f) = stack.last_mut() {
            if self.steps >= BATCH {
                if !ctl.charge(self.steps) {
                    return Found::GaveUp;
                }
                self.steps = 0;
            }
            match self.next_child(f) {
                Some(c) if self.seen.items[c as usize].event == done => return Found::Ok,
                Some(c) => stack.push(frame(c)),
                None => {
                    stack.pop();
                }
            }
        }
        Found::Violation(self.witness())
    }

    /// The next new configuration past the return of `f`'s configuration, breadth first: the
    /// returning operation linearized directly, then after one other open operation, and so on.
    fn next_child(&mut self, f: &mut Frame) -> Option<u32> {
        let a = self.seen.items[f.cfg as usize].event;
        let o = self.plan.rets[a as usize];
        let o_slot = self.plan.slot_of[o as usize];
        let (from, to) = (
            self.plan.starts[a as usize],
            self.plan.starts[a as usize + 1],
        );
        if !f.guessed {
            f.guessed = true;
            if let Some(c) = self.guess(f, a, o) {
                return Some(c);
            }
        }
        loop {
            let y = match f.at {
                0 => f.cfg,
                i => *f.queue.get(i as usize - 1)?,
            };
            let bits = self.seen.items[y as usize].bits;
            if !f.expanding && bits.get(o_slot as usize) {
                // The returning operation is linearized, windows close here: pass the return.
                (f.expanding, f.result) = (true, 0);
                let state = self.seen.items[y as usize].state.clone();
                if let Some(c) = self.add(a + 1, state, self.passed(a, bits), y, NONE) {
                    return Some(c);
                }
                continue;
            }
            let local = if f.expanding {
                let k = from + f.next;
                if k == to {
                    (f.at, f.expanding, f.next) = (f.at + 1, false, 0);
                    continue;
                }
                let (slot, local) = self.plan.open[k as usize];
                if slot == o_slot || bits.get(slot as usize) || self.read_only[local as usize] {
                    f.next += 1;
                    continue;
                }
                local
            } else {
                o
            };
            self.out.clear();
            let op = &self.history[self.ops[local as usize] as usize].op;
            self.model
                .step(&self.seen.items[y as usize].state, op, &mut self.out);
            self.steps += 1;
            let r = f.result as usize;
            if r + 1 < self.out.len() {
                f.result += 1;
            } else if f.expanding {
                (f.next, f.result) = (f.next + 1, 0);
            } else {
                (f.expanding, f.result) = (true, 0);
            }
            if r >= self.out.len() {
                continue;
            }
            let next = self.out.swap_remove(r);
            // An operation that never returns and changes nothing: not linearizing it is as good.
            if self.endless[local as usize] && next == self.seen.items[y as usize].state {
                continue;
            }
            let slot = self.plan.slot_of[local as usize] as usize;
            if let Some(c) = self.add(a, next, bits.with(slot), y, local) {
                if self.seen.items[c as usize].event > a {
                    return Some(c);
                }
                f.queue.push(c);
            }
        }
    }

    /// The greedy child: the open operations whose interval's middle comes before the returning
    /// one's linearized in that order (those that can be), then the returning one. The
    /// configurations on the way join `f`'s queue, to be expanded like the others.
    fn guess(&mut self, f: &mut Frame, a: u32, o: u32) -> Option<u32> {
        let (from, to) = (
            self.plan.starts[a as usize],
            self.plan.starts[a as usize + 1],
        );
        let mut y = f.cfg;
        let o_slot = self.plan.slot_of[o as usize] as usize;
        if self.seen.items[y as usize].bits.get(o_slot) {
            return None;
        }
        for k in from..to {
            let (slot, local) = self.plan.open[k as usize];
            let bits = self.seen.items[y as usize].bits;
            if local != o && (bits.get(slot as usize) || self.read_only[local as usize]) {
                continue;
            }
            self.out.clear();
            let op = &self.history[self.ops[local as usize] as usize].op;
            self.model
                .step(&self.seen.items[y as usize].state, op, &mut self.out);
            self.steps += 1;
            if self.out.is_empty() {
                if local == o {
                    return None;
                }
                continue;
            }
            let next = self.out.swap_remove(0);
            let c = self.add(a, next, bits.with(slot as usize), y, local)?;
            if self.seen.items[c as usize].event > a {
                return Some(c);
            }
            f.queue.push(c);
            y = c;
        }
        None
    }

    /// The witness: the configuration that got furthest, the path to it, and the open operations
    /// that could not follow it (the returning one first).
    fn witness(&self) -> (Vec<usize>, Vec<usize>) {
        let global = |local: u32| self.ops[local as usize] as usize;
        let best = &self.seen.items[self.best as usize];
        let mut path = Vec::new();
        let mut c = best;
        loop {
            let forced = &self.forced[c.start as usize..(c.start + c.len) as usize];
            path.extend(forced.iter().rev().map(|&l| global(l)));
            if c.parent == NONE {
                break;
            }
            if c.op != NONE {
                path.push(global(c.op));
            }
            c = &self.seen.items[c.parent as usize];
        }
        path.reverse();
        let returning = self.plan.rets[best.event as usize];
        let (from, to) = (
            self.plan.starts[best.event as usize],
            self.plan.starts[best.event as usize + 1],
        );
        let mut rest: Vec<usize> = (self.plan.open[from as usize..to as usize].iter())
            .filter(|&&(slot, local)| local != returning && !best.bits.get(slot as usize))
            .map(|&(_, local)| global(local))
            .collect();
        rest.sort_unstable();
        let mut stuck = vec![global(returning)];
        stuck.extend(rest);
        (path, stuck)
    }
}
