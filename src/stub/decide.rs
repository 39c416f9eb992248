//! The stub's decisions: one transport-free `handle` that answers any HTTP request in the contract's
//! order of checks (route, method, media type, size, identity, validation, token, name, quota), and
//! the atomic create. Both adapters (wiremock, the fast server) call it.

use super::fault::Fault;
use super::state::{Account, Profile, Stub, TokenEntry};
use crate::contract::doc::DocJson;
use crate::contract::{self, ErrorCode, ErrorEnvelope, Fingerprint, Violation};
use bytes::Bytes;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// The account of requests without the account header, as the store keys it.
const DEFAULT_ACCOUNT: u64 = parse_account(contract::DEFAULT_ACCOUNT);

/// A 12-digit account id as a number (checked by `contract::is_valid_account` first).
pub(super) const fn parse_account(id: &str) -> u64 {
    let bytes = id.as_bytes();
    let mut n = 0u64;
    let mut i = 0;
    while i < bytes.len() {
        n = n * 10 + (bytes[i] - b'0') as u64;
        i += 1;
    }
    n
}

/// The parts of an HTTP request that the contract looks at.
#[derive(Debug, Clone, Copy)]
pub struct StubRequest<'a> {
    /// The method (`POST`).
    pub method: &'a str,
    /// The path, with or without a query string.
    pub path: &'a str,
    /// The `content-type` header, if any (and if it is text).
    pub content_type: Option<&'a str>,
    /// The account header, if any (`None` also when it is not text).
    pub account: Option<&'a str>,
    /// Whether an account header was present (even if it was not valid text).
    pub account_present: bool,
    /// The body as read (perhaps cut at the size limit).
    pub body: &'a [u8],
    /// Whether the transport saw more bytes than it read (a body over the limit).
    pub body_truncated: bool,
    /// The `Authorization` header, if any: a SigV4 one whose access key id is 12 digits names the
    /// account (signatures are not verified).
    pub authorization: Option<&'a str>,
}

/// An HTTP response, ready for any transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StubResponse {
    /// The status code.
    pub status: u16,
    /// The `content-type` to send.
    pub content_type: &'static str,
    /// Whether to send `Allow: POST`.
    pub allow_post: bool,
    /// In the AWS dialect, an error's exception (sent as `x-amzn-errortype`).
    pub error_type: Option<&'static str>,
    /// Close the connection without answering (`Fault::LoseResponseAfterCreate`; fast engine only).
    pub drop_connection: bool,
    /// The body.
    pub body: Bytes,
}

/// What a create needs of a valid request, read from whichever representation parsed it.
struct Params<'a> {
    name: &'a str,
    /// The client token, if any.
    token: Option<&'a str>,
    /// The parameters' fingerprint (only computed with a token: without one there is nothing to compare).
    fingerprint: Option<Fingerprint>,
    /// Only with `Fault::EchoCredentials`.
    credentials: Option<&'a Value>,
}

impl Stub {
    /// Answers one HTTP request: the contract's whole order of checks, and the admin routes.
    pub fn handle(&self, req: &StubRequest<'_>) -> StubResponse {
        let path = req.path.split('?').next().unwrap_or("");
        if let Some(rest) = path.strip_prefix("/__admin/") {
            return self.admin(req, rest);
        }
        if path != contract::ENDPOINT {
            return self.error(ErrorCode::NotFound);
        }
        self.served.fetch_add(1, Ordering::Relaxed);
        let faults = self.config.faults;
        let post = if faults.has(Fault::MethodsCaseInsensitive) {
            req.method.eq_ignore_ascii_case("POST")
        } else {
            req.method == "POST"
        };
        if !post {
            return self.error(ErrorCode::MethodNotAllowed);
        }
        let json = if faults.has(Fault::StrictMediaType) {
            req.content_type == Some("application/json")
        } else {
            req.content_type.is_some_and(contract::is_json_content_type)
        };
        if !json {
            return self.error(ErrorCode::UnsupportedMediaType);
        }
        let limit = if faults.has(Fault::BodyLimitOffByOne) {
            self.config.max_body.saturating_sub(1)
        } else {
            self.config.max_body
        };
        let too_large = req.body_truncated || req.body.len() > limit;
        if too_large && !faults.has(Fault::SizeAfterIdentity) {
            return self.error(ErrorCode::PayloadTooLarge);
        }
        let sigv4 = req.authorization.and_then(contract::dialect::sigv4_account);
        let empty_is_absent = faults.has(Fault::EmptyAccountAsDefault) && req.account == Some("");
        let account = match (req.account, req.account_present && !empty_is_absent) {
            _ if let Some(id) = sigv4 => parse_account(id),
            (Some(id), _) if contract::is_valid_account(id) => parse_account(id),
            (_, true) => {
                return self.error_envelope(&ErrorEnvelope::with_message(
                    ErrorCode::Unauthorized,
                    "The account header must be 12 digits",
                ));
            }
            (None, false) if self.config.require_account => {
                return self.error_envelope(&ErrorEnvelope::with_message(
                    ErrorCode::Unauthorized,
                    "This server requires the account header",
                ));
            }
            _ if faults.has(Fault::NoDefaultAccount) => rand::random::<u64>() % 1_000_000_000,
            _ => DEFAULT_ACCOUNT,
        };
        if too_large {
            return self.error(ErrorCode::PayloadTooLarge);
        }
        if faults.has(Fault::BigNumbers500) && has_long_digit_run(req.body, 20) {
            let mut r = self.respond(
                500,
                b"<html><body><h1>500 Internal Server Error</h1></body></html>".to_vec(),
            );
            r.content_type = "text/html";
            return r;
        }
        if !faults.any()
            && let Some(doc) = contract::doc::Doc::parse(req.body)
        {
            // The fast path: the body read in place, checked against the same schema. An invalid
            // body goes on to the `Value` path below, which words the violations.
            let root = doc.root();
            if contract::SchemaKind::Request.doc_validator().is_valid(root) {
                let token = root.get_str(contract::fingerprint::TOKEN_MEMBER);
                return self.create(
                    account,
                    Params {
                        name: root.get_str("connectorProfileName").unwrap_or_default(),
                        token,
                        fingerprint: token
                            .map(|_| contract::fingerprint::fingerprint_of::<DocJson>(root)),
                        credentials: None,
                    },
                );
            }
        }
        let saturated = faults
            .has(Fault::F64OverflowSaturates)
            .then(|| super::faulty::saturate_huge_integers(req.body))
            .flatten();
        let bytes = saturated.as_deref().unwrap_or(req.body);
        let parsed = if faults.has(Fault::TrailingDataAccepted) {
            // Only the first JSON value is read.
            serde_json::Deserializer::from_slice(bytes)
                .into_iter::<Value>()
                .next()
                .unwrap_or_else(|| serde_json::from_slice(bytes))
        } else {
            serde_json::from_slice(bytes)
        };
        let body: Value = match parsed {
            Ok(v) => v,
            Err(e) => {
                if self.config.faults.has(Fault::Html500OnMalformedJson) {
                    let mut r = self.respond(
                        500,
                        b"<html><body><h1>500 Internal Server Error</h1></body></html>".to_vec(),
                    );
                    r.content_type = "text/html";
                    return r;
                }
                let what = if std::str::from_utf8(req.body).is_err() {
                    "The body is not valid UTF-8 JSON".to_owned()
                } else {
                    format!("The body is not valid JSON ({e})")
                };
                return self.error_envelope(&ErrorEnvelope::validation(vec![Violation {
                    field: String::new(),
                    reason: what,
                }]));
            }
        };
        let view = if super::faulty::bends_validation(faults) {
            std::borrow::Cow::Owned(super::faulty::validation_view(faults, &body))
        } else {
            std::borrow::Cow::Borrowed(&body)
        };
        let mut violations = match &self.faulty_validator {
            _ if faults.has(Fault::PatternPrefixOnly) => {
                if super::faulty::prefix_only_valid(&view) {
                    Vec::new()
                } else {
                    contract::validate(&view)
                }
            }
            Some(v) if v.is_valid(&view) => Vec::new(),
            // A stricter derived schema refuses what the contract's accepts: say so, generically.
            Some(_) => match contract::validate(&body) {
                v if v.is_empty() => vec![Violation {
                    field: String::new(),
                    reason: "does not match the schema".into(),
                }],
                v => v,
            },
            None => contract::validate(&view),
        };
        if faults.has(Fault::IntegerFloatsRefused) && violations.is_empty() {
            violations.extend(whole_floats(&body, String::new()).into_iter().map(|field| {
                Violation {
                    field,
                    reason: "must be an integer".into(),
                }
            }));
        }
        let token = body
            .get(contract::fingerprint::TOKEN_MEMBER)
            .and_then(Value::as_str);
        // An invalid request's fingerprint is only wanted by the fault that binds it anyway.
        let fingerprint = token
            .filter(|_| violations.is_empty() || self.config.faults.has(Fault::FailedBindsToken))
            .map(|_| {
                if faults.has(Fault::ArraysAsSets) || faults.has(Fault::FingerprintIgnoresCase) {
                    contract::fingerprint(&super::faulty::fingerprint_view(faults, &body))
                } else {
                    contract::fingerprint(&body)
                }
            });
        if !violations.is_empty() {
            self.bind_failed_token(account, token, fingerprint);
            self.count_refusal(account);
            if faults.has(Fault::DetailFieldsNotPointers) {
                for v in &mut violations {
                    v.field = v.field.trim_start_matches('/').to_owned();
                }
            }
            let mut env = ErrorEnvelope::validation(violations);
            if faults.has(Fault::EchoSecretsInErrors) {
                for value in super::faulty::oauth_request_values(&body) {
                    env.error
                        .message
                        .push_str(&format!(" (OAuth request: {value})"));
                }
            }
            return self.error_envelope(&env);
        }
        let credentials = self
            .config
            .faults
            .has(Fault::EchoCredentials)
            .then(|| body["connectorProfileConfig"].get("connectorProfileCredentials"))
            .flatten();
        self.create(
            account,
            Params {
                name: body["connectorProfileName"].as_str().unwrap_or_default(),
                token,
                fingerprint,
                credentials,
            },
        )
    }

    /// With `Fault::FailedBindsToken`: a failed request's token is bound as if it had succeeded.
    fn bind_failed_token(&self, account: u64, token: Option<&str>, fp: Option<Fingerprint>) {
        if !self.config.faults.has(Fault::FailedBindsToken) {
            return;
        }
        let (Some(token), Some(fingerprint)) = (token, fp) else {
            return;
        };
        let now = self.now();
        let mut shard = self.shard(account).write();
        let acc = shard.accounts.entry(account).or_default();
        acc.tokens.insert(
            token.into(),
            TokenEntry {
                fingerprint,
                profile: None,
                expires_at: now + self.ttl(),
            },
        );
    }

    /// With `Fault::RefusalsUseQuota`: a refused request takes a place of the account's quota.
    fn count_refusal(&self, account: u64) {
        if self.config.faults.has(Fault::RefusalsUseQuota) {
            let mut shard = self.shard(account).write();
            shard.accounts.entry(account).or_default().refused += 1;
        }
    }

    fn ttl(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.config.token_ttl).unwrap_or(chrono::Duration::MAX)
    }

    fn quota_of(&self, acc: &Account) -> u32 {
        let q = acc.quota.unwrap_or(self.config.quota);
        if self.config.faults.has(Fault::QuotaOffByOne) {
            q.saturating_add(1)
        } else {
            q
        }
    }

    /// Step 7 for a live binding of `token`, read under the shared lock: the profile it created, or
    /// the mismatch. `None` when the token is not bound (or a purge is due): then the exclusive lock
    /// decides. Only without faults, which the exclusive path knows.
    fn replay_shared(
        &self,
        account: u64,
        token: &str,
        fp: Option<Fingerprint>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<Result<Profile, ErrorCode>> {
        let shard = self.shard(account).read();
        if shard.purge_due(now) {
            return None;
        }
        let acc = shard.accounts.get(&account)?;
        let entry = acc.tokens.get(token).filter(|e| e.expires_at > now)?;
        if Some(entry.fingerprint) == fp {
            let index = entry.profile?;
            Some(Ok(acc.profiles[index].clone()))
        } else {
            Some(Err(ErrorCode::IdempotentParameterMismatch))
        }
    }

    /// Steps 7–11 of the order: token replay or mismatch, name, quota, create — atomic per account.
    fn create(&self, account: u64, params: Params<'_>) -> StubResponse {
        let faults = self.config.faults;
        // Faults that compare names or tokens ignoring case keep them by their lower case.
        let lower_name = faults
            .has(Fault::NamesCaseInsensitive)
            .then(|| params.name.to_lowercase());
        let name = lower_name.as_deref().unwrap_or(params.name);
        let lower_token = params
            .token
            .filter(|_| faults.has(Fault::TokensCaseInsensitive))
            .map(str::to_lowercase);
        let blank = |t: &&str| faults.has(Fault::BlankTokenIgnored) && t.trim().is_empty();
        let (token, fp) = if faults.has(Fault::IgnoreToken) {
            (None, None)
        } else {
            let token = lower_token
                .as_deref()
                .or(params.token)
                .filter(|t| !blank(t));
            (token, params.fingerprint.filter(|_| token.is_some()))
        };
        let now = self.now();
        let echo = params.credentials;
        // A retry of a live token without faults is decided under the shared lock: retries of one
        // token (one account, one shard) do not wait for each other.
        if !faults.any()
            && let Some(t) = token
            && let Some(replayed) = self.replay_shared(account, t, fp, now)
        {
            return match replayed {
                Ok(p) => self.success(account, &p, echo),
                Err(code) => self.error(code),
            };
        }
        // What a new profile needs is made before the lock, which requests to one account wait for:
        // under load most requests create, and the allocations were most of the time it was held.
        let new_id: u128 = rand::random();
        let new_name: Arc<str> = Arc::from(params.name);
        let name_key: Arc<str> = Arc::from(name);
        let new_token: Option<Arc<str>> = token.map(Arc::from);

        let mut shard = self.shard(account).write();
        shard.purge(now);
        let acc = shard.accounts.entry(account).or_default();
        let quota = self.quota_of(acc);

        if let Some(t) = token
            && let Some(entry) = acc.tokens.get(t)
            && entry.expires_at > now
        {
            let same = Some(entry.fingerprint) == fp;
            if (same || faults.has(Fault::AcceptMismatch))
                && let Some(index) = entry.profile
            {
                if faults.has(Fault::RefuseReplayAtQuota) && acc.profiles.len() as u32 >= quota {
                    return self.error(ErrorCode::QuotaExceeded);
                }
                let mut p = acc.profiles[index].clone();
                drop(shard);
                if faults.has(Fault::NewIdOnReplay) {
                    p.id = rand::random();
                }
                let mut r = self.success(account, &p, echo);
                if faults.has(Fault::ReplayDropsArn) {
                    r = self.without_arn(r);
                }
                return r;
            }
            let code = if faults.has(Fault::WrongMismatchCode) {
                ErrorCode::Conflict
            } else {
                ErrorCode::IdempotentParameterMismatch
            };
            if faults.has(Fault::RefusalsUseQuota) {
                acc.refused += 1;
            }
            drop(shard);
            return self.error(code);
        }

        let name_taken = if faults.has(Fault::SharedNames) {
            self.shared_names.lock().contains(name)
        } else {
            acc.names.contains(name)
        };
        let held = if faults.has(Fault::SharedQuota) {
            self.shared_count.load(Ordering::SeqCst)
        } else {
            (acc.profiles.len() as u32 + acc.refused).saturating_sub(acc.uncounted)
        };
        let full = held >= quota;
        // The contract checks the name before the quota; the fault checks them the other way round.
        let refusal = match (name_taken, full, faults.has(Fault::QuotaBeforeName)) {
            (_, true, true) | (false, true, false) => Some(ErrorCode::QuotaExceeded),
            (true, _, _) => Some(ErrorCode::Conflict),
            (false, false, _) => None,
        };
        if let Some(code) = refusal {
            if code == ErrorCode::Conflict && faults.has(Fault::RefusalsUseQuota) {
                acc.refused += 1;
            }
            drop(shard);
            self.bind_failed_token(account, params.token, params.fingerprint);
            return self.error(code);
        }

        let racy_mismatch = faults.has(Fault::RacyMismatch) && token.is_some();
        if faults.has(Fault::RacyToken) || faults.has(Fault::RacyQuota) || racy_mismatch {
            // The deliberate window between check and insert that an atomic store never has.
            drop(shard);
            self.window.pass(account);
            shard = self.shard(account).write();
        }
        let acc = shard.accounts.entry(account).or_default();
        if racy_mismatch && let Some(t) = token {
            // After the window: an identical retry is caught, and so are a taken name and a full
            // account; a token bound meanwhile to other parameters is not (the fault).
            let bound = acc.tokens.get(t).map(|e| (e.fingerprint, e.profile));
            match bound {
                Some((f, Some(index))) if Some(f) == fp => {
                    let p = acc.profiles[index].clone();
                    drop(shard);
                    return self.success(account, &p, echo);
                }
                Some(_) => {}
                None if acc.names.contains(name) => {
                    drop(shard);
                    return self.error(ErrorCode::Conflict);
                }
                None if acc.profiles.len() as u32 >= quota => {
                    drop(shard);
                    return self.error(ErrorCode::QuotaExceeded);
                }
                None => {}
            }
        }
        if faults.has(Fault::QuotaSkipsTokenCreates) && token.is_some() {
            acc.uncounted += 1;
        }
        let name = new_name;
        let profile = Profile {
            id: new_id,
            name: name.clone(),
            created_at: now,
        };
        let index = acc.profiles.len();
        if acc.profiles.capacity() == 0 {
            // Most accounts under load hold one profile: room for one, not the default four.
            acc.profiles.reserve_exact(1);
        }
        acc.profiles.push(profile.clone());
        acc.names.insert(name_key);
        if faults.has(Fault::SharedNames) {
            self.shared_names.lock().insert(name.to_string());
        }
        if faults.has(Fault::SharedQuota) {
            self.shared_count.fetch_add(1, Ordering::SeqCst);
        }
        if let (Some(t), Some(fp)) = (new_token, fp) {
            let expires_at = now + self.ttl();
            acc.tokens.insert(
                t.clone(),
                TokenEntry {
                    fingerprint: fp,
                    profile: Some(index),
                    expires_at,
                },
            );
            shard.expire_later(expires_at, account, t);
        }
        drop(shard);
        // Faults for clients' retry logic: the profile exists, but the client does not learn it.
        if faults.has(Fault::LoseResponseAfterCreate) {
            let mut r = self.error(ErrorCode::InternalError);
            r.drop_connection = true;
            return r;
        }
        if faults.has(Fault::Error500AfterCreate) {
            return self.error(ErrorCode::InternalError);
        }
        self.success(account, &profile, echo)
    }
}

/// Whether `body` holds a run of at least `n` ASCII digits (an integer beyond 64 bits).
fn has_long_digit_run(body: &[u8], n: usize) -> bool {
    body.split(|b| !b.is_ascii_digit())
        .any(|run| run.len() >= n)
}

/// The pointers of every number written with a zero fraction (`443.0`) in `v`.
fn whole_floats(v: &Value, at: String) -> Vec<String> {
    match v {
        Value::Number(n) if n.is_f64() && n.as_f64().is_some_and(|f| f.fract() == 0.0) => vec![at],
        Value::Object(m) => m
            .iter()
            .flat_map(|(k, v)| {
                whole_floats(v, format!("{at}/{}", contract::validate::escape_pointer(k)))
            })
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .flat_map(|(i, v)| whole_floats(v, format!("{at}/{i}")))
            .collect(),
        _ => Vec::new(),
    }
}
