//! The schemas of `schemas/`, embedded in the binary and compiled once per process.

use jsonschema::Validator;
use serde_json::Value;
use std::sync::LazyLock;

/// The request schema, as committed in `schemas/` (generated from the AppFlow model).
pub const REQUEST_SCHEMA: &str =
    include_str!("../../schemas/create-connector-profile.request.schema.json");
/// The request schema of `DescribeConnectorProfiles` (generated from the AppFlow model).
pub const DESCRIBE_SCHEMA: &str =
    include_str!("../../schemas/describe-connector-profiles.request.schema.json");
/// The request schema of `UpdateConnectorProfile` (generated from the AppFlow model).
pub const UPDATE_SCHEMA: &str =
    include_str!("../../schemas/update-connector-profile.request.schema.json");
/// The request schema of `DeleteConnectorProfile` (generated from the AppFlow model).
pub const DELETE_SCHEMA: &str =
    include_str!("../../schemas/delete-connector-profile.request.schema.json");
/// A describe's page (the AWS dialect's answer, the envelope's `data`).
pub const PAGE_SCHEMA: &str = include_str!("../../schemas/describe-page.schema.json");
/// The success envelope schema.
pub const SUCCESS_SCHEMA: &str = include_str!("../../schemas/success-envelope.schema.json");
/// The error envelope schema.
pub const ERROR_SCHEMA: &str = include_str!("../../schemas/error-envelope.schema.json");
/// The schema of the runner's JSON report.
pub const REPORT_SCHEMA: &str = include_str!("../../schemas/report.schema.json");

/// Which of the contract's schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaKind {
    /// The request body of `POST /create-connector-profile`.
    Request,
    /// The success envelope.
    Success,
    /// The error envelope.
    Error,
    /// The runner's JSON report.
    Report,
    /// The request body of `POST /describe-connector-profiles`.
    DescribeRequest,
    /// The request body of `POST /update-connector-profile`.
    UpdateRequest,
    /// The request body of `POST /delete-connector-profile`.
    DeleteRequest,
    /// A describe's page.
    DescribePage,
}

impl SchemaKind {
    /// Every schema, in declaration order (the index of each is `kind as usize`).
    pub const ALL: [SchemaKind; 8] = [
        SchemaKind::Request,
        SchemaKind::Success,
        SchemaKind::Error,
        SchemaKind::Report,
        SchemaKind::DescribeRequest,
        SchemaKind::UpdateRequest,
        SchemaKind::DeleteRequest,
        SchemaKind::DescribePage,
    ];

    /// The schema's name (`request`, `success`, `error`, `report`).
    pub const fn name(self) -> &'static str {
        match self {
            SchemaKind::Request => "request",
            SchemaKind::Success => "success",
            SchemaKind::Error => "error",
            SchemaKind::Report => "report",
            SchemaKind::DescribeRequest => "describe",
            SchemaKind::UpdateRequest => "update",
            SchemaKind::DeleteRequest => "delete",
            SchemaKind::DescribePage => "page",
        }
    }

    /// The schema's text as committed.
    pub const fn text(self) -> &'static str {
        match self {
            SchemaKind::Request => REQUEST_SCHEMA,
            SchemaKind::Success => SUCCESS_SCHEMA,
            SchemaKind::Error => ERROR_SCHEMA,
            SchemaKind::Report => REPORT_SCHEMA,
            SchemaKind::DescribeRequest => DESCRIBE_SCHEMA,
            SchemaKind::UpdateRequest => UPDATE_SCHEMA,
            SchemaKind::DeleteRequest => DELETE_SCHEMA,
            SchemaKind::DescribePage => PAGE_SCHEMA,
        }
    }

    /// The schema parsed as JSON (parsed once).
    pub fn value(self) -> &'static Value {
        static PARSED: LazyLock<[Value; 8]> = LazyLock::new(|| {
            SchemaKind::ALL
                .map(|k| serde_json::from_str(k.text()).expect("embedded schema is JSON"))
        });
        &PARSED[self as usize]
    }

    /// The compiled validator (compiled once; format assertions on, so `date-time` is checked).
    pub fn validator(self) -> &'static Validator {
        static COMPILED: LazyLock<[Validator; 8]> = LazyLock::new(|| {
            SchemaKind::ALL.map(|k| compile(k.value()).expect("embedded schema compiles"))
        });
        &COMPILED[self as usize]
    }

    /// The same schema compiled for in-place documents ([`super::doc::Doc`]): what [`Self::validator`]
    /// decides, read through another representation (compiled once).
    pub fn doc_validator(self) -> &'static Validator<super::doc::DocJson> {
        static COMPILED: LazyLock<[Validator<super::doc::DocJson>; 8]> = LazyLock::new(|| {
            SchemaKind::ALL.map(|k| {
                compile_for::<super::doc::DocJson>(k.value()).expect("embedded schema compiles")
            })
        });
        &COMPILED[self as usize]
    }
}

/// Compiles a schema the way the contract's schemas are compiled: draft 2020-12, `format` asserted, and
/// patterns run by the `regex` crate (linear time; every pattern of the contract is a plain regular
/// expression, and it is several times faster than the backtracking default).
pub fn compile(schema: &Value) -> Result<Validator, jsonschema::ValidationError<'static>> {
    compile_for::<jsonschema::json::SerdeJson>(schema)
}

/// [`compile`] for another JSON representation of the instances.
pub fn compile_for<F: jsonschema::json::Json>(
    schema: &Value,
) -> Result<Validator<F>, jsonschema::ValidationError<'static>> {
    jsonschema::options_for::<F>()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_pattern_options(jsonschema::PatternOptions::regex())
        .build(schema)
}

/// The connector types the request schema accepts, in the model's order.
pub fn connector_types() -> &'static [String] {
    static TYPES: LazyLock<Vec<String>> = LazyLock::new(|| {
        SchemaKind::Request.value()["properties"]["connectorType"]["enum"]
            .as_array()
            .expect("request schema lists connector types")
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    });
    &TYPES
}

/// The key under `connectorProfileProperties` / `connectorProfileCredentials` that a connector type uses,
/// or `None` for types whose structures are empty (S3, EventBridge, …). Read from the schema.
pub fn connector_key(connector_type: &str) -> Option<&'static str> {
    SchemaKind::Request.value()["properties"]["connectorType"]["x-connector-keys"]
        .get(connector_type)
        .and_then(Value::as_str)
}

impl std::str::FromStr for SchemaKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SchemaKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                format!("unknown schema `{s}` (request, success, error, report, describe, update, delete, page)")
            })
    }
}
