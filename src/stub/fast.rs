//! The fast server: the stub's state machine behind a bare hyper HTTP/1.1 server.

use super::decide::StubRequest;
use super::state::Stub;
use crate::contract;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The answer was dropped on purpose (`Fault::LoseResponseAfterCreate`): the connection closes.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the stub dropped the answer on purpose")
    }
}

impl std::error::Error for Dropped {}

/// Answers one hyper request with the stub (reads the body up to the limit, calls `Stub::handle`):
/// the fast server's service, and one for a caller's own hyper server.
pub async fn respond(
    stub: Arc<Stub>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let max = stub.config().max_body;
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let (bytes, truncated) = if declared.is_some_and(|n| n > max as u64) {
        drain(body, max).await;
        (Bytes::new(), true)
    } else {
        let mut body = body;
        let mut read = bytes::BytesMut::new();
        let mut over = false;
        // Read up to the limit; past it, keep reading (and dropping) a bounded amount more, so the
        // 413 reaches a client that is still sending instead of being lost to a reset.
        loop {
            match body.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        if read.len() + data.len() > max {
                            over = true;
                            break;
                        }
                        read.extend_from_slice(&data);
                    }
                }
                Some(Err(_)) => break,
                None => break,
            }
        }
        if over {
            drain(body, max).await;
            (Bytes::new(), true)
        } else {
            (read.freeze(), false)
        }
    };
    let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
    let sreq = StubRequest {
        method: parts.method.as_str(),
        path: parts.uri.path_and_query().map_or("/", |p| p.as_str()),
        content_type: header(hyper::header::CONTENT_TYPE.as_str()),
        account: header(contract::ACCOUNT_HEADER),
        account_present: parts.headers.contains_key(contract::ACCOUNT_HEADER),
        body: &bytes,
        body_truncated: truncated,
        authorization: header(hyper::header::AUTHORIZATION.as_str()),
    };
    let out = if stub.config().faults.any() {
        // A racy fault blocks inside the handler on purpose; hand this worker's other tasks
        // (the accept loop, other connections) to another thread meanwhile.
        tokio::task::block_in_place(|| stub.handle(&sreq))
    } else {
        stub.handle(&sreq)
    };
    let mut builder = Response::builder()
        .status(out.status)
        .header(hyper::header::CONTENT_TYPE, out.content_type);
    if out.allow_post {
        builder = builder.header(hyper::header::ALLOW, "POST");
    }
    if let Some(t) = out.error_type {
        builder = builder.header(contract::dialect::AWS_ERROR_TYPE_HEADER, t);
    }
    if truncated {
        // The rest of an over-long body is not read; tell the client the connection ends here.
        builder = builder.header(hyper::header::CONNECTION, "close");
    }
    if out.drop_connection {
        // An error from the service makes hyper close the connection without a response.
        return Err(Dropped);
    }
    Ok(builder
        .body(Full::new(out.body))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new()))))
}

/// Reads and drops what is left of an over-long body, up to four times the limit and for at most a
/// second: a server that closes a connection with unread data makes the kernel reset it, and the
/// client, still sending, then loses the 413 (across a network; on loopback it usually arrives).
async fn drain(mut body: Incoming, max: usize) {
    let budget = max.saturating_mul(4).max(1024 * 1024);
    let mut seen = 0usize;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), async {
        while let Some(Ok(frame)) = body.frame().await {
            if let Ok(data) = frame.into_data() {
                seen += data.len();
                if seen > budget {
                    break;
                }
            }
        }
    })
    .await;
}

/// Serves `stub` on `listener` until `shutdown` fires.
pub async fn serve(listener: TcpListener, stub: Arc<Stub>, mut shutdown: oneshot::Receiver<()>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        // Out of file descriptors or similar: back off briefly rather than spin or die.
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let stub = stub.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| respond(stub.clone(), req));
                    let _ = http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
            _ = &mut shutdown => break,
        }
    }
}
