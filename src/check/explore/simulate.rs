//! Recorded histories without a network, for the checker's benches and tests: clients of a correct
//! store (the stub's own [`Account`], applied atomically at one instant inside each request's
//! interval) in a seeded discrete-event simulation, so a history is linearizable by construction;
//! and corruptions that no linearization can explain.

use super::history::{Model, Op, Request, Seen};
use crate::contract::examples::SplitMix64;
use crate::contract::{ErrorCode, Fingerprint};
use crate::lincheck::Entry;
use crate::stub::machine::{Account, CreateDecision};
use chrono::{DateTime, Utc};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

/// The shape of a simulated workload.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Concurrent clients, each with one request in flight at most.
    pub clients: u32,
    /// Accounts (partitions); each request picks one at random.
    pub accounts: u64,
    /// Requests in all.
    pub ops: usize,
    /// Distinct names per account.
    pub names: u32,
    /// The quota of each account.
    pub quota: u32,
    /// Per mille of requests that get no answer (half lost before, half after taking effect).
    pub lost_permille: u64,
    /// The simulation's seed.
    pub seed: u64,
}

impl SimConfig {
    /// A mixed workload (quota 8, 16 names, 15% describes, 25% deletes, half the creates with a
    /// token, 5% retries of an answered token, 1% lost answers) of `ops` requests by `clients` on
    /// `accounts`.
    pub fn new(clients: u32, accounts: u64, ops: usize, seed: u64) -> SimConfig {
        SimConfig {
            clients,
            accounts,
            ops,
            names: 16,
            quota: 8,
            lost_permille: 10,
            seed,
        }
    }

    /// The checker's model for these histories.
    pub fn model(&self) -> Model {
        Model { quota: self.quota }
    }
}

fn epoch() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
}

/// Carries out `request` on `acc` at once, as a correct store does, and says what it answers.
fn apply(acc: &mut Account, request: &Request, quota: u32, next_id: &mut u128) -> Seen {
    match request {
        Request::Create {
            name,
            token,
            fingerprint,
            ..
        } => {
            let fp = token.as_ref().map(|_| *fingerprint);
            match acc.decide_create(token.as_deref(), fp, name, quota, epoch()) {
                CreateDecision::Replay(a) => Seen::Success(a.id),
                CreateDecision::Mismatch => Seen::Error(ErrorCode::IdempotentParameterMismatch),
                CreateDecision::Conflict => Seen::Error(ErrorCode::Conflict),
                CreateDecision::QuotaExceeded => Seen::Error(ErrorCode::QuotaExceeded),
                CreateDecision::Create => {
                    *next_id += 1;
                    request.commit(acc, *next_id);
                    Seen::Success(*next_id)
                }
            }
        }
        Request::Delete { name } => match acc.delete(name) {
            Some(p) => Seen::Success(p.id),
            None => Seen::Error(ErrorCode::ResourceNotFound),
        },
        Request::Describe { names } => {
            let (page, _) = acc.page(None, usize::MAX, |p| names.contains(&p.name));
            Seen::Page(page.iter().map(|p| p.name.clone()).collect())
        }
    }
}

struct Client {
    rng: SplitMix64,
    again: Option<Op>,
}

impl Client {
    fn below(&mut self, n: u64) -> u64 {
        self.rng.next_u64() % n.max(1)
    }

    fn next(&mut self, cfg: &SimConfig, names: &[Arc<str>], tokens: &mut u64) -> Op {
        if let Some(op) = self.again.take() {
            return op;
        }
        let account = self.below(cfg.accounts);
        let kind = self.below(100);
        let name = names[self.below(u64::from(cfg.names)) as usize].clone();
        let request = if kind < 15 {
            let other = names[self.below(u64::from(cfg.names)) as usize].clone();
            Request::Describe {
                names: vec![name, other],
            }
        } else if kind < 40 {
            Request::Delete { name }
        } else {
            let token = (self.below(2) == 0).then(|| {
                *tokens += 1;
                Arc::from(format!("t{tokens}"))
            });
            Request::Create {
                name,
                token,
                fingerprint: Fingerprint(u128::from(self.below(3))),
                connector_type: 0,
            }
        };
        Op {
            account,
            request,
            seen: Seen::Unanswered,
            text: String::new(),
        }
    }
}

/// Runs `cfg.clients` clients against a correct store with random delays (deterministic) and
/// returns the recorded history: linearizable by construction. An unanswered create with a token is
/// sent again with the same token, and so is an answered one now and then (a double submit).
pub fn simulate(cfg: &SimConfig) -> Vec<Entry<Op>> {
    const MAX_DELAY: u64 = 1000;
    let names: Vec<Arc<str>> = (0..cfg.names).map(|n| Arc::from(format!("n{n}"))).collect();
    let mut store: HashMap<u64, Account> = HashMap::new();
    let mut next_id: u128 = 0;
    let mut tokens = 0u64;
    let mut clients: Vec<Client> = (0..cfg.clients)
        .map(|c| Client {
            rng: SplitMix64::new(cfg.seed ^ (u64::from(c) + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)),
            again: None,
        })
        .collect();
    let mut history: Vec<Entry<Op>> = Vec::with_capacity(cfg.ops);
    // (time, sequence, client, event, index): 0 send, 1 take effect, 2 answer, 3 take effect unanswered.
    let mut queue = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |q: &mut BinaryHeap<_>, t: u64, c: u32, ev: u8, idx: usize| {
        seq += 1;
        q.push(Reverse((t, seq, c, ev, idx)));
    };
    for c in 0..cfg.clients {
        push(&mut queue, u64::from(c), c, 0, 0);
    }
    while let Some(Reverse((t, _, c, ev, idx))) = queue.pop() {
        let client = &mut clients[c as usize];
        match ev {
            0 if history.len() < cfg.ops => {
                let op = client.next(cfg, &names, &mut tokens);
                let r = client.below(1000);
                let fate = if r < cfg.lost_permille / 2 {
                    1
                } else {
                    u8::from(r < cfg.lost_permille) * 2
                };
                let tokened = matches!(op.request, Request::Create { token: Some(_), .. });
                if tokened && (fate != 0 || client.below(100) < 5) {
                    client.again = Some(op.clone());
                }
                let d = 1 + client.below(MAX_DELAY);
                history.push(Entry {
                    client: c,
                    call: t,
                    ret: None,
                    op,
                });
                let idx = history.len() - 1;
                match fate {
                    0 => push(&mut queue, t + d, c, 1, idx),
                    2 => push(&mut queue, t + d, c, 3, idx),
                    _ => {}
                }
                if fate != 0 {
                    push(&mut queue, t + 3 * MAX_DELAY, c, 0, 0);
                }
            }
            1 | 3 => {
                let e = &mut history[idx];
                let acc = store.entry(e.op.account).or_default();
                let seen = apply(acc, &e.op.request, cfg.quota, &mut next_id);
                if ev == 1 {
                    e.op.seen = seen;
                    let d = 1 + client.below(MAX_DELAY);
                    push(&mut queue, t + d, c, 2, idx);
                }
            }
            2 => {
                history[idx].ret = Some(t);
                let think = client.below(251);
                push(&mut queue, t + think, c, 0, 0);
            }
            _ => {}
        }
    }
    history
}

/// A violation to append to a history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corruption {
    /// Two creates of one new name, one after the other, both succeed.
    DuplicateName,
    /// A create with a new token succeeds, and its replay answers another id.
    ReplayOtherId,
    /// `quota + 1` creates of new names, one after the other, all succeed.
    PastQuota,
}

/// Appends operations on `account`, after everything in `history`, that no linearization explains
/// (whatever its unanswered operations did).
pub fn corrupt(history: &mut Vec<Entry<Op>>, kind: Corruption, account: u64, quota: u32) {
    let mut t = history
        .iter()
        .map(|e| e.ret.unwrap_or(e.call).max(e.call))
        .max()
        .unwrap_or(0)
        + 1;
    let fresh = |k: u32| Arc::<str>::from(format!("corrupt-{k}"));
    let token: Option<Arc<str>> = Some(Arc::from("corrupt-token"));
    let ids = 1u128 << 100;
    let creates: Vec<(Arc<str>, Option<Arc<str>>, u128)> = match kind {
        Corruption::DuplicateName => vec![(fresh(0), None, ids), (fresh(0), None, ids + 1)],
        Corruption::ReplayOtherId => {
            vec![(fresh(0), token.clone(), ids), (fresh(0), token, ids + 1)]
        }
        Corruption::PastQuota => (0..=quota)
            .map(|k| (fresh(k), None, ids + u128::from(k)))
            .collect(),
    };
    for (name, token, id) in creates {
        history.push(Entry {
            client: u32::MAX,
            call: t,
            ret: Some(t + 1),
            op: Op {
                account,
                request: Request::Create {
                    name: name.clone(),
                    token,
                    fingerprint: Fingerprint(0),
                    connector_type: 0,
                },
                seen: Seen::Success(id),
                text: format!("create {name} → success {id:x}"),
            },
        });
        t += 2;
    }
}
