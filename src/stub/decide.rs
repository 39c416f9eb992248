//! The stub's decisions: one transport-free `handle` that answers any HTTP request in the contract's
//! order of checks (route, method, media type, size, identity, validation, token, name, quota), and
//! the atomic create. Both adapters (wiremock, the fast server) call it.

use super::fault::{Fault, Faults};
use super::state::{Account, Profile, Stub, TokenEntry};
use crate::contract::doc::DocJson;
use crate::contract::{self, ErrorCode, ErrorEnvelope, Fingerprint, SchemaKind, Violation};
use bytes::Bytes;
use serde_json::{Value, json};
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

/// Derives the request schema a pattern fault validates with (never a hand copy of the rules).
pub(super) fn faulty_schema(faults: Faults) -> Option<Value> {
    if !faults.has(Fault::UnanchoredPatterns) && !faults.has(Fault::NoLabelRule) {
        return None;
    }
    fn unanchor(v: &mut Value) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(p)) = map.get_mut("pattern")
                    && p.ends_with(")$")
                {
                    p.pop();
                }
                map.values_mut().for_each(unanchor);
            }
            Value::Array(items) => items.iter_mut().for_each(unanchor),
            _ => {}
        }
    }
    let mut schema = SchemaKind::Request.value().clone();
    if faults.has(Fault::UnanchoredPatterns) {
        unanchor(&mut schema);
    }
    if faults.has(Fault::NoLabelRule)
        && let Some(Value::Array(rules)) = schema.get_mut("allOf")
    {
        rules.retain(|r| r["then"]["required"] != json!(["connectorLabel"]));
    }
    Some(schema)
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
        if req.method != "POST" {
            return self.error(ErrorCode::MethodNotAllowed);
        }
        if !req.content_type.is_some_and(contract::is_json_content_type) {
            return self.error(ErrorCode::UnsupportedMediaType);
        }
        if req.body_truncated || req.body.len() > self.config.max_body {
            return self.error(ErrorCode::PayloadTooLarge);
        }
        let account = match (req.account, req.account_present) {
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
            _ => DEFAULT_ACCOUNT,
        };
        if !self.config.faults.any()
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
        let body: Value = match serde_json::from_slice(req.body) {
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
        let violations = match &self.faulty_validator {
            Some(v) if v.is_valid(&body) => Vec::new(),
            Some(_) | None => contract::validate(&body),
        };
        let token = body
            .get(contract::fingerprint::TOKEN_MEMBER)
            .and_then(Value::as_str);
        // An invalid request's fingerprint is only wanted by the fault that binds it anyway.
        let fingerprint = token
            .filter(|_| violations.is_empty() || self.config.faults.has(Fault::FailedBindsToken))
            .map(|_| contract::fingerprint(&body));
        if !violations.is_empty() {
            self.bind_failed_token(account, token, fingerprint);
            return self.error_envelope(&ErrorEnvelope::validation(violations));
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
        let mut shard = self.shard(account).lock();
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

    /// Steps 7–11 of the order: token replay or mismatch, name, quota, create — atomic per account.
    fn create(&self, account: u64, params: Params<'_>) -> StubResponse {
        let faults = self.config.faults;
        let name = params.name;
        let (token, fp) = if faults.has(Fault::IgnoreToken) {
            (None, None)
        } else {
            (params.token, params.fingerprint)
        };
        let now = self.now();
        let echo = params.credentials;

        let mut shard = self.shard(account).lock();
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
                if faults.has(Fault::NewIdOnReplay) {
                    p.id = rand::random();
                }
                return self.success(account, &p, echo);
            }
            let code = if faults.has(Fault::WrongMismatchCode) {
                ErrorCode::Conflict
            } else {
                ErrorCode::IdempotentParameterMismatch
            };
            return self.error(code);
        }

        let name_taken = if faults.has(Fault::SharedNames) {
            self.shared_names.lock().contains(name)
        } else {
            acc.names.contains(name)
        };
        if name_taken {
            drop(shard);
            self.bind_failed_token(account, params.token, params.fingerprint);
            return self.error(ErrorCode::Conflict);
        }
        let held = if faults.has(Fault::SharedQuota) {
            self.shared_count.load(Ordering::SeqCst)
        } else {
            acc.profiles.len() as u32
        };
        if held >= quota {
            drop(shard);
            self.bind_failed_token(account, params.token, params.fingerprint);
            return self.error(ErrorCode::QuotaExceeded);
        }

        if faults.has(Fault::RacyToken) || faults.has(Fault::RacyQuota) {
            // The deliberate window between check and insert that an atomic store never has.
            drop(shard);
            self.window.pass(account);
            shard = self.shard(account).lock();
        }
        let acc = shard.accounts.entry(account).or_default();
        let name: Arc<str> = Arc::from(name);
        let profile = Profile {
            id: rand::random(),
            name: name.clone(),
            created_at: now,
        };
        let index = acc.profiles.len();
        acc.profiles.push(profile.clone());
        acc.names.insert(name.clone());
        if faults.has(Fault::SharedNames) {
            self.shared_names.lock().insert(name.to_string());
        }
        if faults.has(Fault::SharedQuota) {
            self.shared_count.fetch_add(1, Ordering::SeqCst);
        }
        if let (Some(t), Some(fp)) = (token, fp) {
            let expires_at = now + self.ttl();
            let t: Arc<str> = Arc::from(t);
            acc.tokens.insert(
                t.clone(),
                TokenEntry {
                    fingerprint: fp,
                    profile: Some(index),
                    expires_at,
                },
            );
            shard.expiry.push_back((expires_at, account, t));
        }
        drop(shard);
        self.success(account, &profile, echo)
    }
}
