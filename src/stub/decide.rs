//! The stub's decisions: one transport-free `handle` that answers any HTTP request in the contract's
//! order of checks (route, method, media type, size, identity, validation, then the operation's own:
//! token, name or profile, quota). Both adapters (wiremock, the fast server) call it; the create is
//! decided in `create`, the rest of the lifecycle in `ops`.

use super::create::Params;
use super::fault::Fault;
use super::state::Stub;
use crate::contract::doc::DocJson;
use crate::contract::{self, ErrorCode, ErrorEnvelope, Operation, Violation};
use bytes::Bytes;
use serde_json::Value;
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

impl Stub {
    /// Answers one HTTP request: the contract's whole order of checks, and the admin routes.
    pub fn handle(&self, req: &StubRequest<'_>) -> StubResponse {
        let path = if self.config.faults.has(Fault::QueryStringNotFound) {
            req.path
        } else {
            req.path.split('?').next().unwrap_or("")
        };
        if let Some(rest) = path.strip_prefix("/__admin/") {
            return self.admin(req, rest);
        }
        let Some(op) = Operation::at(path) else {
            return self.error(ErrorCode::NotFound);
        };
        self.served.fetch_add(1, Ordering::Relaxed);
        let account = match self.prefix(req) {
            Ok(a) => a,
            Err(r) => return r,
        };
        match op {
            Operation::Create => self.handle_create(account, req),
            other => match self.parse(req, other) {
                Ok(body) => self.lifecycle(other, account, &body),
                Err(r) => r,
            },
        }
    }

    /// Steps 2–5 of the order, the same for every operation: the method, the media type, the size
    /// and the caller's account.
    fn prefix(&self, req: &StubRequest<'_>) -> Result<u64, StubResponse> {
        let faults = self.config.faults;
        let post = if faults.has(Fault::MethodsCaseInsensitive) {
            req.method.eq_ignore_ascii_case("POST")
        } else {
            req.method == "POST"
        };
        if !post {
            return Err(self.error(ErrorCode::MethodNotAllowed));
        }
        let json = if faults.has(Fault::StrictMediaType) {
            req.content_type == Some("application/json")
        } else {
            req.content_type.is_some_and(contract::is_json_content_type)
        };
        if !json {
            return Err(self.error(ErrorCode::UnsupportedMediaType));
        }
        let limit = if faults.has(Fault::BodyLimitOffByOne) {
            self.config.max_body.saturating_sub(1)
        } else {
            self.config.max_body
        };
        let too_large = req.body_truncated || req.body.len() > limit;
        if too_large && !faults.has(Fault::SizeAfterIdentity) {
            return Err(self.error(ErrorCode::PayloadTooLarge));
        }
        let sigv4 = req.authorization.and_then(contract::dialect::sigv4_account);
        let empty_is_absent = faults.has(Fault::EmptyAccountAsDefault) && req.account == Some("");
        let account = match (req.account, req.account_present && !empty_is_absent) {
            _ if let Some(id) = sigv4 => parse_account(id),
            (Some(id), _) if contract::is_valid_account(id) => parse_account(id),
            (_, true) => {
                return Err(self.error_envelope(&ErrorEnvelope::with_message(
                    ErrorCode::Unauthorized,
                    "The account header must be 12 digits",
                )));
            }
            (None, false) if self.config.require_account => {
                return Err(self.error_envelope(&ErrorEnvelope::with_message(
                    ErrorCode::Unauthorized,
                    "This server requires the account header",
                )));
            }
            _ if faults.has(Fault::NoDefaultAccount) => rand::random::<u64>() % 1_000_000_000,
            _ => DEFAULT_ACCOUNT,
        };
        if too_large {
            return Err(self.error(ErrorCode::PayloadTooLarge));
        }
        Ok(account)
    }

    /// The body as JSON (step 6's first half), as a faulty service would read it.
    fn read_json(&self, req: &StubRequest<'_>) -> Result<Value, StubResponse> {
        let faults = self.config.faults;
        if faults.has(Fault::BigNumbers500) && has_long_digit_run(req.body, 20) {
            return Err(self.html_500());
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
        parsed.map_err(|e| {
            if faults.has(Fault::Html500OnMalformedJson) {
                return self.html_500();
            }
            let what = if std::str::from_utf8(req.body).is_err() {
                "The body is not valid UTF-8 JSON".to_owned()
            } else {
                format!("The body is not valid JSON ({e})")
            };
            self.error_envelope(&ErrorEnvelope::validation(vec![Violation {
                field: String::new(),
                reason: what,
            }]))
        })
    }

    fn html_500(&self) -> StubResponse {
        let mut r = self.respond(
            500,
            b"<html><body><h1>500 Internal Server Error</h1></body></html>".to_vec(),
        );
        r.content_type = "text/html";
        r
    }

    /// A lifecycle operation's body, read and validated against its request schema.
    fn parse(&self, req: &StubRequest<'_>, op: Operation) -> Result<Value, StubResponse> {
        let body = self.read_json(req)?;
        let violations = contract::validate_against(op.schema(), &body);
        if violations.is_empty() {
            Ok(body)
        } else {
            Err(self.refuse(violations, &body))
        }
    }

    /// A `VALIDATION_ERROR` listing `violations` (as the faults word it).
    pub(super) fn refuse(&self, mut violations: Vec<Violation>, body: &Value) -> StubResponse {
        let faults = self.config.faults;
        if faults.has(Fault::DetailFieldsNotPointers) {
            for v in &mut violations {
                v.field = v.field.trim_start_matches('/').to_owned();
            }
        }
        let mut env = ErrorEnvelope::validation(violations);
        if faults.has(Fault::EchoSecretsInErrors) {
            for value in super::faulty::oauth_request_values(body) {
                env.error
                    .message
                    .push_str(&format!(" (OAuth request: {value})"));
            }
        }
        self.error_envelope(&env)
    }

    /// Step 6 for a create, and the create (steps 7–11).
    fn handle_create(&self, account: u64, req: &StubRequest<'_>) -> StubResponse {
        let faults = self.config.faults;
        if !faults.any()
            && let Some(doc) = contract::doc::Doc::parse(req.body)
        {
            // The fast path: the body read in place, checked against the same schema. An invalid
            // body goes on to the `Value` path below, which words the violations.
            let root = doc.root();
            if contract::SchemaKind::Request.doc_validator().is_valid(root) {
                return self.create(account, Params::of::<DocJson>(&root, None));
            }
        }
        let body = match self.read_json(req) {
            Ok(b) => b,
            Err(r) => return r,
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
        let echo = faults
            .has(Fault::EchoCredentials)
            .then(|| body["connectorProfileConfig"].get("connectorProfileCredentials"))
            .flatten();
        let mut params = Params::of::<jsonschema::json::SerdeJson>(&&body, echo);
        if faults.has(Fault::ArraysAsSets) || faults.has(Fault::FingerprintIgnoresCase) {
            let view = super::faulty::fingerprint_view(faults, &body);
            params.fingerprint = params.token.as_ref().map(|_| contract::fingerprint(&view));
        }
        if !violations.is_empty() {
            self.bind_failed_token(account, &params);
            self.count_refusal(account);
            return self.refuse(violations, &body);
        }
        let name = params.name.clone();
        let answer = self.create(account, params);
        if answer.status == 200 {
            self.keep_credentials(account, &name, body.get("connectorProfileConfig"));
        }
        answer
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
