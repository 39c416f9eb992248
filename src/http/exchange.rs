//! The runner's exchanges: one shared client, bounded reads, per-request timeouts, and the redacted
//! views of each exchange that failure messages, snapshots and `diff` show.

use super::{Admit, Health, Pace, TransportError};
use crate::contract::redact::{REDACTED, redact_request};
use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// At most this much of a response body is read; the rest is dropped (an endless body cannot hang us).
pub const MAX_READ: usize = 1024 * 1024;

/// How many times one request is sent again after a transport error that makes it safe: a connection
/// that could not be made (nothing reached the service), or, for a request with a `clientToken`, an
/// answer that did not come (the contract makes its retry a replay). A request without a token that
/// may have reached the service is never sent twice.
pub const MAX_RETRIES: u32 = 3;

/// Requests in flight to a target when a run starts; the window opens as answers come.
const START_WINDOW: usize = 8;

/// Where the runner sends requests.
#[derive(Debug)]
pub struct Target {
    client: reqwest::Client,
    base: String,
    admin: Option<String>,
    extra: HeaderMap,
    account_header: HeaderName,
    timeout: Duration,
    /// Values that must never be shown: the `-H` header values.
    header_secrets: Vec<String>,
    /// Requests in flight to this target.
    pace: Pace,
    /// Whether it still answers (the stop rule).
    health: Arc<Health>,
}

/// What was sent.
#[derive(Debug, Clone)]
pub struct Sent {
    /// The method.
    pub method: reqwest::Method,
    /// The URL.
    pub url: String,
    /// The account header's value, if sent.
    pub account: Option<String>,
    /// The content type, if sent.
    pub content_type: Option<String>,
    /// The raw body.
    pub body: Bytes,
    /// Credential values in the body (never shown; a response must not contain them).
    pub secrets: Arc<Vec<String>>,
    /// Whether sending it again after a lost answer is safe: its body carries a `clientToken` (the
    /// retry is a replay), or the contract refuses it whatever happened before (a retry of a request a
    /// correct service refuses cannot create anything, and a service that accepted it shows it).
    pub retry_safe: bool,
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Received {
    /// The status code.
    pub status: u16,
    /// The `content-type` header.
    pub content_type: Option<String>,
    /// All headers, as text (`name: value` lines).
    pub headers: String,
    /// The `allow` header.
    pub allow: Option<String>,
    /// The `x-amzn-errortype` header (an AWS-dialect error's exception).
    pub error_type: Option<String>,
    /// The body (at most [`MAX_READ`] bytes).
    pub body: Bytes,
    /// Whether the body was longer than what was read.
    pub truncated: bool,
    /// The body parsed as JSON, if it was.
    pub json: Option<Value>,
}

impl Sent {
    /// The operation its path names (a create's, when it names none: another path).
    pub fn op(&self) -> crate::contract::Operation {
        let path = self.url.split('?').next().unwrap_or("");
        crate::contract::Operation::ALL
            .into_iter()
            .find(|o| path.ends_with(o.path()))
            .unwrap_or(crate::contract::Operation::Create)
    }
}

impl Received {
    /// The answer as the judge reads it (`contract::judge`), to a request of `op`.
    pub fn answer(&self, op: crate::contract::Operation) -> crate::contract::Answer<'_> {
        crate::contract::Answer {
            status: self.status,
            content_type: self.content_type.as_deref(),
            headers: &self.headers,
            body: &self.body,
            truncated: self.truncated,
            error_type: self.error_type.as_deref(),
            op,
        }
    }
}

/// One request and its outcome.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The request.
    pub sent: Sent,
    /// The response, or why there was none.
    pub result: Result<Received, TransportError>,
    /// How long it took, retries included.
    pub elapsed: Duration,
    /// How many times it was sent again after a transport error (see [`MAX_RETRIES`]).
    pub retries: u32,
    /// Of the retries, how many followed a connection that could not be made (the request reached
    /// nothing, so it is sent again whether or not it carries a token).
    pub unconnected_retries: u32,
    /// Whether it was sent at all (not when the run had been stopped before it could go out).
    pub went_out: bool,
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}… ({} more characters)", s.chars().count() - max)
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl Target {
    /// A target at `base` (no trailing slash needed), with extra headers sent on every request, whose
    /// requests all obey `health`'s stop rule.
    pub fn new(
        client: reqwest::Client,
        base: &str,
        admin: Option<&str>,
        extra: Vec<(HeaderName, HeaderValue)>,
        account_header: HeaderName,
        timeout: Duration,
        health: Arc<Health>,
    ) -> Target {
        let header_secrets = extra
            .iter()
            .filter_map(|(_, v)| v.to_str().ok())
            .filter(|v| v.len() >= 3)
            .map(str::to_owned)
            .collect();
        let mut map = HeaderMap::new();
        for (k, v) in extra {
            map.append(k, v);
        }
        Target {
            client,
            base: base.trim_end_matches('/').to_owned(),
            admin: admin.map(|a| a.trim_end_matches('/').to_owned()),
            extra: map,
            account_header,
            timeout,
            header_secrets,
            pace: Pace::new(START_WINDOW, super::POOL_IDLE_PER_HOST),
            health,
        }
    }

    /// Whether the target still answers, and why the run was stopped if it was.
    pub fn health(&self) -> &Arc<Health> {
        &self.health
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The admin base URL, if the target has the stub's admin routes.
    pub fn admin(&self) -> Option<&str> {
        self.admin.as_deref()
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The client requests are sent with.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The account header's name.
    pub fn account_header(&self) -> &str {
        self.account_header.as_str()
    }

    /// A request to the endpoint (`path` relative to the base).
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        account: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<Bytes>,
        secrets: Arc<Vec<String>>,
    ) -> Sent {
        let body: Bytes = body.into();
        Sent {
            method,
            url: format!("{}{path}", self.base),
            account: account.map(str::to_owned),
            content_type: content_type.map(str::to_owned),
            retry_safe: body.windows(13).any(|w| w == b"\"clientToken\""),
            body,
            secrets,
        }
    }

    /// Sends `sent` and reads at most [`MAX_READ`] bytes of the answer, each attempt within the
    /// timeout, within the target's in-flight window; sends it again where that is safe. Once the run
    /// is stopped (see [`Health`]), nothing more is sent and a request in flight is given up at once.
    pub async fn exchange(&self, sent: Sent) -> Exchange {
        let start = Instant::now();
        let mut retries = 0;
        let mut unconnected_retries = 0;
        let done = |sent, result, (retries, unconnected_retries)| Exchange {
            unconnected_retries,
            sent,
            // Only a request stopped before its first attempt never went out.
            went_out: !matches!(
                (&result, retries),
                (
                    Err(TransportError::Stopped {
                        went_out: false,
                        ..
                    }),
                    0
                )
            ),
            result,
            elapsed: start.elapsed(),
            retries,
        };
        let stopped = |reason, went_out| Err(TransportError::Stopped { reason, went_out });
        loop {
            if let Admit::Stopped(reason) = self.health.admit().await {
                return done(sent, stopped(reason, false), (retries, unconnected_retries));
            }
            let slot = tokio::select! {
                slot = self.pace.slot() => slot,
                reason = self.health.wait_stopped() => return done(sent, stopped(reason, false), (retries, unconnected_retries)),
            };
            let sent_at = Instant::now();
            let result = tokio::select! {
                r = tokio::time::timeout(self.timeout, self.send(&sent)) => match r {
                    Ok(r) => r,
                    Err(_) => Err(TransportError::Timeout {
                        after: self.timeout,
                    }),
                },
                reason = self.health.wait_stopped() => stopped(reason, true),
            };
            let full = slot.full;
            drop(slot);
            let retry = match &result {
                Ok(_) => {
                    self.health.answered();
                    self.pace.answered(sent_at.elapsed(), full);
                    false
                }
                Err(TransportError::Stopped { .. }) => false,
                Err(e) if e.target_alive() => {
                    self.health.answered();
                    false
                }
                Err(e) => {
                    self.pace.lost();
                    self.health.unanswered().await;
                    let safe = e.before_sending()
                        || (sent.retry_safe
                            && matches!(
                                e,
                                TransportError::Timeout { .. } | TransportError::Reset { .. }
                            ));
                    let retry = safe && retries < MAX_RETRIES && self.health.stopped().is_none();
                    if retry && e.before_sending() {
                        unconnected_retries += 1;
                    }
                    retry
                }
            };
            if !retry {
                return done(sent, result, (retries, unconnected_retries));
            }
            retries += 1;
            // 50, 100, 200 ms, each with up to 50 ms of jitter so retries do not arrive together.
            let backoff = 50u64 << (retries - 1);
            let jitter = rand::random::<u64>() % 50;
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(backoff + jitter)) => {}
                reason = self.health.wait_stopped() => return done(sent, stopped(reason, false), (retries, unconnected_retries)),
            }
        }
    }

    async fn send(&self, sent: &Sent) -> Result<Received, TransportError> {
        let mut req = self
            .client
            .request(sent.method.clone(), &sent.url)
            .headers(self.extra.clone())
            .body(sent.body.clone());
        if let Some(a) = &sent.account {
            req = req.header(&self.account_header, a);
        }
        if let Some(ct) = &sent.content_type {
            req = req.header(reqwest::header::CONTENT_TYPE, ct);
        }
        let transport = |e: reqwest::Error| TransportError::from_reqwest(&e, self.timeout);
        let mut resp = req.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let header = |n: reqwest::header::HeaderName| {
            resp.headers()
                .get(n)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let allow = header(reqwest::header::ALLOW);
        let error_type = header(reqwest::header::HeaderName::from_static(
            crate::contract::dialect::AWS_ERROR_TYPE_HEADER,
        ));
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| format!("{k}: {}", String::from_utf8_lossy(v.as_bytes())))
            .collect::<Vec<_>>()
            .join("\n");
        let mut body = BytesMut::new();
        let mut truncated = false;
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    let room = MAX_READ - body.len();
                    if chunk.len() > room {
                        body.extend_from_slice(&chunk[..room]);
                        truncated = true;
                        break;
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    return Err(match transport(e) {
                        TransportError::Timeout { after } => TransportError::Timeout { after },
                        other => TransportError::Body {
                            detail: other.to_string(),
                        },
                    });
                }
            }
        }
        let body = body.freeze();
        let json = if truncated {
            None
        } else {
            serde_json::from_slice(&body).ok()
        };
        Ok(Received {
            status,
            content_type,
            headers,
            allow,
            error_type,
            body,
            truncated,
            json,
        })
    }

    /// An admin call (GET or POST/PUT with a JSON body) on the stub's admin routes.
    pub async fn admin_call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let admin = self.admin.as_deref().ok_or("no --admin-url was given")?;
        if let Some(reason) = self.health.stopped() {
            return Err(format!("admin {path}: not sent: {reason}"));
        }
        let mut req = self.client.request(method, format!("{admin}{path}"));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let transport = |e: reqwest::Error| {
            format!(
                "admin {path}: {}",
                TransportError::from_reqwest(&e, self.timeout)
            )
        };
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status();
        let v: Value = resp.json().await.map_err(transport)?;
        if status.is_success() {
            Ok(v)
        } else {
            Err(format!("admin {path} answered {status}: {v}"))
        }
    }

    /// Replaces every secret (credential values, `-H` values) in `text` with `***`.
    pub fn scrub(&self, text: &str, secrets: &[String]) -> String {
        let mut out = text.to_owned();
        for s in secrets.iter().chain(&self.header_secrets) {
            if !s.is_empty() && out.contains(s.as_str()) {
                out = out.replace(s.as_str(), REDACTED);
            }
        }
        out
    }

    /// The request as a person may see it: credentials and header values redacted.
    pub fn show_request(&self, sent: &Sent) -> String {
        let body = match serde_json::from_slice::<Value>(&sent.body) {
            Ok(v) => redact_request(&v).to_string(),
            Err(_) => clip(&String::from_utf8_lossy(&sent.body), 300),
        };
        let mut out = format!("{} {}", sent.method, sent.url);
        if let Some(a) = &sent.account {
            out.push_str(&format!("\n{}: {a}", self.account_header));
        }
        if let Some(ct) = &sent.content_type {
            out.push_str(&format!("\ncontent-type: {ct}"));
        }
        for (k, _) in &self.extra {
            out.push_str(&format!("\n{k}: {REDACTED}"));
        }
        out.push_str(&format!("\n\n{}", clip(&body, 2000)));
        self.scrub(&out, &sent.secrets)
    }

    /// The response as a person may see it (clipped, secrets redacted).
    pub fn show_response(&self, ex: &Exchange) -> String {
        match &ex.result {
            Err(e) => format!("(no response: {e})"),
            Ok(r) => {
                // Scrubbed whole, then clipped: a clip must never leave part of a secret behind.
                let headers = self.scrub(&r.headers, &ex.sent.secrets);
                let body = self.scrub(&String::from_utf8_lossy(&r.body), &ex.sent.secrets);
                let mut text = format!("HTTP {}\n{headers}\n\n{}", r.status, clip(&body, 2000));
                if r.truncated {
                    text.push_str(&format!("\n(body cut after {MAX_READ} bytes)"));
                }
                text
            }
        }
    }

    /// A curl command line that sends the same request (credentials and header values redacted).
    pub fn curl(&self, sent: &Sent) -> String {
        let mut parts = vec![
            "curl -sS -i".to_owned(),
            format!("-X {}", sent.method),
            shell_quote(&sent.url),
        ];
        if let Some(a) = &sent.account {
            parts.push(format!(
                "-H {}",
                shell_quote(&format!("{}: {a}", self.account_header))
            ));
        }
        if let Some(ct) = &sent.content_type {
            parts.push(format!(
                "-H {}",
                shell_quote(&format!("content-type: {ct}"))
            ));
        }
        for (k, _) in &self.extra {
            parts.push(format!("-H {}", shell_quote(&format!("{k}: {REDACTED}"))));
        }
        if !sent.body.is_empty() {
            let body = match serde_json::from_slice::<Value>(&sent.body) {
                Ok(v) => redact_request(&v).to_string(),
                Err(_) if sent.body.len() > 2000 => {
                    format!("<{} bytes, not shown>", sent.body.len())
                }
                Err(_) => String::from_utf8_lossy(&sent.body).into_owned(),
            };
            parts.push(format!("--data-raw {}", shell_quote(&body)));
        }
        self.scrub(&parts.join(" "), &sent.secrets)
    }
}
