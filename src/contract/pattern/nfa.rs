//! A Thompson NFA over character classes, compiled from a `regex-syntax` HIR; the backward
//! table "from which states can the text end after exactly `k` more chars"; and the engine
//! that generates strings of an exact length with them.
//!
//! Positions matter only through two flags: whether the current position is the start of the
//! text (where `^` passes) and whether it is the end (where `$` passes).

#![forbid(unsafe_code)]

use regex_syntax::hir::{Class, ClassUnicode, ClassUnicodeRange, Hir, HirKind, Look, Repetition};
use std::collections::HashMap;

/// Patterns that need more NFA states than this are refused.
const MAX_NODES: usize = 10_000;
/// Budget (table rows times bitset words) for finding where the backward table repeats.
const MAX_TABLE_WORDS: usize = 1 << 22;
/// Generated text never contains these: line terminators (Unicode's, including VT, FF and NEL)
/// and non-ASCII whitespace.
const EXCLUDED: [(char, char); 9] = [
    ('\n', '\r'),
    ('\u{85}', '\u{85}'),
    ('\u{A0}', '\u{A0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200A}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202F}', '\u{202F}'),
    ('\u{205F}', '\u{205F}'),
    ('\u{3000}', '\u{3000}'),
];
/// `Engine::generate` answers `None` beyond this many chars.
const MAX_LEN: usize = 1 << 24;
/// The order in which generation prefers characters, so values look natural.
const NATURAL: &str = "abcdefghijklmnopqrstuvwxyz1234567890ABCDEFGHIJKLMNOPQRSTUVWXYZ\
                       -_.:/@+=~!#,;%&*()[]{}<>?|^$'\"`\\ ";

/// A set of NFA states, one bit each.
pub(super) type Set = Vec<u64>;

/// Whether state `i` is in `s`.
pub(super) fn has(s: &Set, i: u32) -> bool {
    s.get(i as usize / 64)
        .is_some_and(|w| w >> (i % 64) & 1 == 1)
}

/// Adds state `i` to `s`; returns whether it was new.
pub(super) fn add(s: &mut Set, i: u32) -> bool {
    let (w, bit) = (i as usize / 64, 1u64 << (i % 64));
    let new = s[w] & bit == 0;
    s[w] |= bit;
    new
}

fn members(s: &Set) -> impl Iterator<Item = u32> + '_ {
    s.iter().enumerate().flat_map(|(w, &bits)| {
        let mut bits = bits;
        std::iter::from_fn(move || {
            (bits != 0).then(|| {
                let b = bits.trailing_zeros();
                bits &= bits - 1;
                (w * 64) as u32 + b
            })
        })
    })
}

/// Whether the sorted, disjoint `ranges` contain `c`.
pub(super) fn contains(ranges: &[(char, char)], c: char) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                Less
            } else if lo > c {
                Greater
            } else {
                Equal
            }
        })
        .is_ok()
}

/// One character class of the pattern.
#[derive(Clone, Debug)]
pub(super) struct CharClass {
    /// Every char the class matches.
    pub(super) full: Vec<(char, char)>,
    /// The chars generation may use: `full` without line terminators and non-ASCII whitespace.
    pub(super) usable: Vec<(char, char)>,
    /// The most natural usable char and its rank (lower is better).
    pub(super) best: Option<(usize, char)>,
}

/// A char-consuming transition found by [`Nfa::closure`].
#[derive(Clone, Copy, Debug)]
pub(super) struct Step {
    /// Index into [`Nfa::classes`].
    pub(super) class: usize,
    /// The state after the char.
    pub(super) next: u32,
    /// A lone "any char" (`.` outside a repetition), which most likely means a literal dot.
    pub(super) dot: bool,
}

#[derive(Clone, Debug)]
enum Node {
    Char(Step),
    Split(Vec<u32>),
    Start(u32),
    End(u32),
    Match,
}

/// The compiled automaton.
#[derive(Clone, Debug)]
pub(super) struct Nfa {
    nodes: Vec<Node>,
    /// The distinct classes the pattern uses.
    pub(super) classes: Vec<CharClass>,
    /// The initial state.
    pub(super) start: u32,
    /// Reverse edges of `Split` nodes, of `End` nodes, and of char nodes (with their class).
    rev: Vec<Vec<u32>>,
    rev_end: Vec<Vec<u32>>,
    rev_char: Vec<Vec<(u32, usize)>>,
}

struct Builder {
    nodes: Vec<Node>,
    classes: Vec<CharClass>,
    index: HashMap<Vec<(char, char)>, usize>,
}

impl Builder {
    fn push(&mut self, node: Node) -> Option<u32> {
        (self.nodes.len() < MAX_NODES).then(|| {
            self.nodes.push(node);
            (self.nodes.len() - 1) as u32
        })
    }

    fn char(&mut self, class: &ClassUnicode, next: u32, looped: bool) -> Option<u32> {
        let full: Vec<(char, char)> = class.iter().map(|r| (r.start(), r.end())).collect();
        let dot = !looped && full.iter().any(|&(lo, hi)| lo <= ' ' && hi >= '~');
        let id = match self.index.get(&full) {
            Some(&id) => id,
            None => {
                let mut usable = class.clone();
                let excluded = EXCLUDED.iter().map(|&(a, b)| ClassUnicodeRange::new(a, b));
                usable.difference(&ClassUnicode::new(excluded));
                let usable: Vec<(char, char)> =
                    usable.iter().map(|r| (r.start(), r.end())).collect();
                let best = NATURAL
                    .chars()
                    .enumerate()
                    .find(|&(_, c)| contains(&usable, c))
                    .or_else(|| usable.first().map(|&(lo, _)| (NATURAL.len(), lo)));
                self.classes.push(CharClass {
                    full: full.clone(),
                    usable,
                    best,
                });
                self.index.insert(full, self.classes.len() - 1);
                self.classes.len() - 1
            }
        };
        self.push(Node::Char(Step {
            class: id,
            next,
            dot,
        }))
    }

    /// Compiles `hir` so that it continues to `next`; returns its entry state.
    fn comp(&mut self, hir: &Hir, next: u32, looped: bool) -> Option<u32> {
        match hir.kind() {
            HirKind::Empty => Some(next),
            HirKind::Literal(lit) => {
                let text = std::str::from_utf8(&lit.0).ok()?;
                text.chars().rev().try_fold(next, |nx, c| {
                    self.char(
                        &ClassUnicode::new([ClassUnicodeRange::new(c, c)]),
                        nx,
                        looped,
                    )
                })
            }
            HirKind::Class(Class::Unicode(cls)) => self.char(cls, next, looped),
            HirKind::Class(Class::Bytes(cls)) => self.char(&cls.to_unicode_class()?, next, looped),
            HirKind::Look(Look::Start) => self.push(Node::Start(next)),
            HirKind::Look(Look::End) => self.push(Node::End(next)),
            HirKind::Look(_) => None,
            HirKind::Capture(cap) => self.comp(&cap.sub, next, looped),
            HirKind::Concat(subs) => subs
                .iter()
                .rev()
                .try_fold(next, |nx, sub| self.comp(sub, nx, looped)),
            HirKind::Alternation(subs) => {
                let entries = subs.iter().map(|sub| self.comp(sub, next, looped));
                let entries = entries.collect::<Option<Vec<u32>>>()?;
                self.push(Node::Split(entries))
            }
            HirKind::Repetition(rep) => {
                let looped = looped || rep.max != Some(1);
                let mut nx = next;
                match rep.max {
                    None => {
                        let lp = self.push(Node::Split(Vec::new()))?;
                        let body = self.comp(&rep.sub, lp, looped)?;
                        self.nodes[lp as usize] = Node::Split(vec![body, nx]);
                        nx = lp;
                    }
                    Some(max) => {
                        // Nested, (x(x(x)?)?)?, so that the closure stays small.
                        for _ in rep.min..max {
                            let body = self.comp(&rep.sub, nx, looped)?;
                            nx = self.push(Node::Split(vec![body, next]))?;
                        }
                    }
                }
                (0..rep.min).try_fold(nx, |nx, _| self.comp(&rep.sub, nx, looped))
            }
        }
    }
}

impl Nfa {
    /// Compiles `hir`, or `None` if it uses something unsupported or is too large.
    pub(super) fn new(hir: &Hir) -> Option<Nfa> {
        let mut b = Builder {
            nodes: Vec::new(),
            classes: Vec::new(),
            index: HashMap::new(),
        };
        let fin = b.push(Node::Match)?;
        let start = b.comp(hir, fin, false)?;
        let mut rev = vec![Vec::new(); b.nodes.len()];
        let mut rev_end = vec![Vec::new(); b.nodes.len()];
        let mut rev_char = vec![Vec::new(); b.nodes.len()];
        for (i, node) in b.nodes.iter().enumerate() {
            match node {
                Node::Split(targets) => {
                    targets.iter().for_each(|&t| rev[t as usize].push(i as u32))
                }
                Node::End(t) => rev_end[*t as usize].push(i as u32),
                Node::Char(st) => rev_char[st.next as usize].push((i as u32, st.class)),
                _ => {}
            }
        }
        Some(Nfa {
            nodes: b.nodes,
            classes: b.classes,
            start,
            rev,
            rev_end,
            rev_char,
        })
    }

    /// How many states there are.
    pub(super) fn len(&self) -> usize {
        self.nodes.len()
    }

    /// An empty state set.
    pub(super) fn empty(&self) -> Set {
        vec![0; self.nodes.len().div_ceil(64)]
    }

    /// The set holding only the initial state.
    pub(super) fn initial(&self) -> Set {
        let mut s = self.empty();
        add(&mut s, self.start);
        s
    }

    /// Follows the empty transitions from `from` at a position that is (or not) the start and
    /// the end of the text; fills `steps` with the char transitions found (in a deterministic
    /// order) and returns whether the match state was reached.
    pub(super) fn closure(
        &self,
        from: &Set,
        start: bool,
        end: bool,
        steps: &mut Vec<Step>,
    ) -> bool {
        steps.clear();
        let mut seen = self.empty();
        let mut stack: Vec<u32> = members(from).collect();
        stack.reverse();
        let mut matched = false;
        while let Some(s) = stack.pop() {
            if !add(&mut seen, s) {
                continue;
            }
            match &self.nodes[s as usize] {
                Node::Char(step) => steps.push(*step),
                Node::Split(targets) => stack.extend(targets.iter().rev()),
                Node::Start(n) if start => stack.push(*n),
                Node::End(n) if end => stack.push(*n),
                Node::Start(_) | Node::End(_) => {}
                Node::Match => matched = true,
            }
        }
        matched
    }

    /// The states from which the text can end right here (not at its start).
    pub(super) fn final_set(&self) -> Set {
        let mut set = self.empty();
        self.grow(&mut set, vec![0], true);
        set
    }

    /// The classes (as a set of class indices) that `keep` selects.
    pub(super) fn class_set(&self, keep: impl Fn(&CharClass) -> bool) -> Set {
        let mut set = vec![0; self.classes.len().div_ceil(64)];
        for (i, c) in self.classes.iter().enumerate() {
            if keep(c) {
                add(&mut set, i as u32);
            }
        }
        set
    }

    /// The states (not at the start of the text, nor at its end) from which one char of a class
    /// in `classes` leads into `target`.
    pub(super) fn back(&self, target: &Set, classes: &Set) -> Set {
        let mut set = self.empty();
        let seeds = members(target).flat_map(|t| &self.rev_char[t as usize]);
        let seeds = seeds.filter(|&&(_, class)| has(classes, class as u32));
        self.grow(&mut set, seeds.map(|&(id, _)| id).collect(), false);
        set
    }

    fn grow(&self, set: &mut Set, mut stack: Vec<u32>, with_end: bool) {
        while let Some(s) = stack.pop() {
            if add(set, s) {
                stack.extend(&self.rev[s as usize]);
                if with_end {
                    stack.extend(&self.rev_end[s as usize]);
                }
            }
        }
    }
}

/// Row `k` holds the states from which the text can end after exactly `k` more chars (at
/// positions past the start); rows repeat with a period from row `cycle` on.
#[derive(Clone, Debug)]
pub(super) struct Table {
    rows: Vec<Set>,
    cycle: usize,
}

impl Table {
    /// Computes rows until they repeat, or `None` past the work budget.
    pub(super) fn new(nfa: &Nfa) -> Option<Table> {
        let first = nfa.final_set();
        let words = first.len().max(1);
        let mut index = HashMap::from([(first.clone(), 0)]);
        let mut rows = vec![first];
        let usable = nfa.class_set(|c| !c.usable.is_empty());
        loop {
            let last = rows.last()?;
            let next = nfa.back(last, &usable);
            if let Some(&cycle) = index.get(&next) {
                return Some(Table { rows, cycle });
            }
            if rows.len() * words > MAX_TABLE_WORDS {
                return None;
            }
            index.insert(next.clone(), rows.len());
            rows.push(next);
        }
    }

    /// The row number that `k` maps to (equal rows share a number).
    pub(super) fn index(&self, k: usize) -> usize {
        if k < self.rows.len() {
            k
        } else {
            self.cycle + (k - self.cycle) % (self.rows.len() - self.cycle)
        }
    }

    /// The row for `k` remaining chars.
    pub(super) fn row(&self, k: usize) -> &Set {
        &self.rows[self.index(k)]
    }

    /// How many distinct rows there are.
    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    /// For each of the `n` states, the fewest chars after which the text can end from it
    /// (`usize::MAX` if never).
    pub(super) fn distances(&self, n: usize) -> Vec<usize> {
        let mut dist = vec![usize::MAX; n];
        for (k, row) in self.rows.iter().enumerate() {
            for s in members(row) {
                dist[s as usize] = dist[s as usize].min(k);
            }
        }
        dist
    }

    /// The first row of the repeating part.
    pub(super) fn cycle(&self) -> usize {
        self.cycle
    }
}

/// The automaton, its backward table and the length bounds.
#[derive(Clone, Debug)]
pub(super) struct Engine {
    /// The automaton.
    pub(super) nfa: Nfa,
    /// Its backward table.
    pub(super) table: Table,
    /// Per state, the fewest chars left before the text can end.
    dist: Vec<usize>,
    /// The shortest length of a match.
    pub(super) min: usize,
    /// The longest length of a match (`None` = unbounded).
    pub(super) max: Option<usize>,
}

impl Engine {
    /// Builds the engine for whole-text matches of `hir` (an unanchored side is given a `.*`).
    pub(super) fn new(hir: &Hir) -> Option<Engine> {
        let any = || {
            let all = ClassUnicode::new([ClassUnicodeRange::new('\0', char::MAX)]);
            let sub = Box::new(Hir::class(Class::Unicode(all)));
            Hir::repetition(Repetition {
                min: 0,
                max: None,
                greedy: false,
                sub,
            })
        };
        let props = hir.properties();
        let mut parts = Vec::new();
        if !props.look_set_prefix().contains(Look::Start) {
            parts.push(any());
        }
        parts.push(hir.clone());
        if !props.look_set_suffix().contains(Look::End) {
            parts.push(any());
        }
        let nfa = Nfa::new(&Hir::concat(parts))?;
        let table = Table::new(&nfa)?;
        let mut steps = Vec::new();
        let zero = nfa.closure(&nfa.initial(), true, true, &mut steps);
        nfa.closure(&nfa.initial(), true, false, &mut steps);
        let usable = |st: &Step| !nfa.classes[st.class].usable.is_empty();
        let viable = |k: usize| {
            steps
                .iter()
                .any(|st| usable(st) && has(table.row(k - 1), st.next))
        };
        let rows = table.len();
        let min = if zero {
            0
        } else {
            (1..=rows).find(|&k| viable(k))?
        };
        let max = if (table.cycle() + 1..=rows).any(viable) {
            None
        } else {
            Some((1..=table.cycle()).rev().find(|&k| viable(k)).unwrap_or(0))
        };
        let dist = table.distances(nfa.len());
        Some(Engine {
            nfa,
            table,
            dist,
            min,
            max,
        })
    }

    /// A matching string of exactly `len` chars that keeps as much of `like`'s prefix as it can,
    /// and otherwise takes, among the chars that still allow finishing at `len`, one that gets
    /// closest to a possible end (so padding goes last), the most natural such char.
    pub(super) fn generate(&self, len: usize, like: &[char]) -> Option<String> {
        if len < self.min || self.max.is_some_and(|m| len > m) || len > MAX_LEN {
            return None;
        }
        let (nfa, table) = (&self.nfa, &self.table);
        let mut out: Vec<char> = Vec::with_capacity(len);
        let mut cur = nfa.initial();
        let mut follow = !like.is_empty();
        // Once `like` is left behind, the choice at a position depends only on the state set and
        // the table row; when that pair repeats, the output repeats until the table's tail.
        let mut seen: HashMap<(Set, usize), usize> = HashMap::new();
        let (mut history, mut base, mut detect) = (Vec::<Set>::new(), 0, true);
        let (mut steps, mut viable) = (Vec::new(), Vec::new());
        let mut p = 0;
        while p < len {
            let g = table.index(len - p - 1);
            if !follow && detect && p > 0 {
                let key = (cur.clone(), g);
                if let Some(&p1) = seen.get(&key) {
                    let (d, limit) = (p - p1, len - table.cycle());
                    for q in p..limit {
                        out.push(out[p1 + (q - p1) % d]);
                    }
                    cur = history[p1 + (limit - p1) % d - base].clone();
                    (p, detect) = (limit, false);
                    continue;
                }
                if history.is_empty() {
                    base = p;
                }
                history.push(cur.clone());
                seen.insert(key, p);
            }
            nfa.closure(&cur, p == 0, false, &mut steps);
            let row = table.row(len - p - 1);
            viable.clear();
            viable.extend(
                steps
                    .iter()
                    .filter(|st| !nfa.classes[st.class].usable.is_empty() && has(row, st.next)),
            );
            let usable = |st: &Step, c: char| contains(&nfa.classes[st.class].usable, c);
            let mut pick = None;
            if follow {
                pick = like
                    .get(p)
                    .copied()
                    .filter(|&c| viable.iter().any(|st| usable(st, c)));
                follow = pick.is_some();
            }
            let pick = pick.or_else(|| {
                let rank = |st: &Step| match nfa.classes[st.class].best {
                    _ if st.dot && usable(st, '.') => Some((self.dist[st.next as usize], 0, '.')),
                    Some((r, c)) => Some((self.dist[st.next as usize], r + 1, c)),
                    None => None,
                };
                viable
                    .iter()
                    .filter_map(rank)
                    .min_by_key(|&(d, r, _)| (d, r))
                    .map(|(.., c)| c)
            })?;
            let mut next = nfa.empty();
            for st in viable.iter().filter(|st| usable(st, pick)) {
                add(&mut next, st.next);
            }
            (cur, p) = (next, p + 1);
            out.push(pick);
        }
        nfa.closure(&cur, len == 0, true, &mut steps)
            .then(|| out.into_iter().collect())
    }
}
