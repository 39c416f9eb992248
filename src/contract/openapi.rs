//! An OpenAPI 3.1 document for the endpoint, built from the same schemas (for Schemathesis, Prism, Dredd).

use super::errors::ErrorCode;
use super::schema::SchemaKind;
use serde_json::{Map, Value, json};

/// Moves a schema's `$defs` into `components/schemas` and rewrites its references to match.
fn lift_defs(schema: &Value, components: &mut Map<String, Value>) -> Value {
    let mut s = schema.clone();
    if let Some(obj) = s.as_object_mut() {
        obj.remove("$schema");
        obj.remove("$id");
        if let Some(Value::Object(defs)) = obj.remove("$defs") {
            for (name, def) in defs {
                components.insert(name, def);
            }
        }
    }
    rewrite_refs(&mut s);
    for def in components.values_mut() {
        rewrite_refs(def);
    }
    s
}

fn rewrite_refs(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref")
                && let Some(name) = r.strip_prefix("#/$defs/")
            {
                *r = format!("#/components/schemas/{name}");
            }
            map.values_mut().for_each(rewrite_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

fn envelope(kind: SchemaKind) -> Value {
    let mut s = kind.value().clone();
    if let Some(obj) = s.as_object_mut() {
        obj.remove("$schema");
        obj.remove("$id");
    }
    s
}

/// The OpenAPI 3.1 document.
pub fn openapi() -> Value {
    let mut components = Map::new();
    let request = lift_defs(SchemaKind::Request.value(), &mut components);
    components.insert("CreateConnectorProfileRequest".into(), request);
    components.insert("SuccessEnvelope".into(), envelope(SchemaKind::Success));
    components.insert("ErrorEnvelope".into(), envelope(SchemaKind::Error));

    let error_response = |desc: String| {
        json!({
            "description": desc,
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorEnvelope" } } }
        })
    };
    let mut responses = Map::new();
    responses.insert(
        "200".into(),
        json!({
            "description": "Created, or the replay of an earlier create with the same clientToken",
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SuccessEnvelope" } } }
        }),
    );
    let mut by_status: std::collections::BTreeMap<u16, Vec<&str>> = Default::default();
    for code in ErrorCode::ALL {
        if code != ErrorCode::NotFound {
            by_status
                .entry(code.status())
                .or_default()
                .push(code.as_str());
        }
    }
    for (status, codes) in by_status {
        let mut resp = error_response(format!("Error envelope with code {}", codes.join(" or ")));
        if status == 405 {
            resp["headers"] =
                json!({ "Allow": { "schema": { "type": "string", "const": "POST" } } });
        }
        responses.insert(status.to_string(), resp);
    }

    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Amazon AppFlow CreateConnectorProfile (appflow-harness contract)",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The create-connector-profile contract: request schema generated from the AppFlow model, success/error envelopes, idempotent retries with clientToken, unique names and a 100-profile quota per account."
        },
        "paths": {
            "/create-connector-profile": {
                "post": {
                    "operationId": "createConnectorProfile",
                    "summary": "Create a connector profile",
                    "parameters": [{
                        "name": "X-Account-Id",
                        "in": "header",
                        "required": false,
                        "description": "The caller's account (12 digits); 000000000000 when absent.",
                        "schema": { "type": "string", "pattern": "^[0-9]{12}$" }
                    }],
                    "requestBody": {
                        "required": true,
                        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/CreateConnectorProfileRequest" } } }
                    },
                    "responses": responses
                }
            }
        },
        "components": { "schemas": components }
    })
}
