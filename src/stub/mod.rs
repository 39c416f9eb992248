//! The contract stub: one transport-free state machine ([`Stub`]) and two thin adapters, a wiremock
//! [`ContractResponder`] (with [`mount_contract`]) and a fast hyper server ([`start`]).

mod admin;
mod clock;
mod create;
mod decide;
mod fast;
mod fault;
mod faulty;
pub mod machine;
mod ops;
mod render;
mod state;
mod wiremock;

pub use self::clock::{Clock, ManualClock, SystemClock};
pub use self::decide::{StubRequest, StubResponse};
pub use self::fast::respond;
pub use self::fault::{Fault, Faults};
pub use self::state::{ListedProfile, Stub, StubConfig, StubStats};
pub use self::wiremock::{ContractResponder, mount_contract};

use std::net::SocketAddr;
use std::sync::Arc;

/// Which HTTP server carries the stub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// A bare hyper server (the default: roughly twice wiremock's throughput).
    #[default]
    Fast,
    /// A wiremock `MockServer` with the contract mounted.
    Wiremock,
}

impl Engine {
    /// Both engines.
    pub const ALL: [Engine; 2] = [Engine::Fast, Engine::Wiremock];

    /// The engine's name on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Engine::Fast => "fast",
            Engine::Wiremock => "wiremock",
        }
    }
}

impl std::str::FromStr for Engine {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Engine::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| format!("unknown engine `{s}` (fast, wiremock)"))
    }
}

/// Why the stub could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The server's runtime or thread could not start.
    #[error("cannot start the stub's server thread")]
    Runtime(#[source] std::io::Error),
}

/// Worker threads of the fast server's own runtime: the machine's cores (at least one).
fn fast_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

enum Running {
    Fast {
        shutdown: tokio::sync::oneshot::Sender<()>,
        thread: std::thread::JoinHandle<()>,
    },
    /// Held only to keep the server alive (dropping it stops it).
    Wiremock(#[allow(dead_code)] Box<::wiremock::MockServer>),
}

/// A running stub. Dropping it stops the server.
pub struct StubServer {
    addr: SocketAddr,
    stub: Arc<Stub>,
    running: Option<Running>,
}

impl std::fmt::Debug for StubServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StubServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl StubServer {
    /// The address it listens on (the real port when started on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The state machine behind it (for listing profiles or advancing the clock in tests).
    pub fn stub(&self) -> &Arc<Stub> {
        &self.stub
    }

    /// Stops the server and waits for its thread to end.
    pub async fn shutdown(mut self) {
        if let Some(Running::Fast { shutdown, thread }) = self.running.take() {
            let _ = shutdown.send(());
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

impl Drop for StubServer {
    fn drop(&mut self) {
        if let Some(Running::Fast { shutdown, .. }) = self.running.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Starts a stub on `addr` (port 0 picks a free port) with the given engine.
pub async fn start(
    addr: SocketAddr,
    engine: Engine,
    stub: Arc<Stub>,
) -> Result<StubServer, StartError> {
    let bind_err = |source| StartError::Bind { addr, source };
    match engine {
        Engine::Fast => {
            // The server owns its runtime (a worker per core) on its own thread, as a separate process
            // would: a caller's runtime never competes with it for workers.
            let listener = std::net::TcpListener::bind(addr).map_err(bind_err)?;
            listener.set_nonblocking(true).map_err(bind_err)?;
            let local = listener.local_addr().map_err(bind_err)?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(fast_workers())
                .thread_name("appflow-stub")
                .enable_all()
                .build()
                .map_err(StartError::Runtime)?;
            let (tx, rx) = tokio::sync::oneshot::channel();
            let served = stub.clone();
            let thread = std::thread::Builder::new()
                .name("appflow-stub-accept".into())
                .spawn(move || {
                    runtime.block_on(async move {
                        if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
                            fast::serve(listener, served, rx).await;
                        }
                    });
                })
                .map_err(StartError::Runtime)?;
            Ok(StubServer {
                addr: local,
                stub,
                running: Some(Running::Fast {
                    shutdown: tx,
                    thread,
                }),
            })
        }
        Engine::Wiremock => {
            let listener = std::net::TcpListener::bind(addr).map_err(bind_err)?;
            let local = listener.local_addr().map_err(bind_err)?;
            let server = ::wiremock::MockServer::builder()
                .listener(listener)
                .disable_request_recording()
                .start()
                .await;
            mount_contract(&server, stub.clone()).await;
            Ok(StubServer {
                addr: local,
                stub,
                running: Some(Running::Wiremock(Box::new(server))),
            })
        }
    }
}

/// Starts a stub with `config` on a free port of 127.0.0.1: the embedded stub of `check`, `diff`
/// and `load`, and of the tests.
pub async fn start_local(engine: Engine, config: StubConfig) -> Result<StubServer, StartError> {
    let addr = SocketAddr::from(([127, 0, 0, 1], 0));
    start(addr, engine, Arc::new(Stub::new(config))).await
}
