//! Reading an answer's framing: the envelope (in place when it can) or AppFlow's REST-JSON, with
//! the breaches of the framing found on the way.

use super::{Answer, Breach, Shape};
use crate::contract::Operation;
use crate::contract::doc::Doc;
use crate::contract::errors::ErrorTable;
use crate::contract::schema::SchemaKind;
use crate::contract::validate::validate_against;
use serde_json::Value;

/// The AppFlow model's `ConnectorProfileArn` pattern, anchored.
fn is_connector_profile_arn(s: &str) -> bool {
    static ARN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^arn:aws:appflow:.*:[0-9]+:.*$").expect("a valid pattern")
    });
    !s.is_empty() && s.len() <= 512 && ARN.is_match(s)
}

/// Reads an AWS REST-JSON answer: `{"connectorProfileArn"}` for a 2xx, an exception named by
/// `x-amzn-errortype` (or the body's `__type`) with a `message` for a 4xx/5xx.
pub(super) fn aws(table: &ErrorTable, answer: &Answer<'_>, breaches: &mut Vec<Breach>) -> Shape {
    let value = if answer.truncated {
        None
    } else {
        serde_json::from_slice::<Value>(answer.body).ok()
    };
    let Some(v) = value.filter(Value::is_object) else {
        breaches.push(Breach::NotJson {
            truncated: answer.truncated,
        });
        return Shape::NotAnEnvelope;
    };
    if (200..300).contains(&answer.status) {
        match answer.op {
            // A page, and a delete's `{}`: no ARN to read.
            Operation::Describe => {
                page_breach(&v, breaches);
                return Shape::Success { id: None };
            }
            Operation::Delete => return Shape::Success { id: None },
            Operation::Create | Operation::Update => {}
        }
        let arn = v.get("connectorProfileArn").and_then(Value::as_str);
        if !arn.is_some_and(is_connector_profile_arn) {
            breaches.push(Breach::Schema {
                kind: SchemaKind::Success,
                reasons: vec![
                    "/connectorProfileArn: must be the profile's ARN (arn:aws:appflow:REGION:ACCOUNT:…)"
                        .into(),
                ],
            });
        }
        return Shape::Success {
            id: arn.map(str::to_owned),
        };
    }
    if answer.status < 400 {
        return Shape::NotAnEnvelope;
    }
    // The exception's name, as botocore reads it: the header, else the body's `__type`, else `code`.
    let name = answer
        .error_type
        .map(|t| t.split(':').next().unwrap_or(t).trim())
        .or_else(|| {
            v.get("__type")
                .and_then(Value::as_str)
                .map(|t| t.rsplit('#').next().unwrap_or(t))
        })
        .or_else(|| v.get("code").and_then(Value::as_str))
        .unwrap_or_default();
    let mut reasons = Vec::new();
    if name.is_empty() {
        reasons.push("no x-amzn-errortype header (nor __type) names the exception".to_owned());
    }
    let message = ["message", "Message"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str));
    if message.is_none_or(str::is_empty) {
        reasons.push("/message: missing or empty".to_owned());
    }
    if !reasons.is_empty() {
        breaches.push(Breach::Schema {
            kind: SchemaKind::Error,
            reasons,
        });
    }
    Shape::Error {
        wire: name.to_owned(),
        code: table.code_of(name),
    }
}

/// A describe page's breaches of its schema.
fn page_breach(page: &Value, breaches: &mut Vec<Breach>) {
    let reasons: Vec<String> = validate_against(SchemaKind::DescribePage, page)
        .into_iter()
        .map(|x| x.to_string())
        .collect();
    if !reasons.is_empty() {
        breaches.push(Breach::Schema {
            kind: SchemaKind::DescribePage,
            reasons,
        });
    }
}

/// Reads the envelope (in place when it can) and records the schema's and the flag's breaches.
pub(super) fn envelope(
    table: &ErrorTable,
    answer: &Answer<'_>,
    breaches: &mut Vec<Breach>,
) -> Shape {
    if answer.op == Operation::Describe {
        // A describe's success holds a page, not a profile: read it as a value.
        if let Some(v) = (!answer.truncated)
            .then(|| serde_json::from_slice::<Value>(answer.body).ok())
            .flatten()
            && v.get("success") == Some(&Value::Bool(true))
        {
            if v.get("error").is_some() {
                breaches.push(Breach::Schema {
                    kind: SchemaKind::Success,
                    reasons: vec!["(root): a success envelope must not carry error".into()],
                });
            }
            page_breach(&v["data"], breaches);
            return Shape::Success { id: None };
        }
    }
    if !answer.truncated
        && let Some(doc) = Doc::parse(answer.body)
    {
        let root = doc.root();
        let Some((kind, shape)) = envelope_shape(
            table,
            root.get_bool("success"),
            || root.get("data").and_then(|d| d.get_str("id")),
            || root.get("error").and_then(|e| e.get_str("code")),
        ) else {
            breaches.push(Breach::SuccessFlag);
            return Shape::NotAnEnvelope;
        };
        if !kind.doc_validator().is_valid(root) {
            // Worded through the `Value` path; the verdict is the same (tested).
            if let Ok(v) = serde_json::from_slice::<Value>(answer.body) {
                schema_breach(table, kind, &v, breaches);
            }
        }
        return shape;
    }
    let value = if answer.truncated {
        None
    } else {
        serde_json::from_slice::<Value>(answer.body).ok()
    };
    let Some(v) = value else {
        breaches.push(Breach::NotJson {
            truncated: answer.truncated,
        });
        return Shape::NotAnEnvelope;
    };
    let Some((kind, shape)) = envelope_shape(
        table,
        v.get("success").and_then(Value::as_bool),
        || v["data"]["id"].as_str(),
        || v["error"]["code"].as_str(),
    ) else {
        breaches.push(Breach::SuccessFlag);
        return Shape::NotAnEnvelope;
    };
    schema_breach(table, kind, &v, breaches);
    shape
}

/// The envelope's schema and shape from its `success` flag, `data.id` and `error.code` (whichever
/// representation read them); `None` when the flag is missing or not a boolean.
fn envelope_shape<'a>(
    table: &ErrorTable,
    success: Option<bool>,
    id: impl FnOnce() -> Option<&'a str>,
    code: impl FnOnce() -> Option<&'a str>,
) -> Option<(SchemaKind, Shape)> {
    match success? {
        true => Some((
            SchemaKind::Success,
            Shape::Success {
                id: id().map(str::to_owned),
            },
        )),
        false => {
            let wire = code().unwrap_or_default();
            Some((
                SchemaKind::Error,
                Shape::Error {
                    wire: wire.to_owned(),
                    code: table.code_of(wire),
                },
            ))
        }
    }
}

fn schema_breach(table: &ErrorTable, kind: SchemaKind, v: &Value, breaches: &mut Vec<Breach>) {
    // A team that renamed the codes is held to its own names, not to the schema's enum of ours.
    let renamed = table.renames_codes();
    let reasons: Vec<String> = validate_against(kind, v)
        .into_iter()
        .filter(|x| {
            !(renamed && x.field == "/error/code" && x.reason.starts_with("must be one of"))
        })
        .map(|x| x.to_string())
        .collect();
    if !reasons.is_empty() {
        breaches.push(Breach::Schema { kind, reasons });
    }
}
