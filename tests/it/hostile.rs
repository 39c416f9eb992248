//! Small misbehaving servers on 127.0.0.1:0, for proving the runner never panics or hangs.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// How the server misbehaves.
#[derive(Debug, Clone, Copy)]
pub enum Behaviour {
    /// Accepts, reads, never answers.
    Hang,
    /// Resets the connection.
    Reset,
    /// Answers bytes that are not HTTP.
    Garbage,
    /// Answers 200 JSON with a body that never ends.
    EndlessBody,
    /// Answers 200 with an HTML page.
    Html,
    /// Answers the same success envelope to everything.
    AlwaysOk,
    /// Answers correctly-shaped JSON, but after 2 s.
    Slow,
    /// Accepts and closes every connection at once, without reading or answering.
    Close,
}

const OK: &str = r#"{"success":true,"data":{"id":"same","created_at":"2025-01-01T00:00:00Z"}}"#;

async fn serve_one(mut sock: tokio::net::TcpStream, behaviour: Behaviour) {
    if matches!(behaviour, Behaviour::Close) {
        return;
    }
    let mut buf = vec![0u8; 64 * 1024];
    let _ = sock.read(&mut buf).await;
    match behaviour {
        Behaviour::Hang => tokio::time::sleep(Duration::from_secs(3600)).await,
        Behaviour::Reset => {
            // SO_LINGER 0 makes the close a reset; with a zero linger the drop does not block.
            #[allow(deprecated)]
            let _ = sock.set_linger(Some(Duration::ZERO));
            drop(sock);
        }
        Behaviour::Garbage => {
            let _ = sock
                .write_all(b"\x00\x01\x02 this is not HTTP\r\n\r\n")
                .await;
        }
        Behaviour::EndlessBody => {
            let _ = sock
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
                .await;
            let chunk = format!("{:x}\r\n{}\r\n", 8192, "[".repeat(8192));
            while sock.write_all(chunk.as_bytes()).await.is_ok() {}
        }
        Behaviour::Html => {
            let body = "<html><body>It works!</body></html>";
            let _ = sock
                .write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\r\n{body}", body.len()).as_bytes())
                .await;
        }
        Behaviour::AlwaysOk | Behaviour::Slow => {
            if matches!(behaviour, Behaviour::Slow) {
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            let _ = sock
                .write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{OK}", OK.len()).as_bytes())
                .await;
        }
        Behaviour::Close => {}
    }
}

/// Starts a server; returns its base URL. It lives until the test's runtime ends.
pub async fn spawn(behaviour: Behaviour) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(serve_one(sock, behaviour));
        }
    });
    format!("http://{addr}")
}

/// A correct but small service, as Python's `http.server` is: one request at a time, one request per
/// connection, `per_request` of work each, and a listen backlog of `backlog`, so the kernel drops
/// connections beyond it while the server is busy. It keeps every rule of the contract (the stub
/// answers); it is only slow. It lives until the test's runtime ends.
pub async fn spawn_small_correct(
    backlog: u32,
    per_request: Duration,
    stub: std::sync::Arc<appflow_harness::Stub>,
) -> String {
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    let listener = socket.listen(backlog).unwrap();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let stub = stub.clone();
            let svc = service_fn(move |req| {
                let stub = stub.clone();
                async move {
                    tokio::time::sleep(per_request).await;
                    appflow_harness::stub::respond(stub, req).await
                }
            });
            // Served to the end before the next connection is accepted.
            let _ = http1::Builder::new()
                .keep_alive(false)
                .serve_connection(hyper_util::rt::TokioIo::new(sock), svc)
                .await;
        }
    });
    format!("http://{addr}")
}

/// A correct service whose answers take a random 0–3 ms each, so which of several concurrent requests
/// is answered first (and wins a race) changes from run to run. It lives until the runtime ends.
pub async fn spawn_jittery_correct(stub: std::sync::Arc<appflow_harness::Stub>) -> String {
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let stub = stub.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| {
                    let stub = stub.clone();
                    async move {
                        let jitter = rand::random::<u64>() % 3_000;
                        tokio::time::sleep(Duration::from_micros(jitter)).await;
                        appflow_harness::stub::respond(stub, req).await
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(sock), svc)
                    .await;
            });
        }
    });
    format!("http://{addr}")
}

/// A correct service of `CreateConnectorProfile` alone (the stub), without the rest of the
/// lifecycle: describe, update and delete answer 404 `NOT_FOUND`, as any other path does.
pub async fn spawn_create_only(stub: std::sync::Arc<appflow_harness::Stub>) -> String {
    use http_body_util::Full;
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let stub = stub.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let stub = stub.clone();
                    async move {
                        if req.uri().path() == "/create-connector-profile"
                            || req.uri().path() == "/"
                        {
                            return appflow_harness::stub::respond(stub, req).await;
                        }
                        let body = r#"{"success":false,"error":{"code":"NOT_FOUND","message":"no such path"}}"#;
                        Ok(hyper::Response::builder()
                            .status(404)
                            .header("content-type", "application/json")
                            .body(Full::new(hyper::body::Bytes::from_static(body.as_bytes())))
                            .unwrap())
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(sock), svc)
                    .await;
            });
        }
    });
    format!("http://{addr}")
}

/// A correct service (the stub) that answers its first `answers` requests and then accepts
/// connections and reads requests but never answers again: a service that hung mid-run. It lives
/// until the test's runtime ends.
pub async fn spawn_hanging_after(
    answers: u64,
    stub: std::sync::Arc<appflow_harness::Stub>,
) -> String {
    use hyper::server::conn::http1;
    use hyper::service::service_fn;
    use std::sync::atomic::{AtomicU64, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = std::sync::Arc::new(AtomicU64::new(0));
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (stub, seen) = (stub.clone(), seen.clone());
            tokio::spawn(async move {
                let svc = service_fn(move |req| {
                    let (stub, seen) = (stub.clone(), seen.clone());
                    async move {
                        if seen.fetch_add(1, Ordering::SeqCst) >= answers {
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                        }
                        appflow_harness::stub::respond(stub, req).await
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(sock), svc)
                    .await;
            });
        }
    });
    format!("http://{addr}")
}
