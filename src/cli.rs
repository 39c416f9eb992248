//! The command line: clap definitions, their validation into typed options, and dispatch.
//!
//! Raw flags ([`Cli`]) are validated into options (`check::CheckOptions`, `load::LoadOptions`,
//! a [`StubConfig`], …) before anything runs; `main.rs` only parses, calls [`run`] and maps the
//! result to an exit code.

use crate::contract::{self, SchemaKind};
use crate::stub::{self, Engine, Fault, Stub, StubConfig};
use crate::{Error, Outcome};
use clap::{Args, Parser, Subcommand};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Contract tests, a stub and load generation for Amazon AppFlow's CreateConnectorProfile.
///
/// Exit codes: 0 all checks passed / document valid / thresholds met; 1 a check failed, a document is
/// invalid or a threshold was missed; 2 the harness could not run (bad arguments, unreadable input,
/// unreachable target, nothing ran).
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
    Schema(SchemaCommand),
    /// Run the contract stub as an HTTP server.
    Serve(ServeArgs),
    /// Check that a service keeps the contract (the embedded stub when no --base-url is given).
    Check(Box<crate::check::CheckArgs>),
    /// Run a goose load scenario against a service (the embedded stub when no --host is given).
    Load(Box<crate::load::LoadArgs>),
    /// Send the same deterministic traffic to two implementations and show every answer that differs.
    ///
    /// Exit 0 when no answer differs, 1 when some do, 2 when it cannot run.
    Diff(DiffArgs),
}

/// `diff …` (raw flags).
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The two implementations: --base-url A --base-url B.
    #[arg(long = "base-url", value_name = "URL", required = true, num_args = 1)]
    pub base_urls: Vec<String>,
    /// Seed of the generated requests (both sides get the same).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Which checks' traffic both sides get, and how it is sent.
    #[command(flatten)]
    pub traffic: crate::check::TrafficArgs,
}

impl DiffArgs {
    /// The run options of each side.
    pub fn validate(
        self,
    ) -> Result<(crate::check::CheckOptions, crate::check::CheckOptions), Error> {
        let [a, b] = <[String; 2]>::try_from(self.base_urls).map_err(|v| {
            Error::Usage(format!(
                "diff takes exactly two --base-url, got {}",
                v.len()
            ))
        })?;
        let side = |url: String| {
            crate::check::CheckArgs {
                base_url: Some(url),
                traffic: self.traffic.clone(),
                concurrency: crate::check::DEFAULT_CONCURRENCY,
                repeat: 1,
                seed: self.seed,
                admin_url: None,
                contract: None,
                reports: Vec::new(),
                snapshots: None,
                engine: Engine::default(),
                stub_faults: Vec::new(),
                quiet: true,
                list: false,
            }
            .validate()
        };
        Ok((side(a)?, side(b)?))
    }
}

/// `schema …`.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Print one of the schemas.
    Print {
        /// Which schema.
        #[arg(value_enum)]
        which: SchemaKind,
    },
    /// Validate a request document (a file, or - for standard input).
    ///
    /// Exit 0 when valid; 1 when invalid (each violation is printed as `POINTER: reason`);
    /// 2 when the input cannot be read or is not JSON.
    Validate {
        /// The document's path, or - for standard input.
        file: String,
    },
    /// Print an OpenAPI 3.1 document for the endpoint (for Schemathesis, Prism, Dredd).
    Openapi,
    /// Regenerate the request schema from the AppFlow API model and print it.
    ///
    /// `appflow-harness schema generate ../shared/reference/appflow-2020-08-23.service-2.json
    /// > schemas/create-connector-profile.request.schema.json`
    Generate {
        /// Path of `appflow-2020-08-23.service-2.json`.
        model: PathBuf,
    },
}

/// `serve …` (raw flags).
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the first line printed names it).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Which HTTP server carries the stub.
    #[arg(long, value_enum, default_value_t = Engine::Fast)]
    pub engine: Engine,
    /// Profiles per account.
    #[arg(long, default_value_t = contract::DEFAULT_QUOTA)]
    pub quota: u32,
    /// How long a client token stays bound (e.g. 8h, 30m, 90s).
    #[arg(long, default_value = "8h", value_parser = parse_duration)]
    pub ttl: Duration,
    /// Refuse requests without the X-Account-Id header (401).
    #[arg(long)]
    pub require_account: bool,
    /// Largest request body accepted (e.g. 256KiB, 1MiB, 1000).
    #[arg(long, default_value = "256KiB", value_parser = parse_size)]
    pub max_body: usize,
    /// Break one rule of the contract on purpose (repeatable), to prove a checker catches it.
    #[arg(long = "fault", value_enum)]
    pub faults: Vec<Fault>,
}

impl ServeArgs {
    /// The stub configuration these flags ask for.
    pub fn config(&self) -> StubConfig {
        StubConfig {
            quota: self.quota,
            token_ttl: self.ttl,
            require_account: self.require_account,
            max_body: self.max_body,
            faults: self.faults.iter().copied().collect(),
            ..StubConfig::default()
        }
    }
}

/// Parses a `-H 'Name: value'` flag; the value is marked sensitive (never shown in debug output).
pub fn parse_header(
    raw: &str,
) -> Result<(reqwest::header::HeaderName, reqwest::header::HeaderValue), Error> {
    let usage = |m: String| Error::Usage(m);
    let (name, value) = raw
        .split_once(':')
        .ok_or_else(|| usage("-H takes 'Name: value'".to_owned()))?;
    let name = reqwest::header::HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| usage(format!("-H: `{}` is not a header name", name.trim())))?;
    let mut value = reqwest::header::HeaderValue::from_str(value.trim())
        .map_err(|_| usage(format!("-H {name}: the value is not a valid header value")))?;
    value.set_sensitive(true);
    Ok((name, value))
}

/// Checks a base URL given with `flag` (http or https); returns it without a trailing slash.
pub fn parse_base_url(raw: &str, flag: &str) -> Result<String, Error> {
    let url = reqwest::Url::parse(raw).map_err(|e| Error::Usage(format!("{flag} `{raw}`: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Usage(format!(
            "{flag} `{raw}`: only http and https are supported"
        )));
    }
    Ok(raw.trim_end_matches('/').to_owned())
}

/// Parses `8h`, `30m`, `1500ms`, `2s` (humantime syntax).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim()).map_err(|e| format!("{e} (try 8h, 30m, 90s, 1500ms)"))
}

/// Parses `256KiB`, `1MiB`, `64kb`, `1000` into bytes.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: usize = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (try 256KiB, 1MiB, 1000)"))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        other => return Err(format!("unknown size unit `{other}` (use B, KiB or MiB)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

fn read_input(file: &str) -> Result<String, Error> {
    let io = |source| Error::Io {
        what: "cannot read the document",
        path: file.to_owned(),
        source,
    };
    if file == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(io)?;
        Ok(s)
    } else {
        std::fs::read_to_string(file).map_err(io)
    }
}

fn print_json(v: &serde_json::Value) -> Result<(), Error> {
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}").map_err(|source| Error::Io {
        what: "cannot write",
        path: "stdout".into(),
        source,
    })
}

fn schema_command(cmd: SchemaCommand) -> Result<Outcome, Error> {
    match cmd {
        SchemaCommand::Print { which } => {
            print!("{}", which.text());
            Ok(Outcome::Pass)
        }
        SchemaCommand::Openapi => {
            print_json(&contract::openapi::openapi())?;
            Ok(Outcome::Pass)
        }
        SchemaCommand::Generate { model } => {
            let text = std::fs::read_to_string(&model).map_err(|source| Error::Io {
                what: "cannot read the model",
                path: model.display().to_string(),
                source,
            })?;
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|source| Error::Json {
                    what: format!("the model {} is not JSON", model.display()),
                    source,
                })?;
            print_json(&contract::codegen::generate_request_schema(&value)?)?;
            Ok(Outcome::Pass)
        }
        SchemaCommand::Validate { file } => {
            let text = read_input(&file)?;
            let doc: serde_json::Value =
                serde_json::from_str(&text).map_err(|source| Error::Json {
                    what: format!("{file} is not JSON"),
                    source,
                })?;
            let violations = contract::validate(&doc);
            if violations.is_empty() {
                println!("valid: {file}");
                Ok(Outcome::Pass)
            } else {
                println!("invalid: {file} ({} violation(s))", violations.len());
                for v in violations {
                    println!("  {v}");
                }
                Ok(Outcome::Fail)
            }
        }
    }
}

async fn serve(args: ServeArgs) -> Result<Outcome, Error> {
    let stub = Arc::new(Stub::new(args.config()));
    let server = stub::start(args.addr, args.engine, stub).await?;
    println!("listening on {}", server.base_url());
    let _ = std::io::stdout().flush();
    if args.engine == Engine::Wiremock {
        eprintln!(
            "note: wiremock keeps a copy of every request it matched (about 5 KB each), so memory grows \
             and throughput falls as it serves; use --engine fast for long or heavy runs"
        );
    }
    wait_for_signal().await;
    server.shutdown().await;
    Ok(Outcome::Pass)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<Outcome, Error> {
    match cli.command {
        Command::Schema(cmd) => schema_command(cmd),
        Command::Serve(args) => serve(args).await,
        Command::Check(args) => crate::check::run_cli(*args).await,
        Command::Load(args) => crate::load::run_cli(*args).await,
        Command::Diff(args) => {
            let (a, b) = args.validate()?;
            crate::check::diff::run_cli(a, b).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("256KiB"), Ok(256 * 1024));
        assert_eq!(parse_size("1MiB"), Ok(1024 * 1024));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("12parsecs").is_err());
        assert!(parse_size("KiB").is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
