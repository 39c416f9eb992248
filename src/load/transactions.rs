//! goose transactions: requests from the shared example generator, answers judged by the contract
//! core's one judge (`contract::judge`), as the runner's are. An expected 4xx is a success of its
//! transaction; an answer that breaks any rule (its envelope, its status or code, a replay with another
//! `id`) is a failure, counted under the judge's name for each rule it breaks.

use super::result::{LoadResult, TransactionStats};
use super::scenario::{Kind, Scenario};
use crate::contract::judge::{self, Answer, Breach, Expect, Shape};
use crate::contract::{self, ErrorCode, ErrorTable, ExampleGen, invalid_cases};
use crate::http::{Admit, Direct, Health, TransportError};
use bytes::Bytes;
use goose::goose::{
    GooseMethod, GooseRequest, GooseUser, Transaction, TransactionFunction, TransactionResult,
};
use parking_lot::Mutex;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// What one process's users share: the scenario, the pools, and the counters.
pub struct LoadState {
    /// The client every user sends with (replaces goose's own, see `load_client`).
    client: reqwest::Client,
    scenario: Scenario,
    account_header: HeaderName,
    headers: Vec<(HeaderName, HeaderValue)>,
    seed: u64,
    worker: u32,
    workers: u32,
    account_base: u64,
    /// Shared tokens: (token, body) for `replay`, all in one account.
    replay_pool: Vec<(String, Bytes)>,
    replay_account: String,
    /// Pre-serialized invalid bodies for `invalid`.
    invalid_pool: Vec<Bytes>,
    /// The error table answers are judged by (the contract's own).
    table: ErrorTable,
    stats: Mutex<BTreeMap<Kind, TransactionStats>>,
    failures_by_rule: Mutex<BTreeMap<String, u64>>,
    transport_errors_by_kind: Mutex<BTreeMap<String, u64>>,
    /// The per-request timeout (a timed-out request is a transport error of that length).
    timeout: std::time::Duration,
    /// Whether users send on their own connections ([`Direct`]) rather than through goose and reqwest:
    /// when goose keeps no metrics (no goose report was asked for), goose need not see the requests.
    direct: bool,
    replay_ids: Mutex<BTreeMap<usize, String>>,
    started: Instant,
    /// Whether the target still answers (the stop rule).
    health: Arc<Health>,
    /// Whether the scenario deletes: then users keep their accounts, deleting to stay under the
    /// quota, instead of moving to fresh ones.
    churns: bool,
}

/// Accounts are spread so no two users, workers or runs share one.
fn account_number(base: u64, worker: u32, user: usize, rotation: u64) -> String {
    let n = base
        .wrapping_add(u64::from(worker) * 100_000_000)
        .wrapping_add(user as u64 * 10_000)
        .wrapping_add(rotation);
    format!("{:012}", n % 999_999_999_999 + 1)
}

impl LoadState {
    /// Prepares the pools for a run (its seed fixes accounts and tokens; all workers share it).
    pub fn new(
        client: reqwest::Client,
        opts: &super::LoadOptions,
        health: Arc<Health>,
    ) -> LoadState {
        let scenario = opts.scenario.clone();
        let (seed, worker, workers) = (opts.seed, opts.worker_index, opts.workers);
        let timeout = opts.timeout;
        let mut rng = contract::examples::SplitMix64::new(seed);
        let account_base = rng.next_u64() % 900_000_000_000;
        let mut generator = ExampleGen::new(seed);
        let replay_types = types_for(&scenario, Kind::Replay);
        let replay_pool = (0..scenario.shared_tokens)
            .map(|i| {
                let t = &replay_types[i % replay_types.len()];
                let mut body = generator.request(t, &format!("storm-{seed:x}-{i}"));
                let token = format!("storm-{seed:x}-{i}");
                body["clientToken"] = json!(token);
                (token, serde_json::to_vec(&body).unwrap_or_default().into())
            })
            .collect();
        let invalid_types = types_for(&scenario, Kind::Invalid);
        let invalid_pool = invalid_types
            .iter()
            .flat_map(|t| invalid_cases(&generator.request(t, "invalid-case")))
            .filter(|c| !contract::validate(&c.body).is_empty())
            .map(|c| serde_json::to_vec(&c.body).unwrap_or_default().into())
            .collect();
        LoadState {
            client,
            replay_account: account_number(account_base, u32::MAX / 2, 0, 0),
            scenario,
            account_header: opts.account_header.clone(),
            headers: opts.headers.clone(),
            seed,
            worker,
            workers,
            account_base,
            replay_pool,
            invalid_pool,
            table: ErrorTable::for_dialect(opts.dialect),
            stats: Mutex::new(BTreeMap::new()),
            failures_by_rule: Mutex::new(BTreeMap::new()),
            transport_errors_by_kind: Mutex::new(BTreeMap::new()),
            timeout,
            direct: opts.goose_reports.is_empty(),
            replay_ids: Mutex::new(BTreeMap::new()),
            started: Instant::now(),
            health,
            churns: opts
                .scenario
                .transactions
                .iter()
                .any(|t| t.kind == Kind::Delete),
        }
    }

    /// Whether users send on their own connections, so goose need keep no metrics.
    pub fn sends_directly(&self) -> bool {
        self.direct
    }

    /// Starts the clock of the run.
    pub fn start(&mut self) {
        self.started = Instant::now();
    }

    /// The result so far.
    pub fn result(&self) -> LoadResult {
        let transactions: BTreeMap<String, TransactionStats> = self
            .stats
            .lock()
            .iter()
            .map(|(k, v)| (k.name().to_owned(), v.clone()))
            .collect();
        let replay_ids = self
            .replay_ids
            .lock()
            .iter()
            .map(|(i, id)| (self.replay_pool[*i].0.clone(), id.clone()))
            .collect();
        LoadResult {
            scenario: self.scenario.name.clone(),
            workers: vec![self.worker],
            worker_count: self.workers,
            duration_secs: self.started.elapsed().as_secs_f64(),
            requests: transactions.values().map(|t| t.requests).sum(),
            failures: transactions.values().map(|t| t.failures).sum(),
            transport_errors: transactions.values().map(|t| t.transport_errors).sum(),
            fail_on_violation: self.scenario.fail_on_violation,
            transactions,
            failures_by_rule: self.failures_by_rule.lock().clone(),
            transport_errors_by_kind: self.transport_errors_by_kind.lock().clone(),
            replay_ids,
            stopped: self
                .health
                .stopped()
                .map(|r| r.to_string())
                .into_iter()
                .collect(),
        }
    }

    /// Copies the totals so far into `live` (for a progress display).
    pub fn update(&self, live: &crate::live::Live) {
        let stats = self.stats.lock();
        let mut latency = super::result::Histogram::default();
        let (mut requests, mut unanswered, mut failures) = (0, 0, 0);
        for t in stats.values() {
            requests += t.requests;
            unanswered += t.transport_errors;
            failures += t.failures;
            latency.merge(&t.latency);
        }
        drop(stats);
        live.set_load(requests, unanswered, failures, latency.percentile(99.0));
    }
}

/// The connector types a transaction kind's requests use: its `connector_types`, or all 24.
fn types_for(scenario: &Scenario, kind: Kind) -> Vec<String> {
    scenario
        .transactions
        .iter()
        .find(|t| t.kind == kind)
        .map(|t| t.connector_types.clone())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| contract::connector_types().to_vec())
}

/// One user's state (its own accounts, names and last token).
#[derive(Clone)]
struct UserState {
    generator: ExampleGen,
    rng: contract::examples::SplitMix64,
    rotation: u64,
    in_account: u32,
    refusals: u32,
    last: Option<Value>,
    /// The user's profiles that exist in its account, oldest first (for update and delete).
    live: std::collections::VecDeque<Value>,
    /// The endpoint's URL on this user's host, joined once: goose's `get_request_builder` would join and
    /// format it, and reqwest parse it again, on every request.
    endpoint: Option<reqwest::Url>,
    /// The user's own connection to an `http://` endpoint, when goose need not see the requests.
    direct: Option<Direct>,
}

/// The rule a replay with another `id` breaks (the judge's name for it).
pub const REPLAY_RULE: &str = "idempotency.replay-differs";

/// The rule an answer that is not HTTP at all breaks (the judge's name for it).
const NOT_HTTP_RULE: &str = "http.malformed";

/// What the contract says the answer must be.
enum Expected {
    Created,
    Replay(usize),
    Error(ErrorCode),
    /// A describe's page, an update's or a delete's success.
    Done,
}

/// Judges one answer with the contract core's judge; returns every rule it breaks.
fn judge_answer(
    state: &LoadState,
    (op, expect): (contract::Operation, &Expected),
    (status, content_type, error_type): (u16, Option<&str>, Option<&str>),
    body: &[u8],
) -> Vec<&'static str> {
    let judged = judge::judge(
        &state.table,
        &Answer {
            status,
            content_type,
            headers: "",
            body,
            truncated: false,
            error_type,
            op,
        },
        &[],
    );
    let mut rules: Vec<&'static str> = judged.breaches.iter().map(Breach::rule).collect();
    let want = match expect {
        Expected::Created | Expected::Replay(_) | Expected::Done => Expect::Success,
        Expected::Error(code) => Expect::Error(*code),
    };
    if let Some(b) = judged.against(&state.table, want) {
        rules.push(b.rule());
    }
    if let (Expected::Replay(i), Shape::Success { id: Some(id) }) = (expect, &judged.shape) {
        let mut ids = state.replay_ids.lock();
        let first = ids.entry(*i).or_insert_with(|| id.clone());
        if let Some(b) = judge::replay("id", first, id) {
            rules.push(b.rule());
        }
    }
    rules
}

async fn run_transaction(
    state: Arc<LoadState>,
    kind: Kind,
    types: Arc<[String]>,
    user: &mut GooseUser,
) -> TransactionResult {
    let index = user.weighted_users_index;
    if user.get_session_data::<UserState>().is_none() {
        let user_seed = state.seed ^ ((u64::from(state.worker) << 32) | index as u64);
        user.client = state.client.clone();
        let endpoint = user.base_url.join(contract::ENDPOINT).ok();
        let direct = endpoint
            .as_ref()
            .filter(|_| state.direct)
            .and_then(|url| Direct::new(url, state.timeout));
        user.set_session_data(UserState {
            generator: ExampleGen::new(user_seed),
            rng: contract::examples::SplitMix64::new(user_seed.rotate_left(17)),
            rotation: 0,
            in_account: 0,
            refusals: 0,
            last: None,
            live: std::collections::VecDeque::new(),
            endpoint,
            direct,
        });
    }
    let quota = state.scenario.quota;
    let lifecycle = matches!(kind, Kind::Describe | Kind::Update | Kind::Delete);
    let (kind, op, account, body, expect) = {
        let u = user.get_session_data_mut::<UserState>().expect("set above");
        // Creates stay under the quota by moving to a fresh account before it is reached (a user of
        // the lifecycle deletes its oldest profile instead, and keeps its account).
        let churns = state.churns;
        if kind != Kind::Quota && u.in_account + 1 >= quota && !churns {
            u.rotation += 1;
            u.in_account = 0;
            u.last = None;
            u.live.clear();
        }
        let kind = match kind {
            Kind::Create if churns && u.in_account + 1 >= quota => Kind::Delete,
            Kind::Update | Kind::Delete if u.live.is_empty() => Kind::Create,
            k => k,
        };
        if kind == Kind::Quota && u.refusals >= 3 {
            u.rotation += 1;
            u.in_account = 0;
            u.refusals = 0;
        }
        let account = account_number(state.account_base, state.worker, index, u.rotation);
        let connector = &types[(u.rng.next_u64() % types.len() as u64) as usize];
        let fresh = |u: &mut UserState| {
            let name = u.generator.name("load-");
            let mut b = u.generator.request(connector, &name);
            b["clientToken"] = json!(u.generator.token());
            b
        };
        // Only mismatch and duplicate resend (a changed copy of) the user's last create.
        let last = match kind {
            Kind::Mismatch | Kind::Duplicate => u.last.clone(),
            _ => None,
        };
        let create = contract::Operation::Create;
        let done = match kind {
            Kind::Describe => Some((contract::Operation::Describe, json!({"maxResults": 20}))),
            Kind::Update => {
                let i = (u.rng.next_u64() % u.live.len().max(1) as u64) as usize;
                u.live.get_mut(i).map(|p| {
                    let mode = if p["connectionMode"] == "Public" {
                        "Private"
                    } else {
                        "Public"
                    };
                    p["connectionMode"] = json!(mode);
                    let body = json!({
                        "connectorProfileName": p["connectorProfileName"],
                        "connectionMode": mode,
                        "connectorProfileConfig": p["connectorProfileConfig"],
                    });
                    (contract::Operation::Update, body)
                })
            }
            Kind::Delete => u.live.pop_front().map(|p| {
                u.in_account = u.in_account.saturating_sub(1);
                if u.last
                    .as_ref()
                    .is_some_and(|l| l["connectorProfileName"] == p["connectorProfileName"])
                {
                    u.last = None;
                }
                let body = json!({"connectorProfileName": p["connectorProfileName"]});
                (contract::Operation::Delete, body)
            }),
            _ => None,
        };
        let req = match (kind, last) {
            _ if let Some((op, body)) = done => (
                op,
                account,
                Bytes::from(serde_json::to_vec(&body).unwrap_or_default()),
                Expected::Done,
            ),
            (Kind::Replay, _) => {
                let i = (u.rng.next_u64() % state.replay_pool.len() as u64) as usize;
                (
                    create,
                    state.replay_account.clone(),
                    state.replay_pool[i].1.clone(),
                    Expected::Replay(i),
                )
            }
            (Kind::Invalid, _) => {
                let i = (u.rng.next_u64() % state.invalid_pool.len().max(1) as u64) as usize;
                (
                    create,
                    account,
                    state.invalid_pool.get(i).cloned().unwrap_or_default(),
                    Expected::Error(ErrorCode::ValidationError),
                )
            }
            (Kind::Mismatch, Some(mut last)) => {
                let mode = if last["connectionMode"] == "Public" {
                    "Private"
                } else {
                    "Public"
                };
                last["connectionMode"] = json!(mode);
                (
                    create,
                    account,
                    Bytes::from(serde_json::to_vec(&last).unwrap_or_default()),
                    Expected::Error(ErrorCode::IdempotentParameterMismatch),
                )
            }
            (Kind::Duplicate, Some(mut last)) => {
                last["clientToken"] = json!(u.generator.token());
                (
                    create,
                    account,
                    Bytes::from(serde_json::to_vec(&last).unwrap_or_default()),
                    Expected::Error(ErrorCode::Conflict),
                )
            }
            (Kind::Quota, _) => {
                let b = fresh(u);
                let expect = if u.in_account < quota {
                    Expected::Created
                } else {
                    Expected::Error(ErrorCode::QuotaExceeded)
                };
                (
                    create,
                    account,
                    Bytes::from(serde_json::to_vec(&b).unwrap_or_default()),
                    expect,
                )
            }
            // Create, and mismatch/duplicate before the user has created anything.
            _ => {
                let b = fresh(u);
                let body = Bytes::from(serde_json::to_vec(&b).unwrap_or_default());
                u.last = Some(b);
                (create, account, body, Expected::Created)
            }
        };
        (kind, req.0, req.1, req.2, req.3)
    };
    let expected_status = match &expect {
        Expected::Error(code) => code.status(),
        _ => 200,
    };
    let mut headers = HeaderMap::with_capacity(2 + state.headers.len());
    headers.insert(
        reqwest::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(&account) {
        headers.insert(state.account_header.clone(), v);
    }
    for (k, v) in &state.headers {
        headers.append(k.clone(), v.clone());
    }
    // Ok(rules broken), or Err(the transport error) when no answer came: that proves nothing about
    // the contract and is counted apart. Bytes that are not HTTP are an answer, and a broken rule.
    let verdict = |e: TransportError| {
        if e.is_answer() {
            Ok(vec![NOT_HTTP_RULE])
        } else {
            Err(e)
        }
    };
    let judged = |status, headers: &HeaderMap, body: &[u8]| {
        let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
        judge_answer(
            &state,
            (op, &expect),
            (
                status,
                header(reqwest::header::CONTENT_TYPE.as_str()),
                header(contract::dialect::AWS_ERROR_TYPE_HEADER),
            ),
            body,
        )
    };
    if let Admit::Stopped(_) = state.health.admit().await {
        // The run is ending: nothing more is sent (nor counted). Wait instead of returning at once,
        // so the user does not spin and goose's controller gets to end the run.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        return Ok(());
    }
    let start = Instant::now();
    let direct = user
        .get_session_data_mut::<UserState>()
        .and_then(|u| u.direct.as_mut());
    let (outcome, mut goose) = match direct {
        Some(direct) => {
            let sent = if op == contract::Operation::Create {
                direct.post(headers, body).await
            } else {
                direct.post_to(op.path(), headers, body).await
            };
            let outcome = match sent {
                Ok(a) => Ok(judged(a.status, &a.headers, &a.body)),
                Err(e) => verdict(e),
            };
            (outcome, None)
        }
        None => {
            let endpoint = user
                .get_session_data::<UserState>()
                .and_then(|u| u.endpoint.clone());
            let endpoint = match op {
                contract::Operation::Create => endpoint,
                other => user.base_url.join(other.path()).ok(),
            };
            let builder = match endpoint {
                Some(url) => user.client.post(url),
                None => user.get_request_builder(&GooseMethod::Post, contract::ENDPOINT)?,
            };
            let request = GooseRequest::builder()
                .set_request_builder(builder.headers(headers).body(body))
                .name(kind.name())
                .expect_status_code(expected_status)
                .build();
            let goose = user.request(request).await?;
            let lost = |e: &reqwest::Error| verdict(TransportError::from_reqwest(e, state.timeout));
            let outcome = match goose.response {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let headers = resp.headers().clone();
                    match resp.bytes().await {
                        Ok(bytes) => Ok(judged(status, &headers, &bytes)),
                        Err(e) => lost(&e),
                    }
                }
                Err(e) => lost(&e),
            };
            (outcome, Some(goose.request))
        }
    };
    let elapsed = start.elapsed();
    match &outcome {
        Ok(_) => state.health.answered(),
        Err(TransportError::Stopped { .. }) => {}
        Err(e) if e.target_alive() => state.health.answered(),
        Err(_) => state.health.unanswered().await,
    }
    let outcome = outcome.map_err(|e| e.kind());
    if let Some(u) = user.get_session_data_mut::<UserState>() {
        let kept = outcome.as_ref().is_ok_and(Vec::is_empty);
        match (kept, kind) {
            (true, Kind::Quota) if expected_status == 200 => u.in_account += 1,
            (true, Kind::Quota) => u.refusals += 1,
            (true, Kind::Create | Kind::Mismatch | Kind::Duplicate) if expected_status == 200 => {
                u.in_account += 1;
                // Only a profile that was created is updated or deleted later.
                if (lifecycle || state.churns)
                    && let Some(last) = &u.last
                {
                    u.live.push_back(last.clone());
                }
            }
            _ => {}
        }
    }
    {
        let mut stats = state.stats.lock();
        let s = stats.entry(kind).or_default();
        s.requests += 1;
        s.latency.record(elapsed.as_micros() as u64);
        match &outcome {
            Ok(rules) if !rules.is_empty() => s.failures += 1,
            Ok(_) => {}
            Err(_) => s.transport_errors += 1,
        }
    }
    match outcome {
        Ok(rules) if !rules.is_empty() => {
            let mut by_rule = state.failures_by_rule.lock();
            for rule in &rules {
                *by_rule.entry((*rule).to_owned()).or_default() += 1;
            }
            drop(by_rule);
            if let Some(metric) = &mut goose {
                let _ = user.set_failure(rules[0], metric, None, None);
            }
        }
        Ok(_) => {}
        Err(kind) => {
            *state
                .transport_errors_by_kind
                .lock()
                .entry(kind.to_owned())
                .or_default() += 1;
            if let Some(metric) = &mut goose {
                let _ = user.set_failure(kind, metric, None, None);
            }
        }
    }
    Ok(())
}

/// The goose transaction for `kind`.
pub fn transaction(state: Arc<LoadState>, kind: Kind) -> Transaction {
    let types: Arc<[String]> = types_for(&state.scenario, kind).into();
    let f: TransactionFunction = Arc::new(move |user| {
        let (state, types) = (state.clone(), types.clone());
        Box::pin(async move { run_transaction(state, kind, types, user).await })
    });
    Transaction::new(f).set_name(kind.name())
}
