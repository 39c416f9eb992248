//! Sequential exploration: a program's requests go to the target and, the same bytes, to the
//! reference model (a fault-free stub in process, with its own clock and state), one after the other.
//! Every answer is compared with the model's for the same state: success or the same error code, the
//! whole first answer again for a replay, the same names and the same "more pages" for a describe.
//! Ids and times are the target's: each is bound the first time it is seen.

use super::program::{Render, Step, Wire};
use crate::check::ctx::Ctx;
use crate::contract::{self, ErrorCode, Operation, judge};
use crate::http::Exchange;
use crate::stub::{Stub, StubConfig, StubRequest};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Where a program's answers parted from the model's.
#[derive(Debug, Clone)]
pub struct Divergence {
    /// The step (index into the program).
    pub step: usize,
    /// What went wrong.
    pub message: String,
    /// What the model answered.
    pub expected: String,
    /// What the target answered.
    pub actual: String,
    /// The exchange.
    pub exchange: Exchange,
}

/// A program's run.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Requests sent.
    pub requests: usize,
    /// The first divergence, if any.
    pub divergence: Option<Divergence>,
    /// A request got no answer: the rest could not be predicted (its effect is unknown).
    pub unanswered: Option<Exchange>,
    /// Every exchange (kept only when asked, for a reproducer's curl lines).
    pub exchanges: Vec<Exchange>,
}

/// How a program is run.
pub struct RunOptions {
    /// Record every request into the check (counted, envelope-judged, in snapshots); off for the
    /// shrinker's reruns, which only count.
    pub record: bool,
    /// Keep every exchange in the outcome.
    pub keep: bool,
}

/// What a success bound: the target's id and its whole first answer.
struct Bound {
    target_id: Option<String>,
    first: Value,
}

/// The model: a fault-free stub with the contract's settings, framed as the envelope (answers are
/// compared by meaning, whatever the target's dialect).
pub fn model(c: &Ctx) -> Stub {
    Stub::new(StubConfig {
        quota: c.cfg.quota,
        token_ttl: c.cfg.token_ttl,
        max_body: c.cfg.max_body,
        require_account: c.cfg.require_account,
        dialect: contract::Dialect::Envelope,
        ..StubConfig::default()
    })
}

/// The model's answer, read as the target's would be.
struct Predicted {
    status: u16,
    code: Option<ErrorCode>,
    data: Value,
}

fn predict(model: &Stub, w: &Wire, account: &str, body: &[u8]) -> Predicted {
    let account = w.account.value(account);
    let r = model.handle(&StubRequest {
        method: &w.method,
        path: &w.path,
        content_type: w.content_type.as_deref(),
        account,
        account_present: account.is_some(),
        body,
        body_truncated: false,
        authorization: None,
    });
    let answer = contract::Answer {
        status: r.status,
        content_type: Some(r.content_type),
        headers: "",
        body: &r.body,
        truncated: false,
        error_type: r.error_type,
        op: w.op,
    };
    let j = judge::judge(&contract::ErrorTable::default(), &answer, &[]);
    let v: Value = serde_json::from_slice(&r.body).unwrap_or_default();
    Predicted {
        status: r.status,
        code: j.code(),
        data: v["data"].clone(),
    }
}

fn said(status: u16, code: Option<ErrorCode>) -> String {
    match code {
        Some(c) => format!("{status} {}", c.as_str()),
        None if status == 200 => "200 success".into(),
        None => status.to_string(),
    }
}

/// The target's success body: the envelope's `data`, or AppFlow's whole answer.
fn success_body(c: &Ctx, ex: &Exchange) -> Value {
    let body = ex.result.as_ref().ok().and_then(|r| r.json.clone());
    match c.cfg.errors.dialect() {
        contract::Dialect::Envelope => body.map(|v| v["data"].clone()),
        contract::Dialect::Aws => body,
    }
    .unwrap_or_default()
}

/// The id a success names: the envelope's `id`, or the ARN (AppFlow answers no id).
fn target_id(c: &Ctx, data: &Value) -> Option<String> {
    let key = match c.cfg.errors.dialect() {
        contract::Dialect::Envelope => "id",
        contract::Dialect::Aws => "connectorProfileArn",
    };
    data[key].as_str().map(str::to_owned)
}

fn names(page: &Value) -> Vec<String> {
    page["connectorProfileDetails"]
        .as_array()
        .map(|d| {
            d.iter()
                .map(|p| p["connectorProfileName"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `step` is a create in the default account that the target refused as full: that account
/// is shared by every client of the target, so the model cannot know what it holds.
fn default_full(step: &Step, judged: &judge::Judgement) -> bool {
    step.is_default_account() && judged.code() == Some(ErrorCode::QuotaExceeded)
}

/// Runs `steps` in fresh accounts against the target and a fresh model; stops at the first
/// divergence or the first request without an answer.
pub async fn run(c: &Ctx, render: &Render<'_>, steps: &[Step], opts: &RunOptions) -> Outcome {
    let accounts: Vec<String> = (0..super::program::ACCOUNTS).map(|_| c.account()).collect();
    let model = model(c);
    let nonce: u32 = rand::random();
    let mut out = Outcome::default();
    let mut bound: HashMap<String, Bound> = HashMap::new();
    let mut target_ids: HashMap<String, String> = HashMap::new();
    // Per account: the last describe page's tokens, the target's and the model's.
    let mut pages: HashMap<u8, (Option<String>, Option<String>)> = HashMap::new();
    // Per account and name: the `createdAt` a describe first showed for the profile now holding the
    // name (forgotten when a create makes a new one or a delete removes it).
    let mut created_at: HashMap<(u8, String), Value> = HashMap::new();
    for (i, step) in steps.iter().enumerate() {
        for k in 0..step.requests() {
            let mut w = render.wire(i, step, k);
            if step.is_default_account() {
                w.own_run(nonce);
            }
            let account = &accounts[step.account as usize % accounts.len()];
            let (t_token, m_token) = if w.next {
                pages.get(&step.account).cloned().unwrap_or_default()
            } else {
                (None, None)
            };
            let m_body = w.body_with(m_token.as_deref());
            let predicted = predict(&model, &w, account, &m_body);
            let ex = send_to(c, &w, account, w.body_with(t_token.as_deref()), opts).await;
            out.requests += 1;
            if opts.keep {
                out.exchanges.push(ex.clone());
            }
            let diverge = |message: String, expected: String, actual: String| Divergence {
                step: i,
                message: format!("step {} ({}): {message}", i + 1, step.describe()),
                expected,
                actual,
                exchange: ex.clone(),
            };
            let judged = match &ex.result {
                Err(e) if !e.is_answer() => {
                    out.unanswered = Some(ex);
                    return out;
                }
                Err(e) => {
                    out.divergence = Some(diverge(
                        "the answer is not HTTP".into(),
                        said(predicted.status, predicted.code),
                        e.to_string(),
                    ));
                    return out;
                }
                Ok(_) => match c.judged(&ex) {
                    Some(j) => j,
                    None => return out,
                },
            };
            if let Some(b) = judged.breaches.first() {
                out.divergence = Some(diverge(
                    format!("the answer breaks {}", b.rule()),
                    said(predicted.status, predicted.code),
                    c.outcome(&ex),
                ));
                return out;
            }
            let ok = judged.is_success();
            let m_ok = predicted.status == 200 && predicted.code.is_none();
            if ok != m_ok || (!ok && judged.code() != predicted.code) {
                if default_full(step, &judged) {
                    // The default account is shared and full: this step proves nothing.
                    break;
                }
                out.divergence = Some(diverge(
                    "not the model's answer".into(),
                    said(predicted.status, predicted.code),
                    c.outcome(&ex),
                ));
                return out;
            }
            if !ok {
                continue;
            }
            let data = success_body(c, &ex);
            let sent_name = w
                .value
                .as_ref()
                .and_then(|v| v["connectorProfileName"].as_str())
                .map(|n| (step.account, n.to_owned()));
            match w.op {
                Operation::Create | Operation::Update => {
                    let mid = predicted.data["id"].as_str().unwrap_or("").to_owned();
                    let tid = target_id(c, &data);
                    let envelope = c.cfg.errors.dialect() == contract::Dialect::Envelope;
                    match bound.get(&mid) {
                        // A replay (or an update of a known profile): its first answer's profile.
                        Some(b) if w.op == Operation::Create => {
                            if data != b.first {
                                out.divergence = Some(diverge(
                                    "a replay is not its first answer again".into(),
                                    b.first.to_string(),
                                    data.to_string(),
                                ));
                                return out;
                            }
                        }
                        Some(b) => {
                            if tid != b.target_id {
                                out.divergence = Some(diverge(
                                    "the update names another profile".into(),
                                    format!("{:?}", b.target_id),
                                    format!("{tid:?}"),
                                ));
                                return out;
                            }
                        }
                        None => {
                            // A new profile: the target's id must be new too (in the envelope,
                            // where ids are the target's; AppFlow's ARN is its name's).
                            if envelope
                                && let Some(t) = &tid
                                && let Some(old) = target_ids.get(t)
                                && *old != mid
                            {
                                out.divergence = Some(diverge(
                                    "a new profile has the id of an earlier answer".into(),
                                    "a new id".into(),
                                    t.clone(),
                                ));
                                return out;
                            }
                            if let Some(t) = &tid {
                                target_ids.insert(t.clone(), mid.clone());
                            }
                            if w.op == Operation::Create
                                && let Some(key) = &sent_name
                            {
                                created_at.remove(key);
                            }
                            bound.insert(
                                mid,
                                Bound {
                                    target_id: tid,
                                    first: data,
                                },
                            );
                        }
                    }
                }
                Operation::Describe => {
                    let (want, got) = (names(&predicted.data), names(&data));
                    let more = |v: &Value| v.get("nextToken").is_some_and(|t| !t.is_null());
                    if want != got || more(&predicted.data) != more(&data) {
                        out.divergence = Some(diverge(
                            "the page is not the model's".into(),
                            format!("{want:?}, more: {}", more(&predicted.data)),
                            format!("{got:?}, more: {}", more(&data)),
                        ));
                        return out;
                    }
                    for p in data["connectorProfileDetails"]
                        .as_array()
                        .into_iter()
                        .flatten()
                    {
                        let (Some(n), Some(at)) =
                            (p["connectorProfileName"].as_str(), p.get("createdAt"))
                        else {
                            continue;
                        };
                        let first = created_at
                            .entry((step.account, n.to_owned()))
                            .or_insert_with(|| at.clone());
                        if first != at {
                            out.divergence = Some(diverge(
                                format!("the createdAt of profile {n} changed"),
                                first.to_string(),
                                at.to_string(),
                            ));
                            return out;
                        }
                    }
                    let token = |v: &Value| v["nextToken"].as_str().map(str::to_owned);
                    pages.insert(step.account, (token(&data), token(&predicted.data)));
                }
                Operation::Delete => {
                    if let Some(key) = &sent_name {
                        created_at.remove(key);
                    }
                }
            }
        }
    }
    out
}

/// Sends `w` with `body` in `account` (recorded into the check, or only counted).
pub(super) async fn send_to(
    c: &Ctx,
    w: &Wire,
    account: &str,
    body: Vec<u8>,
    opts: &RunOptions,
) -> Exchange {
    let account = w.account.value(account);
    let method = reqwest::Method::from_bytes(w.method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let secrets = w
        .value
        .as_ref()
        .map(contract::redact::scanned_secrets)
        .unwrap_or_default();
    let mut sent = c.target.request(
        method,
        &w.path,
        account,
        w.content_type.as_deref(),
        body,
        Arc::new(secrets),
    );
    // A describe changes nothing: safe to send again (a create or update is, with its token).
    sent.retry_safe |= w.op == Operation::Describe;
    if opts.record {
        c.send(sent).await
    } else {
        let ex = c.target.exchange(sent).await;
        c.count_quietly(&ex);
        ex
    }
}
