//! The stub's state machine: accounts → profiles, names and tokens; one transport-free `handle` that
//! answers any HTTP request in the contract's order of checks. Both adapters (wiremock, fast server) call it.

use super::clock::{Clock, SystemClock};
use super::fault::{Fault, Faults};
use crate::contract::doc::DocJson;
use crate::contract::{
    self, Created, ErrorCode, ErrorEnvelope, Fingerprint, SchemaKind, SuccessEnvelope, Violation,
};
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use parking_lot::{Condvar, Mutex};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::time::Duration;

/// The stub's settings.
#[derive(Debug, Clone)]
pub struct StubConfig {
    /// Profiles per account (the contract's soft quota, 100).
    pub quota: u32,
    /// How long a client token stays bound (8 hours).
    pub token_ttl: Duration,
    /// Whether requests without `X-Account-Id` are refused with 401.
    pub require_account: bool,
    /// The largest request body accepted, in bytes (256 KiB).
    pub max_body: usize,
    /// The region in ARNs.
    pub region: String,
    /// Deliberate contract violations (none by default).
    pub faults: Faults,
}

impl Default for StubConfig {
    fn default() -> Self {
        StubConfig {
            quota: contract::DEFAULT_QUOTA,
            token_ttl: contract::DEFAULT_TOKEN_TTL,
            require_account: false,
            max_body: 256 * 1024,
            region: "us-east-1".into(),
            faults: Faults::NONE,
        }
    }
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

/// The stub's maps hash with foldhash (seeded per process): SipHash was a tenth of `create`.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// One stored profile.
#[derive(Debug, Clone)]
struct Profile {
    id: u128,
    name: Arc<str>,
    created_at: DateTime<Utc>,
}

#[derive(Debug)]
struct TokenEntry {
    fingerprint: Fingerprint,
    profile: usize,
    expires_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct Account {
    quota: Option<u32>,
    profiles: Vec<Profile>,
    names: HashSet<Arc<str>>,
    /// Keyed by the token; the same allocation is shared with the shard's expiry queue.
    tokens: HashMap<Arc<str>, TokenEntry>,
}

#[derive(Debug, Default)]
struct Shard {
    accounts: HashMap<u64, Account>,
    /// Token bindings in the order they expire (the TTL is one for all), for purging.
    expiry: VecDeque<(DateTime<Utc>, u64, Arc<str>)>,
}

impl Shard {
    fn purge(&mut self, now: DateTime<Utc>) {
        while let Some((at, _, _)) = self.expiry.front() {
            if *at > now {
                break;
            }
            let Some((at, account, token)) = self.expiry.pop_front() else {
                break;
            };
            if let Some(acc) = self.accounts.get_mut(&account)
                && acc.tokens.get(&token).is_some_and(|e| e.expires_at == at)
            {
                acc.tokens.remove(&token);
            }
        }
    }
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

/// A profile as the admin listing shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ListedProfile {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

/// Totals of `GET /__admin/stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StubStats {
    /// Accounts that have been used.
    pub accounts: usize,
    /// Stored profiles.
    pub profiles: usize,
    /// Live (unexpired) token bindings.
    pub tokens: usize,
    /// Requests the endpoint has answered.
    pub served: u64,
}

/// The stub: configuration, clock and state. Cheap to share (`Arc<Stub>`).
#[derive(Debug)]
pub struct Stub {
    config: StubConfig,
    clock: Arc<dyn Clock>,
    offset_secs: AtomicI64,
    shards: Box<[Mutex<Shard>]>,
    hasher: foldhash::fast::RandomState,
    /// Only with `Fault::SharedNames` / `Fault::SharedQuota`.
    shared_names: Mutex<HashSet<String>>,
    shared_count: AtomicU32,
    /// Only with the pattern faults: a schema derived from the real one.
    faulty_validator: Option<jsonschema::Validator>,
    /// Only with the racy faults: the window between check and insert.
    window: RaceWindow,
    /// Requests answered on the endpoint (any outcome).
    served: std::sync::atomic::AtomicU64,
}

/// The racy faults' window between check and insert. A request waits in it until another request has
/// entered too (or 100 ms pass), so concurrent requests really do overlap: the race that a non-atomic
/// implementation loses sometimes, lost every time.
#[derive(Debug, Default)]
struct RaceWindow {
    /// Per account: how many requests have entered the window.
    entered: Mutex<HashMap<u64, u64>>,
    cv: Condvar,
}

impl RaceWindow {
    fn pass(&self, account: u64) {
        let mut entered = self.entered.lock();
        let mine = {
            let n = entered.entry(account).or_default();
            *n += 1;
            *n
        };
        self.cv.notify_all();
        let _ = self.cv.wait_while_for(
            &mut entered,
            |e| e.get(&account) == Some(&mine),
            Duration::from_millis(100),
        );
    }
}

const SHARDS: usize = 64;

/// RFC 3339 in UTC with milliseconds (`2026-11-29T17:17:26.123Z`), as chrono's
/// `to_rfc3339_opts(Millis, true)` writes it, without its general-purpose formatter.
fn format_time(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return t.to_rfc3339_opts(SecondsFormat::Millis, true);
    }
    let millis = t.timestamp_subsec_millis().min(999);
    let mut out = [0u8; 24];
    let mut put = |at: usize, value: u32, width: usize| {
        let mut v = value;
        for i in (0..width).rev() {
            out[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, year as u32, 4);
    put(5, t.month(), 2);
    put(8, t.day(), 2);
    put(11, t.hour(), 2);
    put(14, t.minute(), 2);
    put(17, t.second().min(59), 2);
    put(20, millis, 3);
    out[4] = b'-';
    out[7] = b'-';
    out[10] = b'T';
    out[13] = b':';
    out[16] = b':';
    out[19] = b'.';
    out[23] = b'Z';
    String::from_utf8_lossy(&out).into_owned()
}

/// `cp-` and the id as 32 lowercase hex digits.
fn format_id(id: u128) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(35);
    out.push_str("cp-");
    for shift in (0..32).rev() {
        out.push(HEX[((id >> (shift * 4)) & 0xf) as usize] as char);
    }
    out
}

/// Derives the request schema a pattern fault validates with (never a hand copy of the rules).
fn faulty_schema(faults: Faults) -> Option<Value> {
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
    /// A stub on the system clock.
    pub fn new(config: StubConfig) -> Self {
        Self::with_clock(config, Arc::new(SystemClock))
    }

    /// A stub on a clock of the caller's (a [`super::ManualClock`] in tests).
    pub fn with_clock(config: StubConfig, clock: Arc<dyn Clock>) -> Self {
        let faulty_validator = faulty_schema(config.faults)
            .map(|s| contract::schema::compile(&s).expect("derived schema compiles"));
        Stub {
            config,
            clock,
            offset_secs: AtomicI64::new(0),
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            hasher: foldhash::fast::RandomState::default(),
            shared_names: Mutex::new(HashSet::default()),
            shared_count: AtomicU32::new(0),
            faulty_validator,
            window: RaceWindow::default(),
            served: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The stub's settings.
    pub fn config(&self) -> &StubConfig {
        &self.config
    }

    /// The stub's current time (its clock plus any admin advance).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now() + chrono::Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Moves the stub's clock forward (the admin route's hook).
    pub fn advance_clock(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }

    /// Forgets every account, profile and token, and the clock's advance.
    pub fn reset(&self) {
        for shard in self.shards.iter() {
            *shard.lock() = Shard::default();
        }
        self.shared_names.lock().clear();
        self.shared_count.store(0, Ordering::SeqCst);
        self.offset_secs.store(0, Ordering::SeqCst);
    }

    fn shard(&self, account: u64) -> &Mutex<Shard> {
        &self.shards[(self.hasher.hash_one(account) as usize) % SHARDS]
    }

    /// Raises (or lowers) one account's quota: the "soft quota" request of the seed.
    pub fn set_quota(&self, account: u64, quota: u32) {
        self.shard(account)
            .lock()
            .accounts
            .entry(account)
            .or_default()
            .quota = Some(quota);
    }

    /// An account's profiles, in creation order.
    pub fn profiles(&self, account: u64) -> Vec<ListedProfile> {
        let shard = self.shard(account).lock();
        shard
            .accounts
            .get(&account)
            .map(|a| {
                a.profiles
                    .iter()
                    .map(|p| ListedProfile {
                        id: format_id(p.id),
                        name: p.name.to_string(),
                        created_at: format_time(p.created_at),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How many requests the endpoint has answered (any outcome; not admin routes or other paths).
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }

    /// Totals over all accounts: accounts, stored profiles, live tokens (expired ones are purged first).
    pub fn stats(&self) -> StubStats {
        let now = self.now();
        let mut stats = StubStats {
            served: self.served(),
            ..StubStats::default()
        };
        for shard in self.shards.iter() {
            let mut shard = shard.lock();
            shard.purge(now);
            stats.accounts += shard.accounts.len();
            for a in shard.accounts.values() {
                stats.tokens += a.tokens.len();
                stats.profiles += a.profiles.len();
            }
        }
        stats
    }

    fn respond(&self, status: u16, body: Vec<u8>) -> StubResponse {
        let content_type = if self.config.faults.has(Fault::TextPlain) {
            "text/plain"
        } else {
            "application/json"
        };
        StubResponse {
            status,
            content_type,
            allow_post: false,
            body: Bytes::from(body),
        }
    }

    fn error_envelope(&self, env: &ErrorEnvelope) -> StubResponse {
        let status = if self.config.faults.has(Fault::ErrorsAs200) {
            200
        } else {
            env.error.code.status()
        };
        let mut r = self.respond(status, serde_json::to_vec(env).unwrap_or_default());
        r.allow_post = env.error.code == ErrorCode::MethodNotAllowed;
        r
    }

    fn error(&self, code: ErrorCode) -> StubResponse {
        self.error_envelope(&ErrorEnvelope::new(code))
    }

    /// `arn:aws:appflow:REGION:ACCOUNT:connectorprofile/NAME`.
    fn arn(&self, account: u64, name: &str) -> String {
        use std::fmt::Write;
        let mut arn = String::with_capacity(48 + self.config.region.len() + name.len());
        arn.push_str("arn:aws:appflow:");
        arn.push_str(&self.config.region);
        let _ = write!(arn, ":{account:012}:connectorprofile/");
        arn.push_str(name);
        arn
    }

    fn success(&self, account: u64, p: &Profile, echo: Option<&Value>) -> StubResponse {
        let created_at = if self.config.faults.has(Fault::BadCreatedAt) {
            p.created_at.format("%Y-%m-%d %H:%M:%S").to_string()
        } else {
            format_time(p.created_at)
        };
        let created = Created {
            id: format_id(p.id),
            created_at,
            connector_profile_arn: Some(self.arn(account, &p.name)),
        };
        let envelope = SuccessEnvelope::new(created);
        if !self.config.faults.has(Fault::NoCreatedAt) && echo.is_none() {
            // The common case: serialize the typed envelope straight to bytes.
            // Sized for the envelope, so writing it never reallocates.
            let mut body = Vec::with_capacity(
                160 + envelope
                    .data
                    .connector_profile_arn
                    .as_ref()
                    .map_or(0, String::len),
            );
            // Writing strings into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut body, &envelope);
            return self.respond(200, body);
        }
        let mut body = serde_json::to_value(envelope).unwrap_or_default();
        if self.config.faults.has(Fault::NoCreatedAt)
            && let Some(data) = body.get_mut("data").and_then(Value::as_object_mut)
        {
            data.remove("created_at");
        }
        if let Some(creds) = echo {
            body["data"]["connectorProfileCredentials"] = creds.clone();
        }
        self.respond(200, serde_json::to_vec(&body).unwrap_or_default())
    }

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
            (Some(id), _) if contract::is_valid_account(id) => id.parse::<u64>().unwrap_or(0),
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
            _ => 0,
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
                profile: usize::MAX,
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
            if (same || faults.has(Fault::AcceptMismatch)) && entry.profile != usize::MAX {
                if faults.has(Fault::RefuseReplayAtQuota) && acc.profiles.len() as u32 >= quota {
                    return self.error(ErrorCode::QuotaExceeded);
                }
                let mut p = acc.profiles[entry.profile].clone();
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
                    profile: index,
                    expires_at,
                },
            );
            shard.expiry.push_back((expires_at, account, t));
        }
        drop(shard);
        self.success(account, &profile, echo)
    }

    fn admin(&self, req: &StubRequest<'_>, rest: &str) -> StubResponse {
        let json_ok = |v: Value| self.respond(200, serde_json::to_vec(&v).unwrap_or_default());
        let bad = |msg: &str| {
            self.error_envelope(&ErrorEnvelope::with_message(
                ErrorCode::ValidationError,
                msg,
            ))
        };
        let method_not_allowed = || self.error(ErrorCode::MethodNotAllowed);
        let segments: Vec<&str> = rest.split('/').collect();
        match segments.as_slice() {
            ["reset"] => {
                if req.method != "POST" {
                    return method_not_allowed();
                }
                self.reset();
                json_ok(json!({"reset": true}))
            }
            ["clock"] => {
                if req.method != "POST" {
                    return method_not_allowed();
                }
                let secs = serde_json::from_slice::<Value>(req.body)
                    .ok()
                    .and_then(|v| v.get("advance_seconds").and_then(Value::as_u64));
                let Some(secs) = secs else {
                    return bad("Expected {\"advance_seconds\": N} with N a non-negative integer");
                };
                self.advance_clock(Duration::from_secs(secs));
                json_ok(json!({
                    "now": format_time(self.now()),
                    "offset_seconds": self.offset_secs.load(Ordering::Relaxed)
                }))
            }
            ["stats"] => {
                if req.method != "GET" {
                    return method_not_allowed();
                }
                json_ok(serde_json::to_value(self.stats()).unwrap_or_default())
            }
            ["accounts", id, what] => {
                if !contract::is_valid_account(id) {
                    return bad("The account must be 12 digits");
                }
                let account: u64 = id.parse().unwrap_or(0);
                match (*what, req.method) {
                    ("quota", "PUT") => {
                        let quota = serde_json::from_slice::<Value>(req.body)
                            .ok()
                            .and_then(|v| v.get("quota").and_then(Value::as_u64))
                            .and_then(|q| u32::try_from(q).ok());
                        let Some(quota) = quota else {
                            return bad("Expected {\"quota\": N} with N a non-negative integer");
                        };
                        self.set_quota(account, quota);
                        json_ok(json!({"account": id, "quota": quota}))
                    }
                    ("profiles", "GET") => {
                        let profiles = self.profiles(account);
                        json_ok(json!({"count": profiles.len(), "profiles": profiles}))
                    }
                    ("quota" | "profiles", _) => method_not_allowed(),
                    _ => self.error(ErrorCode::NotFound),
                }
            }
            _ => self.error(ErrorCode::NotFound),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn format_time_writes_what_chrono_writes() {
        let mut t = Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0).unwrap();
        // Steps of a prime number of milliseconds cover every field's digits over 400 years.
        for _ in 0..20_000 {
            assert_eq!(
                format_time(t),
                t.to_rfc3339_opts(SecondsFormat::Millis, true)
            );
            t += chrono::Duration::milliseconds(631_152_007);
        }
        let far = Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(
            format_time(far),
            far.to_rfc3339_opts(SecondsFormat::Millis, true)
        );
    }

    #[test]
    fn format_id_is_32_lowercase_hex_digits() {
        for id in [0, 1, u128::MAX, 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210] {
            assert_eq!(format_id(id), format!("cp-{id:032x}"));
        }
    }
}
