//! The command line: clap definitions (raw flags), their validation into the library's options, and
//! everything the library does not do: reading and writing files, and printing.

mod check;
mod load;
mod progress;
mod schema;
mod serve;

use appflow_harness::stub::{Engine, Fault};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Parser, Subcommand};
use std::time::Duration;

/// Contract tests, a stub and load generation for Amazon AppFlow's CreateConnectorProfile.
///
/// Exit codes: 0 all checks passed / document valid / thresholds met; 1 a check failed (an answer
/// broke the contract), a document is invalid or a threshold was missed; 2 the harness could not run
/// or could not verify (bad arguments, unreadable input, unreachable target, nothing ran, or no check
/// failed but some got no answer).
#[derive(Debug, Parser)]
#[command(name = "appflow-harness", version, about, long_about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print, validate, export or regenerate the contract's schemas.
    #[command(subcommand)]
    Schema(schema::SchemaCommand),
    /// Run the contract stub as an HTTP server.
    Serve(serve::ServeArgs),
    /// Check that a service keeps the contract (the embedded stub when no --base-url is given).
    Check(Box<check::CheckArgs>),
    /// Run a goose load scenario against a service (the embedded stub when no --host is given).
    Load(Box<load::LoadArgs>),
    /// Send the same deterministic traffic to two implementations and show every answer that differs.
    ///
    /// Exit 0 when no answer differs, 1 when some do, 2 when it cannot run.
    Diff(check::DiffArgs),
}

/// How a run that did run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything passed (exit 0).
    Pass,
    /// A check failed, a document is invalid, a threshold was missed (exit 1).
    Fail,
    /// Nothing failed, but some of what had to be proven got no answer (exit 2).
    Unverified,
}

impl Outcome {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Outcome::Pass => 0,
            Outcome::Fail => 1,
            Outcome::Unverified => 2,
        }
    }

    fn of(passed: bool) -> Outcome {
        if passed { Outcome::Pass } else { Outcome::Fail }
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Schema(cmd) => schema::run(cmd),
        Command::Serve(args) => serve::run(args).await,
        Command::Check(args) => check::run(*args).await,
        Command::Load(args) => load::run(*args).await,
        Command::Diff(args) => check::diff(args).await,
    }
}

/// `8h`, `30m`, `1500ms` as a flag value.
fn duration(s: &str) -> Result<Duration, String> {
    appflow_harness::units::parse_duration(s)
}

/// `256KiB`, `1MiB`, `1000` as a flag value.
fn size(s: &str) -> Result<usize, String> {
    appflow_harness::units::parse_size(s)
}

/// A fault's name as a flag value, with every name listed in `--help`.
fn fault() -> impl TypedValueParser<Value = Fault> {
    PossibleValuesParser::new(Fault::ALL.map(Fault::name))
        .map(|s| s.parse::<Fault>().expect("a listed name parses"))
}

/// A dialect's name as a flag value.
fn dialect() -> impl TypedValueParser<Value = appflow_harness::contract::Dialect> {
    use appflow_harness::contract::Dialect;
    PossibleValuesParser::new(Dialect::ALL.map(Dialect::name))
        .map(|s| s.parse::<Dialect>().expect("a listed name parses"))
}

/// An engine's name as a flag value.
fn engine() -> impl TypedValueParser<Value = Engine> {
    PossibleValuesParser::new(Engine::ALL.map(Engine::name))
        .map(|s| s.parse::<Engine>().expect("a listed name parses"))
}

/// Parses every `-H 'Name: value'`.
fn headers(
    raw: &[String],
) -> anyhow::Result<Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>> {
    Ok(raw
        .iter()
        .map(|h| appflow_harness::http::header(h))
        .collect::<Result<Vec<_>, _>>()?)
}

/// Writes `text` to `path`, naming both in the error.
fn write(path: &std::path::Path, text: &str, what: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::write(path, text).with_context(|| format!("cannot write {what} {}", path.display()))
}

/// Reads `path`, naming it in the error.
fn read(path: &std::path::Path, what: &str) -> anyhow::Result<String> {
    use anyhow::Context;
    std::fs::read_to_string(path).with_context(|| format!("cannot read {what} {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn every_fault_and_engine_is_a_flag_value() {
        for f in Fault::ALL {
            let cli = Cli::try_parse_from(["appflow-harness", "check", "--stub-fault", f.name()])
                .expect("parses");
            let Command::Check(args) = cli.command else {
                panic!("not check")
            };
            assert_eq!(args.stub_faults, vec![f]);
        }
        for e in Engine::ALL {
            assert!(
                Cli::try_parse_from(["appflow-harness", "serve", "--engine", e.name()]).is_ok()
            );
        }
        assert!(Cli::try_parse_from(["appflow-harness", "check", "--stub-fault", "nope"]).is_err());
    }
}
