//! The request schemas of `DescribeConnectorProfiles`, `UpdateConnectorProfile` and
//! `DeleteConnectorProfile`, generated from the model like the create's, with the same decisions:
//! whole-value ASCII patterns, unknown members refused, and (for an update) the same
//! `connectorProfileConfig` structures. An update's config is checked against the profile's stored
//! type by the create's own rules, once the profile is found; its schema holds the type-free part.

use super::{CodegenError, Gen, config_def, containers};
use crate::contract::Operation;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Our own descriptions of the operations' members (the model's wording is not copied).
const DESCRIPTIONS: &[(&str, &str)] = &[
    (
        "connectorProfileNames",
        "Only the profiles of these names (none: every profile).",
    ),
    ("connectorType", "Only profiles of this connector type."),
    (
        "connectorLabel",
        "Only profiles of this custom connector's label.",
    ),
    (
        "maxResults",
        "The most profiles a page holds (20 when absent).",
    ),
    (
        "nextToken",
        "The previous page's token: the next page of the same query.",
    ),
    ("connectorProfileName", "The name of the profile."),
    (
        "connectionMode",
        "Public for internet routing, Private for AWS PrivateLink.",
    ),
    (
        "connectorProfileConfig",
        "The new properties (required) and credentials (optional, secret).",
    ),
    (
        "clientToken",
        "Idempotency token of the update: a retry with the same token and parameters within 8 hours returns the first answer.",
    ),
    (
        "forceDelete",
        "Delete even if flows use the profile (none do here).",
    ),
];

/// The `$id` of an operation's generated request schema.
pub fn schema_id(op: Operation) -> String {
    format!(
        "https://appflow-harness.dev/schemas/{}.request.schema.json",
        op.path().trim_start_matches('/')
    )
}

/// Builds the request schema of `op` (not `Create`, see [`super::generate_request_schema`]).
pub fn generate_operation_schema(model: &Value, op: Operation) -> Result<Value, CodegenError> {
    if op == Operation::Create {
        return super::generate_request_schema(model);
    }
    let shapes = model
        .get("shapes")
        .and_then(Value::as_object)
        .ok_or_else(|| CodegenError::Missing("shapes".into()))?;
    let mut g = Gen {
        shapes,
        defs: BTreeMap::new(),
    };
    let input = g.shape(op.input_shape())?;
    let members = input
        .get("members")
        .and_then(Value::as_object)
        .ok_or_else(|| CodegenError::Missing(format!("{} members", op.input_shape())))?;
    let mut props = Map::new();
    let mut config = false;
    for (member, spec) in members {
        let mut schema = if member == "connectorProfileConfig" {
            config = true;
            json!({ "$ref": "#/$defs/ConnectorProfileConfig" })
        } else {
            let target = spec
                .get("shape")
                .and_then(Value::as_str)
                .ok_or_else(|| CodegenError::Missing(format!("shape of {member}")))?;
            g.schema_for(target)?
        };
        if member == "connectorProfileName" {
            schema["minLength"] = json!(1);
        }
        if let Some((_, d)) = DESCRIPTIONS.iter().find(|(m, _)| m == member) {
            schema["description"] = json!(d);
        }
        props.insert(member.clone(), schema);
    }
    let mut defs = Map::new();
    if config {
        let (containers, _) = containers(&mut g)?;
        defs.insert("ConnectorProfileConfig".into(), config_def());
        for (name, schema) in containers {
            defs.insert(name, schema);
        }
    }
    let mut all: Map<String, Value> = g.defs.into_iter().collect();
    all.extend(defs);
    let required = input.get("required").cloned().unwrap_or(json!([]));
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id(op),
        "title": format!("{} request", op.input_shape().trim_end_matches("Request")),
        "description": format!("Body of POST {}. Generated from the AppFlow API model by `appflow-harness schema generate`; do not edit by hand.", op.path()),
        "type": "object",
        "required": required,
        "properties": props,
        "additionalProperties": false,
    });
    if !all.is_empty() {
        schema["$defs"] = Value::Object(all);
    }
    Ok(schema)
}
