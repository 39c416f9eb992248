//! What a check works with: the target, the expected contract, fresh accounts and names, and the
//! assertions that turn each exchange into findings (data, never errors).

use super::config::ContractConfig;
use super::http::{Exchange, Target};
use super::report::Failure;
use crate::contract::redact::scanned_secrets;
use crate::contract::{self, ErrorCode, ExampleGen, SchemaKind, validate_against};
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

    /// Records a failure (with the exchange that shows it, if any).
    pub fn fail(
        &self,
        message: impl Into<String>,
        expected: Option<String>,
        actual: Option<String>,
        ex: Option<&Exchange>,
    ) {
        let mut list = self.failures.lock();
        if list.len() >= MAX_LISTED {
            self.unlisted.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let scrub = |s: String| match ex {
            Some(ex) => self.target.scrub(&s, &ex.sent.secrets),
            None => s,
        };
        list.push(Failure {
            message: scrub(message.into()),
            expected: expected.map(scrub),
            actual: actual.map(scrub),
            request: ex.map(|e| self.target.show_request(&e.sent)),
            response: ex.map(|e| self.target.show_response(e)),
            curl: ex.map(|e| self.target.curl(&e.sent)),
        });
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
        self.check_envelope(&ex);
        if let Some(list) = &self.exchanges {
            list.lock().push(ex.clone());
        }
        ex
    }

    /// The envelope rules, applied to every response of every check.
    fn check_envelope(&self, ex: &Exchange) {
        let Ok(r) = &ex.result else {
            return; // The step that waits for this answer reports the transport failure.
        };
        if !r
            .content_type
            .as_deref()
            .is_some_and(contract::is_json_content_type)
        {
            self.fail(
                "envelope: the response is not sent as JSON",
                Some("content-type: application/json".into()),
                Some(format!(
                    "content-type: {}",
                    r.content_type.as_deref().unwrap_or("(none)")
                )),
                Some(ex),
            );
        }
        let Some(body) = &r.json else {
            self.fail(
                "envelope: the response body is not JSON",
                Some("a success or error envelope".into()),
                Some(if r.truncated {
                    "a body over 1 MiB".into()
                } else {
                    "a body that does not parse as JSON".into()
                }),
                Some(ex),
            );
            return;
        };
        let leaked = ex.sent.secrets.iter().any(|s| {
            !s.is_empty()
                && (r.body.windows(s.len()).any(|w| w == s.as_bytes())
                    || r.headers.contains(s.as_str()))
        });
        if leaked {
            self.fail(
                "secrets: the response contains a credential value that was sent",
                Some("no credential value in any response body or header".into()),
                Some("a value from connectorProfileCredentials (shown as ***)".into()),
                Some(ex),
            );
        }
        let success = body.get("success").and_then(Value::as_bool);
        let kind = match success {
            Some(true) => SchemaKind::Success,
            Some(false) => SchemaKind::Error,
            None => {
                self.fail(
                    "envelope: `success` is missing or not a boolean",
                    Some(
                        "{\"success\": true, \"data\": …} or {\"success\": false, \"error\": …}"
                            .into(),
                    ),
                    None,
                    Some(ex),
                );
                return;
            }
        };
        let renamed = self.cfg.renames_codes();
        let violations: Vec<_> = validate_against(kind, body)
            .into_iter()
            .filter(|v| {
                !(renamed && v.field == "/error/code" && v.reason.starts_with("must be one of"))
            })
            .collect();
        if !violations.is_empty() {
            let list = violations
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            self.fail(
                format!(
                    "envelope: the {} envelope breaks its schema",
                    if success == Some(true) {
                        "success"
                    } else {
                        "error"
                    }
                ),
                Some(format!(
                    "valid against schemas/{}",
                    if success == Some(true) {
                        "success-envelope.schema.json"
                    } else {
                        "error-envelope.schema.json"
                    }
                )),
                Some(list),
                Some(ex),
            );
        }
        match success {
            Some(true) if !(200..300).contains(&r.status) => self.fail(
                "envelope: `success: true` with a non-2xx status",
                Some("2xx".into()),
                Some(r.status.to_string()),
                Some(ex),
            ),
            Some(false) if r.status < 400 => self.fail(
                "envelope: an error envelope with a non-error status",
                Some("4xx or 5xx".into()),
                Some(r.status.to_string()),
                Some(ex),
            ),
            Some(false) => {
                let code = body["error"]["code"].as_str().unwrap_or_default();
                match self.cfg.code_of(code) {
                    Some(c) if self.cfg.expected(c).status != r.status => self.fail(
                        format!("envelope: status and code disagree ({code})"),
                        Some(format!("{} with {code}", self.cfg.expected(c).status)),
                        Some(r.status.to_string()),
                        Some(ex),
                    ),
                    Some(_) => {}
                    None => self.fail(
                        format!("envelope: unknown error code `{code}`"),
                        Some("a code of the contract's error table".into()),
                        Some(code.to_owned()),
                        Some(ex),
                    ),
                }
            }
            _ => {}
        }
    }

    fn actual(ex: &Exchange) -> String {
        match &ex.result {
            Err(e) => format!("no response ({e})"),
            Ok(r) => match &r.json {
                Some(v) if v["success"] == json!(false) => format!(
                    "{} {}",
                    r.status,
                    v["error"]["code"].as_str().unwrap_or("(no code)")
                ),
                Some(v) if v["success"] == json!(true) => format!("{} success", r.status),
                _ => format!("{} (not an envelope)", r.status),
            },
        }
    }

    /// Expects a 200 success envelope; returns `data`.
    pub fn created(&self, ex: &Exchange, what: &str) -> Result<Value, Stop> {
        if let Ok(r) = &ex.result
            && r.status == 200
            && let Some(v) = &r.json
            && v["success"] == json!(true)
            && v["data"]["id"].is_string()
        {
            return Ok(v["data"].clone());
        }
        self.fail(
            what.to_owned(),
            Some("200 success".into()),
            Some(Self::actual(ex)),
            Some(ex),
        );
        Err(Stop)
    }

    /// Expects the error `code` with the configured status.
    pub fn error(&self, ex: &Exchange, code: ErrorCode, what: &str) -> Step {
        let exp = self.cfg.expected(code);
        if let Ok(r) = &ex.result
            && r.status == exp.status
            && r.json
                .as_ref()
                .is_some_and(|v| v["error"]["code"] == json!(exp.code))
        {
            return Ok(());
        }
        self.fail(
            what.to_owned(),
            Some(format!("{} {}", exp.status, exp.code)),
            Some(Self::actual(ex)),
            Some(ex),
        );
        Err(Stop)
    }

    /// The error code of an answer, as the contract names it.
    pub fn code_of(&self, ex: &Exchange) -> Option<ErrorCode> {
        let r = ex.result.as_ref().ok()?;
        let code = r.json.as_ref()?["error"]["code"].as_str()?;
        self.cfg.code_of(code)
    }

    /// Whether an answer is a 200 success.
    pub fn is_created(ex: &Exchange) -> bool {
        ex.result.as_ref().is_ok_and(|r| {
            r.status == 200 && r.json.as_ref().is_some_and(|v| v["success"] == json!(true))
        })
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
                    self.fail(format!("the admin listing failed: {e}"), None, None, None);
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
                if Self::is_created(ex) {
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
                        Some(Self::actual(ex)),
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
