//! appflow-harness: contract tests, a stub and load generation for Amazon AppFlow's
//! `CreateConnectorProfile` (`POST /create-connector-profile`).
//!
//! * [`contract`]: the transport-free core: schemas, validation, the error table, examples, the
//!   idempotency fingerprint, and the one judge of an answer ([`contract::judge`]);
//! * [`stub`]: the contract's state machine behind wiremock or a fast hyper server;
//! * [`check`]: the conformance runner for any base URL, returning a [`Report`] as data;
//! * [`load`]: goose load scenarios judged by the same judge, with thresholds;
//! * [`http`]: the one HTTP client side (`check`, `diff` and `load` share it), with typed
//!   [`TransportError`]s;
//! * [`lincheck`]: a generic linearizability checker, which the explorer (`model.*` checks) runs on
//!   recorded concurrent histories against the stub's own state machine.
//!
//! The library has no command line: it reads no arguments, writes no files and prints nothing. The
//! `appflow-harness` binary (`src/main.rs`, `src/cli/`) turns flags into the options here, and owns
//! files and printing.
//!
//! ```no_run
//! # async fn demo() -> Result<(), appflow_harness::Error> {
//! use appflow_harness::{CheckOptions, check};
//! let opts = CheckOptions::against("http://127.0.0.1:8080")?.with_seed(7);
//! let report = check::run(&opts, &|_| {}).await?;
//! assert!(report.passed(), "{} checks failed", report.summary.failed);
//! # Ok(()) }
//! ```

pub mod check;
pub mod contract;
pub mod http;
pub mod lincheck;
pub mod live;
pub mod load;
pub mod stub;
pub mod units;

pub use check::{CheckOptions, CheckResult, ContractConfig, Report, Status};
pub use contract::{Breach, ErrorCode, ErrorTable, Expect, Judgement, judge};
pub use http::TransportError;
pub use load::{LoadOptions, LoadOutcome};
pub use stub::{ContractResponder, Engine, Fault, Stub, StubConfig, StubServer, mount_contract};

/// What stopped the harness from running (exit code 2). Contract violations are never errors:
/// they are data in a [`check::Report`] or a [`load::LoadOutcome`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad arguments or options.
    #[error("{0}")]
    Usage(String),
    /// The stub could not start.
    #[error(transparent)]
    Start(#[from] stub::StartError),
    /// The target could not be reached at all.
    #[error("the target {0} cannot be reached")]
    Unreachable(String, #[source] Box<dyn std::error::Error + Send + Sync>),
    /// The schema generator failed.
    #[error(transparent)]
    Codegen(#[from] contract::codegen::CodegenError),
    /// A load test could not run.
    #[error("load test: {0}")]
    Load(String),
}
