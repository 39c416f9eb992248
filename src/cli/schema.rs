//! `schema`: print, validate, export or regenerate the contract's schemas.

use super::{Outcome, read};
use anyhow::Context;
use appflow_harness::contract::{self, SchemaKind};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use std::io::Read;
use std::path::{Path, PathBuf};

/// `schema …`.
#[derive(Debug, clap::Subcommand)]
pub enum SchemaCommand {
    /// Print one of the schemas.
    Print {
        /// Which schema.
        #[arg(value_parser = PossibleValuesParser::new(SchemaKind::ALL.map(SchemaKind::name))
            .map(|s| s.parse::<SchemaKind>().expect("a listed name parses")))]
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
    /// Regenerate an operation's request schema from the AppFlow API model and print it.
    ///
    /// The model is `botocore/data/appflow/2020-08-23/service-2.json.gz` of the pinned botocore
    /// package (gzip or plain JSON): `bash schemas/appflow-model.sh` downloads it and prints its path.
    Generate {
        /// Path of `service-2.json.gz` (or of the uncompressed `service-2.json`).
        model: PathBuf,
        /// Which operation's request: create, describe, update or delete.
        #[arg(long, default_value = "create", value_parser = ["create", "describe", "update", "delete"])]
        operation: String,
    },
}

/// The model file's JSON text, gunzipped when it is gzip.
fn model_text(path: &Path) -> anyhow::Result<String> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read the model {}", path.display()))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut text)
            .with_context(|| format!("the model {} is not gzip of UTF-8", path.display()))?;
        Ok(text)
    } else {
        String::from_utf8(bytes)
            .with_context(|| format!("the model {} is not UTF-8", path.display()))
    }
}

fn print_json(v: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

/// Runs a `schema` subcommand.
pub fn run(cmd: SchemaCommand) -> anyhow::Result<Outcome> {
    match cmd {
        SchemaCommand::Print { which } => {
            print!("{}", which.text());
            Ok(Outcome::Pass)
        }
        SchemaCommand::Openapi => {
            print_json(&contract::openapi::openapi());
            Ok(Outcome::Pass)
        }
        SchemaCommand::Generate { model, operation } => {
            let value: serde_json::Value = serde_json::from_str(&model_text(&model)?)
                .with_context(|| format!("the model {} is not JSON", model.display()))?;
            let op = contract::Operation::ALL
                .into_iter()
                .find(|o| o.name() == operation)
                .unwrap_or(contract::Operation::Create);
            print_json(&contract::codegen::generate_operation_schema(&value, op)?);
            Ok(Outcome::Pass)
        }
        SchemaCommand::Validate { file } => {
            let text = if file == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("cannot read the document from standard input")?;
                s
            } else {
                read(Path::new(&file), "the document")?
            };
            let doc: serde_json::Value =
                serde_json::from_str(&text).with_context(|| format!("{file} is not JSON"))?;
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
