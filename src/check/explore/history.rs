//! Concurrent exploration: several clients per account at once, every request's invocation and
//! completion recorded, and the history checked for linearizability ([`crate::lincheck`]) against the
//! stub's own state machine ([`crate::stub::machine`]): the same decision of a create, the same
//! delete, the same describe, over one account's state, which the checker clones and compares.

use super::program::{Name, Recipe, Render, Step, Tok};
use super::sequence::RunOptions;
use crate::check::ctx::Ctx;
use crate::contract::{self, ErrorCode, Fingerprint, Operation};
use crate::lincheck::{self, Entry, Verdict};
use crate::stub::machine::{Account, CreateDecision, NewProfile, type_index};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Instant;
use xxhash_rust::xxh3::xxh3_128;

/// The id of a profile whose create got no answer: unknown until a replay names it.
const UNKNOWN: u128 = 0;

/// What a recorded request asked for.
#[derive(Debug, Clone)]
pub enum Request {
    /// A valid create.
    Create {
        /// The name.
        name: Arc<str>,
        /// The token, if any.
        token: Option<Arc<str>>,
        /// The parameters' fingerprint.
        fingerprint: Fingerprint,
        /// The connector type's index.
        connector_type: u8,
    },
    /// A delete.
    Delete {
        /// The name.
        name: Arc<str>,
    },
    /// A describe of these names.
    Describe {
        /// The names.
        names: Vec<Arc<str>>,
    },
}

impl Request {
    /// Commits this create to `acc` as a new profile `id`, its token bound to it: the model's
    /// profile keeps no label, mode or config, and no token expires within a history.
    pub fn commit(&self, acc: &mut Account, id: u128) {
        let Request::Create {
            name,
            token,
            fingerprint,
            connector_type,
        } = self
        else {
            return;
        };
        let new = NewProfile {
            id,
            name: name.clone(),
            key: name.clone(),
            connector_type: *connector_type,
            label: None,
            private: false,
            properties: Arc::from("{}"),
            credentials: false,
        };
        let binding = token.clone().map(|t| (t, *fingerprint));
        acc.commit_create(new, binding, epoch(), forever());
    }
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// No answer: it may or may not have taken effect.
    Unanswered,
    /// A success naming this profile (a create's id or ARN, hashed), or a delete's.
    Success(u128),
    /// An error of the contract's table.
    Error(ErrorCode),
    /// A describe's page: these names, in order.
    Page(Vec<Arc<str>>),
    /// Anything else (an answer no operation can give).
    Other,
}

/// One recorded operation.
#[derive(Debug, Clone)]
pub struct Op {
    /// Its account (the partition).
    pub account: u64,
    /// What it asked.
    pub request: Request,
    /// What came back.
    pub seen: Seen,
    /// The request and answer in words, for a witness.
    pub text: String,
}

/// The reference model for the checker: one account of the stub's machine under `quota`, with the
/// times left out (no token expires within a history).
pub struct Model {
    /// The quota.
    pub quota: u32,
}

fn epoch() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
}

fn forever() -> DateTime<Utc> {
    DateTime::<Utc>::MAX_UTC
}

/// The state with the profile (and the bindings) of id `UNKNOWN` for `token` given `id`.
fn learn(state: &Account, token: &str, id: u128) -> Account {
    let mut s = state.clone();
    if let Some(e) = s.tokens.get_mut(token)
        && let Some(a) = &mut e.answer
    {
        a.id = id;
        let name = a.name.clone();
        if let Some(seq) = s.names.get(&name).copied()
            && let Some(p) = s.profiles.get_mut(&seq)
            && p.id == UNKNOWN
        {
            p.id = id;
        }
    }
    s
}

impl lincheck::Model for Model {
    type State = Account;
    type Op = Op;

    fn init(&self) -> Account {
        Account::default()
    }

    fn partition(&self, op: &Op) -> u64 {
        op.account
    }

    fn step(&self, state: &Account, op: &Op, out: &mut Vec<Account>) {
        match &op.request {
            Request::Create {
                name,
                token,
                fingerprint,
                ..
            } => {
                let fp = token.as_ref().map(|_| *fingerprint);
                let decision = state.decide_create(token.as_deref(), fp, name, self.quota, epoch());
                match (decision, &op.seen) {
                    (_, Seen::Error(ErrorCode::IdempotencyInProgress)) if token.is_some() => {
                        // Legal only while the first request of its token is in flight: checked on
                        // the history's times (see `in_progress`); here it changes nothing.
                        out.push(state.clone());
                    }
                    (CreateDecision::Replay(a), Seen::Success(id)) => {
                        if a.id == *id {
                            out.push(state.clone());
                        } else if a.id == UNKNOWN
                            && let Some(t) = token
                        {
                            out.push(learn(state, t, *id));
                        }
                    }
                    (
                        CreateDecision::Mismatch,
                        Seen::Error(ErrorCode::IdempotentParameterMismatch),
                    )
                    | (CreateDecision::Conflict, Seen::Error(ErrorCode::Conflict))
                    | (CreateDecision::QuotaExceeded, Seen::Error(ErrorCode::QuotaExceeded)) => {
                        out.push(state.clone())
                    }
                    (CreateDecision::Create, seen @ (Seen::Success(_) | Seen::Unanswered)) => {
                        let id = match seen {
                            Seen::Success(id) => *id,
                            _ => UNKNOWN,
                        };
                        let mut s = state.clone();
                        op.request.commit(&mut s, id);
                        out.push(s);
                    }
                    _ => {}
                }
            }
            Request::Delete { name } => match (state.by_name(name).is_some(), &op.seen) {
                (true, Seen::Success(_) | Seen::Unanswered) => {
                    let mut s = state.clone();
                    s.delete(name);
                    out.push(s);
                }
                (false, Seen::Error(ErrorCode::ResourceNotFound)) => out.push(state.clone()),
                _ => {}
            },
            Request::Describe { names } => {
                if let Seen::Page(seen) = &op.seen {
                    let (page, _) = state.page(None, usize::MAX, |p| names.contains(&p.name));
                    if page.len() == seen.len() && page.iter().zip(seen).all(|(p, n)| p.name == *n)
                    {
                        out.push(state.clone());
                    }
                }
            }
        }
    }

    fn read_only(&self, op: &Op) -> bool {
        matches!(op.request, Request::Describe { .. })
            || matches!(op.seen, Seen::Error(_) | Seen::Other)
    }
}

/// An `IDEMPOTENCY_IN_PROGRESS` is legal only while the first request of its token is in flight:
/// some other request of the token must overlap it, and none of them may have been answered with
/// a success before it was sent. The first one breaking that, in words.
fn in_progress(history: &[Entry<Op>]) -> Option<String> {
    for (i, e) in history.iter().enumerate() {
        let (Seen::Error(ErrorCode::IdempotencyInProgress), Request::Create { token: Some(t), .. }) =
            (&e.op.seen, &e.op.request)
        else {
            continue;
        };
        let same = |o: &Entry<Op>| {
            o.op.account == e.op.account
                && matches!(&o.op.request, Request::Create { token: Some(u), .. } if u == t)
        };
        let others = || {
            history
                .iter()
                .enumerate()
                .filter(|(j, o)| *j != i && same(o))
        };
        if let Some((_, done)) = others().find(|(_, o)| {
            matches!(o.op.seen, Seen::Success(_)) && o.ret.is_some_and(|r| r < e.call)
        }) {
            return Some(format!(
                "{} came after the token's first answer was received ({})",
                e.op.text, done.op.text
            ));
        }
        let end = e.ret.unwrap_or(u64::MAX);
        if !others().any(|(_, o)| o.call <= end && o.ret.is_none_or(|r| r >= e.call)) {
            return Some(format!(
                "{}: no other request of its token was in flight",
                e.op.text
            ));
        }
    }
    None
}

/// A witness in words: the operations that cannot be ordered, with their times.
fn witness(history: &[Entry<Op>], prefix: &[usize], stuck: &[usize]) -> String {
    let line = |i: usize| {
        let e = &history[i];
        let ret = e.ret.map_or("never answered".into(), |r| {
            format!("answered at {} µs", r / 1000)
        });
        format!(
            "  client {}: {} (sent at {} µs, {ret})",
            e.client,
            e.op.text,
            e.call / 1000
        )
    };
    let mut out = format!(
        "these operations cannot be put in any order the model allows, after {} that can:\n",
        prefix.len()
    );
    for &i in stuck {
        out.push_str(&line(i));
        out.push('\n');
    }
    if !prefix.is_empty() {
        out.push_str("the last of those that can be ordered:\n");
        for &i in &prefix[prefix.len().saturating_sub(4)..] {
            out.push_str(&line(i));
            out.push('\n');
        }
    }
    out
}

/// The request a history step records, from what was sent.
fn request_of(w: &super::program::Wire) -> Option<Request> {
    let v = w.value.as_ref()?;
    let text = |k: &str| v[k].as_str().map(Arc::<str>::from);
    Some(match w.op {
        Operation::Create => Request::Create {
            name: text("connectorProfileName")?,
            token: text("clientToken"),
            fingerprint: contract::fingerprint(v),
            connector_type: type_index(v["connectorType"].as_str()?)?,
        },
        Operation::Delete => Request::Delete {
            name: text("connectorProfileName")?,
        },
        Operation::Describe => Request::Describe {
            names: v["connectorProfileNames"]
                .as_array()?
                .iter()
                .filter_map(|n| n.as_str().map(Arc::from))
                .collect(),
        },
        Operation::Update => return None,
    })
}

fn seen_of(c: &Ctx, ex: &crate::http::Exchange) -> Seen {
    let Some(j) = c.judged(ex) else {
        return match &ex.result {
            Err(e) if !e.is_answer() => Seen::Unanswered,
            _ => Seen::Other,
        };
    };
    if !j.breaches.is_empty() {
        return Seen::Other;
    }
    if let Some(code) = j.code() {
        return Seen::Error(code);
    }
    if !j.is_success() {
        return Seen::Other;
    }
    let body = ex
        .result
        .as_ref()
        .ok()
        .and_then(|r| r.json.clone())
        .unwrap_or_default();
    let data = match c.cfg.errors.dialect() {
        contract::Dialect::Envelope => body["data"].clone(),
        contract::Dialect::Aws => body,
    };
    match ex.sent.op() {
        Operation::Describe => Seen::Page(
            data["connectorProfileDetails"]
                .as_array()
                .map(|d| {
                    d.iter()
                        .filter_map(|p| p["connectorProfileName"].as_str().map(Arc::from))
                        .collect()
                })
                .unwrap_or_default(),
        ),
        _ => {
            let id = data["id"]
                .as_str()
                .or(data["connectorProfileArn"].as_str())
                .unwrap_or("");
            Seen::Success(xxh3_128(id.as_bytes()).max(1))
        }
    }
}

fn seen_text(s: &Seen) -> String {
    match s {
        Seen::Unanswered => "no answer".into(),
        Seen::Success(id) => format!("200 (profile {:08x})", (*id >> 96) as u32),
        Seen::Error(code) => code.as_str().into(),
        Seen::Page(names) => format!("page {names:?}"),
        Seen::Other => "an answer no operation gives".into(),
    }
}

/// What one concurrent round found.
pub struct Found {
    /// Requests sent.
    pub requests: usize,
    /// Operations in the history.
    pub operations: usize,
    /// A violation in words, if any.
    pub violation: Option<String>,
    /// The checker gave up (its budget): nothing is known.
    pub unknown: bool,
}

/// The checker's budget per round: model steps (each may keep a state; this bounds the memory too).
/// A linearizable round of a correct target takes a few thousand.
const MAX_STEPS: u64 = 250_000;

/// One round: `clients` clients in each of `accounts` fresh accounts send `per_client` requests
/// each, all at once; the history is checked.
pub async fn round(
    c: &Ctx,
    render: &Render<'_>,
    seed: u64,
    clients: usize,
    per_client: usize,
    lifecycle: bool,
) -> Found {
    use crate::contract::examples::SplitMix64;
    let accounts: Vec<String> = (0..2).map(|_| c.account()).collect();
    let t0 = Instant::now();
    let now = || t0.elapsed().as_nanos() as u64;
    let mut history: Vec<Entry<Op>> = Vec::new();
    let opts = RunOptions {
        record: true,
        keep: false,
    };
    // An account one short of its quota (when the quota is small enough to fill), so concurrent
    // creates race for its last place.
    let near = c.account();
    let quota = c.cfg.quota;
    if quota <= 200 {
        let fill = Step {
            account: 0,
            recipe: Recipe::Fill {
                count: quota.saturating_sub(1) as u16,
            },
        };
        for k in 0..fill.requests() {
            let w = render.wire(usize::MAX / 2, &fill, k);
            let call = now();
            let ex = super::sequence::send_to(c, &w, &near, w.body.clone(), &opts).await;
            let seen = seen_of(c, &ex);
            let unanswered = seen == Seen::Unanswered;
            if let Some(request) = request_of(&w) {
                history.push(Entry {
                    client: u32::MAX,
                    call,
                    ret: (!unanswered).then(now),
                    op: Op {
                        account: 2,
                        text: format!("fill create #{k} → {}", seen_text(&seen)),
                        request,
                        seen,
                    },
                });
            }
            if unanswered {
                break;
            }
        }
    }
    c.warm(clients * 3).await;
    let lanes = (0..clients * 3).map(|lane| {
        let (accounts, near) = (&accounts, &near);
        let opts = &opts;
        async move {
            let mut rng = SplitMix64::new(seed ^ (lane as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let slot = lane % 3;
            let account = if slot == 2 { near } else { &accounts[slot] };
            let mut mine = Vec::new();
            for _ in 0..per_client {
                let name = Name {
                    n: (rng.next_u64() % 4) as u8,
                    upper: false,
                };
                let roll = rng.next_u64() % 100;
                let recipe = match roll {
                    0..=14 if lifecycle => Recipe::Delete { name },
                    15..=27 if lifecycle => Recipe::Describe {
                        names: vec![
                            name,
                            Name {
                                n: (name.n + 1) % 4,
                                upper: false,
                            },
                        ],
                        connector_type: None,
                        max: None,
                        next: false,
                    },
                    _ => Recipe::Create {
                        connector_type: "Datadog".into(),
                        name,
                        token: (rng.next_u64() % 4 != 0).then(|| Tok {
                            n: (rng.next_u64() % 4) as u8,
                            upper: false,
                            blank: false,
                        }),
                        variant: (rng.next_u64() % 2) as u8,
                        private: false,
                        spelling: super::program::Spelling::Plain,
                        tweak: super::program::Tweak::None,
                    },
                };
                let step = Step {
                    account: slot as u8,
                    recipe,
                };
                let w = render.wire(0, &step, 0);
                let Some(request) = request_of(&w) else {
                    continue;
                };
                let call = now();
                let ex = super::sequence::send_to(c, &w, account, w.body.clone(), opts).await;
                let seen = seen_of(c, &ex);
                let ret = (seen != Seen::Unanswered).then(now);
                let unanswered = ret.is_none();
                mine.push(Entry {
                    client: lane as u32,
                    call,
                    ret,
                    op: Op {
                        account: slot as u64,
                        text: format!("{} → {}", step.describe(), seen_text(&seen)),
                        request,
                        seen,
                    },
                });
                if unanswered {
                    // Its effect stays open to the end of the history: the lane stops there, so
                    // each lane adds at most one such operation to the search.
                    break;
                }
            }
            mine
        }
    });
    for lane in futures::future::join_all(lanes).await {
        history.extend(lane);
    }
    let requests = history.len();
    let mut found = Found {
        requests,
        operations: history.len(),
        violation: in_progress(&history),
        unknown: false,
    };
    if found.violation.is_some() {
        return found;
    }
    let model = Model { quota };
    let verdict = tokio::task::spawn_blocking(move || {
        let v = lincheck::check_with(
            &model,
            &history,
            &lincheck::Options {
                threads: 0,
                max_steps: Some(MAX_STEPS),
            },
        );
        (v, history)
    })
    .await;
    match verdict {
        Ok((Verdict::Violation { prefix, stuck, .. }, history)) => {
            found.violation = Some(witness(&history, &prefix, &stuck));
        }
        Ok((Verdict::Unknown { .. }, _)) | Err(_) => found.unknown = true,
        Ok((Verdict::Linearizable, _)) => {}
    }
    found
}
