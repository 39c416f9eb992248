//! What a check works with: the target, the expected contract, fresh accounts and names, and the
//! assertions that turn each exchange into findings (data, never errors). How a check plans its
//! accounts, counts profiles and records coverage is in `plan`.

mod lifecycle;
mod plan;

pub use plan::Spread;

use super::config::ContractConfig;
use super::report::Failure;
use crate::contract::judge::{self, Breach, Expect, Judgement};
use crate::contract::redact::scanned_secrets;
use crate::contract::{self, ErrorCode, ExampleGen};
use crate::http::{Exchange, Target};

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
    /// Live counters for a progress display, if one was asked for.
    pub live: Option<Arc<crate::live::Live>>,
    /// The contract's rules and their cases, made the first time a check asks.
    pub rules: Arc<std::sync::OnceLock<super::coverage::RuleSet>>,
    /// Answered cases per rule over the whole run: refused, accepted.
    pub coverage: Arc<Mutex<std::collections::BTreeMap<String, [u64; 2]>>>,
    /// Whether the target has the lifecycle operations (asked once, by the first check that needs it).
    pub lifecycle: Arc<tokio::sync::OnceCell<bool>>,
    /// The profiles the run created, for the clean-up at its end.
    pub created: Arc<Mutex<Vec<Created>>>,
    /// The explorer's budget, concurrency and replay file.
    pub explore: crate::check::explore::Explore,
}

impl Settings {
    /// The contract's rules and their cases (made once per run).
    pub fn rule_set(&self) -> &super::coverage::RuleSet {
        self.rules.get_or_init(|| {
            // One name for every case (each goes to an account of its own), the same in every run, so
            // that the cases of one seed are the same requests (for `diff` and snapshots).
            super::coverage::RuleSet::build("ah-rule-case", self.seed)
        })
    }
}

/// What a finished check leaves behind.
pub(crate) struct Finished {
    pub skipped: Option<String>,
    pub failures: Vec<Failure>,
    pub unlisted: usize,
    pub errors: Vec<Failure>,
    pub retries: usize,
    pub unconnected_retries: usize,
    pub requests: usize,
    pub runs: Option<(u32, u32)>,
    pub exchanges: Vec<Exchange>,
    pub reproducers: Vec<crate::check::report::Reproducer>,
}

/// A profile the run created: the account header it was sent with (none: the default account) and
/// its name.
pub type Created = (Option<String>, String);

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
    unconnected_retries: AtomicUsize,
    requests: AtomicUsize,
    generator: Mutex<ExampleGen>,
    /// For `--repeat`: how many runs failed.
    pub(crate) runs: Mutex<Option<(u32, u32)>>,
    /// Why the check cannot be meaningful against this target (it is then skipped, never failed).
    skipped: Mutex<Option<String>>,
    /// Every exchange, kept only when snapshots are asked for.
    pub(crate) exchanges: Option<Mutex<Vec<Exchange>>>,
    /// The explorer's reproducers.
    reproducers: Mutex<Vec<crate::check::report::Reproducer>>,
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
            unconnected_retries: AtomicUsize::new(0),
            requests: AtomicUsize::new(0),
            generator: Mutex::new(ExampleGen::new(seed)),
            runs: Mutex::new(None),
            skipped: Mutex::new(None),
            exchanges: keep_exchanges.then(|| Mutex::new(Vec::new())),
            reproducers: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn finish(self) -> Finished {
        let runs = *self.runs.lock();
        Finished {
            skipped: self.skipped.into_inner(),
            failures: self.failures.into_inner(),
            unlisted: self.unlisted.load(Ordering::Relaxed),
            errors: self.errors.into_inner(),
            retries: self.retries.load(Ordering::Relaxed),
            unconnected_retries: self.unconnected_retries.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            runs,
            exchanges: self.exchanges.map(|m| m.into_inner()).unwrap_or_default(),
            reproducers: self.reproducers.into_inner(),
        }
    }

    /// Keeps a reproducer of what the check found (the explorer's).
    pub(crate) fn reproduce(&self, r: crate::check::report::Reproducer) {
        self.reproducers.lock().push(r);
    }

    /// Number of failures recorded so far.
    pub fn failure_count(&self) -> usize {
        self.failures.lock().len() + self.unlisted.load(Ordering::Relaxed)
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

    /// A valid request of `connector_type` with a fresh name and a fresh token: every create the
    /// runner sends carries one, so that one whose answer was lost can be sent again (a replay),
    /// unless it is [`Ctx::tokenless`] on purpose.
    pub fn valid(&self, connector_type: &str) -> Value {
        self.valid_with_token(connector_type).0
    }

    /// A valid request of `connector_type` with a fresh name and no token (where the check is about
    /// requests without one: a lost answer to it leaves the check unverified).
    pub fn tokenless(&self, connector_type: &str) -> Value {
        let name = self.name(&connector_type.to_lowercase());
        self.generator.lock().request(connector_type, &name)
    }

    /// As [`Ctx::valid`], with its token.
    pub fn valid_with_token(&self, connector_type: &str) -> (Value, String) {
        let mut body = self.tokenless(connector_type);
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

    /// POSTs a JSON body the contract refuses (an invalid request): safe to send again after a lost
    /// answer, since a correct service refuses it every time.
    pub async fn post_refused(&self, account: &str, body: &Value) -> Exchange {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        let mut sent = self.target.request(
            reqwest::Method::POST,
            contract::ENDPOINT,
            Some(account),
            Some("application/json"),
            bytes,
            Arc::new(scanned_secrets(body)),
        );
        sent.retry_safe = true;
        self.send(sent).await
    }

    /// POSTs raw bytes the contract refuses (they stand for `body`, whose secrets are scanned).
    pub async fn post_raw_refused(&self, account: &str, bytes: Vec<u8>, body: &Value) -> Exchange {
        let mut sent = self.target.request(
            reqwest::Method::POST,
            contract::ENDPOINT,
            Some(account),
            Some("application/json"),
            bytes,
            Arc::new(scanned_secrets(body)),
        );
        sent.retry_safe = true;
        self.send(sent).await
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

    fn count_retries(&self, ex: &Exchange) {
        self.retries
            .fetch_add(ex.retries as usize, Ordering::Relaxed);
        self.unconnected_retries
            .fetch_add(ex.unconnected_retries as usize, Ordering::Relaxed);
    }

    /// Counts an exchange sent outside [`Ctx::send`] (the explorer's shrinker reruns): its request,
    /// its retries, and a profile it created (for the clean-up), but no judgement and no record.
    pub(crate) fn count_quietly(&self, ex: &Exchange) {
        if ex.went_out {
            self.requests.fetch_add(1, Ordering::Relaxed);
            if let Some(live) = &self.settings.live {
                live.request(ex.result.is_ok());
            }
        }
        self.count_retries(ex);
        if self.is_created(ex) {
            self.remember(ex);
        }
    }

    /// Sends any request; checks the envelope and secrets of the answer.
    pub async fn send(&self, sent: super::http::Sent) -> Exchange {
        let ex = self.target.exchange(sent).await;
        if ex.went_out {
            self.requests.fetch_add(1, Ordering::Relaxed);
            if let Some(live) = &self.settings.live {
                live.request(ex.result.is_ok());
            }
        }
        self.count_retries(&ex);
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
            &r.answer(ex.sent.op()),
            &ex.sent.secrets,
        ))
    }

    /// The envelope rules, applied by the judge to every response of every check (but an answer to
    /// `HEAD`, which has no body to judge: its check looks at what it has).
    fn check_envelope(&self, ex: &Exchange) {
        if ex.sent.method == reqwest::Method::HEAD {
            return;
        }
        match &ex.result {
            // An answer that is not HTTP breaks the contract whatever was asked.
            Err(e) if e.is_answer() => self.breach(&Breach::NotHttp, None, Some(ex)),
            // No answer: the step that waits for this answer records the transport error.
            Err(_) => {}
            Ok(_) => {
                let Some(judged) = self.judged(ex) else {
                    return;
                };
                // Every answer tests the envelope rules (and, if secrets were sent, the secrets
                // rule): a success their accepted side, an error their refused side.
                use crate::contract::rules::Direction;
                let dir = match judged.shape {
                    judge::Shape::Success { .. } => Direction::Accepted,
                    _ => Direction::Refused,
                };
                if judged.is_created() {
                    self.remember(ex);
                }
                self.cover("doc:envelope.json", dir);
                self.cover("doc:envelope.details", dir);
                if !ex.sent.secrets.is_empty() {
                    self.cover("doc:secrets.never-echoed", dir);
                }
                for b in judged.breaches {
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

    /// Records a breach when a replay's `data` differs from the first answer's: the contract's "the
    /// same 200 response" is the same body, so every member of `data` (`id`, `created_at`, the ARN
    /// and any other the target sends) is compared.
    pub fn same_answer(&self, first: &Value, again: &Value, ex: &Exchange, what: &str) -> Step {
        let mut members: Vec<&String> = [first, again]
            .iter()
            .filter_map(|v| v.as_object())
            .flat_map(|m| m.keys())
            .collect();
        members.sort();
        members.dedup();
        for member in members {
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
}
