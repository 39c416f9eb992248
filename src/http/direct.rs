//! One load user's own HTTP/1.1 connection, driven with hyper directly, as oha and wrk keep one per
//! connection: no pool to check a connection out of, no URL parsed, no header map copied and no
//! middleware per request. Plain `http://` only: `load` sends to `https://` (and whenever goose's own
//! report files are asked for) through the shared reqwest client.

use super::{MAX_READ, TransportError, USER_AGENT};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use std::time::Duration;

/// What came back: the parts of an answer the judge reads.
#[derive(Debug, Clone)]
pub struct Answered {
    /// The status code.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body (at most [`MAX_READ`] bytes).
    pub body: Bytes,
}

/// A connection to one `http://` endpoint, opened on first use and again after it is lost.
#[derive(Debug)]
pub struct Direct {
    /// `host:port` to connect to.
    addr: String,
    /// The `Host` header.
    host: HeaderValue,
    /// The path (and query) every request goes to.
    uri: Uri,
    timeout: Duration,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Clone for Direct {
    /// The same endpoint, without the connection (each copy opens its own).
    fn clone(&self) -> Self {
        Direct {
            addr: self.addr.clone(),
            host: self.host.clone(),
            uri: self.uri.clone(),
            timeout: self.timeout,
            sender: None,
        }
    }
}

impl Direct {
    /// A connection for `url` (an `http://` URL), each exchange within `timeout`; `None` for any other
    /// scheme.
    pub fn new(url: &reqwest::Url, timeout: Duration) -> Option<Direct> {
        if url.scheme() != "http" {
            return None;
        }
        let host = url.host_str()?;
        let port = url.port_or_known_default()?;
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_owned(),
        };
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        Some(Direct {
            addr: format!("{host}:{port}"),
            host: HeaderValue::from_str(&authority).ok()?,
            uri: path.parse().ok()?,
            timeout,
            sender: None,
        })
    }

    /// POSTs `body` with `headers` (plus `Host` and `User-Agent`) and reads the answer, all within the
    /// timeout. After any error the connection is dropped, and the next request opens a new one.
    pub async fn post(
        &mut self,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<Answered, TransportError> {
        let uri = self.uri.clone();
        self.post_uri(uri, headers, body).await
    }

    /// As [`Direct::post`], to another path on the same connection (`/describe-connector-profiles`).
    pub async fn post_to(
        &mut self,
        path: &str,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<Answered, TransportError> {
        let uri: Uri =
            path.parse()
                .map_err(|e: hyper::http::uri::InvalidUri| TransportError::Other {
                    detail: e.to_string(),
                })?;
        self.post_uri(uri, headers, body).await
    }

    async fn post_uri(
        &mut self,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<Answered, TransportError> {
        let out = match tokio::time::timeout(self.timeout, self.exchange(uri, headers, body)).await
        {
            Ok(out) => out,
            Err(_) => Err(TransportError::Timeout {
                after: self.timeout,
            }),
        };
        if out.is_err() {
            self.sender = None;
        }
        out
    }

    async fn exchange(
        &mut self,
        uri: Uri,
        headers: HeaderMap,
        body: Bytes,
    ) -> Result<Answered, TransportError> {
        // A connection the service closed while idle is replaced before anything is sent on it.
        if let Some(sender) = &mut self.sender
            && sender.ready().await.is_err()
        {
            self.sender = None;
        }
        let sender = match &mut self.sender {
            Some(sender) => sender,
            None => self.sender.insert(self.connect().await?),
        };
        let mut req =
            Request::post(uri)
                .body(Full::new(body))
                .map_err(|e| TransportError::Other {
                    detail: e.to_string(),
                })?;
        *req.headers_mut() = headers;
        req.headers_mut().insert(header::HOST, self.host.clone());
        req.headers_mut()
            .insert(header::USER_AGENT, HeaderValue::from_static(USER_AGENT));
        let resp = sender
            .send_request(req)
            .await
            .map_err(|e| TransportError::from_hyper(&e))?;
        let (parts, body) = resp.into_parts();
        let body = Limited::new(body, MAX_READ)
            .collect()
            .await
            .map_err(|e| TransportError::Body {
                detail: super::causes(&*e),
            })?
            .to_bytes();
        Ok(Answered {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        })
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, TransportError> {
        let connect_err = |e: &(dyn std::error::Error + 'static)| TransportError::Connect {
            detail: super::causes(e),
        };
        let stream = tokio::net::TcpStream::connect(&self.addr)
            .await
            .map_err(|e| connect_err(&e))?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| connect_err(&e))?;
        tokio::spawn(conn);
        Ok(sender)
    }
}
