//! Generates the request schema from the public AppFlow API model.
//!
//! The per-connector structures (19 connectors, ~100 shapes) are never typed by hand: this module reads
//! the model's `CreateConnectorProfileRequest` and everything reachable from it and writes a JSON Schema
//! 2020-12 document. The decisions that CONTRACT.md adds on top of the model are applied here, once:
//!
//! * every pattern matches the **whole** value (`^(?:…)$`), as the service's Java `matches()` does;
//! * `\w`, `\d`, `\s`, `\S` are spelled out as ASCII classes so every regex dialect agrees with Java;
//! * unknown members are rejected at every level (`additionalProperties: false`);
//! * `connectorProfileProperties` / `connectorProfileCredentials` hold at most one key, the one that
//!   `connectorType` names (connector types without a structure take an empty object);
//! * `connectorLabel` is required exactly when `connectorType` is `CustomConnector`.
//!
//! Run it with `cargo run -- schema generate PATH/TO/appflow-2020-08-23.service-2.json`.

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

mod ops;

pub use ops::{generate_operation_schema, schema_id};

/// Why the model could not be turned into a schema.
#[derive(Debug, thiserror::Error)]
pub enum CodegenError {
    /// The model lacks a shape or a member the generator needs.
    #[error("the model has no {0}")]
    Missing(String),
    /// A shape has a type the generator does not know.
    #[error("shape {shape} has unsupported type {ty}")]
    UnsupportedType {
        /// The shape's name.
        shape: String,
        /// Its type.
        ty: String,
    },
}

/// The `$id` of the generated request schema.
pub const REQUEST_SCHEMA_ID: &str =
    "https://appflow-harness.dev/schemas/create-connector-profile.request.schema.json";

/// Our own descriptions of the top-level members (the model's wording is not copied).
const TOP_DESCRIPTIONS: &[(&str, &str)] = &[
    (
        "connectorProfileName",
        "Name of the new profile; unique within the caller's account.",
    ),
    (
        "connectorType",
        "Which connector the profile is for; one of the AppFlow connector types, spelled exactly.",
    ),
    (
        "connectorLabel",
        "Label of a registered custom connector; required when connectorType is CustomConnector.",
    ),
    (
        "connectionMode",
        "Public for internet routing, Private for AWS PrivateLink.",
    ),
    (
        "connectorProfileConfig",
        "Connector-specific properties (required) and credentials (optional, secret).",
    ),
    (
        "kmsArn",
        "Customer-managed KMS key for encrypting the profile; the AppFlow-managed key when absent.",
    ),
    (
        "clientToken",
        "Idempotency token: a retry with the same token and parameters within 8 hours returns the first answer.",
    ),
];

/// Translates one of the model's Java patterns into a dialect-neutral, whole-value ECMA-262 pattern.
pub fn translate_pattern(java: &str) -> String {
    const WORD: &str = "A-Za-z0-9_";
    const SPACE: &str = " \\t\\n\\x0B\\f\\r";
    let mut out = String::with_capacity(java.len() + 16);
    let mut in_class = false;
    let mut chars = java.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let (inner, negated) = match n {
                    'w' => (WORD, false),
                    'W' => (WORD, true),
                    'd' => ("0-9", false),
                    'D' => ("0-9", true),
                    's' => (SPACE, false),
                    'S' => (SPACE, true),
                    other => {
                        out.push('\\');
                        out.push(other);
                        continue;
                    }
                };
                match (in_class, negated) {
                    (true, false) => out.push_str(inner),
                    (false, false) => {
                        out.push('[');
                        out.push_str(inner);
                        out.push(']');
                    }
                    (false, true) => {
                        out.push_str("[^");
                        out.push_str(inner);
                        out.push(']');
                    }
                    // A negated class inside a class cannot be spelled out; keep the escape.
                    (true, true) => {
                        out.push('\\');
                        out.push(n);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    format!("^(?:{out})$")
}

/// CONTRACT.md, *Changed after the second release*: an optional string member inside
/// `connectorProfileConfig` that sets no minimum length (and is no enum) accepts `""`, whatever its
/// pattern, because SDK-based tools send `""` for every optional string left unset and AppFlow accepts
/// it. The structures this generator builds are exactly those under `connectorProfileConfig`, so it is
/// applied to their optional members: `^(?:X)$` becomes `^(?:X)?$`.
fn allow_empty(schema: &mut Value) {
    let plain_string = schema.get("type") == Some(&json!("string"))
        && schema.get("enum").is_none()
        && schema.get("minLength").is_none();
    if let (true, Some(Value::String(p))) = (plain_string, schema.get_mut("pattern"))
        && let Some(inner) = p.strip_prefix("^(?:").and_then(|r| r.strip_suffix(")$"))
    {
        *p = format!("^(?:{inner})?$");
    }
}

struct Gen<'a> {
    shapes: &'a Map<String, Value>,
    defs: BTreeMap<String, Value>,
}

impl<'a> Gen<'a> {
    fn shape(&self, name: &str) -> Result<&'a Map<String, Value>, CodegenError> {
        self.shapes
            .get(name)
            .and_then(Value::as_object)
            .ok_or_else(|| CodegenError::Missing(format!("shape {name}")))
    }

    /// A schema for a shape: scalars inline, structures as `$defs` entries referenced by `$ref`.
    fn schema_for(&mut self, name: &str) -> Result<Value, CodegenError> {
        let shape = self.shape(name)?;
        let ty = shape.get("type").and_then(Value::as_str).unwrap_or("");
        let num = |k: &str| shape.get(k).and_then(Value::as_i64);
        let mut out = Map::new();
        match ty {
            "string" => {
                if let Some(values) = shape.get("enum") {
                    out.insert("type".into(), json!("string"));
                    out.insert("enum".into(), values.clone());
                } else {
                    out.insert("type".into(), json!("string"));
                    if let Some(min) = num("min").filter(|m| *m > 0) {
                        out.insert("minLength".into(), json!(min));
                    }
                    if let Some(max) = num("max") {
                        out.insert("maxLength".into(), json!(max));
                    }
                    if let Some(p) = shape.get("pattern").and_then(Value::as_str) {
                        out.insert("pattern".into(), json!(translate_pattern(p)));
                    }
                }
            }
            "integer" | "long" => {
                out.insert("type".into(), json!("integer"));
                if let Some(min) = num("min") {
                    out.insert("minimum".into(), json!(min));
                }
                if let Some(max) = num("max") {
                    out.insert("maximum".into(), json!(max));
                }
            }
            "boolean" => {
                out.insert("type".into(), json!("boolean"));
            }
            "list" => {
                let member = shape
                    .get("member")
                    .and_then(|m| m.get("shape"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| CodegenError::Missing(format!("member of list {name}")))?;
                out.insert("type".into(), json!("array"));
                out.insert("items".into(), self.schema_for(member)?);
                if let Some(min) = num("min").filter(|m| *m > 0) {
                    out.insert("minItems".into(), json!(min));
                }
                if let Some(max) = num("max") {
                    out.insert("maxItems".into(), json!(max));
                }
            }
            "map" => {
                let part = |k: &str| {
                    shape
                        .get(k)
                        .and_then(|m| m.get("shape"))
                        .and_then(Value::as_str)
                        .ok_or_else(|| CodegenError::Missing(format!("{k} of map {name}")))
                };
                let (key, value) = (part("key")?, part("value")?);
                out.insert("type".into(), json!("object"));
                out.insert("propertyNames".into(), self.schema_for(key)?);
                out.insert("additionalProperties".into(), self.schema_for(value)?);
                if let Some(min) = num("min").filter(|m| *m > 0) {
                    out.insert("minProperties".into(), json!(min));
                }
                if let Some(max) = num("max") {
                    out.insert("maxProperties".into(), json!(max));
                }
            }
            "structure" => {
                if !self.defs.contains_key(name) {
                    // Reserve the name first so recursive shapes terminate.
                    self.defs.insert(name.to_owned(), Value::Null);
                    let def = self.structure(name, shape)?;
                    self.defs.insert(name.to_owned(), def);
                }
                return Ok(json!({ "$ref": format!("#/$defs/{name}") }));
            }
            other => {
                return Err(CodegenError::UnsupportedType {
                    shape: name.to_owned(),
                    ty: other.to_owned(),
                });
            }
        }
        Ok(Value::Object(out))
    }

    fn structure(&mut self, name: &str, shape: &Map<String, Value>) -> Result<Value, CodegenError> {
        let members = shape
            .get("members")
            .and_then(Value::as_object)
            .ok_or_else(|| CodegenError::Missing(format!("members of {name}")))?;
        let required: Vec<&str> = shape
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut props = Map::new();
        for (member, spec) in members {
            let target = spec
                .get("shape")
                .and_then(Value::as_str)
                .ok_or_else(|| CodegenError::Missing(format!("shape of {name}.{member}")))?;
            let mut schema = self.schema_for(target)?;
            if !required.contains(&member.as_str()) {
                allow_empty(&mut schema);
            }
            props.insert(member.clone(), schema);
        }
        let mut out = Map::new();
        out.insert("type".into(), json!("object"));
        out.insert(
            "description".into(),
            json!(format!(
                "The model's {name} structure; unknown members are rejected."
            )),
        );
        if let Some(req) = shape.get("required") {
            out.insert("required".into(), req.clone());
        }
        out.insert("properties".into(), Value::Object(props));
        out.insert("additionalProperties".into(), json!(false));
        Ok(Value::Object(out))
    }
}

/// The config's two containers (`ConnectorProfileProperties`, `ConnectorProfileCredentials`), built
/// explicitly so the one-key rule can be attached; and every connector key the model has.
fn containers(g: &mut Gen<'_>) -> Result<(Map<String, Value>, Vec<String>), CodegenError> {
    // The config's two containers, built explicitly so the one-key rule can be attached.
    let mut containers = Map::new();
    let mut keys: Vec<String> = Vec::new();
    for container in ["ConnectorProfileProperties", "ConnectorProfileCredentials"] {
        let shape = g.shape(container)?;
        let cmembers = shape
            .get("members")
            .and_then(Value::as_object)
            .ok_or_else(|| CodegenError::Missing(format!("members of {container}")))?;
        let mut props = Map::new();
        for (key, spec) in cmembers {
            let target = spec
                .get("shape")
                .and_then(Value::as_str)
                .ok_or_else(|| CodegenError::Missing(format!("shape of {container}.{key}")))?;
            props.insert(key.clone(), g.schema_for(target)?);
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
        let what = if container.ends_with("Properties") {
            "properties"
        } else {
            "credentials (secret: never echoed, logged or reported)"
        };
        containers.insert(
            container.to_owned(),
            json!({
                "type": "object",
                "description": format!("The connector {what}, under the one key that connectorType names."),
                "maxProperties": 1,
                "properties": props,
                "additionalProperties": false
            }),
        );
    }

    Ok((containers, keys))
}

/// The `ConnectorProfileConfig` definition: properties (required) and credentials (optional).
fn config_def() -> Value {
    json!({
        "type": "object",
        "description": "Connector-specific configuration: properties (required) and credentials (optional).",
        "required": ["connectorProfileProperties"],
        "properties": {
            "connectorProfileProperties": { "$ref": "#/$defs/ConnectorProfileProperties" },
            "connectorProfileCredentials": { "$ref": "#/$defs/ConnectorProfileCredentials" }
        },
        "additionalProperties": false
    })
}

/// Builds the request schema from the AppFlow model (`appflow-2020-08-23.service-2.json`, parsed).
pub fn generate_request_schema(model: &Value) -> Result<Value, CodegenError> {
    let shapes = model
        .get("shapes")
        .and_then(Value::as_object)
        .ok_or_else(|| CodegenError::Missing("shapes".into()))?;
    let mut g = Gen {
        shapes,
        defs: BTreeMap::new(),
    };
    let request = g.shape("CreateConnectorProfileRequest")?;
    let members = request
        .get("members")
        .and_then(Value::as_object)
        .ok_or_else(|| CodegenError::Missing("CreateConnectorProfileRequest members".into()))?;

    let connector_types: Vec<String> = g
        .shape("ConnectorType")?
        .get("enum")
        .and_then(Value::as_array)
        .ok_or_else(|| CodegenError::Missing("ConnectorType enum".into()))?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();

    let (containers, keys) = containers(&mut g)?;

    // Map each connector type to the model key that holds its structures (case differs for three).
    let mut key_of: Map<String, Value> = Map::new();
    for t in &connector_types {
        let key = keys.iter().find(|k| k.eq_ignore_ascii_case(t));
        key_of.insert(t.clone(), key.map_or(Value::Null, |k| json!(k)));
    }

    let mut props = Map::new();
    for (member, spec) in members {
        let mut schema = if member == "connectorProfileConfig" {
            json!({ "$ref": "#/$defs/ConnectorProfileConfig" })
        } else {
            let target = spec
                .get("shape")
                .and_then(Value::as_str)
                .ok_or_else(|| CodegenError::Missing(format!("shape of {member}")))?;
            g.schema_for(target)?
        };
        if member == "connectorProfileName" {
            // CONTRACT.md: 1..256 (the pattern's `+` already implies it; say it plainly).
            schema["minLength"] = json!(1);
        }
        if member == "connectorType" {
            schema["x-connector-keys"] = Value::Object(key_of.clone());
        }
        if let Some((_, d)) = TOP_DESCRIPTIONS.iter().find(|(m, _)| m == member) {
            schema["description"] = json!(d);
        }
        props.insert(member.clone(), schema);
    }

    let mut defs: Map<String, Value> = g.defs.into_iter().collect();
    defs.insert("ConnectorProfileConfig".into(), config_def());
    for (name, schema) in containers {
        defs.insert(name, schema);
    }

    // The containers may only hold the key that connectorType names (or nothing). As 24 separate
    // if/then rules every request pays for 24 evaluations; as a balanced decision tree over the
    // connector types it pays for about five, with the same meaning. The guard applies the tree only
    // when connectorType is present and known (otherwise that member's own error says why).
    let only_key = |t: &String| match key_of.get(t) {
        Some(Value::String(k)) => json!({ "propertyNames": { "const": k } }),
        _ => json!({ "maxProperties": 0 }),
    };
    fn tree(types: &[String], only_key: &dyn Fn(&String) -> Value) -> Value {
        if let [t] = types {
            let only = only_key(t);
            return json!({ "properties": { "connectorProfileConfig": { "properties": {
                "connectorProfileProperties": only,
                "connectorProfileCredentials": only
            } } } });
        }
        let (left, right) = types.split_at(types.len() / 2);
        json!({
            "if": { "properties": { "connectorType": { "enum": left } } },
            "then": tree(left, only_key),
            "else": tree(right, only_key)
        })
    }
    let rules = vec![
        json!({
            "if": { "properties": { "connectorType": { "const": "CustomConnector" } }, "required": ["connectorType"] },
            "then": { "required": ["connectorLabel"] }
        }),
        json!({
            "description": "The connector key of connectorProfileProperties / connectorProfileCredentials must be the one connectorType names (x-connector-keys).",
            "if": { "properties": { "connectorType": { "enum": connector_types } }, "required": ["connectorType"] },
            "then": tree(&connector_types, &only_key)
        }),
    ];

    let required = request.get("required").cloned().unwrap_or(json!([]));
    Ok(json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": REQUEST_SCHEMA_ID,
        "title": "CreateConnectorProfile request",
        "description": "Body of POST /create-connector-profile. Generated from the AppFlow API model by `appflow-harness schema generate`; do not edit by hand.",
        "type": "object",
        "required": required,
        "properties": props,
        "additionalProperties": false,
        "allOf": rules,
        "$defs": defs
    }))
}

#[cfg(test)]
mod tests {
    use super::translate_pattern;

    #[test]
    fn translates_java_classes_to_ascii_and_anchors() {
        assert_eq!(
            translate_pattern(r"[\w/!@#+=.-]+"),
            r"^(?:[A-Za-z0-9_/!@#+=.-]+)$"
        );
        assert_eq!(translate_pattern(r"\S+"), r"^(?:[^ \t\n\x0B\f\r]+)$");
        assert_eq!(translate_pattern(r"^\d{3}$"), r"^(?:^[0-9]{3}$)$");
        assert_eq!(
            translate_pattern(r"[\s\w/]*"),
            r"^(?:[ \t\n\x0B\f\rA-Za-z0-9_/]*)$"
        );
        assert_eq!(translate_pattern(r"a\.b\-"), r"^(?:a\.b\-)$");
    }
}
