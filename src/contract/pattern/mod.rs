//! Test strings from regular expressions: values of an exact length, one value per top-level
//! alternative, and near misses (one edit away from a valid value, yet not matching).
//!
//! A pattern is parsed with `regex-syntax` into a small NFA over character classes; `regex`
//! decides what matches. Everything is deterministic. Lengths count chars (Unicode scalar
//! values), like JSON Schema's `minLength`/`maxLength`. Generated text never contains line
//! terminators (`\n`, `\r`, VT, FF, NEL, U+2028, U+2029) or non-ASCII whitespace.

mod nfa;

use nfa::{Engine, Nfa, Set, add, contains, has};
use regex::Regex;
use regex_syntax::ast::{AssertionKind, Ast, RepetitionKind, RepetitionRange};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

/// The near-miss alphabet: interesting characters first (each equivalence class is represented by
/// its members in this order), then the rest of printable ASCII.
const ALPHABET_FIRST: &str = "- $*é+/'\"\\%&()<>[]{}|^`~!#@=?,.:;_ßЖ中";

/// A parsed pattern, ready to generate from (parse once, generate many).
#[derive(Clone, Debug)]
pub struct Pattern {
    regex: Regex,
    engine: Engine,
    eq: Vec<EqClass>,
    alternatives: Vec<String>,
}

/// One value that must not match, one edit away from a valid value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NearMiss {
    /// The value.
    pub value: String,
    /// The char index in the valid value where the edit was made.
    pub position: usize,
    /// What was done there.
    pub edit: Edit,
    /// The character used (or deleted) and its equivalence class, e.g. `'$' (class: $%&*...)`.
    pub class: String,
}

/// The kind of a single-character edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Edit {
    /// The char at `position` was replaced.
    Substitute,
    /// A char was inserted before the char at `position` (or at the end).
    Insert,
    /// The char at `position` was removed.
    Delete,
}

/// A set of alphabet chars that every class of the pattern either fully contains or excludes.
#[derive(Clone, Debug)]
struct EqClass {
    members: Vec<char>,
    /// The pattern classes (by index) containing the members.
    sig: Set,
}

/// Near-miss candidates at positions in one automaton state: (edit rank, eq class) → positions.
type Group = BTreeMap<(u8, usize), Vec<usize>>;

impl Pattern {
    /// Parses `pattern` (Rust `regex` syntax); `None` if it does not parse, uses something this
    /// crate cannot handle (word boundaries, multi-line anchors, ...), is too large, or no string
    /// without line terminators can match it.
    pub fn new(pattern: &str) -> Option<Pattern> {
        let regex = Regex::new(pattern).ok()?;
        let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
        let engine = Engine::new(&hir)?;
        let eq = eq_classes(&engine.nfa);
        let mut alternatives = Vec::new();
        let branches = branch_patterns(pattern);
        for src in branches.iter().filter(|_| branches.len() > 1) {
            let eng = regex_syntax::Parser::new()
                .parse(src)
                .ok()
                .and_then(|h| Engine::new(&h));
            if let Some(s) = eng.and_then(|e| e.generate(e.min, &[]))
                && regex.is_match(&s)
                && !alternatives.contains(&s)
            {
                alternatives.push(s);
            }
        }
        if alternatives.is_empty() {
            alternatives.extend(engine.generate(engine.min, &[]));
        }
        Some(Pattern {
            regex,
            engine,
            eq,
            alternatives,
        })
    }

    /// Whether `s` matches (the whole value, as the anchors say).
    pub fn matches(&self, s: &str) -> bool {
        self.regex.is_match(s)
    }

    /// The shortest and longest lengths of a matching string (None = unbounded). Only strings
    /// without line terminators or non-ASCII whitespace are counted, and lengths in between may
    /// still be impossible (e.g. `^(?:|abc)$`).
    pub fn lengths(&self) -> (usize, Option<usize>) {
        (self.engine.min, self.engine.max)
    }

    /// A matching string of exactly `len` chars, if one exists; deterministic. Prefers to keep
    /// `like` (a valid value) as much as possible (its prefix), and otherwise plain ASCII
    /// letters/digits, so values look natural; never line terminators or non-ASCII whitespace.
    /// `None` also past 16 Mi chars.
    pub fn of_length(&self, len: usize, like: Option<&str>) -> Option<String> {
        let like: Vec<char> = like.map_or_else(Vec::new, |l| l.chars().take(len).collect());
        let s = self.engine.generate(len, &like)?;
        self.regex.is_match(&s).then_some(s)
    }

    /// One short matching string per top-level alternative of the pattern (for
    /// `^(?:^$|com…)$`: "" and "com.amazonaws.vpce.a"), so a validator that anchors only one
    /// alternative is caught. An optional body (`^(?:X)?$`) counts as the alternatives "" and X.
    pub fn alternatives(&self) -> Vec<String> {
        self.alternatives.clone()
    }

    /// Strings one edit away from the valid value `valid` (which must match, or nothing is
    /// returned) that do not match: at each position, each equivalence class of the alphabet
    /// (printable ASCII plus a few non-ASCII letters, partitioned so that every class of the
    /// pattern fully contains or excludes each part) that the pattern refuses there is
    /// substituted or inserted, and the char is deleted if that breaks the match.
    ///
    /// Positions where the automaton is in the same state are grouped; results are taken round
    /// robin across groups (spread over the value), edits and classes, rotating through each
    /// class's members, deduplicated and capped at `max`. No line terminators or non-ASCII
    /// whitespace are introduced.
    pub fn near_misses(&self, valid: &str, max: usize) -> Vec<NearMiss> {
        if max == 0 || !self.regex.is_match(valid) {
            return Vec::new();
        }
        let v: Vec<char> = valid.chars().collect();
        let Some(groups) = self.miss_groups(&v) else {
            return Vec::new();
        };
        let queues: Vec<_> = groups.iter().map(group_queue).collect();
        let mut uses = vec![vec![0usize; self.eq.len()]; groups.len()];
        let mut done = HashSet::new();
        let mut out = Vec::new();
        let order = spread(groups.len(), false);
        for round in 0.. {
            let mut any = false;
            for &g in &order {
                let Some(&(edit, eq, pos)) = queues[g].get(round) else {
                    continue;
                };
                any = true;
                if let Some(miss) = self.make(&v, edit, eq, pos, &mut uses[g], &mut done) {
                    out.push(miss);
                    if out.len() == max {
                        return out;
                    }
                }
            }
            if !any {
                break;
            }
        }
        out
    }

    /// For each group of positions in the same automaton state: (edit, eq class) → positions
    /// where that edit with that class makes `v` stop matching. `None` if the automaton does not
    /// accept `v` (it always should when `regex` does).
    fn miss_groups(&self, v: &[char]) -> Option<Vec<Group>> {
        let nfa = &self.engine.nfa;
        let n = v.len();
        let mut steps = Vec::new();
        let mut fwd = vec![nfa.initial()];
        for (i, &ch) in v.iter().enumerate() {
            nfa.closure(&fwd[i], i == 0, false, &mut steps);
            let mut next = nfa.empty();
            for st in steps
                .iter()
                .filter(|st| contains(&nfa.classes[st.class].full, ch))
            {
                add(&mut next, st.next);
            }
            fwd.push(next);
        }
        if !nfa.closure(&fwd[n], n == 0, true, &mut steps) {
            return None;
        }
        let mut back = vec![self.engine.table.row(0).clone(); n + 1];
        for i in (0..n).rev() {
            back[i] = nfa.back(&back[i + 1], &signature(nfa, v[i]));
        }
        let mut groups: Vec<Group> = Vec::new();
        let mut index = HashMap::new();
        for i in 0..=n {
            let g = *index
                .entry((fwd[i].clone(), i == 0, i == n))
                .or_insert_with(|| {
                    groups.push(BTreeMap::new());
                    groups.len() - 1
                });
            let mut add_miss = |edit: Edit, eq: usize| {
                groups[g].entry((edit_rank(edit), eq)).or_default().push(i);
            };
            nfa.closure(&fwd[i], i == 0, false, &mut steps);
            let ok = |sig: &Set, to: &Set| {
                steps
                    .iter()
                    .any(|st| has(sig, st.class as u32) && has(to, st.next))
            };
            for (e, eq) in self.eq.iter().enumerate() {
                if !ok(&eq.sig, &back[i]) {
                    add_miss(Edit::Insert, e);
                }
                if i < n && !ok(&eq.sig, &back[i + 1]) {
                    add_miss(Edit::Substitute, e);
                }
            }
            if i < n {
                let kept = if i + 1 == n {
                    nfa.closure(&fwd[i], i == 0, true, &mut Vec::new())
                } else {
                    steps.iter().any(|st| {
                        contains(&nfa.classes[st.class].full, v[i + 1])
                            && has(&back[i + 2], st.next)
                    })
                };
                if !kept {
                    add_miss(Edit::Delete, self.eq_of(v[i]).unwrap_or(usize::MAX));
                }
            }
        }
        Some(groups)
    }

    /// Builds the near miss for one candidate, rotating through the class's members (per group)
    /// and skipping values already produced or (defensively) still matching.
    fn make(
        &self,
        v: &[char],
        edit: Edit,
        eq: usize,
        pos: usize,
        uses: &mut [usize],
        done: &mut HashSet<String>,
    ) -> Option<NearMiss> {
        let build = |c: Option<char>| -> String {
            let (head, tail) = v.split_at(pos);
            let skip = usize::from(edit != Edit::Insert).min(tail.len());
            head.iter()
                .copied()
                .chain(c)
                .chain(tail[skip..].iter().copied())
                .collect()
        };
        let (value, shown) = if edit == Edit::Delete {
            (build(None), v[pos])
        } else {
            let members = &self.eq.get(eq)?.members;
            let k = (0..members.len()).find(|k| {
                let c = members[(uses[eq] + k) % members.len()];
                !done.contains(&build(Some(c)))
            })?;
            let c = members[(uses[eq] + k) % members.len()];
            uses[eq] += k + 1;
            (build(Some(c)), c)
        };
        if done.contains(&value) || self.regex.is_match(&value) {
            return None;
        }
        done.insert(value.clone());
        let class = match self.eq.get(eq) {
            Some(e) if e.members.len() > 12 => {
                format!(
                    "{shown:?} (class: {}...)",
                    e.members[..12].iter().collect::<String>()
                )
            }
            Some(e) => format!(
                "{shown:?} (class: {})",
                e.members.iter().collect::<String>()
            ),
            None => format!("{shown:?} (class: other)"),
        };
        Some(NearMiss {
            value,
            position: pos,
            edit,
            class,
        })
    }

    /// The equivalence class of `c`, if `c` is in the alphabet's partition.
    fn eq_of(&self, c: char) -> Option<usize> {
        let sig = signature(&self.engine.nfa, c);
        self.eq.iter().position(|e| e.sig == sig)
    }
}

fn edit_rank(edit: Edit) -> u8 {
    match edit {
        Edit::Insert => 0,
        Edit::Substitute => 1,
        Edit::Delete => 2,
    }
}

/// The order in which a group's candidates are taken: combos interleave edits (insert,
/// substitute, delete) and classes; each pass takes one position per combo, positions spread
/// over the group (last first, then first, middle, quarters, ...), offset per combo.
fn group_queue(group: &Group) -> Vec<(Edit, usize, usize)> {
    let mut by_edit: [Vec<(usize, Vec<usize>)>; 3] = Default::default();
    for (&(edit, eq), positions) in group {
        let order = spread(positions.len(), true)
            .into_iter()
            .map(|i| positions[i])
            .collect();
        by_edit[edit as usize].push((eq, order));
    }
    let edits = [Edit::Insert, Edit::Substitute, Edit::Delete];
    let longest = by_edit.iter().map(Vec::len).max().unwrap_or(0);
    let combos: Vec<(Edit, &(usize, Vec<usize>))> = (0..longest)
        .flat_map(|r| (0..3).map(move |e| (e, r)))
        .filter_map(|(e, r)| by_edit[e].get(r).map(|c| (edits[e], c)))
        .collect();
    let mut queue = Vec::new();
    for t in 0.. {
        let before = queue.len();
        for (k, (edit, (eq, positions))) in combos.iter().enumerate() {
            if t < positions.len() {
                queue.push((*edit, *eq, positions[(t + k) % positions.len()]));
            }
        }
        if queue.len() == before {
            break;
        }
    }
    queue
}

/// A permutation of `0..n` that spreads out early: both ends first, then midpoints.
fn spread(n: usize, last_first: bool) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let mut out = if last_first {
        vec![n - 1, 0]
    } else {
        vec![0, n - 1]
    };
    out.dedup();
    let mut queue = VecDeque::from([(0, n - 1)]);
    while let Some((lo, hi)) = queue.pop_front() {
        if hi - lo > 1 {
            let mid = (lo + hi) / 2;
            out.push(mid);
            queue.extend([(lo, mid), (mid, hi)]);
        }
    }
    out
}

/// The pattern classes (as a set of class indices) that contain `c`.
fn signature(nfa: &Nfa, c: char) -> Set {
    nfa.class_set(|cls| contains(&cls.full, c))
}

/// Partitions the alphabet by which pattern classes contain each char; larger classes first
/// (they are the likelier to hold a char some validator wrongly accepts).
fn eq_classes(nfa: &Nfa) -> Vec<EqClass> {
    let mut alphabet: Vec<char> = ALPHABET_FIRST.chars().collect();
    for c in ' '..='~' {
        if !alphabet.contains(&c) {
            alphabet.push(c);
        }
    }
    let mut out: Vec<EqClass> = Vec::new();
    for c in alphabet {
        let sig = signature(nfa, c);
        match out.iter_mut().find(|e| e.sig == sig) {
            Some(e) => e.members.push(c),
            None => out.push(EqClass {
                members: vec![c],
                sig,
            }),
        }
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.members.len()));
    out
}

/// The pattern split into one pattern per top-level alternative, keeping the anchors around
/// the alternation; a single pattern if there is no top-level alternation (or inline flags,
/// whose scope a split could change).
fn branch_patterns(pattern: &str) -> Vec<String> {
    let flagged = pattern
        .match_indices("(?")
        .any(|(i, _)| !matches!(pattern.as_bytes().get(i + 2), Some(b':' | b'P' | b'<')));
    let ast = regex_syntax::ast::parse::Parser::new().parse(pattern);
    let mut out = Vec::new();
    match ast {
        Ok(ast) if !flagged => branches(pattern, &ast, "", "", &mut out),
        _ => out.push(pattern.to_string()),
    }
    out
}

fn branches(src: &str, node: &Ast, lead: &str, trail: &str, out: &mut Vec<String>) {
    let text = |a: &Ast| &src[a.span().start.offset..a.span().end.offset];
    let wrap = |body: &str| format!("{lead}(?:{body}){trail}");
    let anchor = |a: &Ast, start: bool| match a {
        Ast::Assertion(x) if start => {
            matches!(x.kind, AssertionKind::StartLine | AssertionKind::StartText)
        }
        Ast::Assertion(x) => matches!(x.kind, AssertionKind::EndLine | AssertionKind::EndText),
        _ => false,
    };
    match node {
        Ast::Group(g) => branches(src, &g.ast, lead, trail, out),
        Ast::Concat(c) => {
            let i = c.asts.iter().take_while(|a| anchor(a, true)).count();
            let j = c.asts.len()
                - c.asts[i..]
                    .iter()
                    .rev()
                    .take_while(|a| anchor(a, false))
                    .count();
            match (c.asts.first(), c.asts.last()) {
                (Some(first), Some(last)) if j == i + 1 => {
                    let body = &c.asts[i];
                    let lead = format!(
                        "{lead}{}",
                        &src[first.span().start.offset..body.span().start.offset]
                    );
                    let trail = format!(
                        "{}{trail}",
                        &src[body.span().end.offset..last.span().end.offset]
                    );
                    branches(src, body, &lead, &trail, out);
                }
                _ => out.push(wrap(text(node))),
            }
        }
        Ast::Alternation(a) => a
            .asts
            .iter()
            .for_each(|b| branches(src, b, lead, trail, out)),
        Ast::Repetition(r)
            if matches!(
                r.op.kind,
                RepetitionKind::ZeroOrOne | RepetitionKind::Range(RepetitionRange::Bounded(0, 1))
            ) =>
        {
            out.push(wrap(""));
            branches(src, &r.ast, lead, trail, out);
        }
        _ => out.push(wrap(text(node))),
    }
}
