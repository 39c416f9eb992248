//! What a check works with: the target, the expected contract, fresh accounts and names, and the
//! assertions that turn each exchange into findings (data, never errors).

use super::config::ContractConfig;
use super::report::Failure;
use crate::contract::judge::{self, Breach, Expect, Judgement};
use crate::contract::redact::scanned_secrets;
use crate::contract::{self, ErrorCode, ExampleGen};
use crate::http::{Exchange, Target};
use futures::StreamExt;
use parking_lot::Mutex;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Settings of the run that checks read.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Concurrent requests in race checks.
    pub concurrency: usize,
    /// How many times each race check runs.
    pub repeat: u32,
    /// Seed of generated cases.
    pub seed: u64,
    /// Prefix of every profile name of this run.
    pub prefix: String,
}

/// What a finished check leaves behind.
pub(crate) struct Finished {
    pub failures: Vec<Failure>,
    pub unlisted: usize,
    pub errors: Vec<Failure>,
    pub retries: usize,
    pub requests: usize,
    pub runs: Option<(u32, u32)>,
    pub exchanges: Vec<Exchange>,
}

/// A check gave up after recording why (a failed expectation that later steps depend on).
#[derive(Debug)]
pub struct Stop;

/// The result of a check's body.
pub type Step = Result<(), Stop>;

/// Failures listed per check before the rest are only counted.
const MAX_LISTED: usize = 12;

/// One check's working context.
pub struct Ctx {
    pub(crate) target: Arc<Target>,
    pub(crate) cfg: Arc<ContractConfig>,
    pub(crate) settings: Arc<Settings>,
    failures: Mutex<Vec<Failure>>,
    unlisted: AtomicUsize,
    /// Requests that got no answer (transport errors): they prove nothing either way.
    errors: Mutex<Vec<Failure>>,
    retries: AtomicUsize,
    requests: AtomicUsize,
    generator: Mutex<ExampleGen>,
    /// For `--repeat`: how many runs failed.
    pub(crate) runs: Mutex<Option<(u32, u32)>>,
    /// Every exchange, kept only when snapshots are asked for.
    pub(crate) exchanges: Option<Mutex<Vec<Exchange>>>,
}

impl Ctx {
    pub(crate) fn new(
        target: Arc<Target>,
        cfg: Arc<ContractConfig>,
        settings: Arc<Settings>,
        seed: u64,
        keep_exchanges: bool,
    ) -> Ctx {
        Ctx {
            target,
            cfg,
            settings,
            failures: Mutex::new(Vec::new()),
            unlisted: AtomicUsize::new(0),
            errors: Mutex::new(Vec::new()),
            retries: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
            generator: Mutex::new(ExampleGen::new(seed)),
            runs: Mutex::new(None),
            exchanges: keep_exchanges.then(|| Mutex::new(Vec::new())),
        }
    }

    pub(crate) fn finish(self) -> Finished {
        let runs = *self.runs.lock();
        Finished {
            failures: self.failures.into_inner(),
            unlisted: self.unlisted.load(Ordering::Relaxed),
            errors: self.errors.into_inner(),
            retries: self.retries.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            runs,
            exchanges: self.exchanges.map(|m| m.into_inner()).unwrap_or_default(),
        }
    }

    /// Number of failures recorded so far.
    pub fn failure_count(&self) -> usize {
        self.failures.lock().len() + self.unlisted.load(Ordering::Relaxed)
    }

    /// A fresh random account (never the default one), so checks never disturb each other.
    pub fn account(&self) -> String {
        loop {
            let n = rand::random::<u64>() % 1_000_000_000_000;
            if n != 0 {
                return format!("{n:012}");
            }
        }
    }

    /// A fresh profile name carrying the run's prefix.
    pub fn name(&self, tag: &str) -> String {
        self.generator
            .lock()
            .name(&format!("{}{tag}-", self.settings.prefix))
    }

    /// A fresh client token.
    pub fn token(&self) -> String {
        self.generator.lock().token()
    }

    /// A valid request of `connector_type` with a fresh name.
    pub fn valid(&self, connector_type: &str) -> Value {
        let name = self.name(&connector_type.to_lowercase());
        self.generator.lock().request(connector_type, &name)
    }

    /// As [`Ctx::valid`], with a token.
    pub fn valid_with_token(&self, connector_type: &str) -> (Value, String) {
        let mut body = self.valid(connector_type);
        let token = self.token();
        body["clientToken"] = json!(token);
        (body, token)
    }

    /// A valid request of a type drawn from the generator (any of the 24).
    pub fn generator(&self) -> parking_lot::MutexGuard<'_, ExampleGen> {
        self.generator.lock()
    }

    /// Records a failure of the check's own (with the exchange that shows it, if any).
    pub fn fail(
        &self,
        message: impl Into<String>,
        expected: Option<String>,
        actual: Option<String>,
        ex: Option<&Exchange>,
    ) {
        self.record(None, message.into(), expected, actual, ex);
    }

    /// Records a breach the judge found, under its rule.
    pub fn breach(&self, b: &Breach, message: Option<&str>, ex: Option<&Exchange>) {
        let message = match message {
            Some(m) => m.to_owned(),
            None => b.message(),
        };
        self.record(Some(b.rule()), message, Some(b.expected()), b.actual(), ex);
    }

    /// Records that a request the check needs got no answer: an error, never a failure.
    pub fn unanswered(&self, what: &str, expected: Option<String>, ex: &Exchange) {
        let Err(e) = &ex.result else {
            return;
        };
        self.record_error(self.failure(
            None,
            what.to_owned(),
            expected,
            Some(format!("no response ({e})")),
            Some(ex),
        ));
    }

    /// Records why the check cannot verify what it is for (the admin routes did not work, the
    /// default account is full): an error, not a failure.
    pub fn cannot_verify(&self, what: String) {
        self.record_error(self.failure(None, what, None, None, None));
    }

    fn record_error(&self, error: Failure) {
        let mut list = self.errors.lock();
        if list.len() < MAX_LISTED {
            list.push(error);
        }
    }

    fn record(
        &self,
        rule: Option<&str>,
        message: String,
        expected: Option<String>,
        actual: Option<String>,
        ex: Option<&Exchange>,
    ) {
        let mut list = self.failures.lock();
        if list.len() >= MAX_LISTED {
            self.unlisted.fetch_add(1, Ordering::Relaxed);
            return;
        }
        list.push(self.failure(rule, message, expected, actual, ex));
    }

    fn failure(
        &self,
        rule: Option<&str>,
        message: String,
        expected: Option<String>,
        actual: Option<String>,
        ex: Option<&Exchange>,
    ) -> Failure {
        let scrub = |s: String| match ex {
            Some(ex) => self.target.scrub(&s, &ex.sent.secrets),
            None => s,
        };
        Failure {
            rule: rule.map(str::to_owned),
            message: scrub(message),
            expected: expected.map(scrub),
            actual: actual.map(scrub),
            request: ex.map(|e| self.target.show_request(&e.sent)),
            response: ex.map(|e| self.target.show_response(e)),
            curl: ex.map(|e| self.target.curl(&e.sent)),
        }
    }

    /// POSTs a JSON body to the endpoint in `account`; checks the envelope of the answer.
    pub async fn post(&self, account: &str, body: &Value) -> Exchange {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        self.post_raw(
            Some(account),
            Some("application/json"),
            bytes,
            Arc::new(scanned_secrets(body)),
        )
        .await
    }

    /// POSTs raw bytes to the endpoint.
    pub async fn post_raw(
        &self,
        account: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
        secrets: Arc<Vec<String>>,
    ) -> Exchange {
        let sent = self.target.request(
            reqwest::Method::POST,
            contract::ENDPOINT,
            account,
            content_type,
            body,
            secrets,
        );
        self.send(sent).await
    }

    /// Sends any request; checks the envelope and secrets of the answer.
    pub async fn send(&self, sent: super::http::Sent) -> Exchange {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let ex = self.target.exchange(sent).await;
        self.retries
            .fetch_add(ex.retries as usize, Ordering::Relaxed);
        self.check_envelope(&ex);
        if let Some(list) = &self.exchanges {
            list.lock().push(ex.clone());
        }
        ex
    }

    /// The judge's finding on an answer (`None` when there was no answer).
    pub fn judged(&self, ex: &Exchange) -> Option<Judgement> {
        let r = ex.result.as_ref().ok()?;
        Some(judge::judge(
            &self.cfg.errors,
            &r.answer(),
            &ex.sent.secrets,
        ))
    }

    /// The envelope rules, applied by the judge to every response of every check.
    fn check_envelope(&self, ex: &Exchange) {
        match &ex.result {
            // An answer that is not HTTP breaks the contract whatever was asked.
            Err(e) if e.is_answer() => self.breach(&Breach::NotHttp, None, Some(ex)),
            // No answer: the step that waits for this answer records the transport error.
            Err(_) => {}
            Ok(_) => {
                for b in self.judged(ex).map(|j| j.breaches).unwrap_or_default() {
                    self.breach(&b, None, Some(ex));
                }
            }
        }
    }

    /// Records why an answer is not `expect`: a judged breach (a failure), or no answer at all (an
    /// error: the check stops, unverified).
    fn expected(&self, ex: &Exchange, expect: Expect, what: &str) -> Step {
        let Some(judged) = self.judged(ex) else {
            if ex.result.as_ref().is_err_and(|e| e.is_answer()) {
                return Err(Stop); // recorded as a breach with the answer
            }
            let expected = match expect {
                Expect::Success => "200 success".into(),
                Expect::Error(c) => {
                    let e = self.cfg.expected(c);
                    format!("{} {}", e.status, e.code)
                }
            };
            self.unanswered(what, Some(expected), ex);
            return Err(Stop);
        };
        match judged.against(&self.cfg.errors, expect) {
            None => Ok(()),
            Some(b) => {
                self.breach(&b, Some(what), Some(ex));
                Err(Stop)
            }
        }
    }

    /// Expects a 200 success; returns what identifies the profile: the envelope's `data` (`id`,
    /// `created_at`, …), or in the AWS dialect `{"id": <its ARN>}`.
    pub fn created(&self, ex: &Exchange, what: &str) -> Result<Value, Stop> {
        self.expected(ex, Expect::Success, what)?;
        let body = ex.result.as_ref().ok().and_then(|r| r.json.as_ref());
        Ok(match self.cfg.errors.dialect() {
            contract::Dialect::Envelope => body.map(|v| v["data"].clone()),
            contract::Dialect::Aws => body.map(|v| json!({ "id": v["connectorProfileArn"] })),
        }
        .unwrap_or_default())
    }

    /// Expects the error `code` with the configured status.
    pub fn error(&self, ex: &Exchange, code: ErrorCode, what: &str) -> Step {
        self.expected(ex, Expect::Error(code), what)
    }

    /// Records a breach when a replay's `data` differs from the first answer's (id, created_at).
    pub fn same_answer(&self, first: &Value, again: &Value, ex: &Exchange, what: &str) -> Step {
        for member in ["id", "created_at"] {
            if let Some(b) = judge::replay(
                member,
                &first[member].to_string(),
                &again[member].to_string(),
            ) {
                self.breach(&b, Some(&format!("{what}: {}", b.message())), Some(ex));
                return Err(Stop);
            }
        }
        Ok(())
    }

    /// The error code of an answer, as the contract names it.
    pub fn code_of(&self, ex: &Exchange) -> Option<ErrorCode> {
        self.judged(ex)?.code()
    }

    /// Whether an answer is a 200 success.
    pub fn is_created(&self, ex: &Exchange) -> bool {
        self.judged(ex).is_some_and(|j| j.is_created())
    }

    /// An answer in a few words (`409 CONFLICT`, or why there was none).
    pub fn outcome(&self, ex: &Exchange) -> String {
        match (&ex.result, self.judged(ex)) {
            (_, Some(j)) => j.outcome(),
            (Err(e), None) => format!("no response ({e})"),
            (Ok(_), None) => String::new(),
        }
    }

    /// Creates `n` profiles in `account` (with `concurrency` in flight); fails unless all succeed.
    pub async fn fill(&self, account: &str, n: u32) -> Step {
        let bodies: Vec<Value> = (0..n).map(|_| self.valid("S3")).collect();
        let results: Vec<Exchange> =
            futures::stream::iter((0..bodies.len()).map(|i| self.post(account, &bodies[i])))
                .buffer_unordered(self.settings.concurrency.clamp(1, 16))
                .collect()
                .await;
        for ex in &results {
            self.created(
                ex,
                "filling the account up to its quota: a create was refused",
            )?;
        }
        Ok(())
    }

    /// How many profiles `account` holds: from the admin listing when there is one, otherwise proven
    /// from the endpoint alone by creating profiles until the quota refuses (this fills the account).
    pub async fn count_profiles(&self, account: &str) -> Result<u32, Stop> {
        if self.target.admin().is_some() {
            return match self
                .target
                .admin_call(
                    reqwest::Method::GET,
                    &format!("/__admin/accounts/{account}/profiles"),
                    None,
                )
                .await
            {
                Ok(v) => Ok(v["count"].as_u64().unwrap_or(0) as u32),
                Err(e) => {
                    self.cannot_verify(format!("the admin listing failed: {e}"));
                    Err(Stop)
                }
            };
        }
        let quota = self.cfg.quota;
        let mut created = 0u32;
        let batch = self.settings.concurrency.clamp(1, 16);
        loop {
            let bodies: Vec<Value> = (0..batch).map(|_| self.valid("S3")).collect();
            let results: Vec<Exchange> = futures::future::join_all(
                (0..bodies.len()).map(|i| self.post(account, &bodies[i])),
            )
            .await;
            let mut refused = false;
            for ex in &results {
                if ex.result.as_ref().is_err_and(|e| !e.is_answer()) {
                    self.unanswered(
                        "counting profiles by filling the quota: a create got no answer",
                        None,
                        ex,
                    );
                    return Err(Stop);
                }
                if self.is_created(ex) {
                    created += 1;
                } else if self.code_of(ex) == Some(ErrorCode::QuotaExceeded) {
                    refused = true;
                } else {
                    self.fail(
                        "counting profiles by filling the quota: an unexpected answer",
                        Some(format!(
                            "200, or {} once the quota is reached",
                            self.cfg.expected(ErrorCode::QuotaExceeded).status
                        )),
                        Some(self.outcome(ex)),
                        Some(ex),
                    );
                    return Err(Stop);
                }
            }
            if refused {
                return Ok(quota.saturating_sub(created));
            }
            if created > quota {
                self.fail(
                    format!("the account took more than its quota of {quota} profiles"),
                    Some(format!(
                        "{} after {quota} profiles",
                        self.cfg.expected(ErrorCode::QuotaExceeded).code
                    )),
                    Some(format!("{created} further creates accepted")),
                    None,
                );
                return Err(Stop);
            }
        }
    }
}
