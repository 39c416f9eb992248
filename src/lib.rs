//! appflow-harness: contract tests, a stub and load generation for Amazon AppFlow's
//! `CreateConnectorProfile` (`POST /create-connector-profile`).
//!
//! * [`contract`]: the transport-free core (schemas, validation, error table, examples, fingerprint);
//! * [`stub`]: the contract's state machine behind wiremock or a fast hyper server;
//! * [`check`]: the conformance runner for any base URL;
//! * [`load`]: goose load scenarios with thresholds;
//! * [`cli`]: the command line (`main.rs` only parses, runs and maps to an exit code).

pub mod check;
pub mod cli;
pub mod contract;
pub mod load;
pub mod stub;

/// What stopped the harness from running (exit code 2). Contract violations are never errors:
/// they are data in a [`check::Report`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad arguments or options.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written.
    #[error("{what}: {path}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
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
    /// JSON that should have been valid was not.
    #[error("{what}: {source}")]
    Json {
        /// What was being parsed.
        what: String,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
}

/// How a run that did run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything passed (exit 0).
    Pass,
    /// A check failed or a threshold was missed (exit 1).
    Fail,
}
