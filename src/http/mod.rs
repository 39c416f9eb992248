//! The harness's one HTTP client side, shared by `check`, `diff` and `load`: one client builder, typed
//! transport errors (classified where they start, from reqwest's and hyper's error kinds, never from
//! their text), base-URL and header parsing, the reachability preflight, and the runner's exchanges.

mod direct;
mod exchange;
pub mod health;
mod pace;

pub use direct::{Answered, Direct};
pub use exchange::{Exchange, MAX_READ, MAX_RETRIES, Received, Sent, Target};
pub use health::{Admit, Health};
pub use pace::Pace;

use crate::Error;
use reqwest::header::{HeaderName, HeaderValue};
use std::time::Duration;

/// Why a request got no (complete) answer. None of these is a contract violation: the service may be
/// correct and only slow, overloaded or unreachable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No connection could be made (refused, unreachable, bad host); nothing reached the service.
    #[error("cannot connect: {detail}")]
    Connect {
        /// The causes, innermost last.
        detail: String,
    },
    /// No complete answer within the timeout; the request may have reached the service.
    #[error("no complete response within the timeout of {after:?}")]
    Timeout {
        /// The timeout that passed.
        after: Duration,
    },
    /// The connection was closed or reset before a response began.
    #[error("the connection was closed before a response: {detail}")]
    Reset {
        /// The causes, innermost last.
        detail: String,
    },
    /// The service answered bytes that are not an HTTP response. Unlike the others, this is an answer,
    /// and it breaks the contract (`http.malformed`).
    #[error("the answer is not HTTP: {detail}")]
    Malformed {
        /// The causes, innermost last.
        detail: String,
    },
    /// A response began but its body broke off.
    #[error("the response body broke off: {detail}")]
    Body {
        /// The causes, innermost last.
        detail: String,
    },
    /// Anything else the HTTP stack refused (a bad URL, a protocol error).
    #[error("{detail}")]
    Other {
        /// The causes, innermost last.
        detail: String,
    },
    /// Not sent, or given up in flight, because the run was stopped (the target stopped answering,
    /// or the run's time budget ran out; see [`health`]).
    #[error("{}: {reason}", if *went_out { "given up" } else { "not sent" })]
    Stopped {
        /// Why the run was stopped.
        reason: std::sync::Arc<str>,
        /// Whether this attempt had gone out (and was given up in flight).
        went_out: bool,
    },
}

impl TransportError {
    /// Classifies a reqwest error by its kind and its typed causes. `timeout` is the one in force.
    pub fn from_reqwest(e: &reqwest::Error, timeout: Duration) -> TransportError {
        let detail = causes(e);
        // A connect that timed out is both: nothing was sent, so it is a connect error.
        if e.is_connect() {
            TransportError::Connect { detail }
        } else if e.is_timeout() {
            TransportError::Timeout { after: timeout }
        } else if e.is_body() || e.is_decode() {
            TransportError::Body { detail }
        } else if not_http(e) {
            TransportError::Malformed { detail }
        } else if closed_early(e) {
            TransportError::Reset { detail }
        } else {
            TransportError::Other { detail }
        }
    }

    /// Classifies an error of hyper's client (a request sent on a [`Direct`] connection).
    pub fn from_hyper(e: &hyper::Error) -> TransportError {
        let detail = causes(e);
        if not_http(e) {
            TransportError::Malformed { detail }
        } else if closed_early(e) {
            TransportError::Reset { detail }
        } else {
            TransportError::Other { detail }
        }
    }

    /// Whether the service did answer, with something that is not HTTP (a broken rule, not a lost
    /// answer).
    pub fn is_answer(&self) -> bool {
        matches!(self, TransportError::Malformed { .. })
    }

    /// Whether the request certainly never reached the service (a retry cannot do it twice).
    pub fn before_sending(&self) -> bool {
        matches!(self, TransportError::Connect { .. })
    }

    /// Whether the target showed it is alive: it answered something, even if the answer is not HTTP
    /// or its body broke off (the [`health`] rule counts these as answers).
    pub fn target_alive(&self) -> bool {
        matches!(
            self,
            TransportError::Malformed { .. } | TransportError::Body { .. }
        )
    }

    /// A short stable name of the kind (`connect`, `timeout`, `reset`, `body`, `malformed`, `other`).
    pub fn kind(&self) -> &'static str {
        match self {
            TransportError::Connect { .. } => "connect",
            TransportError::Timeout { .. } => "timeout",
            TransportError::Reset { .. } => "reset",
            TransportError::Body { .. } => "body",
            TransportError::Malformed { .. } => "malformed",
            TransportError::Other { .. } => "other",
            TransportError::Stopped { .. } => "stopped",
        }
    }
}

/// Every cause of `e`, joined (reqwest's own Display says little).
fn causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    msg
}

/// Whether a cause says the bytes that came back are not an HTTP response.
fn not_http(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(h) = s.downcast_ref::<hyper::Error>()
            && h.is_parse()
        {
            return true;
        }
        source = s.source();
    }
    false
}

/// Whether a cause says the peer closed or reset the connection before answering.
fn closed_early(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(h) = s.downcast_ref::<hyper::Error>()
            && (h.is_incomplete_message() || h.is_closed() || h.is_canceled())
        {
            return true;
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        source = s.source();
    }
    false
}

/// The `User-Agent` of every request the harness sends.
pub const USER_AGENT: &str = concat!("appflow-harness/", env!("CARGO_PKG_VERSION"));

/// Idle connections kept per host: enough for the widest race check or load user count.
pub const POOL_IDLE_PER_HOST: usize = 256;

/// How long an idle connection is kept for reuse. Short, because a service that serves one
/// connection at a time (a single-threaded server) waits on a connection the client keeps open but
/// idle, and serves nobody else meanwhile: a connection the pool opened for a request that then went
/// out on another one would stall such a service until the pool let it go.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_millis(500);

/// The longest a connection may take to open before it is tried again: a SYN that a full accept
/// queue dropped is resent by the kernel after 1 s and 3 s; past that a fresh, paced attempt does better.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(2500);

/// The one client the harness sends with: nothing that would hide what the service answered or add
/// work per request. No retries (the harness decides what to retry, and a load generator counts every
/// attempt), no redirects (the contract has none; a 3xx must show as an unexpected status), no
/// compression (the envelopes are small), connections kept for reuse.
pub fn client(timeout: Duration) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .pool_max_idle_per_host(POOL_IDLE_PER_HOST)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .connect_timeout(timeout.min(CONNECT_TIMEOUT))
        .timeout(timeout)
        .retry(reqwest::retry::never())
        .redirect(reqwest::redirect::Policy::none())
        .gzip(false)
        .build()
        .map_err(|e| Error::Usage(format!("cannot build the HTTP client: {}", causes(&e))))
}

/// Checks a base URL (http or https) given as `what`; returns it without a trailing slash.
pub fn base_url(raw: &str, what: &str) -> Result<String, Error> {
    let url = reqwest::Url::parse(raw).map_err(|e| Error::Usage(format!("{what} `{raw}`: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Usage(format!(
            "{what} `{raw}`: only http and https are supported"
        )));
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

/// Parses `Name: value` (a `-H` flag); the value is marked sensitive (never shown in debug output).
pub fn header(raw: &str) -> Result<(HeaderName, HeaderValue), Error> {
    let usage = |m: String| Error::Usage(m);
    let (name, value) = raw
        .split_once(':')
        .ok_or_else(|| usage("-H takes 'Name: value'".to_owned()))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| usage(format!("-H: `{}` is not a header name", name.trim())))?;
    let mut value = HeaderValue::from_str(value.trim())
        .map_err(|_| usage(format!("-H {name}: the value is not a valid header value")))?;
    value.set_sensitive(true);
    Ok((name, value))
}

/// Checks a header name (`--account-header`).
pub fn header_name(raw: &str) -> Result<HeaderName, Error> {
    HeaderName::from_bytes(raw.as_bytes())
        .map_err(|_| Error::Usage(format!("--account-header `{raw}` is not a header name")))
}

/// Proves the target answers at all (any status will do): a connection that cannot be made is
/// [`Error::Unreachable`] (exit 2), never a failed check or a violation. Otherwise says whether it
/// answered (garbage, a reset or nothing in time are for the checks, and the [`health`] rule, to see).
pub async fn preflight(
    client: &reqwest::Client,
    base: &str,
    timeout: Duration,
) -> Result<bool, Error> {
    // A connection that cannot be made is tried three times with a short backoff first: a lost DNS
    // answer or a service still starting must not make the target "unreachable".
    let mut attempt = 0;
    loop {
        match probe(client, base, timeout).await {
            Err(TransportError::Connect { .. }) if attempt < 3 => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            Err(err @ TransportError::Connect { .. }) => {
                return Err(Error::Unreachable(base.to_owned(), Box::new(err)));
            }
            Err(e) => return Ok(e.target_alive()),
            Ok(()) => return Ok(true),
        }
    }
}

/// `GET {base}/` within `timeout`: `Ok` for any HTTP answer (the status does not matter).
pub async fn probe(
    client: &reqwest::Client,
    base: &str,
    timeout: Duration,
) -> Result<(), TransportError> {
    let sent = client.get(format!("{base}/")).timeout(timeout).send();
    match tokio::time::timeout(timeout, sent).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(TransportError::from_reqwest(&e, timeout)),
        Err(_) => Err(TransportError::Timeout { after: timeout }),
    }
}

/// The [`Health`] of the target at `base`, probed with `GET {base}/` (any answer means alive).
pub fn health(client: &reqwest::Client, base: &str, timeout: Duration) -> Health {
    let (client, base) = (client.clone(), base.to_owned());
    Health::new(
        timeout,
        Box::new(move || {
            let (client, base) = (client.clone(), base.clone());
            Box::pin(async move {
                match probe(&client, &base, timeout).await {
                    Ok(()) => true,
                    Err(e) => e.target_alive(),
                }
            })
        }),
    )
}
